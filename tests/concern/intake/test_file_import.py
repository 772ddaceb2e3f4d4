"""File import (concern/intake/file_import.py): a line whose id was imported before with
another text is listed as not registered, with the reason; it is never merged into the first."""

from __future__ import annotations

import json
from pathlib import Path

from tillit.concern.intake.file_import import import_file
from tillit.platform import Platform

from ..conftest import system


def _file(tmp_path: Path, name: str, rows: list[dict]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    return path


def test_an_id_reused_for_another_report_is_rejected_with_the_reason(
    platform: Platform, tmp_path: Path
) -> None:
    first = _file(tmp_path, "a.jsonl", [{"id": 1, "text": "Barnet kommer hungrigt till skolan."}])
    again = _file(
        tmp_path,
        "b.jsonl",
        [
            {"id": 1, "text": "Barnet kommer hungrigt till skolan."},  # the same report
            {"id": 1, "text": "Ett annat barn far illa hemma."},  # numbered from 1 again
        ],
    )
    assert len(import_file(platform, system(platform), first).registered) == 1
    result = import_file(platform, system(platform), again)
    assert len(result.already) == 1 and not result.registered
    [(line, reason)] = result.rejected
    assert line == 2 and "används redan" in reason
