from __future__ import annotations

import json
from pathlib import Path

import pytest

from tillit.concern.classifier import LABELS, load_jsonl


def _write(tmp_path: Path, rows: list) -> Path:
    path = tmp_path / "reports.jsonl"
    lines = [row if isinstance(row, str) else json.dumps(row, ensure_ascii=False) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD = {
    "id": "X-1",
    "text": "Pappa slog honom. Inget mer.",
    "passages": [
        {"start": 0, "end": 17, "labels": ["fysiskt_vald"]},
        {"start": 18, "end": 28, "labels": []},
    ],
}


def test_reads_the_shared_format(tmp_path: Path) -> None:
    (report,) = load_jsonl(_write(tmp_path, [GOOD]))
    assert report.id == "X-1"
    assert report.passages == [(0, 17, ("fysiskt_vald",)), (18, 28, ())]
    assert report.labels() == {"fysiskt_vald"}


def test_reads_the_dev_set(dev_reports) -> None:
    assert len(dev_reports) == 150
    assert all(lab in LABELS for r in dev_reports for _, _, labs in r.passages for lab in labs)


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ("{not json", "inte giltig JSON"),
        ({"id": "X-2", "text": "abc"}, "nyckel saknas"),
        ({**GOOD, "passages": [{"start": 0, "end": 99, "labels": []}]}, "utanför texten"),
        ({**GOOD, "passages": [{"start": 0, "end": 5, "labels": ["slag"]}]}, "okänd etikett"),
        (
            {
                **GOOD,
                "passages": [
                    {"start": 18, "end": 28, "labels": []},
                    {"start": 0, "end": 17, "labels": []},
                ],
            },
            "inte i ordning",
        ),
        ({**GOOD, "passages": [{"start": 0, "labels": []}]}, "behöver 'start'"),
        ({**GOOD, "passages": [{"start": "0", "end": 5, "labels": []}]}, "heltal"),
    ],
)
def test_malformed_lines_name_the_line(tmp_path: Path, broken, message: str) -> None:
    path = _write(tmp_path, [GOOD, "", broken])
    with pytest.raises(ValueError, match=rf"rad 3: .*{message}"):
        load_jsonl(path)


def test_a_line_nested_too_deep_is_named_not_a_crash(tmp_path: Path) -> None:
    path = _write(tmp_path, [GOOD, "[" * 100_000 + "]" * 100_000])  # a RecursionError in json
    with pytest.raises(ValueError, match="rad 2: JSON-raden är för djupt nästlad"):
        load_jsonl(path)
