"""A resident asks a published assistant in a real browser and sees the AI label and
citations (Playwright + Debian's Chromium against a real `tillit serve`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.governance.lifecycle import promote
from tests.support.browser import chromium_page
from tests.support.servers import tillit_server

pytestmark = pytest.mark.browser


def _tillit(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "tillit", *args],
        check=True,
        capture_output=True,
        env={**os.environ, **env},
    )


def test_resident_asks_public_assistant_and_sees_citations(
    settings, platform, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    env = {"TILLIT_DATA_DIR": str(settings.data_dir)}
    if settings.database_url:
        env["TILLIT_DATABASE_URL"] = settings.database_url
    pages = tmp_path / "sidor"
    pages.mkdir()
    (pages / "bygglov.md").write_text(
        "# Bygglov för altan\n\nEn altan som är högre än 1,2 meter kräver bygglov. Ansök i "
        "kommunens e-tjänst.\n",
        encoding="utf-8",
    )
    (pages / "bibliotek.md").write_text(
        "# Biblioteket\n\nBiblioteket har öppet vardagar 10–19. Lånekortet är gratis.\n",
        encoding="utf-8",
    )
    manifest = tmp_path / "app.yaml"
    manifest.write_text(
        "name: fraga-kommunen\npurpose: Svarar på frågor om kommunens "
        "tjänster.\ncollections: [webb]\naudience: public\n",
        encoding="utf-8",
    )
    _tillit(env, "ingest", "--collection", "webb", str(pages))
    _tillit(env, "apps", "apply", str(manifest))
    promote(platform, "fraga-kommunen")  # residents are served only in production
    with tillit_server(settings.data_dir, env) as (base, _), chromium_page() as page:
        page.goto(f"{base}/t/default/assistent/fraga-kommunen")
        assert page.locator("html").get_attribute("lang") == "sv"
        assert page.get_by_text("Svaren skapas av AI.").is_visible()
        page.get_by_label("Din fråga").fill("Behöver jag bygglov för min altan?")
        page.get_by_role("button", name="Fråga").click()
        page.wait_for_selector("#answer-heading")
        citations = page.locator("ol.citations li")
        assert citations.count() >= 1
        assert "Bygglov för altan" in citations.first.inner_text()
        assert "kräver bygglov" in page.locator(".answer").inner_text()
        assert page.get_by_role("link", name="Hur skapades svaret?").is_visible()
        page.get_by_role("link", name="Så fungerar tjänsten").click()
        assert page.get_by_role("heading", name="Hur svaret skapas").is_visible()
        assert page.get_by_text("Biblioteket").first.is_visible()
        assert "/tmp" not in page.content() and str(pages) not in page.content()


def test_staff_chat_streams_the_answer(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    env = {"TILLIT_DATA_DIR": str(settings.data_dir), "PW": "ett-långt-lösenord-42"}
    if settings.database_url:
        env["TILLIT_DATABASE_URL"] = settings.database_url
    pages = tmp_path / "sidor"
    pages.mkdir()
    (pages / "parkering.md").write_text(
        "# Parkering\n\nBoendeparkering kostar 500 kronor i månaden.\n", encoding="utf-8"
    )
    manifest = tmp_path / "app.yaml"
    manifest.write_text(
        "name: intern\npurpose: Stöd för handläggare.\ncollections: [webb]\n", encoding="utf-8"
    )
    _tillit(env, "ingest", "--collection", "webb", str(pages))
    _tillit(env, "apps", "apply", str(manifest))
    _tillit(env, "admin", "create-user", "kim", "--role", "developer", "--password-env", "PW")
    with tillit_server(settings.data_dir, env) as (base, _), chromium_page() as page:
        page.goto(f"{base}/assistants/intern")
        page.get_by_label("Användarnamn").fill("kim")
        page.get_by_label("Lösenord").fill("ett-långt-lösenord-42")
        page.get_by_role("button", name="Logga in").click()
        page.wait_for_url(f"{base}/assistants/intern")
        page.get_by_label("Din fråga").fill("Vad kostar boendeparkering?")
        page.get_by_role("button", name="Fråga").click()
        page.get_by_text("Klart. Svars-id:").wait_for()
        provenance = page.get_by_role("link", name="Hur skapades svaret?").last
        assert "/insyn/svar/" in (provenance.get_attribute("href") or "")
        assert page.url == f"{base}/assistants/intern"  # answered in place, streamed
        assert "500 kronor" in page.locator("#live-answer .answer-text").inner_text()
        assert "Parkering" in page.locator("#live-answer .citations").inner_text()
