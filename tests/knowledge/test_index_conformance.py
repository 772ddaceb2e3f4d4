"""One conformance suite for both search backends. It runs on SQLite by default and on
PostgreSQL (tsvector + pgvector) when TILLIT_TEST_DATABASE_URL is set: same tests, same
expectations."""

from __future__ import annotations

import pytest
from sqlalchemy import delete

from tillit.knowledge.embedding import embed_passages
from tillit.knowledge.index.base import IndexedChunk
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


def add_documents(platform: Platform, collection_name: str, docs: dict[str, str]) -> Collection:
    backend = backend_for(platform)
    vectors = embed_passages(list(docs.values()))
    with platform.session() as db:
        collection, _ = get_or_create_collection(db, 1, collection_name)
        for (key, text), vector in zip(docs.items(), vectors, strict=True):
            document = Document(collection_id=collection.id, key=key, title=key, source=key)
            db.add(document)
            db.flush()
            chunk = Chunk(
                document_id=document.id,
                collection_id=collection.id,
                ordinal=0,
                heading_path=[key],
                text=text,
                terms=" ".join(lexical_terms(text)),
            )
            db.add(chunk)
            db.flush()
            backend.add(db, [IndexedChunk(chunk.id, collection.id, chunk.terms, vector)])
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
