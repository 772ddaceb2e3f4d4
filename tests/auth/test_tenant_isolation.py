"""Tests that try to reach another tenant's objects through every API route and page, and fail.

Tenant A ("default") and tenant B ("sundsvall") each get an administrator, an admin API key, a
model, a key, a Run and audit events. Then B, with its API key and with its administrator logged
in through the login form, tries to read, change, delete and use A's objects. B must get 404,
never 403 (that would reveal that the object exists), and nothing of A may change or show up in
B's listings and exports.

``test_every_route_with_a_path_parameter_is_covered`` enumerates the app's routes: a new route
with a path parameter fails it until an isolation case is added here.
"""

from __future__ import annotations

import csv
import io
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.support.factories import PASSWORD, auth, make_key, register_upstream_model
from tests.support.pages import login
from tillit.audit.tables import AuditEvent
from tillit.auth.passwords import hash_password
from tillit.auth.service import create_user, get_tenant
from tillit.auth.tables import ApiKey, Tenant, User
from tillit.catalog.service import BUILTIN_EMBEDDING_MODEL
from tillit.catalog.tables import CatalogModel
from tillit.platform import Platform
from tillit.runs.tables import Run

Caller = Callable[..., httpx.Response]


# --- the two tenants -----------------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    """One tenant's objects, as created through the real services, API and gateway."""

    slug: str
    tenant_id: int
    admin: str
    admin_key: str
    model_id: int
    model_name: str
    key_id: int
    key_name: str
    key_prefix: str
    key_secret: str
    run_id: str
    collection: str
    app: str
    job_id: int

    def markers(self) -> list[str]:
        """Strings that identify this tenant's objects wherever they are shown."""
        return [
            self.model_name,
            self.admin,
            self.key_name,
            self.key_prefix,
            self.run_id,
            self.collection,
            self.app,
        ]


@dataclass(frozen=True)
class World:
    a: Side
    b: Side


def chat(client: TestClient, secret: str, model: str, text: str = "hej") -> httpx.Response:
    return client.post(
        "/v1/chat/completions",
        headers=auth(secret),
        json={"model": model, "messages": [{"role": "user", "content": text}]},
    )


def make_admin(platform: Platform, username: str, tenant: str) -> str:
    """Without a password: argon2 is deliberately slow, so only ``browser`` sets one."""
    with platform.session() as db:
        create_user(db, get_tenant(db, tenant), username, None, ["admin"])
    return username


def set_up_tenant(
    client: TestClient, platform: Platform, upstream: str, slug: str, prefix: str
) -> Side:
    admin = make_admin(platform, f"{prefix}-admin", slug)
    admin_key = make_key(platform, tenant=slug, role="admin")
    model_name = f"{prefix}-modell"
    model_id = register_upstream_model(platform, upstream, name=model_name, tenant=slug)
    created = client.post(
        "/api/keys",
        headers=auth(admin_key),
        json={"name": f"{prefix}-nyckel", "role": "developer"},
    )
    assert created.status_code == 201, created.text
    key = created.json()
    reply = chat(client, key["key"], model_name, f"hej från {prefix}")
    assert reply.status_code == 200, reply.text
    with platform.session() as db:
        tenant_id = db.scalars(select(Tenant.id).where(Tenant.slug == slug)).one()
    collection, app_name, job_id = set_up_knowledge(client, admin_key, prefix)
    return Side(
        slug=slug,
        tenant_id=tenant_id,
        admin=admin,
        admin_key=admin_key,
        model_id=model_id,
        model_name=model_name,
        key_id=key["id"],
        key_name=key["name"],
        key_prefix=key["prefix"],
        key_secret=key["key"],
        run_id=reply.headers["x-tillit-run-id"],
        collection=collection,
        app=app_name,
        job_id=job_id,
    )


