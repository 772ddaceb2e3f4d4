"""The provider contract. Requests and responses use the OpenAI wire shapes as lingua franca:
a provider for another API (Anthropic) translates in its own file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class ProviderSpec:
    """What a provider needs to reach one registered model."""

    name: str
    remote_model: str
    base_url: str | None
    api_key: str | None
    timeout_s: float = 60.0
    connect_timeout_s: float = 5.0


class Provider(Protocol):
    async def chat(self, body: dict[str, Any]) -> dict[str, Any]:
        """Non-streaming chat completion: OpenAI ``chat.completion`` object."""
        ...

    def chat_stream(self, body: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        """Streaming chat: OpenAI ``chat.completion.chunk`` objects (last may carry usage)."""
        ...

    async def embeddings(self, body: dict[str, Any]) -> dict[str, Any]:
        """OpenAI ``list`` of ``embedding`` objects with usage."""
        ...

    # Optional: ``async def rerank(self, body) -> dict`` (Cohere-style), see openai_compat.py.

    async def health(self) -> str:
        """A short description of the model's state; raises ProviderError when unhealthy."""
        ...

    async def aclose(self) -> None: ...


def usage_tokens(payload: dict[str, Any] | None) -> tuple[int | None, int | None]:
    usage = (payload or {}).get("usage") or {}
    prompt = usage.get("prompt_tokens")
    completion = usage.get("completion_tokens")
    return (
        prompt if isinstance(prompt, int) else None,
        completion if isinstance(completion, int) else None,
    )
