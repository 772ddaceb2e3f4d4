"""Writing and reading Runs, and usage (tokens, calls, cost) aggregated from them."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tillit.auth.tables import ApiKey
from tillit.errors import NotFound
from tillit.runs.tables import Run


def new_run_id() -> str:
    """128 random bits: a run id is also the unguessable part of a provenance URL."""
    return uuid.uuid4().hex


def hash_input(payload: Any) -> str:
    raw = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def cost_of(
    prompt_tokens: int | None,
    completion_tokens: int | None,
    price_in: float | None,
    price_out: float | None,
) -> float | None:
    if price_in is None and price_out is None:
        return None
    return round(
        (prompt_tokens or 0) / 1000 * (price_in or 0)
        + (completion_tokens or 0) / 1000 * (price_out or 0),
        6,
    )


def get_run(db: Session, tenant_id: int, run_id: str) -> Run:
    run = db.get(Run, run_id)
    if run is None or run.tenant_id != tenant_id:
        raise NotFound("Körningen finns inte.", code="run_not_found")
    return run


def list_runs(db: Session, tenant_id: int, limit: int = 100, kind: str | None = None) -> list[Run]:
    query = select(Run).where(Run.tenant_id == tenant_id)
    if kind:
        query = query.where(Run.kind == kind)
    return list(db.scalars(query.order_by(Run.started_at.desc()).limit(limit)))


def run_dict(run: Run) -> dict[str, Any]:
    return {
        "id": run.id,
        "tenant_id": run.tenant_id,
        "kind": run.kind,
        "app": run.app,
        "caller": f"{run.caller_type}:{run.caller_id}" if run.caller_id else run.caller_type,
        "api_key_id": run.api_key_id,
        "model": run.model_name,
        "model_version": run.model_version,
        "remote_model": run.remote_model,
        "response_model": run.response_model,
        "provider": run.provider,
        "security_class": run.security_class,
        "stream": run.stream,
        "status": run.status,
        "error_code": run.error_code,
        "input_hash": run.input_hash,
        "params": run.params,
        "policy": run.policy,
        "privacy": run.privacy,
        "retrieval": run.retrieval,
        "prompt_template_version": run.prompt_template_version,
        "prompt_tokens": run.prompt_tokens,
        "completion_tokens": run.completion_tokens,
        "cost": run.cost,
        "latency_ms": run.latency_ms,
        "started_at": run.started_at.isoformat(),
    }


def usage_summary(
    db: Session, tenant_id: int, since: datetime | None = None
) -> list[dict[str, Any]]:
    """Calls, tokens and cost per API key (or user) and model."""
    query = (
        select(
            Run.caller_type,
            Run.caller_id,
            Run.api_key_id,
            ApiKey.name,
            Run.model_name,
            func.count(),
            func.coalesce(func.sum(Run.prompt_tokens), 0),
            func.coalesce(func.sum(Run.completion_tokens), 0),
            func.sum(Run.cost),
        )
        .outerjoin(ApiKey, ApiKey.id == Run.api_key_id)
        .where(Run.tenant_id == tenant_id, Run.status == "ok")
        .group_by(Run.caller_type, Run.caller_id, Run.api_key_id, ApiKey.name, Run.model_name)
        .order_by(Run.model_name)
    )
    if since:
        query = query.where(Run.started_at >= since)
    return [
        {
            "caller": f"{ctype}:{cid}" if cid else ctype,
            "api_key_id": key_id,
            "api_key_name": key_name,
            "model": model,
            "calls": calls,
            "prompt_tokens": int(pt),
            "completion_tokens": int(ct),
            "cost": round(float(cost), 6) if cost is not None else None,
        }
        for ctype, cid, key_id, key_name, model, calls, pt, ct, cost in db.execute(query)
    ]
