"""Measured retrieval quality of an app (``tillit apps evaluate``): a question set in JSON Lines,
one ``{"question": "...", "expected": ["document-key", ...]}`` a line, is run through the app's
own retrieval (its collections, hybrid search and reranker, as in assistant.retrieve; no
language model writes anything) and scored per document:

- top-1: the first document found is one of the expected ones;
- recall@5: the share of the expected documents among the first five found;
- MRR: 1 / the rank of the first expected document among the first ten (0 when none is);
- answered: the share of questions the assistant would answer at all (not "not covered").

Each run is stored with the file's name and SHA-256 and the app's configuration fingerprint
(governance/fingerprint.py), so the public register can say whether the figures were measured
on the configuration in use now."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tillit.apps.service import get_app, manifest_of
from tillit.apps.tables import App, AppEvaluation
from tillit.auth.roles import Principal
from tillit.errors import InvalidInput, NotFound
from tillit.governance.fingerprint import LABELS_SV, changed_parts, live_fingerprint
from tillit.governance.service import after_change
from tillit.governance.state import current_record
from tillit.knowledge.tables import Collection, Document
from tillit.platform import Platform

RECALL_AT = 5
DEPTH = 10  # documents retrieved per question; MRR counts ranks up to here
MAX_QUESTIONS = 5000
MAX_QUESTION_CHARS = 2000
DECIMALS = 4
EARLIER_VERSION_SV = "mätt på en tidigare version"
NOT_MEASURED = frozenset({"purpose", "audience", "model", "instructions", "privacy"})
"""Fingerprint parts the retrieval figures do not depend on (no language model writes anything
in an evaluation): writing the purpose in plain Swedish, opening the service to residents or
changing the writing model leaves the figures current."""
CURRENT_VERSION_SV = "mätt på den nuvarande versionen"
UNKNOWN_VERSION_SV = "okänt vilken version som mättes"


@dataclass
class Question:
    line: int
    question: str
    expected: list[str]


def parse_dataset(raw: bytes) -> list[Question]:
    """The JSON Lines question set; blank lines are skipped, anything else wrong names its line."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("Filen är inte UTF-8.", code="invalid_dataset") from None
    questions: list[Question] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        questions.append(_question(number, line))
        if len(questions) > MAX_QUESTIONS:
            raise InvalidInput(f"Högst {MAX_QUESTIONS} frågor per fil.", code="invalid_dataset")
    if not questions:
        raise InvalidInput("Filen innehåller inga frågor.", code="invalid_dataset")
    return questions


def _question(number: int, line: str) -> Question:
    def bad(why: str) -> InvalidInput:
        return InvalidInput(f"Rad {number}: {why}", code="invalid_dataset")

    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise bad(f"inte giltig JSON ({exc.msg}).") from None
    if not isinstance(data, dict):
        raise bad('raden måste vara ett JSON-objekt med "question" och "expected".')
    unknown = sorted(set(data) - {"question", "expected"})
    if unknown:
        raise bad(f"okända fält: {', '.join(unknown)}.")
    question, expected = data.get("question"), data.get("expected")
    if not isinstance(question, str) or not question.strip():
        raise bad('"question" måste vara en text som inte är tom.')
    if len(question) > MAX_QUESTION_CHARS:
        raise bad(f'"question" får vara högst {MAX_QUESTION_CHARS} tecken.')
    if (
        not isinstance(expected, list)
        or not expected
        or not all(isinstance(e, str) and e.strip() for e in expected)
    ):
        raise bad('"expected" måste vara en lista med minst ett dokument-id (text).')
    return Question(number, question.strip(), list(dict.fromkeys(e.strip() for e in expected)))


def score(found: list[str], expected: list[str]) -> dict[str, float]:
    """One question's figures, from the documents found in order (one per document)."""
    wanted = set(expected)
    rank = next((n for n, doc in enumerate(found[:DEPTH], 1) if doc in wanted), None)
    return {
        "top1": 1.0 if found and found[0] in wanted else 0.0,
        "recall_at_5": len(wanted & set(found[:RECALL_AT])) / len(wanted),
        "reciprocal_rank": 1.0 / rank if rank else 0.0,
    }


def _check_documents(
    db: Session, tenant_id: int, collections: list[str], questions: list[Question]
) -> None:
    """An expected document the app cannot find at all is a typo, not a miss: say so."""
    known = set(
        db.scalars(
            select(Document.key)
            .join(Collection, Collection.id == Document.collection_id)
            .where(Collection.tenant_id == tenant_id, Collection.name.in_(collections))
        )
    )
    for q in questions:
        missing = [e for e in q.expected if e not in known]
        if missing:
            raise InvalidInput(
                f"Rad {q.line}: dokumentet {', '.join(repr(m) for m in missing)} finns inte i "
                f"appens samlingar ({', '.join(collections)}).",
                code="invalid_dataset",
            )


