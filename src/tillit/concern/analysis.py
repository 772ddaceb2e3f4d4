"""Analysis of one report: passages with suggested labels, personal data, a summary per label.

Pure functions (no database): ``analyse_text`` is what ``tillit concern analyse`` prints and
what a case's analysis stores. Every label is a *suggestion* for the caseworker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from tillit.concern.labels import LABEL_NAMES
from tillit.privacy.detect import Entity, detect

SUGGESTION_NOTICE = (
    "Förslag från Tillit, inte en bedömning: handläggaren bekräftar eller avvisar varje markering."
)
QUOTE_CHARS = 160
MAX_REFS = 10
"""Passage numbers cited per label in the summary; more are counted (a 300 KB text can have
thousands of marked passages, and the summary is meant to be read)."""


class Prediction(Protocol):
    start: int
    end: int
    labels: tuple[str, ...]
    scores: dict[str, float]


class Classifier(Protocol):
    version: str

    def predict_passages(
        self, text: str, entities: list[Entity], spans: list[tuple[int, int]] | None = None
    ) -> list[Any]: ...


@dataclass(frozen=True)
class Analysis:
    passages: list[Prediction]
    entities: list[Entity]
    summary: str
    model_version: str

    def as_output(self, report_id: Any) -> dict[str, Any]:
        """The line ``tillit concern analyse`` writes (offsets into the input text)."""
        return {
            "id": report_id,
            "passages": [passage_dict(p) for p in self.passages],
            "entities": [e.as_dict() for e in self.entities],
            "summary": self.summary,
            "model_version": self.model_version,
        }

    def label_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for passage in self.passages:
            for label in passage.labels:
                counts[label] = counts.get(label, 0) + 1
        return counts


def analyse_text(
    classifier: Classifier, text: str, spans: list[tuple[int, int]] | None = None
) -> Analysis:
    """``spans``: passages to keep (a case's earlier segments); by default the text is
    segmented anew."""
    entities = detect(text)  # once: the output lists them, the classifier reads them as roles
    passages = classifier.predict_passages(text, entities, spans)
    return Analysis(passages, entities, summarise(text, passages), classifier.version)


def passage_dict(passage: Prediction) -> dict[str, Any]:
    return {
        "start": passage.start,
        "end": passage.end,
        "labels": list(passage.labels),
        "scores": dict(passage.scores),
    }


def summarise(text: str, passages: list[Prediction]) -> str:
    """One line per suggested label: how many passages, which ones ([n] = passage n, counted
    from 1), and the most confident passage quoted."""
    lines = []
    for label, name in LABEL_NAMES.items():
        cited = [(i, p) for i, p in enumerate(passages, start=1) if label in p.labels]
        if not cited:
            continue
        _, best = max(cited, key=lambda item: item[1].scores.get(label, 0.0))
        quote = _quote(text[best.start : best.end])
        noun = "stycke" if len(cited) == 1 else "stycken"
        refs = _refs([i for i, _ in cited])
        lines.append(f"{name}: {_count(len(cited))} {noun} {refs}, t.ex. ”{quote}”")
    if not text.strip():
        return "Texten är tom; det finns inget att analysera."
    if not lines:
        return f"Inga tecken på våld eller konflikt markerades. {SUGGESTION_NOTICE}"
    return "\n".join([*lines, SUGGESTION_NOTICE])


def _refs(numbers: list[int]) -> str:
    shown = ", ".join(f"[{i}]" for i in numbers[:MAX_REFS])
    more = len(numbers) - MAX_REFS
    return f"{shown} och {_count(more)} till" if more > 0 else shown


def _count(n: int) -> str:
    """Swedish digit grouping: 5 556 (a no-break space)."""
    return f"{n:,}".replace(",", "\u00a0")


def _quote(passage: str) -> str:
    passage = " ".join(passage.split())
    if len(passage) <= QUOTE_CHARS:
        return passage
    cut = passage.rfind(" ", 0, QUOTE_CHARS)
    return passage[: cut if cut > 0 else QUOTE_CHARS] + " …"
