"""The classifier page: agreement text and the training form (concern/annotation_pages.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.support.factories import make_user
from tests.support.pages import login
from tillit.concern import annotation_pages
from tillit.concern.annotation import import_annotated
from tillit.concern.classifier import LabelledReport
from tillit.platform import Platform

from .conftest import system


def _annotator(app: FastAPI, platform: Platform) -> tuple[TestClient, str]:
    make_user(platform, "olle", ["annotator"])
    client = TestClient(app)
    return client, login(client, "olle")


def test_without_double_annotations_the_page_says_so(app: FastAPI, platform: Platform) -> None:
    client, _ = _annotator(app, platform)
    page = client.get("/klassificerare").text
    assert "Inga stycken är märkta av två annotatörer ännu" in page


def test_agreement_names_its_annotators_and_gives_people_apart_from_imported_files(
    app: FastAPI, platform: Platform
) -> None:
    """An imported file counts as one annotator; the figure between people alone is shown
    beside it, since a file of gold labels and a person measure different things."""
    from sqlalchemy import select

    from tillit.auth.service import principal_for_user
    from tillit.auth.tables import User
    from tillit.concern.annotation import annotate
    from tillit.concern.tables import AnnotationItem

    texts = ["Pappa slår Kim.", "Kim äter inte.", "Mamma och pappa grälar.", "Kim är glad."]
    gold = [["fysiskt_vald"], ["forsummelse"], ["foraldrakonflikt"], []]
    bounds, at = [], 0
    for text in texts:
        bounds.append((at, at + len(text)))
        at += len(text) + 1
    report = LabelledReport(
        "r1", " ".join(texts), [(a, b, g) for (a, b), g in zip(bounds, gold, strict=True)]
    )
    import_annotated(platform, system(platform), [report], "guld.jsonl")
    client, _ = _annotator(app, platform)
    assert "Inget stycke är märkt av två personer" not in client.get("/klassificerare").text
    make_user(platform, "cia", ["annotator"])
    with platform.session() as db:
        items = list(db.scalars(select(AnnotationItem).order_by(AnnotationItem.position)))
        for name, votes in (("olle", gold), ("cia", [["fysiskt_vald"], [], [], []])):
            who = principal_for_user(db, db.scalar(select(User).where(User.username == name)))
            for item, labels in zip(items, votes, strict=True):
                annotate(db, who, item.id, labels)
    page = client.get("/klassificerare").text
    assert "på 4 stycken som minst två annotatörer har märkt" in page
    assert "(annotatörer: filen guld.jsonl, cia, olle)" in page
    assert "Bara mellan personer, utan importerade filer:" in page
    assert "<td>Fysiskt våld</td><td>1,00</td><td>1,00</td>" in page


@pytest.mark.parametrize(("ticked", "evaluate"), [(True, True), (False, False)])
def test_the_cross_validation_box_is_honoured(
    app: FastAPI,
    platform: Platform,
    dev_reports: list[Any],
    monkeypatch: pytest.MonkeyPatch,
    ticked: bool,
    evaluate: bool,
) -> None:
    import_annotated(platform, system(platform), dev_reports[:12], "test")
    started: list[bool] = []
    monkeypatch.setattr(annotation_pages, "submit", lambda job, *args: started.append(args[-1]))
    client, csrf = _annotator(app, platform)
    form = {"csrf_token": csrf, **({"evaluate": "on"} if ticked else {})}
    client.post("/klassificerare/trana", data=form)
    assert started == [evaluate]


def test_a_worse_version_is_flagged_and_an_earlier_one_can_be_made_active(
    app: FastAPI, platform: Platform, trained: Any, installed: int
) -> None:
    from tillit.concern.models import active_version, store_version, versions

    with platform.session() as db:
        card = dict(versions(db, 1)[0].card)
    from tillit.concern.labels import LABELS

    per_label = {key: {"precision": 0.5, "recall": 0.25, "f1": 1 / 3} for key in LABELS}
    evaluation = {"folds": 5, "micro_f1": 0.61, "macro_f1": 0.5, "report_micro_f1": 0.7}
    confusion = {key: {"tp": 7, "fp": 3, "fn": 14, "tn": 100} for key in LABELS}
    figures = {"micro_f1": {"new": 0.61, "old": 0.66, "delta": -0.05}}
    worse = {
        **card,
        "evaluation": {**evaluation, "per_label": per_label, "confusion": confusion},
        "previous_version": installed,
        "comparison": {
            "old_version": installed,
            "figures": figures,
            "regressions": ["macro_f1", "f1.sexuellt_vald"],
        },
    }
    assert store_version(platform, system(platform), trained, worse).version == installed + 1
    client, csrf = _annotator(app, platform)
    page = client.get("/klassificerare").text
    assert f"Sämre än version {installed}" in page and "F1 för Sexuellt våld" in page
    assert "mikro-F1 0,61, makro-F1 0,50, per anmälan 0,70" in page  # Swedish decimals
    assert "<td>Sexuellt våld</td><td>0,50</td><td>0,25</td><td>0,33</td>" in page
    assert "<td>0,33</td><td>7</td><td>3</td><td>14</td>" in page  # the confusion counts
    assert f"Jämfört med version {installed}: mikro-F1 0,61 (förut 0,66)" in page
    assert f"/klassificerare/versioner/{installed}/aktivera" in page
    client.post(f"/klassificerare/versioner/{installed}/aktivera", data={"csrf_token": csrf})
    with platform.session() as db:
        assert active_version(db, 1).version == installed


def test_another_tenants_annotator_cannot_activate_our_versions(
    app: FastAPI, platform: Platform, trained: Any, installed: int, second_tenant: str
) -> None:
    """Version numbers run per tenant: activating looks the number up in the caller's tenant."""
    from tillit.concern.models import active_version, store_version, versions

    with platform.session() as db:
        card = dict(versions(db, 1)[0].card)
    store_version(platform, system(platform), trained, card)
    make_user(platform, "annan", ["annotator"], tenant=second_tenant)
    client = TestClient(app)
    csrf = login(client, "annan")
    refused = client.post(
        f"/klassificerare/versioner/{installed}/aktivera", data={"csrf_token": csrf}
    )
    assert refused.status_code == 404
    with platform.session() as db:
        assert active_version(db, 1).version == installed + 1  # ours, unchanged


