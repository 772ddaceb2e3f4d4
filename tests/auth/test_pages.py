"""Login, logout, CSRF and the keys page, through the real forms."""

from __future__ import annotations

from sqlalchemy import select

from tests.support.factories import make_user
from tests.support.pages import csrf_from, login
from tillit.audit.tables import AuditEvent
from tillit.auth.tables import ApiKey


def test_pages_require_login(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/models", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/models"


def test_login_sets_secure_session_cookie(client, platform) -> None:  # type: ignore[no-untyped-def]
    make_user(platform, "anna", ["admin"])
    form = client.get("/login")
    response = client.post(
        "/login",
        follow_redirects=False,
        data={
            "username": "anna",
            "password": "correct-horse-battery",
            "csrf_token": csrf_from(form.text),
            "next": "/keys",
        },
    )
    assert response.status_code == 303 and response.headers["location"] == "/keys"
    cookie = response.headers["set-cookie"]
    assert "tillit_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_wrong_password_is_refused_and_audited(client, platform) -> None:  # type: ignore[no-untyped-def]
    make_user(platform, "anna", ["admin"])
    form = client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": "anna",
            "password": "fel-lösenord-123",
            "csrf_token": csrf_from(form.text),
        },
    )
    assert response.status_code == 401 and "Fel användarnamn eller lösenord" in response.text
    with platform.session() as db:
        event = db.scalars(select(AuditEvent).where(AuditEvent.action == "user.login")).one()
    assert event.outcome == "denied" and "fel-lösenord" not in str(event.detail)


def test_login_without_csrf_token_fails(client, platform) -> None:  # type: ignore[no-untyped-def]
    make_user(platform, "anna", ["admin"])
    response = client.post("/login", data={"username": "anna", "password": "correct-horse-battery"})
    assert response.status_code == 400
    assert client.get("/", follow_redirects=False).status_code == 303


def test_open_redirect_after_login_is_ignored(client, platform) -> None:  # type: ignore[no-untyped-def]
    make_user(platform, "anna", ["admin"])
    form = client.get("/login")
    response = client.post(
        "/login",
        follow_redirects=False,
        data={
            "username": "anna",
            "password": "correct-horse-battery",
            "csrf_token": csrf_from(form.text),
            "next": "//evil.example/",
        },
    )
    assert response.headers["location"] == "/"


def test_create_key_shows_secret_once_and_revoke(client, platform) -> None:  # type: ignore[no-untyped-def]
    make_user(platform, "dev", ["developer"])
    csrf = login(client, "dev")
    response = client.post(
        "/keys",
        data={"csrf_token": csrf, "name": "E-tjänst", "role": "viewer", "default_class": "K2"},
    )
    assert response.status_code == 201
    assert 'id="new-key">tlt_' in response.text
    listing = client.get("/keys").text
    assert "E-tjänst" in listing and 'id="new-key"' not in listing
    with platform.session() as db:
        key = db.scalars(select(ApiKey)).one()
    assert key.default_class == "K2"
    client.post(f"/keys/{key.id}/revoke", data={"csrf_token": csrf})
    with platform.session() as db:
        assert db.get(ApiKey, key.id).revoked_at is not None


def test_the_overview_counts_active_keys(client, platform) -> None:  # type: ignore[no-untyped-def]
    make_user(platform, "dev", ["developer"])
    csrf = login(client, "dev")
    for name in ("E-tjänst", "Intranät"):
        client.post("/keys", data={"csrf_token": csrf, "name": name, "role": "viewer"})
    overview = client.get("/").text
    assert '<span class="num">2</span> aktiva API-nycklar' in overview
    assert "built-in method" not in overview


def test_forms_reject_missing_csrf(client, platform) -> None:  # type: ignore[no-untyped-def]
    make_user(platform, "dev", ["developer"])
    login(client, "dev")
    response = client.post("/keys", data={"name": "x"})
    assert response.status_code == 403
    with platform.session() as db:
        assert db.scalars(select(ApiKey)).first() is None


def test_forms_refuse_a_csrf_token_with_non_ascii_characters(client, platform) -> None:  # type: ignore[no-untyped-def]
    make_user(platform, "dev", ["developer"])
    login(client, "dev")
    response = client.post("/keys", data={"csrf_token": "tökén", "name": "x"})
    assert response.status_code == 403 and "Formuläret har gått ut" in response.text
    with platform.session() as db:
        assert db.scalars(select(ApiKey)).first() is None


