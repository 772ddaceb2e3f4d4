"""A collection's state, the key of every per-process cache of its index (segment views in
bm25.py, SQLite's embedding matrix). Term statistics themselves come from the segments."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session


def collection_state(db: Session, collection_id: int) -> tuple[int, int]:
    """(index_version, largest chunk id): every change to a collection's chunks bumps the
    version in the same transaction; both are index lookups."""
    row = db.execute(
        text(
            "SELECT index_version, (SELECT max(id) FROM chunks WHERE collection_id = :cid) "
            "FROM collections WHERE id = :cid"
        ),
        {"cid": collection_id},
    ).one_or_none()
    return (int(row[0]), int(row[1] or 0)) if row else (0, 0)
