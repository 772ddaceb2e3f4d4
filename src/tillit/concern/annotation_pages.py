"""Pages: the annotation queue (one passage at a time, keyboard first) and the classifier page
(train, versions with model cards, agreement)."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse

from tillit.concern.annotation import (
    agreement,
    annotate,
    context_of,
    import_annotated,
    queue,
    queue_size,
    refresh_uncertainty,
    training_reports,
    withdraw,
)
from tillit.concern.governance import SERVICE_NAME, find_service, service_notice
from tillit.concern.labels import LABEL_NAMES
from tillit.concern.language_models import allowed_names
from tillit.concern.models import activate, train_version, versions, worse_than_previous
from tillit.concern.training_state import trainings
from tillit.errors import InvalidInput, TillitError
from tillit.jobs import submit
from tillit.platform import Platform
from tillit.web.deps import FormDep, PageDep, PlatformDep
from tillit.web.pages import notice_query, render, verified_notice

router = APIRouter(include_in_schema=False)
MAX_UPLOAD = 20 * 2**20
TRAINING_FAILED = "Träningen avbröts av ett fel. Felet finns i serverns logg; försök igen."


@router.get("/annotering")
def annotate_page(
    request: Request,
    platform: PlatformDep,
    ctx: PageDep,
    message: str | None = None,
    sig: str | None = None,
) -> HTMLResponse:
    with platform.session() as db:
        waiting = queue(db, ctx.principal, limit=1)
        item = waiting[0] if waiting else None
        around = context_of(db, item) if item else []
        view = {
            "item": item and {"id": item.id, "text": item.text, "uncertainty": item.uncertainty},
            "before": [i.text for i in around if item and i.position < item.position],
            "after": [i.text for i in around if item and i.position > item.position],
            "waiting": queue_size(db, ctx.principal),
        }
    return render(
        request,
        "concern_annotate.html",
        ctx,
        active="/annotering",
        labels=LABEL_NAMES,
        message=verified_notice(platform.box, message, sig),
        **view,
    )


@router.post("/annotering/{item_id}")
async def save_annotation(
    request: Request, item_id: int, platform: PlatformDep, ctx: FormDep
) -> RedirectResponse:
    form = await request.form()
    labels = [str(v) for v in form.getlist("labels")]

    def store() -> None:
        with platform.session() as db:
            annotate(db, ctx.principal, item_id, labels)

    await to_thread.run_sync(store)
    return RedirectResponse("/annotering?" + notice_query(platform.box, "Sparat."), status_code=303)


@router.post("/annotering/{item_id}/ta-bort")
async def withdraw_annotation(
    item_id: int, platform: PlatformDep, ctx: FormDep
) -> RedirectResponse:
    def remove() -> None:
        with platform.session() as db:
            withdraw(db, ctx.principal, item_id)

    await to_thread.run_sync(remove)
    message = "Stycket är borttaget ur träningsdatan."
    return RedirectResponse("/annotering?" + notice_query(platform.box, message), status_code=303)


@router.get("/klassificerare")
def classifier_page(
    request: Request,
    platform: PlatformDep,
    ctx: PageDep,
    message: str | None = None,
    sig: str | None = None,
) -> HTMLResponse:
    ctx.principal.require("concern:train")
    with platform.session() as db:
        rows = versions(db, ctx.principal.tenant_id)
        stored = training_reports(db, ctx.principal.tenant_id)
        alpha = agreement(db, ctx.principal.tenant_id)
        notice = service_notice(db, ctx.principal.tenant_id)
        service = find_service(db, ctx.principal.tenant_id)
        writers = allowed_names(db, ctx.principal.tenant_id)
    return render(
        request,
        "concern_classifier.html",
        ctx,
        active="/annotering",
        versions=rows,
        worse={v.version: worse_than_previous(v.card) for v in rows},
        stored_reports=len(stored),
        stored_passages=sum(len(r.passages) for r in stored),
        agreement=alpha,
        training=trainings(platform).current(ctx.principal.tenant_id),
        labels=LABEL_NAMES,
        message=verified_notice(platform.box, message, sig),
        service_notice=notice,
        service_name=service.name if service else SERVICE_NAME,
        language_models=writers,
    )


@router.post("/klassificerare/versioner/{number}/aktivera")
def activate_page(number: int, platform: PlatformDep, ctx: FormDep) -> RedirectResponse:
    with platform.session() as db:
        activate(db, ctx.principal, number)
    return _to_classifier(platform, f"Version {number} är nu aktiv: nya analyser använder den.")


def _to_classifier(platform: Platform, message: str) -> RedirectResponse:
    query = notice_query(platform.box, message)
    return RedirectResponse("/klassificerare?" + query, status_code=303)


@router.post("/klassificerare/import")
async def import_page(platform: PlatformDep, ctx: FormDep, file: UploadFile) -> RedirectResponse:
    content = await file.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        return _to_classifier(platform, "Filen är för stor (högst 20 MB).")
    from tillit.concern.classifier import load_jsonl

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.jsonl"
        path.write_bytes(content)
        try:
            reports = load_jsonl(path)
        except ValueError as exc:
            return _to_classifier(platform, f"Filen kunde inte läsas: {exc}")
    name = Path(file.filename or "upload.jsonl").name
    try:
        result = await to_thread.run_sync(import_annotated, platform, ctx.principal, reports, name)
    except InvalidInput as exc:
        return _to_classifier(platform, f"Filen importerades inte: {exc.message}")
    changed = (
        f" {result['replaced']} stycken hade ändrats i filen och fick den nya texten."
        if result["replaced"]
        else ""
    )
    return _to_classifier(
        platform,
        f"Importerade {result['reports']} anmälningar ({result['annotations']} nya "
        f"annoteringar).{changed}",
    )


@router.post("/klassificerare/trana")
def train_page(
    platform: PlatformDep,
    ctx: FormDep,
    evaluate: Annotated[str, Form()] = "",  # an unticked box sends nothing
) -> RedirectResponse:
    """Training runs in the background; the page shows the new version when it is done."""
    ctx.principal.require("concern:train")
    with platform.session() as db:
        reports = training_reports(db, ctx.principal.tenant_id)
    if len(reports) < 10:
        return _to_classifier(platform, "Det behövs minst 10 annoterade anmälningar för att träna.")
    if trainings(platform).start(ctx.principal.tenant_id, len(reports)) is None:
        return _to_classifier(platform, "En träning pågår redan; vänta tills den är klar.")
    submit(_train_job, platform, ctx.principal, reports, evaluate == "on")
    return _to_classifier(
        platform,
        f"Träningen har startat på {len(reports)} anmälningar. Ladda om sidan om en stund.",
    )


def _train_job(platform: Platform, principal: Any, reports: list[Any], evaluate: bool) -> None:
    tenant, state = principal.tenant_id, trainings(platform)
    try:
        made = train_version(
            platform,
            principal,
            reports,
            source="annoteringar i Tillit",
            evaluate=evaluate,
            progress=lambda stage: state.report(tenant, stage),
            keep_better_active=True,  # a worse version waits for someone to choose it
        )
    except TillitError as exc:
        state.finish(tenant, failure=exc.message)
        raise
    except Exception:
        state.finish(tenant, failure=TRAINING_FAILED)
        raise
    state.finish(tenant, version=made.version)
    with contextlib.suppress(TillitError):  # no items to score is not a failed training
        refresh_uncertainty(platform, principal)


@router.post("/klassificerare/kolista")
async def refresh_page(platform: PlatformDep, ctx: FormDep) -> RedirectResponse:
    try:
        count = await to_thread.run_sync(refresh_uncertainty, platform, ctx.principal)
    except (TillitError, InvalidInput) as exc:
        return _to_classifier(platform, exc.message)
    return _to_classifier(
        platform, f"Osäkerheten är beräknad för {count} stycken; kön är sorterad."
    )
