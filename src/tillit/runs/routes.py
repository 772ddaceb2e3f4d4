"""JSON API for Runs and usage."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query

from tillit.runs.service import get_run, list_runs, run_dict, usage_summary
from tillit.web.deps import PlatformDep, PrincipalDep

router = APIRouter(prefix="/api", tags=["runs"])


@router.get("/runs")
def runs(
    platform: PlatformDep,
    principal: PrincipalDep,
    limit: int = Query(100, ge=1, le=1000),
    kind: str | None = None,
) -> list[dict[str, Any]]:
    principal.require("runs:read")
    with platform.session() as db:
        return [run_dict(r) for r in list_runs(db, principal.tenant_id, limit, kind)]


@router.get("/runs/{run_id}")
def run(run_id: str, platform: PlatformDep, principal: PrincipalDep) -> dict[str, Any]:
    principal.require("runs:read")
    with platform.session() as db:
        return run_dict(get_run(db, principal.tenant_id, run_id))


@router.get("/usage")
def usage(
    platform: PlatformDep, principal: PrincipalDep, since: datetime | None = None
) -> list[dict[str, Any]]:
    principal.require("usage:read")
    with platform.session() as db:
        return usage_summary(db, principal.tenant_id, since)
