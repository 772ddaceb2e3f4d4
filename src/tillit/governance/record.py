"""The governance record: what only people know, as a validated document. Stored as JSON, one
immutable version per save (governance/tables.py). Public fields are shown in the register;
``signatories`` (who may sign in which role) and each supplier's ``contract_ref`` are internal.
Field names follow /work/shared/insyn-fields.md §2.1; every field is optional, so records
stored before a field existed still validate."""

from __future__ import annotations

from datetime import date as Date
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from tillit.errors import InvalidInput
from tillit.validation_text import describe, has_unpaired_surrogate, yaml_problem

MAX_RECORD_BYTES = 256 * 1024
URL = r"^https?://"

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


PersonalData = Literal["identifierade", "pseudonymiserade", "inga"]
PERSONAL_DATA_LABELS_SV = {
    "identifierade": "Ja, personuppgifter som pekar ut enskilda personer",
    "pseudonymiserade": "Ja, men pseudonymiserade (namn och liknande är utbytta)",
    "inga": "Nej, inga personuppgifter",
}
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200)]


def _text(limit: int) -> Any:
    return Field(default=None, max_length=limit)


def _url() -> Any:
    return Field(default=None, max_length=1000, pattern=URL)


def _items(limit: int) -> Any:
    return Field(default_factory=list, max_length=limit)


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


class Supplier(BaseModel):
    """A supplier of the service (besides the suppliers of the models, which the catalogue
    knows). ``contract_ref`` is internal and never published."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    org_no: str | None = Field(default=None, max_length=50)
    """Organisation number (organisationsnummer) or a foreign company number."""
    role: str | None = _text(500)
    procurement_procedure: str | None = _text(500)
    data_access_terms: str | None = _text(2000)
    contract_ref: str | None = _text(200)
    """Internal: the contract's reference (diarienummer)."""


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

    # Meta and summary
    national_id: str | None = _text(100)
    """The service's id in a national register, when it has one."""
    summary_plain: str | None = _text(400)
    """A short summary in easy-to-read Swedish; without it the purpose, shortened."""
    public_page_url: str | None = _url()
    """A page about the service on the municipality's own site; without it the register uses
    the service's page in Tillit (public apps)."""
    theme: list[ShortText] = _items(10)
    team: str | None = _text(200)
    # Suppliers
    suppliers: list[Supplier] = _items(30)
    # Purpose
    goal_and_impact: str | None = _text(4000)
    scope_in: str | None = _text(2000)
    benefit: str | None = _text(4000)
    previous_process: str | None = _text(4000)
    alternatives: str | None = _text(4000)
    proportionality: str | None = _text(4000)
    # Legal
    processing_register_url: str | None = _url()
    privacy_notice_url: str | None = _url()
    # Decision process
    process_integration: str | None = _text(4000)
    output_provided: str | None = _text(2000)
    frequency_scale: str | None = _text(1000)
    staff_training: str | None = _text(4000)
    # Technology
    architecture_url: str | None = _url()
    source_code_url: str | None = _url()
    # Data
    data_categories: str | None = _text(2000)
    personal_data: PersonalData | None = None
    special_categories: list[ShortText] = _items(20)
    data_collection: str | None = _text(4000)
    sharing_agreements: str | None = _text(4000)
    storage_location_retention: str | None = _text(4000)
    # Fairness
    non_discrimination: str | None = _text(4000)
    protected_attributes_used: list[ShortText] = _items(20)
    # Assessments and the AI Act
    assessments_not_done_reason: str | None = _text(4000)
    eu_db_url: str | None = _url()
    # Accessibility
    accessibility_statement_url: str | None = _url()
    wcag_level: str | None = _text(50)
    """E.g. 'WCAG 2.1 AA'."""
    # Maintenance
    review_schedule: str | None = _text(1000)
    next_review: Date | None = None
    monitoring_metrics: list[Annotated[str, StringConstraints(min_length=1, max_length=300)]] = (
        _items(30)
    )

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
    except RecursionError:  # nesting too deep for the parser
        raise InvalidInput("Underlaget är för djupt nästlat.", code="invalid_record") from None
    if has_unpaired_surrogate(data):
        raise InvalidInput("Underlaget innehåller ogiltiga Unicode-tecken.", code="invalid_record")
    if not isinstance(data, dict):
        raise InvalidInput("Underlaget måste vara en YAML-mappning.", code="invalid_record")
    data.pop("ai_act", None)  # only the decision aid sets the classification
    return validate_record(data)


