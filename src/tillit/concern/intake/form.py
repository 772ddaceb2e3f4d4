"""The public web form for concern reports (no login), with a receipt.

Each form page carries a one-time token; it is the submission's source ref, so a form sent twice
(double click, reload, back and resend) registers one case and shows the same receipt. A refused
submission is shown again with everything the reporter wrote, and the reason next to the field.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from starlette.datastructures import FormData

from tillit.auth.roles import Principal
from tillit.auth.service import get_tenant
from tillit.concern.register import register_report
from tillit.concern.schemas import (
    DUTY_TO_REPORT,
    EMAIL,
    MAX_REPORT_CHARS,
    REPORTER_TYPES,
    Child,
    Reporter,
    ReportIn,
    anonymous_with_duty,
)
from tillit.errors import InvalidInput
from tillit.platform import Platform
from tillit.swedish_time import in_sweden
from tillit.web.deps import PlatformDep
from tillit.web.pages import render
from tillit.web.ratelimit import REPORTS, check_public, report_message, retry_after

router = APIRouter(include_in_schema=False)
FIELDS = (
    "reporter_type", "anonymous", "reporter_name", "reporter_organisation", "reporter_email",
    "reporter_phone", "child_name", "child_personnummer", "child_birth_date", "child_address",
    "text", "form_token",
)  # fmt: skip
FORM_FIELD_BYTES = 12 * MAX_REPORT_CHARS + 1024
"""The longest text the form allows, sent in the worst case: 4 bytes of UTF-8 per character,
each byte written %XX. Starlette's default (1 MB) refused a text within the page's limit."""
PUBLIC_REPORTER_TYPES = {k: v for k, v in REPORTER_TYPES.items() if k not in ("anonym",)}


def _tenant_principal(platform: Platform, tenant_slug: str) -> Principal:
    with platform.session() as db:
        tenant = get_tenant(db, tenant_slug)
        return Principal(tenant.id, tenant.slug, "public", None, "webbformulär", frozenset())


@router.get("/t/{tenant_slug}/orosanmalan")
def report_form(request: Request, tenant_slug: str, platform: PlatformDep) -> HTMLResponse:
    _tenant_principal(platform, tenant_slug)
    values = {"form_token": secrets.token_urlsafe(24), "reporter_type": "annan"}
    return _form(request, tenant_slug, values, {})


def _form(
    request: Request,
    tenant: str,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
    problem: str = "",
) -> HTMLResponse:
    return render(
        request,
        "concern_form.html",
        None,
        status_code=status,
        tenant=tenant,
        v=values,
        errors=errors,
        problem=problem,
        reporter_types=PUBLIC_REPORTER_TYPES,
    )


@router.post("/t/{tenant_slug}/orosanmalan")
async def submit_report(request: Request, tenant_slug: str, platform: PlatformDep) -> HTMLResponse:
    principal = _tenant_principal(platform, tenant_slug)
    values = _values(await request.form(max_part_size=FORM_FIELD_BYTES))
    # Only a registered report uses up the quota: a refused form (a typo in the e-mail) or a
    # double submit does not, so a school behind one address is not locked out by corrections.
    limited = check_public(request, principal.tenant_slug, REPORTS, consume=False)
    if not limited.allowed:
        page = _form(request, tenant_slug, values, {}, status=429, problem=report_message(limited))
        return retry_after(page, limited)
    try:
        report = _report(values)
        with platform.session() as db:
            registered = register_report(db, platform.box, principal, report, "webbformular")
            number = registered.case.case_number
            received = registered.case.received_at
        if registered.created:
            check_public(request, principal.tenant_slug, REPORTS)
    except FieldError as exc:
        return _form(request, tenant_slug, values, {exc.field: exc.message}, status=400)
    except InvalidInput as exc:
        field = "child_personnummer" if exc.code == "child_pnr_invalid" else "text"
        return _form(request, tenant_slug, values, {field: exc.message}, status=400)
    return render(
        request,
        "concern_receipt.html",
        None,
        tenant=tenant_slug,
        case_number=number,
        received=in_sweden(received).strftime("%Y-%m-%d %H:%M"),
        anonymous=report.anonymous,
    )


class FieldError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def _values(form: FormData) -> dict[str, Any]:
    values = {name: str(form.get(name, "")).strip() for name in FIELDS}
    values["anonymous"] = form.get("anonymous") == "on"
    return values


CONTACT_FIELDS = ("reporter_name", "reporter_organisation", "reporter_email", "reporter_phone")


def _check_reporter(v: dict[str, Any]) -> None:
    """Nothing the reporter wrote is dropped silently: contradictions are asked about."""
    if anonymous_with_duty(v["reporter_type"], v["anonymous"]):
        raise FieldError("anonymous", f"{DUTY_TO_REPORT} Ta bort krysset och skriv ditt namn.")
    if v["anonymous"] and any(v[name] for name in CONTACT_FIELDS):
        raise FieldError(
            "anonymous",
            "Du har valt att vara anonym men skrivit namn eller kontaktuppgifter. Ta bort dem, "
            "eller ta bort krysset om du vill att vi kan nå dig.",
        )
    if v["reporter_email"] and not EMAIL.fullmatch(v["reporter_email"]):
        raise FieldError(
            "reporter_email", "Skriv e-postadressen som namn@exempel.se, eller lämna fältet tomt."
        )


def _report(v: dict[str, Any]) -> ReportIn:
    if not v["form_token"]:
        raise FieldError("text", "Formuläret saknar sin nyckel. Ladda om sidan och försök igen.")
    _check_reporter(v)
    birth = _birth_date(v["child_birth_date"])
    try:
        reporter = Reporter(
            name=v["reporter_name"] or None,
            organisation=v["reporter_organisation"] or None,
            email=v["reporter_email"] or None,
            phone=v["reporter_phone"] or None,
        )
        child = Child(
            name=v["child_name"] or None,
            personnummer=v["child_personnummer"] or None,
            birth_date=birth,
            address=v["child_address"] or None,
        )
    except ValidationError as exc:  # which model: the fields are named reporter_… / child_…
        prefix = "reporter" if exc.title == Reporter.__name__ else "child"
        raise _field_error(exc, prefix) from None
    try:
        return ReportIn(
            text=v["text"],
            reporter_type=v["reporter_type"] if v["reporter_type"] in REPORTER_TYPES else "annan",
            anonymous=v["anonymous"],
            reporter=reporter,
            child=child,
            source_ref=f"form:{v['form_token'][:100]}",
        )
    except ValidationError as exc:
        raise _field_error(exc) from None


def _birth_date(value: str) -> date | None:
    if not value:
        return None
    try:
        born = date.fromisoformat(value)
    except ValueError:
        raise FieldError(
            "child_birth_date", "Skriv födelsedatum som ÅÅÅÅ-MM-DD, till exempel 2015-04-30."
        ) from None
    if born > in_sweden(datetime.now(UTC)).date():
        raise FieldError("child_birth_date", "Födelsedatumet ligger i framtiden.")
    return born


def _field_error(exc: ValidationError, prefix: str = "") -> FieldError:
    first = exc.errors()[0]
    location = [prefix, *map(str, first["loc"])] if prefix else [str(p) for p in first["loc"]]
    if location[0] == "text" and first["type"] == "string_too_long":
        return FieldError(
            "text", "Texten är för lång: högst 200 000 tecken. Korta ner den eller dela upp den."
        )
    if location[0] == "text":
        return FieldError("text", "Beskriv din oro med några ord.")
    name = "_".join(location)
    limit = (first.get("ctx") or {}).get("max_length")
    message = f"Högst {limit} tecken." if first["type"] == "string_too_long" and limit else None
    return FieldError(name if name in FIELDS else "text", message or "Kontrollera uppgiften.")
