"""``tillit models …``"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import anyio
import typer
from pydantic import ValidationError

from tillit.audit.service import record as audit
from tillit.auth.service import get_tenant
from tillit.catalog import service
from tillit.catalog.health import check_health
from tillit.catalog.schemas import ModelIn
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
from tillit.validation_text import describe

app = typer.Typer(help="Modellkatalogen.", no_args_is_help=True)


@app.command("add")
def add(
    name: str,
    provider: Annotated[str, typer.Option(help="openai-compatible, anthropic, local-embeddings")],
    model: Annotated[str, typer.Option("--model", help="Modellens id hos leverantören.")],
    base_url: Annotated[str | None, typer.Option("--base-url")] = None,
    api_key_env: Annotated[str | None, typer.Option("--api-key-env")] = None,
    max_class: Annotated[str, typer.Option("--max-class")] = "K1",
    capability: Annotated[list[str] | None, typer.Option("--capability")] = None,
    hosting: Annotated[str, typer.Option()] = "external",
    country: Annotated[str | None, typer.Option()] = None,
    supplier: Annotated[str | None, typer.Option()] = None,
    licence: Annotated[str | None, typer.Option()] = None,
    version: Annotated[str | None, typer.Option()] = None,
    price_in: Annotated[float | None, typer.Option("--price-in")] = None,
    price_out: Annotated[float | None, typer.Option("--price-out")] = None,
    model_card: Annotated[
        Path | None, typer.Option("--model-card", callback=existing_file, help="Textfil.")
    ] = None,
    shared: Annotated[bool, typer.Option(help="Tillgänglig för alla organisationer.")] = False,
    tenant: TenantOption = "default",
    json_out: JsonOption = False,
    data_dir: DataDirOption = None,
) -> None:
    """Registrera en modell."""
    try:
        data = ModelIn(
            name=name,
            provider=provider,
            base_url=base_url,
            remote_model=model,
            api_key_env=api_key_env,
            max_class=max_class.upper(),
            capabilities=capability or ["chat"],
            hosting=hosting,
            country=country,
            supplier=supplier,
            licence=licence,
            version=version,
            price_in_per_1k=price_in,
            price_out_per_1k=price_out,
            shared=shared,
            model_card=_read_card(model_card),
        )
    except ValidationError as exc:
        fail(describe(exc.errors()))
    with open_platform(data_dir) as platform:
        principal = system_principal(platform, tenant)
        with platform.session() as db:
            added = service.add_model(db, get_tenant(db, tenant), data, platform.box)
            audit(
                db,
                principal,
                "model.add",
                object_type="model",
                object_id=added.id,
                detail={"name": added.name, "max_class": added.max_class},
            )
            out = service.to_out(added, service.tenant_slugs(db))
    if json_out:
        print_json(out.model_dump(mode="json"))
    else:
        typer.echo(f"Registrerade modellen {out.name} (id {out.id}, högst {out.max_class}).")
    for warning in out.warnings:
        typer.echo(warning, err=True)


@app.command("list")
def list_(
    tenant: TenantOption = "default", json_out: JsonOption = False, data_dir: DataDirOption = None
) -> None:
    """Lista modeller."""
    with open_platform(data_dir) as platform, platform.session() as db:
        slugs = service.tenant_slugs(db)
        models = [
            service.to_out(m, slugs) for m in service.list_models(db, get_tenant(db, tenant).id)
        ]
    if json_out:
        print_json([m.model_dump(mode="json") for m in models])
        return
    for m in models:
        state = "på" if m.enabled else "av"
        typer.echo(f"{m.id:>4}  {m.name:<30} {m.provider:<18} {m.max_class}  {state}  {m.hosting}")


@app.command("disable")
def disable(name: str, tenant: TenantOption = "default", data_dir: DataDirOption = None) -> None:
    """Stäng av en modell: anrop till den nekas tills den slås på igen."""
    _switch(name, tenant, data_dir, enabled=False)


@app.command("enable")
def enable(name: str, tenant: TenantOption = "default", data_dir: DataDirOption = None) -> None:
    """Slå på en avstängd modell igen."""
    _switch(name, tenant, data_dir, enabled=True)


def _switch(name: str, tenant: str, data_dir: Path | None, enabled: bool) -> None:
    with open_platform(data_dir) as platform:
        principal = system_principal(platform, tenant)
        with platform.session() as db:
            model = service.resolve_by_name(db, principal.tenant_id, name)
            service.set_enabled(db, principal.tenant_id, model.id, enabled)
            action = "model.enable" if enabled else "model.disable"
            audit(db, principal, action, object_type="model", object_id=model.id)
    typer.echo(f"Modellen '{name}' är {'påslagen' if enabled else 'avstängd'}.")


@app.command("health")
def health(
    name: str,
    tenant: TenantOption = "default",
    json_out: JsonOption = False,
    data_dir: DataDirOption = None,
) -> None:
    """Hälsokontroll av en modell."""
    with open_platform(data_dir) as platform:
        principal = system_principal(platform, tenant)
        with platform.session() as db:
            model_id = service.resolve_by_name(db, principal.tenant_id, name).id

        async def check_and_close():  # type: ignore[no-untyped-def]
            try:
                return await check_health(platform, principal, model_id)
            finally:
                await platform.providers.aclose()

        model = anyio.run(check_and_close)
    result = {"model": name, "status": model.health_status, "detail": model.health_detail}
    if json_out:
        print_json(result)
    else:
        typer.echo(f"{name}: {model.health_status} – {model.health_detail}")
    if model.health_status == "error":
        raise typer.Exit(1)


def _read_card(path: Path | None) -> str:
    if path is None:
        return ""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        fail(f"{path}: modellkortet måste vara text i UTF-8.")
