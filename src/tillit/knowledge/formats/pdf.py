"""PDF → paragraphs with pypdf. Headings cannot be known from a PDF's text layer.

Encrypted PDFs that open with the empty password are read; others are skipped, as are corrupt
files and PDFs without a text layer (scans). Invisible text (render mode 3) is read: it is the
text layer OCR tools (Tesseract, OCRmyPDF, Acrobat) lay over a scanned page.

Each document has a budget (``_Budget``): page content read, text shown and wall time. A small
file can make pypdf parse the same huge stream for every page or every form XObject use (a
79 KB file took hours), so the whole document is skipped as soon as one part is spent.
"""

from __future__ import annotations

import io
import logging
import re
import statistics
import time
from collections.abc import Callable
from typing import Any

from tillit.knowledge.documents import Block
from tillit.knowledge.formats import Extracted, ExtractError, clean
from tillit.knowledge.formats.text import line_blocks, split_paragraphs

ENCRYPTED = "krypterad PDF (lösenordsskyddad)"
NO_TEXT = "tom: PDF:en saknar textlager (skannad bild?)"
MAX_PAGES = 3000
TOO_COSTLY = "för stort eller för långsamt att läsa"
MAX_CONTENT_BYTES = 250 * 2**20  # decoded page content, a shared stream counted for each page;
# a text page is typically 5–50 kB, so 3,000 real pages fit
MAX_TEXT_BYTES = 50 * 2**20  # strings shown by text operators, form XObjects included
MAX_SECONDS = 120.0  # wall time for the pages; a normal page takes about 10 ms
_SHOWS_TEXT = {b"Tj", b"TJ", b"'", b'"'}
_clock: Callable[[], float] = time.monotonic  # tests replace it
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
    budget = _Budget()
    texts, failures = [], 0
    for page in pages:
        budget.check()
        try:
            texts.append(_page_text(page, budget))
        except ExtractError:
            raise
        except Exception:
            failures += 1
    if failures and not any(t.strip() for t in texts):
        raise ExtractError("trasig PDF: inga sidor gick att läsa")
    return texts


def _page_text(page: Any, budget: _Budget) -> str:
    budget.spend_content(_content_size(page, budget.content_left))
    text = page.extract_text(visitor_operand_before=budget.visit) or ""
    budget.check()  # pypdf swallows errors inside form XObjects; the last one may be spent
    return text


def _content_size(page: Any, enough: int) -> int:
    """Decoded size of the page's content streams (decoded once; pypdf keeps the result),
    counting stops once it is over ``enough``."""
    contents = page.get("/Contents")
    if contents is None:
        return 0
    contents = contents.get_object()
    size = 0
    for part in contents if isinstance(contents, list) else [contents]:
        stream = part.get_object()
        if hasattr(stream, "get_data"):
            size += len(stream.get_data())
        if size > enough:
            break
    return size


class _Budget:
    """What reading one PDF may cost. Once a part is spent every call raises ``ExtractError``,
    so the error also gets out of pypdf's form XObject handling, which logs and goes on."""

    def __init__(self) -> None:
        self.deadline = _clock() + MAX_SECONDS
        self.content_left = MAX_CONTENT_BYTES
        self.text_left = MAX_TEXT_BYTES
        self.spent: str | None = None

    def spend_content(self, size: int) -> None:
        self.content_left -= size
        if self.content_left < 0:
            self.spent = f"sidornas innehåll är över {_mb(MAX_CONTENT_BYTES)}"
        self.check()

    def visit(self, operator: bytes, operands: list[Any], _cm: Any, _tm: Any) -> None:
        """pypdf calls this before each operator, also inside form XObjects."""
        if operator in _SHOWS_TEXT:
            self.text_left -= _string_bytes(operands)
            if self.text_left < 0:
                self.spent = f"texten är över {_mb(MAX_TEXT_BYTES)}"
        self.check()

    def check(self) -> None:
        if self.spent is None and _clock() > self.deadline:
            self.spent = f"tog över {MAX_SECONDS:g} s"
        if self.spent is not None:
            raise ExtractError(f"{TOO_COSTLY} ({self.spent})")


def _string_bytes(operands: list[Any]) -> int:
    size = 0
    for operand in operands:
        if isinstance(operand, str | bytes):
            size += len(operand)
        elif isinstance(operand, list):
            size += _string_bytes(operand)
    return size


def _mb(size: int) -> str:
    return f"{size / 2**20:g} MB".replace(".", ",")


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
