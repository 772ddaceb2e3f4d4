"""Request dependencies: a JSON body with an unpaired surrogate is refused on every route."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.support.factories import auth, make_key
from tillit.auth.tables import ApiKey, User
from tillit.platform import Platform

ESCAPED = b'"\\ud800"'  # JSON text for a lone high surrogate
RAW = b'"\xed\xa0\x80"'  # the same as (invalid) UTF-8 bytes, which json.loads lets through


@pytest.mark.parametrize("surrogate", [ESCAPED, RAW], ids=["escaped", "raw-bytes"])
@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("/api/keys", b'{"name": "k", "role": %s}'),
        ("/api/users", b'{"username": "u", "display_name": %s}'),
        ("/api/users", b'{"username": "u", "roles": [%s]}'),
        ("/api/search", b'{"collections": [%s], "query": "bygglov"}'),
    ],
)
def test_an_unpaired_surrogate_is_refused_and_nothing_is_stored(
    client: TestClient, platform: Platform, route: str, body: bytes, surrogate: bytes
) -> None:
    headers = {**auth(make_key(platform, role="admin")), "content-type": "application/json"}
    response = client.post(route, content=body % surrogate, headers=headers)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "invalid_json"
    assert "surrogat" in response.json()["error"]["message"]
    with platform.session() as db:
        assert db.scalars(select(User).where(User.username == "u")).first() is None
        assert db.scalars(select(ApiKey).where(ApiKey.name == "k")).first() is None


def test_a_character_written_as_a_surrogate_pair_is_kept(
    client: TestClient, platform: Platform
) -> None:
    headers = {**auth(make_key(platform, role="admin")), "content-type": "application/json"}
    body = b'{"name": "nyckel \\ud83d\\ude00", "role": "viewer"}'
    response = client.post("/api/keys", content=body, headers=headers)
    assert response.status_code == 201 and response.json()["name"] == "nyckel 😀"
