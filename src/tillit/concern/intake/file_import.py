"""File import: reports as JSONL lines in the shared format
(``{"id", "reporter", "channel", "received", "text", …}``), each registered as a case.

A line that cannot be registered is reported with its line number and reason; the other lines
go on. Importing the same file again registers nothing twice (the line's id is the source ref).
A received date before 1900 or after today (in Sweden) is refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tillit.auth.roles import Principal
from tillit.concern.register import received_problem, register_report
from tillit.concern.schemas import CHANNELS, REPORTER_TYPES, ReportIn
from tillit.errors import TillitError
from tillit.platform import Platform
from tillit.validation_text import field as field_path
from tillit.validation_text import problem

MAX_LINE_BYTES = 8 * 1024 * 1024


@dataclass
class ImportResult:
    registered: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "registered": self.registered,
            "already_registered": self.already,
            "rejected": [{"line": n, "reason": r} for n, r in self.rejected],
        }


def import_file(platform: Platform, principal: Principal, path: Path) -> ImportResult:
    principal.require("cases:write")
    result = ImportResult()
    with path.open("rb") as reader:
        for number, raw in enumerate(reader, start=1):
            if not raw.strip():
                continue
            try:
                report, channel = parse_line(raw)
                _register(platform, principal, report, channel, result)
            except (ValueError, OverflowError, TillitError) as exc:
                result.rejected.append((number, _reason(exc)))
    return result


def _register(
    platform: Platform, principal: Principal, report: ReportIn, channel: str, result: ImportResult
) -> None:
    with platform.session() as db:
        registered = register_report(
            db, platform.box, principal, report, channel, strict_identity=False
        )
        target = result.registered if registered.created else result.already
        target.append(registered.case.case_number)


def parse_line(raw: bytes) -> tuple[ReportIn, str]:
    if len(raw) > MAX_LINE_BYTES:
        raise ValueError(f"raden är större än {MAX_LINE_BYTES // 2**20} MiB")
    try:
        row = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError("ogiltig JSON eller inte UTF-8") from None
    if not isinstance(row, dict):
        raise ValueError("raden är inte ett JSON-objekt")
    channel = row.get("channel") if row.get("channel") in CHANNELS else "import"
    try:
        report = ReportIn(
            text=row.get("text"),
            reporter_type=_reporter_type(row.get("reporter")),
            anonymous=row.get("reporter") == "anonym",
            received_at=_received(row.get("received")),
            source_ref=f"import:{row['id']}" if row.get("id") is not None else None,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ValueError(f"fältet {field_path(first)}: {problem(first)}") from None
    return report, channel


def _reporter_type(value: Any) -> str:
    return value if value in REPORTER_TYPES else "annan"


def _received(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        received = datetime.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"ogiltigt datum i 'received': {str(value)[:40]}") from None
    wrong = received_problem(received)
    if wrong:
        raise ValueError(f"fältet received: {wrong}")
    return received


def _reason(exc: Exception) -> str:
    return exc.message if isinstance(exc, TillitError) else str(exc)
