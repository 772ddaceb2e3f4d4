"""One conformance suite for both search backends. It runs on SQLite by default and on
PostgreSQL (tsvector + pgvector) when TILLIT_TEST_DATABASE_URL is set: same tests, same
expectations."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import delete, text

from tillit.auth.service import get_tenant
from tillit.knowledge.embedding import embed_passages
from tillit.knowledge.index.base import NewChunk
from tillit.knowledge.search import search
from tillit.knowledge.service import backend_for, get_or_create_collection
from tillit.knowledge.tables import Chunk, Collection, Document
from tillit.knowledge.terms import lexical_terms
from tillit.platform import Platform

DOCS = {
    "bygglov": "Du behöver bygglov för att bygga en altan som är högre än 1,2 meter över marken.",
    "soptomning": "Sophämtning sker varannan vecka. Kärlet ska stå vid tomtgränsen före kl. sex.",
    "forskola": "Ansök om plats i förskola senast fyra månader innan barnet ska börja.",
    "parkering": "Boendeparkering kostar 500 kronor i månaden och söks i e-tjänsten.",
    "bibliotek": "Biblioteket har öppet alla vardagar och lånekortet är gratis.",
}


def add_documents(
    platform: Platform, collection_name: str, docs: dict[str, str], tenant_id: int = 1
) -> Collection:
    backend = backend_for(platform)
    vectors = embed_passages(list(docs.values()))
    with platform.session() as db:
        collection, _ = get_or_create_collection(db, tenant_id, collection_name)
        for (key, text), vector in zip(docs.items(), vectors, strict=True):
            document = Document(collection_id=collection.id, key=key, title=key, source=key)
            db.add(document)
            db.flush()
            chunk = NewChunk(
                document.id, collection.id, 0, [key], text, " ".join(lexical_terms(text)), vector
            )
            backend.add(db, [chunk])
        collection.index_version += 1
    return collection


def find(
    platform: Platform, collections: list[Collection], query: str, limit: int = 3
) -> list[str]:
    with platform.session() as db:
        return [h.document for h in search(db, backend_for(platform), collections, query, limit)]


@pytest.fixture
def faq(platform: Platform) -> Collection:
    return add_documents(platform, "faq", DOCS)


def test_keyword_query_ranks_the_matching_document_first(platform, faq) -> None:  # type: ignore[no-untyped-def]
    assert find(platform, [faq], "bygglov altan")[0] == "bygglov"


def test_inflected_and_compound_words_match(platform, faq) -> None:  # type: ignore[no-untyped-def]
    assert find(platform, [faq], "förskoleplats ansökan")[0] == "forskola"
    assert find(platform, [faq], "parkeringstillstånd för boende")[0] == "parkering"


def test_paraphrase_without_shared_words_is_found(platform, faq) -> None:  # type: ignore[no-untyped-def]
    assert find(platform, [faq], "när töms soporna?")[0] == "soptomning"


def test_results_are_scored_and_limited(platform, faq) -> None:  # type: ignore[no-untyped-def]
    with platform.session() as db:
        hits = search(db, backend_for(platform), [faq], "lånekort bibliotek", limit=2)
    assert len(hits) == 2 and hits[0].document == "bibliotek"
    assert hits[0].score >= hits[1].score and hits[0].text == DOCS["bibliotek"]


def test_other_collections_are_never_searched(platform, faq) -> None:  # type: ignore[no-untyped-def]
    other = add_documents(platform, "annan", {"hemlig": "Bygglov för altan i annan samling."})
    assert "hemlig" not in find(platform, [faq], "bygglov altan", limit=5)
    assert find(platform, [other], "bygglov altan") == ["hemlig"]
    assert set(find(platform, [faq, other], "bygglov altan", limit=6)) >= {"bygglov", "hemlig"}


def test_removed_chunks_are_not_found(platform, faq) -> None:  # type: ignore[no-untyped-def]
    backend = backend_for(platform)
    with platform.session() as db:
        chunk_ids = [
            c.id
            for c in db.query(Chunk)
            .filter(Chunk.collection_id == faq.id)
            .join(Document)
            .filter(Document.key == "bygglov")
        ]
        backend.remove(db, chunk_ids)
        db.execute(delete(Chunk).where(Chunk.id.in_(chunk_ids)))
        db.get(Collection, faq.id).index_version += 1
    assert "bygglov" not in find(platform, [faq], "bygglov altan", limit=5)


def test_stopword_only_and_odd_queries_do_not_fail(platform, faq) -> None:  # type: ignore[no-untyped-def]
    assert len(find(platform, [faq], "och det att i en")) == 3
    assert find(platform, [faq], "   ") == []
    assert len(find(platform, [faq], "\"'*:() OR AND NEAR -- ; DROP TABLE chunks")) == 3
    assert find(platform, [faq], "x" * 5000)  # long nonsense still answers


def test_empty_collection_returns_nothing(platform) -> None:  # type: ignore[no-untyped-def]
    empty = add_documents(platform, "tom", {})
    assert find(platform, [empty], "bygglov") == []


def scored(platform: Platform, collections: list[Collection], query: str) -> list[tuple]:
    with platform.session() as db:
        hits = search(db, backend_for(platform), collections, query, limit=5)
    return [(h.document, round(h.score, 9), round(h.lexical, 9), round(h.dense, 6)) for h in hits]


def test_rankings_do_not_depend_on_another_tenants_documents(  # type: ignore[no-untyped-def]
    platform, faq, second_tenant
) -> None:
    queries = ["bygglov altan", "förskoleplats ansökan", "parkering kronor", "sophämtning kärl"]
    before = {q: scored(platform, [faq], q) for q in queries}
    with platform.session() as db:
        other_tenant = get_tenant(db, second_tenant).id
    # Many documents full of the same words: with shared term statistics they would change
    # every word's weight (idf) and, through that, scores and order in the first tenant.
    shared = {
        f"annan-{i}": f"Bygglov för altan {i}. Parkering och sophämtning, förskola och kärl."
        for i in range(40)
    }
    add_documents(platform, "faq", shared, tenant_id=other_tenant)
    assert {q: scored(platform, [faq], q) for q in queries} == before


def add_vectors(
    platform: Platform, name: str, vectors: np.ndarray, tenant_id: int = 1
) -> tuple[Collection, list[int]]:
    backend = backend_for(platform)
    with platform.session() as db:
        collection, _ = get_or_create_collection(db, tenant_id, name)
    # As an ingest job does before writing (PostgreSQL: the collection's own vector index).
    backend.bulk_load(platform.engine, collection.id, 0).finish()
    with platform.session() as db:
        document = Document(collection_id=collection.id, key=name, title=name, source=name)
        db.add(document)
        db.flush()
        ids = backend.add(
            db,
            [
                NewChunk(document.id, collection.id, i, [name], f"stycke {i}", "", v)
                for i, v in enumerate(vectors)
            ],
        )
        db.get(Collection, collection.id).index_version += 1
    return collection, ids


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=-1, keepdims=True)).astype(np.float32)


def test_dense_candidates_fill_k_despite_the_index_and_other_collections(  # type: ignore[no-untyped-def]
    platform, second_tenant
) -> None:
    rng = np.random.default_rng(7)
    query = unit(rng.standard_normal(384))
    with platform.session() as db:
        other_tenant = get_tenant(db, second_tenant).id
    # Another tenant's chunks lie much nearer the query than any of ours.
    add_vectors(platform, "naer", unit(query + 0.2 * rng.standard_normal((300, 384))), other_tenant)
    vectors = unit(rng.standard_normal((150, 384)))
    ours, our_ids = add_vectors(platform, "egen", vectors)
    with platform.session() as db:
        found = backend_for(platform).candidates(db, [ours.id], [], query, 100)
    assert len(found.dense) == 100 and set(found.dense) <= set(our_ids)
    exact = {our_ids[i] for i in np.argsort(-(vectors @ query))[:100]}
    assert len(exact & set(found.dense)) >= 95  # HNSW is approximate; SQLite is exact


def test_add_returns_the_ids_of_the_inserted_rows_in_order(platform) -> None:  # type: ignore[no-untyped-def]
    collection, ids = add_vectors(platform, "ordning", unit(np.eye(384)[:5] + 0.01))
    with platform.session() as db:
        rows = db.query(Chunk.id, Chunk.ordinal).filter(Chunk.collection_id == collection.id)
        assert sorted(ids) == ids and dict(rows) == {i: n for n, i in enumerate(ids)}


def test_the_collections_own_hnsw_index_fills_k(  # type: ignore[no-untyped-def]
    platform, second_tenant
) -> None:
    """PostgreSQL only: the planner picks the HNSW index only for large tables, so it is made to
    here. Each collection has its own partial index (another tenant's nearer vectors are not in
    its graph); with the default ef_search (40) it returned at most 40 rows."""
    if platform.settings.is_sqlite:
        pytest.skip("PostgreSQL's HNSW index")
    rng = np.random.default_rng(11)
    query = unit(rng.standard_normal(384))
    with platform.session() as db:
        other_tenant = get_tenant(db, second_tenant).id
    add_vectors(platform, "naer", unit(query + 0.2 * rng.standard_normal((400, 384))), other_tenant)
    ours, our_ids = add_vectors(platform, "egen", unit(rng.standard_normal((300, 384))))
    with platform.session() as db:
        db.execute(text("SET LOCAL enable_sort = off"))
        db.execute(text("SET LOCAL enable_seqscan = off"))
        plan = db.execute(text("EXPLAIN " + dense_sql(ours.id)), _dense_params(query)).scalars()
        assert f"ix_chunks_embedding_{ours.id} " in " ".join(plan) + " "
        found = backend_for(platform).candidates(db, [ours.id], [], query, 100)
    assert len(found.dense) == 100 and set(found.dense) <= set(our_ids)


def dense_sql(collection_id: int) -> str:
    """The backend's dense query: the collection as a literal, so its partial index applies."""
    return (
        f"SELECT id FROM chunks WHERE collection_id = {collection_id} AND embedding IS NOT NULL "
        "ORDER BY embedding <=> CAST(:vec AS vector) LIMIT 100"
    )


def _dense_params(vector: np.ndarray) -> dict:
    return {"vec": "[" + ",".join(f"{x:.6f}" for x in vector) + "]"}
