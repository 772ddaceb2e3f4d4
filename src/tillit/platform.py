"""The running platform: settings, database, secrets and live providers, shared by the web
app and the CLI. ``Platform.open`` migrates the schema and makes sure the basics exist."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tillit.auth.secretbox import SecretBox
from tillit.auth.service import ensure_default_tenant
from tillit.catalog.service import ensure_builtin_models
from tillit.catalog.tables import CatalogModel
from tillit.config import Settings
from tillit.db import migrate
from tillit.db.engine import make_engine, make_session_factory
from tillit.providers.base import Provider, ProviderSpec
from tillit.providers.registry import ProviderPool, build_provider


@dataclass
class Platform:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    box: SecretBox
    providers: ProviderPool = field(default_factory=ProviderPool)
    search_backend: Any = None  # set by knowledge.service.backend_for on first use
    caches: dict[str, Any] = field(default_factory=dict)  # per-platform, e.g. loaded classifiers
    created_database: bool = False  # this open created the schema: a fresh installation

    @classmethod
    def open(cls, settings: Settings) -> Platform:
        engine = make_engine(settings)
        created = migrate.upgrade(engine)
        platform = cls(
            settings,
            engine,
            make_session_factory(engine),
            SecretBox.from_settings(settings),
            created_database=created,
        )
        with platform.session() as db:
            ensure_default_tenant(db)
            ensure_builtin_models(db)
        return platform

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commit on success, roll back on any error."""
        db = self.sessions()
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise
        finally:
            db.close()

    def provider_spec(self, model: CatalogModel) -> ProviderSpec:
        return ProviderSpec(
            name=model.name,
            remote_model=model.remote_model,
            base_url=model.base_url,
            api_key=self.upstream_api_key(model),
            timeout_s=self.settings.upstream_timeout_s,
            connect_timeout_s=self.settings.upstream_connect_timeout_s,
        )

    def upstream_api_key(self, model: CatalogModel) -> str | None:
        if model.api_key_enc:
            return self.box.decrypt(model.api_key_enc)
        if model.api_key_env:
            return os.environ.get(model.api_key_env)
        return None

    def provider_for(self, model_id: int, provider_type: str, spec: ProviderSpec) -> Provider:
        return self.providers.get(
            model_id, (provider_type, spec), lambda: build_provider(provider_type, spec)
        )

    async def aclose(self) -> None:
        await self.providers.aclose()
        self.engine.dispose()
