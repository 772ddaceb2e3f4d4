"""Swedish personal data in free text: ``detect(text) -> list[Entity]``.

Offsets are character offsets into ``text`` (end exclusive). Long texts are read in chunks cut at
sentence or line ends, so memory and time stay proportional to the text; names found in one chunk
are carried into the next. Entity values are never logged: ``Entity``'s repr hides ``text``.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from tillit.errors import InvalidInput
from tillit.privacy.orgs import find_orgs
from tillit.privacy.patterns import find_patterns, word_starts
from tillit.privacy.persons import find_persons

TYPES = (
    "PERSON",
    "PNR",
    "ADDRESS",
    "PHONE",
    "EMAIL",
    "ORG",
    "IBAN",
    "BANKGIRO",
    "PLUSGIRO",
    "REGNR",
)
# Which type wins when two detections overlap (first wins).
PRIORITY = (
    "EMAIL",
    "IBAN",
    "PNR",
    "BANKGIRO",
    "PLUSGIRO",
    "PHONE",
    "ORG",
    "ADDRESS",
    "REGNR",
    "PERSON",
)
CHUNK_CHARS = 100_000
_CUT_SEARCH = 5_000


@dataclass(frozen=True, order=True)
class Entity:
    start: int
    end: int
    type: str
    text: str = field(repr=False, compare=False)

    def as_dict(self) -> dict[str, object]:
        return {"start": self.start, "end": self.end, "type": self.type, "text": self.text}


def detect(text: str) -> list[Entity]:
    """All personal data found in ``text``, sorted by position, never overlapping."""
    if not isinstance(text, str):
        raise InvalidInput("Texten måste vara en sträng.", code="privacy_text_not_string")
    entities: list[Entity] = []
    known: set[str] = set()
    for offset, chunk in _chunks(text):
        spans, known = _detect_chunk(chunk, known)
        entities += [Entity(s + offset, e + offset, t, chunk[s:e]) for s, e, t in spans]
    return entities


def _detect_chunk(text: str, known: set[str]) -> tuple[list[tuple[int, int, str]], set[str]]:
    starts = word_starts(text)
    spans = find_patterns(text, starts)
    spans += list(find_orgs(text, starts))
    persons, names = find_persons(text, known)
    return _resolve(spans + persons), names


def _resolve(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Keep the best of overlapping spans: higher-priority type first, then the longer one."""
    rank = {name: i for i, name in enumerate(PRIORITY)}
    ordered = sorted(set(spans), key=lambda s: (rank[s[2]], s[0] - s[1], s[0]))
    starts: list[int] = []
    kept: list[tuple[int, int, str]] = []
    for span in ordered:
        start, end, _ = span
        if start >= end:
            continue
        i = bisect.bisect_left(starts, start)
        if (i > 0 and kept[i - 1][1] > start) or (i < len(kept) and kept[i][0] < end):
            continue
        starts.insert(i, start)
        kept.insert(i, span)
    return kept


def _chunks(text: str) -> list[tuple[int, str]]:
    chunks: list[tuple[int, str]] = []
    position = 0
    while len(text) - position > CHUNK_CHARS:
        cut = _cut_point(text, position + CHUNK_CHARS)
        chunks.append((position, text[position:cut]))
        position = cut
    chunks.append((position, text[position:]))
    return chunks


def _cut_point(text: str, limit: int) -> int:
    """A place at or before ``limit`` where no entity is likely to straddle: a line or sentence
    end, else whitespace, else the limit itself."""
    low = limit - _CUT_SEARCH
    for marker in ("\n", ". ", " "):
        found = text.rfind(marker, low, limit)
        if found > 0:
            return found + len(marker)
    return limit
