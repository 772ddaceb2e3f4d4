"""Intake → analysis → letter in a real browser (Playwright + Debian's Chromium) against a real
``tillit serve``: a resident reports through the public form, a caseworker analyses the case,
confirms a suggestion, and approves and downloads a decision letter."""

from __future__ import annotations

import pytest

from tests.insyn.test_browser import AXE, PHONE, axe_problems, overflow
from tests.support.browser import chromium_page
from tests.support.factories import PASSWORD, make_user
from tests.support.servers import tillit_server
from tillit.platform import Platform

pytestmark = pytest.mark.browser

REPORT = (
    "Jag bor granne med familjen. I går kväll hörde jag pappan skrika och slå Elsa, som är "
    "sju år. Hon grät länge. I morse hade hon ett blåmärke i ansiktet när hon gick till skolan."
)


def test_report_to_analysis_to_letter(settings, platform: Platform, installed: int) -> None:  # type: ignore[no-untyped-def]
    make_user(platform, "handlaggare", ["caseworker"])
    env = {"TILLIT_DATABASE_URL": settings.database_url} if settings.database_url else {}
    with tillit_server(settings.data_dir, env) as (base, _), chromium_page() as page:
        assert AXE.exists(), "npm install --prefix tests/support/node axe-core@4"
        page.goto(f"{base}/t/default/orosanmalan")
        assert page.locator("html").get_attribute("lang") == "sv"
        assert axe_problems(page) == []
        page.set_viewport_size(PHONE)
        assert overflow(page) <= 0
        page.set_viewport_size({"width": 1280, "height": 900})
        page.get_by_label("Jag anmäler som").select_option("granne")
        page.get_by_label("Ditt namn").fill("Karin Ek")
        page.get_by_label("Barnets namn").fill("Elsa Berg")
        page.get_by_label("Barnets födelsedatum").fill("2019-04-30")
        page.get_by_label("Beskriv din oro").fill(REPORT)
        page.get_by_label("E-post").fill("karin-at-example")
        page.get_by_role("button", name="Skicka anmälan").click()
        assert page.evaluate("document.activeElement.id") == "error-summary"  # focus moved
        assert page.get_by_label("Beskriv din oro").input_value() == REPORT  # nothing lost
        page.get_by_label("E-post").fill("karin@example.se")
        page.get_by_role("button", name="Skicka anmälan").click()
        case_number = page.locator("#case-number").inner_text()
        assert case_number.startswith("OA-")
        assert axe_problems(page) == []

        page.goto(f"{base}/arenden")
        page.get_by_label("Användarnamn").fill("handlaggare")
        page.get_by_label("Lösenord").fill(PASSWORD)
        page.get_by_role("button", name="Logga in").click()
        page.get_by_label("Sök ärendenummer, barnets namn eller personnummer").fill("Elsa Berg")
        page.get_by_role("button", name="Visa").click()
        page.wait_for_url("**/arenden?sok=*")
        assert "Elsa" not in page.url and page.get_by_role("link", name=case_number).count() == 1
        page.get_by_role("link", name=case_number).click()
        page.get_by_role("button", name="Analysera anmälan").click()
        page.get_by_text("Anmälan är analyserad").wait_for()
        assert page.locator("mark.sign").count() >= 1
        assert "Förslag från Tillit" in page.locator("#summary").inner_text()
        assert axe_problems(page) == []
        marked = page.locator("mark.sign").first.get_attribute("id").removeprefix("text-")
        page.locator(f"#stycke-{marked}").get_by_role("button", name="Bekräfta förslaget").click()
        page.get_by_text("är granskat").wait_for()
        assert "bekräftat" in page.locator(".report-text").inner_text()

        page.get_by_label("Ändra status till").select_option("utredning_inleds")
        page.get_by_role("button", name="Spara status").click()
        page.get_by_text("Status: Utredning inleds").wait_for()
        page.get_by_label("Brevtyp").select_option("decision_not_open")
        page.get_by_label("Mottagare", exact=True).fill("Anna Berg")
        page.get_by_role("button", name="Skapa utkast").click()  # not the decision: refused
        assert page.evaluate("document.activeElement.id") == "letter-error"
        assert page.get_by_label("Mottagare", exact=True).input_value() == "Anna Berg"
        page.get_by_label("Brevtyp").select_option("decision_open")
        page.get_by_role("button", name="Skapa utkast").click()
        page.get_by_role("button", name="Godkänn brevet").click()
        with page.expect_download() as download:
            page.get_by_role("link", name="Ladda ned PDF").click()
        assert download.value.suggested_filename.endswith(".pdf")
        page.get_by_role("button", name="Markera som skickat").click()
        assert page.get_by_text("skickat (Utskrift)").is_visible()


