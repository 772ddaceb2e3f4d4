"""The OpenAI-compatible endpoints. Any OpenAI SDK works unchanged with a Tillit API key."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

import anyio
from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from tillit.audit.service import record as audit
from tillit.auth.keys import principal_for_secret
from tillit.catalog.service import list_models
from tillit.errors import InvalidInput, NotAuthenticated, TillitError
from tillit.gateway.service import Call, authorize, finish
from tillit.platform import Platform
from tillit.privacy.policy import ALLOW_HEADER
from tillit.validation_text import has_unpaired_surrogate
from tillit.web.errors import error_body

router = APIRouter(tags=["gateway"])
CLASS_HEADER = "x-tillit-security-class"


def _platform(request: Request) -> Platform:
    return request.app.state.platform


def db_limiter(request: Request) -> anyio.CapacityLimiter | None:
    """Few threads for the gateway's database work: with anyio's default 40, threads fight
    over the GIL and SQLite's write lock and the p99 latency balloons (docs/benchmarks.md)."""
    return getattr(request.app.state, "gateway_db_limiter", None)


def bearer_secret(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated(
            "API-nyckel saknas: skicka 'Authorization: Bearer <nyckel>'.", code="missing_api_key"
        )
    return token.strip()


async def read_json(request: Request) -> dict[str, Any]:
    """The body as a JSON object; NaN/Infinity, nesting too deep for Python and unpaired
    surrogates (which cannot be sent on as UTF-8) are refused like any invalid JSON."""
    raw = await request.body()
    try:  # decoded strictly first: json.loads(bytes) lets raw UTF-8 surrogates through
        body = json.loads(raw.decode("utf-8"), parse_constant=_not_json)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InvalidInput("Anropet är inte giltig JSON.", code="invalid_json") from None
    except RecursionError:
        raise InvalidInput("Anropet är för djupt nästlat.", code="invalid_json") from None
    if not isinstance(body, dict):
        raise InvalidInput("Anropet måste vara ett JSON-objekt.", code="invalid_json")
    if _SURROGATE_ESCAPE.search(raw) and has_unpaired_surrogate(body):
        raise InvalidInput(
            "Anropet innehåller ogiltiga Unicode-tecken (ensamma surrogattecken).",
            code="invalid_json",
        )
    return body


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _not_json(name: str) -> Any:
    raise InvalidInput(f"Anropet innehåller {name}, som inte är giltig JSON.", code="invalid_json")


def _model_name(body: dict[str, Any]) -> str:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise InvalidInput("Fältet 'model' saknas.", code="missing_model")
    return model


async def _authorize(request: Request, body: dict[str, Any], kind: str) -> Call:
    platform = _platform(request)
    secret = bearer_secret(request)
    limiter = db_limiter(request)
    try:
        call = await to_thread.run_sync(
            authorize,
            platform,
            secret,
            _model_name(body),
            request.headers.get(CLASS_HEADER),
            kind,
            body,
            request.headers.get(ALLOW_HEADER),
            limiter=limiter,
        )
    except NotAuthenticated:
        await to_thread.run_sync(_audit_auth_failure, platform, secret, kind, limiter=limiter)
        raise
    call.limiter = limiter
    return call


def _audit_auth_failure(platform: Platform, secret: str, kind: str) -> None:
    hint = secret[:10] if secret.startswith("tlt_") else "(inte en Tillit-nyckel)"
    with platform.session() as db:
        audit(
            db,
            None,
            f"gateway.{kind}",
            outcome="denied",
            actor="anonymous",
            detail={"reason": "invalid_api_key", "key_prefix": hint},
        )


@router.get("/v1/models")
async def models(request: Request) -> dict[str, Any]:
    platform = _platform(request)
    secret = bearer_secret(request)

    def load() -> list[dict[str, Any]]:
        with platform.session() as db:
            principal = principal_for_secret(db, secret)
            return [
                {
                    "id": m.name,
                    "object": "model",
                    "created": int(m.created_at.timestamp()),
                    "owned_by": m.supplier or "tillit",
                    "capabilities": m.capabilities,
                    "max_class": m.max_class,
                    "hosting": m.hosting,
                    "version": m.version,
                }
                for m in list_models(db, principal.tenant_id)
                if m.enabled
            ]

    return {"object": "list", "data": await to_thread.run_sync(load)}


@router.post("/v1/chat/completions", response_model=None)
async def chat_completions(request: Request) -> JSONResponse | StreamingResponse:
    bearer_secret(request)  # no key: 401 before anything about the body
    body = await read_json(request)
    _validate_chat(body)
    call = await _authorize(request, body, "chat")
    upstream = {**body, "model": call.target.remote_model}  # type: ignore[union-attr]
    if call.stream:
        return await _stream(_platform(request), call, upstream)
    if call.privacy is not None:
        return await _pseudonymised_chat(_platform(request), call, upstream)
    return await _call(_platform(request), call, call.provider.chat(upstream))  # type: ignore[union-attr]


@router.post("/v1/embeddings")
async def embeddings(request: Request) -> JSONResponse:
    bearer_secret(request)
    body = await read_json(request)
    if "input" not in body:
        raise InvalidInput("Fältet 'input' saknas.", code="missing_input")
    call = await _authorize(request, body, "embeddings")
    upstream = {**body, "model": call.target.remote_model}  # type: ignore[union-attr]
    return await _call(_platform(request), call, call.provider.embeddings(upstream))  # type: ignore[union-attr]


def _validate_chat(body: dict[str, Any]) -> None:
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise InvalidInput(
            "Fältet 'messages' måste vara en icke-tom lista.", code="invalid_messages"
        )
    if not all(isinstance(m, dict) and "role" in m for m in messages):
        raise InvalidInput(
            "Varje meddelande behöver 'role' och 'content'.", code="invalid_messages"
        )
    if "stream" in body and not isinstance(body["stream"], bool):
        raise InvalidInput("'stream' måste vara true eller false.", code="invalid_stream")


async def _call(platform: Platform, call: Call, pending: Any) -> JSONResponse:
    try:
        result = await pending
    except TillitError as exc:
        await to_thread.run_sync(partial(finish, platform, call, error=exc), limiter=call.limiter)
        raise
    except BaseException as exc:  # client gone (cancelled) or a bug: the Run is still written
        status = "cancelled" if isinstance(exc, anyio.get_cancelled_exc_class()) else "error"
        with anyio.CancelScope(shield=True):
            await to_thread.run_sync(partial(finish, platform, call, status=status))
        raise
    await to_thread.run_sync(partial(finish, platform, call, response=result), limiter=call.limiter)
    return JSONResponse(result, headers={"x-tillit-run-id": call.run_id})


async def _pseudonymised_chat(
    platform: Platform, call: Call, upstream: dict[str, Any]
) -> JSONResponse:
    """Names, numbers and contacts are replaced before the text leaves; the answer gets the
    originals back for the caller who sent them."""
    step = call.privacy
    assert step is not None and call.provider is not None
    upstream["messages"] = await to_thread.run_sync(step.mask_messages, upstream["messages"])

    async def chat_and_restore() -> dict[str, Any]:
        result = await call.provider.chat(upstream)  # type: ignore[union-attr]
        for choice in result.get("choices") or []:
            message = choice.get("message") or {}
            if isinstance(message.get("content"), str):
                message["content"] = await to_thread.run_sync(step.unmask, message["content"])
        return result

    return await _call(platform, call, chat_and_restore())


async def _stream(platform: Platform, call: Call, upstream: dict[str, Any]) -> StreamingResponse:
    chunks = call.provider.chat_stream(upstream).__aiter__()  # type: ignore[union-attr]
    try:
        first = await chunks.__anext__()
    except StopAsyncIteration:
        first = None
    except TillitError as exc:
        await to_thread.run_sync(partial(finish, platform, call, error=exc), limiter=call.limiter)
        raise
    return StreamingResponse(
        _relay(platform, call, first, chunks),
        media_type="text/event-stream",
        headers={"x-tillit-run-id": call.run_id, "cache-control": "no-cache"},
    )


async def _relay(
    platform: Platform,
    call: Call,
    first: dict[str, Any] | None,
    chunks: AsyncIterator[dict[str, Any]],
) -> AsyncIterator[bytes]:
    """Relay chunks as SSE; whatever happens, the Run is written (ok, error or cancelled)."""
    outcome: dict[str, Any] = {"status": "cancelled"}
    last_usage: dict[str, Any] | None = None
    model: str | None = None
    try:
        chunk = first
        while chunk is not None:
            model = model or chunk.get("model")
            if chunk.get("usage"):
                last_usage = chunk
            yield b"data: " + json.dumps(chunk, ensure_ascii=False).encode() + b"\n\n"
            chunk = await anext(chunks, None)
        yield b"data: [DONE]\n\n"
        outcome = {"status": None}
    except TillitError as exc:
        outcome = {"error": exc, "status": None}
        yield b"data: " + json.dumps(error_body(exc), ensure_ascii=False).encode() + b"\n\n"
    finally:
        with anyio.CancelScope(shield=True):
            await to_thread.run_sync(
                partial(
                    finish, platform, call, response=last_usage, response_model=model, **outcome
                ),
                limiter=call.limiter,
            )
