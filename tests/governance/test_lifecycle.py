"""The lifecycle idé → analys → utveckling → test → produktion → avvecklad: gates that list
what is missing, sign-offs by distinct named people who did not write the record, audited
transitions, and automatic re-review when model, sources, prompt or purpose change."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.governance.lifecycle import (
    AUTHOR,
    RECORD,
    SIGNATORIES,
    apply,
    pass_gate,
    promote,
    write_record,
)
from tillit.apps.service import get_app, manifest_for_use
from tillit.audit.tables import AuditEvent
from tillit.auth.roles import Principal
from tillit.catalog.schemas import ModelUpdate
from tillit.catalog.service import resolve_by_name, update_model
from tillit.errors import Conflict, InvalidInput, PermissionDenied
from tillit.governance.record import RecordData
from tillit.governance.service import GateBlocked, NotServable, save_record, transition
from tillit.governance.signoffs import sign_off
from tillit.governance.state import get_lifecycle, history
from tillit.governance.status import status_dict
from tillit.platform import Platform

RESIDENT = Principal(1, "default", "public", None, "invånare", frozenset())
VIEWER = Principal(1, "default", "user", 7, "vera", frozenset({"viewer"}))
DEVELOPER = Principal(1, "default", "user", 8, "dev", frozenset({"developer"}))


def state(platform: Platform, name: str) -> str:
    with platform.session() as db:
        return get_lifecycle(db, get_app(db, 1, name)).state


def status(platform: Platform, name: str) -> dict:
    with platform.session() as db:
        return status_dict(db, get_app(db, 1, name))


def test_new_app_starts_as_an_idea_and_the_gate_lists_what_is_missing(platform, public_app):  # type: ignore[no-untyped-def]
    assert state(platform, public_app) == "ide"
    with platform.session() as db, pytest.raises(GateBlocked) as blocked:
        transition(db, get_app(db, 1, public_app), "analys", None, AUTHOR)
    missing = blocked.value.missing
    assert "Syfte på lättläst svenska" in missing
    assert "Klassning enligt AI-förordningen (beslutsstödet)" in missing
    assert "Godkännande av tjänsteägare" in missing
    assert any("signatories.owner" in item for item in missing)
    assert state(platform, public_app) == "ide"


def test_complete_record_and_distinct_signoffs_reach_production(platform, public_app):  # type: ignore[no-untyped-def]
    promote(platform, public_app)
    assert state(platform, public_app) == "produktion"
    with platform.session() as db:
        app = get_app(db, 1, public_app)
        steps = [(e.from_state, e.to_state) for e in history(db, app)]
        actions = list(
            db.scalars(select(AuditEvent.action).where(AuditEvent.action.like("governance.%")))
        )
    assert steps == [
        ("ide", "analys"),
        ("analys", "utveckling"),
        ("utveckling", "test"),
        ("test", "produktion"),
    ]
    assert actions.count("governance.transition") == 4
    assert actions.count("governance.signoff") == 10
    assert "governance.record" in actions


def test_each_gate_needs_its_own_assessments(platform, public_app):  # type: ignore[no-untyped-def]
    without_dpia = {
        **RECORD,
        "assessments": [a for a in RECORD["assessments"] if a["kind"] != "dpia"],
    }
    write_record(platform, public_app, record=without_dpia)
    pass_gate(platform, public_app, "analys")
    with pytest.raises(GateBlocked) as blocked:
        pass_gate(platform, public_app, "utveckling")
    assert "Konsekvensbedömning avseende dataskydd (DPIA)" in blocked.value.missing


def test_the_author_of_the_record_cannot_approve_it(platform, public_app):  # type: ignore[no-untyped-def]
    write_record(platform, public_app)
    with platform.session() as db:
        app = get_app(db, 1, public_app)
        save_record(
            db,
            app,
            RecordData.model_validate({**RECORD, "limitations": "Ny text."}),
            SIGNATORIES["owner"],
            None,
        )
    with platform.session() as db, pytest.raises(PermissionDenied) as refused:
        sign_off(db, get_app(db, 1, public_app), "owner", SIGNATORIES["owner"], None)
    assert refused.value.code == "approver_is_author"


def test_the_author_cannot_approve_a_record_written_with_their_own_api_key(platform, public_app):  # type: ignore[no-untyped-def]
    """A record written through the API with a key has the key as its author; the person who
    created that key wrote it all the same and may not approve it."""
    from tests.support.factories import make_user
    from tillit.auth.keys import create_key
    from tillit.auth.service import get_tenant
    from tillit.auth.tables import User

    write_record(platform, public_app)
    owner = make_user(platform, SIGNATORIES["owner"], ["developer"])
    with platform.session() as db:
        user = db.scalar(select(User).where(User.username == owner))
        key, _ = create_key(db, get_tenant(db, "default"), "automation", created_by=user.id)
        save_record(
            db,
            get_app(db, 1, public_app),
            RecordData.model_validate({**RECORD, "limitations": "Ny text."}),
            f"key:{key.name}",
            None,
        )
    with platform.session() as db, pytest.raises(PermissionDenied) as refused:
        sign_off(db, get_app(db, 1, public_app), "owner", owner, None)
    assert refused.value.code == "approver_is_author"


def test_one_person_cannot_sign_for_two_roles_in_one_gate(platform, public_app):  # type: ignore[no-untyped-def]
    same_person = {**RECORD, "signatories": {**SIGNATORIES, "infosec": SIGNATORIES["dpo"]}}
    write_record(platform, public_app, record=same_person)
    pass_gate(platform, public_app, "analys")
    with platform.session() as db:
        sign_off(db, get_app(db, 1, public_app), "dpo", SIGNATORIES["dpo"], None)
    with platform.session() as db, pytest.raises(PermissionDenied) as refused:
        sign_off(db, get_app(db, 1, public_app), "infosec", SIGNATORIES["dpo"], None)
    assert refused.value.code == "signer_not_distinct"


def test_only_the_named_person_signs_and_only_once(platform, public_app):  # type: ignore[no-untyped-def]
    write_record(platform, public_app)
    with platform.session() as db, pytest.raises(PermissionDenied) as refused:
        sign_off(db, get_app(db, 1, public_app), "owner", "mallory", None)
    assert refused.value.code == "not_the_named_signatory"
    with platform.session() as db:
        sign_off(db, get_app(db, 1, public_app), "owner", SIGNATORIES["owner"], None)
    with platform.session() as db, pytest.raises(Conflict):
        sign_off(db, get_app(db, 1, public_app), "owner", SIGNATORIES["owner"], None)
    with platform.session() as db, pytest.raises(InvalidInput):
        sign_off(db, get_app(db, 1, public_app), "dpo", SIGNATORIES["dpo"], None)


def test_a_new_record_version_voids_earlier_signoffs(platform, public_app):  # type: ignore[no-untyped-def]
    write_record(platform, public_app)
    with platform.session() as db:
        sign_off(db, get_app(db, 1, public_app), "owner", SIGNATORIES["owner"], None)
    assert "Godkännande av tjänsteägare" not in status(platform, public_app)["next_gate"]["missing"]
    with platform.session() as db:
        changed = RecordData.model_validate({**RECORD, "purpose_plain": "Ett nytt syfte."})
        save_record(db, get_app(db, 1, public_app), changed, AUTHOR, None)
    assert "Godkännande av tjänsteägare" in status(platform, public_app)["next_gate"]["missing"]


def test_states_cannot_be_skipped_but_steps_back_need_no_gate(platform, public_app):  # type: ignore[no-untyped-def]
    promote(platform, public_app, to="utveckling")
    with platform.session() as db, pytest.raises(InvalidInput) as refused:
        transition(db, get_app(db, 1, public_app), "produktion", None, AUTHOR)
    assert refused.value.code == "invalid_transition"
    with platform.session() as db:
        transition(db, get_app(db, 1, public_app), "analys", None, AUTHOR, "Omtag")
    assert state(platform, public_app) == "analys"


def test_high_risk_needs_a_fundamental_rights_assessment(platform, public_app):  # type: ignore[no-untyped-def]
    answers = {
        "is_ai_system": True,
        "own_development": False,
        "prohibited": False,
        "annex_iii": "5a",
        "profiling": True,
        "interacts_with_people": False,
        "generates_public_text": False,
        "generates_media": False,
        "emotion_or_biometric_categorisation": False,
    }
    write_record(platform, public_app, answers=answers)
    for target in ("analys", "utveckling", "test"):
        pass_gate(platform, public_app, target)
    with pytest.raises(GateBlocked) as blocked:
        pass_gate(platform, public_app, "produktion")
    assert blocked.value.missing == [
        "Konsekvensbedömning för grundläggande rättigheter (FRIA, art. 27)"
    ]


def test_gate_decides_who_may_use_the_app(platform, public_app):  # type: ignore[no-untyped-def]
    with pytest.raises(NotServable) as refused:
        manifest_for_use(platform, RESIDENT, public_app, public=True)
    assert refused.value.status == 403 and refused.value.code == "app_not_in_production"
    with pytest.raises(NotServable):
        manifest_for_use(platform, VIEWER, public_app)
    assert manifest_for_use(platform, DEVELOPER, public_app).name == public_app  # builders try it
    promote(platform, public_app, to="test")
    assert manifest_for_use(platform, VIEWER, public_app).name == public_app  # staff test it
    with pytest.raises(NotServable):
        manifest_for_use(platform, RESIDENT, public_app, public=True)
    pass_gate(platform, public_app, "produktion")
    assert manifest_for_use(platform, RESIDENT, public_app, public=True).name == public_app


def test_changed_prompt_sends_a_production_app_back_to_test(platform, public_app):  # type: ignore[no-untyped-def]
    promote(platform, public_app)
    apply(platform, instructions="Svara alltid på rim.")
    now = status(platform, public_app)
    assert now["state"] == "test" and now["under_review"]
    assert now["review_reasons"] == ["instruktioner eller promptmall"]
    with pytest.raises(NotServable) as refused:
        manifest_for_use(platform, RESIDENT, public_app, public=True)
    assert refused.value.code == "app_under_review"
    with platform.session() as db:
        assert db.scalar(select(AuditEvent).where(AuditEvent.action == "governance.rereview"))
    pass_gate(platform, public_app, "produktion")  # a fresh sign-off for the new configuration
    again = status(platform, public_app)
    assert again["state"] == "produktion" and not again["under_review"]


def test_changed_purpose_goes_back_to_analysis(platform, public_app):  # type: ignore[no-untyped-def]
    promote(platform, public_app)
    apply(platform, purpose="Svarar på frågor om skatter.")
    assert status(platform, public_app)["state"] == "analys"


def test_an_approved_app_cannot_change_audience_or_class_without_a_new_analysis(  # type: ignore[no-untyped-def]
    platform, public_app
):
    promote(platform, public_app)
    apply(platform, audience="staff", security_class="K1")
    now = status(platform, public_app)
    assert now["state"] == "analys" and now["under_review"]
    assert now["review_reasons"] == ["målgrupp (personal eller allmänheten)", "informationsklass"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"top_k": 12}, "antal hämtade textavsnitt"),
        ({"privacy": "pseudonymise"}, "hantering av uppgifter över modellens klass"),
    ],
)
def test_retrieval_and_privacy_handling_are_part_of_the_approval(  # type: ignore[no-untyped-def]
    platform, public_app, change, reason
):
    promote(platform, public_app)
    apply(platform, **change)
    now = status(platform, public_app)
    assert now["state"] == "test" and now["review_reasons"] == [reason]


def _new_model_version_after_production(platform, upstream, app: str) -> None:  # type: ignore[no-untyped-def]
    """The app in production with kommun-llm 2026-01; then the catalogue says 2026-06."""
    from tests.support.factories import register_upstream_model

    register_upstream_model(platform, upstream, name="kommun-llm", version="2026-01")
    apply(platform, model="kommun-llm")
    promote(platform, app)
    with platform.session() as db:
        model = resolve_by_name(db, 1, "kommun-llm")
        update_model(db, 1, model.id, ModelUpdate(version="2026-06"), platform.box)


def test_new_model_version_in_the_catalogue_is_caught_when_served(platform, upstream, public_app):  # type: ignore[no-untyped-def]
    _new_model_version_after_production(platform, upstream, public_app)
    with pytest.raises(NotServable) as refused:
        manifest_for_use(platform, RESIDENT, public_app, public=True)
    assert refused.value.code == "app_under_review"
    assert status(platform, public_app)["review_reasons"] == ["språkmodell eller modellversion"]


def test_the_status_shows_a_new_model_version_before_anyone_uses_the_app(
    platform, upstream, public_app
):  # type: ignore[no-untyped-def]
    _new_model_version_after_production(platform, upstream, public_app)
    now = status(platform, public_app)  # nobody has asked anything since the change
    assert now["under_review"] and now["review_reasons"] == ["språkmodell eller modellversion"]


def test_retirement_needs_a_reason_and_the_owner(platform, public_app):  # type: ignore[no-untyped-def]
    promote(platform, public_app)
    with platform.session() as db, pytest.raises(GateBlocked) as blocked:
        transition(db, get_app(db, 1, public_app), "avvecklad", None, AUTHOR)
    assert "Skäl för avveckling" in blocked.value.missing
    with platform.session() as db:
        retired = RecordData.model_validate({**RECORD, "retire_reason": "Ersätts av ny tjänst."})
        save_record(db, get_app(db, 1, public_app), retired, AUTHOR, None)
    with platform.session() as db:
        app = get_app(db, 1, public_app)
        sign_off(db, app, "owner", SIGNATORIES["owner"], None, retire=True)
        transition(db, app, "avvecklad", None, AUTHOR)
    with pytest.raises(NotServable) as refused:
        manifest_for_use(platform, DEVELOPER, public_app)
    assert refused.value.code == "app_retired"
