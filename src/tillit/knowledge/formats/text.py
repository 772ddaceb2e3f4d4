"""Plain text: decoding (UTF-8, BOMs, legacy Windows encodings) and paragraphs from lines.

Paragraphs are separated by blank lines (or form feeds); hard-wrapped lines inside a paragraph
are joined. A line that starts with a list marker ("- ", "• ", "1. ", "a) ") starts a list item.
"""

from __future__ import annotations

import codecs
import re

from tillit.knowledge.documents import Block
from tillit.knowledge.formats import Extracted, ExtractError

BINARY = "binärt innehåll, inte text"
_SAMPLE = 8192
_WESTERN = frozenset(
    "ascii utf_8 cp1252 latin_1 iso8859_1 iso8859_15 cp1250 iso8859_2 cp1257 iso8859_4 "
    "iso8859_13 iso8859_10 iso8859_3 iso8859_9 cp1254 iso8859_16 mac_roman mac_latin2 "
    "mac_iceland cp850 cp858 cp437 cp865 cp861".split()
)
_CONTROL = bytes(set(range(32)) - {9, 10, 12, 13, 27})
_ASCII = bytes(range(128))
_NOT_LETTERS = bytes(b for b in range(256) if not (65 <= b <= 90 or 97 <= b <= 122))
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*(?:\n[ \t]*)+|\f")
LIST_MARKER = re.compile(r"(?:[-*•–]|\d{1,3}[.)]|[a-zåäö]\))\s+\S")
_KEY_VALUE = re.compile(r"[A-ZÅÄÖ][\wåäöÅÄÖ .-]{0,30}: \S")


def decode_text(data: bytes, declared: str | None = None) -> str:
    """Bytes → str. BOMs win, then a declared charset, then UTF-8, then a legacy guess."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    if looks_binary(data):
        raise ExtractError(BINARY)
    if declared:
        try:
            return data.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return _decode_legacy(data)


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control characters near the start: not a text file."""
    sample = data[:_SAMPLE]
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROL))
    return controls > len(sample) // 10


def _decode_legacy(data: bytes) -> str:
    """Swedish files that are not UTF-8 are nearly always cp1252: text whose letters are mostly
    ASCII (åäö are a few per cent) is read as cp1252; other scripts are guessed."""
    if _mostly_latin(data):
        return _cp1252(data)
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - charset-normalizer is a dependency
        from_bytes = None
    if from_bytes is not None:
        best = from_bytes(data[:200_000]).best()
        if best is None:
            raise ExtractError(BINARY)
        encoding = best.encoding.lower()
        if encoding not in _WESTERN:
            try:
                return data.decode(encoding)
            except (LookupError, UnicodeDecodeError):
                pass
    return _cp1252(data)


def _mostly_latin(data: bytes) -> bool:
    sample = data[: _SAMPLE * 8]
    high = len(sample.translate(None, _ASCII))
    ascii_letters = len(sample.translate(None, _NOT_LETTERS))
    return high <= 0.3 * (ascii_letters + high)


def _cp1252(data: bytes) -> str:
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_paragraphs(text: str) -> list[list[str]]:
    """Blank-line separated paragraphs, each as its raw lines (trailing spaces kept)."""
    paragraphs = []
    for part in _PARAGRAPH_BREAK.split(text):
        lines = [line for line in part.split("\n") if line.strip()]
        if lines:
            paragraphs.append(lines)
    return paragraphs


def join_lines(lines: list[str]) -> str:
    """Re-join hard-wrapped lines. A line ending in a hyphen with nothing after it
    ("14-" + "17 kap.") is joined without a space; hyphens are never removed."""
    parts: list[str] = []
    previous = ""
    for raw in lines:
        if parts and not (parts[-1].endswith("-") and previous == previous.rstrip()):
            parts.append(" ")
        parts.append(" ".join(raw.split()))
        previous = raw
    return "".join(parts)


def line_blocks(lines: list[str]) -> list[Block]:
    """One paragraph's lines → a paragraph and/or list items (a marker starts a new item)."""
    blocks: list[Block] = []
    current: list[str] = []
    kind = "paragraph"
    for line in lines:
        if LIST_MARKER.match(line.lstrip()) and current:
            blocks.append(Block(kind, join_lines(current)))  # type: ignore[arg-type]
            current = []
        if not current:
            kind = "list_item" if LIST_MARKER.match(line.lstrip()) else "paragraph"
        current.append(line)
    if current:
        blocks.append(Block(kind, join_lines(current)))  # type: ignore[arg-type]
    return blocks


def paragraph_blocks(text: str) -> list[Block]:
    """Plain text already decoded (e.g. a JSON field) → paragraphs and list items."""
    paragraphs = split_paragraphs(normalise_newlines(text))
    return [block for lines in paragraphs for block in line_blocks(lines)]


def _title_lines(first: list[str]) -> tuple[str | None, list[str]]:
    """A short first line is the title when it stands alone or heads "Key: value" lines."""
    line = " ".join(first[0].split())
    short = len(line) <= 150 and len(line.split()) <= 15 and not LIST_MARKER.match(line)
    if short and not line.endswith((".", ",", ";", ":")):
        if len(first) == 1:
            return line, []
        if _KEY_VALUE.match(first[1].strip()):
            return line, first[1:]
    return None, first


def plain_text(data: bytes, charset: str | None = None) -> Extracted:
    text = normalise_newlines(decode_text(data, charset))
    paragraphs = split_paragraphs(text)
    blocks: list[Block] = []
    title = None
    if paragraphs:
        title, rest = _title_lines(paragraphs[0])
        if title:
            blocks.append(Block("heading", title, 1))
            if rest and _KEY_VALUE.match(rest[0].strip()):
                blocks.extend(Block("paragraph", " ".join(line.split())) for line in rest)
                rest = []
            paragraphs[0] = rest
    for lines in paragraphs:
        if lines:
            blocks.extend(line_blocks(lines))
    return Extracted(blocks=blocks, title=title, media_type="text/plain")
