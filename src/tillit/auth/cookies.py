"""The page-session cookie: HttpOnly, SameSite=Lax, Secure over https (or when configured)."""

from __future__ import annotations

from fastapi import Request, Response

from tillit.auth.service import start_session
from tillit.auth.tables import User
from tillit.platform import Platform
from tillit.web.deps import SESSION_COOKIE


def cookie_secure(request: Request, platform: Platform) -> bool:
    configured = platform.settings.cookie_secure
    if configured is not None:
        return configured
    forwarded = request.headers.get("x-forwarded-proto", "")
    return request.url.scheme == "https" or forwarded == "https"


def log_in(request: Request, response: Response, platform: Platform, user: User) -> None:
    """Start a server-side session for ``user`` (in its own transaction) and set the cookie."""
    with platform.session() as db:
        token, _ = start_session(db, user, platform.settings.session_hours)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=platform.settings.session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=cookie_secure(request, platform),
        path="/",
    )


def log_out_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
