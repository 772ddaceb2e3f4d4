"""Shared CLI plumbing: the --data-dir option, opening the platform, printing and errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from tillit.auth.roles import Principal
from tillit.auth.service import get_tenant
from tillit.config import load_settings
from tillit.errors import TillitError
from tillit.platform import Platform

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir", envvar="TILLIT_DATA_DIR", help="Datakatalog (standard ./tillit-data)."
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Skriv ut JSON.")]
TenantOption = Annotated[str, typer.Option("--tenant", help="Organisationens kortnamn.")]

_state: dict[str, Path | None] = {"data_dir": None}


def remember_data_dir(data_dir: Path | None) -> None:
    if data_dir is not None:
        _state["data_dir"] = data_dir


@contextmanager
def open_platform(data_dir: Path | None = None) -> Iterator[Platform]:
    """Open the platform; domain errors become a clear message and exit code 1."""
    remember_data_dir(data_dir)
    try:
        platform = Platform.open(load_settings(data_dir=_state["data_dir"]))
        try:
            yield platform
        finally:
            platform.engine.dispose()
    except TillitError as exc:
        fail(f"{exc.message} [{exc.code}]")


def system_principal(platform: Platform, tenant_slug: str) -> Principal:
    """The local CLI acts as the installation's administrator within one tenant."""
    with platform.session() as db:
        tenant = get_tenant(db, tenant_slug)
        return Principal(tenant.id, tenant.slug, "system", None, "cli", frozenset({"admin"}))


def fail(message: str) -> None:
    typer.echo(f"Fel: {message}", err=True)
    raise typer.Exit(1)


def print_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n")