def test_annotation_keys_never_take_over_a_link(settings, platform: Platform, dev_reports) -> None:  # type: ignore[no-untyped-def]
    """Keys 1–8 and Enter annotate; Enter on a link follows the link and saves nothing."""
    from sqlalchemy import select

    from tillit.concern.annotation import import_annotated
    from tillit.concern.tables import Annotation

    from .conftest import system

    import_annotated(platform, system(platform), dev_reports[:2], "test")
    make_user(platform, "olle", ["annotator"])
    env = {"TILLIT_DATABASE_URL": settings.database_url} if settings.database_url else {}

    def mine() -> list[list[str]]:
        with platform.session() as db:
            found = select(Annotation.labels).where(Annotation.annotator == "user:olle")
            return list(db.scalars(found))

    with tillit_server(settings.data_dir, env) as (base, _), chromium_page() as page:
        page.goto(f"{base}/annotering")
        page.get_by_label("Användarnamn").fill("olle")
        page.get_by_label("Lösenord").fill(PASSWORD)
        page.get_by_role("button", name="Logga in").click()
        page.locator("#annotate-form").wait_for()
        assert axe_problems(page) == []  # with the button that withdraws a passage
        page.get_by_role("link", name="Klassificerare och träning").focus()
        page.keyboard.press("Enter")
        page.wait_for_url("**/klassificerare")
        assert mine() == []  # the link was followed; nothing was saved
        page.go_back()
        page.locator("#annotate-form").wait_for()
        page.evaluate("document.activeElement && document.activeElement.blur()")
        page.keyboard.press("1")
        assert page.locator('input[data-key="1"]').is_checked()
        page.keyboard.press("Enter")
        page.wait_for_load_state()
        page.locator("#annotate-form").wait_for()
        assert mine() == [["fysiskt_vald"]]


def test_an_administrator_chooses_the_language_models_on_the_governance_page(  # type: ignore[no-untyped-def]
    settings, platform: Platform, upstream: str
) -> None:
    from tests.support.factories import register_upstream_model
    from tillit.concern.governance import SERVICE_NAME

    register_upstream_model(platform, upstream, name="egen-modell", max_class="K3")
    make_user(platform, "it-admin", ["admin"])
    env = {"TILLIT_DATABASE_URL": settings.database_url} if settings.database_url else {}
    with tillit_server(settings.data_dir, env) as (base, _), chromium_page() as page:
        page.goto(f"{base}/login")
        page.get_by_label("Användarnamn").fill("it-admin")
        page.get_by_label("Lösenord").fill(PASSWORD)
        page.get_by_role("button", name="Logga in").click()
        page.goto(f"{base}/assistants/{SERVICE_NAME}/styrning")
        page.get_by_label("egen-modell").check()
        page.get_by_role("button", name="Spara språkmodellerna").click()
        assert "egen-modell får läsa ärenden" in page.get_by_role("status").inner_text()
        assert page.get_by_label("egen-modell").is_checked()
        assert axe_problems(page) == []
        page.set_viewport_size(PHONE)
        assert overflow(page) <= 0
