"""``tillit serve``"""

from __future__ import annotations

import os
import secrets
from typing import Annotated

import typer
import uvicorn

from tillit.audit.service import record as audit
from tillit.auth import service
from tillit.cli_support import DataDirOption, open_platform, remember_data_dir

FIRST_ADMIN = "admin"


def serve_command(
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
    workers: Annotated[int, typer.Option("--workers", help="Antal processer.")] = 1,
    access_log: Annotated[bool, typer.Option("--access-log/--no-access-log")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Starta webbsidor, JSON-API och gateway."""
    remember_data_dir(data_dir)
    with open_platform(data_dir) as platform:
        _bootstrap_first_admin(platform)
        resolved = platform.settings.data_dir.resolve()
    os.environ["TILLIT_DATA_DIR"] = str(resolved)
    typer.echo(f"Tillit startar på http://{host}:{port} (data: {resolved})")
    uvicorn.run(
        "tillit.web.asgi:app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        log_level="info",
        timeout_graceful_shutdown=10,
    )


def _bootstrap_first_admin(platform) -> None:  # type: ignore[no-untyped-def]
    """On the very first start, create an administrator and print the password once."""
    with platform.session() as db:
        if service.has_users(db):
            return
        password = secrets.token_urlsafe(12)
        tenant = service.ensure_default_tenant(db)
        user = service.create_user(db, tenant, FIRST_ADMIN, password, ["admin"], "Administratör")
        audit(
            db,
            None,
            "user.create",
            object_type="user",
            object_id=user.id,
            tenant_id=tenant.id,
            actor="system:first-start",
            detail={"roles": ["admin"]},
        )
    typer.echo("Första start: en administratör har skapats. Inloggningen visas bara nu:")
    typer.echo(f"  användarnamn: {FIRST_ADMIN}")
    typer.echo(f"  lösenord:     {password}")
