"""Streaming answers for the staff chat: server-sent events ``sources`` → ``delta``… →
``cited`` (generative answers: the final text and its cited passages, which replace what was
streamed) → ``done`` (or ``error``). The Run is written whatever happens, like on the gateway."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
from anyio import to_thread

from tillit.apps.assistant import (
    NOT_COVERED,
    Generation,
    citation_dict,
    extractive,
    finish_generation,
    is_covered,
    new_run,
    prepare_generation,
    retrieve,
    save_run,
)
from tillit.apps.manifest import AssistantManifest
from tillit.auth.roles import Principal
from tillit.errors import TillitError
from tillit.insyn.provenance import provenance_url
from tillit.knowledge.search import Hit
from tillit.platform import Platform
from tillit.providers.registry import build_provider
from tillit.runs.tables import Run


def sse(event: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(event, ensure_ascii=False).encode() + b"\n\n"


async def ask_stream(
    platform: Platform,
    principal: Principal,
    manifest: AssistantManifest,
    question: str,
    app_name: str | None,
) -> AsyncIterator[bytes]:
    started = time.perf_counter()
    hits = await to_thread.run_sync(retrieve, platform, principal, manifest, question)
    run = new_run(principal, manifest, question, hits, app_name)
    used: list[Hit] = []
    token: str | None = None
    try:
        async for event in _events(platform, principal, manifest, question, hits, run, used):
            yield sse(event)
    except TillitError as exc:
        run.status, run.error_code, run.error_message = "error", exc.code, exc.message[:500]
        yield sse({"event": "error", "code": exc.code, "message": exc.message})
    finally:
        with anyio.CancelScope(shield=True):
            token = await to_thread.run_sync(save_run, platform, run, started, manifest, used)
    done = {"event": "done", "run_id": run.id, "mode": (run.output or {}).get("mode")}
    if token:
        done["provenance_url"] = provenance_url(platform.settings.public_base_url, token)
    yield sse(done)


async def _events(
    platform: Platform,
    principal: Principal,
    manifest: AssistantManifest,
    question: str,
    hits: list[Hit],
    run: Run,
    used: list[Hit],
) -> AsyncIterator[dict[str, Any]]:
    if not is_covered(hits):
        run.output = {"mode": "not_covered", "citations": []}
        yield {"event": "delta", "text": NOT_COVERED}
        return
    if not manifest.model:
        answer = extractive(hits, run)
        used.extend(answer.citations)
        run.output = {"mode": "extractive", "citations": [h.chunk_id for h in answer.citations]}
        yield {"event": "sources", "citations": [citation_dict(h) for h in answer.citations]}
        yield {"event": "delta", "text": answer.text}
        return
    generation = await to_thread.run_sync(
        prepare_generation, platform, principal, manifest, question, hits, run
    )
    yield {"event": "sources", "citations": [citation_dict(h) for h in hits]}
    parts: list[str] = []
    usage: dict[str, Any] = {}
    async for text, chunk in _tokens(generation):
        if chunk.get("usage"):
            usage = chunk
        if text:
            parts.append(text)
            yield {"event": "delta", "text": text}
    answer = finish_generation("".join(parts), usage, generation, hits, run)
    used.extend(answer.citations)
    run.output = {"mode": "generative", "citations": [h.chunk_id for h in answer.citations]}
    yield {
        "event": "cited",
        "numbers": answer.extra["cited_numbers"],
        # The answer as the non-streamed API gives it: personal data restored where the model
        # saw pseudonyms, [n] renumbered to the cited passages listed under it.
        "answer": answer.text,
        "citations": [citation_dict(h) for h in answer.citations],
    }


async def _tokens(generation: Generation) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    provider = build_provider(generation.provider_type, generation.spec)
    try:
        async for chunk in provider.chat_stream(generation.body):
            choices = chunk.get("choices") or [{}]
            delta = (choices[0] if choices else {}).get("delta") or {}
            yield str(delta.get("content") or ""), chunk
    finally:
        await provider.aclose()