def test_login_with_a_non_ascii_csrf_token_shows_the_form_again(client, platform) -> None:  # type: ignore[no-untyped-def]
    make_user(platform, "anna", ["admin"])
    client.get("/login")
    data = {"username": "anna", "password": "correct-horse-battery", "csrf_token": "tökén"}
    response = client.post("/login", data=data)
    assert response.status_code == 400 and "Sidan hade gått ut" in response.text


def test_a_key_name_longer_than_its_column_is_refused_on_the_page(client, platform) -> None:  # type: ignore[no-untyped-def]
    make_user(platform, "dev", ["developer"])
    csrf = login(client, "dev")
    response = client.post("/keys", data={"csrf_token": csrf, "name": "x" * 201})
    assert response.status_code == 400 and "får ha högst 200 tecken" in response.text
    with platform.session() as db:
        assert db.scalars(select(ApiKey)).first() is None


def test_developer_cannot_create_admin_key(client, platform) -> None:  # type: ignore[no-untyped-def]
    make_user(platform, "dev", ["developer"])
    csrf = login(client, "dev")
    response = client.post("/keys", data={"csrf_token": csrf, "name": "x", "role": "admin"})
    assert response.status_code == 403


def test_developer_cannot_create_a_caseworker_key_on_the_page(client, platform) -> None:  # type: ignore[no-untyped-def]
    make_user(platform, "dev", ["developer"])
    csrf = login(client, "dev")
    response = client.post("/keys", data={"csrf_token": csrf, "name": "x", "role": "caseworker"})
    assert response.status_code == 403 and "rollen Handläggare" in response.text


def test_viewer_cannot_see_audit_page(client, platform) -> None:  # type: ignore[no-untyped-def]
    make_user(platform, "vera", ["viewer"])
    login(client, "vera")
    menu = client.get("/").text.split('aria-label="Huvudmeny"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/audit"' not in menu and 'href="/keys"' not in menu  # no links to a 403
    response = client.get("/audit", headers={"accept": "text/html"})
    assert response.status_code == 403
    assert "Behörighet saknas: din roll får inte se granskningsloggen" in response.text


def test_logout_ends_session(client, platform) -> None:  # type: ignore[no-untyped-def]
    make_user(platform, "anna", ["admin"])
    csrf = login(client, "anna")
    client.post("/logout", data={"csrf_token": csrf})
    assert client.get("/", follow_redirects=False).status_code == 303


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _attempt(client, password: str):  # type: ignore[no-untyped-def]
    form = client.get("/login")
    data = {"username": "anna", "password": password, "csrf_token": csrf_from(form.text)}
    return client.post("/login", follow_redirects=False, data=data)


def test_failed_logins_are_limited_per_client_and_successful_ones_are_free(  # type: ignore[no-untyped-def]
    app, client, platform
) -> None:
    from fastapi.testclient import TestClient

    from tillit.web.ratelimit import PublicLimits

    clock = FakeClock()
    app.state.public_limits = PublicLimits(
        reports_per_hour=0, questions_per_minute=0, login_failures_per_hour=3, clock=clock
    )
    make_user(platform, "anna", ["admin"])
    for _ in range(5):  # successful logins cost nothing
        assert _attempt(client, "correct-horse-battery").status_code == 303
    assert [_attempt(client, "fel-lösenord-123").status_code for _ in range(3)] == [401] * 3
    refused = _attempt(client, "correct-horse-battery")  # even the right password waits
    assert refused.status_code == 429 and refused.headers["retry-after"] == "1200"
    assert "För många misslyckade inloggningar" in refused.text and "20 minuter" in refused.text
    other = TestClient(app, client=("192.0.2.7", 5000))
    assert _attempt(other, "correct-horse-battery").status_code == 303  # another client
    clock.now += 1200
    assert _attempt(client, "correct-horse-battery").status_code == 303


def test_every_permission_has_a_swedish_description() -> None:
    from tillit.auth.roles import PERMISSION_LABELS_SV, PERMISSIONS

    assert set(PERMISSION_LABELS_SV) == set(PERMISSIONS)
