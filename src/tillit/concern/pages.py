"""Pages for the intake unit: the case register, one case with its analysis, review and history."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from anyio import to_thread
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from tillit.concern.case_analysis import analyse_case, case_passages, review_passage
from tillit.concern.case_details import caseworkers
from tillit.concern.cases import (
    TRANSITIONS,
    detail_dict,
    history_dicts,
    list_cases,
    mark_protective_assessment,
    open_case,
    set_status,
    settings_for,
    shown_history,
    summary_dicts,
)
from tillit.concern.governance import service_notice
from tillit.concern.highlight import highlight_passages
from tillit.concern.labels import LABEL_NAMES
from tillit.concern.language_models import READS_CASES, allowed_models
from tillit.concern.letter_service import (
    DISPATCH_METHODS,
    LetterIn,
    approve_letter,
    case_letters,
    discard_letter,
    dispatch_letter,
    draft_letter,
    letter_file,
)
from tillit.concern.letters import LETTER_KINDS
from tillit.concern.model_labels import label_case
from tillit.concern.model_summary import summarise_case
from tillit.concern.register import read_analysis
from tillit.concern.reporter_info import INFO_METHODS
from tillit.concern.schemas import REPORTER_TYPES, STATUSES, UNDECIDED_STATUSES, ReviewIn
from tillit.errors import (
    Conflict,
    InvalidInput,
    ModelUnavailable,
    NotFound,
    PolicyViolation,
    ProviderError,
)
from tillit.governance.service import NotServable
from tillit.platform import Platform
from tillit.web.deps import FormDep, PageDep, PlatformDep
from tillit.web.pages import notice_query, render, verified_notice

router = APIRouter(include_in_schema=False)
ACTIVE = "/arenden"
# Errors the caseworker reads as a message on the case page. NotFound is not among them: a case
# number of another tenant must answer 404 like a missing one, never a page with a message.
SHOWN_ON_PAGE = (
    InvalidInput,
    Conflict,
    PolicyViolation,
    ModelUnavailable,
    ProviderError,
    NotServable,  # the analysis service is retired
)


MAX_QUERY = 200
UNREADABLE_SEARCH = (
    "Sökningen kunde inte läsas (länken är ändrad eller från en annan server). Sök igen."
)


@router.post("/arenden/sok")
async def search_cases(request: Request, platform: PlatformDep, ctx: FormDep) -> RedirectResponse:
    """The register's search form is posted here and answered with the list's address, where
    the search words (a child's name, a personnummer) are encrypted: they never stand readable
    in the browser history or a server's access log, and the list can still be reloaded."""
    form = await request.form()
    params = {key: str(form.get(key) or "") for key in ("status", "mina")}
    query = str(form.get("q") or "").strip()[:MAX_QUERY]
    if query:
        params["sok"] = platform.box.encrypt(query)
    kept = urlencode({key: value for key, value in params.items() if value})
    return RedirectResponse(f"/arenden?{kept}" if kept else "/arenden", status_code=303)


def _search_words(platform: Platform, sok: str | None, q: str | None) -> tuple[str | None, bool]:
    """The search words from the encrypted ``sok`` (or a plain ``q``), and whether ``sok``
    could not be read."""
    if not sok:
        return q, False
    try:
        return platform.box.decrypt(sok), False
    except InvalidInput:
        return None, True


@router.get("/arenden")
def cases_page(
    request: Request,
    platform: PlatformDep,
    ctx: PageDep,
    status: str | None = None,
    q: str | None = None,
    sok: str | None = None,
    mina: str | None = None,
) -> HTMLResponse:
    mine = ctx.principal.id if mina and ctx.principal.kind == "user" else None
    q, unreadable = _search_words(platform, sok, q)
    with platform.session() as db:
        found = list_cases(
            db, platform.box, ctx.principal, status=status or None, query=q, assigned_to=mine
        )
        rows = summary_dicts(db, platform.box, found)
        names = {w["username"]: w["name"] for w in caseworkers(db, ctx.principal.tenant_id)}
    return render(
        request,
        "concern_cases.html",
        ctx,
        active=ACTIVE,
        rows=rows,
        statuses=STATUSES,
        status=status or "",
        q=q or "",
        mine=mine is not None,
        caseworker_names=names,
        message=UNREADABLE_SEARCH if unreadable else None,
    )


def _case_view(platform: Platform, ctx: Any, case_number: str) -> dict[str, Any]:
    with platform.session() as db:
        case = open_case(db, ctx.principal, case_number)
        data = detail_dict(db, platform.box, case)
        passages = case_passages(db, case)
        earlier = shown_history(db, ctx.principal, case)
        return {
            "case": data,
            "analysis": read_analysis(platform.box, case),
            "passages": passages,
            "marked": highlight_passages(data["text"] or "", passages),
            "history": history_dicts(db, platform.box, earlier),
            "letters": case_letters(platform, db, case),
            "office_contact": _office_contact(db, case.tenant_id),
            "caseworkers": caseworkers(db, case.tenant_id),
            "reporter_types": REPORTER_TYPES,
            "next_statuses": {k: v for k, v in STATUSES.items() if k in TRANSITIONS[case.status]},
            "service_notice": service_notice(db, case.tenant_id),
        }


def _office_contact(db: Any, tenant_id: int) -> bool:
    office = settings_for(db, tenant_id).office
    return bool(office.get("phone") or office.get("email"))


@router.get("/arenden/{case_number}")
def case_page(
    request: Request,
    case_number: str,
    platform: PlatformDep,
    ctx: PageDep,
    message: str | None = None,
    sig: str | None = None,
    granskat: int | None = None,
) -> HTMLResponse:
    notice = verified_notice(platform.box, message, sig)
    return render_case(request, platform, ctx, case_number, message=notice, granskat=granskat)


def render_case(
    request: Request,
    platform: Platform,
    ctx: Any,
    case_number: str,
    status_code: int = 200,
    **extra: Any,
) -> HTMLResponse:
    view = _case_view(platform, ctx, case_number)
    extra.setdefault("letter_form", {})
    response = render(
        request,
        "concern_case.html",
        ctx,
        active=ACTIVE,
        labels=LABEL_NAMES,
        statuses=STATUSES,
        undecided_statuses=UNDECIDED_STATUSES,
        letter_kinds=LETTER_KINDS,
        writing_models=_writing_models(platform, ctx.principal.tenant_id),
        dispatch_methods=DISPATCH_METHODS,
        info_methods=INFO_METHODS,
        **view,
        **extra,
    )
    response.status_code = status_code
    return response


def back_to_case(
    platform: Platform, case_number: str, message: str, anchor: str = ""
) -> RedirectResponse:
    """The case page again, with a notice Tillit signed (``verified_notice``)."""
    query = notice_query(platform.box, message)
    return RedirectResponse(f"/arenden/{quote(case_number)}?{query}{anchor}", status_code=303)


def _missing_besides_case(platform: Platform, case_number: str, exc: NotFound) -> RedirectResponse:
    """A missing classifier or model is a message; a missing case stays a 404."""
    if exc.code == "case_not_found":
        raise exc
    return back_to_case(platform, case_number, exc.message, "#analys")


@router.post("/arenden/{case_number}/analys")
async def analyse_page(case_number: str, platform: PlatformDep, ctx: FormDep) -> RedirectResponse:
    try:
        await to_thread.run_sync(analyse_case, platform, ctx.principal, case_number)
    except SHOWN_ON_PAGE as exc:
        return back_to_case(platform, case_number, exc.message)
    except NotFound as exc:
        return _missing_besides_case(platform, case_number, exc)
    return back_to_case(
        platform, case_number, "Anmälan är analyserad. Granska förslagen nedan.", "#analys"
    )


@router.post("/arenden/{case_number}/stycken/{position}")
async def review_page(
    request: Request, case_number: str, position: int, platform: PlatformDep, ctx: FormDep
) -> RedirectResponse:
    form = await request.form()
    action, labels = str(form.get("action", "set")), [str(v) for v in form.getlist("labels")]
    if action == "confirm" and set(labels) != {str(v) for v in form.getlist("shown")}:
        action = "set"  # ticks changed, then "Bekräfta": what the caseworker ticked is kept
    suggested = [str(v) for v in form.getlist("suggested")]  # the suggestion the page showed
    try:
        review = ReviewIn(action=action, labels=labels, shown=suggested)  # type: ignore[arg-type]
    except ValidationError:  # not a choice the form offers
        message = "Granskningen sparades inte: formuläret innehöll ett okänt val."
        return back_to_case(platform, case_number, message, "#granskning")
    try:
        await to_thread.run_sync(
            review_passage, platform, ctx.principal, case_number, position, review
        )
    except Conflict as exc:  # closed meanwhile (another tab)
        return back_to_case(platform, case_number, exc.message, "#granskning")
    number = position + 1  # the confirmation stands in the passage the caseworker is looking at
    return RedirectResponse(
        f"/arenden/{quote(case_number)}?granskat={number}#stycke-{number}", status_code=303
    )


@router.post("/arenden/{case_number}/sammanfattning")
async def model_summary_page(
    request: Request, case_number: str, platform: PlatformDep, ctx: FormDep
) -> RedirectResponse:
    model = str((await request.form()).get("model", ""))
    try:
        await to_thread.run_sync(summarise_case, platform, ctx.principal, case_number, model)
    except SHOWN_ON_PAGE as exc:
        return back_to_case(platform, case_number, exc.message, "#analys")
    except NotFound as exc:
        return _missing_besides_case(platform, case_number, exc)
    return back_to_case(platform, case_number, "Språkmodellens sammanfattning är klar.", "#analys")


@router.post("/arenden/{case_number}/modellens-etiketter")
async def model_labels_page(
    request: Request, case_number: str, platform: PlatformDep, ctx: FormDep
) -> RedirectResponse:
    model = str((await request.form()).get("model", ""))
    try:
        result = await to_thread.run_sync(label_case, platform, ctx.principal, case_number, model)
    except SHOWN_ON_PAGE as exc:
        return back_to_case(platform, case_number, exc.message, "#analys")
    except NotFound as exc:
        return _missing_besides_case(platform, case_number, exc)
    return back_to_case(platform, case_number, model_labels_message(result), "#granskning")


def model_labels_message(result: dict[str, Any]) -> str:
    """What the model's answer gave, and what it left out or got wrong (never silently)."""
    parts = ["Språkmodellens etiketter står under varje stycke."]
    if result["unanswered"]:
        parts.append(f"Den svarade inte för {result['unanswered']} av styckena.")
    if result["dropped"] == 1:
        parts.append("En okänd etikett eller ett okänt styckenummer i svaret togs bort.")
    elif result["dropped"]:
        parts.append(f"{result['dropped']} okända etiketter eller styckenummer togs bort.")
    return " ".join(parts)


def _writing_models(platform: Platform, tenant_id: int) -> list[dict[str, str]]:
    """The language models the service may use (``language_models.py``) that can answer now."""
    with platform.session() as db:
        return [
            {"name": m.name, "max_class": m.max_class}
            for m in allowed_models(db, tenant_id)
            if m.enabled and "chat" in m.capabilities and m.max_class in READS_CASES
        ]


@router.post("/arenden/{case_number}/status")
def status_page(
    case_number: str,
    platform: PlatformDep,
    ctx: FormDep,
    status: Annotated[str, Form()] = "",
) -> RedirectResponse:
    try:
        with platform.session() as db:
            set_status(db, ctx.principal, open_case(db, ctx.principal, case_number), status)
    except SHOWN_ON_PAGE as exc:
        return back_to_case(platform, case_number, exc.message)
    return back_to_case(platform, case_number, f"Status: {STATUSES[status]}.")


@router.post("/arenden/{case_number}/skyddsbedomning")
def protective_page(case_number: str, platform: PlatformDep, ctx: FormDep) -> RedirectResponse:
    with platform.session() as db:
        mark_protective_assessment(db, ctx.principal, open_case(db, ctx.principal, case_number))
    return back_to_case(platform, case_number, "Skyddsbedömningen är markerad som gjord.")


# -- letters ----------------------------------------------------------------------------------


LETTER_FIELDS = ("kind", "recipient_name", "recipient_address", "decision_text", "reasons")


@router.post("/arenden/{case_number}/brev")
async def draft_page(
    request: Request, case_number: str, platform: PlatformDep, ctx: FormDep
) -> Response:
    form = await request.form()
    typed = {name: str(form.get(name, "")) for name in LETTER_FIELDS}
    address = [line.strip() for line in typed["recipient_address"].splitlines()]
    try:
        letter = LetterIn(
            kind=typed["kind"],  # type: ignore[arg-type]
            recipient_name=typed["recipient_name"],
            recipient_address=[line for line in address if line][:6],
            decision_text=typed["decision_text"],
            reasons=typed["reasons"],
        )
        with platform.session() as db:
            draft_letter(platform, db, ctx.principal, case_number, letter)
    except (*SHOWN_ON_PAGE, ValueError) as exc:  # the page again, with what was typed
        problem = getattr(exc, "message", "Kontrollera brevets uppgifter.")
        return render_case(
            request, platform, ctx, case_number, 400, letter_form=typed, letter_error=problem
        )
    return back_to_case(
        platform, case_number, "Brevet är skapat som utkast. Läs det och godkänn.", "#brev"
    )


@router.post("/arenden/{case_number}/brev/{letter_id}/kasta")
def discard_page(
    case_number: str, letter_id: int, platform: PlatformDep, ctx: FormDep
) -> RedirectResponse:
    with platform.session() as db:
        discard_letter(db, ctx.principal, case_number, letter_id)
    return back_to_case(platform, case_number, "Utkastet är kastat.", "#brev")


@router.post("/arenden/{case_number}/brev/{letter_id}/godkann")
def approve_page(
    case_number: str, letter_id: int, platform: PlatformDep, ctx: FormDep
) -> RedirectResponse:
    try:
        with platform.session() as db:
            approve_letter(platform, db, ctx.principal, case_number, letter_id)
    except SHOWN_ON_PAGE as exc:
        return back_to_case(platform, case_number, exc.message, "#brev")
    return back_to_case(
        platform, case_number, "Brevet är godkänt och kan skrivas ut eller skickas.", "#brev"
    )


@router.get("/arenden/{case_number}/brev/{letter_id}.{fmt}")
def letter_page_file(
    case_number: str, letter_id: int, fmt: str, platform: PlatformDep, ctx: PageDep
) -> Response:
    with platform.session() as db:
        content, name, media = letter_file(platform, db, ctx.principal, case_number, letter_id, fmt)
    return Response(
        content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.post("/arenden/{case_number}/brev/{letter_id}/skickat")
def dispatch_page(
    case_number: str,
    letter_id: int,
    platform: PlatformDep,
    ctx: FormDep,
    method: Annotated[str, Form()] = "utskrift",
) -> RedirectResponse:
    try:
        with platform.session() as db:
            dispatch_letter(db, ctx.principal, case_number, letter_id, method)
    except (InvalidInput, Conflict) as exc:  # sent already (another tab), or discarded
        return back_to_case(platform, case_number, exc.message, "#brev")
    return back_to_case(platform, case_number, "Brevet är markerat som skickat.", "#brev")
