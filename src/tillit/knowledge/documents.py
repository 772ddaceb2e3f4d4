"""What connectors produce and the chunker consumes: documents as structured blocks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal, Protocol

BlockKind = Literal["heading", "paragraph", "list_item", "table", "preformatted"]


@dataclass
class Block:
    """One structural unit of a document. Headings carry their level (1 = top)."""

    kind: BlockKind
    text: str
    level: int = 0


@dataclass
class SourceDocument:
    """A document as a connector found it.

    ``key`` is the stable document id within its collection (a file's name without extension;
    for web pages the URL path). ``version`` is the document's own date or version (e.g. the
    file's modification time or HTTP Last-Modified), in ISO form when it is a date.
    """

    key: str
    title: str
    source: str
    blocks: list[Block]
    owner: str | None = None
    version: str | None = None
    media_type: str = "text/plain"
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n\n".join(block.text for block in self.blocks)


@dataclass
class Skipped:
    """A document that could not be used, and why (shown to the web editor, never silent)."""

    key: str
    source: str
    reason: str


class Connector(Protocol):
    """A source of documents. Yields documents and skips; never raises for one bad document."""

    def documents(self) -> Iterator[SourceDocument | Skipped]: ...


@dataclass
class ChunkDraft:
    """A chunk before it is stored: text plus the heading path used for citations."""

    ordinal: int
    text: str
    heading_path: list[str]
