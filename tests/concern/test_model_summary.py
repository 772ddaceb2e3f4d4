"""A model-written case summary against a real OpenAI-compatible server process: K3 models get
the text, K2 models get it pseudonymised (and the answer back re-identified), others nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

import tillit.concern.case_model as case_model
from tillit.concern.cases import apply_retention, set_status
from tillit.concern.model_summary import summarise_case
from tillit.concern.register import read_analysis
from tillit.concern.tables import ConcernCase
from tillit.errors import Conflict, InvalidInput, PolicyViolation
from tillit.platform import Platform
from tillit.runs.tables import Run

from .conftest import lower_clearance, register_text, register_writer, system

TEXT = "Eleven Elias Nordström, 140621-2389, berättar att pappa Johan Nordström slår honom."


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What reached the upstream, as the upstream itself reports it (the call is real)."""
    received: list[str] = []
    real = case_model.chat_once

    async def spy(provider_type: str, spec: Any, body: dict[str, Any]) -> dict:
        response = await real(provider_type, spec, body)
        received.append(response["x_received"])
        return response

    monkeypatch.setattr(case_model, "chat_once", spy)
    return received


def test_a_k3_model_reads_the_case_as_it_is(
    platform: Platform, upstream: str, sent: list[str]
) -> None:
    register_writer(platform, upstream, "egen", "K3")
    summary = summarise_case(platform, system(platform), register_text(platform, TEXT), "egen")
    assert "Elias Nordström" in sent[0] and "<anmälan>" in sent[0]
    assert "Elias Nordström" in summary["text"]  # the echo upstream repeats the prompt


def test_a_k2_model_gets_pseudonymised_text_and_the_answer_is_reidentified(
    platform: Platform, upstream: str, sent: list[str]
) -> None:
    register_writer(platform, upstream, "moln", "K2")
    summary = summarise_case(platform, system(platform), register_text(platform, TEXT), "moln")
    for value in ("Elias", "Nordström", "140621-2389", "Johan"):
        assert value not in sent[0]
    assert "Elias Nordström" in summary["text"] and "140621-2389" in summary["text"]
    with platform.session() as db:
        run = db.scalar(select(Run).where(Run.kind == "concern.summary"))
    assert run.policy["decision"] == "pseudonymised" and run.privacy["detected"]["PERSON"] >= 2
    assert "Elias" not in str(run.privacy)


def test_a_k1_model_is_refused_before_anything_leaves(
    platform: Platform, upstream: str, sent: list[str]
) -> None:
    register_writer(platform, upstream, "publik", "K3")
    lower_clearance(platform, "publik", "K1")  # after it was chosen
    with pytest.raises(PolicyViolation):
        summarise_case(platform, system(platform), register_text(platform, TEXT), "publik")
    assert sent == []
    with platform.session() as db:
        run = db.scalar(select(Run).where(Run.kind == "concern.summary"))
    assert run.status == "refused" and run.error_code == "security_class_exceeded"


def test_a_case_closed_while_the_model_answers_keeps_no_summary(
    platform: Platform, upstream: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lock is checked again when the answer is stored, not only before the call."""
    register_writer(platform, upstream, "egen", "K3")
    number = register_text(platform, TEXT)
    real = case_model.chat_once

    async def closing_meanwhile(provider_type: str, spec: Any, body: dict[str, Any]) -> dict:
        response = await real(provider_type, spec, body)
        with platform.session() as db:
            case = db.scalar(select(ConcernCase).where(ConcernCase.case_number == number))
            case.status = "avslutad"
        return response

    monkeypatch.setattr(case_model, "chat_once", closing_meanwhile)
    with pytest.raises(Conflict):
        summarise_case(platform, system(platform), number, "egen")
    with platform.session() as db:
        case = db.scalar(select(ConcernCase).where(ConcernCase.case_number == number))
        assert "model_summary" not in read_analysis(platform.box, case)


def test_a_case_erased_by_retention_asks_no_model(
    platform: Platform, upstream: str, sent: list[str]
) -> None:
    """'Inleds ej' counts as closed for retention but is not locked: once its content is
    erased, no model is asked about it and nothing is written into it again."""
    register_writer(platform, upstream, "egen", "K3")
    number = register_text(platform, TEXT)
    with platform.session() as db:
        case = db.scalar(select(ConcernCase).where(ConcernCase.case_number == number))
        set_status(db, system(platform), case, "inleds_ej")
    with platform.session() as db:
        later = datetime.now(UTC) + timedelta(days=365 * 6)
        assert apply_retention(db, platform.box, system(platform), now=later) == [number]
    with pytest.raises(InvalidInput) as refused:
        summarise_case(platform, system(platform), number, "egen")
    assert refused.value.code == "case_purged" and sent == []
    with platform.session() as db:
        case = db.scalar(select(ConcernCase).where(ConcernCase.case_number == number))
        assert case.analysis == {}
        assert db.scalar(select(Run).where(Run.kind == "concern.summary")) is None
