"""How a document's source is shown outside the server (API, pages, citations)."""

from __future__ import annotations

import pytest

from tillit.knowledge.documents import is_web_address, shown_source


@pytest.mark.parametrize(
    ("source", "origin", "shown"),
    [
        ("/srv/kommun/sidor/bygga/altan.md", "/srv/kommun/sidor", "bygga/altan.md"),
        ("/srv/kommun/sidor/../lagar/sfs.md", "/srv/kommun/lagar", "sfs.md"),
        ("/home/anna/riktlinjer.pdf", "/home/anna/riktlinjer.pdf", "riktlinjer.pdf"),
        ("/var/tillit/uploads/tmp3x/taxa.docx", "/var/tillit/uploads/tmp3x", "taxa.docx"),
        ("/link/sidor/plan.md", "/real/sidor", "plan.md"),  # outside the origin: the name
        ("/srv/data/poster.json#17", "/srv/data/poster.json", "poster.json#17"),
        ("https://kommun.example/bygglov?id=2", "https://kommun.example/", None),
        ("https://anna:hemligt@intra.example/sida", "https://intra.example/", None),
    ],
)
def test_a_source_is_shown_without_the_servers_paths_or_credentials(
    source: str, origin: str, shown: str | None
) -> None:
    expected = shown or source.replace("anna:hemligt@", "")
    assert shown_source(source, origin) == expected


@pytest.mark.parametrize(
    ("source", "web"),
    [
        ("https://kommun.example/bygglov", True),
        ("http://intra.example/sida", True),
        ("/srv/kommun/http://inte-en-adress.md", False),
        ("httpdokument.md", False),
        ("ftp://kommun.example/fil.txt", False),
        ("", False),
    ],
)
def test_only_http_and_https_sources_are_web_addresses(source: str, web: bool) -> None:
    assert is_web_address(source) is web
