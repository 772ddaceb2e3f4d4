"""``tillit runs …`` and ``tillit usage``"""

from __future__ import annotations

from typing import Annotated

import typer

from tillit.auth.service import get_tenant
from tillit.cli_support import DataDirOption, JsonOption, TenantOption, open_platform, print_json
from tillit.runs.service import get_run, list_runs, run_dict, usage_summary

runs_app = typer.Typer(help="Körningar (varje AI-anrop).", no_args_is_help=True)


@runs_app.command("list")
def list_(
    tenant: TenantOption = "default",
    limit: Annotated[int, typer.Option("--limit")] = 50,
    json_out: JsonOption = False,
    data_dir: DataDirOption = None,
) -> None:
    """De senaste körningarna."""
    with open_platform(data_dir) as platform, platform.session() as db:
        runs = [run_dict(r) for r in list_runs(db, get_tenant(db, tenant).id, limit)]
    if json_out:
        print_json(runs)
        return
    for r in runs:
        typer.echo(
            f"{r['started_at']}  {r['id']}  {r['kind']:<20} {r['model'] or '-':<24} "
            f"{r['security_class'] or '-'}  {r['status']}"
        )


@runs_app.command("show")
def show(
    run_id: str,
    tenant: TenantOption = "default",
    json_out: JsonOption = False,  # accepted like everywhere else; the output is always JSON
    data_dir: DataDirOption = None,
) -> None:
    """En körning som JSON."""
    with open_platform(data_dir) as platform, platform.session() as db:
        print_json(run_dict(get_run(db, get_tenant(db, tenant).id, run_id)))


def usage_command(
    tenant: TenantOption = "default", json_out: JsonOption = False, data_dir: DataDirOption = None
) -> None:
    """Användning per nyckel och modell: anrop, tokens, kostnad."""
    with open_platform(data_dir) as platform, platform.session() as db:
        rows = usage_summary(db, get_tenant(db, tenant).id)
    if json_out:
        print_json(rows)
        return
    for r in rows:
        typer.echo(
            f"{r['caller']:<16} {r['model'] or '-':<24} {r['calls']:>6} anrop  "
            f"{r['prompt_tokens'] + r['completion_tokens']:>8} tokens"
        )
