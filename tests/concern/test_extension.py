"""Prolonging the initial assessment for exceptional reasons (20 kap. 2 § SoL): the API, the
register's deadline, the case page, retention and migration 0018."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from alembic import command
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.concern.test_reporter_info import _backdate, _case, _decide
from tests.concern.test_routes import _register, caseworker  # noqa: F401 - the fixture
from tests.support.factories import make_user
from tests.support.pages import login
from tillit.audit.tables import AuditEvent
from tillit.concern.cases import apply_retention
from tillit.db.migrate import alembic_config
from tillit.platform import Platform
from tillit.swedish_time import in_sweden

from .conftest import system

REASON = "Barnet förhörs av polisen först den 20 december; samtalet med barnet väntar på det."


def _extend(client: TestClient, headers: dict, number: str, until: date, reason: str = REASON):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/concern/cases/{number}/assessment-extension",
        headers=headers,
        json={"until": until.isoformat(), "reason": reason},
    )


def _today() -> date:
    return in_sweden(datetime.now(UTC)).date()


def test_an_extension_moves_the_deadline_and_keeps_the_reasons_out_of_lists_and_audit(
    client: TestClient,
    platform: Platform,
    caseworker: dict,  # noqa: F811
) -> None:
    number = _register(client, caseworker)
    fresh = client.get(f"/api/concern/cases/{number}", headers=caseworker).json()
    statutory = date.fromisoformat(fresh["assessment_deadline"])
    assert fresh["assessment_extension"] is None
    first = _extend(client, caseworker, number, statutory + timedelta(days=7))
    assert first.status_code == 200, first.text
    shown = first.json()
    assert shown["assessment_deadline"] == (statutory + timedelta(days=7)).isoformat()
    extension = shown["assessment_extension"]
    assert extension["statutory_deadline"] == statutory.isoformat()
    assert extension["reason"] == REASON and extension["history"][0]["by"]
    again = _extend(client, caseworker, number, statutory + timedelta(days=10), "Tolk saknas.")
    assert [e["until"] for e in again.json()["assessment_extension"]["history"]] == [
        (statutory + timedelta(days=d)).isoformat() for d in (7, 10)
    ]
    assert again.json()["assessment_extension"]["reason"] == "Tolk saknas."
    [listed] = client.get("/api/concern/cases", headers=caseworker).json()
    assert listed["assessment_deadline"] == (statutory + timedelta(days=10)).isoformat()
    assert set(listed["assessment_extension"]) == {"statutory_deadline", "extended_at"}
    with platform.session() as db:
        events = db.scalars(
            select(AuditEvent).where(AuditEvent.action == "concern.case.assessment_extended")
        ).all()
    assert [e.detail["until"] for e in events] == [
        (statutory + timedelta(days=d)).isoformat() for d in (7, 10)
    ]
    assert all("polisen" not in str(e.detail) for e in events)
    stored = _case(platform, number).assessment_extension_enc
    assert stored and "polisen" not in stored  # encrypted at rest


def test_an_overdue_case_is_no_longer_overdue_once_prolonged(
    client: TestClient,
    platform: Platform,
    caseworker: dict,  # noqa: F811
) -> None:
    number = _register(client, caseworker)
    received = datetime.now(UTC) - timedelta(days=20)
    _backdate(platform, number, received_at=received, assessment_deadline=received + timedelta(14))
    url = f"/api/concern/cases/{number}"
    assert client.get(url, headers=caseworker).json()["overdue"] is True
    prolonged = _extend(client, caseworker, number, _today() + timedelta(days=3)).json()
    assert prolonged["overdue"] is False


def test_an_extension_needs_reasons_a_later_plausible_day_and_an_undecided_case(
    client: TestClient,
    caseworker: dict,  # noqa: F811
) -> None:
    number = _register(client, caseworker)
    deadline = date.fromisoformat(
        client.get(f"/api/concern/cases/{number}", headers=caseworker).json()["assessment_deadline"]
    )
    refusals = {
        "extension_reason": [(deadline + timedelta(days=3), "  "), (deadline, "x" * 2001)],
        "extension_until": [
            (deadline, REASON),  # not later than the day in force
            (_today() + timedelta(days=91), REASON),  # a typo, far ahead
        ],
    }
    for code, attempts in refusals.items():
        for until, reason in attempts:
            refused = _extend(client, caseworker, number, until, reason)
            assert refused.status_code == 400, refused.text
            assert refused.json()["error"]["code"] == code
    unknown = client.post(
        f"/api/concern/cases/{number}/assessment-extension",
        headers=caseworker,
        json={"until": "2026-13-40", "reason": REASON},
    )
    assert unknown.status_code in (400, 422)
    _decide(client, caseworker, number)
    late = _extend(client, caseworker, number, deadline + timedelta(days=3))
    assert late.json()["error"]["code"] == "assessment_decided"


def test_the_case_page_prolongs_and_keeps_what_was_typed_when_refused(
    app: FastAPI,
    platform: Platform,
    client: TestClient,
    caseworker: dict,  # noqa: F811
) -> None:
    number = _register(client, caseworker)
    make_user(platform, "handlaggare", ["caseworker"])
    browser = TestClient(app)
    csrf = login(browser, "handlaggare")
    page = f"/arenden/{number}"
    assert "Förläng tiden för förhandsbedömningen" in browser.get(page).text
    bad = browser.post(
        f"{page}/forlangning", data={"csrf_token": csrf, "until": "i morgon", "reason": REASON}
    )
    assert bad.status_code == 400
    assert "Skriv den nya sista dagen som ÅÅÅÅ-MM-DD." in bad.text
    assert "förhörs av polisen" in bad.text  # the reasons were not lost
    until = (_today() + timedelta(days=20)).isoformat()
    done = browser.post(
        f"{page}/forlangning", data={"csrf_token": csrf, "until": until, "reason": REASON}
    )
    assert f"Tiden för förhandsbedömningen är förlängd till {until}." in done.text
    assert "Förlängd förhandsbedömning" in done.text and "förlängd från" in done.text
    assert "förlängd från" in browser.get("/arenden").text  # the register shows it too
    _decide(client, caseworker, number)
    decided = browser.get(page).text
    assert "Förläng tiden för förhandsbedömningen" not in decided  # no form once decided
    assert "Förlängd förhandsbedömning" in decided  # the record stays


def test_retention_erases_the_reasons(
    client: TestClient,
    platform: Platform,
    caseworker: dict,  # noqa: F811
) -> None:
    number = _register(client, caseworker)
    _extend(client, caseworker, number, _today() + timedelta(days=20))
    for status in ("inleds_ej", "avslutad"):
        client.post(
            f"/api/concern/cases/{number}/status", headers=caseworker, json={"status": status}
        )
    with platform.session() as db:
        later = datetime.now(UTC) + timedelta(days=365 * 6)
        assert apply_retention(db, platform.box, system(platform), now=later) == [number]
    assert _case(platform, number).assessment_extension_enc is None


def test_migration_0018_down_restores_the_statutory_deadline(
    client: TestClient,
    platform: Platform,
    caseworker: dict,  # noqa: F811
) -> None:
    number = _register(client, caseworker)
    url = f"/api/concern/cases/{number}"
    statutory = client.get(url, headers=caseworker).json()["assessment_deadline"]
    _extend(client, caseworker, number, _today() + timedelta(days=20))
    config = alembic_config(platform.engine)
    command.downgrade(config, "0017_reporter_info")
    command.upgrade(config, "head")
    shown = client.get(url, headers=caseworker).json()
    assert shown["assessment_deadline"] == statutory and shown["assessment_extension"] is None
