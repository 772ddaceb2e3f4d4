"""Registers the built-in provider types through the plugin hook."""

from __future__ import annotations

from typing import Any

from tillit.plugins import hookimpl


@hookimpl
def tillit_provider_types() -> dict[str, Any]:
    from tillit.providers.anthropic import AnthropicProvider
    from tillit.providers.local_embeddings import LocalEmbeddingsProvider
    from tillit.providers.openai_compat import OpenAICompatProvider

    return {
        "openai-compatible": OpenAICompatProvider,
        "anthropic": AnthropicProvider,
        "local-embeddings": LocalEmbeddingsProvider,
    }
