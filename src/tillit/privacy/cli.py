"""``tillit privacy detect|pseudonymise``: JSONL in, JSONL out, one line at a time.

Input lines: ``{"id": …, "text": "…"}``. A malformed line stops the run with its line number and
exit code 1; the output file is written to a temporary file and renamed only on success, so no
partial output is left behind. Messages name line numbers and ids, never the text or its values.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, BinaryIO

import typer

from tillit.auth.secretbox import SecretBox
from tillit.cli_support import DataDirOption, fail
from tillit.config import load_settings
from tillit.errors import TillitError
from tillit.privacy.detect import detect
from tillit.privacy.pseudonymise import Pseudonymiser

MAX_LINE_BYTES = 64 * 1024 * 1024

app = typer.Typer(help="Personuppgifter: hitta och pseudonymisera.", no_args_is_help=True)

InputOption = Annotated[
    Path, typer.Option("--input", exists=True, dir_okay=False, help="JSONL: {id, text} per rad.")
]
OutputOption = Annotated[Path, typer.Option("--output", dir_okay=False, help="JSONL att skriva.")]


class LineError(Exception):
    def __init__(self, number: int, reason: str) -> None:
        super().__init__(f"rad {number}: {reason}")


@app.command("detect")
def detect_command(input: InputOption, output: OutputOption) -> None:
    """Hitta personuppgifter; skriver {id, entities: [{start, end, type, text}]} per rad."""

    def handle(row: dict[str, Any]) -> dict[str, Any]:
        return {"id": row["id"], "entities": [e.as_dict() for e in detect(row["text"])]}

    _run(input, output, handle)


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

    _run(input, output, handle)
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


def _run(source: Path, target: Path, handle: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    count = 0
    try:
        with source.open("rb") as reader, os.fdopen(fd, "w", encoding="utf-8") as writer:
            for row in _rows(reader):
                writer.write(json.dumps(handle(row), ensure_ascii=False) + "\n")
                count += 1
        os.replace(temp, target)
    except LineError as exc:
        os.unlink(temp)
        fail(f"{exc}. Ingen utfil skrevs.")
    except BaseException:
        os.unlink(temp)
        raise
    typer.echo(f"{count} rader skrivna till {target}", err=True)


def _rows(reader: BinaryIO) -> Iterator[dict[str, Any]]:
    number = 0
    while True:
        raw = reader.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE_BYTES:
            raise LineError(number, f"raden är större än {MAX_LINE_BYTES // 2**20} MiB")
        if raw.strip():
            yield _parse(number, raw)


def _parse(number: int, raw: bytes) -> dict[str, Any]:
    try:
        row = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise LineError(number, "inte UTF-8") from None
    except json.JSONDecodeError as exc:
        raise LineError(number, f"ogiltig JSON (tecken {exc.pos})") from None
    if not isinstance(row, dict):
        raise LineError(number, "raden är inte ett JSON-objekt")
    if not isinstance(row.get("text"), str):
        raise LineError(number, 'fältet "text" saknas eller är inte en sträng')
    if "id" not in row or not isinstance(row["id"], str | int):
        raise LineError(number, 'fältet "id" saknas eller är inte en sträng eller ett tal')
    return row


def _write_atomically(path: Path, content: str) -> None:
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(content)
    os.replace(temp, path)
