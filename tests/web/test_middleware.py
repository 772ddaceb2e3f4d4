"""Hostile addresses and values: a NUL character is a clear 400 on both databases (PostgreSQL
cannot store one and answered 500), and database errors never carry the statement's values
into the log."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from tillit.platform import Platform
from tillit.web.errors import loggable


@pytest.mark.parametrize(
    "path", ["/insyn?kommun=a%00b", "/t/a%00b/orosanmalan", "/insyn/tjanster/a%00b"]
)
def test_a_nul_in_the_address_is_a_clear_400(client, path: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Adressen innehåller ett ogiltigt tecken (NUL)."
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_nul_in_a_form_value_is_never_a_500(client) -> None:  # type: ignore[no-untyped-def]
    client.get("/login")
    csrf = client.cookies.get("tillit_login_csrf") or ""
    response = client.post(
        "/login", data={"username": "ad\x00min", "password": "x", "csrf_token": csrf}
    )
    assert response.status_code in (400, 401, 403, 200), response.text  # PG: 400; SQLite: no match
    assert "Traceback" not in response.text


def test_database_errors_hide_the_values(platform: Platform) -> None:
    secret_name = "Elias Nordström 140621-2389"
    with pytest.raises(IntegrityError) as raised, platform.engine.begin() as connection:
        connection.execute(
            text("INSERT INTO tenants (id, slug, name) VALUES (1, :slug, :name)"),
            {"slug": "default", "name": secret_name},
        )
    assert "[SQL parameters hidden" in str(raised.value)  # PostgreSQL adds its DETAIL, so:
    logged = loggable(raised.value)
    assert secret_name not in logged and "the values are left out" in logged


def test_case_pages_and_personal_data_are_never_cached(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/arenden", follow_redirects=False).headers["cache-control"] == "no-store"
    assert client.post("/api/privacy/detect", json={}).headers["cache-control"] == "no-store"
    assert "cache-control" not in client.get("/insyn").headers
    form = client.post("/t/default/orosanmalan", data={"text": "Oro för barnet Elsa Berg."})
    assert form.headers["cache-control"] == "no-store"  # what the reporter wrote comes back


BROWSER = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def test_an_oversize_form_from_a_browser_gets_a_swedish_page(client) -> None:  # type: ignore[no-untyped-def]
    """A resident whose report is too large must not be shown the API's JSON."""
    big = {"text": "Oro för barnet. " * 300_000}  # about 4.8 MB
    response = client.post("/t/default/orosanmalan", data=big, headers=BROWSER)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="sv">' in response.text and "högst 4 MB" in response.text
    assert response.headers["cache-control"] == "no-store"
    api = client.post("/t/default/orosanmalan", data=big)  # no text/html in Accept: JSON
    assert api.status_code == 413 and api.json()["error"]["code"] == "body_too_large"
    as_json = client.post("/api/privacy/detect", content=b"x" * (5 * 2**20), headers=BROWSER)
    assert as_json.json()["error"]["code"] == "body_too_large"  # not a form: JSON as before
