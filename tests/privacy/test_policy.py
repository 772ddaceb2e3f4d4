"""Policy on the gateway: a call above the model's class is refused, or — when the caller allows
it — pseudonymised before it leaves and re-identified on the way back. Checked against a real
OpenAI-compatible server process that reports exactly what it received."""

from __future__ import annotations

from sqlalchemy import select

from tests.support.factories import auth, make_key, register_upstream_model
from tillit.runs.tables import Run

REPORT = "Elias Nordström, 140621-2389, bor på Storgatan 12 i Umeå. Ring mamma på 070-123 45 67."


def call(client, secret: str, **headers: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/v1/chat/completions",
        headers={**auth(secret), "X-Tillit-Security-Class": "K3", **headers},
        json={"model": "lokal", "messages": [{"role": "user", "content": REPORT}]},
    )


def test_k3_call_to_k2_model_is_pseudonymised_and_reidentified(client, platform, upstream) -> None:  # type: ignore[no-untyped-def]
    register_upstream_model(platform, upstream, name="lokal", max_class="K2")
    response = call(client, make_key(platform), **{"X-Tillit-Privacy": "pseudonymise"})
    assert response.status_code == 200, response.text
    sent = response.json()["x_received"]
    for value in ("Elias", "Nordström", "140621-2389", "Storgatan 12", "070-123 45 67"):
        assert value not in sent
    assert "[Person 1]" in sent and "[Personnummer 1]" in sent
    assert response.json()["choices"][0]["message"]["content"] == f"Svar: {REPORT}"
    with platform.session() as db:
        run = db.scalars(select(Run)).one()
    assert run.policy["decision"] == "pseudonymised"
    assert run.privacy["detected"]["PNR"] == 1 and run.privacy["detected"]["PERSON"] >= 1
    assert "Elias" not in str(run.privacy) and run.privacy["reidentified"] >= 4


def test_without_permission_the_call_is_refused(client, platform, upstream) -> None:  # type: ignore[no-untyped-def]
    register_upstream_model(platform, upstream, name="lokal", max_class="K2")
    response = call(client, make_key(platform))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "security_class_exceeded"


def test_two_classes_too_high_is_refused_even_with_permission(client, platform, upstream) -> None:  # type: ignore[no-untyped-def]
    register_upstream_model(platform, upstream, name="lokal", max_class="K1")
    response = call(client, make_key(platform), **{"X-Tillit-Privacy": "pseudonymise"})
    assert response.status_code == 403


def test_streaming_with_pseudonymisation_is_refused_clearly(client, platform, upstream) -> None:  # type: ignore[no-untyped-def]
    register_upstream_model(platform, upstream, name="lokal", max_class="K2")
    response = client.post(
        "/v1/chat/completions",
        headers={
            **auth(make_key(platform)),
            "X-Tillit-Security-Class": "K3",
            "X-Tillit-Privacy": "pseudonymise",
        },
        json={"model": "lokal", "stream": True, "messages": [{"role": "user", "content": REPORT}]},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "pseudonymise_stream_unsupported"


def test_fields_the_masking_cannot_cover_are_refused_before_anything_leaves(
    client, platform, upstream
) -> None:  # type: ignore[no-untyped-def]
    register_upstream_model(platform, upstream, name="lokal", max_class="K2")
    headers = {
        **auth(make_key(platform)),
        "X-Tillit-Security-Class": "K3",
        "X-Tillit-Privacy": "pseudonymise",
    }
    tool_call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": REPORT}}
    bodies = [
        {"user": "140621-2389"},
        {"metadata": {"barn": REPORT}},
        {"tools": [{"type": "function", "function": {"name": "f", "description": REPORT}}]},
        {"messages": [{"role": "user", "name": "Elias_Nordstrom", "content": "Sammanfatta"}]},
        {"messages": [{"role": "assistant", "content": None, "tool_calls": [tool_call]}]},
        {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}]},
        {"messages": [{"role": "user", "content": [{"type": "text", "text": {"v": REPORT}}]}]},
        {"messages": [{"role": "Elias Nordström", "content": "Hej"}]},
        {"stop": ["140621-2389"]},
        {"response_format": {"type": "json_schema", "json_schema": {"description": REPORT}}},
        {"temperature": "0.2 Elias"},
    ]
    for extra in bodies:
        body = {"model": "lokal", "messages": [{"role": "user", "content": REPORT}], **extra}
        response = client.post("/v1/chat/completions", headers=headers, json=body)
        assert response.status_code == 400, extra
        error = response.json()["error"]
        assert error["code"] == "pseudonymise_unmaskable_field" and "inte" in error["message"]
    with platform.session() as db:
        runs = list(db.scalars(select(Run)))
    assert len(runs) == len(bodies) and all(r.status != "ok" for r in runs)
    parts = {"role": "user", "content": [{"type": "text", "text": REPORT}]}
    fine = {
        "model": "lokal",
        "temperature": 0.2,
        "max_tokens": 100,
        "response_format": {"type": "text"},
        "messages": [parts],
    }
    response = client.post("/v1/chat/completions", headers=headers, json=fine)
    assert response.status_code == 200 and "140621-2389" not in response.json()["x_received"]


def test_privacy_api_and_page(client, platform) -> None:  # type: ignore[no-untyped-def]
    from tests.support.factories import make_user
    from tests.support.pages import login

    key = make_key(platform)
    found = client.post("/api/privacy/detect", headers=auth(key), json={"text": REPORT}).json()
    assert {"PERSON", "PNR", "ADDRESS", "PHONE"} <= {e["type"] for e in found["entities"]}
    preview = client.post(
        "/api/privacy/pseudonymise", headers=auth(key), json={"text": REPORT}
    ).json()
    assert "140621-2389" not in preview["text"]
    assert all("text" not in r for r in preview["replacements"])
    make_user(platform, "handlaggare", ["caseworker"])
    csrf = login(client, "handlaggare")
    page = client.post("/privacy", data={"csrf_token": csrf, "text": REPORT}).text
    assert '<mark class="pii pii-pnr"' in page and "Personnummer: 1" in page
