"""The governance record: what only people know, as a validated document. Stored as JSON, one
immutable version per save (governance/tables.py). Public fields are shown in the register;
``signatories`` (who may sign in which role) is internal."""

from __future__ import annotations

from datetime import date as Date
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tillit.errors import InvalidInput
from tillit.validation_text import describe, yaml_problem

MAX_RECORD_BYTES = 256 * 1024

SIGNOFF_ROLES = ("owner", "dpo", "infosec", "legal")
ROLE_LABELS_SV = {
    "owner": "tjänsteägare",
    "dpo": "dataskyddsombud",
    "infosec": "informationssäkerhet",
    "legal": "jurist",
}
AssessmentKind = Literal[
    "dpia",
    "information_classification",
    "ethics",
    "accessibility",
    "fria",
    "evaluation",
    "red_teaming",
    "security",
]
ASSESSMENT_LABELS_SV = {
    "dpia": "Konsekvensbedömning avseende dataskydd (DPIA)",
    "information_classification": "Informationsklassning",
    "ai_act": "Klassning enligt AI-förordningen",
    "ethics": "Etisk bedömning",
    "accessibility": "Tillgänglighetsgranskning (WCAG 2.1 AA)",
    "fria": "Konsekvensbedömning för grundläggande rättigheter (FRIA, art. 27)",
    "evaluation": "Utvärdering på svensk testmängd",
    "red_teaming": "Angreppstest (bl.a. promptinjektion)",
    "security": "Säkerhetsgranskning",
}
Outcome = Literal["godkänd", "godkänd_med_åtgärder", "ej_nödvändig", "underkänd"]
OUTCOME_LABELS_SV = {
    "godkänd": "Godkänd",
    "godkänd_med_åtgärder": "Godkänd med åtgärder",
    "ej_nödvändig": "Inte nödvändig (efter förhandsbedömning)",
    "underkänd": "Underkänd",
}


class Link(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=300)
    url: str | None = Field(default=None, max_length=1000, pattern=r"^https?://")


class Risk(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    mitigation: str = Field(min_length=1, max_length=2000)
    residual: str = Field(default="", max_length=500)


class Assessment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: AssessmentKind
    date: Date
    outcome: Outcome
    by: str = Field(min_length=1, max_length=200)
    summary: str = Field(default="", max_length=4000)
    link: str | None = Field(default=None, max_length=1000, pattern=r"^https?://")


class English(BaseModel):
    """Optional English versions of the public texts."""

    model_config = ConfigDict(extra="forbid")
    purpose: str | None = Field(default=None, max_length=2000)
    human_oversight: str | None = Field(default=None, max_length=4000)
    appeal_route: str | None = Field(default=None, max_length=4000)
    limitations: str | None = Field(default=None, max_length=4000)


class RecordData(BaseModel):
    model_config = ConfigDict(extra="forbid")

    purpose_plain: str | None = Field(default=None, max_length=2000)
    """The purpose in plain Swedish (B1 level): what the service does for whom."""
    scope_out: str | None = Field(default=None, max_length=2000)
    legal_basis: str | None = Field(default=None, max_length=4000)
    legal_refs: list[Link] = Field(default_factory=list, max_length=30)
    department: str | None = Field(default=None, max_length=200)
    owner_role: str | None = Field(default=None, max_length=200)
    """The accountable function (not a person's name), e.g. 'Chef för kontaktcenter'."""
    contact_email: str | None = Field(default=None, max_length=200, pattern=r"^[^@\s]+@[^@\s]+$")
    contact_url: str | None = Field(default=None, max_length=1000, pattern=r"^https?://")
    report_error_url: str | None = Field(default=None, max_length=1000, pattern=r"^https?://")
    human_oversight: str | None = Field(default=None, max_length=4000)
    appeal_route: str | None = Field(default=None, max_length=4000)
    limitations: str | None = Field(default=None, max_length=4000)
    risks: list[Risk] = Field(default_factory=list, max_length=50)
    assessments: list[Assessment] = Field(default_factory=list, max_length=100)
    ai_act: dict[str, Any] | None = None
    """Filled by the decision aid (governance/aiact.py), not by hand."""
    political_decision_ref: str | None = Field(default=None, max_length=500)
    in_register: bool = False
    """Staff apps appear in the public register only when this is true (public apps always)."""
    retire_reason: str | None = Field(default=None, max_length=2000)
    signatories: dict[Literal["owner", "dpo", "infosec", "legal"], str] = Field(
        default_factory=dict
    )
    """Internal: the person (user name) who may sign in each role."""
    en: English = Field(default_factory=English)

    def latest_assessment(self, kind: str) -> Assessment | None:
        found = [a for a in self.assessments if a.kind == kind]
        return max(found, key=lambda a: a.date) if found else None


def validate_record(data: dict[str, Any]) -> RecordData:
    try:
        return RecordData.model_validate(data)
    except ValidationError as exc:
        problems = describe(exc.errors())
        raise InvalidInput(f"Ogiltigt underlag: {problems}", code="invalid_record") from None


def parse_record(raw: str | bytes) -> RecordData:
    if len(raw) > MAX_RECORD_BYTES:
        raise InvalidInput("Underlaget är för stort.", code="record_too_large")
    try:
        data = yaml.safe_load(raw) or {}
    except yaml.YAMLError as exc:
        raise InvalidInput(yaml_problem(exc, "Underlaget"), code="invalid_record") from None
    if not isinstance(data, dict):
        raise InvalidInput("Underlaget måste vara en YAML-mappning.", code="invalid_record")
    data.pop("ai_act", None)  # only the decision aid sets the classification
    return validate_record(data)


def dump_record(record: RecordData) -> str:
    """The record as YAML for editing. An empty record is written with every field, empty,
    so that an editor sees what there is to fill in."""
    data = record.model_dump(mode="json", exclude_defaults=True)
    if data:
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    skeleton = record.model_dump(mode="json", exclude={"ai_act"})
    return SKELETON_HELP + yaml.safe_dump(skeleton, allow_unicode=True, sort_keys=False)


SKELETON_HELP = (
    "# Fyll i fälten; text med kolon skrivs inom citattecken.\n"
    "# signatories: vem som godkänner i varje roll, t.ex.\n"
    "#   signatories: {owner: olle, dpo: dora, infosec: ivar, legal: lisa}\n"
    "#   (owner = tjänsteägare, dpo = dataskyddsombud, infosec = informationssäkerhet,\n"
    "#   legal = jurist). Var och en ska vara en egen person, inte den som skriver underlaget.\n"
)
