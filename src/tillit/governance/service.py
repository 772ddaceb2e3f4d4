"""The governance record, the lifecycle and its gates. Every change is audited; every change
that the public register shows leads to a new register version (insyn/publish.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from tillit.apps.tables import App
from tillit.audit.service import record as audit
from tillit.auth.roles import Principal
from tillit.errors import Conflict, PermissionDenied, TillitError
from tillit.governance import aiact
from tillit.governance.fingerprint import (
    BACK_TO_ANALYSIS,
    LABELS_SV,
    changed_parts,
    live_fingerprint,
)
from tillit.governance.lifecycle import STATE_LABELS_SV, Gate, gate_for, parse_state
from tillit.governance.record import RecordData
from tillit.governance.signoffs import actor_name, gate_missing
from tillit.governance.state import (
    Current,
    current,
    current_record,
    get_lifecycle,
)
from tillit.governance.tables import GovernanceRecord, Lifecycle, LifecycleEvent

__all__ = ["Current", "GateBlocked", "NotServable", "current", "current_record", "get_lifecycle"]


class GateBlocked(Conflict):
    """A gate cannot be passed; ``missing`` lists what is missing, in Swedish."""

    code = "gate_blocked"

    def __init__(self, gate: Gate, missing: list[str]) -> None:
        super().__init__(
            f"Grinden {gate.id} ({gate.label_sv}) kan inte passeras. Saknas: {'; '.join(missing)}."
        )
        self.gate = gate
        self.missing = missing


class NotServable(TillitError):
    """The app may not be used by this caller in its current lifecycle state."""

    status = 403
    code = "app_not_in_production"


# --- record ----------------------------------------------------------------------------------


def save_record(
    db: Session, app: App, data: RecordData, author: str, principal: Principal | None
) -> int:
    """A new version; the AI Act classification is kept unless the new data carries one."""
    version, previous, _ = current_record(db, app)
    if data.ai_act is None and previous.ai_act is not None:
        data = data.model_copy(update={"ai_act": previous.ai_act})
    stored = data.model_dump(mode="json")
    if version and stored == previous.model_dump(mode="json"):
        return version
    db.add(
        GovernanceRecord(
            tenant_id=app.tenant_id,
            app_id=app.id,
            version=version + 1,
            data=stored,
            created_by=author,
        )
    )
    db.flush()
    audit(
        db,
        principal,
        "governance.record",
        object_type="app",
        object_id=app.id,
        tenant_id=app.tenant_id,
        actor=actor_name(principal, author),
        detail={"app": app.name, "record_version": version + 1},
    )
    after_change(db, app, actor_name(principal, author), "Underlaget ändrades")
    return version + 1


def classify_ai_act(
    db: Session, app: App, answers: dict[str, Any], author: str, principal: Principal | None
) -> dict[str, Any]:
    classification = aiact.classify(answers, author)
    _, record, _ = current_record(db, app)
    save_record(db, app, record.model_copy(update={"ai_act": classification}), author, principal)
    return classification


# --- lifecycle -------------------------------------------------------------------------------


def transition(
    db: Session, app: App, target: str, principal: Principal | None, actor: str, reason: str = ""
) -> Lifecycle:
    now = current(db, app)
    target = parse_state(target)
    gate = gate_for(now.lifecycle.state, target)
    if gate is not None:
        missing = gate_missing(db, app, gate, now)
        if missing:
            raise GateBlocked(gate, missing)
    _move(db, app, now, target, "transition", actor_name(principal, actor), reason)
    if target == "produktion":
        live = live_fingerprint(db, app, now.record.purpose_plain)
        now.lifecycle.approved_fingerprint = live
        now.lifecycle.under_review, now.lifecycle.review_reasons = False, []
        now.lifecycle.in_use_from = now.lifecycle.in_use_from or datetime.now(UTC)
    if target == "avvecklad":
        now.lifecycle.in_use_to = datetime.now(UTC)
    audit(
        db,
        principal,
        "governance.transition",
        object_type="app",
        object_id=app.id,
        tenant_id=app.tenant_id,
        actor=actor_name(principal, actor),
        detail={"app": app.name, "to": target, "gate": gate.id if gate else None},
    )
    after_change(db, app, actor_name(principal, actor), f"Läget ändrades till {target}")
    return now.lifecycle


def audit_blocked(
    db: Session, app: App, principal: Principal | None, actor: str, target: str, exc: GateBlocked
) -> None:
    """Record a blocked attempt (call it in a new unit of work: the failed one rolls back)."""
    audit(
        db,
        principal,
        "governance.transition",
        object_type="app",
        object_id=app.id,
        tenant_id=app.tenant_id,
        outcome="blocked",
        actor=actor_name(principal, actor),
        detail={"app": app.name, "to": target, "gate": exc.gate.id, "missing": exc.missing},
    )


def _move(
    db: Session, app: App, now: Current, target: str, kind: str, actor: str, reason: str
) -> None:
    lifecycle = now.lifecycle
    db.add(
        LifecycleEvent(
            tenant_id=app.tenant_id,
            app_id=app.id,
            kind=kind,
            from_state=lifecycle.state,
            to_state=target,
            actor=actor,
            reason=reason[:2000],
            detail={"record_version": now.version, "cycle": lifecycle.cycle},
        )
    )
    lifecycle.state = target
    lifecycle.cycle += 1
    db.flush()


def rereview_if_changed(db: Session, app: App) -> bool:
    """Production apps whose approved configuration changed (``fingerprint.py``) go back: to
    analysis when the purpose, audience or information class changed, otherwise to test. The
    register shows it."""
    now = current(db, app)
    lifecycle = now.lifecycle
    if lifecycle.state != "produktion" or not lifecycle.approved_fingerprint:
        return False
    live = live_fingerprint(db, app, now.record.purpose_plain)
    changed = changed_parts(lifecycle.approved_fingerprint, live)
    if not changed:
        return False
    target = "analys" if BACK_TO_ANALYSIS & set(changed) else "test"
    reasons = [LABELS_SV[key] for key in changed]
    _move(db, app, now, target, "rereview", "system:governance", "Ändrat: " + ", ".join(reasons))
    lifecycle.under_review, lifecycle.review_reasons = True, reasons
    audit(
        db,
        None,
        "governance.rereview",
        object_type="app",
        object_id=app.id,
        tenant_id=app.tenant_id,
        actor="system:governance",
        detail={"app": app.name, "to": target, "changed": changed},
    )
    after_change(db, app, "system:governance", "Ny granskning: " + ", ".join(reasons))
    return True


# --- serving ---------------------------------------------------------------------------------


def refusal(db: Session, app: App, principal: Principal, public: bool) -> NotServable | None:
    """Why this caller may not use the app now, or None. Residents: production only. Staff:
    test and production; before test only the app's builders (models:write) may try it."""
    lifecycle = get_lifecycle(db, app)
    state = lifecycle.state
    if state == "avvecklad":
        return NotServable("Tjänsten är avvecklad och används inte längre.", code="app_retired")
    if state == "produktion" or (not public and state == "test"):
        return None
    if not public and principal.can("models:write"):
        return None
    if lifecycle.under_review:
        return NotServable(
            "Tjänsten är tillfälligt stängd: en ändring granskas innan den används igen "
            "(under ny granskning).",
            code="app_under_review",
        )
    where = "i produktion" if public else "i test eller produktion"
    return NotServable(
        f"Tjänsten är inte godkänd för användning ännu (läge: {STATE_LABELS_SV[state]}). "
        f"Den kan användas när den är {where}.",
        code="app_not_in_production",
    )


def after_change(db: Session, app: App, actor: str, reason: str) -> None:
    from tillit.insyn.publish import publish_if_changed

    publish_if_changed(db, app, actor, reason)


def person_of(principal: Principal, as_person: str | None) -> str:
    """Who acts: a logged-in user is themself; the local CLI names the person (--as)."""
    if principal.kind == "user":
        return principal.name
    if principal.kind == "system" and as_person:
        return as_person
    raise PermissionDenied(
        "Bara en inloggad person (eller CLI med --as) kan skriva underlag och godkänna.",
        code="person_required",
    )
