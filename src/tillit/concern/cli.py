"""``tillit concern …``: train and run the passage classifier, import reports, keep the register.

The local CLI acts as the installation's administrator within one tenant (``--tenant``).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session

from tillit.audit.service import record
from tillit.auth.roles import Principal
from tillit.cli_jsonl import map_jsonl
from tillit.cli_support import (
    DataDirOption,
    JsonOption,
    existing_file,
    fail,
    not_a_directory,
    open_platform,
    print_json,
    system_principal,
)
from tillit.concern.analysis import analyse_text
from tillit.concern.annotation import import_annotated
from tillit.concern.case_analysis import record_batch_run
from tillit.concern.cases import apply_retention, settings_for
from tillit.concern.governance import refuse_if_retired
from tillit.concern.intake.file_import import ImportResult, import_file
from tillit.concern.intake.mail import MailboxSettings, log_id
from tillit.concern.intake.mail_intake import poll
from tillit.concern.language_models import allowed_names, set_language_models
from tillit.concern.models import (
    card_markdown,
    figures_markdown,
    load_active,
    make_card,
    train_version,
    versions,
)
from tillit.concern.schemas import EMAIL
from tillit.concern.tables import ConcernSettings
from tillit.errors import InvalidInput

app = typer.Typer(help="Orosanmälningar: ärenden, analys och träning.", no_args_is_help=True)

TenantOpt = Annotated[str, typer.Option("--tenant", help="Organisationens kortnamn.")]
InputOption = Annotated[
    Path, typer.Option("--input", callback=existing_file, help="JSONL: {id, text} per rad.")
]


@app.command("train")
def train_command(
    data: Annotated[Path, typer.Option("--data", callback=existing_file, help="Annoterad JSONL.")],
    tenant: TenantOpt = "default",
    evaluate: Annotated[
        bool, typer.Option("--evaluate/--no-evaluate", help="Korsvalidera för modellkortet.")
    ] = True,
    data_dir: DataDirOption = None,
) -> None:
    """Träna en ny version på annoterade anmälningar och gör den aktiv."""
    from tillit.concern.classifier import load_jsonl

    try:
        reports = load_jsonl(data)
    except ValueError as exc:
        fail(f"{data}: {exc}")
    if not reports:
        fail(f"{data}: inga anmälningar.")
    if len(reports) < FEW_REPORTS:
        typer.echo(
            f"Varning: bara {len(reports)} anmälningar. En modell tränad på så få blir sällan "
            "bra; jämför modellkortets siffror med den förra versionen innan den används "
            "(tillit concern activate byter tillbaka).",
            err=True,
        )
    with open_platform(data_dir) as platform:
        principal = system_principal(platform, tenant)
        try:
            version = train_version(
                platform,
                principal,
                reports,
                source=data.name,
                evaluate=evaluate,
                progress=lambda message: typer.echo(message, err=True),
            )
        except ValueError as exc:  # e.g. fewer than two reports: the reason, not a traceback
            fail(f"{data}: {exc}")
        typer.echo(card_markdown(version.card))


FEW_REPORTS = 30  # the learning curve (docs/benchmarks.md) starts at ~48 reports


@app.command("analyse")
def analyse_command(
    input: InputOption,
    output: Annotated[
        Path, typer.Option("--output", callback=not_a_directory, help="JSONL att skriva.")
    ],
    tenant: TenantOpt = "default",
    data_dir: DataDirOption = None,
) -> None:
    """Analysera anmälningar: stycken med förslag på etiketter, personuppgifter, sammanfattning."""
    with open_platform(data_dir) as platform:
        principal = system_principal(platform, tenant)
        with platform.session() as db:
            refuse_if_retired(db, principal.tenant_id)
        version, classifier = load_active(platform, principal.tenant_id)
        started = time.perf_counter()
        seen: set[str] = set()
        repeated: list[str] = []

        def analyse(row: dict[str, Any]) -> dict[str, Any]:
            key = json.dumps(row["id"])
            if key in seen and key not in repeated:
                repeated.append(key)
            seen.add(key)
            return analyse_text(classifier, row["text"]).as_output(row["id"])

        count = map_jsonl(input, output, analyse)
        seconds = time.perf_counter() - started
        record_batch_run(platform, principal, version, count, seconds * 1000)
        typer.echo(f"Analystid totalt {seconds:.1f} s.".replace(".", ",", 1), err=True)
        if repeated:
            typer.echo(
                f"Obs: samma id på flera rader: {', '.join(repeated)}. Varje rad är analyserad "
                "och skriven i filens ordning; utdata skiljer dem bara genom radnumret.",
                err=True,
            )


@app.command("import")
def import_command(
    input: InputOption,
    tenant: TenantOpt = "default",
    json_out: JsonOption = False,
    data_dir: DataDirOption = None,
) -> None:
    """Registrera anmälningar från en JSONL-fil som ärenden (samma id två gånger = ett ärende).

    Slutkod 1 om någon rad avvisades; de andra raderna är ändå registrerade."""
    with open_platform(data_dir) as platform:
        result = import_file(platform, system_principal(platform, tenant), input)
    if json_out:
        print_json(result.as_dict())
    else:
        _echo_import(result)
    if result.rejected:
        raise typer.Exit(1)


def _echo_import(result: ImportResult) -> None:
    typer.echo(
        f"{len(result.registered)} nya ärenden, {len(result.already)} redan registrerade, "
        f"{len(result.rejected)} avvisade rader."
    )
    duplicates = {case: of for _, case, of in result.duplicates}
    for number, case in result.new_cases:
        note = f" (kanske samma anmälan som {duplicates[case]})" if case in duplicates else ""
        typer.echo(f"  rad {number}: {case}{note}")
    for number, reason in result.rejected:
        typer.echo(f"  rad {number} (inte registrerad): {reason}", err=True)
    for number, warning in result.warnings:
        typer.echo(f"  rad {number} (registrerad): {warning}", err=True)


@app.command("models")
def models_command(
    tenant: TenantOpt = "default", json_out: JsonOption = False, data_dir: DataDirOption = None
) -> None:
    """Visa tränade versioner av klassificeraren."""
    with open_platform(data_dir) as platform:
        principal = system_principal(platform, tenant)
        with platform.session() as db:
            rows = [
                {"version": v.version, "active": v.active, "trained_by": v.trained_by,
                 "created_at": v.created_at.isoformat(), "card": v.card}
                for v in versions(db, principal.tenant_id)
            ]  # fmt: skip
    if json_out:
        print_json(rows)
        return
    for row in rows:
        mark = "*" if row["active"] else " "
        typer.echo(f"{mark} v{row['version']}  {row['created_at']}  {row['trained_by']}")


@app.command("activate")
def activate_command(
    version: Annotated[int, typer.Argument(help="Versionsnumret (se tillit concern models).")],
    tenant: TenantOpt = "default",
    data_dir: DataDirOption = None,
) -> None:
    """Gör en tidigare tränad version aktiv igen (nya analyser använder den)."""
    from tillit.concern.models import activate

    with open_platform(data_dir) as platform:
        principal = system_principal(platform, tenant)
        with platform.session() as db:
            activate(db, principal, version)
    typer.echo(f"Version {version} är aktiv.")


@app.command("language-models")
def language_models_command(
    model: Annotated[
        list[str] | None,
        typer.Option("--model", help="Språkmodell som får läsa ärenden (upprepa för fler)."),
    ] = None,
    none: Annotated[bool, typer.Option("--none", help="Ingen språkmodell.")] = False,
    tenant: TenantOpt = "default",
    data_dir: DataDirOption = None,
) -> None:
    """Språkmodellerna som får sammanfatta ärenden och föreslå tecken; utan flaggor: visa dem.
    Listan ersätts; en ändring efter godkännandet skickar analysstödet tillbaka till test."""
    if model and none:
        fail("Ange antingen --model eller --none.")
    with open_platform(data_dir) as platform:
        principal = system_principal(platform, tenant)
        with platform.session() as db:
            if model or none:
                chosen = set_language_models(db, principal, model or [])
            else:
                chosen = allowed_names(db, principal.tenant_id)
    print_json({"language_models": chosen})


@app.command("poll-mail")
def poll_mail_command(
    host: Annotated[str, typer.Option("--host", help="IMAP-server.")],
    user: Annotated[str, typer.Option("--user", help="Användarnamn för brevlådan.")],
    port: Annotated[int, typer.Option("--port", help="Port (993 för IMAPS).")] = 993,
    password_env: Annotated[
        str, typer.Option("--password-env", help="Miljövariabel som håller lösenordet.")
    ] = "TILLIT_CONCERN_IMAP_PASSWORD",  # noqa: S107 - the variable's name, not a password
    folder: Annotated[str, typer.Option("--folder")] = "INBOX",
    processed_folder: Annotated[
        str | None, typer.Option("--processed-folder", help="Flytta inlästa meddelanden hit.")
    ] = None,
    failed_folder: Annotated[
        str | None, typer.Option("--failed-folder", help="Flytta oläsbara meddelanden hit.")
    ] = None,
    ssl: Annotated[bool, typer.Option("--ssl/--no-ssl", help="IMAPS (standard).")] = True,
    starttls: Annotated[bool, typer.Option("--starttls", help="STARTTLS på port 143.")] = False,
    ca_file: Annotated[Path | None, typer.Option("--ca-file", help="Egen CA (intern).")] = None,
    tenant: TenantOpt = "default",
    json_out: JsonOption = False,
    data_dir: DataDirOption = None,
) -> None:
    """Läs in nya anmälningar från e-postlådan (kör från cron eller en systemd-timer)."""
    password = os.environ.get(password_env)
    if not password:
        fail(f"Lösenordet saknas: sätt miljövariabeln {password_env}.")
    settings = MailboxSettings(
        host=host, port=port, username=user, password=password or "", folder=folder,
        ssl=ssl, starttls=starttls, processed_folder=processed_folder,
        failed_folder=failed_folder, ca_file=str(ca_file) if ca_file else None,
    )  # fmt: skip
    with open_platform(data_dir) as platform:
        result = poll(platform, system_principal(platform, tenant), settings)
    summary = {
        "fetched": result.fetched,
        "registered": result.registered,
        "already": result.already,
        # ids as the logs give them: cron output ends up in logs, and a sender-chosen
        # Message-ID can carry a name
        "failed": [{"message": log_id(m), "reason": r} for m, r in result.failed],
        "left_for_retry": [{"message": log_id(m), "error": e} for m, e in result.left_for_retry],
    }
    if json_out:
        print_json(summary)
    else:
        typer.echo(
            f"{result.fetched} meddelanden, {result.registered} nya ärenden, "
            f"{result.already} redan registrerade, "
            f"{len(result.failed)} oläsbara, {len(result.left_for_retry)} försöks igen."
        )


@app.command("retention")
def retention_command(
    days: Annotated[
        int | None, typer.Option("--days", min=1, help="Ny gallringsfrist i dagar.")
    ] = None,
    apply: Annotated[bool, typer.Option("--apply", help="Gallra nu (annars bara visa).")] = False,
    annotations: Annotated[
        bool | None,
        typer.Option(
            "--erase-annotations/--keep-annotations",
            help="Ska gallringen också ta bort de annoterade stycken som gjorts av ärendenas "
            "granskning? Sparas som regel för organisationen.",
        ),
    ] = None,
    tenant: TenantOpt = "default",
    data_dir: DataDirOption = None,
) -> None:
    """Gallring: innehållet i ärenden som avslutats för längre sedan än fristen tas bort."""
    with open_platform(data_dir) as platform:
        principal = system_principal(platform, tenant)
        with platform.session() as db:
            rules = settings_for(db, principal.tenant_id)
            _change_rules(db, principal, rules, days, annotations)
            due = apply_retention(db, platform.box, principal, dry_run=not apply)
            period, erase = rules.retention_days, rules.erase_annotations
    verb = "Gallrade" if apply else "Skulle gallra"
    kept = "tas bort" if erase else "behålls"
    typer.echo(f"Gallringsfrist {period} dagar. {verb} {len(due)} ärenden: {', '.join(due) or '–'}")
    typer.echo(f"Annoterade stycken från gallrade ärenden {kept}.")


def _change_rules(
    db: Session,
    principal: Principal,
    rules: ConcernSettings,
    days: int | None,
    annotations: bool | None,
) -> None:
    """Set the tenant's retention rules given on the command line; audited by field."""
    detail: dict[str, Any] = {"fields": []}
    if days is not None:
        rules.retention_days = days
        detail["fields"].append("retention_days")
        detail["days"] = days
    if annotations is not None:
        rules.erase_annotations = annotations
        detail["fields"].append("erase_annotations")
        detail["erase_annotations"] = annotations
    if detail["fields"]:
        record(db, principal, "concern.settings", detail=detail)


