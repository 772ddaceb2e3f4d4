"""The ``tillit`` command. Every command honours --data-dir / TILLIT_DATA_DIR and works while a
server runs on the same data directory (SQLite in WAL mode)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from typer.core import TyperGroup

from tillit.apps.cli import app as apps_app
from tillit.apps.cli import ask_command
from tillit.audit.cli import app as audit_app
from tillit.auth.cli import admin_app, keys_app, tenants_app
from tillit.auth.oidc_cli import app as oidc_app
from tillit.catalog.cli import app as models_app
from tillit.cli_support import DataDirOption, describe_os_error, reset_data_dir
from tillit.concern.cli import app as concern_app
from tillit.governance.cli import app as governance_app
from tillit.knowledge.cli import ingest_command, search_command
from tillit.privacy.cli import app as privacy_app
from tillit.runs.cli import runs_app, usage_command
from tillit.web.cli import serve_command

EXIT_STDOUT_CLOSED = 141
"""128 + SIGPIPE: the status a shell reports for ``cat big.txt | head``, so a script with
``set -o pipefail`` sees that the output was cut short, as it would for any other program."""


class TillitGroup(TyperGroup):
    """The root command. A reader that stops reading early (``tillit audit export | head``)
    ends whichever command is writing quietly: no traceback, no message, status 141. Help
    (``tillit --help | head``) is written while the command line is parsed, hence both methods."""

    def make_context(self, *args: Any, **kwargs: Any) -> typer.Context:
        with _quiet_when_stdout_closes():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: typer.Context) -> Any:
        with _quiet_when_stdout_closes():
            return super().invoke(ctx)


@contextmanager
def _quiet_when_stdout_closes() -> Iterator[None]:
    try:
        try:
            yield
        finally:
            if sys.stdout is not None:  # None when started with stdout closed (>&-)
                sys.stdout.flush()  # output still buffered meets the closed pipe here, not at exit
    except BrokenPipeError:
        _discard_stdout()
        raise typer.Exit(EXIT_STDOUT_CLOSED) from None
    except SystemExit as exc:
        if isinstance(exc.__context__, BrokenPipeError):  # rich (help text) exits 1 on it
            raise typer.Exit(EXIT_STDOUT_CLOSED) from None
        raise


def _discard_stdout() -> None:
    """Send what is still buffered to /dev/null, so the interpreter's last flush cannot fail."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a real file (e.g. a test runner's buffer)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


app = typer.Typer(
    name="tillit",
    help="Tillit — öppen AI-plattform för kommuner.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=TillitGroup,
)


@app.callback()
def root(data_dir: DataDirOption = None) -> None:
    """Tillit: modellkatalog, gateway, nycklar, loggar."""
    reset_data_dir(data_dir)


app.command("serve")(serve_command)
app.command("usage")(usage_command)
app.command("ingest")(ingest_command)
app.command("search")(search_command)
app.command("ask")(ask_command)
app.add_typer(apps_app, name="apps")
app.add_typer(privacy_app, name="privacy")
app.add_typer(concern_app, name="concern")
app.add_typer(governance_app, name="governance")
app.add_typer(models_app, name="models")
app.add_typer(keys_app, name="keys")
app.add_typer(audit_app, name="audit")
app.add_typer(admin_app, name="admin")
app.add_typer(tenants_app, name="tenants")
app.add_typer(runs_app, name="runs")
app.add_typer(oidc_app, name="oidc")


def main() -> None:
    """The console script: a file that cannot be read or written is one line, not a traceback."""
    try:
        app()
    except OSError as exc:
        typer.echo(f"Fel: {describe_os_error(exc)}", err=True)
        raise SystemExit(1) from None
