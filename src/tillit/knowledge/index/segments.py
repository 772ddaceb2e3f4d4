"""Lexical index storage (both backends): immutable segments of posting lists, as numpy arrays in
blobs.

A segment indexes a set of chunks of one collection (``lexical_segments``): their ids and lengths,
its sorted terms, and per term an offset into the segment's postings (chunk id and term
frequency pairs, grouped by term). The postings are stored in blocks of whole terms of about
``BLOCK`` postings (``lexical_blocks``), so a query reads a few blocks, never the whole segment.

Every ``write_segment`` (one document's chunks, in practice) adds a level-0 segment; when a
collection has ``FANOUT`` segments of one level they are merged into one of the next level, up
to ``MAX_LEVEL`` (a small log-structured merge: a term lives in a few dozen segments at most,
and a merge holds at most ``FANOUT ** MAX_LEVEL`` level-0 segments' postings in memory; a
level-0 segment is one document, or 1,000 chunks when migration 0008 builds an existing index).

Removing chunks writes tombstones ``(segment, chunk id)``; a merge drops tombstoned postings,
and a segment of ``MAX_LEVEL`` is rewritten alone once a fifth of its chunks are gone (checked
whenever chunks are removed). Merges run in the writing document's transaction: a level-4 merge
(~60k chunks) holds SQLite's write lock for a few seconds. On PostgreSQL, writers of one
collection take a transaction-level advisory lock first (``_lock_collection``), so that two
concurrent ingests never merge the same segments; other collections are not held up.
Tombstones name the segment, so a chunk id that the database hands out again (SQLite reuses the
largest id after a delete) is never confused with the removed chunk's postings.

Segments never change once written, so readers cache their metadata by segment id
(``SegmentCache``). Tables: ``SCHEMA`` (SQLite, migration 0008_lexicon) and ``POSTGRES_SCHEMA``
(migration 0012_pg_lexicon); the statements here run on both. Scoring is in bm25.py.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import text

FANOUT = 8
MAX_LEVEL = 4
BLOCK = 2048
"""Postings per block (a block holds whole terms, so a frequent term's block is larger)."""
BLOCK_BITS = 20
"""A block's row id is ``segment id << BLOCK_BITS | block number``: every block a query needs
is then fetched by rowid in one statement."""
REWRITE_DEAD_SHARE = 0.2
ID_TYPE = np.dtype("<u4")
TF_TYPE = np.dtype("<u2")
OFFSET_TYPE = np.dtype("<i8")

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS lexical_segments ("
    "id INTEGER PRIMARY KEY AUTOINCREMENT, collection_id INTEGER NOT NULL "
    "REFERENCES collections(id) ON DELETE CASCADE, level INTEGER NOT NULL, "
    "chunk_ids BLOB NOT NULL, lengths BLOB NOT NULL, terms BLOB NOT NULL, "
    "offsets BLOB NOT NULL, block_starts BLOB NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ix_lexical_segments_collection "
    "ON lexical_segments (collection_id, level)",
    "CREATE TABLE IF NOT EXISTS lexical_blocks ("
    "id INTEGER PRIMARY KEY, docs BLOB NOT NULL, tfs BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS lexical_deleted ("
    "segment_id INTEGER NOT NULL REFERENCES lexical_segments(id) ON DELETE CASCADE, "
    "chunk_id INTEGER NOT NULL, PRIMARY KEY (segment_id, chunk_id)) WITHOUT ROWID",
)
POSTGRES_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS lexical_segments ("
    "id BIGSERIAL PRIMARY KEY, collection_id INTEGER NOT NULL "
    "REFERENCES collections(id) ON DELETE CASCADE, level INTEGER NOT NULL, "
    "chunk_ids BYTEA NOT NULL, lengths BYTEA NOT NULL, terms BYTEA NOT NULL, "
    "offsets BYTEA NOT NULL, block_starts BYTEA NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ix_lexical_segments_collection "
    "ON lexical_segments (collection_id, level)",
    "CREATE TABLE IF NOT EXISTS lexical_blocks ("
    "id BIGINT PRIMARY KEY, docs BYTEA NOT NULL, tfs BYTEA NOT NULL)",
    "CREATE TABLE IF NOT EXISTS lexical_deleted ("
    "segment_id BIGINT NOT NULL REFERENCES lexical_segments(id) ON DELETE CASCADE, "
    "chunk_id BIGINT NOT NULL, PRIMARY KEY (segment_id, chunk_id))",
)
LOCK_NAMESPACE = 0x7417_1E5
"""First key of the PostgreSQL advisory lock a collection's writers take (the second is the
collection id)."""
META_COLUMNS = "id, level, chunk_ids, lengths, terms, offsets, block_starts"
Db = Any
"""A SQLAlchemy Session or Connection (migrations write segments too)."""


@dataclass(frozen=True)
class Segment:
    """A segment's metadata: everything but the postings themselves."""

    id: int
    level: int
    chunk_ids: np.ndarray
    lengths: np.ndarray
    terms: np.ndarray  # sorted
    offsets: np.ndarray  # len(terms) + 1
    block_starts: np.ndarray  # posting offset where each block begins

    def find(self, term: str) -> tuple[int, int, int] | None:
        """(block, start, end) of a term's postings within its block; None if absent."""
        i = int(np.searchsorted(self.terms, term))
        if i == len(self.terms) or self.terms[i] != term:
            return None
        block = int(np.searchsorted(self.block_starts, self.offsets[i], side="right")) - 1
        first = int(self.block_starts[block])
        return block, int(self.offsets[i]) - first, int(self.offsets[i + 1]) - first


class StaleSegments(Exception):
    """A segment or block read a moment ago is gone: a merge committed in between (SQLite
    reads outside a transaction see each commit). Read the collection again."""


@dataclass
class Postings:
    """One segment's postings of one term."""

    segment_id: int
    ids: np.ndarray
    counts: np.ndarray


class SegmentCache:
    """Segment metadata by collection and id; sound because a segment never changes once
    written (a merge writes a new one)."""

    def __init__(self) -> None:
        self._by_collection: dict[int, dict[int, Segment]] = {}
        self._lock = threading.Lock()

    def segments(self, db: Db, collection_id: int) -> list[Segment]:
        ids = list_segments(db, collection_id)
        with self._lock:
            known = self._by_collection.get(collection_id, {})
        missing = [i for i in ids if i not in known]
        loaded = {s.id: s for s in load_segments(db, missing)} if missing else {}
        if len(loaded) < len(missing):
            raise StaleSegments(collection_id)
        current = {i: known.get(i) or loaded[i] for i in ids}
        with self._lock:
            self._by_collection[collection_id] = current
        return list(current.values())


def list_segments(db: Db, collection_id: int, level: int | None = None) -> list[int]:
    """A collection's segment ids (of one level, if given), oldest first."""
    where = "" if level is None else " AND level = :lvl"
    rows = db.execute(
        text(f"SELECT id FROM lexical_segments WHERE collection_id = :cid{where} ORDER BY id"),  # noqa: S608
        {"cid": collection_id, "lvl": level},
    )
    return [int(s) for s in rows.scalars()]


def load_segments(db: Db, segment_ids: list[int]) -> list[Segment]:
    if not segment_ids:
        return []  # PostgreSQL rejects an empty IN ()
    marks = ",".join(str(int(i)) for i in segment_ids)
    rows = db.execute(
        text(f"SELECT {META_COLUMNS} FROM lexical_segments WHERE id IN ({marks}) ORDER BY id")  # noqa: S608
    )
    return [_segment(*row) for row in rows]


def _segment(segment_id, level, chunk_ids, lengths, terms, offsets, starts) -> Segment:  # type: ignore[no-untyped-def]
    vocabulary = bytes(terms).decode("utf-8")
    return Segment(
        int(segment_id),
        int(level),
        np.frombuffer(chunk_ids, ID_TYPE).astype(np.int64),
        np.frombuffer(lengths, ID_TYPE).astype(np.int64),
        np.array(vocabulary.split("\n") if vocabulary else [], dtype=str),
        np.frombuffer(offsets, OFFSET_TYPE),
        np.frombuffer(starts, OFFSET_TYPE),
    )


# --- writing -----------------------------------------------------------------------------------


def write_segment(db: Db, collection_id: int, chunk_ids: list[int], chunk_terms: list[str]) -> None:
    """Index chunks (their space-separated terms, repeats kept) as one new level-0 segment,
    then merge whatever levels are full."""
    if not chunk_ids:
        return
    if max(chunk_ids) > np.iinfo(ID_TYPE).max:
        raise OverflowError("chunk ids beyond 2^32 are not supported by the lexical index")
    _lock_collection(db, collection_id)
    tokens = [t.split() for t in chunk_terms]
    lengths = np.array([len(t) for t in tokens], dtype=np.int64)
    words = np.array([w for t in tokens for w in t], dtype=str)
    if len(words):
        vocabulary, term_of_token = np.unique(words, return_inverse=True)
    else:
        vocabulary, term_of_token = np.zeros(0, dtype=str), np.zeros(0, dtype=np.int64)
    chunk_of_token = np.repeat(np.arange(len(chunk_ids)), lengths)
    keys, counts = np.unique(term_of_token * len(chunk_ids) + chunk_of_token, return_counts=True)
    ids = np.asarray(chunk_ids, dtype=np.int64)
    _store(
        db,
        collection_id,
        0,
        (ids, lengths),
        vocabulary,
        keys // len(chunk_ids),
        (ids[keys % len(chunk_ids)], counts),
    )
    merge_full_levels(db, collection_id)


def _store(
    db: Db,
    collection_id: int,
    level: int,
    chunks: tuple[np.ndarray, np.ndarray],
    vocabulary: np.ndarray,
    term_of_posting: np.ndarray,
    postings: tuple[np.ndarray, np.ndarray],
) -> None:
    """Write a segment whose postings are grouped by term (``term_of_posting`` non-decreasing,
    indexing ``vocabulary``)."""
    offsets = np.zeros(len(vocabulary) + 1, dtype=OFFSET_TYPE)
    np.cumsum(np.bincount(term_of_posting, minlength=len(vocabulary)), out=offsets[1:])
    first_term_of_block = np.flatnonzero(np.diff(offsets[:-1] // BLOCK, prepend=-1))
    starts = offsets[first_term_of_block].astype(OFFSET_TYPE)
    segment_id = db.execute(
        text(
            "INSERT INTO lexical_segments (collection_id, level, chunk_ids, lengths, terms, "
            "offsets, block_starts) VALUES (:cid, :lvl, :ids, :lengths, :terms, :offsets, "
            ":starts) RETURNING id"
        ),
        {
            "cid": collection_id,
            "lvl": level,
            "ids": chunks[0].astype(ID_TYPE).tobytes(),
            "lengths": chunks[1].astype(ID_TYPE).tobytes(),
            "terms": "\n".join(vocabulary.tolist()).encode("utf-8"),
            "offsets": offsets.tobytes(),
            "starts": starts.tobytes(),
        },
    ).scalar_one()
    docs = postings[0].astype(ID_TYPE)
    tfs = np.minimum(postings[1], np.iinfo(TF_TYPE).max).astype(TF_TYPE)
    ends = [*starts[1:].tolist(), len(docs)][: len(starts)]  # none for term-less chunks
    if len(starts) >= 1 << BLOCK_BITS:
        raise OverflowError("a segment of more than 2^20 blocks")
    rows = [
        {"id": block_id(segment_id, b), "d": docs[a:z].tobytes(), "f": tfs[a:z].tobytes()}
        for b, (a, z) in enumerate(zip(starts.tolist(), ends, strict=True))
    ]
    if rows:
        db.execute(text("INSERT INTO lexical_blocks (id, docs, tfs) VALUES (:id, :d, :f)"), rows)


def block_id(segment_id: int, block: int) -> int:
    return (int(segment_id) << BLOCK_BITS) | int(block)


def mark_deleted(db: Db, collection_id: int, chunk_ids: Iterable[int]) -> None:
    """Tombstone chunks about to be deleted, in the segment that holds each."""
    wanted = np.fromiter(chunk_ids, dtype=np.int64)
    if not len(wanted):
        return
    _lock_collection(db, collection_id)
    tombstones = []
    rows = db.execute(
        text("SELECT id, chunk_ids FROM lexical_segments WHERE collection_id = :cid"),
        {"cid": collection_id},
    )
    for segment_id, chunk_ids in rows:
        held = np.frombuffer(chunk_ids, ID_TYPE).astype(np.int64)
        tombstones += [{"s": int(segment_id), "c": int(c)} for c in held[np.isin(held, wanted)]]
    if tombstones:
        db.execute(
            text(
                "INSERT INTO lexical_deleted (segment_id, chunk_id) VALUES (:s, :c) "
                "ON CONFLICT DO NOTHING"
            ),
            tombstones,
        )
        _rewrite_decayed(db, collection_id)


def _lock_collection(db: Db, collection_id: int) -> None:
    """PostgreSQL: wait for the collection's other writers until this transaction ends (SQLite
    has one writer at a time anyway)."""
    dialect = db.dialect if hasattr(db, "dialect") else db.get_bind().dialect
    if dialect.name == "postgresql":
        db.execute(
            text("SELECT pg_advisory_xact_lock(:space, :cid)"),
            {"space": LOCK_NAMESPACE, "cid": collection_id},
        )


def tombstones(db: Db, collection_id: int) -> dict[int, np.ndarray]:
    rows = db.execute(
        text(
            "SELECT d.segment_id, d.chunk_id FROM lexical_deleted d "
            "JOIN lexical_segments s ON s.id = d.segment_id WHERE s.collection_id = :cid"
        ),
        {"cid": collection_id},
    ).all()
    dead: dict[int, list[int]] = {}
    for segment_id, chunk_id in rows:
        dead.setdefault(int(segment_id), []).append(int(chunk_id))
    return {s: np.array(ids, dtype=np.int64) for s, ids in dead.items()}


# --- reading -----------------------------------------------------------------------------------


def read_postings(db: Db, segments: list[Segment], terms: list[str]) -> dict[str, list[Postings]]:
    """Every segment's postings for these terms (tombstoned ones included; see bm25.py)."""
    wanted = {
        (segment.id, term): found
        for segment in segments
        for term in terms
        if (found := segment.find(term)) is not None
    }
    blocks = _read_blocks(db, sorted({(s, f[0]) for (s, _), f in wanted.items()}))
    result: dict[str, list[Postings]] = {t: [] for t in terms}
    for (segment_id, term), (block, start, end) in wanted.items():
        if (segment_id, block) not in blocks:
            raise StaleSegments(segment_id)
        docs, tfs = blocks[segment_id, block]
        ids = np.frombuffer(docs, ID_TYPE, count=end - start, offset=start * ID_TYPE.itemsize)
        counts = np.frombuffer(tfs, TF_TYPE, count=end - start, offset=start * TF_TYPE.itemsize)
        result[term].append(Postings(segment_id, ids.astype(np.int64), counts))
    return result


def _read_blocks(db: Db, keys: list[tuple[int, int]]) -> dict[tuple[int, int], tuple[bytes, bytes]]:
    found: dict[tuple[int, int], tuple[bytes, bytes]] = {}
    for start in range(0, len(keys), 500):
        ids = ",".join(str(block_id(s, b)) for s, b in keys[start : start + 500])
        rows = db.execute(text(f"SELECT id, docs, tfs FROM lexical_blocks WHERE id IN ({ids})"))  # noqa: S608
        for row_id, docs, tfs in rows:
            found[row_id >> BLOCK_BITS, row_id & ((1 << BLOCK_BITS) - 1)] = (docs, tfs)
    return found


# --- merging -----------------------------------------------------------------------------------


def merge_full_levels(db: Db, collection_id: int) -> None:
    for level in range(MAX_LEVEL):
        segments = list_segments(db, collection_id, level)
        if len(segments) < FANOUT:
            return
        merge(db, collection_id, segments, level + 1)


def _rewrite_decayed(db: Db, collection_id: int) -> None:
    """Rewrite top-level segments (never merged again) once a fifth of their chunks are gone;
    lower levels drop their tombstones when they merge."""
    rows = db.execute(
        text(
            "SELECT s.id, length(s.chunk_ids) / :size, count(*) FROM lexical_segments s "
            "JOIN lexical_deleted d ON d.segment_id = s.id "
            "WHERE s.collection_id = :cid AND s.level = :top GROUP BY s.id"
        ),
        {"size": ID_TYPE.itemsize, "cid": collection_id, "top": MAX_LEVEL},
    ).all()
    for segment_id, chunks, gone in rows:
        if gone >= REWRITE_DEAD_SHARE * chunks:
            merge(db, collection_id, [int(segment_id)], MAX_LEVEL)


def merge(db: Db, collection_id: int, segment_ids: list[int], level: int) -> None:
    """Replace segments by one segment of ``level`` without their tombstoned postings."""
    segments = load_segments(db, segment_ids)
    dead = tombstones(db, collection_id)
    vocabulary = np.unique(np.concatenate([s.terms for s in segments]))
    chunk_parts, term_parts, posting_parts = [], [], []
    for segment in segments:
        gone = dead.get(segment.id, np.zeros(0, np.int64))
        live = ~np.isin(segment.chunk_ids, gone)
        chunk_parts.append((segment.chunk_ids[live], segment.lengths[live]))
        docs, tfs = _all_postings(db, segment)
        term = np.repeat(np.searchsorted(vocabulary, segment.terms), np.diff(segment.offsets))
        keep = ~np.isin(docs, gone)
        term_parts.append(term[keep])
        posting_parts.append((docs[keep], tfs[keep]))
    term_of_posting = np.concatenate(term_parts)
    order = np.argsort(term_of_posting, kind="stable")
    docs = np.concatenate([p[0] for p in posting_parts])[order]
    tfs = np.concatenate([p[1] for p in posting_parts])[order]
    term_of_posting = term_of_posting[order]
    used = np.unique(term_of_posting)  # terms whose postings all died are dropped
    chunks = (
        np.concatenate([c[0] for c in chunk_parts]),
        np.concatenate([c[1] for c in chunk_parts]),
    )
    _delete(db, segment_ids)
    if len(chunks[0]):
        _store(
            db,
            collection_id,
            level,
            chunks,
            vocabulary[used],
            np.searchsorted(used, term_of_posting),
            (docs, tfs),
        )


def _all_postings(db: Db, segment: Segment) -> tuple[np.ndarray, np.ndarray]:
    rows = db.execute(
        text("SELECT docs, tfs FROM lexical_blocks WHERE id BETWEEN :first AND :last ORDER BY id"),
        {"first": block_id(segment.id, 0), "last": block_id(segment.id + 1, 0) - 1},
    ).all()
    docs = np.frombuffer(b"".join(r[0] for r in rows), ID_TYPE).astype(np.int64)
    tfs = np.frombuffer(b"".join(r[1] for r in rows), TF_TYPE)
    return docs, tfs


def _delete(db: Db, segment_ids: list[int]) -> None:
    for segment_id in segment_ids:
        db.execute(
            text("DELETE FROM lexical_blocks WHERE id BETWEEN :first AND :last"),
            {"first": block_id(segment_id, 0), "last": block_id(segment_id + 1, 0) - 1},
        )
    marks = ",".join(str(int(s)) for s in segment_ids)
    for table, column in (("lexical_deleted", "segment_id"), ("lexical_segments", "id")):
        db.execute(text(f"DELETE FROM {table} WHERE {column} IN ({marks})"))  # noqa: S608
