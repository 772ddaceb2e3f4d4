"""Anthropic Messages API. Translates OpenAI chat bodies to /v1/messages and the answers
(plain and streamed) back to OpenAI ``chat.completion`` / ``chat.completion.chunk`` shapes."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx

from tillit.errors import InvalidInput, ModelUnavailable, ProviderError
from tillit.providers.base import ProviderSpec
from tillit.providers.http import (
    make_client,
    open_stream,
    post_json,
    sse_events,
    transport_failure,
    upstream_failure,
)

API_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 1024
CHAT_ROLES = ("user", "assistant")
SYSTEM_ROLES = ("system", "developer")
FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}


def _text(content: Any) -> str:
    """OpenAI content is a string or a list of parts; only text parts are kept."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(part.get("text", ""))
            for part in content
            if isinstance(part, dict) and part.get("type") == "text"
        )
    raise InvalidInput(
        "Meddelandets 'content' måste vara text eller en lista.", code="invalid_messages"
    )


def _max_tokens(body: dict[str, Any]) -> int:
    value = body.get("max_completion_tokens", body.get("max_tokens"))
    if value is None:
        return DEFAULT_MAX_TOKENS
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput("'max_tokens' måste vara ett positivt heltal.", code="invalid_parameter")
    return value


def _split_messages(messages: list[dict[str, Any]]) -> tuple[list[str], list[dict[str, Any]]]:
    system: list[str] = []
    chat: list[dict[str, Any]] = []
    for message in messages:
        role = message.get("role")
        if role in SYSTEM_ROLES:
            system.append(_text(message.get("content")))
        elif role in CHAT_ROLES:
            chat.append({"role": role, "content": _text(message.get("content"))})
        else:
            raise InvalidInput(
                f"Rollen '{role}' stöds inte för Anthropic-modeller.", code="unsupported_role"
            )
    if not chat:
        raise InvalidInput(
            "Minst ett user-meddelande krävs utöver systemprompten.", code="invalid_messages"
        )
    return system, chat


def to_anthropic(body: dict[str, Any]) -> dict[str, Any]:
    """An OpenAI chat body as an Anthropic Messages body (OpenAI-only fields are dropped)."""
    if body.get("n", 1) != 1:
        raise InvalidInput("Anthropic-modeller stöder bara n=1.", code="unsupported_parameter")
    system, messages = _split_messages(body.get("messages") or [])
    out: dict[str, Any] = {
        "model": body.get("model"),
        "messages": messages,
        "max_tokens": _max_tokens(body),
    }
    if system:
        out["system"] = "\n\n".join(system)
    for key in ("temperature", "top_p"):
        if body.get(key) is not None:
            out[key] = body[key]
    stop = body.get("stop")
    if stop:
        out["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    return out


def to_openai_usage(usage: dict[str, Any]) -> dict[str, int]:
    """Anthropic counts cached prompt tokens separately; OpenAI's prompt_tokens includes them."""
    prompt = sum(
        usage.get(k) or 0
        for k in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    )
    completion = usage.get("output_tokens") or 0
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def to_openai(payload: dict[str, Any], spec: ProviderSpec) -> dict[str, Any]:
    """An Anthropic message as an OpenAI ``chat.completion``."""
    content = payload.get("content")
    if payload.get("type") != "message" or not isinstance(content, list):
        raise ProviderError(
            f"Modellen '{spec.name}' svarade inte med ett meddelande.", code="upstream_bad_response"
        )
    text = "".join(
        str(b.get("text", "")) for b in content if isinstance(b, dict) and b.get("type") == "text"
    )
    return {
        "id": payload.get("id") or "msg",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": payload.get("model") or spec.remote_model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": FINISH_REASONS.get(payload.get("stop_reason") or "", "stop"),
            }
        ],
        "usage": to_openai_usage(payload.get("usage") or {}),
    }


