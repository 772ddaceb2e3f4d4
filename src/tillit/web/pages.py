"""Helpers for server-rendered pages."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from tillit.web.deps import PageContext


def render(
    request: Request, template: str, ctx: PageContext | None, status_code: int = 200, **values: Any
) -> HTMLResponse:
    templates = request.app.state.templates
    return templates.TemplateResponse(
        request, template, {"ctx": ctx, **values}, status_code=status_code
    )


def safe_next(target: str | None) -> str:
    """Only local paths: never redirect a user to another site after login."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
