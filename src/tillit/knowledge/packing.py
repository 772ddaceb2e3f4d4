"""Packing blocks into chunks of about N words: sentence splitting, list/table grouping, overlap.

Used by the chunker for one section at a time (blocks under one heading path), so a chunk never
spans a heading change. Lists and tables stay whole while they fit ``limit`` words; longer ones
are split by item or by row (each table piece repeats the header row). Paragraphs longer than the
target are split at sentence boundaries; the next chunk starts with up to ``overlap`` words of
whole trailing sentences or short paragraphs from the previous one.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from tillit.knowledge.documents import Block

_BOUNDARY = re.compile(r"(?<=[.!?…])[\"'”»)]*\s+(?=[\"'“«(]?[A-ZÅÄÖÉÜ])")
_ABBREVIATIONS = frozenset(
    "t.ex. bl.a. m.fl. s.k. kap. t.o.m. fr.o.m. d.v.s. dvs. osv. resp. jfr. nr. st. ca. p.g.a. "
    "pga. m.m. o.d. e.g. i.e. dr. prop. bet. rskr. s. f. ff. m.a.o. exkl. inkl. tel. obs. "
    "kl. mån. tis. ons. tors. fre. lör. sön. jan. feb. aug. sept. okt. nov. dec. ang. enl.".split()
)
_MAX_CHARS_PER_WORD = 12


@dataclass
class Unit:
    """Smallest packable piece: a sentence, a paragraph, a whole list or table, or a part."""

    text: str
    words: int
    block: int
    kind: str
    overlap_ok: bool = False


def words_in(text: str) -> int:
    """Size in words, counting very long "words" (URLs, runs without spaces) by their length."""
    return max(len(text.split()), len(text) // _MAX_CHARS_PER_WORD)


def sentences(text: str) -> list[str]:
    """Split at sentence ends, not after common Swedish abbreviations ("t.ex.", "2 kap.")."""
    pieces: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        before = text[start : match.start()].rsplit(None, 1)
        word = before[-1].lower() if before else ""
        if word in _ABBREVIATIONS or (len(word) == 2 and word[0].isalpha()):
            continue
        pieces.append(text[start : match.start()].strip())
        start = match.end()
    pieces.append(text[start:].strip())
    return [p for p in pieces if p]


def _by_words(text: str, size: int) -> list[str]:
    """Last resort for a sentence longer than ``size`` words (or a run of text without spaces)."""
    tokens = text.split()
    pieces = [" ".join(tokens[i : i + size]) for i in range(0, len(tokens), size)]
    max_chars = size * _MAX_CHARS_PER_WORD
    return [p[i : i + max_chars] for p in pieces for i in range(0, len(p), max_chars)]


def text_units(text: str, block: int, kind: str, target: int, overlap: int) -> Iterator[Unit]:
    count = words_in(text)
    if count <= target:
        yield Unit(text, count, block, kind, count <= overlap)
        return
    for sentence in sentences(text):
        size = words_in(sentence)
        if size <= target:
            yield Unit(sentence, size, block, kind, size <= overlap)
        else:
            for piece in _by_words(sentence, target):
                yield Unit(piece, words_in(piece), block, kind)


def _table_units(text: str, block: int, target: int, limit: int) -> Iterator[Unit]:
    count = words_in(text)
    if count <= limit:
        yield Unit(text, count, block, "table")
        return
    header, *rows = text.split("\n")
    group: list[str] = []
    size = words_in(header)
    for row in rows:
        row_words = words_in(row)
        if group and size + row_words > target:
            yield Unit("\n".join([header, *group]), size, block, "table")
            group, size = [], words_in(header)
        group.append(row)
        size += row_words
    if group or not rows:
        yield Unit("\n".join([header, *group]), size, block, "table")


def units(blocks: list[Block], target: int, overlap: int, limit: int) -> list[Unit]:
    """Blocks of one section → units. Consecutive list items form one list while it fits."""
    result: list[Unit] = []
    i = 0
    while i < len(blocks):
        block = blocks[i]
        if block.kind == "list_item":
            j = i
            while j < len(blocks) and blocks[j].kind == "list_item":
                j += 1
            result.extend(_list_units(blocks, i, j, target, overlap, limit))
            i = j
            continue
        if block.kind == "table":
            result.extend(_table_units(block.text, i, target, limit))
        elif block.kind == "preformatted" and words_in(block.text) <= limit:
            result.append(Unit(block.text, words_in(block.text), i, "preformatted"))
        else:
            result.extend(text_units(block.text, i, block.kind, target, overlap))
        i += 1
    return result


def _list_units(
    blocks: list[Block], start: int, end: int, target: int, overlap: int, limit: int
) -> Iterator[Unit]:
    items = [b.text for b in blocks[start:end]]
    total = sum(words_in(t) for t in items)
    if total <= limit:
        yield Unit("\n".join(items), total, start, "list")
        return
    for offset, item in enumerate(items):
        yield from text_units(item, start + offset, "list_item", target, overlap)


def _separator(previous: Unit, unit: Unit) -> str:
    if previous.block == unit.block:
        return " " if unit.kind not in ("table", "list") else "\n"
    if previous.kind in ("list", "list_item") and unit.kind in ("list", "list_item"):
        return "\n"
    return "\n\n"


def join(chunk: list[Unit]) -> str:
    parts = [chunk[0].text]
    for previous, unit in itertools.pairwise(chunk):
        parts.append(_separator(previous, unit))
        parts.append(unit.text)
    return "".join(parts)


def _overlap(chunk: list[Unit], overlap: int) -> list[Unit]:
    seed: list[Unit] = []
    size = 0
    for unit in reversed(chunk[1:]):
        if not unit.overlap_ok or size + unit.words > overlap:
            break
        seed.insert(0, unit)
        size += unit.words
    return seed


def pack(all_units: list[Unit], target: int, overlap: int, limit: int) -> list[str]:
    """Greedy packing up to ``target`` words; one unit may reach ``limit`` on its own."""
    chunks: list[str] = []
    current: list[Unit] = []
    size = 0
    fresh = False
    for unit in all_units:
        if fresh and size + unit.words > target:
            chunks.append(join(current))
            seed = _overlap(current, overlap) if unit.words + overlap <= limit else []
            current, size, fresh = seed, sum(u.words for u in seed), False
        current.append(unit)
        size += unit.words
        fresh = True
    if fresh:
        chunks.append(join(current))
    return chunks
