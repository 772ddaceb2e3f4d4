"""Bytes + media type (or file name) → structured blocks, a title and metadata.

``extract`` is what connectors call. It never returns half a document: it either returns the
blocks or raises ``ExtractError`` whose ``reason`` (Swedish, starting with a fixed word such as
"för stor", "tom", "trasig PDF", "krypterad PDF", "filtypen stöds inte", "binärt innehåll")
becomes a ``Skipped`` record.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath

from tillit.knowledge.formats import EMPTY, Extracted, ExtractError
from tillit.knowledge.formats.docx import extract_docx
from tillit.knowledge.formats.html import extract_html
from tillit.knowledge.formats.markdown import extract_markdown
from tillit.knowledge.formats.pdf import extract_pdf
from tillit.knowledge.formats.text import plain_text

__all__ = [
    "DEFAULT_MAX_BYTES",
    "EMPTY",
    "UNSUPPORTED",
    "ExtractError",
    "Extracted",
    "check_size",
    "extract",
    "finish",
    "media_type_for",
]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
UNSUPPORTED = "filtypen stöds inte"

MEDIA_TYPES = {
    ".txt": "text/plain",
    ".text": "text/plain",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".html": "text/html",
    ".htm": "text/html",
    ".xhtml": "text/html",
    ".pdf": "application/pdf",
    ".docx": DOCX,
}
_ALIASES = {
    "application/xhtml+xml": "text/html",
    "text/x-markdown": "text/markdown",
    "application/x-pdf": "application/pdf",
}
_EXTRACTORS: dict[str, Callable[[bytes, str | None], Extracted]] = {
    "text/plain": plain_text,
    "text/markdown": extract_markdown,
    "text/html": extract_html,
    "application/pdf": extract_pdf,
    DOCX: extract_docx,
}


def media_type_for(name: str) -> str | None:
    """The media type Tillit reads a file as, from its extension; None if unsupported."""
    return MEDIA_TYPES.get(PurePath(name).suffix.lower())


def supported(media_type: str) -> bool:
    return _split(media_type)[0] in _EXTRACTORS


def extract(
    data: bytes,
    media_type: str | None = None,
    *,
    filename: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Extracted:
    """Extract ``data``. ``media_type`` (may carry "; charset=…") wins over ``filename``."""
    kind, charset = _split(media_type or "")
    if kind not in _EXTRACTORS and filename:
        kind = media_type_for(filename) or kind
    if kind not in _EXTRACTORS:
        suffix = PurePath(filename).suffix if filename else ""
        raise ExtractError(f"{UNSUPPORTED}: {suffix or kind or 'okänd'}")
    check_size(len(data), max_bytes)
    if not data.strip():
        raise ExtractError(EMPTY)
    return finish(_EXTRACTORS[kind](data, charset))


def check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise ExtractError(f"för stor: {_mb(size)} (gränsen är {_mb(max_bytes)})")


def finish(extracted: Extracted) -> Extracted:
    """Drop empty blocks; a document with no text left is skipped as empty."""
    extracted.blocks = [b for b in extracted.blocks if b.text.strip()]
    if not extracted.blocks:
        raise ExtractError(EMPTY)
    if extracted.title:
        extracted.title = " ".join(extracted.title.split())[:500]
    return extracted


def _split(media_type: str) -> tuple[str, str | None]:
    kind, _, params = media_type.partition(";")
    kind = kind.strip().lower()
    kind = _ALIASES.get(kind, kind)
    charset = None
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("\"'")
    return kind, charset


def _mb(size: int) -> str:
    return f"{size / 2**20:.1f} MB".replace(".", ",")