def set_up_knowledge(client: TestClient, admin_key: str, prefix: str) -> tuple[str, str, int]:
    """A collection with one uploaded document, and a staff assistant over it."""
    collection, app_name = f"{prefix}-samling", f"{prefix}-assistent"
    upload = client.post(
        f"/api/collections/{collection}/upload",
        headers=auth(admin_key),
        files=[("files", (f"{prefix}-info.txt", f"Öppettider för {prefix}: 8–17.".encode()))],
    )
    assert upload.status_code == 202, upload.text
    manifest = f"name: {app_name}\npurpose: Test.\ncollections: [{collection}]\n"
    applied = client.post("/api/apps", headers=auth(admin_key), content=manifest.encode())
    assert applied.status_code == 201, applied.text
    return collection, app_name, upload.json()["job_id"]


@pytest.fixture
def world(client: TestClient, platform: Platform, upstream: str, second_tenant: str) -> World:
    return World(
        a=set_up_tenant(client, platform, upstream, "default", "alfa"),
        b=set_up_tenant(client, platform, upstream, second_tenant, "beta"),
    )


@dataclass(frozen=True)
class Browser:
    client: TestClient
    csrf: str


@pytest.fixture
def browser(app: FastAPI, world: World, platform: Platform) -> Iterator[Browser]:
    """B's administrator, logged in through the login form. Its own client (own cookie jar);
    not entered, so its exit cannot close the providers that ``client``'s event loop owns."""
    with platform.session() as db:
        user = db.scalars(select(User).where(User.username == world.b.admin)).one()
        user.password_hash = hash_password(PASSWORD)
    test_client = TestClient(app)
    csrf = login(test_client, world.b.admin)
    yield Browser(test_client, csrf)
    test_client.close()


