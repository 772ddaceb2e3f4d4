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
from tillit.privacy.patterns import capitalised_words, find_patterns
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
_RANK = {name: i for i, name in enumerate(PRIORITY)}
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
    words = capitalised_words(text)
    spans = find_patterns(text, words)
    spans += find_orgs(text, words)
    persons, names = find_persons(text, known)
    return _resolve(spans + persons), names


def _resolve(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Keep the best of overlapping spans: higher-priority type first, then the longer one.

    Spans that overlap no other are kept as they are; only a cluster of overlapping spans is
    settled by priority (a kept span can only push out spans in its own cluster)."""
    kept: list[tuple[int, int, str]] = []
    cluster: list[tuple[int, int, str]] = []
    cluster_end = 0
    for span in sorted({s for s in spans if s[0] < s[1]}):
        if span[0] >= cluster_end:
            kept += _settle(cluster) if len(cluster) > 1 else cluster
            cluster = []
        cluster.append(span)
        cluster_end = max(cluster_end, span[1])
    kept += _settle(cluster) if len(cluster) > 1 else cluster
    return kept


def _settle(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Overlapping spans: take them by priority, each one unless it overlaps one taken."""
    ordered = sorted(spans, key=lambda s: (_RANK[s[2]], s[0] - s[1], s[0]))
    starts: list[int] = []
    kept: list[tuple[int, int, str]] = []
    for span in ordered:
        start, end, _ = span
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
