"""PDF → paragraphs with pypdf. Headings cannot be known from a PDF's text layer.

Encrypted PDFs that open with the empty password are read; others are skipped, as are corrupt
files and PDFs without a text layer (scans).
"""

from __future__ import annotations

import io
import logging
import re
import statistics

from tillit.knowledge.documents import Block
from tillit.knowledge.formats import Extracted, ExtractError, clean
from tillit.knowledge.formats.text import line_blocks, split_paragraphs

ENCRYPTED = "krypterad PDF (lösenordsskyddad)"
NO_TEXT = "tom: PDF:en saknar textlager (skannad bild?)"
MAX_PAGES = 3000
_SENTENCE_END = re.compile(r"[.!?:]\s*$")
_JUNK_TITLE = re.compile(r"^(untitled|namnlös|microsoft word - .*)|\.(docx?|pdf|odt)$", re.I)


def extract_pdf(data: bytes, _charset: str | None = None) -> Extracted:
    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise ExtractError("trasig PDF: filen börjar inte som en PDF")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        _unlock(reader)
        pages = _page_texts(reader)
        metadata = _metadata(reader)
    except ExtractError:
        raise
    except Exception as exc:
        raise ExtractError(f"trasig PDF: {type(exc).__name__}") from exc
    blocks = [block for text in pages for block in page_blocks(text)]
    if not blocks:
        raise ExtractError(NO_TEXT)
    title = metadata.pop("title", None)
    return Extracted(blocks=blocks, title=title, metadata=metadata, media_type="application/pdf")


def _unlock(reader: object) -> None:
    if not reader.is_encrypted:  # type: ignore[attr-defined]
        return
    try:
        opened = reader.decrypt("")  # type: ignore[attr-defined]
    except Exception as exc:
        raise ExtractError(ENCRYPTED) from exc
    if not opened:
        raise ExtractError(ENCRYPTED)


def _page_texts(reader: object) -> list[str]:
    pages = reader.pages  # type: ignore[attr-defined]
    if len(pages) == 0:
        raise ExtractError("trasig PDF: inga sidor")
    if len(pages) > MAX_PAGES:
        raise ExtractError(f"för stor: {len(pages)} sidor (gräns {MAX_PAGES})")
    texts, failures = [], 0
    for page in pages:
        try:
            texts.append(page.extract_text() or "")
        except Exception:
            failures += 1
    if failures and not any(t.strip() for t in texts):
        raise ExtractError("trasig PDF: inga sidor gick att läsa")
    return texts


def _metadata(reader: object) -> dict[str, str]:
    info = reader.metadata or {}  # type: ignore[attr-defined]
    metadata = {"pages": str(len(reader.pages))}  # type: ignore[attr-defined]
    title = clean(str(info.get("/Title") or ""))
    if title and not _JUNK_TITLE.search(title):
        metadata["title"] = title
    author = clean(str(info.get("/Author") or ""))
    if author:
        metadata["author"] = author
    return metadata


def page_blocks(text: str) -> list[Block]:
    """A page's text → blocks. Blank lines separate paragraphs; without any, a short line that
    ends a sentence ends its paragraph (typical pypdf output of justified text)."""
    text = text.replace("\r\n", "\n").replace("\x00", "")
    paragraphs = split_paragraphs(text)
    if len(paragraphs) == 1 and len(paragraphs[0]) > 3:
        paragraphs = _split_on_short_lines(paragraphs[0])
    return [block for lines in paragraphs for block in line_blocks(lines)]


def _split_on_short_lines(lines: list[str]) -> list[list[str]]:
    typical = statistics.median(len(line.strip()) for line in lines)
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        paragraphs[-1].append(line)
        stripped = line.strip()
        if _SENTENCE_END.search(stripped) and len(stripped) < 0.7 * typical:
            paragraphs.append([])
    return [p for p in paragraphs if p]
