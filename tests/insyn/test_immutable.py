"""Published register versions are immutable in the database itself (migration
0007_insyn_immutable): raw SQL cannot rewrite or remove them, on SQLite and on PostgreSQL
(scripts/test.sh runs this file on both); new versions are still added."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.governance.lifecycle import write_record
from tillit.insyn.tables import RegisterVersion
from tillit.platform import Platform

REFUSED = "published register versions are immutable"


def stored(platform: Platform) -> list[tuple[object, ...]]:
    with platform.engine.connect() as conn:
        columns = "id, version, content_hash, published_by, reason"
        query = f"SELECT {columns} FROM insyn_register_versions ORDER BY id"
        return [tuple(row) for row in conn.execute(text(query))]


@pytest.fixture
def published(client, public_app) -> str:  # type: ignore[no-untyped-def]
    """Reading the register publishes the first version of the entry."""
    assert client.get(f"/insyn/api/services/{public_app}").json()["record_version"] == 1
    return public_app


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE insyn_register_versions SET reason = 'ändrad i efterhand' WHERE version = 1",
        "UPDATE insyn_register_versions SET entry = '{}'",
        "DELETE FROM insyn_register_versions WHERE version = 1",
        "DELETE FROM insyn_register_versions",
    ],
    ids=["update", "update-entry", "delete-one", "delete-all"],
)
def test_raw_sql_cannot_change_a_published_version(
    platform: Platform, published: str, statement: str
) -> None:
    before = stored(platform)
    assert len(before) == 1
    with pytest.raises(DBAPIError, match=REFUSED), platform.engine.begin() as conn:
        conn.execute(text(statement))
    assert stored(platform) == before


def test_truncate_is_refused_on_postgresql(platform: Platform, published: str) -> None:
    if platform.settings.is_sqlite:
        pytest.skip("SQLite has no TRUNCATE; DELETE without WHERE is tested above")
    before = stored(platform)
    with pytest.raises(DBAPIError, match=REFUSED), platform.engine.begin() as conn:
        conn.execute(text("TRUNCATE insyn_register_versions"))
    assert stored(platform) == before


def test_orm_cannot_change_a_published_version_either(platform: Platform, published: str) -> None:
    with pytest.raises(DBAPIError, match=REFUSED), platform.session() as db:
        version = db.query(RegisterVersion).one()
        version.reason = "ändrad i efterhand"
    with platform.session() as db:
        assert db.query(RegisterVersion).one().reason != "ändrad i efterhand"


def test_changes_still_become_new_versions(client, platform: Platform, published: str) -> None:  # type: ignore[no-untyped-def]
    first = stored(platform)
    write_record(platform, published)
    latest = client.get(f"/insyn/api/services/{published}").json()["record_version"]
    now = stored(platform)
    assert latest >= 2 and len(now) == latest and now[: len(first)] == first


def test_migration_adds_and_removes_the_triggers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from alembic import command

    from tillit.config import Settings
    from tillit.db.engine import make_engine
    from tillit.db.migrate import alembic_config

    engine = make_engine(Settings(database_url=f"sqlite:///{tmp_path / 'm.db'}"))
    config = alembic_config(engine)
    triggers = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"

    def names() -> set[str]:
        with engine.connect() as conn:
            return set(conn.execute(text(triggers), {"t": "insyn_register_versions"}).scalars())

    command.upgrade(config, "head")
    assert names() == {"insyn_register_versions_no_update", "insyn_register_versions_no_delete"}
    command.downgrade(config, "0004_search")
    assert names() == set()
    command.upgrade(config, "head")
    assert len(names()) == 2
    engine.dispose()
