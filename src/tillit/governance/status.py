"""Where an app stands, for the staff API, page and CLI: state, the next gate with what is
missing, valid sign-offs and the history."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tillit.apps.tables import App
from tillit.governance.lifecycle import RETIRE, STATE_LABELS_SV, Gate, next_gate
from tillit.governance.record import ROLE_LABELS_SV
from tillit.governance.signoffs import gate_missing, valid_signoffs
from tillit.governance.state import Current, current, history


def _gate(db: Session, app: App, gate: Gate, target: str, now: Current) -> dict[str, Any]:
    return {
        "id": gate.id,
        "label": gate.label_sv,
        "to": target,
        "to_label": STATE_LABELS_SV[target],
        "signers": [{"role": r, "label": ROLE_LABELS_SV[r]} for r in gate.signers],
        "signed": [
            {"role": s.role, "person": s.person, "at": s.at.isoformat(), "comment": s.comment}
            for s in valid_signoffs(db, app, gate, now)
        ],
        "missing": gate_missing(db, app, gate, now),
    }


def status_dict(db: Session, app: App) -> dict[str, Any]:
    """The lifecycle as it is now: a configuration changed since approval (a new model
    version, say) is sent back for review first, as any use of the app would."""
    from tillit.governance.service import rereview_if_changed  # service → status → service

    rereview_if_changed(db, app)
    now = current(db, app)
    lifecycle = now.lifecycle
    step = next_gate(lifecycle.state)
    return {
        "app": app.name,
        "kind": app.kind,
        "app_version": app.version,
        "state": lifecycle.state,
        "state_label": STATE_LABELS_SV[lifecycle.state],
        "under_review": lifecycle.under_review,
        "review_reasons": list(lifecycle.review_reasons or []),
        "record_version": now.version,
        "record_author": now.author,
        "record": now.record.model_dump(mode="json"),
        "next_gate": _gate(db, app, step[1], step[0], now) if step else None,
        "retire_gate": _gate(db, app, RETIRE, "avvecklad", now)
        if lifecycle.state != "avvecklad"
        else None,
        "history": [
            {
                "kind": e.kind,
                "from": e.from_state,
                "to": e.to_state,
                "actor": e.actor,
                "reason": e.reason,
                "at": e.at.isoformat(),
            }
            for e in history(db, app)
        ],
    }
