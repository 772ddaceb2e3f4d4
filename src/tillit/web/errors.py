"""Domain errors → HTTP status and a machine-readable body, JSON or an HTML page.

Every JSON error has the OpenAI shape so SDKs surface it: {"error": {"code", "message", "type"}}.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any
from urllib.parse import quote

from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from tillit.audit.service import record_refusal
from tillit.errors import TillitError
from tillit.validation_text import describe

log = logging.getLogger("tillit.web")

TOO_LARGE_NUMBER = "Ett tal i anropet är för stort."
HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}
HTTP_MESSAGES_SV = {  # the framework's own English messages
    "There was an error parsing the body": "Anropets innehåll kunde inte läsas (ogiltig JSON, "
    "för djupt nästlad, eller ogiltiga formulärdata).",
    "Method Not Allowed": "Metoden är inte tillåten för den här adressen.",
    "Invalid multipart data.": "Ogiltiga formulärdata (multipart).",
    "Missing boundary in multipart.": "Ogiltiga formulärdata (multipart utan gränsmarkering).",
    'The Content-Disposition header field "name" must be provided.': "Ogiltiga formulärdata "
    "(ett fält saknar namn).",
}
# Starlette's form limits, with the limit in the text ("Too many fields. Maximum number of …")
FORM_LIMITS_SV = (
    (re.compile(r"Too many fields\. Maximum number of fields is (\d+)\."),
     "Formuläret har för många fält (högst {})."),
    (re.compile(r"Too many files\. Maximum number of files is (\d+)\."),
     "Formuläret har för många filer (högst {})."),
    (re.compile(r"(?:Field|Part) exceeded maximum size of (\d+)KB\."),
     "Ett fält i formuläret är större än gränsen på {} kB."),
)  # fmt: skip


def in_swedish(message: str) -> str:
    """The framework's English message for a request it could not read, in Swedish."""
    if message in HTTP_MESSAGES_SV:
        return HTTP_MESSAGES_SV[message]
    for pattern, swedish in FORM_LIMITS_SV:
        if found := pattern.fullmatch(message):
            return swedish.format(found.group(1))
    return message


def error_body(exc: TillitError) -> dict[str, Any]:
    return {"error": {"code": exc.code, "message": exc.message, "type": type(exc).__name__}}


def wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api/", "/v1/")):
        return False
    return "text/html" in request.headers.get("accept", "")


def render_error(request: Request, status: int, code: str, message: str) -> Response:
    if wants_html(request):
        templates = request.app.state.templates
        home, home_label = way_back(request.url.path)
        context = {"status": status, "code": code, "message": message}
        return templates.TemplateResponse(
            request,
            "error.html",
            context | {"home": home, "home_label": home_label},
            status_code=status,
        )
    body = {"error": {"code": code, "message": message, "type": "error"}}
    return JSONResponse(body, status_code=status)


def way_back(path: str) -> tuple[str, str]:
    """Where an error page leads: a resident on a municipality's public pages goes to its
    register of AI services (the start page is the staff login)."""
    parts = path.split("/")
    if path.startswith("/t/") and len(parts) > 2 and parts[2]:
        return f"/insyn?kommun={quote(parts[2])}", "Till kommunens AI-tjänster"
    if path.startswith("/insyn"):
        return "/insyn", "Till AI-registret"
    return "/", "Till startsidan"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(TillitError)
    async def domain_error(request: Request, exc: TillitError) -> Response:
        if exc.refusal is not None:
            await to_thread.run_sync(record_refusal, request.app.state.platform, exc)
        return render_error(request, exc.status, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = describe(exc.errors(), skip=1)
        return render_error(request, 400, "invalid_request", f"Ogiltigt anrop: {problems}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = HTTP_CODES.get(exc.status_code, "http_error")
        message = "Sidan finns inte." if exc.status_code == 404 else str(exc.detail)
        return render_error(request, exc.status_code, code, in_swedish(message))

    @app.exception_handler(DataError)
    async def data_error(request: Request, exc: DataError) -> Response:
        if "NUL" in str(exc.orig):  # PostgreSQL text cannot hold one ("cannot contain NUL")
            message = "Texten innehåller ett ogiltigt tecken (NUL)."
            return render_error(request, 400, "invalid_character", message)
        if "out of range" in str(exc.orig):  # an id beyond 64 bits (SQLite: OverflowError)
            return render_error(request, 400, "number_too_large", TOO_LARGE_NUMBER)
        log.error("database refused a value on %s %s: %s", request.method, request.url.path,
                  type(exc.orig).__name__)  # fmt: skip
        return render_error(request, 400, "invalid_value", "Ett värde kunde inte sparas.")

    @app.exception_handler(OverflowError)
    async def too_large_number(request: Request, exc: OverflowError) -> Response:
        return render_error(request, 400, "number_too_large", TOO_LARGE_NUMBER)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        if isinstance(exc, DBAPIError):
            log.error("database error on %s %s: %s", request.method, request.url.path,
                      loggable(exc))  # fmt: skip
        else:
            log.exception("unhandled error on %s %s", request.method, request.url.path)
        return render_error(request, 500, "internal_error", "Ett internt fel inträffade.")


def loggable(exc: DBAPIError) -> str:
    """A database error for the log: its type and where it happened, never its text, which
    (PostgreSQL's DETAIL: "Failing row contains (…)") can hold names and case text."""
    frames = "".join(traceback.format_tb(exc.__traceback__))
    return f"{type(exc.orig).__name__} (the values are left out)\n{frames}"
