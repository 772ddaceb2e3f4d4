"""Template helpers of the web app (tillit/web/app.py)."""

from __future__ import annotations

from tillit.web.app import swedish_time


def test_times_are_shown_in_swedish_local_time() -> None:
    assert swedish_time("2026-01-15T11:05:00+00:00") == "2026-01-15 12:05"  # CET
    assert swedish_time("2026-07-01T22:30:00+00:00") == "2026-07-02 00:30"  # CEST, next day
    assert swedish_time("2026-07-01T22:30:00") == "2026-07-02 00:30"  # no offset: UTC
    assert swedish_time(None) == "" and swedish_time("") == ""


def test_datetimes_as_stored_are_shown_in_swedish_local_time() -> None:
    from datetime import UTC, datetime

    assert swedish_time(datetime(2026, 1, 15, 11, 5, tzinfo=UTC)) == "2026-01-15 12:05"
    assert swedish_time(datetime(2026, 7, 1, 22, 30, 15), seconds=True) == "2026-07-02 00:30:15"


def test_capabilities_and_prices_read_as_swedish() -> None:
    from tillit.web.app import capabilities_sv, decimal_sv

    assert capabilities_sv(["chat", "embeddings"]) == "chatt, inbäddningar"
    assert decimal_sv(0.5) == "0,5" and decimal_sv(None) == "–" and decimal_sv(2.0) == "2"


def test_citation_numbers_link_to_their_sources_and_nothing_else_is_markup() -> None:
    from tillit.web.app import cite_links

    html = str(cite_links("Bygglov behövs [1][2]. <script>x</script> [7]", 2))
    assert '<a href="#kalla-1" aria-label="källa 1">[1]</a>' in html and 'href="#kalla-2"' in html
    assert "&lt;script&gt;" in html and "<script>" not in html and "[7]" in html


def test_who_did_something_reads_as_a_name() -> None:
    from tillit.web.app import actor_sv

    assert actor_sv("user:anna") == "anna" and actor_sv("system:cli") == "systemet (kommandoraden)"
    assert actor_sv("key:e-tjansten") == "API-nyckeln e-tjansten" and actor_sv(None) == ""


def test_templates_link_a_source_only_when_it_is_a_web_address() -> None:
    """The pages decide with the same function as the register and provenance pages."""
    from tillit.web.app import make_templates

    page = make_templates().env.from_string(
        '{% for s in sources %}{{ "länk" if s is web_address else "namn" }} {% endfor %}'
    )
    sources = ["https://kommun.example/taxa", "taxa.pdf", "ftp://kommun.example/x"]
    assert page.render(sources=sources) == "länk namn namn "
