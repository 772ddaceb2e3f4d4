"""Request dependencies: the platform, the caller (API key or page session), CSRF."""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from tillit.auth.keys import principal_for_secret
from tillit.auth.roles import Principal
from tillit.auth.service import principal_for_user, resolve_session
from tillit.auth.tables import User
from tillit.errors import InvalidInput, NotAuthenticated, PermissionDenied
from tillit.platform import Platform
from tillit.validation_text import has_unpaired_surrogate

SESSION_COOKIE = "tillit_session"
LOGIN_CSRF_COOKIE = "tillit_login_csrf"


# A UTF-16 surrogate in JSON text, escaped ("\ud800") or as raw bytes (json.loads lets those
# through): unpaired, it decodes to a str that can be neither stored nor sent as UTF-8.
_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")


async def refuse_unpaired_surrogates(request: Request) -> None:
    """Every JSON body is refused (400) when it holds an unpaired surrogate: it reached the
    database or an error message and was a 500 (a role, a user's name, a model name)."""
    if "json" not in request.headers.get("content-type", ""):
        return
    raw = await request.body()
    if not _SURROGATE.search(raw):
        return
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        return  # not JSON: the route's own reading says so
    if has_unpaired_surrogate(body):
        raise InvalidInput(
            "Anropet innehåller ogiltiga Unicode-tecken (ensamma surrogattecken).",
            code="invalid_json",
        )


class LoginRequired(Exception):
    """Raised by page dependencies; the app redirects to /login."""


@dataclass(frozen=True)
class PageContext:
    principal: Principal
    user: User
    csrf_token: str


def get_platform(request: Request) -> Platform:
    return request.app.state.platform


PlatformDep = Annotated[Platform, Depends(get_platform)]


def _session_principal(platform: Platform, token: str) -> PageContext | None:
    with platform.session() as db:
        found = resolve_session(db, token)
        if found is None:
            return None
        user, web_session = found
        return PageContext(principal_for_user(db, user), user, web_session.csrf_token)


def current_principal(request: Request, platform: PlatformDep) -> Principal:
    """JSON API: an API key (Authorization: Bearer) or a logged-in page session."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        with platform.session() as db:
            return principal_for_secret(db, token.strip())
    cookie = request.cookies.get(SESSION_COOKIE)
    context = _session_principal(platform, cookie) if cookie else None
    if context is None:
        raise NotAuthenticated("Inloggning eller API-nyckel krävs.", code="not_authenticated")
    if request.method not in ("GET", "HEAD"):
        _check_csrf_header(request, context.csrf_token)
    return context.principal


def _check_csrf_header(request: Request, expected: str) -> None:
    presented = request.headers.get("x-csrf-token", "")
    if not secrets.compare_digest(presented.encode(), expected.encode()):
        raise PermissionDenied("CSRF-token saknas eller är fel.", code="csrf_failed")


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def page_context(request: Request, platform: PlatformDep) -> PageContext:
    cookie = request.cookies.get(SESSION_COOKIE)
    context = _session_principal(platform, cookie) if cookie else None
    if context is None:
        raise LoginRequired
    return context


PageDep = Annotated[PageContext, Depends(page_context)]


async def verify_form_csrf(request: Request, context: PageDep) -> PageContext:
    form = await request.form()
    presented = str(form.get("csrf_token", ""))
    if not secrets.compare_digest(presented.encode(), context.csrf_token.encode()):
        raise PermissionDenied(
            "Formuläret har gått ut eller kom från en annan sida. Ladda om sidan och försök igen.",
            code="csrf_failed",
        )
    return context


FormDep = Annotated[PageContext, Depends(verify_form_csrf)]
