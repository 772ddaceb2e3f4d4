"""JSONL in, JSONL out, one line at a time, for the batch commands (privacy, concern).

Input lines: ``{"id": …, "text": "…"}``. The whole input is checked before any line is handled:
malformed lines stop the run with exit code 1, each named by its line number (the first
``MAX_REPORTED``), so that one run shows everything to mend and no analysis is wasted on a file
that will be refused. The output is written to a temporary file and renamed only on success, so
no partial output is left behind. Messages name line numbers and ids, never the text.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import typer

from tillit.cli_support import fail

MAX_LINE_BYTES = 64 * 1024 * 1024
MAX_REPORTED = 20
"""Malformed lines named in the error; more are counted."""


class LineError(Exception):
    def __init__(self, number: int, reason: str) -> None:
        super().__init__(f"rad {number}: {reason}")


def map_jsonl(
    source: Path, target: Path, handle: Callable[[dict[str, Any]], dict[str, Any]]
) -> int:
    """Write ``handle(row)`` for each row, all or nothing; returns how many rows were written."""
    if target.exists() and target.resolve() == source.resolve():
        fail(f"{target}: utfilen får inte vara samma fil som infilen (den skulle skrivas över).")
    bad_lines = _malformed_lines(source)
    if bad_lines:
        fail(_malformed_message(bad_lines))
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
    written = "1 rad skriven" if count == 1 else f"{count} rader skrivna"
    typer.echo(f"{written} till {target}", err=True)
    return count


def _malformed_lines(source: Path) -> list[LineError]:
    """Every malformed line of ``source`` (reading it once, keeping no rows)."""
    errors = []
    with source.open("rb") as reader:
        for number, raw in _raw_lines(reader):
            try:
                _parse(number, raw)
            except LineError as exc:
                errors.append(exc)
    return errors


def _malformed_message(errors: list[LineError]) -> str:
    named = "\n".join(f"  {e}" for e in errors[:MAX_REPORTED])
    more = len(errors) - MAX_REPORTED
    rest = f"\n  … och {more} till" if more > 0 else ""
    count = "1 felaktig rad" if len(errors) == 1 else f"{len(errors)} felaktiga rader"
    return f"{count}, ingen utfil skrevs:\n{named}{rest}"


def _rows(reader: BinaryIO) -> Iterator[dict[str, Any]]:
    for number, raw in _raw_lines(reader):
        yield _parse(number, raw)


def _raw_lines(reader: BinaryIO) -> Iterator[tuple[int, bytes | None]]:
    """Non-blank lines with their numbers (from 1); None for a line over ``MAX_LINE_BYTES``,
    which is skipped without being read whole."""
    number = 0
    while True:
        raw = reader.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE_BYTES:
            if not raw.endswith(b"\n"):
                _skip_rest_of_line(reader)
            yield number, None
        elif raw.strip():
            yield number, raw


def _skip_rest_of_line(reader: BinaryIO) -> None:
    while (chunk := reader.readline(MAX_LINE_BYTES)) and not chunk.endswith(b"\n"):
        pass


def _parse(number: int, raw: bytes | None) -> dict[str, Any]:
    if raw is None:
        raise LineError(number, f"raden är större än {MAX_LINE_BYTES // 2**20} MiB")
    try:
        row = json.loads(raw.decode("utf-8-sig"))  # a BOM (Notepad, Excel) is not an error
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
