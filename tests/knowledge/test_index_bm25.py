"""The SQLite lexical index (index/segments.py + index/bm25.py) against FTS5's own bm25() on
the same rows: same scores through segment merges, removals and reused chunk ids."""

from __future__ import annotations

import random
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from tests.conftest import PG_URL
from tillit.auth.service import create_tenant
from tillit.db.engine import make_engine
from tillit.knowledge.index import bm25, segments
from tillit.knowledge.index.bm25 import CollectionView, build_view, top_k
from tillit.knowledge.tables import Collection

VOCABULARY = [f"t{i:03d}" for i in range(120)]
COLLECTION = 7


@pytest.fixture
def db(request: pytest.FixtureRequest) -> Iterator[Session]:
    """The segment tables alone in memory on SQLite; on PostgreSQL (TILLIT_TEST_DATABASE_URL)
    a fresh migrated database with the collection the segments belong to."""
    if PG_URL:
        settings = request.getfixturevalue("settings")
        engine = make_engine(settings)
        with Session(engine) as session:
            tenant = create_tenant(session, "bm25", "BM25")
            session.add(Collection(id=COLLECTION, tenant_id=tenant.id, name="bm25"))
            session.flush()
            yield session
        engine.dispose()
        return
    engine = create_engine("sqlite://")
    with Session(engine) as session:
        for statement in segments.SCHEMA:
            session.execute(text(statement))
        yield session
    engine.dispose()


class Reference:
    """FTS5 with the same rows, for bm25() scores to compare with."""

    def __init__(self) -> None:
        self.fts = sqlite3.connect(":memory:")
        self.fts.execute("CREATE VIRTUAL TABLE f USING fts5(terms)")

    def add(self, rows: dict[int, str]) -> None:
        self.fts.executemany("INSERT INTO f(rowid, terms) VALUES (?, ?)", rows.items())

    def remove(self, ids: list[int]) -> None:
        self.fts.executemany("DELETE FROM f WHERE rowid = ?", [(i,) for i in ids])

    def top(self, terms: list[str], k: int) -> dict[int, float]:
        match = " OR ".join(terms)
        rows = self.fts.execute(
            "SELECT rowid, -bm25(f) FROM f WHERE f MATCH ? ORDER BY bm25(f) LIMIT ?", (match, k)
        )
        return dict(rows)


def random_chunks(rng: random.Random, first_id: int, n: int) -> dict[int, str]:
    # Zipf-like term use so that frequent and rare terms both occur, with repeats (tf > 1).
    weights = [1 / (rank + 1) for rank in range(len(VOCABULARY))]
    return {
        first_id + i: " ".join(rng.choices(VOCABULARY, weights, k=rng.randint(3, 40)))
        for i in range(n)
    }


def add(db: Session, reference: Reference, rows: dict[int, str]) -> None:
    segments.write_segment(db, COLLECTION, list(rows), list(rows.values()))
    reference.add(rows)


def remove(db: Session, reference: Reference, ids: list[int]) -> None:
    segments.mark_deleted(db, COLLECTION, ids)
    reference.remove(ids)


def load_view(db: Session) -> CollectionView:
    found = segments.load_segments(db, segments.list_segments(db, COLLECTION))
    return build_view((0, 0), found, segments.tombstones(db, COLLECTION))


def assert_same_as_fts5(db: Session, reference: Reference, rng: random.Random) -> None:
    view = load_view(db)
    for _ in range(25):
        terms = rng.sample(VOCABULARY, rng.randint(1, 6))
        ours = top_k(db, view, terms, 1000)
        theirs = reference.top(terms, 1000)
        assert ours.keys() == theirs.keys()
        for chunk_id, score in theirs.items():
            assert ours[chunk_id] == pytest.approx(score, rel=1e-9)


@pytest.mark.parametrize(
    ("block", "max_level", "by_keys"),
    [(segments.BLOCK, segments.MAX_LEVEL, False), (8, 1, False), (segments.BLOCK, 2, True)],
)
def test_scores_equal_fts5_bm25_through_merges_and_removals(
    db: Session, monkeypatch: pytest.MonkeyPatch, block: int, max_level: int, by_keys: bool
) -> None:
    # (8, 1): many blocks per segment, and capped segments rewritten alone once decayed;
    # by_keys: chunk ids addressed through their sorted list, as for a thinly spread collection
    monkeypatch.setattr(segments, "BLOCK", block)
    monkeypatch.setattr(segments, "MAX_LEVEL", max_level)
    if by_keys:
        monkeypatch.setattr(bm25, "DENSE_SLACK", -(10**9))
    rng, reference, next_id = random.Random(11), Reference(), 1
    for _ in range(70):  # 70 level-0 segments: merged into levels 1 and 2 on the way
        rows = random_chunks(rng, next_id, rng.randint(1, 6))
        add(db, reference, rows)
        next_id += len(rows)
    levels = [s.level for s in load_view(db).segments]
    assert max(levels) == min(2, max_level) and len(levels) < 70
    assert_same_as_fts5(db, reference, rng)
    remove(db, reference, rng.sample(range(1, next_id), 40))
    assert_same_as_fts5(db, reference, rng)
    for _ in range(60):  # more merges, which must drop the removed chunks' postings
        rows = random_chunks(rng, next_id, 3)
        add(db, reference, rows)
        next_id += 3
    assert_same_as_fts5(db, reference, rng)


