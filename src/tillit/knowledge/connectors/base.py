"""What all connectors share: the error for a source that cannot be read at all, and turning
extracted content into a ``SourceDocument``."""

from __future__ import annotations

from tillit.errors import TillitError
from tillit.knowledge.documents import SourceDocument
from tillit.knowledge.extract import Extracted

OWNER_KEYS = ("owner", "ägare", "agare", "ansvarig", "author")


class SourceUnavailable(TillitError):
    """The whole source could not be read (missing folder, site down, API error on a page of a
    listing). Raised *after* yielding what was read, so the ingest can tell a partial read from
    a complete one and keep the previous versions of documents it did not see."""

    status = 502
    code = "source_unavailable"


def owner_from(metadata: dict[str, str]) -> str | None:
    for key in OWNER_KEYS:
        value = metadata.get(key)
        if value and value.strip():
            return value.strip()
    return None


def to_document(
    extracted: Extracted,
    *,
    key: str,
    source: str,
    fallback_title: str,
    version: str | None = None,
    owner: str | None = None,
    extra: dict[str, str] | None = None,
) -> SourceDocument:
    metadata = {**extracted.metadata, **(extra or {})}
    return SourceDocument(
        key=key,
        title=extracted.title or fallback_title,
        source=source,
        blocks=extracted.blocks,
        owner=owner or owner_from(metadata),
        version=version or metadata.get("modified"),
        media_type=extracted.media_type,
        metadata=metadata,
    )
