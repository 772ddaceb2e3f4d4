"""``tillit oidc …``: login with an organisation account (OpenID Connect, e.g. Entra ID)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from tillit.audit.service import record as audit
from tillit.auth import oidc
from tillit.auth.service import get_tenant
from tillit.cli_support import (
    DataDirOption,
    JsonOption,
    TenantOption,
    fail,
    open_platform,
    print_json,
    system_principal,
)
from tillit.platform import Platform

app = typer.Typer(
    help="Inloggning med organisationskonto (OpenID Connect, t.ex. Microsoft Entra ID).",
    no_args_is_help=True,
)


def _callback_url(platform: Platform) -> str:
    base = (platform.settings.public_base_url or "https://<er-tillit-adress>").rstrip("/")
    return base + oidc.CALLBACK_PATH


def _secret_from_env(variable: str | None) -> str | None:
    if variable is None:
        return None
    secret = os.environ.get(variable)
    if not secret:
        fail(f"Miljövariabeln {variable} är tom eller saknas.")
    return secret


@app.command("set")
def set_oidc(
    issuer: Annotated[str, typer.Option("--issuer", help="Utfärdarens adress (issuer).")],
    client_id: Annotated[str, typer.Option("--client-id", help="Klient-id (application id).")],
    tenant: TenantOption = "default",
    client_secret_env: Annotated[
        str | None,
        typer.Option(
            "--client-secret-env",
            help="Läs klienthemligheten från denna miljövariabel (utelämnad: behåll den lagrade).",
        ),
    ] = None,
    scopes: Annotated[str, typer.Option("--scopes")] = oidc.DEFAULT_SCOPES,
    default_role: Annotated[
        list[str] | None,
        typer.Option(
            "--default-role", help="Roll för nya användare (kan upprepas; standard viewer)."
        ),
    ] = None,
    display_name: Annotated[
        str | None, typer.Option("--display-name", help="Text på inloggningsknappen.")
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Konfigurera och aktivera inloggning med organisationskonto för en organisation."""
    secret = _secret_from_env(client_secret_env)
    with open_platform(data_dir) as platform:
        principal = system_principal(platform, tenant)
        with platform.session() as db:
            provider = oidc.configure_oidc(
                db,
                get_tenant(db, tenant),
                issuer,
                client_id,
                secret,
                platform.box,
                scopes=scopes,
                default_roles=default_role,
                display_name=display_name,
            )
            audit(
                db,
                principal,
                "oidc.configure",
                object_type="oidc_provider",
                object_id=provider.id,
                detail={
                    "issuer": provider.issuer,
                    "client_id": provider.client_id,
                    "secret_changed": secret is not None,
                    "default_roles": provider.default_roles,
                    "enabled": True,
                },
            )
        callback = _callback_url(platform)
    typer.echo(f"Inloggning med organisationskonto är aktiverad för {tenant} ({provider.issuer}).")
    typer.echo(f"Registrera omdirigeringsadressen hos identitetsleverantören: {callback}")


@app.command("show")
def show_oidc(
    tenant: TenantOption = "default", json_out: JsonOption = False, data_dir: DataDirOption = None
) -> None:
    """Visa konfigurationen (aldrig klienthemligheten)."""
    with open_platform(data_dir) as platform:
        with platform.session() as db:
            described = oidc.describe(oidc.get_oidc(db, tenant), tenant)
        described["redirect_uri"] = _callback_url(platform)
    if json_out:
        print_json(described)
        return
    for key, value in described.items():
        shown = ", ".join(value) if isinstance(value, list) else value
        typer.echo(f"{key:<18} {shown}")


@app.command("disable")
def disable_oidc(tenant: TenantOption = "default", data_dir: DataDirOption = None) -> None:
    """Stäng av inloggning med organisationskonto (konfigurationen sparas)."""
    with open_platform(data_dir) as platform:
        principal = system_principal(platform, tenant)
        with platform.session() as db:
            provider = oidc.disable_oidc(db, tenant)
            audit(
                db,
                principal,
                "oidc.disable",
                object_type="oidc_provider",
                object_id=provider.id,
            )
    typer.echo(f"Inloggning med organisationskonto är avstängd för {tenant}.")
