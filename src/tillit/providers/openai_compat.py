"""OpenAI-compatible upstreams: vLLM, Ollama, llama.cpp server, Azure OpenAI, Mistral, Berget …"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from tillit.errors import ProviderError
from tillit.providers.base import ProviderSpec
from tillit.providers.http import make_client, open_stream, post_json, sse_events


class OpenAICompatProvider:
    def __init__(self, spec: ProviderSpec) -> None:
        self.spec = spec
        headers = {"Authorization": f"Bearer {spec.api_key}"} if spec.api_key else {}
        self._client = make_client(spec, headers)

    def _path(self, endpoint: str) -> str:
        """base_url may or may not end in /v1; accept both."""
        base = (self.spec.base_url or "").rstrip("/")
        return endpoint if base.endswith("/v1") else f"/v1{endpoint}"

    async def chat(self, body: dict[str, Any]) -> dict[str, Any]:
        payload = await post_json(self._client, self.spec, self._path("/chat/completions"), body)
        if not isinstance(payload.get("choices"), list):
            raise ProviderError(
                f"Modellen '{self.spec.name}' svarade utan 'choices'.", code="upstream_bad_response"
            )
        return payload

    async def chat_stream(self, body: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        body = {**body, "stream": True}
        body.setdefault("stream_options", {"include_usage": True})
        async with open_stream(self._client, self.spec, self._path("/chat/completions"), body) as r:
            async for _event, chunk in sse_events(self.spec, r):
                if not isinstance(chunk, dict):
                    raise ProviderError(
                        f"Modellen '{self.spec.name}' skickade en ogiltig strömrad.",
                        code="upstream_bad_response",
                    )
                if "error" in chunk:
                    raise ProviderError(
                        f"Modellen '{self.spec.name}' avbröt strömmen med ett fel.",
                        code="upstream_error",
                    )
                yield chunk

    async def embeddings(self, body: dict[str, Any]) -> dict[str, Any]:
        payload = await post_json(self._client, self.spec, self._path("/embeddings"), body)
        if not isinstance(payload.get("data"), list):
            raise ProviderError(
                f"Modellen '{self.spec.name}' svarade utan 'data'.", code="upstream_bad_response"
            )
        return payload

    async def rerank(self, body: dict[str, Any]) -> dict[str, Any]:
        """Cohere-style rerank (vLLM, TEI, Infinity): {model, query, documents, top_n} →
        {"results": [{"index", "relevance_score"}]}."""
        payload = await post_json(self._client, self.spec, self._path("/rerank"), body)
        results = payload.get("results")
        if not isinstance(results, list) or not all(
            isinstance(r, dict) and isinstance(r.get("index"), int) for r in results
        ):
            raise ProviderError(
                f"Modellen '{self.spec.name}' gav ett ogiltigt omrankningssvar.",
                code="upstream_bad_response",
            )
        return payload

    async def health(self) -> str:
        from tillit.providers.http import parse_json, transport_failure, upstream_failure

        try:
            response = await self._client.get(self._path("/models"))
        except Exception as exc:
            raise transport_failure(self.spec, exc) from None
        if response.status_code >= 400:
            raise upstream_failure(self.spec, response)
        ids = [
            m.get("id")
            for m in parse_json(self.spec, response).get("data", [])
            if isinstance(m, dict)
        ]
        if self.spec.remote_model not in ids:
            return f"nåbar; '{self.spec.remote_model}' finns inte i uppströms modellista"
        return "ok"

    async def aclose(self) -> None:
        await self._client.aclose()
