"""A real OpenAI-compatible HTTP server for tests and benchmarks, standing in for an external
model service (vLLM, a cloud API). Deterministic: it echoes the last user message.

Special remote model ids trigger failure modes: ``fail-500``, ``fail-401``, ``slow`` (sleeps
longer than any test timeout), ``garbage`` (non-JSON body), ``no-choices``, ``bad-stream``
(breaks off a stream with invalid data), ``fail-400-echo`` (an error that repeats the request
and a key); ``labeller-1`` answers a request to label numbered
passages with JSON.

Run: ``python -m tests.support.upstream PORT``
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

MODELS = [
    "echo-1",
    "labeller-1",
    "fail-500",
    "fail-400-echo",
    "fail-401",
    "slow",
    "garbage",
    "no-choices",
    "bad-stream",
    "emb-1",
]


def _last_user_text(body: dict[str, Any]) -> str:
    for message in reversed(body.get("messages") or []):
        if message.get("role") == "user":
            content = message.get("content")
            return content if isinstance(content, str) else json.dumps(content)
    return ""


def _reply(body: dict[str, Any]) -> str:
    return f"Svar: {_last_user_text(body)}"


def _labels(body: dict[str, Any]) -> str:
    """A stand-in for a model asked to label numbered passages ("[n] text"): physical violence
    where a passage mentions hitting, nothing elsewhere, one label that does not exist, and the
    JSON inside a code fence as chat models often write it."""
    answer: dict[str, list[str]] = {}
    for number, passage in re.findall(r"^\[(\d+)\] (.*)$", _last_user_text(body), re.M):
        answer[number] = ["fysiskt_vald"] if re.search(r"\bsl[åo]", passage) else []
    answer["1"] = [*answer.get("1", []), "påhittad"]
    return "```json\n" + json.dumps(answer, ensure_ascii=False) + "\n```"


def _usage(body: dict[str, Any], reply: str) -> dict[str, int]:
    prompt = sum(len(str(m.get("content", "")).split()) for m in body.get("messages") or [])
    completion = len(reply.split())
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


async def _failure(model: str, body: dict[str, Any] | None = None) -> Response | None:
    if model == "fail-400-echo":  # like upstreams that repeat the request in their error
        echoed = f"invalid key Bearer sk-upstream-SECRET for {_last_user_text(body or {})}"
        error = {"message": echoed, "type": "invalid_request_error", "code": "bad request!"}
        return JSONResponse({"error": error}, status_code=400)
    if model == "fail-500":
        return JSONResponse({"error": {"message": "upstream exploded"}}, status_code=500)
    if model == "fail-401":
        return JSONResponse({"error": {"message": "bad key"}}, status_code=401)
    if model == "slow":
        await asyncio.sleep(3600)
    if model == "garbage":
        return PlainTextResponse("<html>not json</html>")
    if model == "no-choices":
        return JSONResponse({"id": "x", "object": "chat.completion"})
    return None


async def chat(request: Request) -> Response:
    body = await request.json()
    model = body.get("model", "")
    failure = await _failure(model, body)
    if failure is not None:
        return failure
    reply = _labels(body) if model == "labeller-1" else _reply(body)
    if body.get("stream"):
        return StreamingResponse(_stream(body, reply), media_type="text/event-stream")
    return JSONResponse(
        {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": reply},
                    "finish_reason": "stop",
                }
            ],
            "usage": _usage(body, reply),
            "x_received": _last_user_text(body),  # lets tests see exactly what left Tillit
        }
    )


async def _stream(body: dict[str, Any], reply: str):  # type: ignore[no-untyped-def]
    base = {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": body.get("model"),
    }
    for i, word in enumerate(reply.split(" ")):
        piece = word if i == 0 else " " + word
        chunk = {
            **base,
            "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
        }
        yield f"data: {json.dumps(chunk)}\n\n"
        if body.get("model") == "bad-stream" and i == 1:
            yield "data: {this is not json\n\n"
            return
    done = {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    yield f"data: {json.dumps(done)}\n\n"
    if (body.get("stream_options") or {}).get("include_usage"):
        yield f"data: {json.dumps({**base, 'choices': [], 'usage': _usage(body, reply)})}\n\n"
    yield "data: [DONE]\n\n"


async def embeddings(request: Request) -> Response:
    body = await request.json()
    failure = await _failure(body.get("model", ""))
    if failure is not None:
        return failure
    texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
    data = [
        {"object": "embedding", "index": i, "embedding": [float(len(t)), 1.0, 0.0]}
        for i, t in enumerate(texts)
    ]
    tokens = sum(len(t.split()) for t in texts)
    return JSONResponse(
        {
            "object": "list",
            "data": data,
            "model": body.get("model"),
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
    )


async def rerank(request: Request) -> Response:
    """Deterministic stand-in for a cross-encoder: shared words with the query, then shorter."""
    body = await request.json()
    query = set(str(body["query"]).lower().split())
    scores = [
        (len(query & set(d.lower().split())) - len(d) / 10_000, i)
        for i, d in enumerate(body["documents"])
    ]
    results = [{"index": i, "relevance_score": round(score, 6)} for score, i in scores]
    return JSONResponse({"model": body.get("model"), "results": results})


async def models(_request: Request) -> Response:
    return JSONResponse(
        {
            "object": "list",
            "data": [{"id": m, "object": "model", "owned_by": "test"} for m in MODELS],
        }
    )


def make_app() -> Starlette:
    return Starlette(
        routes=[
            Route("/v1/chat/completions", chat, methods=["POST"]),
            Route("/v1/embeddings", embeddings, methods=["POST"]),
            Route("/v1/rerank", rerank, methods=["POST"]),
            Route("/v1/models", models),
        ]
    )


app = make_app()

if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
