"""File import (concern/intake/file_import.py): every line is registered once, or listed as not
registered with its reason; a line whose id was imported before with another text is never
merged into the first."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from tillit.concern.cases import detail_dict
from tillit.concern.intake.file_import import import_file
from tillit.concern.tables import ConcernCase
from tillit.platform import Platform
from tillit.swedish_time import in_sweden

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


def _cases(platform: Platform) -> list[dict]:
    with platform.session() as db:
        cases = db.scalars(select(ConcernCase).order_by(ConcernCase.id))
        return [detail_dict(db, platform.box, c) for c in cases]


def test_a_bad_received_date_rejects_its_line_and_the_rest_are_imported(
    platform: Platform, tmp_path: Path
) -> None:
    tomorrow = (in_sweden(datetime.now(UTC)) + timedelta(days=1)).date().isoformat()
    path = _file(
        tmp_path,
        "datum.jsonl",
        [
            {"id": "a", "received": "9999-12-30", "text": "Barnet kommer hungrigt."},
            {"id": "b", "received": "1850-01-01", "text": "Barnet har blåmärken."},
            {"id": "c", "received": tomorrow, "text": "Barnet är rädd för pappa."},
            {"id": "d", "received": "2024-03-14", "text": "Barnet sover i skolan."},
        ],
    )
    result = import_file(platform, system(platform), path)
    assert result.rejected == [
        (1, "fältet received: mottagningsdatumet 9999-12-30 ligger i framtiden"),
        (2, "fältet received: mottagningsdatumet 1850-01-01 ligger före 1900"),
        (3, f"fältet received: mottagningsdatumet {tomorrow} ligger i framtiden"),
    ]
    assert result.registered == ["OA-2024-00001"]