def current_fingerprint(db: Session, app: App) -> dict[str, Any]:
    _, record, _ = current_record(db, app)
    return live_fingerprint(db, app, record.purpose_plain)


def evaluate_app(
    platform: Platform,
    principal: Principal,
    name: str,
    raw: bytes,
    dataset: str,
    created_by: str | None = None,
) -> tuple[AppEvaluation, list[dict[str, Any]]]:
    """Run the question set through the app's retrieval and store the result (and a new
    register version when the app is listed). Returns the stored row and per-question detail."""
    from tillit.apps.assistant import is_covered, retrieve  # assistant → insyn → this module

    questions = parse_dataset(raw)
    created_by = created_by or principal.actor
    with platform.session() as db:
        app = _app(db, principal.tenant_id, name)
        manifest = manifest_of(app)
        _check_documents(db, principal.tenant_id, manifest.collections, questions)
    deep = manifest.model_copy(update={"top_k": max(manifest.top_k, DEPTH)})
    details: list[dict[str, Any]] = []
    for q in questions:
        hits = retrieve(platform, principal, deep, q.question)
        found = list(dict.fromkeys(h.document for h in hits))
        details.append(
            {
                "line": q.line,
                "expected": q.expected,
                "found": found[:RECALL_AT],
                "answered": is_covered(hits[: manifest.top_k]),
                **score(found, q.expected),
            }
        )
    metrics = aggregate(details)
    with platform.session() as db:
        app = _app(db, principal.tenant_id, name)
        row = AppEvaluation(
            tenant_id=app.tenant_id,
            app_id=app.id,
            app_version=app.version,
            dataset=dataset[:300],
            dataset_sha256=hashlib.sha256(raw).hexdigest(),
            questions=len(questions),
            metrics=metrics,
            config_fingerprint=current_fingerprint(db, app),
            created_by=created_by,
        )
        db.add(row)
        db.flush()
        after_change(db, app, created_by, f"Ny utvärdering: {row.dataset}")
        db.expunge(row)
    return row, details


def aggregate(details: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(details)

    def mean(key: str) -> float:
        return round(sum(float(d[key]) for d in details) / n, DECIMALS)

    return {
        "top1": mean("top1"),
        "recall_at_5": mean("recall_at_5"),
        "mrr": mean("reciprocal_rank"),
        "answered": mean("answered"),
        "questions": n,
        "depth": DEPTH,
    }


def _app(db: Session, tenant_id: int, name: str) -> App:
    try:
        return get_app(db, tenant_id, name)
    except NotFound:
        raise NotFound(f"Appen '{name}' finns inte.", code="app_not_found") from None


def latest_per_dataset(db: Session, app: App) -> list[AppEvaluation]:
    """The newest evaluation of each dataset (by file name), newest first."""
    rows = db.scalars(
        select(AppEvaluation)
        .where(AppEvaluation.app_id == app.id)
        .order_by(AppEvaluation.created_at.desc(), AppEvaluation.id.desc())
    )
    latest: dict[str, AppEvaluation] = {}
    for row in rows:
        latest.setdefault(row.dataset, row)
    return list(latest.values())


def evaluation_dict(row: AppEvaluation, live: dict[str, Any] | None) -> dict[str, Any]:
    """What the register and the CLI show of one evaluation (``live``: the app's fingerprint
    now; the figures are current when nothing the fingerprint covers has changed since)."""
    changed = (
        [p for p in changed_parts(row.config_fingerprint, live) if p not in NOT_MEASURED]
        if row.config_fingerprint is not None and live is not None
        else None
    )
    current = None if changed is None else not changed
    label = {True: CURRENT_VERSION_SV, False: EARLIER_VERSION_SV, None: UNKNOWN_VERSION_SV}
    return {
        "dataset": row.dataset,
        "dataset_sha256": row.dataset_sha256,
        "date": row.created_at.date().isoformat(),
        "measured_at": row.created_at.isoformat(),
        "questions": row.questions,
        "top1": row.metrics.get("top1"),
        "recall_at_5": row.metrics.get("recall_at_5"),
        "mrr": row.metrics.get("mrr"),
        "answered": row.metrics.get("answered"),
        "app_version": row.app_version,
        "current_configuration": current,
        "configuration_label": label[current],
        "changed_since": [LABELS_SV[k] for k in changed or []],
    }


def measured_evaluations(db: Session, app: App) -> list[dict[str, Any]]:
    rows = latest_per_dataset(db, app)
    if not rows:
        return []
    live = current_fingerprint(db, app)
    return [evaluation_dict(row, live) for row in rows]
