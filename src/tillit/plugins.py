"""Plugin hooks (pluggy, entry-point group ``tillit``). Built-ins register through the same hooks
a municipality's shared plugin would use."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("tillit")
hookimpl = pluggy.HookimplMarker("tillit")


class TillitSpecs:
    @hookspec
    def tillit_provider_types(self) -> dict[str, Any]:  # type: ignore[empty-body]
        """Return {provider type name: factory(ProviderSpec) -> Provider}."""


@lru_cache(maxsize=1)
def plugin_manager() -> pluggy.PluginManager:
    manager = pluggy.PluginManager("tillit")
    manager.add_hookspecs(TillitSpecs)
    manager.load_setuptools_entrypoints("tillit")
    from tillit.providers import builtin

    if not manager.is_registered(builtin):
        manager.register(builtin, "builtin_providers")
    return manager
