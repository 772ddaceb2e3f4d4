"""File import (concern/intake/file_import.py): every line is registered once, or listed as not
registered with its reason; a line whose id was imported before with another text is never
merged into the first."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tillit.concern.intake.file_import import import_file
from tillit.concern.register import register_report
from tillit.concern.schemas import ReportIn
from tillit.platform import Platform
from tillit.swedish_time import in_sweden

from ..conftest import all_cases, system


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
    assert line == 2 and reason.startswith("id '1' finns redan, i ärende OA-")
    assert "Ge en ny anmälan ett nytt id." in reason


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


def test_lines_without_an_id_are_registered_once_however_often_the_file_is_imported(
    platform: Platform, tmp_path: Path
) -> None:
    same = {"reporter": "granne", "received": "2024-05-02", "text": "Skrik från lägenheten."}
    rows = [
        same,
        {**same, "text": "Barnet lämnas ensamt på kvällarna."},
        {**same, "received": "2024-05-03"},  # the same words another day: another report
        same,  # the same line twice in the file: two reports, the second marked as duplicate
    ]
    path = _file(tmp_path, "utan-id.jsonl", rows)
    first = import_file(platform, system(platform), path)
    again = import_file(platform, system(platform), path)
    assert len(first.registered) == 4 and first.rejected == []
    assert (again.registered, again.already) == ([], first.registered)
    assert [c["duplicate_of"] for c in all_cases(platform)] == [
        None,
        None,
        "OA-2024-00001",
        "OA-2024-00001",
    ]


def test_a_case_keeps_the_channel_the_file_states_but_the_import_rules_apply(
    platform: Platform, tmp_path: Path
) -> None:
    """The channel in the shared format is how the report reached the unit; naming the web
    form does not give a line the form's rule (a reused reference with another text would be a
    new case there): for an import it is refused."""
    first = _file(tmp_path, "a.jsonl", [{"id": 7, "channel": "webbformular", "text": "Text ett."}])
    other = _file(tmp_path, "b.jsonl", [{"id": 7, "channel": "webbformular", "text": "Text två."}])
    assert len(import_file(platform, system(platform), first).registered) == 1
    result = import_file(platform, system(platform), other)
    assert not result.registered and "finns redan" in result.rejected[0][1]  # not a new form
    again = import_file(platform, system(platform), first)
    assert (again.registered, len(again.already)) == ([], 1)
    odd = _file(tmp_path, "c.jsonl", [{"id": 8, "channel": ["x"], "text": "Text tre."}])
    assert len(import_file(platform, system(platform), odd).registered) == 1
    assert sorted(case["channel"] for case in all_cases(platform)) == ["import", "webbformular"]


def test_a_line_imported_under_its_stated_channel_before_is_not_registered_again(
    platform: Platform, tmp_path: Path
) -> None:
    text = "Barnet berättar att mamma slår."
    with platform.session() as db:  # imported before the channel became the file's
        register_report(
            db,
            platform.box,
            system(platform),
            ReportIn(text=text, source_ref="import:A-1"),
            "telefon",
        )
    path = _file(tmp_path, "a.jsonl", [{"id": "A-1", "channel": "telefon", "text": text}])
    result = import_file(platform, system(platform), path)
    assert (result.registered, len(result.already)) == ([], 1)


def test_a_line_naming_the_api_channel_follows_the_import_rules_too(
    platform: Platform, tmp_path: Path
) -> None:
    """A reused id with another text is refused, never merged into the first case, also when
    the line names "api" or an API caller chose the same reference."""
    first = _file(tmp_path, "a.jsonl", [{"id": 7, "channel": "api", "text": "Barnet är hungrigt."}])
    other = _file(tmp_path, "b.jsonl", [{"id": 7, "channel": "api", "text": "Ett annat barn."}])
    assert len(import_file(platform, system(platform), first).registered) == 1
    second = import_file(platform, system(platform), other)
    assert not second.registered and not second.already and "finns redan" in second.rejected[0][1]
    with platform.session() as db:
        api_report = ReportIn(text="En rapport från ett annat system.", source_ref="import:9")
        register_report(db, platform.box, system(platform), api_report, "api")
    line = _file(tmp_path, "c.jsonl", [{"id": 9, "text": "Barnet far illa hemma."}])
    third = import_file(platform, system(platform), line)
    assert not third.already and "finns redan" in third.rejected[0][1]
    assert len(all_cases(platform)) == 2


def test_an_unknown_reporter_type_or_channel_is_registered_with_a_note(
    platform: Platform, tmp_path: Path
) -> None:
    rows = [
        {"id": "x", "reporter": "fotbollstränare", "channel": "fax", "text": "Barnet är rädd."},
        {"id": "y", "reporter": ["skola"], "text": "Barnet kommer hungrigt till skolan."},
        {"id": "z", "reporter": "skola", "channel": "e-post", "text": "Barnet sover i skolan."},
    ]
    result = import_file(platform, system(platform), _file(tmp_path, "okand.jsonl", rows))
    assert len(result.registered) == 3 and not result.rejected
    assert [line for line, _ in result.warnings] == [1, 1, 2]
    assert "”fotbollstränare” i importfilen är okänd" in result.warnings[0][1]
    assert "Kanalen ”fax”" in result.warnings[1][1]
    first, second, third = all_cases(platform)
    assert (first["reporter_type"], first["channel"]) == ("annan", "import")
    assert second["reporter_type"] == "annan" and third["reporter_type"] == "skola"
    assert len(first["warnings"]) == 2 and not third["warnings"]
    again = import_file(platform, system(platform), _file(tmp_path, "okand.jsonl", rows))
    assert len(again.already) == 3 and not again.warnings


def test_an_erased_case_keeps_its_reference_only_as_a_hash_and_is_not_imported_again(
    platform: Platform, tmp_path: Path
) -> None:
    from sqlalchemy import select

    from tillit.concern.cases import apply_retention, set_status
    from tillit.concern.tables import ConcernCase

    rows = [{"id": "anna.svensson-42", "text": "Barnet kommer hungrigt till skolan."}]
    path = _file(tmp_path, "gallras.jsonl", rows)
    [number] = import_file(platform, system(platform), path).registered
    with platform.session() as db:
        case = db.scalar(select(ConcernCase).where(ConcernCase.case_number == number))
        for status in ("inleds_ej", "avslutad"):
            set_status(db, system(platform), case, status)
    with platform.session() as db:
        later = datetime.now(UTC) + timedelta(days=365 * 6)
        assert apply_retention(db, platform.box, system(platform), now=later) == [number]
    with platform.session() as db:
        stored = db.scalar(select(ConcernCase.source_ref))
        assert stored.startswith("erased:") and "anna" not in stored
    again = import_file(platform, system(platform), path)
    assert again.already == [number] and not again.registered


def test_the_result_names_each_new_case_its_warnings_and_possible_duplicates(
    platform: Platform, tmp_path: Path
) -> None:
    text = "Barnet kommer hungrigt till skolan varje dag."
    path = _file(
        tmp_path,
        "a.jsonl",
        [
            {"id": "a", "text": text},
            {"id": "b", "text": f"{text}  "},  # the same report sent again: a possible duplicate
            {"id": "c", "text": "Eleven Elias Ek, 141321-2380, är ofta ledsen."},  # month 13
        ],
    )
    result = import_file(platform, system(platform), path).as_dict()
    numbers = [row["case_number"] for row in result["cases"]]
    assert [row["line"] for row in result["cases"]] == [1, 2, 3]
    assert result["registered"] == numbers
    assert result["possible_duplicates"] == [
        {"line": 2, "case_number": numbers[1], "duplicate_of": numbers[0]}
    ]
    [warning] = result["warnings"]
    assert warning["line"] == 3 and "personnummer som inte är giltigt" in warning["warning"]


def test_a_line_without_text_or_in_another_encoding_says_which(
    platform: Platform, tmp_path: Path
) -> None:
    path = tmp_path / "rader.jsonl"
    path.write_bytes(
        b'{"id": "a"}\n{"id": "b", "text": "   "}\n'
        b'{"id": "c", "text": "Barnet \\u00e4r hungrigt."}\n'
        b'{"id": "d", "text": "Barnet \xe4r r\xe4tt."}\n{"id": "e", "text": }\n'
    )
    result = import_file(platform, system(platform), path)
    reasons = dict(result.rejected)
    assert "saknar anmälans text" in reasons[1] and "saknar anmälans text" in reasons[2]
    assert "inte UTF-8" in reasons[4] and "ogiltig JSON (vid tecken" in reasons[5]
    assert len(result.registered) == 1  # line 3: JSON's own escape is UTF-8 text
