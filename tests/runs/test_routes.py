"""Runs and usage over the JSON API, from real gateway calls to a real upstream process.

The upstream counts words: prompt tokens = words sent, completion tokens = words in
"Svar: <text>" (one more than sent).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.support.factories import auth, make_key, register_upstream_model
from tillit.auth.tables import ApiKey
from tillit.platform import Platform

PRICE_IN, PRICE_OUT = 0.5, 1.0


@dataclass(frozen=True)
class Caller:
    secret: str
    key_id: int
    name: str


def caller(platform: Platform) -> Caller:
    secret = make_key(platform)
    with platform.session() as db:
        key = db.scalars(select(ApiKey).where(ApiKey.prefix == secret[:10])).one()
        return Caller(secret, key.id, key.name)


def chat(client: TestClient, who: Caller, text: str, model: str = "echo", **headers: str) -> Any:
    return client.post(
        "/v1/chat/completions",
        headers={**auth(who.secret), **headers},
        json={"model": model, "messages": [{"role": "user", "content": text}], "temperature": 0},
    )


@pytest.fixture
def reader(platform: Platform) -> str:
    return make_key(platform, role="developer")


@pytest.fixture
def models(platform: Platform, upstream: str) -> None:
    register_upstream_model(
        platform, upstream, price_in_per_1k=PRICE_IN, price_out_per_1k=PRICE_OUT
    )
    register_upstream_model(platform, upstream, name="broken", remote="fail-500")


def get(client: TestClient, secret: str, path: str, **params: Any) -> Any:
    response = client.get(path, headers=auth(secret), params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_runs_list_gateway_calls_with_tokens_latency_and_status(
    client: TestClient, platform: Platform, models: None, reader: str
) -> None:
    who = caller(platform)
    ok = chat(client, who, "ett två tre")
    refused = chat(client, who, "hemligt", **{"X-Tillit-Security-Class": "K3"})
    failed = chat(client, who, "x", model="broken")
    assert (ok.status_code, refused.status_code, failed.status_code) == (200, 403, 502)
    runs = get(client, reader, "/api/runs")
    assert [r["status"] for r in runs] == ["error", "refused", "ok"]
    assert runs[2]["id"] == ok.headers["x-tillit-run-id"]
    newest_first = [datetime.fromisoformat(r["started_at"]) for r in runs]
    assert newest_first == sorted(newest_first, reverse=True)
    failed_run, refused_run, ok_run = runs
    assert ok_run["status"] == "ok" and ok_run["kind"] == "gateway.chat"
    assert (ok_run["prompt_tokens"], ok_run["completion_tokens"]) == (3, 4)
    assert ok_run["latency_ms"] > 0 and ok_run["cost"] == pytest.approx(0.0055)
    assert (ok_run["model"], ok_run["remote_model"], ok_run["security_class"]) == (
        "echo",
        "echo-1",
        "K1",
    )
    assert ok_run["caller"] == f"key:{who.key_id}" and ok_run["api_key_id"] == who.key_id
    assert ok_run["params"] == {"temperature": 0}
    assert refused_run["status"] == "refused" and refused_run["prompt_tokens"] is None
    assert refused_run["error_code"] == "security_class_exceeded"
    assert refused_run["policy"]["decision"] == "refused" and refused_run["security_class"] == "K3"
    assert (failed_run["status"], failed_run["error_code"]) == ("error", "upstream_error")


def test_run_by_id_matches_the_listing(
    client: TestClient, platform: Platform, models: None, reader: str
) -> None:
    reply = chat(client, caller(platform), "hej")
    run_id = reply.headers["x-tillit-run-id"]
    run = get(client, reader, f"/api/runs/{run_id}")
    assert run == get(client, reader, "/api/runs")[0]
    assert run["id"] == run_id and run["input_hash"] and len(run["input_hash"]) == 64


def test_unknown_run_is_404(client: TestClient, reader: str) -> None:
    response = client.get(f"/api/runs/{'0' * 32}", headers=auth(reader))
    assert response.status_code == 404 and response.json()["error"]["code"] == "run_not_found"


def test_runs_limit_and_kind_filter(
    client: TestClient, platform: Platform, models: None, reader: str
) -> None:
    who = caller(platform)
    for text in ("ett", "två", "tre"):
        chat(client, who, text)
    assert len(get(client, reader, "/api/runs", limit=2)) == 2
    assert len(get(client, reader, "/api/runs", kind="gateway.chat")) == 3
    assert get(client, reader, "/api/runs", kind="gateway.embeddings") == []
    assert client.get("/api/runs", headers=auth(reader), params={"limit": 0}).status_code == 400


def test_usage_sums_calls_tokens_and_cost_per_key_and_model(
    client: TestClient, platform: Platform, models: None, reader: str
) -> None:
    first, second = caller(platform), caller(platform)
    for text in ("ett", "ett två", "ett två tre"):
        assert chat(client, first, text).status_code == 200
    assert chat(client, second, "hej hej hej hej").status_code == 200
    assert chat(client, first, "nekad", **{"X-Tillit-Security-Class": "K3"}).status_code == 403
    assert chat(client, second, "fel", model="broken").status_code == 502
    usage = sorted(get(client, reader, "/api/usage"), key=lambda row: row["api_key_id"])
    assert usage == [
        {
            "caller": f"key:{first.key_id}",
            "api_key_id": first.key_id,
            "api_key_name": first.name,
            "model": "echo",
            "calls": 3,
            "prompt_tokens": 1 + 2 + 3,
            "completion_tokens": 2 + 3 + 4,
            "cost": pytest.approx(6 / 1000 * PRICE_IN + 9 / 1000 * PRICE_OUT),
        },
        {
            "caller": f"key:{second.key_id}",
            "api_key_id": second.key_id,
            "api_key_name": second.name,
            "model": "echo",
            "calls": 1,
            "prompt_tokens": 4,
            "completion_tokens": 5,
            "cost": pytest.approx(4 / 1000 * PRICE_IN + 5 / 1000 * PRICE_OUT),
        },
    ]
    statuses = sorted(r["status"] for r in get(client, reader, "/api/runs"))
    assert statuses == ["error", "ok", "ok", "ok", "ok", "refused"]


def test_usage_since_excludes_older_runs(
    client: TestClient, platform: Platform, models: None, reader: str
) -> None:
    chat(client, caller(platform), "hej")
    future = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    past = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    assert get(client, reader, "/api/usage", since=future) == []
    assert [row["calls"] for row in get(client, reader, "/api/usage", since=past)] == [1]


def test_usage_is_empty_without_calls(client: TestClient, reader: str) -> None:
    assert get(client, reader, "/api/usage") == []


@pytest.mark.parametrize("role", ["viewer", "caseworker", "annotator"])
def test_runs_and_usage_need_developer_or_admin(
    client: TestClient, platform: Platform, models: None, role: str
) -> None:
    run_id = chat(client, caller(platform), "hej").headers["x-tillit-run-id"]
    secret = make_key(platform, role=role)
    for path in ("/api/runs", f"/api/runs/{run_id}", "/api/usage"):
        response = client.get(path, headers=auth(secret))
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "permission_denied"
