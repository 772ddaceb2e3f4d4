"""``tillit serve``"""

from __future__ import annotations

import os
from typing import Annotated

import typer
import uvicorn

from tillit.cli_support import (
    DataDirOption,
    announce_first_admin,
    open_platform,
    remember_data_dir,
)


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
        # Also when another process created the database (e.g. the ASGI app run directly)
        # and nobody has an account yet: as before, the first serve makes the administrator.
        announce_first_admin(platform)
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
