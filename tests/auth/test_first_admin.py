"""The first administrator: whichever command creates the database makes it and shows its password
once, to whoever ran that command; a later `tillit serve` makes no second one. The real CLI, as
processes, on a data directory (or PostgreSQL database) that nothing has touched yet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select, text

from tests.conftest import PG_URL, _pg_url_for
from tests.support.pages import login
from tests.support.servers import tillit_server
from tillit.auth.tables import User
from tillit.config import Settings
from tillit.db.engine import normalise_url
from tillit.platform import Platform

FIRST_START = "Första start"


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """A data directory that does not exist yet and, on PostgreSQL, an empty database."""
    env: dict[str, str] = {}
    if PG_URL:
        name = f"tillit_fresh_{uuid.uuid4().hex[:10]}"
        admin = create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        env["TILLIT_DATABASE_URL"] = _pg_url_for(name)
    yield tmp_path / "tillit-data", env


def tillit(
    data_dir: Path, env: dict[str, str], *args: str, code: int = 0
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "tillit", *args, "--data-dir", str(data_dir)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == code, done.stderr
    return done


def shown_password(output: str) -> str:
    assert output.count(FIRST_START) == 1, output
    return output.split("lösenord:")[1].split()[0]


def usernames(data_dir: Path, env: dict[str, str]) -> list[str]:
    settings = Settings(data_dir=data_dir, database_url=env.get("TILLIT_DATABASE_URL"))
    platform = Platform.open(settings)
    try:
        with platform.session() as db:
            return sorted(db.scalars(select(User.username)))
    finally:
        platform.engine.dispose()


def serve_output_and_login(data_dir: Path, env: dict[str, str], user: str, password: str) -> str:
    """Start `tillit serve`, log in on its login page, stop it; returns what it printed."""
    with tillit_server(data_dir, env) as (base, process):
        with httpx.Client(base_url=base) as client:
            login(client, user, password)  # type: ignore[arg-type]
            assert client.get("/api/me").json()["roles"] == ["admin"]
        process.terminate()
        return process.communicate(timeout=15)[0]


def test_create_user_of_another_role_first_still_gives_an_administrator(fresh) -> None:  # type: ignore[no-untyped-def]
    data_dir, env = fresh
    first = tillit(data_dir, env, "admin", "create-user", "kalle", "--role", "caseworker")
    password = shown_password(first.stderr)  # the person at the terminal, not a pipe, sees it
    assert "användarnamn: admin" in first.stderr and password not in first.stdout
    assert "kalle (caseworker)" in first.stdout
    assert usernames(data_dir, env) == ["admin", "kalle"]
    served = serve_output_and_login(data_dir, env, "admin", password)
    assert FIRST_START not in served and "lösenord:" not in served
    assert usernames(data_dir, env) == ["admin", "kalle"]


def test_a_first_user_named_admin_of_another_role_is_told_the_name_went_to_the_administrator(
    fresh,
) -> None:  # type: ignore[no-untyped-def]
    data_dir, env = fresh
    first = tillit(data_dir, env, "admin", "create-user", "admin", "--role", "caseworker", code=1)
    assert shown_password(first.stderr)  # the administrator's login, shown once
    assert "gick nyss till installationens första administratör" in first.stderr
    assert "finns redan" not in first.stderr
    assert usernames(data_dir, env) == ["admin"]


def test_an_administrator_created_first_is_the_administrator(fresh) -> None:  # type: ignore[no-untyped-def]
    data_dir, env = fresh
    first = tillit(data_dir, env, "admin", "create-user", "anna", "--name", "Anna Lind")
    assert FIRST_START not in first.stdout + first.stderr  # no second, unasked-for account
    password = first.stdout.split("visas bara nu):")[1].split()[0]
    assert usernames(data_dir, env) == ["anna"]
    served = serve_output_and_login(data_dir, env, "anna", password)
    assert FIRST_START not in served and "lösenord:" not in served
    assert usernames(data_dir, env) == ["anna"]


def test_a_json_command_first_shows_the_password_and_keeps_its_output_clean(fresh) -> None:  # type: ignore[no-untyped-def]
    data_dir, env = fresh
    first = tillit(data_dir, env, "tenants", "list", "--json")
    assert [t["slug"] for t in json.loads(first.stdout)] == ["default"]
    shown_password(first.stderr)
    again = tillit(data_dir, env, "tenants", "list", "--json")
    assert again.stderr == "" and usernames(data_dir, env) == ["admin"]


def test_serve_first_makes_the_administrator_once(fresh) -> None:  # type: ignore[no-untyped-def]
    data_dir, env = fresh
    with tillit_server(data_dir, env) as (_base, process):
        process.terminate()
        first = process.communicate(timeout=15)[0]
    password = shown_password(first)
    served = serve_output_and_login(data_dir, env, "admin", password)
    assert FIRST_START not in served and usernames(data_dir, env) == ["admin"]
