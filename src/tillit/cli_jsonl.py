"""JSONL in, JSONL out, one line at a time, for the batch commands (privacy, concern).

Input lines: ``{"id": …, "text": "…"}``. A malformed line stops the run with its line number and
exit code 1; the output is written to a temporary file and renamed only on success, so no partial
output is left behind. Messages name line numbers and ids, never the text.
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


class LineError(Exception):
    def __init__(self, number: int, reason: str) -> None:
        super().__init__(f"rad {number}: {reason}")


def map_jsonl(
    source: Path, target: Path, handle: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    if target.exists() and target.resolve() == source.resolve():
        fail(f"{target}: utfilen får inte vara samma fil som infilen (den skulle skrivas över).")
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
