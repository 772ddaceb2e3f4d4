"""Helpers for server-rendered pages."""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse

from tillit.auth.secretbox import SecretBox
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


def notice_query(box: SecretBox, message: str) -> str:
    """``message=…&sig=…`` for a redirect that shows ``message`` on the next page; the
    signature lets that page show only messages Tillit itself wrote (a link with any text as
    ``?message=`` would otherwise look like a notice from the system). A message that repeats
    a long input is cut, so the redirect stays a size browsers follow."""
    if len(message) > MAX_NOTICE:
        message = message[: MAX_NOTICE - 1] + "…"
    return f"message={quote(message)}&sig={_notice_signature(box, message)}"


MAX_NOTICE = 500


def verified_notice(box: SecretBox, message: str | None, signature: str | None) -> str | None:
    if not message or not signature:
        return None
    expected = _notice_signature(box, message)
    return message if hmac.compare_digest(expected.encode(), signature.encode()) else None


def _notice_signature(box: SecretBox, message: str) -> str:
    return box.keyed_hash("page-notice", message)[:32]