def test_a_worse_version_trained_from_the_page_is_not_made_active(
    platform: Platform, trained: Any, installed: int, dev_reports: list[Any]
) -> None:
    from tillit.concern.labels import LABELS
    from tillit.concern.models import active_version, store_version, train_version, versions

    with platform.session() as db:
        card = dict(versions(db, 1)[0].card)
    strong = {key: {"precision": 0.95, "recall": 0.95, "f1": 0.95} for key in LABELS}
    figures = {"folds": 5, "micro_f1": 0.95, "macro_f1": 0.95, "report_micro_f1": 0.95}
    good = store_version(
        platform,
        system(platform),
        trained,
        {**card, "evaluation": {**figures, "per_label": strong}},
    )
    small = dev_reports[:12]
    kept = train_version(platform, system(platform), small, source="t", keep_better_active=True)
    with platform.session() as db:
        assert not kept.active and active_version(db, 1).version == good.version
    forced = train_version(platform, system(platform), small, source="t")  # the CLI's way
    with platform.session() as db:
        assert forced.active and active_version(db, 1).version == forced.version


def test_the_queue_counts_every_passage_waiting(
    app: FastAPI, platform: Platform, dev_reports: list[Any]
) -> None:
    """Not just the first 50: the annotator sees how large the queue is."""
    result = import_annotated(platform, system(platform), dev_reports[:12], "test")
    client, _ = _annotator(app, platform)
    page = client.get("/annotering").text
    assert f"{result['annotations']} stycken väntar" in page and result["annotations"] > 50


def test_a_passage_with_personal_data_left_in_it_is_taken_out_from_the_page(
    app: FastAPI, platform: Platform
) -> None:
    report = LabelledReport("R-1", "Robban slår Tord. Tord är rädd.", [(0, 17, ()), (18, 31, ())])
    import_annotated(platform, system(platform), [report], "a")
    client, csrf = _annotator(app, platform)
    page = client.get("/annotering").text
    assert "2 stycken väntar" in page and "Ta bort ur träningsdatan" in page
    item_id = re.search(r'action="/annotering/(\d+)/ta-bort"', page).group(1)
    done = client.post(f"/annotering/{item_id}/ta-bort", data={"csrf_token": csrf})
    assert done.status_code == 200 and "borttaget ur träningsdatan" in done.text
    assert "1 stycke väntar" in done.text
    forged = client.post(f"/annotering/{item_id}/ta-bort", data={"csrf_token": "x"})
    assert forged.status_code in (400, 403)


def _train_from_page(client: TestClient, csrf: str) -> str:
    answer = client.post("/klassificerare/trana", data={"csrf_token": csrf})
    return answer.text


def test_a_training_started_from_the_page_shows_while_it_runs_and_when_it_is_done(
    app: FastAPI, platform: Platform, dev_reports: list[Any]
) -> None:
    import time

    import_annotated(platform, system(platform), dev_reports[:12], "test")
    client, csrf = _annotator(app, platform)
    started = _train_from_page(client, csrf)
    assert "Träningen har startat på 12 anmälningar" in started
    deadline = time.monotonic() + 120
    page = client.get("/klassificerare").text
    while "Träning pågår" in page and time.monotonic() < deadline:
        time.sleep(0.2)
        page = client.get("/klassificerare").text
    assert "Den senaste träningen" in page and "är klar: version" in page


def test_a_second_training_waits_for_the_first_and_a_failure_is_shown(
    app: FastAPI, platform: Platform, dev_reports: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tillit.errors import InvalidInput

    import_annotated(platform, system(platform), dev_reports[:12], "test")
    jobs: list[Any] = []
    monkeypatch.setattr(annotation_pages, "submit", lambda job, *args: jobs.append((job, args)))
    client, csrf = _annotator(app, platform)
    _train_from_page(client, csrf)
    assert "Träning pågår sedan" in client.get("/klassificerare").text
    assert "En träning pågår redan" in _train_from_page(client, csrf) and len(jobs) == 1

    def refuse(*_args: Any, **_kw: Any) -> None:
        raise InvalidInput("Träningsdata saknar etiketter.")

    monkeypatch.setattr(annotation_pages, "train_version", refuse)
    job, args = jobs[0]
    with pytest.raises(InvalidInput):
        job(*args)
    page = client.get("/klassificerare").text
    assert "misslyckades: Träningsdata saknar etiketter." in page
    assert "Träningen har startat" in _train_from_page(client, csrf)  # a new one may start