class _StreamTranslator:
    """Turns Anthropic stream events into OpenAI chunks, keeping id, model and usage."""

    def __init__(self, spec: ProviderSpec) -> None:
        self.spec = spec
        self.id, self.model, self.created = "msg", spec.remote_model, int(time.time())
        self.usage: dict[str, Any] = {}
        self.done = False

    def chunk(self, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {**self._base(), "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    def _base(self) -> dict[str, Any]:
        kind = "chat.completion.chunk"
        return {"id": self.id, "object": kind, "created": self.created, "model": self.model}

    def handle(self, data: Any) -> dict[str, Any] | None:
        if not isinstance(data, dict):
            raise self.bad("skickade en ogiltig strömrad")
        kind = data.get("type")
        if kind == "error":
            error = data.get("error")
            what = error.get("type") if isinstance(error, dict) else None
            raise ProviderError(
                f"Modellen '{self.spec.name}' avbröt strömmen med ett fel ({what or 'okänt'}).",
                code="upstream_error",
            )
        if kind == "message_start":
            return self._start(data.get("message"))
        if kind == "content_block_delta":
            delta = data.get("delta") or {}
            text = delta.get("text") if delta.get("type") == "text_delta" else None
            return self.chunk({"content": text}) if isinstance(text, str) and text else None
        if kind == "message_delta":
            self.usage.update(data.get("usage") or {})
            reason = (data.get("delta") or {}).get("stop_reason") or ""
            return self.chunk({}, FINISH_REASONS.get(reason, "stop"))
        if kind == "message_stop":
            self.done = True
            return {**self._base(), "choices": [], "usage": to_openai_usage(self.usage)}
        return None  # ping, content_block_start/stop and future event types

    def _start(self, message: Any) -> dict[str, Any]:
        if not isinstance(message, dict):
            raise self.bad("startade strömmen utan meddelande")
        self.id = message.get("id") or self.id
        self.model = message.get("model") or self.model
        self.usage.update(message.get("usage") or {})
        return self.chunk({"role": "assistant", "content": ""})

    def bad(self, what: str) -> ProviderError:
        return ProviderError(f"Modellen '{self.spec.name}' {what}.", code="upstream_bad_response")


class AnthropicProvider:
    def __init__(self, spec: ProviderSpec) -> None:
        self.spec = spec
        headers = {"anthropic-version": API_VERSION}
        if spec.api_key:
            headers["x-api-key"] = spec.api_key
        self._client = make_client(spec, headers)
        self._client.event_hooks["response"].append(self._overloaded)

    async def _overloaded(self, response: httpx.Response) -> None:
        """Anthropic's 529 means 'overloaded, try again soon': say so instead of a bare 502."""
        if response.status_code == 529:
            await response.aread()
            raise ProviderError(
                f"Modellen '{self.spec.name}' är tillfälligt överbelastad hos leverantören "
                "(HTTP 529); försök igen om en stund.",
                code="upstream_overloaded",
                status=503,
            )

    def _path(self, endpoint: str) -> str:
        """base_url may or may not end in /v1; accept both."""
        base = (self.spec.base_url or "").rstrip("/")
        return endpoint if base.endswith("/v1") else f"/v1{endpoint}"

    async def chat(self, body: dict[str, Any]) -> dict[str, Any]:
        request = to_anthropic(body)
        payload = await post_json(self._client, self.spec, self._path("/messages"), request)
        return to_openai(payload, self.spec)

    async def chat_stream(self, body: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        request = {**to_anthropic(body), "stream": True}
        translator = _StreamTranslator(self.spec)
        async with open_stream(self._client, self.spec, self._path("/messages"), request) as r:
            async for _event, data in sse_events(self.spec, r):
                chunk = translator.handle(data)
                if chunk is not None:
                    yield chunk
                if translator.done:
                    return
        raise translator.bad("avslutade strömmen innan svaret var klart")

    async def embeddings(self, body: dict[str, Any]) -> dict[str, Any]:
        raise ModelUnavailable(
            f"Modellen '{self.spec.name}' (Anthropic) kan inte skapa inbäddningar.",
            code="capability_not_supported",
        )

    async def health(self) -> str:
        try:
            response = await self._client.get(self._path("/models"))
        except (httpx.HTTPError, OSError) as exc:
            raise transport_failure(self.spec, exc) from None
        if response.status_code >= 400:
            raise upstream_failure(self.spec, response)
        return "ok"

    async def aclose(self) -> None:
        await self._client.aclose()
