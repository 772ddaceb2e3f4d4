"""OIDC login end to end: Tillit (TestClient) and a real OpenID Provider process (httpx),
following the redirects between the two by hand, as a browser would."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from tests.support.factories import auth, make_key, register_upstream_model
from tests.support.servers import free_port, running
from tillit.audit.tables import AuditEvent
from tillit.auth.oidc import (
    FLOW_COOKIE,
    configure_oidc,
    enabled_providers,
    validate_issuer,
)
from tillit.auth.oidc_routes import safe_local_path
from tillit.auth.service import get_tenant
from tillit.auth.tables import User
from tillit.cli import app as cli_app
from tillit.errors import InvalidInput
from tillit.web.deps import SESSION_COOKIE


@pytest.fixture(scope="module")
def idp() -> Iterator[str]:
    """Issuer URL of the test OpenID Provider, running in its own process."""
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    with running(
        [sys.executable, "-m", "tests.support.oidc_provider", str(port)],
        f"{issuer}/.well-known/openid-configuration",
    ):
        yield issuer


def configure(  # type: ignore[no-untyped-def]
    platform, idp: str, tenant: str = "default", client: str = "tillit-a", roles=None
) -> None:
    secret = {"tillit-a": "hemlis-a", "tillit-b": "hemlis-b"}[client]
    with platform.session() as db:
        configure_oidc(
            db, get_tenant(db, tenant), idp, client, secret, platform.box, default_roles=roles
        )


def start(client: TestClient, tenant: str = "default", next: str | None = None) -> str:
    response = client.get(
        f"/login/oidc/{tenant}", params={"next": next} if next else None, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return response.headers["location"]


def at_idp(authorize_url: str, hint: str | None = "anna", **extra: str) -> str:
    params = {"login_hint": hint, **extra} if hint else extra
    response = httpx.get(httpx.URL(authorize_url).copy_merge_params(params))
    assert response.status_code == 302, response.text
    return response.headers["location"]


def login(
    client: TestClient,
    tenant: str = "default",
    hint: str = "anna",
    next: str | None = None,
    **extra: str,
) -> httpx.Response:
    callback = at_idp(start(client, tenant, next), hint, **extra)
    return client.get(callback, follow_redirects=False)


def users(platform) -> list[User]:  # type: ignore[no-untyped-def]
    with platform.session() as db:
        return list(db.scalars(select(User).where(User.oidc_subject.is_not(None))))


def login_events(platform) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    with platform.session() as db:
        query = select(AuditEvent).where(AuditEvent.action == "user.login")
        return list(db.scalars(query.order_by(AuditEvent.id)))


def test_login_creates_user_with_default_roles(client, platform, idp) -> None:  # type: ignore[no-untyped-def]
    configure(platform, idp, roles=["caseworker"])
    authorize_url = start(client)
    query = httpx.URL(authorize_url).params
    assert authorize_url.startswith(f"{idp}/authorize")
    assert query["code_challenge_method"] == "S256" and query["nonce"] and query["state"]
    assert query["redirect_uri"] == "http://testserver/auth/oidc/callback"

    response = client.get(at_idp(authorize_url), follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/"
    assert client.cookies.get(SESSION_COOKIE)
    me = client.get("/api/me").json()
    assert (me["tenant"], me["name"], me["roles"]) == ("default", "anna@example.se", ["caseworker"])
    [user] = users(platform)
    assert (user.oidc_subject, user.email, user.display_name) == (
        "sub-anna",
        "anna@example.se",
        "Anna",
    )
    assert user.password_hash is None and user.last_login_at is not None
    [event] = login_events(platform)
    assert (event.outcome, event.actor) == ("ok", "user:anna@example.se")
    assert event.detail == {"method": "oidc", "created": True}


def test_second_login_reuses_the_user(client, platform, idp) -> None:  # type: ignore[no-untyped-def]
    configure(platform, idp)
    assert login(client).status_code == 303
    client.cookies.clear()
    assert login(client).status_code == 303
    [user] = users(platform)
    assert user.roles == ["viewer"]
    assert [e.detail["created"] for e in login_events(platform)] == [True, False]


def test_tampered_state_is_refused(client, platform, idp) -> None:  # type: ignore[no-untyped-def]
    configure(platform, idp)
    callback = httpx.URL(at_idp(start(client)))
    forged = callback.copy_set_param("state", callback.params["state"] + "x")
    response = client.get(str(forged), headers={"accept": "text/html"}, follow_redirects=False)
    assert response.status_code == 401
    assert "Inloggningen med organisationskonto misslyckades" in response.text
    assert not client.cookies.get(SESSION_COOKIE) and not users(platform)
    [event] = login_events(platform)
    assert (event.outcome, event.detail["reason"]) == ("denied", "oidc_failed")


def test_callback_in_another_browser_is_refused(client, platform, idp) -> None:  # type: ignore[no-untyped-def]
    configure(platform, idp)
    callback = at_idp(start(client))
    client.cookies.clear()
    response = client.get(callback, follow_redirects=False)
    assert response.status_code == 401 and response.json()["error"]["code"] == "oidc_failed"


def test_forged_flow_cookie_is_refused(client, platform, idp) -> None:  # type: ignore[no-untyped-def]
    configure(platform, idp)
    callback = at_idp(start(client))
    real = client.cookies.get(FLOW_COOKIE)
    assert real
    client.cookies.clear()
    client.cookies.set(FLOW_COOKIE, real[:40] + ("B" if real[40] == "A" else "A") + real[41:])
    response = client.get(callback, follow_redirects=False)
    assert response.status_code == 401 and not users(platform)


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("wrong_nonce", "'nonce'"),
        ("wrong_audience", "'aud'"),
        ("wrong_issuer", "'iss'"),
        ("expired", "gått ut"),
        ("bad_signature", "ogiltig signatur"),
    ],
)
def test_misbehaving_provider_is_refused(client, platform, idp, fault, reason) -> None:  # type: ignore[no-untyped-def]
    configure(platform, idp)
    response = login(client, misbehave=fault)
    assert response.status_code == 401, response.text
    error = response.json()["error"]
    assert error["code"] == "oidc_failed" and reason in error["message"]
    assert not users(platform) and client.get("/api/me").status_code == 401
    [event] = login_events(platform)
    assert event.outcome == "denied" and event.tenant_id is not None


def test_provider_error_is_shown(client, platform, idp) -> None:  # type: ignore[no-untyped-def]
    configure(platform, idp)
    response = client.get(at_idp(start(client), hint=None), follow_redirects=False)
    assert response.status_code == 401
    assert "login_required" in response.json()["error"]["message"]


def test_unreachable_provider(client, platform) -> None:  # type: ignore[no-untyped-def]
    configure(platform, f"http://127.0.0.1:{free_port()}")
    response = client.get("/login/oidc/default", follow_redirects=False)
    assert response.status_code == 401 and "kunde inte nås" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("next_path", "expected"),
    [
        ("https://evil.example", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("/\t/evil.example", "/"),
        ("/keys?sort=name", "/keys?sort=name"),
    ],
)
def test_next_is_local_only(client, platform, idp, next_path, expected) -> None:  # type: ignore[no-untyped-def]
    configure(platform, idp)
    response = login(client, next=next_path)
    assert response.status_code == 303 and response.headers["location"] == expected


def test_tenant_b_login_cannot_see_tenant_a(
    app, client, platform, idp, second_tenant, upstream
) -> None:  # type: ignore[no-untyped-def]
    configure(platform, idp, "default", "tillit-a")
    configure(platform, idp, second_tenant, "tillit-b")
    model_id = register_upstream_model(platform, upstream, name="bara-a", tenant="default")
    assert login(client, "default").status_code == 303
    assert "bara-a" in {m["name"] for m in client.get("/api/models").json()}

    other_browser = TestClient(app)
    assert login(other_browser, second_tenant).status_code == 303
    me = other_browser.get("/api/me").json()
    assert (me["tenant"], me["name"]) == (second_tenant, "anna@example.se-2")
    assert "bara-a" not in {m["name"] for m in other_browser.get("/api/models").json()}
    assert other_browser.get(f"/api/models/{model_id}").status_code == 404
    assert len({u.tenant_id for u in users(platform)}) == 2


def test_unconfigured_and_disabled_tenants(client, platform, idp, second_tenant) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/login/oidc/{second_tenant}", follow_redirects=False)
    assert response.status_code == 404
    assert client.get("/login/oidc/finns-inte", follow_redirects=False).status_code == 404
    configure(platform, idp, second_tenant, "tillit-b")
    with platform.session() as db:
        assert enabled_providers(db) == [(second_tenant, "Logga in med organisationskonto")]


def test_api_get_and_put_config(client, platform, idp) -> None:  # type: ignore[no-untyped-def]
    admin = auth(make_key(platform, role="admin"))
    assert client.get("/api/oidc", headers=admin).status_code == 404
    body = {
        "issuer": idp,
        "client_id": "tillit-a",
        "client_secret": "hemlis-a",
        "default_roles": ["annotator"],
        "display_name": "Logga in med kommunkonto",
    }
    response = client.put("/api/oidc", json=body, headers=admin)
    assert response.status_code == 200, response.text
    shown = client.get("/api/oidc", headers=admin).json()
    assert shown["has_client_secret"] and "hemlis" not in json.dumps(shown)
    assert shown["redirect_uri"] == "http://testserver/auth/oidc/callback"
    assert shown["scopes"] == "openid email profile"

    client.put("/api/oidc", json={**body, "client_secret": None}, headers=admin)
    assert login(client).status_code == 303  # the stored secret was kept
    assert client.get("/api/me").json()["roles"] == ["annotator"]

    viewer = auth(make_key(platform, role="viewer"))
    assert client.get("/api/oidc", headers=viewer).status_code == 403
    assert client.put("/api/oidc", json=body, headers=viewer).status_code == 403
    insecure = client.put("/api/oidc", json={**body, "issuer": "http://idp.example"}, headers=admin)
    assert insecure.status_code == 400 and insecure.json()["error"]["code"] == "invalid_issuer"
    with platform.session() as db:
        events = db.scalars(select(AuditEvent).where(AuditEvent.action == "oidc.configure"))
        assert ["hemlis" in json.dumps(e.detail) for e in events] == [False, False]


def test_cli_set_show_disable(client, platform, settings, idp) -> None:  # type: ignore[no-untyped-def]
    env = {"IDP_SECRET": "hemlis-a"}
    if settings.database_url:
        env["TILLIT_DATABASE_URL"] = settings.database_url
    base = ["--data-dir", str(settings.data_dir), "oidc"]
    runner = CliRunner()
    result = runner.invoke(
        cli_app,
        [
            *base,
            *("set", "--tenant", "default", "--issuer", idp, "--client-id", "tillit-a"),
            *("--client-secret-env", "IDP_SECRET", "--default-role", "developer"),
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert "/auth/oidc/callback" in result.output

    result = runner.invoke(cli_app, [*base, "show", "--tenant", "default", "--json"], env=env)
    shown = json.loads(result.output)
    assert shown["client_id"] == "tillit-a" and "hemlis" not in result.output

    assert login(client).status_code == 303
    assert client.get("/api/me").json()["roles"] == ["developer"]

    result = runner.invoke(cli_app, [*base, "disable", "--tenant", "default"], env=env)
    assert result.exit_code == 0, result.output
    assert client.get("/login/oidc/default", follow_redirects=False).status_code == 404

    missing = runner.invoke(
        cli_app,
        [*base, "set", "--issuer", idp, "--client-id", "x", "--client-secret-env", "NOPE"],
        env=env,
    )
    assert missing.exit_code == 1


def test_issuer_and_next_rules() -> None:
    assert validate_issuer("https://login.microsoftonline.com/abc/v2.0")
    assert validate_issuer("http://localhost:8080") == "http://localhost:8080"
    for bad in ("http://idp.example", "ftp://idp.example", "https://idp.example/?x=1", "idp"):
        with pytest.raises(InvalidInput):
            validate_issuer(bad)
    assert safe_local_path(None) == "/" and safe_local_path("javascript:alert(1)") == "/"
    assert safe_local_path("/runs/1#top") == "/runs/1#top"
