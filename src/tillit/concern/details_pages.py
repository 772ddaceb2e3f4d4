"""The case page's forms for completing a case, assigning it (concern/case_details.py),
prolonging its initial assessment (concern/extension.py) and recording the information owed
to the reporter (concern/reporter_info.py)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from tillit.concern.case_details import DetailsIn, assign_case, complete_case
from tillit.concern.cases import open_case
from tillit.concern.extension import extend_assessment
from tillit.concern.pages import back_to_case, render_case
from tillit.concern.reporter_info import (
    INFO_METHODS,
    day_in_sweden,
    mark_reporter_info_given,
    request_reporter_info,
)
from tillit.errors import InvalidInput
from tillit.platform import Platform
from tillit.validation_text import describe
from tillit.web.deps import FormDep, PlatformDep

router = APIRouter(include_in_schema=False)


def _back(platform: Platform, case_number: str, message: str) -> RedirectResponse:
    return back_to_case(platform, case_number, message, "#uppgifter")


@router.post("/arenden/{case_number}/uppgifter", response_model=None)
def details_page(
    request: Request,
    case_number: str,
    platform: PlatformDep,
    ctx: FormDep,
    child_name: Annotated[str, Form()] = "",
    child_personnummer: Annotated[str, Form()] = "",
    child_birth_date: Annotated[str, Form()] = "",
    reporter_type: Annotated[str, Form()] = "",
) -> RedirectResponse | HTMLResponse:
    typed = {
        "child_name": child_name,
        "child_personnummer": child_personnummer,
        "child_birth_date": child_birth_date,
        "reporter_type": reporter_type,
    }
    try:
        details = DetailsIn(
            child_name=child_name,
            child_personnummer=child_personnummer,
            child_birth_date=_optional_form_day(
                child_birth_date, "födelsedatumet", "child_birth_date_invalid"
            ),
            reporter_type=reporter_type or None,
        )
        with platform.session() as db:
            complete_case(db, platform.box, ctx.principal, case_number, details)
    except (ValidationError, InvalidInput) as exc:  # the page again, with what was typed
        problem = describe(exc.errors()) if isinstance(exc, ValidationError) else exc.message
        return render_case(
            request, platform, ctx, case_number, 400, details_form=typed, details_error=problem
        )
    return _back(platform, case_number, "Ärendets uppgifter är sparade.")


def _form_day(written: str, what: str, code: str) -> date:
    """A day typed in a form field as ÅÅÅÅ-MM-DD, or a refusal that names the field."""
    try:
        return date.fromisoformat(written.strip())
    except ValueError:
        raise InvalidInput(f"Skriv {what} som ÅÅÅÅ-MM-DD.", code=code) from None


def _optional_form_day(written: str, what: str, code: str) -> date | None:
    """``_form_day``, or None when the field was left empty."""
    return _form_day(written, what, code) if written.strip() else None


@router.post("/arenden/{case_number}/tilldela")
def assign_page(
    case_number: str,
    platform: PlatformDep,
    ctx: FormDep,
    user: Annotated[str, Form()] = "",
) -> RedirectResponse:
    try:
        with platform.session() as db:
            assign_case(db, ctx.principal, case_number, user or None)
    except InvalidInput as exc:
        return _back(platform, case_number, exc.message)
    return _back(
        platform, case_number, f"Ärendet är tilldelat {user}." if user else "Ingen handläggare."
    )


@router.post("/arenden/{case_number}/forlangning", response_model=None)
def extension_page(
    request: Request,
    case_number: str,
    platform: PlatformDep,
    ctx: FormDep,
    until: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> RedirectResponse | HTMLResponse:
    """Prolong the initial assessment to ``until`` for ``reason`` (20 kap. 2 § SoL). A refusal
    shows the page again with what was typed, so the reasons are not lost."""
    try:
        with platform.session() as db:
            case = open_case(db, ctx.principal, case_number)
            day = _form_day(until, "den nya sista dagen", "extension_until")
            extend_assessment(db, ctx.principal, platform.box, case, day, reason)
    except InvalidInput as exc:
        typed = {"until": until, "reason": reason}
        return render_case(
            request,
            platform,
            ctx,
            case_number,
            400,
            extension_form=typed,
            extension_error=exc.message,
        )
    done = f"Tiden för förhandsbedömningen är förlängd till {until.strip()}."
    return back_to_case(platform, case_number, done, "#forlangning")


@router.post("/arenden/{case_number}/aterkoppling")
def reporter_info_page(
    case_number: str,
    platform: PlatformDep,
    ctx: FormDep,
    action: Annotated[str, Form()] = "",
    requested_on: Annotated[str, Form()] = "",
    method: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """``action`` "begard" (the reporter asked, on ``requested_on``, default today) or "lamnad"
    (the reporter was told, by ``method``)."""
    try:
        with platform.session() as db:
            case = open_case(db, ctx.principal, case_number)
            if action == "lamnad":
                mark_reporter_info_given(db, ctx.principal, case, method)
                done = f"Återkopplingen är registrerad ({INFO_METHODS[method].lower()})."
            else:
                day = _optional_form_day(requested_on, "datumet", "requested_at")
                request_reporter_info(db, ctx.principal, case, day_in_sweden(day) if day else None)
                done = "Anmälarens begäran om återkoppling är registrerad."
    except InvalidInput as exc:
        return back_to_case(platform, case_number, exc.message, "#aterkoppling")
    return back_to_case(platform, case_number, done, "#aterkoppling")
