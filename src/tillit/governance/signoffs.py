"""Sign-offs: a named person approves a gate in one role. A sign-off counts only for the
lifecycle cycle, record version and configuration (fingerprint) it was given for; the same
person cannot sign twice in one gate, and nobody can approve a record version they wrote."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tillit.apps.tables import App
from tillit.audit.service import record as audit
from tillit.auth.roles import Principal
from tillit.errors import Conflict, InvalidInput, PermissionDenied
from tillit.governance.fingerprint import fingerprint_hash, live_fingerprint
from tillit.governance.lifecycle import RETIRE, STATE_LABELS_SV, Gate, missing_fields, next_gate
from tillit.governance.record import ROLE_LABELS_SV
from tillit.governance.state import Current, current
from tillit.governance.tables import SignOff


def valid_signoffs(db: Session, app: App, gate: Gate, now: Current) -> list[SignOff]:
    """Sign-offs of this gate, this cycle, this record version and this configuration."""
    fingerprint = fingerprint_hash(live_fingerprint(db, app, now.record.purpose_plain))
    rows = db.scalars(
        select(SignOff)
        .where(
            SignOff.app_id == app.id,
            SignOff.gate == gate.id,
            SignOff.cycle == now.lifecycle.cycle,
        )
        .order_by(SignOff.id)
    )
    return [s for s in rows if s.record_version == now.version and s.fingerprint == fingerprint]


def gate_missing(db: Session, app: App, gate: Gate, now: Current) -> list[str]:
    missing = missing_fields(gate, now.record)
    signed = {s.role for s in valid_signoffs(db, app, gate, now)}
    missing += [
        f"Godkännande av {ROLE_LABELS_SV[role]}" for role in gate.signers if role not in signed
    ]
    return missing


def sign_off(
    db: Session,
    app: App,
    role: str,
    person: str,
    principal: Principal | None,
    *,
    retire: bool = False,
    comment: str = "",
) -> SignOff:
    """``person`` approves the next gate (or the retirement) in ``role``."""
    now = current(db, app)
    gate = pending_gate(now.lifecycle.state, retire)
    if role not in gate.signers:
        wanted = ", ".join(ROLE_LABELS_SV[r] for r in gate.signers)
        given = ROLE_LABELS_SV.get(role, role)
        raise InvalidInput(
            f"Grinden {gate.id} godkänns av rollerna {wanted}, inte {given}.", code="invalid_role"
        )
    _check_signer(db, app, gate, now, role, person)
    signoff = SignOff(
        tenant_id=app.tenant_id,
        app_id=app.id,
        gate=gate.id,
        role=role,
        person=person,
        actor=actor_name(principal, person),
        cycle=now.lifecycle.cycle,
        record_version=now.version,
        fingerprint=fingerprint_hash(live_fingerprint(db, app, now.record.purpose_plain)),
        comment=comment[:2000],
    )
    db.add(signoff)
    db.flush()
    audit(
        db,
        principal,
        "governance.signoff",
        object_type="app",
        object_id=app.id,
        tenant_id=app.tenant_id,
        actor=signoff.actor,
        detail={"app": app.name, "gate": gate.id, "role": role, "record_version": now.version},
    )
    return signoff


def pending_gate(state: str, retire: bool) -> Gate:
    if retire:
        if state == "avvecklad":
            raise InvalidInput("Appen är redan avvecklad.", code="same_state")
        return RETIRE
    step = next_gate(state)
    if step is None:
        raise InvalidInput(
            f"Läget {STATE_LABELS_SV[state]} har ingen grind framåt.", code="no_gate"
        )
    return step[1]


def _check_signer(db: Session, app: App, gate: Gate, now: Current, role: str, person: str) -> None:
    named = now.record.signatories.get(role)
    if not named or named != person:
        raise PermissionDenied(
            f"{person} är inte utsedd som {ROLE_LABELS_SV[role]} i underlaget.",
            code="not_the_named_signatory",
        )
    if now.author == person or person in _key_creators(db, app.tenant_id, now.author):
        raise PermissionDenied(
            "Den som skrev den här versionen av underlaget kan inte själv godkänna den.",
            code="approver_is_author",
        )
    for signed in valid_signoffs(db, app, gate, now):
        if signed.person == person and signed.role != role:
            raise PermissionDenied(
                f"{person} har redan godkänt som {ROLE_LABELS_SV[signed.role]}; varje roll "
                "kräver en egen person.",
                code="signer_not_distinct",
            )
        if signed.role == role:
            raise Conflict(f"Rollen {ROLE_LABELS_SV[role]} har redan godkänt.", code="signed")


def _key_creators(db: Session, tenant_id: int, author: str | None) -> set[str]:
    """The people who created the API key named by an author "key:<name>": a record written
    with one's own key is still one's own record."""
    if not author or not author.startswith("key:"):
        return set()
    from tillit.auth.tables import ApiKey, User

    rows = db.scalars(
        select(User.username)
        .join(ApiKey, ApiKey.created_by == User.id)
        .where(ApiKey.tenant_id == tenant_id, ApiKey.name == author.removeprefix("key:"))
    )
    return set(rows)


def actor_name(principal: Principal | None, person: str) -> str:
    base = principal.actor if principal else "system:governance"
    return base if principal and principal.kind == "user" else f"{base} som {person}"
