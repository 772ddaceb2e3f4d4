"""Information to the reporter (19 kap. 6 § SoL): the request, its deadline, the answer, the
letter, and the decision date the decision letters now print."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.concern.test_routes import _register, caseworker  # noqa: F401 - the fixture
from tests.support.factories import make_user
from tests.support.pages import login
from tillit.audit.tables import AuditEvent
from tillit.concern.reporter_info import day_in_sweden, reporter_info_due
from tillit.concern.tables import ConcernCase
from tillit.platform import Platform
from tillit.swedish_time import in_sweden

REPORTER = {"name": "Annika Lindqvist", "organisation": "Myrbergsskolan", "email": "a@skola.se"}


def _case(platform: Platform, number: str) -> ConcernCase:
    with platform.session() as db:
        found = db.scalar(select(ConcernCase).where(ConcernCase.case_number == number))
        db.expunge(found)
        return found


def _decide(client: TestClient, headers: dict, number: str, status: str = "inleds_ej") -> None:
    moved = client.post(
        f"/api/concern/cases/{number}/status", headers=headers, json={"status": status}
    )
    assert moved.status_code == 200, moved.text


def _backdate(platform: Platform, number: str, **moments: datetime) -> None:
    with platform.session() as db:
        found = db.scalar(select(ConcernCase).where(ConcernCase.case_number == number))
        for name, moment in moments.items():
            setattr(found, name, moment)


def test_the_answer_is_due_a_week_after_the_decision_or_at_once_when_asked_later() -> None:
    decided = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    case = ConcernCase(decided_at=decided, reporter_info_requested_at=decided - timedelta(days=1))
    assert reporter_info_due(case) == date(2026, 3, 9)
    case.reporter_info_requested_at = datetime(2026, 3, 20, 10, 0, tzinfo=UTC)
    assert reporter_info_due(case) == date(2026, 3, 20)  # "genast": the day it was asked
    case.decided_at = None
    assert reporter_info_due(case) is None  # nothing to tell before the decision
    # a decision at 23.30 in Sweden (22.30 UTC) counts from that Swedish day
    late = ConcernCase(
        decided_at=datetime(2026, 3, 2, 22, 30, tzinfo=UTC),
        reporter_info_requested_at=datetime(2026, 3, 1, tzinfo=UTC),
    )
    assert reporter_info_due(late) == date(2026, 3, 9)
    assert day_in_sweden(date(2026, 3, 1), datetime(2026, 6, 1, tzinfo=UTC)) == datetime(
        2026, 3, 1, 22, 59, tzinfo=UTC
    )


def test_a_request_is_recorded_and_the_register_shows_the_deadline_and_when_it_is_late(
    client: TestClient,
    platform: Platform,
    caseworker: dict,  # noqa: F811
) -> None:
    number = _register(client, caseworker, reporter=REPORTER)
    base = f"/api/concern/cases/{number}/reporter-info"
    fresh = client.get(f"/api/concern/cases/{number}", headers=caseworker).json()
    assert fresh["reporter_info"] == {
        "applies": True,
        "requested_at": None,
        "due": None,
        "given_at": None,
        "overdue": False,
    }
    asked = client.post(f"{base}/request", headers=caseworker, json={}).json()["reporter_info"]
    assert asked["requested_at"] and asked["due"] is None  # not decided yet
    too_early = client.post(f"{base}/given", headers=caseworker, json={"method": "telefon"})
    assert too_early.json()["error"]["code"] == "no_decision_yet"
    _decide(client, caseworker, number)
    shown = client.get(f"/api/concern/cases/{number}", headers=caseworker).json()
    decided = datetime.fromisoformat(shown["decided_at"])
    decided_day = in_sweden(decided).date()  # the Swedish day, not UTC: 23.30 UTC is tomorrow
    assert shown["reporter_info"]["due"] == (decided_day + timedelta(days=7)).isoformat()
    assert shown["reporter_info"]["overdue"] is False
    ten_days_ago = datetime.now(UTC) - timedelta(days=10)
    moments = ("received_at", "decided_at", "reporter_info_requested_at")
    _backdate(platform, number, **dict.fromkeys(moments, ten_days_ago))
    late = client.get("/api/concern/cases", headers=caseworker).json()[0]["reporter_info"]
    assert late["overdue"] is True
    told = client.post(f"{base}/given", headers=caseworker, json={"method": "telefon"}).json()
    assert told["reporter_info"]["given_at"] and told["reporter_info"]["overdue"] is False
    again = client.post(f"{base}/given", headers=caseworker, json={"method": "brev"}).json()
    assert again["reporter_info"]["given_at"] == told["reporter_info"]["given_at"]
    with platform.session() as db:
        events = db.scalars(select(AuditEvent).where(AuditEvent.object_id == number)).all()
    given = [e.detail for e in events if e.action == "concern.case.reporter_info_given"]
    assert given == [{"method": "telefon"}]  # the first record stands
    assert [e for e in events if e.action == "concern.case.reporter_info_request"]


def test_a_request_cannot_predate_the_report_or_lie_in_the_future(
    client: TestClient,
    caseworker: dict,  # noqa: F811
) -> None:
    number = _register(client, caseworker, reporter=REPORTER)
    base = f"/api/concern/cases/{number}/reporter-info/request"
    for moment in (datetime.now(UTC) + timedelta(days=2), datetime(2020, 1, 1, tzinfo=UTC)):
        refused = client.post(base, headers=caseworker, json={"requested_at": moment.isoformat()})
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "requested_at"
    unknown = client.post(base, headers=caseworker, json={"when": "i går"})
    assert unknown.status_code in (400, 422)


def test_only_a_named_reporter_with_a_duty_to_report_is_owed_information(
    client: TestClient,
    caseworker: dict,  # noqa: F811
) -> None:
    neighbour = _register(client, caseworker, reporter_type="granne", reporter=REPORTER)
    anonymous = _register(client, caseworker, anonymous=True, reporter={}, source_ref="anon")
    for number in (neighbour, anonymous):
        shown = client.get(f"/api/concern/cases/{number}", headers=caseworker).json()
        assert shown["reporter_info"]["applies"] is False
        _decide(client, caseworker, number)
        base = f"/api/concern/cases/{number}"
        for route, body in (("reporter-info/request", {}), ("letters", {"kind": "reporter_info"})):
            refused = client.post(f"{base}/{route}", headers=caseworker, json=body)
            assert refused.status_code == 400, refused.text
            assert refused.json()["error"]["code"] == "reporter_info_not_applicable"


def test_the_letter_tells_the_decision_and_nothing_else_and_sending_it_records_the_answer(
    client: TestClient,
    platform: Platform,
    caseworker: dict,  # noqa: F811
) -> None:
    number = _register(client, caseworker, reporter=REPORTER)
    letters = f"/api/concern/cases/{number}/letters"
    early = client.post(letters, headers=caseworker, json={"kind": "reporter_info"})
    assert early.json()["error"]["code"] == "letter_does_not_match_decision"
    _decide(client, caseworker, number, "utredning_inleds")
    _backdate(platform, number, decided_at=datetime(2026, 2, 3, 9, 0, tzinfo=UTC))
    letter = client.post(letters, headers=caseworker, json={"kind": "reporter_info"}).json()
    text = letter["text"]
    assert "a@skola.se" in text and "Annika Lindqvist" in text  # to the address given
    assert "den 3 februari 2026 beslutat att inleda en utredning" in text
    assert "inte inleda" not in text and "19 kap. 6 §" in text
    assert "blåmärken" not in text and "140621" not in text  # nothing from the report
    client.post(f"{letters}/{letter['id']}/approve", headers=caseworker)
    sent = client.post(
        f"{letters}/{letter['id']}/dispatch", headers=caseworker, json={"method": "e-post"}
    )
    assert sent.status_code == 200, sent.text
    shown = client.get(f"/api/concern/cases/{number}", headers=caseworker).json()
    assert shown["reporter_info"]["given_at"]


def test_a_decision_letter_dates_the_decision_not_the_letter(
    client: TestClient,
    platform: Platform,
    caseworker: dict,  # noqa: F811
) -> None:
    """A letter drafted days after the decision says when the decision was made."""
    number = _register(client, caseworker)
    _decide(client, caseworker, number)
    _backdate(platform, number, decided_at=datetime(2026, 2, 3, 9, 0, tzinfo=UTC))
    letter = client.post(
        f"/api/concern/cases/{number}/letters",
        headers=caseworker,
        json={"kind": "decision_not_open", "recipient_name": "Johan", "reasons": "Inga skäl."},
    ).json()
    assert "har den 3 februari 2026 beslutat att inte" in letter["text"]


def test_a_second_protective_assessment_keeps_the_first_time(
    client: TestClient,
    platform: Platform,
    caseworker: dict,  # noqa: F811
) -> None:
    number = _register(client, caseworker)
    route = f"/api/concern/cases/{number}/protective-assessment"
    client.post(route, headers=caseworker)
    first = _case(platform, number).protective_done_at
    client.post(route, headers=caseworker)
    assert _case(platform, number).protective_done_at == first
    with platform.session() as db:
        marked = db.scalars(
            select(AuditEvent).where(AuditEvent.action == "concern.case.protective_assessment")
        ).all()
    assert len(marked) == 1


def test_the_case_page_records_the_request_and_the_answer(
    app: FastAPI,
    platform: Platform,
    client: TestClient,
    caseworker: dict,  # noqa: F811
) -> None:
    number = _register(client, caseworker, reporter=REPORTER)
    neighbour = _register(client, caseworker, reporter_type="granne", source_ref="granne")
    make_user(platform, "handlaggare", ["caseworker"])
    browser = TestClient(app)
    csrf = login(browser, "handlaggare")
    page = f"/arenden/{number}"
    assert "Anmälaren har inte begärt återkoppling." in browser.get(page).text
    assert 'id="aterkoppling"' not in browser.get(f"/arenden/{neighbour}").text
    bad = browser.post(
        f"{page}/aterkoppling", data={"csrf_token": csrf, "action": "begard", "requested_on": "x"}
    )
    assert "Skriv datumet som ÅÅÅÅ-MM-DD." in bad.text
    asked = browser.post(
        f"{page}/aterkoppling", data={"csrf_token": csrf, "action": "begard", "requested_on": ""}
    )
    assert "begäran om återkoppling är registrerad" in asked.text
    assert "Ska lämnas senast en vecka efter beslutet." in asked.text
    assert "återkoppling begärd" in browser.get("/arenden").text
    _decide(client, caseworker, number)
    told = browser.post(
        f"{page}/aterkoppling", data={"csrf_token": csrf, "action": "lamnad", "method": "telefon"}
    )
    assert "Återkopplingen är registrerad (telefon)." in told.text
    assert "Återkoppling lämnad" in told.text


def test_an_investigation_already_under_way_about_the_child_is_shown_and_can_be_told_at_once(
    app: FastAPI,
    platform: Platform,
    client: TestClient,
    caseworker: dict,  # noqa: F811
) -> None:
    first = _register(client, caseworker)
    _decide(client, caseworker, first, "utredning_inleds")
    later = _register(
        client, caseworker, reporter=REPORTER, source_ref="ny", text="Elias kom utan mat i dag."
    )
    other_child = _register(
        client,
        caseworker,
        reporter=REPORTER,
        source_ref="annan",
        text="Ett annat barn.",
        child={"name": "Lo Berg", "personnummer": "121212-1212"},
    )
    cases = "/api/concern/cases"
    shown = client.get(f"{cases}/{later}", headers=caseworker).json()
    assert shown["ongoing_investigation"] == first and shown["decision"] is None
    listed = {c["case_number"]: c for c in client.get(cases, headers=caseworker).json()}
    assert listed[later]["ongoing_investigation"] == first
    assert listed[first]["ongoing_investigation"] is None  # not its own
    assert listed[other_child]["ongoing_investigation"] is None
    make_user(platform, "handlaggare", ["caseworker"])
    browser = TestClient(app)
    login(browser, "handlaggare")
    page = browser.get(f"/arenden/{later}").text
    assert f'pågår redan i ärende <a href="/arenden/{first}">' in page
    assert "Registrera återkoppling" in page  # no decision needed first
    asked = client.post(f"{cases}/{later}/reporter-info/request", headers=caseworker, json={})
    info = asked.json()["reporter_info"]
    requested = datetime.fromisoformat(info["requested_at"])
    assert info["due"] == in_sweden(requested).date().isoformat()  # at once
    letter = client.post(
        f"{cases}/{later}/letters", headers=caseworker, json={"kind": "reporter_info"}
    ).json()
    assert "En utredning om barnet pågår redan" in letter["text"]
    assert "beslutat" not in letter["text"]
    told = client.post(
        f"{cases}/{later}/reporter-info/given", headers=caseworker, json={"method": "telefon"}
    )
    assert told.status_code == 200 and told.json()["reporter_info"]["given_at"]
    refused = client.post(
        f"{cases}/{other_child}/reporter-info/given", headers=caseworker, json={"method": "brev"}
    )
    assert refused.json()["error"]["code"] == "no_decision_yet"


def test_a_drafted_answer_can_be_sent_after_the_case_changed(
    client: TestClient,
    caseworker: dict,  # noqa: F811
) -> None:
    """The letter was checked when drafted; marking it sent never fails on a later change."""
    number = _register(client, caseworker, reporter=REPORTER)
    _decide(client, caseworker, number)
    letters = f"/api/concern/cases/{number}/letters"
    letter = client.post(letters, headers=caseworker, json={"kind": "reporter_info"}).json()
    client.post(f"{letters}/{letter['id']}/approve", headers=caseworker)
    changed = client.post(
        f"/api/concern/cases/{number}/details", headers=caseworker, json={"reporter_type": "granne"}
    )
    assert changed.status_code == 200, changed.text
    sent = client.post(
        f"{letters}/{letter['id']}/dispatch", headers=caseworker, json={"method": "post"}
    )
    assert sent.status_code == 200, sent.text
    shown = client.get(f"/api/concern/cases/{number}", headers=caseworker).json()
    assert shown["reporter_info"]["given_at"] and not shown["reporter_info"]["applies"]
