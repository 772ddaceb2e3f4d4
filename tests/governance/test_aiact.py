"""The AI Act decision aid: answers → role, risk group, art. 6(3) exception, art. 50 duties."""

from __future__ import annotations

import pytest

from tests.governance.lifecycle import CHATBOT_ANSWERS
from tillit.errors import InvalidInput
from tillit.governance.aiact import classify, missing_answers, questions_json

HIGH_RISK = {
    **CHATBOT_ANSWERS,
    "annex_iii": "5a",
    "profiling": True,
    "interacts_with_people": False,
}


def test_a_municipal_chatbot_has_limited_risk_and_must_say_it_is_ai() -> None:
    result = classify(CHATBOT_ANSWERS, "anna")
    assert result["role"] == "tillhandahållare"
    assert result["risk_group"] == "begränsad"
    assert result["transparency_obligations"] == ["art50_1"]
    assert result["art6_3_exception"] is None and not result["fria_required"]


def test_eligibility_for_public_assistance_with_profiling_is_high_risk() -> None:
    result = classify(HIGH_RISK, "anna")
    assert result["risk_group"] == "hög" and result["annex_iii_point"] == "5a"
    assert result["art6_3_exception"] is False
    assert result["fria_required"] and result["eu_database_registration"]


def test_art_6_3_exception_lowers_the_risk_group_when_nobody_is_profiled() -> None:
    answers = {**HIGH_RISK, "profiling": False, "art6_3": "d"}
    result = classify(answers, "anna")
    assert result["risk_group"] == "minimal" and result["art6_3_exception"] is True
    assert result["art6_3_ground"] == "d" and result["annex_iii_point"] == "5a"


def test_profiling_rules_out_the_exception_question() -> None:
    assert "art6_3" not in missing_answers(HIGH_RISK)
    assert "art6_3" in missing_answers({**HIGH_RISK, "profiling": False})


def test_prohibited_practice_and_own_development() -> None:
    result = classify({"is_ai_system": True, "own_development": True, "prohibited": True}, "a")
    assert result["risk_group"] == "förbjuden" and result["role"] == "leverantör"
    assert result["transparency_obligations"] == []


def test_unanswered_questions_are_listed() -> None:
    with pytest.raises(InvalidInput) as refused:
        classify({"is_ai_system": True}, "anna")
    assert refused.value.code == "aiact_incomplete"
    assert "own_development" in refused.value.message and "prohibited" in refused.value.message


@pytest.mark.parametrize(
    "answers", [{"is_ai_system": "ja"}, {"unknown": True}, {**CHATBOT_ANSWERS, "annex_iii": "9"}]
)
def test_bad_answers_are_refused(answers: dict) -> None:
    with pytest.raises(InvalidInput):
        classify(answers, "anna")


def test_questions_are_published_in_swedish_and_english() -> None:
    questions = questions_json()
    assert {q["id"] for q in questions} >= {"is_ai_system", "annex_iii", "art6_3"}
    assert all(q["text_sv"] and q["text_en"] for q in questions)
