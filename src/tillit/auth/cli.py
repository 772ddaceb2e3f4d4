"""``tillit keys …``, ``tillit admin …``, ``tillit tenants …``"""

from __future__ import annotations

import os
import secrets
from datetime import datetime
from typing import Annotated

import typer

from tillit.audit.service import record as audit
from tillit.auth import keys as key_service
from tillit.auth import service
from tillit.auth.first_admin import FIRST_ADMIN
from tillit.auth.schemas import KeyOut
from tillit.cli_support import (
    DataDirOption,
    JsonOption,
    TenantOption,
    fail,
    open_platform,
    print_json,
    system_principal,
)

keys_app = typer.Typer(help="API-nycklar.", no_args_is_help=True)
admin_app = typer.Typer(help="Administration: användare.", no_args_is_help=True)
tenants_app = typer.Typer(help="Organisationer (tenants).", no_args_is_help=True)


@keys_app.command("create")
def create_key(
    name: Annotated[str, typer.Option("--name")],
    tenant: TenantOption = "default",
    max_class: Annotated[str, typer.Option("--max-class", help="Nyckelns standardklass.")] = "K1",
    role: Annotated[str, typer.Option("--role")] = "viewer",
    expires: Annotated[datetime | None, typer.Option("--expires", help="ÅÅÅÅ-MM-DD")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Skapa en API-nyckel. Nyckeln skrivs ut ensam på sista raden, bara denna gång."""
    with open_platform(data_dir) as platform:
        principal = system_principal(platform, tenant)
        with platform.session() as db:
            key, secret = key_service.create_key(
                db,
                service.get_tenant(db, tenant),
                name,
                role=role,
                default_class=max_class,
                expires_at=expires,
            )
            audit(
                db,
                principal,
                "key.create",
                object_type="api_key",
                object_id=key.id,
                detail={"name": key.name, "role": key.role, "default_class": key.default_class},
            )
    typer.echo(
        f"Skapade nyckeln '{key.name}' (id {key.id}, klass {key.default_class}, roll {key.role})."
    )
    typer.echo("Spara nyckeln nu – den visas inte igen:")
    typer.echo(secret)


@keys_app.command("list")
def list_keys(
    tenant: TenantOption = "default", json_out: JsonOption = False, data_dir: DataDirOption = None
) -> None:
    """Lista nycklar (aldrig själva hemligheten)."""
    with open_platform(data_dir) as platform, platform.session() as db:
        keys = [KeyOut.of(k) for k in key_service.list_keys(db, service.get_tenant(db, tenant).id)]
    if json_out:
        print_json([k.model_dump(mode="json") for k in keys])
        return
    for k in keys:
        typer.echo(
            f"{k.id:>4}  {k.prefix}…  {k.name:<30} {k.default_class}  {k.role:<10} "
            f"{'aktiv' if k.active else 'inaktiv'}"
        )


@keys_app.command("revoke")
def revoke_key(
    key_id: int, tenant: TenantOption = "default", data_dir: DataDirOption = None
) -> None:
    """Återkalla en nyckel."""
    with open_platform(data_dir) as platform:
        principal = system_principal(platform, tenant)
        with platform.session() as db:
            key_service.revoke_key(db, principal.tenant_id, key_id)
            audit(db, principal, "key.revoke", object_type="api_key", object_id=key_id)
    typer.echo(f"Nyckel {key_id} är återkallad.")


@admin_app.command("create-user")
def create_user(
    username: str,
    tenant: TenantOption = "default",
    role: Annotated[list[str] | None, typer.Option("--role")] = None,
    password_env: Annotated[
        str | None, typer.Option("--password-env", help="Läs lösenordet från denna miljövariabel.")
    ] = None,
    name: Annotated[
        str, typer.Option("--name", help="Namnet som visas, t.ex. i brev: 'Anna Lind'.")
    ] = "",
    data_dir: DataDirOption = None,
) -> None:
    """Skapa en användare. Utan --password-env skapas ett lösenord som skrivs ut en gång."""
    password = os.environ.get(password_env) if password_env else secrets.token_urlsafe(12)
    if password_env and not password:
        fail(f"Miljövariabeln {password_env} är tom eller saknas.")
    roles = role or ["admin"]
    # On a fresh installation an administrator made here is the first administrator: no
    # second account named "admin" is made beside it. Any other role gets one made first.
    with open_platform(data_dir, first_admin="admin" not in roles) as platform:
        if platform.created_database and username == FIRST_ADMIN and "admin" not in roles:
            fail(
                f"Användarnamnet {FIRST_ADMIN} gick nyss till installationens första "
                "administratör (se ovan). Välj ett annat namn för den nya användaren."
            )
        principal = system_principal(platform, tenant)
        with platform.session() as db:
            user = service.create_user(
                db,
                service.get_tenant(db, tenant),
                username,
                password,
                roles,
                display_name=name.strip(),
            )
            audit(
                db,
                principal,
                "user.create",
                object_type="user",
                object_id=user.id,
                detail={"roles": user.roles},
            )
    typer.echo(f"Skapade användaren {user.username} ({', '.join(user.roles)}) i {tenant}.")
    if not password_env:
        typer.echo(f"Lösenord (visas bara nu): {password}")


@tenants_app.command("create")
def create_tenant(
    slug: str,
    name: Annotated[str | None, typer.Option("--name")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Skapa en organisation (kommun) i installationen."""
    with open_platform(data_dir) as platform, platform.session() as db:
        tenant = service.create_tenant(db, slug, name or slug)
        audit(
            db,
            None,
            "tenant.create",
            object_type="tenant",
            object_id=tenant.id,
            tenant_id=tenant.id,
            actor="system:cli",
        )
    typer.echo(f"Skapade organisationen {slug}.")


@tenants_app.command("list")
def list_tenants(json_out: JsonOption = False, data_dir: DataDirOption = None) -> None:
    """Lista organisationer."""
    with open_platform(data_dir) as platform, platform.session() as db:
        tenants = [{"slug": t.slug, "name": t.name, "id": t.id} for t in service.list_tenants(db)]
    if json_out:
        print_json(tenants)
        return
    for t in tenants:
        typer.echo(f"{t['slug']:<20} {t['name']}")
