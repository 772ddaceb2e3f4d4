"""One module per document format, each turning bytes into structured blocks.

``tillit.knowledge.extract`` chooses the format; these modules only know their own. A format that
cannot read its input raises ``ExtractError`` with a short Swedish reason that the web editor shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tillit.knowledge.documents import Block

EMPTY = "tom: ingen text att indexera"


class ExtractError(Exception):
    """A document could not be used. ``reason`` is shown to people (Swedish)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Extracted:
    """Blocks in reading order, the document's own title (if it has one) and its metadata."""

    blocks: list[Block]
    title: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    media_type: str = "text/plain"


_INVISIBLE = str.maketrans({"\u00ad": None, "\u200b": None, "\ufeff": None, "\x00": None})


def clean(text: str) -> str:
    """Collapse whitespace (incl. no-break spaces) and drop soft hyphens and zero-width marks."""
    return " ".join(text.translate(_INVISIBLE).split())
