"""Settings from the environment (TILLIT_*) and an optional TOML file (TILLIT_CONFIG_FILE)."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator
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
    public_reports_per_hour: int = Field(default=10, ge=0)
    """Reports one client may send through the public form per hour and tenant; 0: no limit."""
    public_questions_per_minute: int = Field(default=20, ge=0)
    """Questions one client may ask public assistants per minute and tenant; 0: no limit."""
    login_failures_per_hour: int = Field(default=20, ge=0)
    """Failed password logins one client may make per hour (successful ones cost nothing);
    0: no limit."""
    ingest_internal_urls: bool = False
    """Whether ingestion started through the API may fetch internal addresses
    (loopback, private networks). The server's CLI always may."""
    trusted_proxies: str = ""
    """Comma-separated addresses or networks (CIDR) of reverse proxies whose X-Forwarded-For
    is believed; empty: the client is always the connection's peer address."""

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_parse(cls, value: str) -> str:
        for item in value.split(","):
            if item.strip():
                ipaddress.ip_network(item.strip(), strict=False)
        return value

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
    try:  # a new data directory holds the database, keys and models: the owner's alone
        settings.data_dir.mkdir(parents=True, mode=0o700)
    except FileExistsError:
        if not settings.data_dir.is_dir():
            raise
    return settings
