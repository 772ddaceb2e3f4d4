"""The lifecycle and its gates, as data. A gate lists what the record must hold and who must
sign; ``missing_for`` says, in Swedish, what is still missing. A later gate also requires
everything an earlier gate required, so nothing can be removed after it was approved."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tillit.errors import InvalidInput
from tillit.governance.record import ASSESSMENT_LABELS_SV, ROLE_LABELS_SV, RecordData

STATES = ("ide", "analys", "utveckling", "test", "produktion", "avvecklad")
STATE_LABELS_SV = {
    "ide": "Idé",
    "analys": "Analys",
    "utveckling": "Utveckling",
    "test": "Test",
    "produktion": "Produktion",
    "avvecklad": "Avvecklad",
}
ALIASES = {"idé": "ide", "ide": "ide"}
# What the public register shows (three states, as in the Algoritmeregister and ATRS).
PUBLIC_STATUS = {
    "ide": "under_utveckling",
    "analys": "under_utveckling",
    "utveckling": "under_utveckling",
    "test": "under_utveckling",
    "produktion": "i_bruk",
    "avvecklad": "ur_bruk",
}
PUBLIC_STATUS_LABELS_SV = {
    "under_utveckling": "Under utveckling",
    "i_bruk": "I bruk",
    "ur_bruk": "Ur bruk",
}


@dataclass(frozen=True)
class Requirement:
    key: str
    label_sv: str
    met: Callable[[RecordData], bool]


def _field(name: str, label: str) -> Requirement:
    return Requirement(name, label, lambda r: bool((getattr(r, name) or "").strip()))


def _assessment(kind: str, when: Callable[[RecordData], bool] = lambda _r: True) -> Requirement:
    def met(record: RecordData) -> bool:
        if not when(record):
            return True
        latest = record.latest_assessment(kind)
        return latest is not None and latest.outcome != "underkänd"

    return Requirement(f"assessment:{kind}", ASSESSMENT_LABELS_SV[kind], met)


def _high_risk(record: RecordData) -> bool:
    return bool(record.ai_act and record.ai_act.get("risk_group") == "hög")


def _not_prohibited(record: RecordData) -> bool:
    return not (record.ai_act and record.ai_act.get("risk_group") == "förbjuden")


G0_REQUIRES = (
    _field("purpose_plain", "Syfte på lättläst svenska"),
    _field("owner_role", "Ansvarig funktion (tjänsteägare)"),
    Requirement("contact", "Kontaktuppgift (funktionsbrevlåda)", lambda r: bool(r.contact_email)),
    Requirement(
        "ai_act", "Klassning enligt AI-förordningen (beslutsstödet)", lambda r: bool(r.ai_act)
    ),
    Requirement("not_prohibited", "Användningen får inte vara förbjuden (art. 5)", _not_prohibited),
)
G1_REQUIRES = (
    _field("legal_basis", "Rättslig grund"),
    _assessment("dpia"),
    _assessment("information_classification"),
    _assessment("ethics"),
)
G2_REQUIRES = (
    Requirement("risks", "Risker och åtgärder (minst en)", lambda r: bool(r.risks)),
    _field("human_oversight", "Mänsklig tillsyn"),
    _field("limitations", "Kända begränsningar"),
    _assessment("evaluation"),
)
G3_REQUIRES = (
    _field("appeal_route", "Hur man klagar eller överklagar"),
    _assessment("accessibility"),
    _assessment("fria", when=_high_risk),
)


@dataclass(frozen=True)
class Gate:
    id: str
    label_sv: str
    requires: tuple[Requirement, ...]
    signers: tuple[str, ...]


GATES: dict[tuple[str, str], Gate] = {
    ("ide", "analys"): Gate("G0", "Från idé till analys", G0_REQUIRES, ("owner",)),
    ("analys", "utveckling"): Gate(
        "G1", "Analys godkänd", G0_REQUIRES + G1_REQUIRES, ("owner", "dpo", "infosec", "legal")
    ),
    ("utveckling", "test"): Gate(
        "G2", "Redo för test", G0_REQUIRES + G1_REQUIRES + G2_REQUIRES, ("owner", "infosec")
    ),
    ("test", "produktion"): Gate(
        "G3",
        "Redo för produktion",
        G0_REQUIRES + G1_REQUIRES + G2_REQUIRES + G3_REQUIRES,
        ("owner", "dpo", "legal"),
    ),
}
RETIRE = Gate(
    "avveckling",
    "Avveckling",
    (_field("retire_reason", "Skäl för avveckling"),),
    ("owner",),
)


def parse_state(value: str) -> str:
    state = ALIASES.get(value.strip().lower(), value.strip().lower())
    if state not in STATES:
        raise InvalidInput(
            f"Okänt läge '{value}'; giltiga: {', '.join(STATES)}.", code="invalid_state"
        )
    return state


def gate_for(current: str, target: str) -> Gate | None:
    """The gate of a forward step; None for a step back (always allowed, still audited).
    Raises for a step that skips a state or goes nowhere."""
    if target == current:
        raise InvalidInput(f"Appen är redan i läget {STATE_LABELS_SV[target]}.", code="same_state")
    if target == "avvecklad":
        return RETIRE
    if STATES.index(target) < STATES.index(current):
        return None
    gate = GATES.get((current, target))
    if gate is None:
        raise InvalidInput(
            f"Från {STATE_LABELS_SV[current]} går det bara att gå ett steg framåt "
            f"(inte till {STATE_LABELS_SV[target]}).",
            code="invalid_transition",
        )
    return gate


def next_gate(current: str) -> tuple[str, Gate] | None:
    for (source, target), gate in GATES.items():
        if source == current:
            return target, gate
    return None


def missing_fields(gate: Gate, record: RecordData) -> list[str]:
    """Record requirements not met, plus roles with no named person."""
    missing = [req.label_sv for req in gate.requires if not req.met(record)]
    for role in gate.signers:
        if not record.signatories.get(role):
            missing.append(f"Utsedd person för rollen {ROLE_LABELS_SV[role]} (signatories.{role})")
    return missing