def dump_record(record: RecordData) -> str:
    """The record as YAML for editing. An empty record is written with every field, empty and
    grouped under comments, so that an editor sees what there is to fill in."""
    data = record.model_dump(mode="json", exclude_defaults=True)
    if data:
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    return _skeleton(record)


def _skeleton(record: RecordData) -> str:
    data = record.model_dump(mode="json", exclude={"ai_act"})
    parts = [SKELETON_HELP]
    for title, keys, help_text in SKELETON_GROUPS:
        group = {key: data.pop(key) for key in keys}
        parts.append(f"\n# --- {title} ---\n{help_text}")
        parts.append(yaml.safe_dump(group, allow_unicode=True, sort_keys=False))
    if data:  # a field no group names yet
        parts.append("\n# --- Övrigt ---\n")
        parts.append(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return "".join(parts)


SKELETON_HELP = (
    "# Fyll i fälten; text med kolon skrivs inom citattecken.\n"
    "# signatories: vem som godkänner i varje roll, t.ex.\n"
    "#   signatories: {owner: olle, dpo: dora, infosec: ivar, legal: lisa}\n"
    "#   (owner = tjänsteägare, dpo = dataskyddsombud, infosec = informationssäkerhet,\n"
    "#   legal = jurist). Var och en ska vara en egen person, inte den som skriver underlaget.\n"
)
SUPPLIERS_HELP = (
    "# suppliers: andra leverantörer än modellernas (de läggs till automatiskt), t.ex.\n"
    "#   - {name: Drift AB, org_no: 556000-0000, role: Driftleverantör,\n"
    "#      procurement_procedure: Avrop från ramavtal, data_access_terms: Ingen åtkomst,\n"
    "#      contract_ref: KS 2026/12}\n"
    "#   contract_ref är internt och publiceras inte.\n"
)
SKELETON_GROUPS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "Sammanfattning",
        ("purpose_plain", "summary_plain", "public_page_url", "national_id", "theme"),
        "# summary_plain: högst 400 tecken lättläst svenska. theme: en lista, t.ex. [Bygga, bo]\n",
    ),
    (
        "Ansvar och kontakt",
        (
            "department",
            "team",
            "owner_role",
            "contact_email",
            "contact_url",
            "report_error_url",
            "political_decision_ref",
            "signatories",
        ),
        "",
    ),
    ("Leverantörer", ("suppliers",), SUPPLIERS_HELP),
    (
        "Syfte",
        (
            "goal_and_impact",
            "scope_in",
            "scope_out",
            "benefit",
            "previous_process",
            "alternatives",
            "proportionality",
        ),
        "",
    ),
    (
        "Rättslig grund",
        ("legal_basis", "legal_refs", "processing_register_url", "privacy_notice_url"),
        "# legal_refs: t.ex. [{title: Förvaltningslag (2017:900), url: https://…}]\n",
    ),
    (
        "Användning och beslut",
        (
            "process_integration",
            "output_provided",
            "frequency_scale",
            "human_oversight",
            "staff_training",
            "appeal_route",
            "limitations",
        ),
        "",
    ),
    ("Teknik", ("architecture_url", "source_code_url"), ""),
    (
        "Uppgifter",
        (
            "data_categories",
            "personal_data",
            "special_categories",
            "data_collection",
            "sharing_agreements",
            "storage_location_retention",
        ),
        "# personal_data: identifierade, pseudonymiserade eller inga.\n",
    ),
    ("Likabehandling", ("non_discrimination", "protected_attributes_used"), ""),
    (
        "Risker och bedömningar",
        ("risks", "assessments", "assessments_not_done_reason", "eu_db_url"),
        "# assessments: t.ex. [{kind: dpia, date: 2026-01-15, outcome: godkänd, by: …}]\n",
    ),
    ("Tillgänglighet", ("accessibility_statement_url", "wcag_level"), ""),
    (
        "Uppföljning",
        ("review_schedule", "next_review", "monitoring_metrics"),
        "# next_review: ett datum, t.ex. 2026-12-31\n",
    ),
    ("Registret", ("in_register", "retire_reason"), ""),
    ("På engelska (valfritt)", ("en",), ""),
)
