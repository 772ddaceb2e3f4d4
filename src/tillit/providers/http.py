"""Shared HTTP plumbing for remote providers: one pooled client, errors mapped to ProviderError."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx

from tillit.errors import ProviderError
from tillit.providers.base import ProviderSpec


def make_client(spec: ProviderSpec, headers: dict[str, str]) -> httpx.AsyncClient:
    timeout = httpx.Timeout(spec.timeout_s, connect=spec.connect_timeout_s)
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=128)
    return httpx.AsyncClient(
        base_url=spec.base_url or "", headers=headers, timeout=timeout, limits=limits
    )


def upstream_failure(spec: ProviderSpec, response: httpx.Response) -> ProviderError:
    """The upstream's status and its error code, never its message text: upstreams echo
    prompts and keys in error messages, and this text reaches callers, residents and Runs."""
    status = response.status_code
    code = _error_code(response)
    where = f"Modellen '{spec.name}' svarade med HTTP {status}{f' ({code})' if code else ''}"
    if status in (401, 403):
        return ProviderError(f"{where}: uppströms nyckel nekades.", code="upstream_auth_failed")
    if status == 429:
        return ProviderError(f"{where}: för många anrop.", code="upstream_rate_limited", status=429)
    if 400 <= status < 500:
        return ProviderError(
            f"{where}: modellen avvisade anropet.", code="upstream_rejected_request", status=400
        )
    return ProviderError(f"{where}: fel hos modellen.", code="upstream_error", status=502)


_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,59}")


def _error_code(response: httpx.Response) -> str | None:
    """The error's machine code or type (``context_length_exceeded``), if it is one."""
    try:
        payload = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return None
    error = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(error, dict):
        return None
    for key in ("code", "type"):
        value = error.get(key)
        if isinstance(value, str) and _CODE.fullmatch(value):
            return value
    return None


def transport_failure(spec: ProviderSpec, exc: Exception) -> ProviderError:
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return ProviderError(
            f"Modellen '{spec.name}' svarade inte inom tidsgränsen.",
            code="upstream_timeout",
            status=504,
        )
    return ProviderError(
        f"Kan inte nå modellen '{spec.name}': {_why_unreachable(exc)} "
        "Kontrollera modellens adress och att tjänsten är i gång.",
        code="upstream_unreachable",
        status=502,
    )


def _why_unreachable(exc: Exception) -> str:
    """In words an IT administrator reads, not the HTTP library's class names."""
    if isinstance(exc, httpx.ConnectError):
        return "anslutningen misslyckades (fel adress, nere, eller stoppad av en brandvägg)."
    if isinstance(exc, httpx.RemoteProtocolError):
        return "tjänsten stängde anslutningen utan att svara."
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return "adressen är ogiltig."
    return "nätverksfel."


def parse_json(spec: ProviderSpec, response: httpx.Response) -> dict[str, Any]:
    try:
        payload = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        payload = None
    if not isinstance(payload, dict):
        raise ProviderError(
            f"Modellen '{spec.name}' gav ett svar som inte är giltig JSON.",
            code="upstream_bad_response",
        )
    return payload


async def post_json(
    client: httpx.AsyncClient, spec: ProviderSpec, path: str, body: dict[str, Any]
) -> dict[str, Any]:
    """POST and parse, bounded by the total timeout (a slow drip cannot hang the call)."""
    try:
        with anyio.fail_after(spec.timeout_s):
            response = await client.post(path, json=body)
    except (httpx.HTTPError, TimeoutError, OSError) as exc:
        raise transport_failure(spec, exc) from None
    if response.status_code >= 400:
        raise upstream_failure(spec, response)
    return parse_json(spec, response)


@asynccontextmanager
async def open_stream(
    client: httpx.AsyncClient, spec: ProviderSpec, path: str, body: dict[str, Any]
) -> AsyncIterator[httpx.Response]:
    try:
        async with client.stream("POST", path, json=body) as response:
            if response.status_code >= 400:
                await response.aread()
                raise upstream_failure(spec, response)
            yield response
    except (httpx.HTTPError, OSError) as exc:
        raise transport_failure(spec, exc) from None


async def sse_events(
    spec: ProviderSpec, response: httpx.Response
) -> AsyncIterator[tuple[str, Any]]:
    """Yield (event name, parsed JSON data) from a server-sent-events body; '[DONE]' ends it."""
    event = "message"
    try:
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data = line[5:].strip()
                if data == "[DONE]":
                    return
                yield event, _parse_sse_data(spec, data)
                event = "message"
    except (httpx.HTTPError, OSError) as exc:
        raise transport_failure(spec, exc) from None


def _parse_sse_data(spec: ProviderSpec, data: str) -> Any:
    try:
        return json.loads(data)
    except json.JSONDecodeError:
        raise ProviderError(
            f"Modellen '{spec.name}' skickade en ogiltig strömrad.", code="upstream_bad_response"
        ) from None
