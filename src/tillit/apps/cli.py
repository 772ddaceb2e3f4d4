"""``tillit apps …`` and ``tillit ask``"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tillit.apps.assistant import answer_dict, ask, manifest_for_collection
from tillit.apps.evaluation import evaluate_app, evaluation_dict
from tillit.apps.manifest import dump_manifest, parse_manifest
from tillit.apps.service import apply_manifest, get_app, list_apps, manifest_for_use
from tillit.audit.service import record as audit
from tillit.cli_support import (
    DataDirOption,
    JsonOption,
    TenantOption,
    existing_file,
    fail,
    open_platform,
    print_json,
    system_principal,
)
from tillit.governance.state import get_lifecycle

app = typer.Typer(help="AI-appar (assistenter) definierade av manifest.", no_args_is_help=True)


@app.command("apply")
def apply_command(
    file: Path, tenant: TenantOption = "default", data_dir: DataDirOption = None
) -> None:
    """Skapa eller uppdatera en app från ett YAML-manifest."""
    existing_file(file)
    with open_platform(data_dir) as platform:
        manifest = parse_manifest(file.read_bytes())
        principal = system_principal(platform, tenant)
        with platform.session() as db:
            stored, created = apply_manifest(db, principal.tenant_id, manifest)
            audit(
                db,
                principal,
                "app.apply",
                object_type="app",
                object_id=stored.id,
                detail={"name": stored.name, "version": stored.version, "created": created},
            )
            version = stored.version
    typer.echo(
        f"{'Skapade' if created else 'Uppdaterade'} appen {manifest.name} (version {version})."
    )


@app.command("list")
def list_command(
    tenant: TenantOption = "default", json_out: JsonOption = False, data_dir: DataDirOption = None
) -> None:
    """Lista appar."""
    with open_platform(data_dir) as platform:
        principal = system_principal(platform, tenant)
        with platform.session() as db:
            apps = [
                {
                    "name": a.name,
                    "kind": a.kind,
                    "version": a.version,
                    "purpose": a.manifest.get("purpose"),
                    "model": a.manifest.get("model"),
                    "collections": a.manifest.get("collections"),
                    "audience": a.manifest.get("audience"),
                    "security_class": a.manifest.get("security_class"),
                    "lifecycle_state": get_lifecycle(db, a).state,
                    "updated_at": a.updated_at.isoformat(),
                }
                for a in list_apps(db, principal.tenant_id)
            ]
    if json_out:
        print_json(apps)
        return
    for a in apps:
        line = f"{a['name']:<30} {a['kind']:<10} v{a['version']:<4} {a['lifecycle_state']:<11}"
        typer.echo(f"{line} {a['purpose']}")


@app.command("export")
def export_command(
    name: str, tenant: TenantOption = "default", data_dir: DataDirOption = None
) -> None:
    """Skriv ut appens manifest (YAML), för att dela med en annan kommun."""
    with open_platform(data_dir) as platform:
        principal = system_principal(platform, tenant)
        with platform.session() as db:
            manifest = get_app(db, principal.tenant_id, name).manifest
    typer.echo(dump_manifest(manifest), nl=False)


@app.command("evaluate")
def evaluate_command(
    name: str,
    data: Annotated[
        Path,
        typer.Option(
            "--data",
            help='Frågor i JSON Lines: {"question": "...", "expected": ["dokument-id", ...]}.',
        ),
    ],
    as_person: Annotated[
        str | None, typer.Option("--as", help="Personen som utför utvärderingen.")
    ] = None,
    tenant: TenantOption = "default",
    json_out: JsonOption = False,
    data_dir: DataDirOption = None,
) -> None:
    """Mät appens sökning mot en frågefil: topp 1, recall@5 och MRR (sparas, visas i registret)."""
    existing_file(data)
    raw = data.read_bytes()
    with open_platform(data_dir) as platform:
        principal = system_principal(platform, tenant)
        row, details = evaluate_app(platform, principal, name, raw, data.name, as_person)
        with platform.session() as db:
            audit(
                db,
                principal,
                "app.evaluate",
                object_type="app",
                object_id=row.app_id,
                detail={"name": name, "dataset": row.dataset, "metrics": row.metrics},
            )
    result = {
        "app": name,
        **evaluation_dict(row, row.config_fingerprint),
        "created_by": row.created_by,
        "metrics": row.metrics,
        "per_question": details,
    }
    if json_out:
        print_json(result)
        return
    typer.echo(f"Utvärderade appen {name} med {row.dataset} ({row.questions} frågor).")
    typer.echo(f"  Rätt källa först (topp 1): {_percent(result['top1'])}")
    typer.echo(
        f"  Förväntade källor bland de fem första (recall@5): {_percent(result['recall_at_5'])}"
    )
    typer.echo(f"  MRR: {result['mrr']:.2f}".replace(".", ","))
    typer.echo(f"  Frågor som tjänsten skulle besvara: {_percent(result['answered'])}")


def _percent(value: float) -> str:
    return f"{round(value * 100)} %"


def ask_command(
    question: str,
    collection: Annotated[str | None, typer.Option("--collection")] = None,
    app_name: Annotated[str | None, typer.Option("--app")] = None,
    tenant: TenantOption = "default",
    json_out: JsonOption = False,
    data_dir: DataDirOption = None,
) -> None:
    """Ställ en fråga till en assistent (--app) eller direkt till en samling (--collection)."""
    if (collection is None) == (app_name is None):
        fail("Ange antingen --collection eller --app.")
    with open_platform(data_dir) as platform:
        principal = system_principal(platform, tenant)
        if app_name:
            manifest = manifest_for_use(platform, principal, app_name)
        else:
            manifest = manifest_for_collection(platform, principal, collection or "")
        answer = ask(platform, principal, manifest, question, app_name)
        result = answer_dict(answer, platform.settings.public_base_url)
    if json_out:
        print_json(result)
        return
    typer.echo(answer.text)
    for n, hit in enumerate(answer.citations, 1):
        typer.echo(f"[{n}] {hit.title} – {hit.source}")
    if result["provenance_url"]:
        typer.echo(f"Hur skapades svaret? {result['provenance_url']}")