def key_caller(client: TestClient, secret: str) -> Caller:
    def call(method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {**auth(secret), **kwargs.pop("headers", {})}
        return client.request(method, url, headers=headers, **kwargs)

    return call


def session_caller(browser: Browser) -> Caller:
    def call(method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {"X-CSRF-Token": browser.csrf, **kwargs.pop("headers", {})}
        return browser.client.request(method, url, headers=headers, **kwargs)

    return call


@pytest.fixture(params=["api_key", "browser_session"])
def as_b(request: pytest.FixtureRequest, client: TestClient, world: World) -> Caller:
    """Tenant B's administrator calling the JSON API, once with B's API key and once with B's
    logged-in browser session (cookie + X-CSRF-Token)."""
    if request.param == "api_key":
        return key_caller(client, world.b.admin_key)
    return session_caller(request.getfixturevalue("browser"))


def snapshot(platform: Platform, side: Side) -> dict[str, object]:
    """Everything of one tenant that an attack could change."""
    with platform.session() as db:
        model = db.get(CatalogModel, side.model_id)
        key = db.get(ApiKey, side.key_id)
        assert model is not None and key is not None

        def count(table: Any) -> int:
            query = select(func.count()).select_from(table).where(table.tenant_id == side.tenant_id)
            return db.scalars(query).one()

        return {
            "model": (
                model.enabled,
                model.max_class,
                model.base_url,
                model.health_status,
                model.health_checked_at,
                model.updated_at,
            ),
            "key": (key.revoked_at, key.expires_at, key.role),
            "runs": count(Run),
            "audit_events": count(AuditEvent),
        }


def assert_untouched(platform: Platform, side: Side, before: dict[str, object]) -> None:
    with platform.session() as db:
        model = db.get(CatalogModel, side.model_id)
        key = db.get(ApiKey, side.key_id)
        assert model is not None and model.enabled, "the other tenant's model was disabled"
        assert key is not None and key.revoked_at is None, "the other tenant's key was revoked"
    assert snapshot(platform, side) == before


# --- every route with a path parameter ------------------------------------------------------


@dataclass(frozen=True)
class Attack:
    """B calls ``route`` with the id of one of A's objects and must get 404 ``code``."""

    method: str
    route: str
    code: str
    body: dict[str, object] | None = None
    name_of: str = "collection"

    def url(self, side: Side) -> str:
        name = side.collection if self.name_of == "collection" else side.app
        return self.route.format(
            model_id=side.model_id,
            key_id=side.key_id,
            run_id=side.run_id,
            name=name,
            job_id=side.job_id,
        )

    def url_of_missing_object(self) -> str:
        return self.route.format(
            model_id=987654, key_id=987654, run_id="0" * 32, name="finns-inte", job_id=987654
        )


API_ATTACKS = [
    Attack("GET", "/api/models/{model_id}", "model_not_found"),
    Attack(
        "PATCH",
        "/api/models/{model_id}",
        "model_not_found",
        {"max_class": "K3", "enabled": False, "base_url": "http://evil.example/v1"},
    ),
    Attack("DELETE", "/api/models/{model_id}", "model_not_found"),
    Attack("POST", "/api/models/{model_id}/health", "model_not_found"),
    Attack("DELETE", "/api/keys/{key_id}", "key_not_found"),
    Attack("GET", "/api/runs/{run_id}", "run_not_found"),
    Attack("GET", "/api/collections/{name}/documents", "collection_not_found"),
    Attack("GET", "/api/ingest-jobs/{job_id}", "job_not_found"),
    Attack("GET", "/api/apps/{name}/export", "app_not_found", name_of="app"),
    Attack("POST", "/api/apps/{name}/ask", "app_not_found", {"question": "Öppettider?"}, "app"),
    Attack(
        "POST", "/api/apps/{name}/ask/stream", "app_not_found", {"question": "Öppettider?"}, "app"
    ),
]
PAGE_ATTACKS = [
    Attack("GET", "/models/{model_id}", "model_not_found"),
    Attack("POST", "/models/{model_id}/health", "model_not_found"),
    Attack("POST", "/models/{model_id}/disable", "model_not_found"),
    Attack("POST", "/models/{model_id}/enable", "model_not_found"),
    Attack("POST", "/keys/{key_id}/revoke", "key_not_found"),
    Attack("GET", "/assistants/{name}", "app_not_found", name_of="app"),
    Attack("GET", "/collections/{name}", "collection_not_found"),
    Attack("POST", "/assistants/{name}", "app_not_found", name_of="app"),
]
PUBLIC_ROUTES = {
    ("GET", "/login/oidc/{tenant_slug}"): (
        "starts the OIDC login of the tenant named in the URL; reads no session and returns no "
        "tenant data: test_oidc_login_start_ignores_the_session_and_other_tenants_config"
    ),
}
PER_TENANT_NAMES = {
    ("POST", "/api/collections/{name}/ingest"): "test_collection_names_are_per_tenant",
    ("POST", "/api/collections/{name}/upload"): "test_collection_names_are_per_tenant",
    ("GET", "/t/{tenant_slug}/assistent/{name}"): "test_public_pages_show_only_public_apps",
    ("POST", "/klassificerare/versioner/{number}/aktivera"): (
        "tests/concern/test_annotation_pages.py::"
        "test_another_tenants_annotator_cannot_activate_our_versions"
    ),
    ("POST", "/t/{tenant_slug}/assistent/{name}"): "test_public_pages_show_only_public_apps",
    ("GET", "/t/{tenant_slug}/assistent/{name}/om"): "test_public_pages_show_only_public_apps",
    # Case numbers run per tenant; every case route looks the number up in the caller's tenant.
    **dict.fromkeys(
        [
            ("GET", "/api/concern/cases/{case_number}"),
            ("POST", "/api/concern/cases/{case_number}/status"),
            ("POST", "/api/concern/cases/{case_number}/protective-assessment"),
            ("POST", "/api/concern/cases/{case_number}/assessment-extension"),
            ("POST", "/api/concern/cases/{case_number}/reporter-info/request"),
            ("POST", "/api/concern/cases/{case_number}/reporter-info/given"),
            ("POST", "/api/concern/cases/{case_number}/analyse"),
            ("POST", "/api/concern/cases/{case_number}/passages/{position}/review"),
            ("POST", "/api/concern/cases/{case_number}/letters"),
            ("GET", "/api/concern/cases/{case_number}/letters"),
            ("POST", "/api/concern/cases/{case_number}/letters/{letter_id}/approve"),
            ("POST", "/api/concern/cases/{case_number}/letters/{letter_id}/discard"),
            ("GET", "/api/concern/cases/{case_number}/letters/{letter_id}/file"),
            ("POST", "/api/concern/cases/{case_number}/letters/{letter_id}/dispatch"),
            ("POST", "/api/concern/cases/{case_number}/model-summary"),
            ("POST", "/api/concern/cases/{case_number}/model-labels"),
            ("POST", "/api/concern/cases/{case_number}/details"),
            ("POST", "/api/concern/cases/{case_number}/assign"),
        ],
        "tests/concern/test_routes.py::test_another_tenants_caseworker_gets_404_for_every_case_route",
    ),
    **dict.fromkeys(
        [
            ("GET", "/arenden/{case_number}"),
            ("POST", "/arenden/{case_number}/analys"),
            ("POST", "/arenden/{case_number}/stycken/{position}"),
            ("POST", "/arenden/{case_number}/status"),
            ("POST", "/arenden/{case_number}/skyddsbedomning"),
            ("POST", "/arenden/{case_number}/aterkoppling"),
            ("POST", "/arenden/{case_number}/forlangning"),
            ("POST", "/arenden/{case_number}/brev"),
            ("POST", "/arenden/{case_number}/brev/{letter_id}/godkann"),
            ("POST", "/arenden/{case_number}/brev/{letter_id}/kasta"),
            ("GET", "/arenden/{case_number}/brev/{letter_id}.{fmt}"),
            ("POST", "/arenden/{case_number}/brev/{letter_id}/skickat"),
            ("POST", "/arenden/{case_number}/sammanfattning"),
            ("POST", "/arenden/{case_number}/modellens-etiketter"),
            ("POST", "/arenden/{case_number}/uppgifter"),
            ("POST", "/arenden/{case_number}/tilldela"),
            ("POST", "/annotering/{item_id}"),
            ("POST", "/annotering/{item_id}/ta-bort"),
        ],
        "tests/concern/test_pages.py::test_another_tenants_caseworker_gets_404_on_every_case_page",
    ),
    **dict.fromkeys(
        [
            ("GET", "/api/apps/{name}/governance"),
            ("PUT", "/api/apps/{name}/governance/record"),
            ("POST", "/api/apps/{name}/governance/aiact"),
            ("POST", "/api/apps/{name}/governance/signoff"),
            ("POST", "/api/apps/{name}/governance/transition"),
        ],
        "tests/governance/test_routes.py::"
        "test_another_tenants_admin_gets_404_on_every_governance_route",
    ),
    **dict.fromkeys(
        [
            ("GET", "/assistants/{name}/styrning"),
            ("POST", "/assistants/{name}/styrning/underlag"),
            ("POST", "/assistants/{name}/styrning/aiact"),
            ("POST", "/assistants/{name}/styrning/godkann"),
            ("POST", "/assistants/{name}/styrning/overgang"),
            ("POST", "/assistants/{name}/styrning/sprakmodeller"),
        ],
        "tests/governance/test_routes.py::"
        "test_another_tenants_admin_gets_404_on_every_governance_page",
    ),
    **dict.fromkeys(
        [
            ("GET", "/insyn/api/services/{slug}"),
            ("GET", "/insyn/api/services/{slug}/versions"),
            ("GET", "/insyn/api/services/{slug}/versions/{number}"),
            ("GET", "/insyn/tjanster/{slug}"),
            ("GET", "/insyn/tjanster/{slug}/versioner/{number}"),
            ("GET", "/insyn/modeller/{name:path}"),
            ("GET", "/insyn/kallor/{name}"),
        ],
        "tests/insyn/test_register.py::test_another_municipality_gets_404_like_for_nothing",
    ),
    ("GET", "/insyn/svar/{token}"): "tests/insyn/test_provenance.py::"
    "test_internal_answers_are_shown_only_inside_their_tenant",
    ("GET", "/insyn/svar/{token}.json"): "tests/insyn/test_provenance.py::"
    "test_internal_answers_are_shown_only_inside_their_tenant",
    ("GET", "/t/{tenant_slug}/orosanmalan"): "tests/concern/intake/test_form.py (public form)",
    ("POST", "/t/{tenant_slug}/orosanmalan"): "tests/concern/intake/test_form.py (public form)",
}
COVERED = (
    {(a.method, a.route) for a in API_ATTACKS + PAGE_ATTACKS}
    | set(PUBLIC_ROUTES)
    | set(PER_TENANT_NAMES)
)


def attack_id(attack: Attack) -> str:
    return f"{attack.method} {attack.route}"


def api_routes(app: FastAPI) -> list[Any]:
    """The app's FastAPI routes (path + methods), with included routers flattened."""
    try:
        from fastapi.routing import iter_route_contexts  # FastAPI with lazily included routers
    except ImportError:  # older FastAPI: app.routes already holds every APIRoute
        return [route for route in app.routes if isinstance(route, APIRoute)]
    return [r for r in iter_route_contexts(app.routes) if isinstance(r.original_route, APIRoute)]


def routes_with_path_parameters(app: FastAPI) -> set[tuple[str, str]]:
    return {
        (method, route.path)
        for route in api_routes(app)
        if "{" in route.path
        for method in route.methods - {"HEAD"}
    }


def test_every_route_with_a_path_parameter_is_covered(app: FastAPI) -> None:
    found = routes_with_path_parameters(app)
    assert ("GET", "/api/models/{model_id}") in found, "route enumeration is broken"
    missing = found - COVERED
    assert not missing, (
        f"routes with a path parameter but no tenant-isolation case: {sorted(missing)}; "
        "add an Attack to API_ATTACKS or PAGE_ATTACKS in tests/auth/test_tenant_isolation.py"
    )
    assert not COVERED - found, (
        f"isolation cases for routes that no longer exist: {COVERED - found}"
    )


@pytest.mark.parametrize("attack", API_ATTACKS, ids=attack_id)
def test_api_route_answers_404_for_other_tenants_object(
    attack: Attack, as_b: Caller, world: World, platform: Platform
) -> None:
    before = snapshot(platform, world.a)
    response = as_b(attack.method, attack.url(world.a), json=attack.body)
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == attack.code
    missing = as_b(attack.method, attack.url_of_missing_object(), json=attack.body)
    assert response.json() == missing.json(), "answer differs from a non-existent object's"
    assert not any(marker in response.text for marker in world.a.markers())
    assert_untouched(platform, world.a, before)


@pytest.mark.parametrize("attack", PAGE_ATTACKS, ids=attack_id)
def test_page_answers_404_for_other_tenants_object(
    attack: Attack, browser: Browser, world: World, platform: Platform
) -> None:
    before = snapshot(platform, world.a)
    response = browser.client.request(
        attack.method,
        attack.url(world.a),
        data={"csrf_token": browser.csrf} if attack.method == "POST" else None,
        headers={"accept": "text/html"},
        follow_redirects=False,
    )
    assert response.status_code == 404, response.text
    assert f"<code>{attack.code}</code>" in response.text
    assert not any(marker in response.text for marker in world.a.markers())
    assert_untouched(platform, world.a, before)


def test_tenant_a_still_works_after_every_attack(
    client: TestClient, browser: Browser, world: World, platform: Platform
) -> None:
    for call in (key_caller(client, world.b.admin_key), session_caller(browser)):
        for attack in API_ATTACKS:
            call(attack.method, attack.url(world.a), json=attack.body)
    for attack in PAGE_ATTACKS:
        browser.client.post(attack.url(world.a), data={"csrf_token": browser.csrf})
    reply = chat(client, world.a.key_secret, world.a.model_name, "fortfarande här")
    assert reply.status_code == 200
    assert reply.json()["choices"][0]["message"]["content"] == "Svar: fortfarande här"
    with platform.session() as db:
        run = db.get(Run, reply.headers["x-tillit-run-id"])
        assert run is not None and (run.tenant_id, run.model_id) == (
            world.a.tenant_id,
            world.a.model_id,
        )


def test_oidc_login_start_ignores_the_session_and_other_tenants_config(
    client: TestClient, browser: Browser, world: World
) -> None:
    configured = client.put(
        "/api/oidc",
        headers=auth(world.b.admin_key),
        json={"issuer": "https://login.sundsvall.example", "client_id": "tillit"},
    )
    assert configured.status_code == 200, configured.text
    response = browser.client.get(f"/login/oidc/{world.a.slug}", follow_redirects=False)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "oidc_not_configured"
    own_config = client.get("/api/oidc", headers=auth(world.a.admin_key))
    assert own_config.status_code == 404, "B's OIDC configuration leaked into A"


# --- listings, exports and the gateway -------------------------------------------------------

LISTINGS = {
    "/api/models": "model_name",
    "/api/keys": "key_name",
    "/api/runs": "run_id",
    "/api/audit": "key_name",
    "/api/usage": "key_name",
    "/api/users": "admin",
}


@pytest.mark.parametrize("path", LISTINGS)
def test_listing_contains_only_own_tenants_objects(
    path: str, as_b: Caller, client: TestClient, world: World
) -> None:
    attribute = LISTINGS[path]
    own = client.get(path, headers=auth(world.a.admin_key))
    assert getattr(world.a, attribute) in own.text, "A's marker must show up in A's own listing"
    response = as_b("GET", path)
    assert response.status_code == 200, response.text
    assert getattr(world.b, attribute) in response.text
    leaked = [marker for marker in world.a.markers() if marker in response.text]
    assert not leaked, f"{path} shows tenant A's objects: {leaked}"


def test_model_listing_holds_own_and_shared_models_only(as_b: Caller, world: World) -> None:
    models = as_b("GET", "/api/models").json()
    assert {m["tenant"] for m in models} == {None, world.b.slug}
    assert world.a.model_id not in {m["id"] for m in models}


def test_audit_listing_holds_own_tenants_events_only(as_b: Caller, world: World) -> None:
    events = as_b("GET", "/api/audit", params={"limit": 1000}).json()
    assert {"key.create", "gateway.chat"} <= {e["action"] for e in events}
    assert {e["tenant_id"] for e in events} == {world.b.tenant_id}


def test_gateway_model_list_holds_own_and_shared_models_only(
    client: TestClient, world: World
) -> None:
    for side, other in ((world.a, world.b), (world.b, world.a)):
        names = {
            m["id"] for m in client.get("/v1/models", headers=auth(side.key_secret)).json()["data"]
        }
        assert {side.model_name, BUILTIN_EMBEDDING_MODEL} <= names
        assert other.model_name not in names


@pytest.mark.parametrize("page", ["/", "/models", "/keys", "/audit"])
def test_pages_show_only_own_tenants_objects(page: str, browser: Browser, world: World) -> None:
    response = browser.client.get(page)
    assert response.status_code == 200
    leaked = [marker for marker in world.a.markers() if marker in response.text]
    assert not leaked, f"{page} shows tenant A's objects: {leaked}"


@pytest.mark.parametrize("endpoint", ["/v1/chat/completions", "/v1/embeddings"])
def test_gateway_refuses_other_tenants_model_by_name(
    endpoint: str, client: TestClient, world: World, platform: Platform
) -> None:
    before = snapshot(platform, world.a)
    body = {"model": world.a.model_name, "messages": [{"role": "user", "content": "x"}]}
    response = client.post(endpoint, headers=auth(world.b.key_secret), json={**body, "input": "x"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "model_not_found"
    assert_untouched(platform, world.a, before)


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_audit_export_contains_only_own_events(fmt: str, as_b: Caller, world: World) -> None:
    response = as_b("GET", "/api/audit/export", params={"format": fmt})
    assert response.status_code == 200
    if fmt == "jsonl":
        events = [json.loads(line) for line in response.text.splitlines()]
        tenant_ids = {e["tenant_id"] for e in events}
        actions = {e["action"] for e in events}
    else:
        rows = list(csv.DictReader(io.StringIO(response.text)))
        tenant_ids = {int(row["tenant_id"]) for row in rows}
        actions = {row["action"] for row in rows}
    assert {"key.create", "gateway.chat"} <= actions
    assert tenant_ids == {world.b.tenant_id}
    assert not [marker for marker in world.a.markers() if marker in response.text]


# --- shared models ----------------------------------------------------------------------------


def shared_model(platform: Platform) -> tuple[int, tuple[object, ...]]:
    with platform.session() as db:
        model = db.scalars(
            select(CatalogModel).where(
                CatalogModel.name == BUILTIN_EMBEDDING_MODEL, CatalogModel.tenant_id.is_(None)
            )
        ).one()
        return model.id, (model.enabled, model.max_class, model.base_url, model.model_card)


def test_shared_model_is_visible_to_both_tenants(
    client: TestClient, world: World, platform: Platform
) -> None:
    model_id, _ = shared_model(platform)
    for side in (world.a, world.b):
        response = client.get(f"/api/models/{model_id}", headers=auth(side.admin_key))
        assert response.status_code == 200
        assert (response.json()["name"], response.json()["tenant"]) == (
            BUILTIN_EMBEDDING_MODEL,
            None,
        )


@pytest.mark.parametrize(
    ("method", "body"),
    [("PATCH", {"max_class": "K0"}), ("PATCH", {"enabled": False}), ("DELETE", None)],
)
def test_tenant_admin_cannot_change_shared_model(
    method: str, body: dict[str, object] | None, as_b: Caller, platform: Platform
) -> None:
    model_id, before = shared_model(platform)
    response = as_b(method, f"/api/models/{model_id}", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "model_shared"
    assert shared_model(platform) == (model_id, before)


def test_tenant_admin_cannot_disable_shared_model_through_page(
    browser: Browser, platform: Platform
) -> None:
    model_id, before = shared_model(platform)
    response = browser.client.post(
        f"/models/{model_id}/disable", data={"csrf_token": browser.csrf}, follow_redirects=False
    )
    assert response.status_code == 400
    assert shared_model(platform) == (model_id, before)


def test_tenant_admin_cannot_register_shared_model(as_b: Caller, upstream: str) -> None:
    body = {
        "name": "delad",
        "provider": "openai-compatible",
        "base_url": upstream,
        "remote_model": "echo-1",
        "shared": True,
    }
    response = as_b("POST", "/api/models", json=body)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_same_model_name_in_other_tenant_neither_leaks_nor_hijacks(
    client: TestClient, world: World, platform: Platform
) -> None:
    body = {
        "name": world.a.model_name,
        "provider": "openai-compatible",
        "base_url": "http://127.0.0.1:9/v1",
        "remote_model": "echo-1",
    }
    created = client.post("/api/models", headers=auth(world.b.admin_key), json=body)
    assert created.status_code == 201, "a 409 would reveal that A has a model with this name"
    assert created.json()["tenant"] == world.b.slug
    a_reply = chat(client, world.a.key_secret, world.a.model_name)
    assert a_reply.status_code == 200
    b_reply = chat(client, world.b.key_secret, world.a.model_name)
    assert b_reply.json()["error"]["code"] == "upstream_unreachable"
    with platform.session() as db:
        a_run = db.get(Run, a_reply.headers["x-tillit-run-id"])
        assert a_run is not None and a_run.model_id == world.a.model_id


# --- upstream credentials from the server's environment ---------------------------------------


class AuthorizationSpy(BaseHTTPRequestHandler):
    """A stand-in for an upstream that tenant B controls: records Authorization headers."""

    seen: list[str] = []  # noqa: RUF012

    def do_GET(self) -> None:
        AuthorizationSpy.seen.append(self.headers.get("Authorization", ""))
        body = json.dumps({"object": "list", "data": [{"id": "spy-1"}]}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        return


@pytest.fixture
def spy_upstream() -> Iterator[str]:
    AuthorizationSpy.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), AuthorizationSpy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


SECRET_OF_A = "sk-alfa-upstream-secret"


@pytest.fixture
def env_secret_of_a(monkeypatch: pytest.MonkeyPatch) -> str:
    """An upstream key the installation admin gave A's model through the environment."""
    monkeypatch.setenv("ALFA_UPSTREAM_KEY", SECRET_OF_A)
    return "ALFA_UPSTREAM_KEY"


def spy_model(spy_upstream: str, env_name: str) -> dict[str, object]:
    return {
        "name": "spion",
        "provider": "openai-compatible",
        "base_url": spy_upstream,
        "remote_model": "spy-1",
        "api_key_env": env_name,
    }


def test_tenant_cannot_point_a_model_at_a_server_environment_variable(
    client: TestClient, world: World, spy_upstream: str, env_secret_of_a: str
) -> None:
    """Otherwise B could send any server secret (A's upstream key, TILLIT_SECRET_KEY,
    TILLIT_DATABASE_URL) as a Bearer token to a URL of its choosing."""
    created = client.post(
        "/api/models",
        headers=auth(world.b.key_secret),
        json=spy_model(spy_upstream, env_secret_of_a),
    )
    assert created.status_code == 403
    assert created.json()["error"]["code"] == "api_key_env_not_allowed"
    body = {k: v for k, v in spy_model(spy_upstream, env_secret_of_a).items() if k != "api_key_env"}
    own = client.post("/api/models", headers=auth(world.b.key_secret), json=body)
    assert own.status_code == 201
    patched = client.patch(
        f"/api/models/{own.json()['id']}",
        headers=auth(world.b.key_secret),
        json={"api_key_env": env_secret_of_a},
    )
    assert patched.status_code == 403
    assert patched.json()["error"]["code"] == "api_key_env_not_allowed"
    client.post(f"/api/models/{own.json()['id']}/health", headers=auth(world.b.key_secret))
    assert AuthorizationSpy.seen, "the spy upstream was never called"
    assert not any(SECRET_OF_A in header for header in AuthorizationSpy.seen)


def test_models_form_cannot_point_a_model_at_a_server_environment_variable(
    browser: Browser, spy_upstream: str, env_secret_of_a: str
) -> None:
    form = {"csrf_token": browser.csrf, **spy_model(spy_upstream, env_secret_of_a)}
    created = browser.client.post("/models", data=form, follow_redirects=False)
    if created.status_code == 303:  # registered: run the health check, which calls the spy
        page = created.headers["location"].split("?")[0]
        browser.client.post(f"{page}/health", data={"csrf_token": browser.csrf})
    assert not any(SECRET_OF_A in header for header in AuthorizationSpy.seen)
    assert created.status_code == 403


# --- names that are per tenant, and public pages ----------------------------------------------


def test_collection_names_are_per_tenant(client: TestClient, world: World) -> None:
    """B uploading into "A's" collection name creates B's own collection; A's is untouched."""
    before = client.get(
        f"/api/collections/{world.a.collection}/documents", headers=auth(world.a.admin_key)
    ).json()
    upload = client.post(
        f"/api/collections/{world.a.collection}/upload",
        headers=auth(world.b.admin_key),
        files=[("files", ("intrang.txt", b"Ingen ska se detta hos A."))],
    )
    assert upload.status_code == 202
    after = client.get(
        f"/api/collections/{world.a.collection}/documents", headers=auth(world.a.admin_key)
    ).json()
    assert [d["document"] for d in after] == [d["document"] for d in before]
    assert "intrang" not in json.dumps(after)


def test_public_pages_show_only_public_apps(client: TestClient, world: World) -> None:
    """A's staff assistant is not public: the public pages answer 404 for it, as for a
    non-existent app, in A's own URL and under B's."""
    for slug in (world.a.slug, world.b.slug):
        for suffix in ("", "/om"):
            response = client.get(f"/t/{slug}/assistent/{world.a.app}{suffix}")
            assert response.status_code == 404
        posted = client.post(f"/t/{slug}/assistent/{world.a.app}", data={"question": "x"})
        assert posted.status_code == 404
