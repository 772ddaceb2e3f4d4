"""``tillit audit …``"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from tillit.audit.service import event_dict, export_csv, export_jsonl, list_events
from tillit.auth.service import get_tenant
from tillit.cli_support import DataDirOption, JsonOption, open_platform, print_json

app = typer.Typer(help="Granskningsloggen (append-only).", no_args_is_help=True)
TenantFilter = Annotated[
    str | None, typer.Option("--tenant", help="Bara denna organisation (standard: alla).")
]


@app.command("list")
def list_(
    json_out: JsonOption = False,
    limit: Annotated[int, typer.Option("--limit")] = 100,
    action: Annotated[str | None, typer.Option("--action")] = None,
    tenant: TenantFilter = None,
    data_dir: DataDirOption = None,
) -> None:
    """Visa de senaste händelserna, nyast först."""
    with open_platform(data_dir) as platform, platform.session() as db:
        tenant_id = get_tenant(db, tenant).id if tenant else None
        events = [event_dict(e) for e in list_events(db, tenant_id, limit=limit, action=action)]
    if json_out:
        print_json(events)
        return
    for e in events:
        typer.echo(
            f"{e['at']}  {e['actor']:<24} {e['action']:<22} {e['outcome']:<7} "
            f"{e['object_type'] or ''} {e['object_id'] or ''}"
        )


@app.command("export")
def export(
    format: Annotated[str, typer.Option("--format", help="jsonl eller csv")] = "jsonl",
    tenant: TenantFilter = None,
    data_dir: DataDirOption = None,
) -> None:
    """Exportera hela loggen till standard ut."""
    if format not in ("jsonl", "csv"):
        typer.echo("Fel: --format måste vara jsonl eller csv.", err=True)
        raise typer.Exit(1)
    with open_platform(data_dir) as platform, platform.session() as db:
        tenant_id = get_tenant(db, tenant).id if tenant else None
        events = list_events(db, tenant_id, limit=10_000_000)
    writer = export_jsonl if format == "jsonl" else export_csv
    for part in writer(reversed(events)):
        sys.stdout.write(part)
