"""The API reference pages work without internet: every asset they load comes from this
server, and in a real browser Swagger UI renders Tillit's OpenAPI with no request elsewhere."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from tests.support.browser import chromium_page
from tests.support.servers import tillit_server

ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")
URL_IN_SCRIPT = re.compile(r"""url\s*:\s*['"]([^'"]+)['"]""")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_load_only_local_assets(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    html = response.text
    assets = ASSET.findall(html)
    assert assets, "the page should load its script"
    assert "cdn." not in html and "fonts.googleapis" not in html
    for url in assets:
        assert url.startswith("/"), f"{page} loads {url} from elsewhere"
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 1_000, url


def test_oauth2_redirect_page_is_served(client: TestClient) -> None:
    assert client.get("/docs/oauth2-redirect").status_code == 200


@pytest.mark.browser
def test_swagger_ui_renders_offline(settings) -> None:  # type: ignore[no-untyped-def]
    env = {"TILLIT_DATABASE_URL": settings.database_url} if settings.database_url else {}
    with tillit_server(settings.data_dir, env) as (base, _):
        own = urlsplit(base).netloc
        elsewhere: list[str] = []
        with chromium_page() as page:

            def only_local(route, request) -> None:  # type: ignore[no-untyped-def]
                if urlsplit(request.url).netloc == own:
                    route.continue_()
                else:
                    elsewhere.append(request.url)
                    route.abort()

            page.route("**/*", only_local)
            page.goto(f"{base}/docs")
            title = page.locator(".swagger-ui .info .title")
            title.wait_for()
            assert "Tillit" in title.inner_text()
            assert page.locator(".opblock-tag").count() > 3  # the API's sections are listed
        assert elsewhere == []
