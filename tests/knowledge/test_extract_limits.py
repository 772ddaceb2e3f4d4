"""Hostile documents: each is skipped with a Swedish reason before it costs much time or memory.

The inputs are small generated files; the limits are lowered so that the budgets trip early.
"""

from __future__ import annotations

import io
import itertools
import time
import zipfile
import zlib

import pytest

import tillit.knowledge.formats.docx as docx_format
import tillit.knowledge.formats.html as html_format
import tillit.knowledge.formats.markdown as md_format
import tillit.knowledge.formats.pdf as pdf_format
from tests.knowledge.fixtures import docx_bytes, pdf_file
from tillit.knowledge.extract import ExtractError, extract

FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
RESOURCES = b"/Resources << /Font << /F1 4 0 R >> /XObject << /X0 5 0 R >> >>"


def reason(data: bytes, filename: str) -> str:
    with pytest.raises(ExtractError) as caught:
        extract(data, filename=filename)
    return caught.value.reason


def stream(data: bytes, extra: bytes = b"") -> bytes:
    packed = zlib.compress(data, 9)
    head = b"<< %s /Length %d /Filter /FlateDecode >>\nstream\n" % (extra, len(packed))
    return head + packed + b"\nendstream"


def shared_content_pdf(pages: int, padding: int) -> bytes:
    """``pages`` page entries that all use one content stream padded with spaces."""
    content = b"BT /F1 12 Tf 72 712 Td (Delad sida) Tj ET\n" + b" " * padding
    kids = b" ".join([b"3 0 R"] * pages)
    return pdf_file(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] %s /Contents 6 0 R >>"
            % RESOURCES,
            FONT,
            stream(b"", b"/Type /XObject /Subtype /Form /BBox [0 0 1 1]"),
            stream(content),
        ]
    )


def form_pdf(uses: int) -> bytes:
    """One page that draws the same form XObject (which shows text) ``uses`` times."""
    form = b"BT /F1 12 Tf 72 712 Td (Formtext) Tj ET"
    resources = b"/Resources << /Font << /F1 4 0 R >> >>"
    return pdf_file(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] %s /Contents 6 0 R >>"
            % RESOURCES,
            FONT,
            stream(form, b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] " + resources),
            stream(b" ".join([b"q /X0 Do Q"] * uses)),
        ]
    )


# --- PDF -----------------------------------------------------------------------------------


def test_pdf_pages_sharing_a_huge_content_stream_are_stopped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The reviewer's file: 2,900 pages on one stream of 60 MB of spaces (hours). Here 50 pages
    on 200 kB, and a budget of 1 MB: the sixth page is not read."""
    data = shared_content_pdf(pages=50, padding=200_000)
    monkeypatch.setattr(pdf_format, "MAX_CONTENT_BYTES", 2**20, raising=False)
    assert reason(data, "delad.pdf") == (
        "för stort eller för långsamt att läsa (sidornas innehåll är över 1 MB)"
    )


def test_pdf_within_the_content_budget_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    data = shared_content_pdf(pages=5, padding=200_000)
    monkeypatch.setattr(pdf_format, "MAX_CONTENT_BYTES", 2**20, raising=False)
    extracted = extract(data, filename="delad.pdf")
    assert [b.text for b in extracted.blocks] == ["Delad sida"] * 5


def test_pdf_text_budget_counts_text_inside_form_xobjects(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pdf_format, "MAX_TEXT_BYTES", 80, raising=False)  # 10 × "Formtext"
    assert extract(form_pdf(uses=10), filename="form.pdf").blocks
    assert reason(form_pdf(uses=11), filename="form.pdf").startswith(
        "för stort eller för långsamt att läsa (texten är över"
    )


def test_pdf_deadline_is_checked_inside_a_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """A clock that moves one second per look: the single page runs out of time among the
    form XObject's operators, not only between pages."""
    ticks = itertools.count()
    monkeypatch.setattr(pdf_format, "_clock", lambda: float(next(ticks)), raising=False)
    monkeypatch.setattr(pdf_format, "MAX_SECONDS", 20.0, raising=False)
    assert reason(form_pdf(uses=100), filename="form.pdf") == (
        "för stort eller för långsamt att läsa (tog över 20 s)"
    )
    assert next(ticks) < 40  # stopped soon after the deadline, not after all 100 uses


# --- Markdown ------------------------------------------------------------------------------


def alias_bomb(levels: int) -> str:
    """YAML "billion laughs": each level lists the one before ten times, by alias."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]")
    return "\n".join([*lines, f"title: *a{levels - 1}"])


def test_markdown_front_matter_with_aliases_is_ignored_and_body_kept() -> None:
    """Nine levels took 129 s and ended in MemoryError; four (10,000 "lol") show the expansion
    without that cost if the fix is missing."""
    text = f"---\n{alias_bomb(4)}\n---\n# Bygglov\n\nText om bygglov.\n"
    extracted = extract(text.encode(), filename="bomb.md")
    assert extracted.title == "Bygglov"
    assert extracted.metadata == {"front_matter": md_format.ALIASES_IGNORED}
    assert [b.text for b in extracted.blocks] == ["Bygglov", "Text om bygglov."]


def test_markdown_front_matter_without_aliases_still_gives_metadata() -> None:
    text = "---\ntitle: Avfall & återvinning\nnot: 2 * 3\ntaggar: [sopor, tömning]\n---\nText.\n"
    extracted = extract(text.encode(), filename="avfall.md")
    assert extracted.metadata == {
        "title": "Avfall & återvinning",
        "not": "2 * 3",
        "taggar": "sopor, tömning",
    }


def test_markdown_deeply_nested_front_matter_does_not_crash() -> None:
    """500 nested lists exhausted PyYAML's stack: RecursionError, the whole file lost."""
    text = "---\nlista: " + "[" * 500 + "]" * 500 + "\n---\nText om parkering.\n"
    extracted = extract(text.encode(), filename="djup.md")
    assert extracted.metadata == {}
    assert "Text om parkering." in [b.text for b in extracted.blocks]


