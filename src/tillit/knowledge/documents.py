"""What connectors produce and the chunker consumes: documents as structured blocks."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Literal, Protocol
from urllib.parse import urlsplit, urlunsplit

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


WEB_SCHEMES = ("http://", "https://")


def is_web_address(source: str) -> bool:
    """Whether a source (a document's, an ingest's, a hit's) is a web address rather than a
    path: it starts with "http://" or "https://", in lower case, as connectors store them."""
    return source.startswith(WEB_SCHEMES)


def shown_source(source: str, origin: str = "") -> str:
    """A document's source as the API, pages and citations show it, never a path on the
    server: a web address (without a user name or password), else the file's path inside what
    was ingested (``origin``: the folder or file named to ``tillit ingest``, or an upload), which
    for a single file or an upload is its name ("riktlinjer.pdf", "bygg/plan.md")."""
    if is_web_address(source):
        parts = urlsplit(source)
        if "@" not in parts.netloc:
            return source
        return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    path = PurePath(os.path.normpath(source)) if source else PurePath()
    if origin and path.is_relative_to(origin) and path != PurePath(origin):
        return path.relative_to(origin).as_posix()
    return path.name or source
