"""JSON API for concern cases (social-services roles only; every read audited)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from tillit.concern.case_analysis import analyse_case, case_passages, review_passage
from tillit.concern.case_details import DetailsIn, assign_case, complete_case
from tillit.concern.cases import (
    case_number_of,
    detail_dict,
    history_dicts,
    list_cases,
    mark_protective_assessment,
    open_case,
    set_status,
    shown_history,
    summary_dict,
    summary_dicts,
)
from tillit.concern.extension import ExtensionIn, extend_assessment
from tillit.concern.language_models import allowed_names, set_language_models
from tillit.concern.letter_service import (
    LetterIn,
    approve_letter,
    case_letters,
    discard_letter,
    dispatch_letter,
    draft_letter,
    letter_dict,
    letter_file,
)
from tillit.concern.model_labels import label_case
from tillit.concern.model_summary import summarise_case
from tillit.concern.register import read_analysis, register_report
from tillit.concern.reporter_info import (
    InfoGivenIn,
    InfoRequestIn,
    mark_reporter_info_given,
    request_reporter_info,
)
from tillit.concern.schemas import ReportIn, ReviewIn, StatusIn
from tillit.web.deps import PlatformDep, PrincipalDep

router = APIRouter(prefix="/api/concern", tags=["concern"])


@router.post("/cases", status_code=201)
def register(report: ReportIn, platform: PlatformDep, principal: PrincipalDep) -> JSONResponse:
    """Register a report (channel ``api``). The same ``source_ref`` twice gives the same case
    (200 instead of 201)."""
    principal.require("cases:write")
    with platform.session() as db:
        registered = register_report(db, platform.box, principal, report, "api")
        body = {
            "case_number": registered.case.case_number,
            "created": registered.created,
            "duplicate_of": case_number_of(db, registered.case.duplicate_of_id),
            "warnings": list(registered.warnings),
            "warning_codes": list(registered.warning_codes),
        }
    return JSONResponse(body, status_code=201 if registered.created else 200)


@router.get("/cases")
def cases(
    platform: PlatformDep,
    principal: PrincipalDep,
    status: str | None = None,
    q: str | None = None,
) -> list[dict[str, Any]]:
    with platform.session() as db:
        found = list_cases(db, platform.box, principal, status=status, query=q)
        return summary_dicts(db, platform.box, found)


@router.get("/cases/{case_number}")
def case(case_number: str, platform: PlatformDep, principal: PrincipalDep) -> dict[str, Any]:
    with platform.session() as db:
        found = open_case(db, principal, case_number)
        data = detail_dict(db, platform.box, found)
        analysis = read_analysis(platform.box, found)
        data["analysis"] = {k: v for k, v in analysis.items() if k != "warnings"}
        data["passages"] = case_passages(db, found)
        earlier = shown_history(db, principal, found)
        data["history"] = history_dicts(db, platform.box, earlier)
        return data


@router.post("/cases/{case_number}/status")
def change_status(
    case_number: str, change: StatusIn, platform: PlatformDep, principal: PrincipalDep
) -> dict[str, Any]:
    with platform.session() as db:
        found = open_case(db, principal, case_number)
        set_status(db, principal, found, change.status)
        return summary_dict(db, platform.box, found)


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user: str | None = Field(default=None, max_length=200)
    """A caseworker's user name; null: nobody."""


