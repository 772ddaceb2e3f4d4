"""``tillit privacy detect|pseudonymise`` through typer's CliRunner on the privacy app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from typer.testing import CliRunner

from tillit.privacy.cli import app

runner = CliRunner()
ROWS = [
    {"id": "A-1", "text": "Eleven Elias Nordström, 140621-2389, nås på 070-174 06 12."},
    {"id": "A-2", "text": ""},
    {"id": 3, "text": "Elias Nordström kom inte till skolan."},
]


@pytest.fixture(autouse=True)
def _secret_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TILLIT_SECRET_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("TILLIT_DATA_DIR", str(tmp_path / "data"))


def write_jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    return path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_detect_writes_entities_with_offsets(tmp_path: Path) -> None:
    source, target = write_jsonl(tmp_path / "in.jsonl", ROWS), tmp_path / "out.jsonl"
    result = runner.invoke(app, ["detect", "--input", str(source), "--output", str(target)])
    assert result.exit_code == 0, result.output
    out = read_jsonl(target)
    assert [r["id"] for r in out] == ["A-1", "A-2", 3]
    entities = out[0]["entities"]
    assert {"start", "end", "type", "text"} == set(entities[0])
    assert [(e["type"], e["text"]) for e in entities] == [
        ("PERSON", "Elias Nordström"),
        ("PNR", "140621-2389"),
        ("PHONE", "070-174 06 12"),
    ]
    assert out[1]["entities"] == []


def test_pseudonymise_reversible_writes_an_encrypted_mapping(tmp_path: Path) -> None:
    source, target = write_jsonl(tmp_path / "in.jsonl", ROWS), tmp_path / "out.jsonl"
    result = runner.invoke(app, ["pseudonymise", "--input", str(source), "--output", str(target)])
    assert result.exit_code == 0, result.output
    out = read_jsonl(target)
    assert out[0]["text"] == "Eleven [Person 1], [Personnummer 1], nås på [Telefon 1]."
    assert out[2]["text"].startswith("[Person 1] kom")  # same person across the file
    mapping = (tmp_path / "out.jsonl.mapping").read_text()
    assert "Nordström" not in mapping and "Nordström" not in result.output


def test_pseudonymise_irreversible_with_names_writes_no_mapping(tmp_path: Path) -> None:
    source, target = write_jsonl(tmp_path / "in.jsonl", ROWS), tmp_path / "out.jsonl"
    args = ["pseudonymise", "--input", str(source), "--output", str(target)]
    result = runner.invoke(app, [*args, "--irreversible", "--style", "names"])
    assert result.exit_code == 0, result.output
    assert "Nordström" not in target.read_text()
    assert not (tmp_path / "out.jsonl.mapping").exists()


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("{not json", "rad 2: ogiltig JSON"),
        ('{"id": "x"}', 'rad 2: fältet "text" saknas'),
        ('["a"]', "rad 2: raden är inte ett JSON-objekt"),
        ('{"id": "x", "text": 5}', 'rad 2: fältet "text" saknas'),
    ],
)
def test_a_malformed_line_stops_with_its_number_and_no_output(
    tmp_path: Path, bad_line: str, message: str
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(ROWS[0]) + "\n" + bad_line + "\n" + json.dumps(ROWS[2]) + "\n")
    target = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["detect", "--input", str(source), "--output", str(target)])
    assert result.exit_code == 1
    assert message in result.output
    assert not target.exists()
    assert list(tmp_path.glob(".out.jsonl.*")) == []  # the temporary file is gone
    assert "Nordström" not in result.output


def test_binary_garbage_is_a_clear_error(tmp_path: Path) -> None:
    source = tmp_path / "in.bin"
    source.write_bytes(b"\xff\xfe\x00garbage\x80\n")
    target = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["detect", "--input", str(source), "--output", str(target)])
    assert result.exit_code == 1
    assert "rad 1: inte UTF-8" in result.output
    assert not target.exists()


def test_an_oversized_line_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tillit.cli_jsonl as cli_jsonl

    monkeypatch.setattr(cli_jsonl, "MAX_LINE_BYTES", 1024)
    source = write_jsonl(tmp_path / "in.jsonl", [ROWS[0], {"id": "big", "text": "Anna " * 1000}])
    target = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["detect", "--input", str(source), "--output", str(target)])
    assert result.exit_code == 1
    assert "rad 2: raden är större än" in result.output
    assert not target.exists()


def test_a_utf8_bom_is_read_and_output_may_not_overwrite_input(tmp_path: Path) -> None:
    """Notepad and Excel write a BOM; --output naming the input file would replace the input."""
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"\xef\xbb\xbf" + json.dumps(ROWS[0]).encode() + b"\r\n")
    target = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["detect", "--input", str(source), "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert read_jsonl(target)[0]["id"] == "A-1"
    before = source.read_bytes()
    result = runner.invoke(app, ["detect", "--input", str(source), "--output", str(source)])
    assert result.exit_code == 1
    assert "samma fil som infilen" in result.output
    assert source.read_bytes() == before
