"""Provider types by name, and one live provider instance per registered model version."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tillit.errors import InvalidInput
from tillit.plugins import plugin_manager
from tillit.providers.base import Provider, ProviderSpec

ProviderFactory = Callable[[ProviderSpec], Provider]


def provider_factories() -> dict[str, ProviderFactory]:
    factories: dict[str, ProviderFactory] = {}
    for result in plugin_manager().hook.tillit_provider_types():
        factories.update(result)
    return factories


def known_provider_types() -> list[str]:
    return sorted(provider_factories())


def build_provider(provider_type: str, spec: ProviderSpec) -> Provider:
    factory = provider_factories().get(provider_type)
    if factory is None:
        raise InvalidInput(f"Okänd leverantörstyp '{provider_type}'.", code="unknown_provider")
    return factory(spec)


class ProviderPool:
    """Keeps one provider (and its HTTP connection pool) per model id and configuration."""

    def __init__(self) -> None:
        self._providers: dict[int, tuple[Any, Provider]] = {}
        self._retired: list[Provider] = []

    def get(self, model_id: int, fingerprint: Any, make: Callable[[], Provider]) -> Provider:
        cached = self._providers.get(model_id)
        if cached and cached[0] == fingerprint:
            return cached[1]
        if cached:  # configuration changed: keep the old one until shutdown (calls may be running)
            self._retired.append(cached[1])
        provider = make()
        self._providers[model_id] = (fingerprint, provider)
        return provider

    async def aclose(self) -> None:
        for provider in [*(p for _, p in self._providers.values()), *self._retired]:
            await provider.aclose()
        self._providers.clear()
        self._retired.clear()


async def chat_once(provider_type: str, spec: ProviderSpec, body: dict[str, Any]) -> dict:
    """One chat call on a provider of its own, opened and closed in the caller's event loop
    (for work in a worker thread or the CLI, not in the server's loop and its pooled providers)."""
    provider = build_provider(provider_type, spec)
    try:
        return await provider.chat(body)
    finally:
        await provider.aclose()
