"""Optional reranking of retrieved passages by a configured model (a cross-encoder served over
the Cohere-style /v1/rerank API by vLLM, TEI or Infinity). The model must be cleared for the
collections' information class; the call is a Run like every other model call."""

from __future__ import annotations

import time
from typing import Any

import anyio

from tillit.auth.roles import Principal
from tillit.catalog.service import resolve_by_name
from tillit.catalog.tables import CatalogModel
from tillit.errors import InvalidInput, ModelUnavailable
from tillit.knowledge.search import Hit
from tillit.platform import Platform
from tillit.policy import SecurityClass, check_class
from tillit.providers.base import ProviderSpec
from tillit.providers.registry import build_provider
from tillit.runs.service import hash_input, new_run_id
from tillit.runs.tables import Run


def rerank(
    platform: Platform,
    principal: Principal,
    model_name: str,
    query: str,
    hits: list[Hit],
    security_class: SecurityClass,
) -> list[Hit]:
    """The same hits, reordered by the model's relevance scores (best first)."""
    if len(hits) < 2:
        return hits
    started = time.perf_counter()
    run = Run(
        id=new_run_id(),
        tenant_id=principal.tenant_id,
        kind="knowledge.rerank",
        caller_type=principal.kind,
        caller_id=str(principal.id or principal.name),
        security_class=security_class.value,
        input_hash=hash_input(query),
        status="ok",
        params={"candidates": len(hits)},
    )
    try:
        provider_type, spec = _model(platform, principal, model_name, security_class, run)
        body = {
            "model": spec.remote_model,
            "query": query,
            "documents": [h.text for h in hits],
            "top_n": len(hits),
        }
        results = anyio.run(_call, provider_type, spec, body)["results"]
        order = [
            r["index"]
            for r in sorted(results, key=lambda r: -float(r["relevance_score"]))
            if 0 <= r["index"] < len(hits)
        ]
        seen = set(order)
        ranked = [hits[i] for i in order] + [h for i, h in enumerate(hits) if i not in seen]
        run.retrieval = [{"chunk_id": h.chunk_id, "document": h.document} for h in ranked]
        return ranked
    except Exception as exc:
        run.status, run.error_code = "error", getattr(exc, "code", type(exc).__name__)
        raise
    finally:
        run.latency_ms = round((time.perf_counter() - started) * 1000, 3)
        with platform.session() as db:
            db.add(run)


def _model(
    platform: Platform, principal: Principal, name: str, klass: SecurityClass, run: Run
) -> tuple[str, ProviderSpec]:
    with platform.session() as db:
        model = resolve_by_name(db, principal.tenant_id, name)
        run.model_id, run.model_name, run.provider = model.id, model.name, model.provider
        if not model.enabled:
            raise InvalidInput(
                f"Modellen '{model.name}' kan inte omranka.", code="capability_not_supported"
            )
        check_reranker(model, klass)
        return model.provider, platform.provider_spec(model)


def check_reranker(model: CatalogModel, klass: SecurityClass) -> None:
    """The model can rerank and is cleared for ``klass`` (the passages and the question go to
    it); checked when a manifest is applied and again at each question."""
    if "rerank" not in model.capabilities:
        raise InvalidInput(
            f"Modellen '{model.name}' kan inte omranka.", code="capability_not_supported"
        )
    check_class(klass, model.name, SecurityClass(model.max_class))


async def _call(provider_type: str, spec: ProviderSpec, body: dict[str, Any]) -> dict[str, Any]:
    provider = build_provider(provider_type, spec)
    try:
        method = getattr(provider, "rerank", None)
        if method is None:
            raise ModelUnavailable(
                f"Leverantörstypen {provider_type} kan inte omranka.",
                code="capability_not_supported",
            )
        return await method(body)
    finally:
        await provider.aclose()
