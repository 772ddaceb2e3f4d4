"""Chunk rows written by the backends: the ORM's ``chunks`` table plus the backend-specific
``embedding`` column, inserted in one multi-row statement per batch (SQLAlchemy's
insertmanyvalues) with the ids returned in order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sqlalchemy import Column, MetaData, Table, insert
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from tillit.knowledge.index.base import NewChunk
from tillit.knowledge.tables import Chunk


def chunk_table(embedding_type: TypeEngine[Any]) -> Table:
    table = Chunk.__table__.to_metadata(MetaData())  # type: ignore[attr-defined]
    table.append_column(Column("embedding", embedding_type, nullable=True))
    return table


def insert_chunks(
    db: Session,
    table: Table,
    chunks: list[NewChunk],
    encode: Callable[[np.ndarray], object],
) -> list[int]:
    if not chunks:
        return []
    rows = [
        {
            "document_id": c.document_id,
            "collection_id": c.collection_id,
            "ordinal": c.ordinal,
            "heading_path": c.heading_path,
            "text": c.text,
            "terms": c.terms,
            "embedding": encode(c.embedding),
        }
        for c in chunks
    ]
    result = db.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
    return [int(row[0]) for row in result]