def test_merging_drops_tombstoned_postings(db: Session) -> None:
    rng, reference = random.Random(5), Reference()
    for first in range(1, 14, 2):  # seven level-0 segments of two chunks: ids 1 … 14
        add(db, reference, random_chunks(rng, first, 2))
    remove(db, reference, [1, 4])
    add(db, reference, random_chunks(rng, 15, 2))  # the eighth level-0 segment: a merge
    (merged,) = load_view(db).segments
    assert merged.level == 1 and sorted(merged.chunk_ids.tolist()) == [2, 3, *range(5, 17)]
    assert db.execute(text("SELECT count(*) FROM lexical_deleted")).scalar_one() == 0
    stored = segments.read_postings(db, [merged], VOCABULARY)
    assert not {1, 4} & {int(i) for parts in stored.values() for p in parts for i in p.ids}


def test_a_reused_chunk_id_is_not_confused_with_the_removed_chunk(db: Session) -> None:
    reference = Reference()
    add(db, reference, {1: "t001 t002", 2: "t003 t004 t004"})
    remove(db, reference, [2])
    add(db, reference, {2: "t001 t005"})  # SQLite hands the largest id out again
    view = load_view(db)
    assert set(top_k(db, view, ["t004"], 10)) == set()
    assert set(top_k(db, view, ["t001"], 10)) == {1, 2}
    assert top_k(db, view, ["t001", "t005"], 10) == pytest.approx(
        reference.top(["t001", "t005"], 10), rel=1e-9
    )


def test_a_thinly_spread_collection_costs_memory_per_chunk_not_per_id(db: Session) -> None:
    reference = Reference()
    add(db, reference, {1: "t001 t002", 7: "t002 t003"})
    add(db, reference, {40_000_000: "t001 t001 t004", 90_000_000: "t003"})
    view = load_view(db)
    assert view.keys is not None and len(view.owner) == 4
    for terms in (["t001"], ["t002", "t003"], ["t004", "t001", "t003"]):
        assert top_k(db, view, terms, 10) == pytest.approx(reference.top(terms, 10), rel=1e-9)


def test_empty_and_unknown_queries(db: Session) -> None:
    view = load_view(db)
    assert top_k(db, view, ["t001"], 5) == {}
    add(db, Reference(), {1: "t001", 2: ""})  # a chunk without terms (only stop words)
    view = load_view(db)
    assert view.live == 2
    assert top_k(db, view, [], 5) == {}
    assert top_k(db, view, ["okänd"], 5) == {}


def test_a_merge_committed_mid_search_is_noticed_not_served(tmp_path: Path) -> None:
    """SQLite reads outside a transaction see each commit: a view taken before another
    connection's merge must fail loudly (StaleSegments, which the backend retries), never
    crash on a missing block or quietly miss chunks."""
    engine = create_engine(f"sqlite:///{tmp_path / 'race.db'}")
    with Session(engine) as reader, Session(engine) as writer:
        for statement in segments.SCHEMA:
            writer.execute(text(statement))
        for i in range(1, segments.FANOUT):
            segments.write_segment(writer, COLLECTION, [i], [f"t001 t{i:03d}"])
        writer.commit()
        cache = segments.SegmentCache()
        stale = build_view((0, 0), cache.segments(reader, COLLECTION), {})
        reader.commit()
        segments.write_segment(writer, COLLECTION, [99], ["t001"])  # the merge
        writer.commit()
        with pytest.raises(segments.StaleSegments):
            top_k(reader, stale, ["t001"], 10)
        fresh = build_view((0, 1), cache.segments(reader, COLLECTION), {})
        assert set(top_k(reader, fresh, ["t001"], 10)) == {*range(1, segments.FANOUT), 99}
    engine.dispose()


def test_a_decayed_top_level_segment_is_rewritten_when_chunks_are_removed(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(segments, "FANOUT", 2)
    monkeypatch.setattr(segments, "MAX_LEVEL", 1)
    reference = Reference()
    add(db, reference, {i: "t001 t002" for i in range(1, 6)})
    add(db, reference, {i: "t003" for i in range(6, 11)})  # merged: one top segment of 10
    remove(db, reference, [1])  # 10 % gone: kept
    assert db.execute(text("SELECT count(*) FROM lexical_deleted")).scalar_one() == 1
    remove(db, reference, [2, 6])  # 30 % gone: rewritten without them
    assert db.execute(text("SELECT count(*) FROM lexical_deleted")).scalar_one() == 0
    (top,) = load_view(db).segments
    assert top.level == 1 and sorted(top.chunk_ids.tolist()) == [3, 4, 5, 7, 8, 9, 10]
    assert top_k(db, load_view(db), ["t001", "t003"], 10) == pytest.approx(
        reference.top(["t001", "t003"], 10), rel=1e-9
    )


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL's concurrent writers")
def test_concurrent_writers_of_one_collection_never_merge_the_same_segments(
    db: Session,
) -> None:
    """Without the collection's advisory lock, two transactions could both merge the same
    committed segments and store their postings twice."""
    db.commit()
    engine = db.get_bind()
    writers, writes = 3, 40

    def write(first: int) -> None:
        with Session(engine) as session:
            for n in range(writes):
                chunk = first + 2 * n
                segments.write_segment(session, COLLECTION, [chunk, chunk + 1], ["t001 t002"] * 2)
                session.commit()

    threads = [threading.Thread(target=write, args=(1 + w * 2 * writes,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    view = load_view(db)
    held = np.concatenate([s.chunk_ids for s in view.segments])
    assert sorted(held.tolist()) == list(range(1, 1 + writers * 2 * writes))
    assert max(s.level for s in view.segments) >= 1  # merges happened
    stored = segments.read_postings(db, view.segments, ["t001"])["t001"]
    assert sum(len(p.ids) for p in stored) == writers * 2 * writes
