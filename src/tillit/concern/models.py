"""Versioned passage classifiers: train, register in the model catalogue, activate, load.

Files live under ``<data dir>/models/concern/<tenant>/v<N>/`` (numpy + JSON, no pickle). Each
version is a catalogue model of the tenant (provider ``local-classifier``, class K3: it runs in
Tillit's own process) with a model card: training data, per-label figures, comparison with the
previous version.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tillit.audit.service import record
from tillit.auth.roles import Principal
from tillit.catalog.tables import CatalogModel
from tillit.concern.labels import LABEL_NAMES, LABELS
from tillit.concern.tables import ClassifierVersion
from tillit.errors import ModelUnavailable, NotFound
from tillit.platform import Platform

if TYPE_CHECKING:  # the classifier (scikit-learn) loads only when a command needs it
    from tillit.concern.classifier import LabelledReport, PassageClassifier

PROVIDER = "local-classifier"
CV_FOLDS = 5
Progress = Callable[[str], None]


def model_root(platform: Platform, tenant_slug: str) -> Path:
    return platform.settings.data_dir / "models" / "concern" / tenant_slug


def train_version(
    platform: Platform,
    principal: Principal,
    reports: list[LabelledReport],
    *,
    source: str,
    evaluate: bool = True,
    progress: Progress | None = None,
    keep_better_active: bool = False,
) -> ClassifierVersion:
    """Train on ``reports``, evaluate by cross-validation, store, register and activate.
    ``keep_better_active``: a version whose figures fell against the active one is stored but
    not activated (training from the page; ``tillit concern train`` always activates)."""
    from tillit.concern.classifier import cross_validate, train

    principal.require("concern:train")
    say = progress or (lambda _message: None)
    started = time.perf_counter()
    say(f"Tränar på {len(reports)} anmälningar …")
    classifier = train(reports)
    train_seconds = time.perf_counter() - started
    evaluation = None
    if evaluate:
        say(f"Korsvaliderar ({CV_FOLDS} delar) …")
        evaluation = cross_validate(reports, folds=CV_FOLDS)
    with platform.session() as db:
        previous = active_version(db, principal.tenant_id)
        card = _card(reports, source, train_seconds, evaluation, previous)
    activate_it = not (keep_better_active and previous is not None and worse_than_previous(card))
    version = store_version(platform, principal, classifier, card, activate=activate_it)
    say(f"Version {version.version} är {'aktiv' if activate_it else 'sparad men inte aktiv'}.")
    return version


def store_version(
    platform: Platform,
    principal: Principal,
    classifier: PassageClassifier,
    card: dict[str, Any],
    activate: bool = True,
) -> ClassifierVersion:
    """Save a trained classifier as the tenant's next version, register it and (unless told
    otherwise) activate it."""
    principal.require("concern:train")
    with platform.session() as db:
        number = _next_version(db, principal.tenant_id)
        card = {**card, "version": number}
        path = model_root(platform, principal.tenant_slug) / f"v{number}"
        if path.exists():
            shutil.rmtree(path)
        classifier.save(path)
        (path / "card.json").write_text(json.dumps(card, ensure_ascii=False, indent=2))
        return _register(db, principal, number, path, card, activate)


def _next_version(db: Session, tenant_id: int) -> int:
    last = db.scalar(
        select(func.max(ClassifierVersion.version)).where(ClassifierVersion.tenant_id == tenant_id)
    )
    return (last or 0) + 1


def _register(
    db: Session,
    principal: Principal,
    number: int,
    path: Path,
    card: dict[str, Any],
    activate: bool,
) -> ClassifierVersion:
    model = CatalogModel(
        tenant_id=principal.tenant_id,
        name=f"orosanmalan-passager-v{number}",
        provider=PROVIDER,
        base_url=None,
        remote_model=str(path),
        capabilities=["classify"],
        hosting="own",
        country="Sverige (körs i Tillits egen process)",
        supplier="Tillit (tränad av kommunen)",
        licence="Kommunens egen modell",
        version=str(number),
        max_class="K3",
        model_card=card_markdown(card),
    )
    db.add(model)
    db.flush()
    if activate:
        db.execute(
            update(ClassifierVersion)
            .where(ClassifierVersion.tenant_id == principal.tenant_id)
            .values(active=False)
        )
    version = ClassifierVersion(
        tenant_id=principal.tenant_id,
        version=number,
        catalog_model_id=model.id,
        path=str(path),
        card=card,
        active=activate,
        trained_by=principal.actor,
    )
    db.add(version)
    db.flush()
    if activate:
        _service_follows(db, principal)
    record(
        db,
        principal,
        "concern.classifier.train",
        object_type="model",
        object_id=model.id,
        detail={"version": number, "reports": card["training_data"]["reports"]},
    )
    return version


def active_version(db: Session, tenant_id: int) -> ClassifierVersion | None:
    return db.scalar(
        select(ClassifierVersion).where(
            ClassifierVersion.tenant_id == tenant_id, ClassifierVersion.active.is_(True)
        )
    )


def versions(db: Session, tenant_id: int) -> list[ClassifierVersion]:
    statement = select(ClassifierVersion).where(ClassifierVersion.tenant_id == tenant_id)
    return list(db.scalars(statement.order_by(ClassifierVersion.version.desc())))


def activate(db: Session, principal: Principal, number: int) -> ClassifierVersion:
    principal.require("concern:train")
    chosen = db.scalar(
        select(ClassifierVersion).where(
            ClassifierVersion.tenant_id == principal.tenant_id, ClassifierVersion.version == number
        )
    )
    if chosen is None:
        raise NotFound("Versionen finns inte.", code="classifier_version_not_found")
    db.execute(
        update(ClassifierVersion)
        .where(ClassifierVersion.tenant_id == principal.tenant_id)
        .values(active=False)
    )
    chosen.active = True
    db.flush()
    _service_follows(db, principal)
    record(db, principal, "concern.classifier.activate", detail={"version": number})
    return chosen


def _service_follows(db: Session, principal: Principal) -> None:
    """The governed service (``concern/governance.py``) sees the new active version: an
    approval of another version no longer holds, and the register shows the new one."""
    from tillit.concern.governance import classifier_changed  # governance → models

    classifier_changed(db, principal.tenant_id, principal.actor)


def load_active(platform: Platform, tenant_id: int) -> tuple[ClassifierVersion, PassageClassifier]:
    """The tenant's active classifier, loaded once per version and kept on the platform."""
    with platform.session() as db:
        version = active_version(db, tenant_id)
        if version is None:
            raise NotFound(
                "Ingen klassificerare är tränad ännu: träna en med 'tillit concern train' "
                "eller på sidan Klassificerare (/klassificerare).",
                code="classifier_missing",
            )
        _require_enabled(db, version)
        db.expunge(version)
    cache = platform.caches.setdefault("concern_classifiers", {})
    key = (tenant_id, version.version, version.path)
    if key not in cache:
        from tillit.concern.classifier import PassageClassifier

        cache[key] = PassageClassifier.load(Path(version.path))
    return version, cache[key]