def test_markdown_front_matter_over_the_cap_is_not_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "---\ntitle: Lång\n---\nText.\n"
    monkeypatch.setattr(md_format, "MAX_FRONT_MATTER", len("title: Lång\n") - 1, raising=False)
    extracted = extract(text.encode(), filename="lang.md")
    assert extracted.metadata == {}
    assert extracted.title is None
    monkeypatch.setattr(md_format, "MAX_FRONT_MATTER", len("title: Lång\n"))
    assert extract(text.encode(), filename="lang.md").title == "Lång"


# --- DOCX ----------------------------------------------------------------------------------

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx_with_body(body: str, prefix: str = "w") -> bytes:
    """A real python-docx package whose document.xml holds ``body`` (``prefix`` is bound to
    WordprocessingML's namespace)."""
    xml = f'<?xml version="1.0"?><{prefix}:document xmlns:{prefix}="{W}"><{prefix}:body>'
    xml += body + f"</{prefix}:body></{prefix}:document>"
    source = zipfile.ZipFile(io.BytesIO(docx_bytes()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            archive.writestr(info, xml.encode() if info.filename == "word/document.xml" else data)
    return buffer.getvalue()


TEXT = "<w:p><w:r><w:t>Sista stycket.</w:t></w:r></w:p>"


def test_docx_with_too_many_paragraphs_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """1.2 million one-letter paragraphs in 155 KB took 47 s and 860 MB. Empty paragraphs
    count too, also in another namespace prefix."""
    monkeypatch.setattr(docx_format, "MAX_PARAGRAPHS", 1_000, raising=False)
    assert reason(docx_with_body("<w:p/>" * 1_000 + TEXT), "stycken.docx") == (
        "för stor: 1 001 stycken (gränsen är 1 000)"
    )
    other = "<x:p/>" * 1_000 + TEXT.replace("w:", "x:")
    assert reason(docx_with_body(other, prefix="x"), "x.docx").startswith("för stor: 1 001")
    extracted = extract(docx_with_body("<w:p/>" * 999 + TEXT), filename="stycken.docx")
    assert [b.text for b in extracted.blocks] == ["Sista stycket."]


def elements(data: bytes) -> int:
    """Start tags in a package's XML parts (not its JPEG thumbnail), as the check counts them."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = [archive.read(info) for info in archive.infolist()]
    return sum(part.count(b"<") - part.count(b"</") for part in parts if part.startswith(b"<"))


def test_docx_with_too_many_elements_is_refused_before_parsing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One paragraph of 8 million empty runs (48 MB of XML in a 106 KB file) took 92 s and
    1.8 GB; the paragraph limit does not see it, the element count does."""
    data = docx_with_body("<w:p>" + "<w:r/>" * 5_000 + "</w:p>" + TEXT)
    base = elements(docx_with_body(TEXT))  # styles.xml alone has thousands
    assert elements(data) == base + 5_001
    monkeypatch.setattr(docx_format, "MAX_ELEMENTS", base + 5_000, raising=False)
    assert reason(data, "runs.docx") == f"för stor: över {base + 5_000:,} XML-element".replace(
        ",", " "
    )
    monkeypatch.setattr(docx_format, "MAX_ELEMENTS", base + 5_001)
    assert extract(data, filename="runs.docx").blocks


def test_docx_element_count_skips_parts_that_are_not_xml() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/media/bild.png", b"\x89PNG\r\n" + b"<" * 1_000)
        archive.writestr("word/annat.bin", "  <a><b/></a>".encode("utf-16"))  # with BOM
        archive.writestr("word/document.xml", '<?xml version="1.0"?><a><!-- x --><b/></a>')
    with zipfile.ZipFile(buffer) as archive:
        counts = [docx_format._start_tags(archive, info, 10**9) for info in archive.infolist()]
    # Not the image; UTF-16's end tag, the declaration and the comment count: never too few.
    assert counts == [0, 3, 4]


def test_docx_part_with_a_bad_checksum_is_broken_not_a_crash() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("word/document.xml", f'<w:document xmlns:w="{W}"><w:body/></w:document>')
    data = buffer.getvalue().replace(b"<w:body/>", b"<w:body/ ", 1)
    assert reason(data, "trasig.docx") == "trasig DOCX: word/document.xml går inte att packa upp"


def test_html_with_millions_of_elements_is_refused_before_parsing() -> None:
    """19 MB of "<li>a" (under the 20 MB size limit) took 37 s and 1.9 GB of memory, and
    19 MB of nested inline elements 52 s: the elements are counted first, as for DOCX."""
    data = b"<html><body><ul>" + b"<li>a" * (19 * 2**20 // 5) + b"</ul></body></html>"
    started = time.monotonic()
    assert reason(data, "lista.html").startswith("för stor: över")
    assert time.monotonic() - started < 5


def test_html_element_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(html_format, "MAX_ELEMENTS", 1000)
    page = b"<h1>Taxa</h1>" + b"<p>Avgiften \xc3\xa4r 5 000 kr.</p>" * 400
    assert [b.kind for b in extract(page, filename="taxa.html").blocks][:2] == [
        "heading",
        "paragraph",
    ]
    assert "HTML-element" in reason(page * 3, "taxa.html")