@app.command("import-annotations")
def import_annotations_command(
    data: Annotated[Path, typer.Option("--data", callback=existing_file, help="Annoterad JSONL.")],
    tenant: TenantOpt = "default",
    data_dir: DataDirOption = None,
) -> None:
    """Importera annoterade anmälningar till annoteringsarkivet (pseudonymiseras irreversibelt)."""
    from tillit.concern.classifier import load_jsonl

    try:
        reports = load_jsonl(data)
    except ValueError as exc:
        fail(f"{data}: {exc}")
    with open_platform(data_dir) as platform:
        try:
            result = import_annotated(
                platform, system_principal(platform, tenant), reports, data.name
            )
        except InvalidInput as exc:
            fail(f"{data}: {exc.message}")
    typer.echo(f"{result['reports']} anmälningar, {result['annotations']} nya annoteringar.")
    if result["replaced"]:
        typer.echo(f"{result['replaced']} stycken hade ändrats i filen och fick den nya texten.")


@app.command("evaluate")
def evaluate_command(
    data: Annotated[Path, typer.Option("--data", callback=existing_file, help="Annoterad JSONL.")],
    folds: Annotated[int, typer.Option("--folds", min=2, max=20)] = 5,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            help="Mät en språkmodell i katalogen (etiketter med exempel) i stället för "
            "klassificeraren. Varje anrop blir en körning; K3-regeln gäller.",
        ),
    ] = None,
    json_out: JsonOption = False,
    tenant: TenantOpt = "default",
    data_dir: DataDirOption = None,
) -> None:
    """Korsvalidera klassificeraren på annoterade anmälningar (grupperat per anmälan), eller
    mät en språkmodell på dem (--model)."""
    from tillit.concern.classifier import cross_validate, load_jsonl

    try:
        reports = load_jsonl(data)
    except ValueError as exc:
        fail(f"{data}: {exc}")
    if model is not None:
        result = _evaluate_language_model(model, reports, tenant, data_dir)
        heading = f"Språkmodellen {model}, {len(reports)} anmälningar"
    else:
        if len(reports) < folds:
            fail(f"För få anmälningar ({len(reports)}) för {folds} delar.")
        result = cross_validate(reports, folds=folds)
        heading = f"Korsvalidering, {folds} delar, {len(reports)} anmälningar"
    if json_out:
        print_json(result)
        return
    examples = make_card(reports, data.name)["training_data"]["labels"]
    typer.echo(f"{heading}:\n")
    typer.echo(totals_line(result))
    typer.echo(figures_markdown(result, examples))


