"""The staff governance page in a real browser (Playwright + Debian's Chromium against a real
``tillit serve``): a signatory follows the link from the assistant, is refused a gate with the
list of what is missing, signs off in their own name, and the page passes axe-core without
serious or critical violations in each of those states, on a desktop and on a 375 px phone.

axe-core comes from npm: ``npm install --prefix tests/support/node axe-core@4``."""

from __future__ import annotations

from typing import Any

import pytest

from tests.governance.lifecycle import APP, SIGNATORIES, promote, write_record
from tests.insyn.test_browser import AXE, PHONE, axe_problems, overflow
from tests.support.browser import chromium_page
from tests.support.factories import PASSWORD, make_user
from tests.support.servers import tillit_server
from tillit.platform import Platform

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1280, "height": 900}
OWNER = SIGNATORIES["owner"]


@pytest.fixture
def served(settings, platform: Platform, public_app: str):  # type: ignore[no-untyped-def]
    if not AXE.exists():
        pytest.fail(
            f"axe-core is missing: npm install --prefix tests/support/node axe-core@4 ({AXE})"
        )
    make_user(platform, OWNER, ["developer"])  # may write, and signs as the owner
    write_record(platform, public_app)
    env = {"TILLIT_DATABASE_URL": settings.database_url} if settings.database_url else {}
    with tillit_server(settings.data_dir, env) as (base, _):
        yield base


def check(page: Any, problems: dict[str, Any], state: str) -> None:
    """axe on both viewports, and no horizontal scrolling on the phone."""
    assert page.locator("html").get_attribute("lang") == "sv"
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        found = axe_problems(page)
        wide = overflow(page) if viewport == PHONE else 0
        if found or wide > 0:
            problems[f"{state} @{viewport['width']}px"] = {"axe": found, "overflow": wide}
    page.set_viewport_size(DESKTOP)


def test_governance_page_states_pass_axe(served: str, platform: Platform) -> None:
    problems: dict[str, Any] = {}
    with chromium_page() as page:
        page.goto(f"{served}/login")
        page.get_by_label("Användarnamn").fill(OWNER)
        page.get_by_label("Lösenord").fill(PASSWORD)
        page.get_by_role("button", name="Logga in").click()
        page.goto(f"{served}/assistants/{APP}")
        page.get_by_role("link", name=f"Styrning och livscykel för {APP}").click()
        page.wait_for_url(f"{served}/assistants/{APP}/styrning")
        assert page.get_by_role("heading", name=f"Styrning: {APP}", level=1).is_visible()
        check(page, problems, "idé")

        page.get_by_label("Nytt läge").select_option("analys")
        page.get_by_label("Motivering").fill("Underlaget är klart")
        page.get_by_role("button", name="Byt läge").click()
        alert = page.get_by_role("alert")
        assert "Grinden G0 kan inte passeras" in alert.inner_text()  # no sign-off yet
        check(page, problems, "grind spärrad")

        page.get_by_role("button", name="Godkänn grind G0").click()
        assert "Du godkände grind G0" in page.get_by_role("status").inner_text()
        check(page, problems, "godkänd")

        promote(platform, APP)
        page.goto(f"{served}/assistants/{APP}/styrning")
        assert "Produktion" in page.locator("dl.facts").inner_text()
        check(page, problems, "produktion")
    assert not problems, problems
