"""Search returns one hit per document, and as many documents as asked for when the ranking has
them, even when one long document holds the best-ranked chunks."""

from __future__ import annotations

from sqlalchemy import select

from tillit.knowledge.documents import Block, SourceDocument
from tillit.knowledge.ingest import ingest_items, start_job
from tillit.knowledge.search import _hits
from tillit.knowledge.service import backend_for, get_or_create_collection
from tillit.knowledge.tables import Chunk, Collection, Document
from tillit.platform import Platform


def _long_document(sections: int) -> SourceDocument:
    blocks = []
    for n in range(1, sections + 1):
        blocks += [Block("heading", f"Avsnitt {n}", 2), Block("paragraph", f"Bygglov, del {n}.")]
    return SourceDocument(key="handbok", title="Handbok", source="t", blocks=blocks)


def _page(n: int) -> SourceDocument:
    text = f"Sida {n} om bygglov."
    return SourceDocument(
        key=f"sida-{n}", title=f"Sida {n}", source="t", blocks=[Block("paragraph", text)]
    )


def test_a_long_document_at_the_top_does_not_crowd_out_the_others(platform: Platform) -> None:
    with platform.session() as db:
        collection, _ = get_or_create_collection(db, 1, "webb")
        collection_id = collection.id
    docs = [_long_document(40), *(_page(n) for n in range(1, 7))]
    ingest_items(
        platform, backend_for(platform), start_job(platform, 1, collection_id, ["t"]), [("t", docs)]
    )
    with platform.session() as db:
        rows = db.execute(
            select(Chunk.id, Document.key).join(Document, Document.id == Chunk.document_id)
        ).all()
        long_first = sorted(rows, key=lambda row: (row[1] != "handbok", row[0]))
        assert sum(key == "handbok" for _, key in rows) == 40
        ranked = [(chunk_id, 1.0, 0.0, 0.0) for chunk_id, _ in long_first]
        collections = [db.get(Collection, collection_id)]
        for limit in (1, 3, 5, 7):
            hits = _hits(db, collections, ranked, limit, one_per_document=True)
            documents = [hit.document for hit in hits]
            assert documents == ["handbok", *(f"sida-{n}" for n in range(1, limit))]
