"""``tillit privacy detect|pseudonymise``: JSONL in, JSONL out, one line at a time.

Input lines: ``{"id": …, "text": "…"}``. A malformed line stops the run with its line number and
exit code 1; the output file is written to a temporary file and renamed only on success, so no
partial output is left behind. Messages name line numbers and ids, never the text or its values.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from tillit.auth.secretbox import SecretBox
from tillit.cli_jsonl import map_jsonl
from tillit.cli_support import DataDirOption, existing_file, fail, not_a_directory
from tillit.config import load_settings
from tillit.errors import TillitError
from tillit.privacy.detect import detect
from tillit.privacy.pseudonymise import Pseudonymiser

app = typer.Typer(help="Personuppgifter: hitta och pseudonymisera.", no_args_is_help=True)

InputOption = Annotated[
    Path, typer.Option("--input", callback=existing_file, help="JSONL: {id, text} per rad.")
]
OutputOption = Annotated[
    Path, typer.Option("--output", callback=not_a_directory, help="JSONL att skriva.")
]


@app.command("detect")
def detect_command(
    input: InputOption,
    output: OutputOption,
    data_dir: DataDirOption = None,  # accepted like on every command; detection reads no data
) -> None:
    """Hitta personuppgifter; skriver {id, entities: [{start, end, type, text}]} per rad."""

    def handle(row: dict[str, Any]) -> dict[str, Any]:
        return {"id": row["id"], "entities": [e.as_dict() for e in detect(row["text"])]}

    map_jsonl(input, output, handle)


@app.command("pseudonymise")
def pseudonymise_command(
    input: InputOption,
    output: OutputOption,
    irreversible: Annotated[
        bool, typer.Option("--irreversible", help="Spara ingen nyckel (träningsdata, export).")
    ] = False,
    style: Annotated[str, typer.Option("--style", help="tag ([Person 1]) eller names.")] = "tag",
    mapping: Annotated[
        Path | None,
        typer.Option("--mapping", help="Krypterad nyckelfil (standard: OUTPUT.mapping)."),
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Pseudonymisera; samma värde får samma pseudonym i hela filen (ärendet)."""
    if style not in ("tag", "names"):
        fail("--style måste vara tag eller names.")
    mapping = mapping or output.with_name(output.name + ".mapping")
    box = None if irreversible else _secret_box(data_dir)
    pseudonymiser = _pseudonymiser(irreversible, style, mapping, box)

    def handle(row: dict[str, Any]) -> dict[str, Any]:
        result = pseudonymiser.pseudonymise(row["text"])
        replacements = [r.as_dict() for r in result.replacements]
        return {"id": row["id"], "text": result.text, "replacements": replacements}

    map_jsonl(input, output, handle)
    if box is not None:
        _write_atomically(mapping, pseudonymiser.export_mapping(box) + "\n")
        typer.echo(f"Krypterad nyckel: {mapping}", err=True)


def _secret_box(data_dir: Path | None) -> SecretBox:
    settings = load_settings(data_dir=data_dir) if data_dir else load_settings()
    return SecretBox.from_settings(settings)


def _pseudonymiser(
    irreversible: bool, style: str, mapping: Path, box: SecretBox | None
) -> Pseudonymiser:
    if box is not None and mapping.exists():  # continue the same case
        try:
            return Pseudonymiser.from_mapping(mapping.read_text().strip(), box)
        except TillitError as exc:
            fail(f"{exc.message} [{exc.code}]")
    mode = "irreversible" if irreversible else "reversible"
    return Pseudonymiser(mode=mode, style=style)  # type: ignore[arg-type]


def _write_atomically(path: Path, content: str) -> None:
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(content)
    os.replace(temp, path)