def _require_enabled(db: Session, version: ClassifierVersion) -> None:
    """An administrator who turns the version off in the model catalogue stops its analyses,
    as for any model ("tjänster som använder modellen slutar svara")."""
    model = db.get(CatalogModel, version.catalog_model_id)
    if model is not None and not model.enabled:
        raise ModelUnavailable(
            f"Klassificeraren '{model.name}' är avstängd i modellkatalogen. Slå på den igen "
            f"(tillit models enable {model.name}) eller gör en annan version aktiv "
            "(tillit concern activate N).",
            code="model_disabled",
        )


# -- model card -------------------------------------------------------------------------------


def make_card(
    reports: list[LabelledReport], source: str, train_seconds: float = 0.0
) -> dict[str, Any]:
    """A model card without evaluation (e.g. for a classifier trained elsewhere)."""
    return _card(reports, source, train_seconds, None, None)


def _card(
    reports: list[LabelledReport],
    source: str,
    train_seconds: float,
    evaluation: dict[str, Any] | None,
    previous: ClassifierVersion | None,
) -> dict[str, Any]:
    card: dict[str, Any] = {
        "version": None,  # set when stored
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "training_seconds": round(train_seconds, 1),
        "training_data": _data_summary(reports, source),
        "evaluation": evaluation,
        "previous_version": previous.version if previous else None,
        "comparison": None,
    }
    if evaluation and previous and previous.card.get("evaluation"):
        from tillit.concern.classifier.evaluate import compare

        card["comparison"] = compare(card, previous.card)
    return card


def _data_summary(reports: list[LabelledReport], source: str) -> dict[str, Any]:
    counts = dict.fromkeys(LABELS, 0)
    passages = 0
    for report in reports:
        for passage in report.passages:
            passages += 1
            for label in passage[2]:
                counts[label] += 1
    return {"source": source, "reports": len(reports), "passages": passages, "labels": counts}


def card_markdown(card: dict[str, Any]) -> str:
    data = card["training_data"]
    headline = (
        f"Klassificerare för orosanmälningar, version {card['version']}, tränad "
        f"{card['trained_at']} på {data['reports']} anmälningar ({data['passages']} stycken) "
        f"från {data['source']}. Körs i Tillits egen process (K3). Markerar stycken med tecken "
        "på våld eller konflikt som förslag till handläggaren; fattar inga beslut."
    )
    return "\n".join([headline, "", figures_markdown(card.get("evaluation"), data["labels"])])


def figures_markdown(evaluation: dict[str, Any] | None, examples: dict[str, int]) -> str:
    """Per-label figures from cross-validation (or dashes without one) as a Markdown table."""
    lines = ["| etikett | exempel | precision | täckning | F1 |", "|---|--:|--:|--:|--:|"]
    per_label = (evaluation or {}).get("per_label", {})
    for label, name in LABEL_NAMES.items():
        figures = per_label.get(label, {})
        lines.append(
            f"| {name} | {examples.get(label, 0)} | {_fmt(figures.get('precision'))} "
            f"| {_fmt(figures.get('recall'))} | {_fmt(figures.get('f1'))} |"
        )
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}".replace(".", ",")


FIGURE_NAMES = {
    "micro_f1": "mikro-F1",
    "macro_f1": "makro-F1",
    "report_micro_f1": "F1 per anmälan",
}


def worse_than_previous(card: dict[str, Any]) -> str:
    """The figures that fell by more than 0.02 against the version active before, in words."""
    comparison = card.get("comparison") or {}
    names = []
    for key in comparison.get("regressions", []):
        if key.startswith("f1."):
            names.append(f"F1 för {LABEL_NAMES.get(key[3:], key[3:])}")
        elif key.startswith("end_to_end."):
            names.append(f"{FIGURE_NAMES.get(key[11:], key)} med egna stycken")
        else:
            names.append(FIGURE_NAMES.get(key, key))
    return ", ".join(names)
