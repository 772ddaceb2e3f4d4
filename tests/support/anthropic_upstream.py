"""A real Anthropic Messages API server for tests, standing in for api.anthropic.com.
Deterministic: it answers "Svar: <last user text>" and strictly checks the request shape
(as the real API does), so translation mistakes show up as HTTP 400.

It requires ``x-api-key: test-anthropic-key`` and an ``anthropic-version`` header. When the last
user text is ``visa parametrar`` the reply (never truncated) is a JSON object of what it received:
system prompt, max_tokens, stop_sequences, temperature, top_p, messages. Otherwise ``max_tokens``
truncates the reply (one token per word, stop_reason ``max_tokens``) and a stop sequence found in
the reply cuts it there (stop_reason ``stop_sequence``).

Special remote model ids: ``fail-500``, ``overloaded`` (HTTP 529), ``garbage`` (non-JSON body),
``stream-error`` (an ``event: error`` in the middle of a stream).

Run: ``python -m tests.support.anthropic_upstream PORT``
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

API_KEY = "test-anthropic-key"
MODELS = ["claude-test", "fail-500", "overloaded", "garbage", "stream-error"]
PARAMS = ("system", "max_tokens", "stop_sequences", "temperature", "top_p", "messages")


def _error(status: int, kind: str, message: str) -> JSONResponse:
    body = {"type": "error", "error": {"type": kind, "message": message}}
    return JSONResponse(body, status_code=status)


def _auth_problem(request: Request) -> Response | None:
    if request.headers.get("x-api-key") != API_KEY:
        return _error(401, "authentication_error", "invalid x-api-key")
    if not request.headers.get("anthropic-version"):
        return _error(400, "invalid_request_error", "anthropic-version header is required")
    return None


def _shape_problem(body: dict[str, Any]) -> str | None:
    """The checks the real API makes that a careless translation would fail."""
    if not isinstance(body.get("max_tokens"), int):
        return "max_tokens: Field required"
    if "system" in body and not isinstance(body["system"], str | list):
        return "system: must be a string or a list of blocks"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages: at least one message is required"
    for message in messages:
        if message.get("role") not in ("user", "assistant"):
            return f"messages: unexpected role {message.get('role')!r}"
        if not isinstance(message.get("content"), str | list):
            return "messages: content must be a string or a list of blocks"
    unknown = set(body) - {*PARAMS, "model", "stream", "metadata"}
    return f"{sorted(unknown)}: Extra inputs are not permitted" if unknown else None


def _last_user_text(body: dict[str, Any]) -> str:
    for message in reversed(body["messages"]):
        if message["role"] == "user":
            content = message["content"]
            if isinstance(content, str):
                return content
            return "".join(b.get("text", "") for b in content if b.get("type") == "text")
    return ""


def _answer(body: dict[str, Any]) -> tuple[list[str], str]:
    """The reply as word tokens, and the stop reason."""
    text = _last_user_text(body)
    if text == "visa parametrar":  # never truncated: the test parses it
        return [json.dumps({k: body.get(k) for k in PARAMS}, ensure_ascii=False)], "end_turn"
    reply = f"Svar: {text}"
    for stop in body.get("stop_sequences") or []:
        if stop in reply:
            return reply[: reply.index(stop)].split(" "), "stop_sequence"
    words = reply.split(" ")
    if len(words) > body["max_tokens"]:
        return words[: body["max_tokens"]], "max_tokens"
    return words, "end_turn"


def _input_tokens(body: dict[str, Any]) -> int:
    texts = [str(body.get("system") or "")] + [str(m["content"]) for m in body["messages"]]
    return sum(len(t.split()) for t in texts)


def _failure(model: str) -> Response | None:
    if model == "fail-500":
        return _error(500, "api_error", "Internal server error")
    if model == "overloaded":
        return _error(529, "overloaded_error", "Overloaded")
    if model == "garbage":
        return PlainTextResponse("<html>not json</html>")
    return None


async def messages(request: Request) -> Response:
    problem = _auth_problem(request)
    if problem is not None:
        return problem
    body = await request.json()
    shape = _shape_problem(body)
    if shape is not None:
        return _error(400, "invalid_request_error", shape)
    failure = _failure(body.get("model", ""))
    if failure is not None:
        return failure
    words, stop_reason = _answer(body)
    if body.get("stream"):
        return StreamingResponse(_stream(body, words, stop_reason), media_type="text/event-stream")
    return JSONResponse(
        {
            "id": "msg_test",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": [{"type": "text", "text": " ".join(words)}],
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": {"input_tokens": _input_tokens(body), "output_tokens": len(words)},
        }
    )


def _event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps({'type': name, **data}, ensure_ascii=False)}\n\n"


async def _stream(body: dict[str, Any], words: list[str], stop_reason: str) -> AsyncIterator[str]:
    message = {
        "id": "msg_stream",
        "type": "message",
        "role": "assistant",
        "model": body["model"],
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": _input_tokens(body), "output_tokens": 1},
    }
    yield _event("message_start", {"message": message})
    yield _event("content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}})
    yield _event("ping", {})
    for i, word in enumerate(words):
        delta = {"type": "text_delta", "text": word if i == 0 else " " + word}
        yield _event("content_block_delta", {"index": 0, "delta": delta})
        if body["model"] == "stream-error" and i == 1:
            yield _event("error", {"error": {"type": "overloaded_error", "message": "Overloaded"}})
            return
    yield _event("content_block_stop", {"index": 0})
    yield _event(
        "message_delta",
        {
            "delta": {"stop_reason": stop_reason, "stop_sequence": None},
            "usage": {"output_tokens": len(words)},
        },
    )
    yield _event("message_stop", {})


async def models(request: Request) -> Response:
    problem = _auth_problem(request)
    if problem is not None:
        return problem
    data = [
        {"type": "model", "id": m, "display_name": m, "created_at": "2025-01-01T00:00:00Z"}
        for m in MODELS
    ]
    return JSONResponse(
        {"data": data, "has_more": False, "first_id": MODELS[0], "last_id": MODELS[-1]}
    )


def make_app() -> Starlette:
    return Starlette(
        routes=[
            Route("/v1/messages", messages, methods=["POST"]),
            Route("/v1/models", models),
        ]
    )


app = make_app()

if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
