"""How a document's source is shown outside the server (API, pages, citations)."""

from __future__ import annotations

import pytest

from tillit.knowledge.documents import shown_source


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
