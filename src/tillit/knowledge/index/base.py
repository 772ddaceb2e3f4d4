"""The search backend contract. Both backends return raw scores for candidates; fusion and
ranking happen in knowledge/search.py so the two backends rank the same way.

A backend owns the chunk rows' search data: ``add`` inserts the chunk rows themselves together
with their embedding and full-text entry (one write per row), ``remove`` drops the index
entries of rows about to be deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from sqlalchemy import Engine
from sqlalchemy.orm import Session

TermFrequency = Callable[[str], float | None]
"""A term's (estimated) document frequency in the searched collections; None if absent."""


@dataclass
class NewChunk:
    document_id: int
    collection_id: int
    ordinal: int
    heading_path: list[str]
    text: str
    terms: str
    embedding: np.ndarray


@dataclass
class Candidates:
    """Per chunk id: the lexical score (higher is better; a chunk outside the lexical top-k has
    none) and the cosine similarity to the query (None if not computed)."""

    lexical: dict[int, float]
    dense: dict[int, float]


class BulkLoad(Protocol):
    """What an ingest job tells its backend as it goes (PostgreSQL defers a collection's vector
    index during large loads; SQLite needs nothing)."""

    def added(self, chunks_in_job: int) -> None: ...

    def finish(self) -> None: ...


class NoBulkLoad:
    def added(self, chunks_in_job: int) -> None:
        return None

    def finish(self) -> None:
        return None


class SearchBackend(Protocol):
    def add(self, db: Session, chunks: list[NewChunk]) -> list[int]:
        """Insert the chunk rows with their index data; returns their ids, in order."""

    def remove(self, db: Session, chunk_ids: list[int]) -> None:
        """Remove chunks from the index (before their rows are deleted)."""

    def bulk_load(self, engine: Engine, collection_id: int, chunks_at_start: int) -> BulkLoad:
        """For one ingest job into a collection that held ``chunks_at_start`` chunks; the job
        calls ``added`` after each document and ``finish`` at the end, also after errors."""

    def term_frequency(self, db: Session, collection_ids: list[int]) -> TermFrequency:
        """Document frequencies of terms in these collections (for choosing query terms)."""

    def candidates(
        self, db: Session, collection_ids: list[int], terms: list[str], vector: np.ndarray, k: int
    ) -> Candidates:
        """Top-k by each retriever over these collections only, with both scores where known.
        Lexical statistics come from these collections alone, never from other tenants'."""
