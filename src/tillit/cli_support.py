"""Shared CLI plumbing: the --data-dir option, opening the platform, printing and errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from tillit.auth.first_admin import create_first_admin
from tillit.auth.roles import Principal
from tillit.auth.service import get_tenant
from tillit.config import load_settings
from tillit.errors import TillitError
from tillit.platform import Platform

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Datakatalog (annars TILLIT_DATA_DIR, annars ./tillit-data).",
        show_default=False,
    ),
]
"""No ``envvar`` here: TILLIT_DATA_DIR is read by ``Settings`` only when no --data-dir was given
anywhere on the line, so ``tillit --data-dir B cmd`` wins over the environment."""
JsonOption = Annotated[bool, typer.Option("--json", help="Skriv ut JSON.")]
TenantOption = Annotated[str, typer.Option("--tenant", help="Organisationens kortnamn.")]

_state: dict[str, Path | None] = {"data_dir": None}


def reset_data_dir(data_dir: Path | None) -> None:
    """Each command line starts from its own top-level --data-dir (or none)."""
    _state["data_dir"] = data_dir


def remember_data_dir(data_dir: Path | None) -> None:
    if data_dir is not None:
        _state["data_dir"] = data_dir


@contextmanager
def open_platform(data_dir: Path | None = None, *, first_admin: bool = True) -> Iterator[Platform]:
    """Open the platform; domain errors become a clear message and exit code 1.

    Whichever command creates the database makes the first administrator and shows its password
    (``first_admin=False``: the command makes an administrator itself, which then is the first).
    """
    remember_data_dir(data_dir)
    try:
        platform = Platform.open(load_settings(data_dir=_state["data_dir"]))
        try:
            if platform.created_database and first_admin:
                announce_first_admin(platform)
            yield platform
        finally:
            platform.engine.dispose()
    except TillitError as exc:
        fail(f"{exc.message} [{exc.code}]")


def announce_first_admin(platform: Platform) -> None:
    """Create the first administrator if the installation has no users, and print its login once.
    On stderr: it is for the person at the terminal, and stays out of piped or JSON output."""
    with platform.session() as db:
        created = create_first_admin(db)
    if created is None:
        return
    typer.echo("Första start: en administratör har skapats. Inloggningen visas bara nu:", err=True)
    typer.echo(f"  användarnamn: {created.username}", err=True)
    typer.echo(f"  lösenord:     {created.password}", err=True)


def system_principal(platform: Platform, tenant_slug: str) -> Principal:
    """The local CLI acts as the installation's administrator within one tenant."""
    with platform.session() as db:
        tenant = get_tenant(db, tenant_slug)
        return Principal(tenant.id, tenant.slug, "system", None, "cli", frozenset({"admin"}))


IS_A_DIRECTORY = "är en katalog, inte en fil"


def existing_file(path: Path | None) -> Path | None:
    """Typer callback for an input file: a Swedish error, not click's English usage box."""
    if path is not None and not path.is_file():
        fail(f"{path}: {IS_A_DIRECTORY if path.is_dir() else 'filen finns inte'}.")
    return path


def not_a_directory(path: Path | None) -> Path | None:
    """Typer callback for an output file."""
    if path is not None and path.is_dir():
        fail(f"{path}: {IS_A_DIRECTORY}.")
    return path


_OS_REASONS: tuple[tuple[type[OSError], str], ...] = (
    (FileNotFoundError, "finns inte"),
    (IsADirectoryError, IS_A_DIRECTORY),
    (NotADirectoryError, "en del av sökvägen är inte en katalog"),
    (FileExistsError, "finns redan och är inte en katalog"),
    (PermissionError, "åtkomst nekad"),
)


def describe_os_error(exc: OSError) -> str:
    """A file-system error as one Swedish line naming the path (no traceback)."""
    reason = next((text for kind, text in _OS_REASONS if isinstance(exc, kind)), None)
    reason = reason or exc.strerror or "kunde inte läsas eller skrivas"
    return f"{exc.filename}: {reason}." if exc.filename else f"In- eller utmatning: {reason}."


def fail(message: str) -> NoReturn:
    typer.echo(f"Fel: {message}", err=True)
    raise typer.Exit(1)


def print_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n")
