"""``tillit governance …``: the record, the AI Act decision aid, sign-offs and transitions.
The local CLI acts for the installation's administrator; whoever writes or approves is named
with --as (the name must match the person named in the record for that role)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from tillit.cli_support import (
    DataDirOption,
    JsonOption,
    TenantOption,
    fail,
    open_platform,
    print_json,
    system_principal,
)
from tillit.governance import aiact
from tillit.governance.record import dump_record, parse_record
from tillit.governance.service import (
    GateBlocked,
    audit_blocked,
    classify_ai_act,
    save_record,
    transition,
)
from tillit.governance.signoffs import sign_off
from tillit.governance.state import current_record, governed_app
from tillit.governance.status import status_dict

app = typer.Typer(
    help="Styrning: livscykel, underlag, bedömningar och godkännanden.", no_args_is_help=True
)
AsOption = Annotated[str, typer.Option("--as", help="Personen som skriver eller godkänner.")]


def _print_status(status: dict[str, Any]) -> None:
    review = " – under ny granskning" if status["under_review"] else ""
    typer.echo(f"{status['app']}: {status['state_label']}{review}")
    typer.echo(f"Underlag: version {status['record_version']}")
    gate = status["next_gate"]
    if gate:
        typer.echo(f"Nästa grind {gate['id']} → {gate['to_label']}:")
        for item in gate["missing"] or ["inget saknas"]:
            typer.echo(f"  - {item}")


@app.command("status")
def status_command(
    name: str,
    tenant: TenantOption = "default",
    json_out: JsonOption = False,
    data_dir: DataDirOption = None,
) -> None:
    """Visa läge, nästa grind och vad som saknas."""
    with open_platform(data_dir) as platform:
        principal = system_principal(platform, tenant)
        with platform.session() as db:
            status = status_dict(db, governed_app(db, principal.tenant_id, name))
    if json_out:
        print_json(status)
    else:
        _print_status(status)


@app.command("record")
def record_command(
    name: str,
    file: Path,
    as_person: AsOption,
    tenant: TenantOption = "default",
    data_dir: DataDirOption = None,
) -> None:
    """Spara en ny version av underlaget från en YAML-fil."""
    if not file.is_file():
        fail(f"Filen {file} finns inte.")
    with open_platform(data_dir) as platform:
        data = parse_record(file.read_bytes())
        principal = system_principal(platform, tenant)
        with platform.session() as db:
            version = save_record(
                db, governed_app(db, principal.tenant_id, name), data, as_person, principal
            )
    typer.echo(f"Underlaget för {name} är nu version {version}.")


@app.command("show-record")
def show_record_command(
    name: str, tenant: TenantOption = "default", data_dir: DataDirOption = None
) -> None:
    """Skriv ut underlaget som YAML (utgångspunkt för nästa version)."""
    with open_platform(data_dir) as platform:
        principal = system_principal(platform, tenant)
        with platform.session() as db:
            _, record, _ = current_record(db, governed_app(db, principal.tenant_id, name))
    typer.echo(dump_record(record), nl=False)


@app.command("questions")
def questions_command() -> None:
    """Beslutsstödets frågor för AI-förordningen (JSON)."""
    print_json(aiact.questions_json())


@app.command("aiact")
def aiact_command(
    name: str,
    answers: Annotated[str, typer.Option("--answers", help="Svaren som JSON eller @fil.json")],
    as_person: AsOption,
    tenant: TenantOption = "default",
    data_dir: DataDirOption = None,
) -> None:
    """Klassa appen med beslutsstödet; resultatet sparas i underlaget."""
    raw = Path(answers[1:]).read_text(encoding="utf-8") if answers.startswith("@") else answers
    try:
        parsed = json.loads(raw)
    except ValueError:
        fail("--answers måste vara JSON.")
    with open_platform(data_dir) as platform:
        principal = system_principal(platform, tenant)
        with platform.session() as db:
            app_row = governed_app(db, principal.tenant_id, name)
            result = classify_ai_act(db, app_row, parsed, as_person, principal)
    print_json(result)


@app.command("signoff")
def signoff_command(
    name: str,
    role: Annotated[str, typer.Option("--role", help="owner, dpo, infosec eller legal")],
    as_person: AsOption,
    retire: Annotated[bool, typer.Option("--retire", help="Godkänn avveckling")] = False,
    comment: Annotated[str, typer.Option("--comment")] = "",
    tenant: TenantOption = "default",
    data_dir: DataDirOption = None,
) -> None:
    """Godkänn nästa grind i en roll."""
    with open_platform(data_dir) as platform:
        principal = system_principal(platform, tenant)
        with platform.session() as db:
            app_row = governed_app(db, principal.tenant_id, name)
            signed = sign_off(
                db, app_row, role, as_person, principal, retire=retire, comment=comment
            )
            gate = signed.gate
    typer.echo(f"{as_person} godkände grind {gate} som {role}.")


@app.command("transition")
def transition_command(
    name: str,
    state: str,
    as_person: AsOption,
    reason: Annotated[str, typer.Option("--reason")] = "",
    tenant: TenantOption = "default",
    data_dir: DataDirOption = None,
) -> None:
    """Flytta appen till ett annat läge (framåt bara genom en godkänd grind)."""
    with open_platform(data_dir) as platform:
        principal = system_principal(platform, tenant)
        try:
            with platform.session() as db:
                lifecycle = transition(
                    db,
                    governed_app(db, principal.tenant_id, name),
                    state,
                    principal,
                    as_person,
                    reason,
                )
                label = lifecycle.state
        except GateBlocked as exc:
            with platform.session() as db:
                app_row = governed_app(db, principal.tenant_id, name)
                audit_blocked(db, app_row, principal, as_person, state, exc)
            typer.echo(f"Fel: grinden {exc.gate.id} är inte passerad. Saknas:", err=True)
            for item in exc.missing:
                typer.echo(f"  - {item}", err=True)
            raise typer.Exit(1) from None
    typer.echo(f"{name} är nu i läget {label}.")
