"""Settings from the environment (TILLIT_*) and an optional TOML file (TILLIT_CONFIG_FILE)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEFAULT_DATA_DIR = "./tillit-data"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TILLIT_", extra="ignore")

    data_dir: Path = Field(default=Path(DEFAULT_DATA_DIR))
    database_url: str | None = None
    secret_key: str | None = None
    """Fernet key for secrets at rest; generated into the data directory when unset."""
    max_body_bytes: int = 4 * 1024 * 1024
    upstream_timeout_s: float = 60.0
    upstream_connect_timeout_s: float = 5.0
    session_hours: int = 8
    cookie_secure: bool | None = None
    """None: secure cookies when the request came over https."""
    public_base_url: str | None = None
    config_file: Path | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = os.environ.get("TILLIT_CONFIG_FILE")
        if config_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config_file))
        return tuple(sources)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'tillit.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")


def load_settings(**overrides: Any) -> Settings:
    """Build settings; explicit overrides (e.g. --data-dir) win over the environment."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    settings = Settings(**clean)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings
