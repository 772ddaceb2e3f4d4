"""The classifier page: agreement text and the training form (concern/annotation_pages.py)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.support.factories import make_user
from tests.support.pages import login
from tillit.concern import annotation_pages
from tillit.concern.annotation import import_annotated
from tillit.platform import Platform

from .conftest import system


def _annotator(app: FastAPI, platform: Platform) -> tuple[TestClient, str]:
    make_user(platform, "olle", ["annotator"])
    client = TestClient(app)
    return client, login(client, "olle")


def test_without_double_annotations_the_page_says_so(app: FastAPI, platform: Platform) -> None:
    client, _ = _annotator(app, platform)
    page = client.get("/klassificerare").text
    assert "Inga stycken är annoterade av två personer ännu." in page


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