def _evaluate_language_model(
    model: str, reports: list[Any], tenant: str, data_dir: Path | None
) -> dict[str, Any]:
    from tillit.concern.model_labels import evaluate_model

    with open_platform(data_dir) as platform:  # a refusal or an unreachable model: exit 1
        return evaluate_model(platform, system_principal(platform, tenant), model, reports)


def totals_line(result: dict[str, Any]) -> str:
    figures = (result["micro_f1"], result["macro_f1"], result["report_micro_f1"])
    micro, macro, report = (f"{value:.2f}".replace(".", ",") for value in figures)
    unreadable = result.get("unreadable_answers")
    tail = f" · oläsbara svar: {unreadable}" if unreadable else ""
    return f"Mikro-F1 {micro} · makro-F1 {macro} · anmälningsnivå (mikro-F1) {report}{tail}\n"


@app.command("office")
def office_command(
    municipality: Annotated[
        str | None, typer.Option("--municipality", help="Kommunens namn.")
    ] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="Enhet, t.ex. Barn och unga.")] = None,
    address: Annotated[
        list[str] | None, typer.Option("--address", help="Adressrad (upprepa för fler).")
    ] = None,
    phone: Annotated[str | None, typer.Option("--phone")] = None,
    email: Annotated[str | None, typer.Option("--email")] = None,
    tenant: TenantOpt = "default",
    data_dir: DataDirOption = None,
) -> None:
    """Kontorsuppgifterna som breven får (brevhuvud och sidfot); utan flaggor: visa dem."""
    if email and not EMAIL.fullmatch(email.strip()):
        fail(f"'{email}' är ingen e-postadress; den skulle skrivas på varje brev.")
    changes = {"municipality": municipality, "unit": unit, "phone": phone, "email": email}
    changes = {k: v for k, v in changes.items() if v is not None}
    if address:
        changes["address"] = address
    with open_platform(data_dir) as platform:
        principal = system_principal(platform, tenant)
        with platform.session() as db:
            rules = settings_for(db, principal.tenant_id)
            if changes:
                rules.office = {**rules.office, **changes}
                record(db, principal, "concern.settings", detail={"fields": sorted(changes)})
            office = dict(rules.office)
    print_json(office)
