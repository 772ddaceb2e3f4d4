"""Labelled reports and the shared JSON Lines format (``shared/data/concern/dev.jsonl``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tillit.concern.classifier.labels import LABELS

Passage = tuple[int, int, tuple[str, ...]]


@dataclass(frozen=True)
class LabelledReport:
    """A report with gold passages: (start, end, labels), character offsets, end exclusive."""

    id: str
    text: str
    passages: list[Passage] = field(default_factory=list)

    def labels(self) -> set[str]:
        """Report-level labels: the union of its passages' labels."""
        return {label for _, _, labels in self.passages for label in labels}


def load_jsonl(path: str | Path) -> list[LabelledReport]:
    """Read reports; a malformed line raises ``ValueError`` naming the file's line number."""
    reports = []
    with Path(path).open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8-sig")  # a BOM (Notepad, Excel) is not an error
            except UnicodeDecodeError:
                raise ValueError(f"rad {number}: texten är inte UTF-8") from None
            if not line.strip():
                continue
            try:
                reports.append(parse_report(json.loads(line)))
            except json.JSONDecodeError as exc:
                raise ValueError(f"rad {number}: inte giltig JSON ({exc.msg})") from exc
            except RecursionError:
                raise ValueError(f"rad {number}: JSON-raden är för djupt nästlad") from None
            except ValueError as exc:
                raise ValueError(f"rad {number}: {exc}") from exc
    return reports


def parse_report(row: Any) -> LabelledReport:
    """One report from its JSON object; raises ``ValueError`` with the reason."""
    if not isinstance(row, dict):
        raise ValueError("en anmälan måste vara ett JSON-objekt")
    missing = [key for key in ("id", "text", "passages") if key not in row]
    if missing:
        raise ValueError(f"nyckel saknas: {', '.join(missing)}")
    text = row["text"]
    if not isinstance(text, str):
        raise ValueError("'text' måste vara en sträng")
    if not isinstance(row["passages"], list):
        raise ValueError("'passages' måste vara en lista")
    passages = [_passage(item, text, k) for k, item in enumerate(row["passages"])]
    _check_order(passages)
    return LabelledReport(id=str(row["id"]), text=text, passages=passages)


def _passage(item: Any, text: str, index: int) -> Passage:
    where = f"stycke {index}"
    if not isinstance(item, dict) or not {"start", "end", "labels"} <= item.keys():
        raise ValueError(f"{where}: behöver 'start', 'end' och 'labels'")
    start, end, labels = item["start"], item["end"], item["labels"]
    if not all(isinstance(x, int) and not isinstance(x, bool) for x in (start, end)):
        raise ValueError(f"{where}: positionerna måste vara heltal")
    if not 0 <= start < end <= len(text):
        outside = f"positionerna {start}..{end} ligger utanför texten ({len(text)} tecken)"
        raise ValueError(f"{where}: {outside}")
    if not isinstance(labels, list) or not all(isinstance(lab, str) for lab in labels):
        raise ValueError(f"{where}: 'labels' måste vara en lista med strängar")
    unknown = sorted(set(labels) - set(LABELS))
    if unknown:
        raise ValueError(f"{where}: okänd etikett: {', '.join(unknown)}")
    ordered = tuple(label for label in LABELS if label in labels)
    return (start, end, ordered)


def _check_order(passages: list[Passage]) -> None:
    for k in range(1, len(passages)):
        if passages[k][0] < passages[k - 1][1]:
            raise ValueError(f"stycke {k}: börjar innan stycke {k - 1} slutar (inte i ordning)")
