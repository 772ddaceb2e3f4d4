"""Pure ASGI middleware (cheap on the gateway's hot path)."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class BodySizeLimit:
    """Refuse request bodies over ``max_bytes`` with 413 before the app sees them, and
    addresses with a NUL character with 400 (PostgreSQL cannot store one; it was a 500).

    A declared Content-Length is checked up front; a body without one (chunked) is read here,
    counted, and replayed to the app only if it fits. Also adds basic security headers.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_security_headers(send, scope.get("path", ""))
        if "\x00" in scope.get("path", "") or b"%00" in scope.get("query_string", b""):
            message = "Adressen innehåller ett ogiltigt tecken (NUL)."
            await _error(send, 400, "invalid_request", message)
            return
        declared = _content_length(scope)
        if declared is not None:
            if declared > self.max_bytes:
                await _too_large(send, scope, self.max_bytes)
                return
            await self.app(scope, receive, send)
            return
        if scope.get("method") in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        buffered = await _read_limited(receive, self.max_bytes)
        if buffered is None:
            await _too_large(send, scope, self.max_bytes)
            return
        await self.app(scope, _replay(buffered, receive), send)


async def _read_limited(receive: Receive, limit: int) -> list[Message] | None:
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages
        size += len(message.get("body", b""))
        if size > limit:
            return None
        if not message.get("more_body", False):
            return messages


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay


# Pages and API answers that show case data (K3) or personal data: never kept by a browser
# or proxy cache.
NO_STORE_PREFIXES = (
    "/arenden",
    "/annotering",
    "/klassificerare",
    "/privacy",
    "/api/concern",
    "/api/privacy",
)


def _is_report_form(path: str) -> bool:
    """The public report form: a refused form and the receipt carry what the reporter wrote."""
    return path.startswith("/t/") and path.rstrip("/").endswith("/orosanmalan")


def _with_security_headers(send: Send, path: str) -> Send:
    extra = list(SECURITY_HEADERS)
    if path.startswith(NO_STORE_PREFIXES) or _is_report_form(path):
        extra.append((b"cache-control", b"no-store"))

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), *extra]
        await send(message)

    return wrapped


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _too_large(send: Send, scope: Scope, limit: int) -> None:
    if _is_browser_form(scope):
        await _too_large_page(send, limit)
        return
    await _error(send, 413, "body_too_large", f"Anropet är större än gränsen på {limit} byte.")


FORM_TYPES = (b"application/x-www-form-urlencoded", b"multipart/form-data")


def _is_browser_form(scope: Scope) -> bool:
    """A form posted by a browser (a resident's report, an upload page): it gets a page, not
    the API's JSON error."""
    headers = dict(scope.get("headers", []))
    posted_form = headers.get(b"content-type", b"").lower().startswith(FORM_TYPES)
    return posted_form and b"text/html" in headers.get(b"accept", b"")


TOO_LARGE_PAGE = """<!doctype html>
<html lang="sv">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Det du skickade är för stort – Tillit</title></head>
<body><main>
<h1>Det du skickade är för stort</h1>
<p>Formuläret skickades inte: det får vara högst {size}. Gå tillbaka i webbläsaren (det du
skrivit finns oftast kvar), korta texten eller ta bort en bifogad fil, och skicka igen.</p>
</main></body>
</html>
"""


async def _too_large_page(send: Send, limit: int) -> None:
    size = f"{limit / 2**20:.0f} MB" if limit >= 2**20 else f"{limit // 1024} kB"
    page = TOO_LARGE_PAGE.format(size=size).encode()
    await _respond(send, 413, b"text/html; charset=utf-8", page)


async def _error(send: Send, status: int, code: str, message: str) -> None:
    body: dict[str, Any] = {"error": {"code": code, "message": message, "type": "error"}}
    await _respond(send, status, b"application/json", json.dumps(body, ensure_ascii=False).encode())


async def _respond(send: Send, status: int, content_type: bytes, raw: bytes) -> None:
    headers = [(b"content-type", content_type), (b"content-length", str(len(raw)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": raw})
