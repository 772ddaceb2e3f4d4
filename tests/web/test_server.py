"""`tillit serve` as a real process: first start, the OpenAI SDK over real HTTP, and no secrets
in what the server prints."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import openai

from tests.support.servers import tillit_server


def _env(settings) -> dict[str, str]:  # type: ignore[no-untyped-def]
    env = {"TILLIT_DATA_DIR": str(settings.data_dir), "UPSTREAM_SECRET": "sk-upstream-hemlig-123"}
    if settings.database_url:
        env["TILLIT_DATABASE_URL"] = settings.database_url
    return env


def _tillit(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "tillit", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_real_server_with_openai_sdk_and_clean_logs(settings, upstream) -> None:  # type: ignore[no-untyped-def]
    env = _env(settings)
    _tillit(
        env,
        "models",
        "add",
        "echo",
        "--provider",
        "openai-compatible",
        "--base-url",
        upstream,
        "--model",
        "echo-1",
        "--api-key-env",
        "UPSTREAM_SECRET",
        "--max-class",
        "K2",
    )
    key = (
        _tillit(env, "keys", "create", "--name", "sdk", "--max-class", "K2")
        .strip()
        .splitlines()[-1]
    )
    assert key.startswith("tlt_")
    with tillit_server(settings.data_dir, env) as (base, process):
        assert httpx.get(f"{base}/healthz").json()["status"] == "ok"
        assert "paths" in httpx.get(f"{base}/openapi.json").json()
        sdk = openai.OpenAI(base_url=f"{base}/v1", api_key=key, max_retries=0)
        reply = sdk.chat.completions.create(
            model="echo", messages=[{"role": "user", "content": "Hur söker jag bygglov?"}]
        )
        assert reply.choices[0].message.content == "Svar: Hur söker jag bygglov?"
        stream = sdk.chat.completions.create(
            model="echo", stream=True, messages=[{"role": "user", "content": "hej"}]
        )
        assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == "Svar: hej"
        refused = httpx.post(
            f"{base}/v1/chat/completions",
            headers={"Authorization": f"Bearer {key}", "X-Tillit-Security-Class": "K3"},
            json={"model": "echo", "messages": [{"role": "user", "content": "x"}]},
        )
        assert refused.status_code == 403
        malformed = httpx.post(
            f"{base}/v1/chat/completions",
            content=b"\x00\xff{",
            headers={"Authorization": f"Bearer {key}"},
        )
        assert malformed.status_code == 400
        assert httpx.get(f"{base}/healthz").status_code == 200
        process.terminate()
        output = process.communicate(timeout=15)[0]
    first_start = output.split("lösenord:")[1].split()[0]
    assert "Första start" in output and len(first_start) >= 12
    for secret in (key, "sk-upstream-hemlig-123", "Hur söker jag bygglov"):
        assert secret not in output
    runs = _tillit(env, "runs", "list", "--json")
    assert runs.count('"status": "ok"') == 2 and runs.count('"status": "refused"') == 1


def test_upstream_timeout_is_bounded(settings, upstream) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from tests.support.factories import auth, make_key, register_upstream_model
    from tillit.platform import Platform
    from tillit.web.app import create_app

    settings.upstream_timeout_s = 1.0
    platform = Platform.open(settings)
    register_upstream_model(platform, upstream, name="slow", remote="slow")
    with TestClient(create_app(settings, platform)) as client:
        response = client.post(
            "/v1/chat/completions",
            headers=auth(make_key(platform)),
            json={"model": "slow", "messages": [{"role": "user", "content": "x"}]},
        )
    assert response.status_code == 504
    assert response.json()["error"]["code"] == "upstream_timeout"
