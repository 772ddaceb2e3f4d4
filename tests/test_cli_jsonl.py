"""``map_jsonl``: the whole input is checked first, and every malformed line is named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

import tillit.cli_jsonl as cli_jsonl

runner = CliRunner()
GOOD = json.dumps({"id": "A-1", "text": "Hej"})


def run(source: Path, target: Path) -> tuple[int, str, list[str]]:
    handled: list[str] = []

    def handle(row: dict[str, Any]) -> dict[str, Any]:
        handled.append(row["id"])
        return {"id": row["id"], "length": len(row["text"])}

    app = typer.Typer()
    app.command()(lambda: cli_jsonl.map_jsonl(source, target, handle))
    result = runner.invoke(app, [])
    return result.exit_code, result.output, handled


def test_every_malformed_line_is_named_and_none_is_handled(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    lines = [GOOD, "{inte json", GOOD, '{"id": "x"}', "", '["a"]', GOOD]
    source.write_text("\n".join(lines) + "\n")
    target = tmp_path / "out.jsonl"
    code, output, handled = run(source, target)
    assert code == 1
    assert "3 felaktiga rader, ingen utfil skrevs" in output
    for named in ("rad 2: ogiltig JSON", 'rad 4: fältet "text" saknas', "rad 6: raden är inte"):
        assert named in output
    assert handled == []  # checked before any line is analysed
    assert not target.exists()


def test_only_the_first_lines_are_named_and_the_rest_counted(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("{\n" * (cli_jsonl.MAX_REPORTED + 5))
    code, output, _ = run(source, tmp_path / "out.jsonl")
    assert code == 1
    assert f"rad {cli_jsonl.MAX_REPORTED}:" in output
    assert f"rad {cli_jsonl.MAX_REPORTED + 1}:" not in output
    assert "… och 5 till" in output


def test_an_oversized_line_is_skipped_and_later_lines_still_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_jsonl, "MAX_LINE_BYTES", 64)
    big = json.dumps({"id": "big", "text": "a" * 500})
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join([GOOD, big, GOOD, "{"]) + "\n")
    code, output, _ = run(source, tmp_path / "out.jsonl")
    assert code == 1
    assert "rad 2: raden är större än" in output
    assert "rad 4: ogiltig JSON" in output
    assert "rad 3" not in output  # the rest of the long line is not taken for a line


def test_a_clean_file_is_handled_line_by_line(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(GOOD + "\n\n" + json.dumps({"id": 2, "text": "Hallå"}) + "\n")
    target = tmp_path / "out.jsonl"
    code, output, handled = run(source, target)
    assert code == 0, output
    assert handled == ["A-1", 2]
    assert [json.loads(x)["length"] for x in target.read_text().splitlines()] == [3, 5]
