"""The search backend contract. Both backends return raw scores for candidates; fusion and
ranking happen in knowledge/search.py so the two backends rank the same way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from sqlalchemy.orm import Session


@dataclass
class IndexedChunk:
    chunk_id: int
    collection_id: int
    terms: str
    embedding: np.ndarray


@dataclass
class Candidates:
    """Per chunk id: the lexical score (higher is better, None if no term matched) and the
    cosine similarity to the query (None if not computed)."""

    lexical: dict[int, float]
    dense: dict[int, float]


class SearchBackend(Protocol):
    def add(self, db: Session, chunks: list[IndexedChunk]) -> None:
        """Index stored chunks (rows already exist in ``chunks``)."""

    def remove(self, db: Session, chunk_ids: list[int]) -> None:
        """Remove chunks from the index (before their rows are deleted)."""

    def candidates(
        self, db: Session, collection_ids: list[int], terms: list[str], vector: np.ndarray, k: int
    ) -> Candidates:
        """Top-k by each retriever, then both scores for the union of those chunks."""
