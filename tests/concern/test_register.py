"""Registering reports as cases: numbers, deadlines, duplicates, the child, encryption at rest."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from tillit.audit.tables import AuditEvent
from tillit.auth.roles import Principal
from tillit.concern.cases import history, summary_dict
from tillit.concern.register import received_problem, register_report
from tillit.concern.schemas import Child, Reporter, ReportIn
from tillit.concern.tables import ConcernCase
from tillit.errors import InvalidInput
from tillit.platform import Platform

REPORT = (
    "Jag är lärare på Myrbergsskolan. Eleven Elias Nordström, 140621-2389, hade blåmärken "
    "på armarna och sa att pappa tagit hårt i honom."
)


def _principal(platform: Platform) -> Principal:
    with platform.session() as db:
        from tillit.auth.service import get_tenant

        tenant = get_tenant(db, "default")
        return Principal(tenant.id, tenant.slug, "user", 1, "handl", frozenset({"caseworker"}))


def _register(platform: Platform, report: ReportIn, channel: str = "api", **kw: object):
    with platform.session() as db:
        registered = register_report(db, platform.box, _principal(platform), report, channel, **kw)
        return registered.case.case_number, registered.created, registered.case.id


def test_a_report_gets_a_case_number_and_the_14_day_deadline(platform: Platform) -> None:
    received = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    first, created, _ = _register(platform, ReportIn(text=REPORT, received_at=received))
    second, _, _ = _register(platform, ReportIn(text=REPORT + " Igen.", received_at=received))
    assert created
    assert (first, second) == ("OA-2026-00001", "OA-2026-00002")
    with platform.session() as db:
        case = db.scalar(select(ConcernCase).where(ConcernCase.case_number == first))
        assert case.status == "ny"
        assert case.assessment_deadline == datetime(2026, 3, 16, 9, 30, tzinfo=UTC)
        events = db.scalars(select(AuditEvent).where(AuditEvent.action == "concern.case.register"))
        assert {e.object_id for e in events} == {first, second}


def test_the_case_number_has_the_swedish_year_the_report_came_in(platform: Platform) -> None:
    new_year = datetime(2025, 12, 31, 23, 30, tzinfo=UTC)  # 00.30 on 1 January 2026 in Sweden
    old = datetime(2024, 5, 2, 9, 0, tzinfo=UTC)  # an old report imported today
    assert _register(platform, ReportIn(text=REPORT, received_at=new_year))[0] == "OA-2026-00001"
    assert _register(platform, ReportIn(text=REPORT + " Förra året.", received_at=old))[0] == (
        "OA-2024-00001"
    )


def test_a_received_time_with_an_offset_is_the_same_moment_as_in_utc(platform: Platform) -> None:
    swedish = datetime.fromisoformat("2026-03-01T23:30:00+01:00")
    _, _, case_id = _register(platform, ReportIn(text=REPORT, received_at=swedish))
    with platform.session() as db:
        case = db.get(ConcernCase, case_id)
        assert case.received_at == datetime(2026, 3, 1, 22, 30, tzinfo=UTC)
        assert summary_dict(db, platform.box, case)["assessment_deadline"] == "2026-03-15"
        found = db.scalar(select(ConcernCase.id).where(ConcernCase.received_at == swedish))
    assert found == case_id  # a query with the offset finds the same moment


def test_the_protective_assessment_is_overdue_from_the_next_swedish_day(
    platform: Platform,
) -> None:
    received = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # 10.30 in Sweden
    _, _, case_id = _register(platform, ReportIn(text=REPORT, received_at=received))
    with platform.session() as db:
        case = db.get(ConcernCase, case_id)
        late_evening = summary_dict(
            db, platform.box, case, datetime(2026, 3, 2, 22, 30, tzinfo=UTC)
        )
        after_midnight = summary_dict(
            db, platform.box, case, datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
        )
    assert (
        late_evening["protective_assessment_due"]
        and not late_evening["protective_assessment_overdue"]
    )  # 23.30 in Sweden: still the same day
    assert after_midnight["protective_assessment_overdue"]  # 00.30 the next day in Sweden


def test_the_deadline_counts_from_the_swedish_day_a_late_report_came_in(
    platform: Platform,
) -> None:
    received = datetime(2025, 11, 24, 23, 30, tzinfo=UTC)  # 00.30 on 25 November in Sweden
    _, _, case_id = _register(platform, ReportIn(text=REPORT, received_at=received))
    with platform.session() as db:
        case = db.get(ConcernCase, case_id)
        on_the_day = summary_dict(db, platform.box, case, datetime(2025, 12, 9, 12, 0, tzinfo=UTC))
        next_day = summary_dict(db, platform.box, case, datetime(2025, 12, 9, 23, 30, tzinfo=UTC))
    assert on_the_day["assessment_deadline"] == "2025-12-09"
    assert not on_the_day["overdue"] and next_day["overdue"]  # 00.30 on 10 December


def test_the_same_submission_twice_is_one_case(platform: Platform) -> None:
    report = ReportIn(text=REPORT, source_ref="form-token-1")
    number, created, _ = _register(platform, report)
    again, created_again, _ = _register(platform, report)
    assert created and not created_again and number == again


def test_the_same_text_through_another_channel_is_registered_and_marked(platform: Platform) -> None:
    _, _, first_id = _register(platform, ReportIn(text=REPORT), "e-post")
    _, created, second_id = _register(platform, ReportIn(text="  " + REPORT.upper()), "api")
    assert created
    with platform.session() as db:
        assert db.get(ConcernCase, second_id).duplicate_of_id == first_id


def test_personal_data_is_encrypted_at_rest(platform: Platform) -> None:
    report = ReportIn(
        text=REPORT,
        reporter=Reporter(name="Annika Lindqvist", email="annika@skola.example"),
        child=Child(name="Elias Nordström", personnummer="140621-2389"),
    )
    _register(platform, report)
    with platform.engine.connect() as conn:
        dump = " ".join(
            str(v) for row in conn.execute(text("SELECT * FROM concern_cases")) for v in row
        )
    for secret in ("Elias", "Nordström", "140621", "Annika", "blåmärken", "skola.example"):
        assert secret not in dump


def test_an_invalid_personnummer_is_refused_or_kept_with_a_warning(platform: Platform) -> None:
    bad = ReportIn(text=REPORT, child=Child(name="Elias", personnummer="140621-2388"))
    with pytest.raises(InvalidInput) as refused:
        _register(platform, bad)
    assert refused.value.code == "child_pnr_invalid"
    with platform.session() as db:
        registered = register_report(
            db, platform.box, _principal(platform), bad, "e-post", strict_identity=False
        )
        assert registered.created and registered.warnings


def test_a_mailed_personnummer_that_fails_validation_is_named_in_a_warning(
    platform: Platform,
) -> None:
    mailed = "Eleven Elias Nordström, 140621-2388, har blåmärken på armarna."
    with platform.session() as db:
        principal = _principal(platform)
        bad = register_report(
            db, platform.box, principal, ReportIn(text=mailed), "e-post", strict_identity=False
        )
        good = register_report(
            db, platform.box, principal, ReportIn(text=REPORT), "e-post", strict_identity=False
        )
        assert bad.created and "personnummer som inte är giltigt" in " ".join(bad.warnings)
        assert not any("personnummer" in w for w in good.warnings)
        assert bad.case.child_pnr_key is None and good.case.child_pnr_key is not None


FUTURE = "20300101-1232"  # valid check digit, born after every report here


def test_a_personnummer_born_in_the_future_is_not_the_childs(platform: Platform) -> None:
    from tillit.privacy.identity import parse_identity

    assert parse_identity(FUTURE) is not None  # only the date is wrong
    bad = ReportIn(text=REPORT, child=Child(name="Elias", personnummer=FUTURE))
    with pytest.raises(InvalidInput) as refused:
        _register(platform, bad)
    assert refused.value.code == "child_pnr_invalid" and "framtiden" in refused.value.message
    born_later = ReportIn(text=REPORT, child=Child(name="Elias", birth_date="2030-01-01"))
    with pytest.raises(InvalidInput) as refused:
        _register(platform, born_later)
    assert refused.value.code == "child_birth_date_invalid"
    with platform.session() as db:
        principal = _principal(platform)
        kept = register_report(db, platform.box, principal, bad, "e-post", strict_identity=False)
        in_text = register_report(
            db, platform.box, principal, ReportIn(text=f"Eleven Elias Ek, {FUTURE}, är ledsen."),
            "e-post", strict_identity=False,
        )  # fmt: skip
        later = register_report(
            db, platform.box, principal, born_later, "e-post", strict_identity=False
        )
        assert kept.created and "datum i framtiden" in " ".join(kept.warnings)
        assert kept.case.child_pnr_key is None
        assert in_text.created and in_text.case.child_pnr_key is None
        assert "personnummer som inte är giltigt" in " ".join(in_text.warnings)
        assert later.created and "födelsedatum" in " ".join(later.warnings)


@pytest.mark.parametrize("written", ["141321-2380", "140631-2387", "20141321-2380"])
def test_a_number_written_as_a_personnummer_with_an_impossible_date_is_warned_of(
    platform: Platform, written: str
) -> None:
    with platform.session() as db:
        registered = register_report(
            db, platform.box, _principal(platform),
            ReportIn(text=f"Eleven Elias Nordström, {written}, har blåmärken."), "e-post",
            strict_identity=False,
        )  # fmt: skip
        assert registered.created
        assert "personnummer som inte är giltigt" in " ".join(registered.warnings)


def test_phone_and_organisation_numbers_are_not_taken_for_bad_personnummer(
    platform: Platform,
) -> None:
    with platform.session() as db:
        registered = register_report(
            db, platform.box, _principal(platform),
            ReportIn(
                text="Ring mig på 070-123 45 67 eller 08-123 456 78. Skolan (org.nr "
                "556036-0793, 16556036-0793) har ärendenummer OA-2026-00002. Barnet är ledset."
            ),
            "e-post", strict_identity=False,
        )  # fmt: skip
        assert not any("personnummer" in w for w in registered.warnings)


def test_history_finds_earlier_reports_by_personnummer_in_the_text(platform: Platform) -> None:
    _, _, first = _register(platform, ReportIn(text=REPORT), "e-post")
    other = "Grannen hör skrik. Det gäller Elias Nordström (20140621-2389) som bor i huset."
    _, _, second = _register(platform, ReportIn(text=other), "e-post")
    unrelated = "Eleven Maja Berg, 150305-1201, har stor frånvaro."
    _, _, third = _register(platform, ReportIn(text=unrelated), "e-post")
    with platform.session() as db:
        found = history(db, db.get(ConcernCase, second))
        assert [case.id for case in found] == [first]
        assert history(db, db.get(ConcernCase, third)) == []


def test_two_children_of_the_same_name_and_birth_date_are_told_apart_by_personnummer(
    platform: Platform,
) -> None:
    """Name and birth date link reports only where one has no personnummer: two different
    valid personnummer are two children, and neither's caseworker may see the other's reports."""
    name = "Elias Nordström"
    a = ReportIn(
        text="Skolan oroar sig för Elias.", child=Child(name=name, personnummer="140621-2389")
    )
    b = ReportIn(
        text="Grannen oroar sig för Elias.", child=Child(name=name, personnummer="140621-2306")
    )
    c = ReportIn(
        text="Polisen oroar sig för Elias.", child=Child(name=name, birth_date="2014-06-21")
    )
    ids = [_register(platform, report)[2] for report in (a, b, c)]
    with platform.session() as db:
        found = {i: [case.id for case in history(db, db.get(ConcernCase, i))] for i in ids}
    assert found == {ids[0]: [ids[2]], ids[1]: [ids[2]], ids[2]: [ids[0], ids[1]]}


def test_an_adults_personnummer_is_not_taken_for_the_childs(platform: Platform) -> None:
    report = "Mamman Karin Ek, 850412-1230, ringde om sin dotter som inte går till skolan."
    _, _, case_id = _register(platform, ReportIn(text=report), "e-post")
    with platform.session() as db:
        assert db.get(ConcernCase, case_id).child_pnr_key is None


def test_a_mail_reference_reused_with_another_text_is_a_case_of_its_own(
    platform: Platform,
) -> None:
    ref = "<" + "å" * 198 + ">"  # the longest a reference can be, 200 characters
    first, _, first_id = _register(platform, ReportIn(text=REPORT, source_ref=ref), "e-post")
    other = ReportIn(text="Grannen hör skrik från lägenheten varje kväll.", source_ref=ref)
    second, created, _ = _register(platform, other, "e-post")
    again, created_again, _ = _register(platform, other, "e-post")  # the same mail seen again
    _, created_same, same_id = _register(platform, ReportIn(text=REPORT, source_ref=ref), "e-post")
    assert created and second != first and (again, created_again) == (second, False)
    assert (same_id, created_same) == (first_id, False)
    with platform.session() as db:
        refs = [c.source_ref for c in db.scalars(select(ConcernCase).order_by(ConcernCase.id))]
    assert refs[0] == ref and len(refs[1]) <= 200 and refs[1] != ref


def test_a_received_date_no_deadline_can_follow_is_refused(platform: Platform) -> None:
    far = ReportIn(text=REPORT, received_at=datetime(9999, 12, 30, tzinfo=UTC))
    with pytest.raises(InvalidInput) as refused:
        _register(platform, far)
    assert refused.value.code == "received_invalid"


@pytest.mark.parametrize(
    ("received", "problem"),
    [
        (datetime(1850, 1, 1), "mottagningsdatumet 1850-01-01 ligger före 1900"),
        (datetime(1900, 1, 1), None),
        (datetime(2026, 3, 2, 23, 0, tzinfo=UTC), None),  # 00.00 on 3 March in Sweden: today
        (
            datetime(2026, 3, 3, 23, 0, tzinfo=UTC),
            "mottagningsdatumet 2026-03-03 ligger i framtiden",
        ),
        (datetime(2026, 3, 4), "mottagningsdatumet 2026-03-04 ligger i framtiden"),
        (
            datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
            "mottagningsdatumet 9999-12-31 ligger i framtiden",
        ),
    ],
)
def test_received_dates_before_1900_or_after_today_in_sweden_are_implausible(
    received: datetime, problem: str | None
) -> None:
    now = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
    assert received_problem(received, now) == problem


def test_the_same_report_by_form_and_by_mail_is_a_possible_duplicate(platform: Platform) -> None:
    """A mailed report starts with its subject line; it is not part of what makes two reports
    the same text (the form and the mailbox, or a resend with "Re:")."""
    body = "Elsa Berg, 8 år, kommer ofta hungrig till skolan och har för lite kläder."
    _, _, first_id = _register(platform, ReportIn(text=body, source_ref="form-1"))
    _, _, mailed = _register(
        platform, ReportIn(text=f"Ämne: Re: Orosanmälan\n\n{body}", source_ref="<m1@skola>")
    )
    with platform.session() as db:
        assert db.get(ConcernCase, mailed).duplicate_of_id == first_id


def test_the_register_list_names_people_and_duplicates_in_three_queries(
    platform: Platform,
) -> None:
    """The list shows user names, the duplicates' case numbers and ongoing investigations
    about the same child: one query each for the whole list, not one per listed case."""
    from sqlalchemy import event

    from tests.support.factories import make_user
    from tillit.auth.tables import User
    from tillit.concern.cases import summary_dicts

    make_user(platform, "anna", ["caseworker"])
    texts = [f"{REPORT} Tillfälle {n}." for n in range(4)]
    first = [_register(platform, ReportIn(text=t))[2] for t in texts]
    again = [_register(platform, ReportIn(text=t), "e-post")[2] for t in texts]  # duplicates
    with platform.session() as db:
        anna = db.scalar(select(User).where(User.username == "anna"))
        for case_id in first + again:
            db.get(ConcernCase, case_id).assigned_to_id = anna.id
    with platform.session() as db:
        cases = [db.get(ConcernCase, case_id) for case_id in again]
        statements: list[str] = []
        listen = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(platform.engine, "before_cursor_execute", listen)
        try:
            rows = summary_dicts(db, platform.box, cases)
        finally:
            event.remove(platform.engine, "before_cursor_execute", listen)
        numbers = {c.id: c.case_number for c in db.scalars(select(ConcernCase))}
    assert [r["assigned_to"] for r in rows] == ["anna"] * 4
    assert [r["duplicate_of"] for r in rows] == [numbers[i] for i in first]
    assert len(statements) == 3, statements
    assert [r["ongoing_investigation"] for r in rows] == [None] * 4