@router.post("/cases/{case_number}/details")
def complete_details(
    case_number: str, details: DetailsIn, platform: PlatformDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Complete what intake could not know: the child's name, personnummer, birth date and
    the reporter type (letters need the child). Fields left out are unchanged."""
    with platform.session() as db:
        found = complete_case(db, platform.box, principal, case_number, details)
        return detail_dict(db, platform.box, found)


@router.post("/cases/{case_number}/assign")
def assign_to(
    case_number: str, choice: AssignIn, platform: PlatformDep, principal: PrincipalDep
) -> dict[str, Any]:
    with platform.session() as db:
        found = assign_case(db, principal, case_number, choice.user)
        return summary_dict(db, platform.box, found)


@router.post("/cases/{case_number}/protective-assessment")
def protective_assessment(
    case_number: str, platform: PlatformDep, principal: PrincipalDep
) -> dict[str, Any]:
    with platform.session() as db:
        found = open_case(db, principal, case_number)
        mark_protective_assessment(db, principal, found)
        return summary_dict(db, platform.box, found)


@router.post("/cases/{case_number}/assessment-extension")
def assessment_extension(
    case_number: str, body: ExtensionIn, platform: PlatformDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Prolong the initial assessment for exceptional reasons (20 kap. 2 § SoL): ``until`` the
    new last day, ``reason`` the reasons. The case's details with ``assessment_extension``."""
    with platform.session() as db:
        found = open_case(db, principal, case_number)
        extend_assessment(db, principal, platform.box, found, body.until, body.reason)
        return detail_dict(db, platform.box, found)


@router.post("/cases/{case_number}/reporter-info/request")
def reporter_info_request(
    case_number: str, body: InfoRequestIn, platform: PlatformDep, principal: PrincipalDep
) -> dict[str, Any]:
    """The reporter asked to be told the decision (19 kap. 6 § SoL): the answer is due a week
    after the decision, or at once when the request came later."""
    with platform.session() as db:
        found = open_case(db, principal, case_number)
        request_reporter_info(db, principal, found, body.requested_at)
        return summary_dict(db, platform.box, found)


@router.post("/cases/{case_number}/reporter-info/given")
def reporter_info_given(
    case_number: str, body: InfoGivenIn, platform: PlatformDep, principal: PrincipalDep
) -> dict[str, Any]:
    """The reporter was told the decision (``method``: telefon, brev, e-post or mote)."""
    with platform.session() as db:
        found = open_case(db, principal, case_number)
        mark_reporter_info_given(db, principal, found, body.method)
        return summary_dict(db, platform.box, found)


@router.post("/cases/{case_number}/analyse")
def analyse(case_number: str, platform: PlatformDep, principal: PrincipalDep) -> dict[str, Any]:
    return analyse_case(platform, principal, case_number)


@router.post("/cases/{case_number}/passages/{position}/review")
def review(
    case_number: str,
    position: int,
    decision: ReviewIn,
    platform: PlatformDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    return review_passage(platform, principal, case_number, position, decision)


# -- letters ----------------------------------------------------------------------------------


@router.post("/cases/{case_number}/letters", status_code=201)
def draft(
    case_number: str, letter: LetterIn, platform: PlatformDep, principal: PrincipalDep
) -> dict[str, Any]:
    with platform.session() as db:
        return letter_dict(platform, draft_letter(platform, db, principal, case_number, letter))


@router.get("/cases/{case_number}/letters")
def letters(case_number: str, platform: PlatformDep, principal: PrincipalDep) -> list[dict]:
    with platform.session() as db:
        return case_letters(platform, db, open_case(db, principal, case_number))


@router.post("/cases/{case_number}/letters/{letter_id}/approve")
def approve(
    case_number: str, letter_id: int, platform: PlatformDep, principal: PrincipalDep
) -> dict[str, Any]:
    with platform.session() as db:
        approved = approve_letter(platform, db, principal, case_number, letter_id)
        return letter_dict(platform, approved)


@router.post("/cases/{case_number}/letters/{letter_id}/discard")
def discard(
    case_number: str, letter_id: int, platform: PlatformDep, principal: PrincipalDep
) -> dict[str, Any]:
    with platform.session() as db:
        return letter_dict(platform, discard_letter(db, principal, case_number, letter_id))


@router.get("/cases/{case_number}/letters/{letter_id}/file")
def letter_download(
    case_number: str,
    letter_id: int,
    platform: PlatformDep,
    principal: PrincipalDep,
    format: str = "pdf",
) -> Response:
    with platform.session() as db:
        content, name, media = letter_file(platform, db, principal, case_number, letter_id, format)
    return Response(
        content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


class DispatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    method: str


@router.post("/cases/{case_number}/letters/{letter_id}/dispatch")
def dispatch(
    case_number: str,
    letter_id: int,
    body: DispatchIn,
    platform: PlatformDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    with platform.session() as db:
        letter = dispatch_letter(db, principal, case_number, letter_id, body.method)
        return letter_dict(platform, letter)


class CaseModelIn(BaseModel):
    """The catalogue name of the language model to ask."""

    model_config = ConfigDict(extra="forbid")

    model: str


class LanguageModelsIn(BaseModel):
    """The catalogue names of the language models the analysis support may use."""

    model_config = ConfigDict(extra="forbid")

    language_models: list[str] = Field(max_length=20)


@router.get("/language-models")
def language_models(platform: PlatformDep, principal: PrincipalDep) -> dict[str, list[str]]:
    """Which language models may summarise or label a case (``language_models.py``)."""
    principal.require("governance:read")
    with platform.session() as db:
        return {"language_models": allowed_names(db, principal.tenant_id)}


@router.put("/language-models")
def set_models(
    body: LanguageModelsIn, platform: PlatformDep, principal: PrincipalDep
) -> dict[str, list[str]]:
    """Replace the list (administrators). A change after production sends the service back to
    test."""
    with platform.session() as db:
        chosen = set_language_models(db, principal, body.language_models)
    return {"language_models": chosen}


@router.post("/cases/{case_number}/model-summary")
def model_summary(
    case_number: str, body: CaseModelIn, platform: PlatformDep, principal: PrincipalDep
) -> dict[str, Any]:
    """A summary written by a configured language model (K3, or K2 with pseudonymisation)."""
    return summarise_case(platform, principal, case_number, body.model)


@router.post("/cases/{case_number}/model-labels")
def model_labels(
    case_number: str, body: CaseModelIn, platform: PlatformDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Labels for the analysed passages from a configured language model (a suggestion):
    ``{"model", "run_id", "passages": {"<position>": [labels]}}``."""
    return label_case(platform, principal, case_number, body.model)
