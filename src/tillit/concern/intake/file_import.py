"""File import: reports as JSONL lines in the shared format
(``{"id", "reporter", "channel", "received", "text", …}``), each registered as a case.

A line that cannot be registered is reported with its line number and reason; the other lines
go on. Importing the same file again registers nothing twice: the line's id is the source ref,
and a line without one gets a reference made from its content (a keyed hash, and which copy of
that content in the file it is, so two equal lines stay two cases). The case's channel is the
one the line names (how the report reached the unit; ``import`` when it names none), but the
import's reference rules apply whatever the channel (``register_report(imported=True)``): a
line cannot take the web form's or the mail's rules by naming their channel. A received date
before 1900 or after today (in Sweden) is refused.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tillit.auth.roles import Principal
from tillit.auth.secretbox import SecretBox
from tillit.concern.cases import case_number_of
from tillit.concern.register import received_problem, register_report
from tillit.concern.schemas import CHANNELS, REPORTER_TYPES, ReportIn
from tillit.errors import TillitError
from tillit.platform import Platform
from tillit.validation_text import field as field_path
from tillit.validation_text import problem

MAX_LINE_BYTES = 8 * 1024 * 1024
CONTENT_FIELDS = ("text", "reporter", "received", "channel")  # what makes a line's report


@dataclass(frozen=True)
class ImportLine:
    report: ReportIn
    channel: str = "import"
    content: str | None = None  # the line's report as canonical JSON, when it has no id
    notes: tuple[str, ...] = ()  # what the import changed on the way, for the case's warnings


@dataclass
class ImportResult:
    registered: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)
    new_cases: list[tuple[int, str]] = field(default_factory=list)  # (line, case number)
    duplicates: list[tuple[int, str, str]] = field(default_factory=list)  # (line, case, of)

    def as_dict(self) -> dict[str, Any]:
        return {
            "registered": self.registered,
            "already_registered": self.already,
            "rejected": [{"line": n, "reason": r} for n, r in self.rejected],
            "warnings": [{"line": n, "warning": w} for n, w in self.warnings],
            "cases": [{"line": n, "case_number": c} for n, c in self.new_cases],
            "possible_duplicates": [
                {"line": n, "case_number": c, "duplicate_of": of} for n, c, of in self.duplicates
            ],
        }


def import_file(platform: Platform, principal: Principal, path: Path) -> ImportResult:
    principal.require("cases:write")
    result = ImportResult()
    copies: Counter[str] = Counter()
    with path.open("rb") as reader:
        for number, raw in enumerate(reader, start=1):
            if not raw.strip():
                continue
            try:
                line = with_content_ref(parse_line(raw), platform.box, copies)
                _register(platform, principal, line, result, number)
            except (ValueError, OverflowError, TillitError) as exc:
                result.rejected.append((number, _reason(exc)))
    return result


def with_content_ref(line: ImportLine, box: SecretBox, copies: Counter[str]) -> ImportLine:
    """A line without an id gets a reference from its content and the copy it is in the file:
    the same file imported again gives the same references, two equal lines two of them."""
    if line.content is None:
        return line
    key = box.keyed_hash("import-line", line.content)[:32]
    copies[key] += 1
    report = line.report.model_copy(update={"source_ref": f"import-line:{key}:{copies[key]}"})
    return ImportLine(report, line.channel, notes=line.notes)


def _register(
    platform: Platform, principal: Principal, line: ImportLine, result: ImportResult, number: int
) -> None:
    """Register one line; a new case brings its warnings and a possible duplicate along."""
    with platform.session() as db:
        registered = register_report(
            db,
            platform.box,
            principal,
            line.report,
            line.channel,
            strict_identity=False,
            notes=line.notes,
            imported=True,
        )
        case = registered.case
        if not registered.created:
            result.already.append(case.case_number)
            return
        result.registered.append(case.case_number)
        result.new_cases.append((number, case.case_number))
        result.warnings.extend((number, warning) for warning in registered.warnings)
        original = case_number_of(db, case.duplicate_of_id)
        if original is not None:
            result.duplicates.append((number, case.case_number, original))


def parse_line(raw: bytes) -> ImportLine:
    if len(raw) > MAX_LINE_BYTES:
        raise ValueError(f"raden är större än {MAX_LINE_BYTES // 2**20} MiB")
    try:
        decoded = raw.decode("utf-8-sig")  # a BOM (Notepad, Excel) is not an error
    except UnicodeDecodeError:
        raise ValueError("raden är inte UTF-8 (spara filen som UTF-8)") from None
    try:
        row = json.loads(decoded)
    except json.JSONDecodeError as exc:
        raise ValueError(f"ogiltig JSON (vid tecken {exc.pos + 1})") from None
    if not isinstance(row, dict):
        raise ValueError("raden är inte ett JSON-objekt")
    if not isinstance(row.get("text"), str) or not row["text"].strip():
        raise ValueError("raden saknar anmälans text (fältet text är tomt eller saknas)")
    reporter = row.get("reporter")
    reporter_type = _reporter_type(reporter)
    try:
        report = ReportIn(
            text=row.get("text"),
            reporter_type=reporter_type or "annan",
            anonymous=reporter == "anonym",
            received_at=_received(row.get("received")),
            source_ref=f"import:{row['id']}" if row.get("id") is not None else None,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ValueError(f"fältet {field_path(first)}: {problem(first)}") from None
    content = None if row.get("id") is not None else _content(row)
    channel = row.get("channel")
    known = isinstance(channel, str) and channel in CHANNELS
    notes = _unknown_notes(reporter, reporter_type is not None, channel, known)
    return ImportLine(report, channel if known else "import", content, notes)


def _unknown_notes(
    reporter: Any, reporter_known: bool, channel: Any, channel_known: bool
) -> tuple[str, ...]:
    """Swedish notes for a stated reporter type or channel the register does not know."""
    notes = []
    if reporter not in (None, "") and not reporter_known:
        notes.append(
            f"Anmälartypen {_shown(reporter)} i importfilen är okänd; registrerad som "
            "”Annan”. Rätta den under Uppgifter och handläggare."
        )
    if channel not in (None, "") and not channel_known:
        shown = _shown(channel)
        notes.append(f"Kanalen {shown} i importfilen är okänd; registrerad som ”Filimport”.")
    return tuple(notes)


def _shown(value: Any) -> str:
    shown = str(value)
    return f"”{shown if len(shown) <= 40 else shown[:40] + '…'}”"


def _content(row: dict[str, Any]) -> str:
    return json.dumps({k: row.get(k) for k in CONTENT_FIELDS}, sort_keys=True, ensure_ascii=False)


def _reporter_type(value: Any) -> str | None:
    return value if isinstance(value, str) and value in REPORTER_TYPES else None


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
