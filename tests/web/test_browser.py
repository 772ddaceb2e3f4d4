"""A real browser logs in to a real `tillit serve` process and registers a model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.browser import chromium_page
from tests.support.servers import tillit_server

pytestmark = pytest.mark.browser


def _env(settings) -> dict[str, str]:  # type: ignore[no-untyped-def]
    env = {"TILLIT_DATA_DIR": str(settings.data_dir), "ADMIN_PW": "ett-långt-lösenord-42"}
    if settings.database_url:
        env["TILLIT_DATABASE_URL"] = settings.database_url
    return env


def test_login_and_register_model(settings, upstream, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    env = _env(settings)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "tillit",
            "admin",
            "create-user",
            "kim",
            "--role",
            "admin",
            "--password-env",
            "ADMIN_PW",
        ],
        check=True,
        env={**os.environ, **env},
        capture_output=True,
    )
    with tillit_server(settings.data_dir, env) as (base, _process), chromium_page() as page:
        page.goto(f"{base}/models")
        assert page.url.startswith(f"{base}/login")
        page.get_by_label("Användarnamn").fill("kim")
        page.get_by_label("Lösenord").fill("ett-långt-lösenord-42")
        page.get_by_role("button", name="Logga in").click()
        page.wait_for_url(f"{base}/models")
        page.get_by_label("Namn i Tillit").fill("kommunens-llm")
        page.get_by_label("Adress (base URL)").fill(upstream)
        page.get_by_label("Modellens id hos leverantören").fill("echo-1")
        page.get_by_label("Högsta informationsklass").select_option("K2")
        page.get_by_role("button", name="Registrera modell").click()
        page.wait_for_url(f"{base}/models/*")
        assert page.get_by_role("heading", level=1).inner_text() == "kommunens-llm"
        assert page.get_by_text("Modellen är registrerad.").is_visible()
        page.get_by_role("button", name="Kör hälsokontroll").click()
        page.wait_for_load_state()
        assert "ok" in page.locator("dl.facts").inner_text()
        page.screenshot(path=str(tmp_path / "model.png"), full_page=True)
        page.goto(f"{base}/models")
        assert page.get_by_role("link", name="kommunens-llm").is_visible()
        page.get_by_role("link", name="Granskningslogg").click()
        assert page.get_by_text("model.add").first.is_visible()
        _staff_pages_fit_a_phone(page, base)


def _staff_pages_fit_a_phone(page, base: str) -> None:  # type: ignore[no-untyped-def]
    """At 375 px: no sideways scrolling of the whole page (a table's hidden header text used
    to escape it), and no serious axe finding (a table that scrolls is reachable by keyboard)."""
    from tests.insyn.test_browser import AXE, PHONE, axe_problems, overflow

    page.goto(f"{base}/keys")
    page.get_by_label("Namn").fill("e-tjansten-med-ett-langt-namn")
    page.get_by_role("button", name="Skapa nyckel").click()
    page.wait_for_load_state()
    page.set_viewport_size(PHONE)
    problems = {}
    for path in ("/keys", "/", "/models"):
        page.goto(f"{base}{path}")
        found = {"overflow": overflow(page), "axe": axe_problems(page) if AXE.exists() else []}
        if found["overflow"] > 0 or found["axe"]:
            problems[path] = found
    assert not problems, problems
