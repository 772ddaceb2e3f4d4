"""A decision aid for the EU AI Act (Regulation (EU) 2024/1689): a few questions → the
municipality's role, the risk group, whether the art. 6(3) exception applies and which art. 50
transparency duties follow. Declarative: the questions are data; ``classify`` reads the answers.
It supports a person's judgement and records it; it is not legal advice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tillit.errors import InvalidInput

Answers = dict[str, Any]

ANNEX_III = {
    "none": "Inget av områdena",
    "1": "1. Biometri",
    "2": "2. Kritisk infrastruktur",
    "3": "3. Utbildning (tillträde, bedömning, övervakning av prov)",
    "4": "4. Anställning och arbetsledning",
    "5a": "5 a. Rätt till offentliga förmåner och tjänster (t.ex. bistånd)",
    "5b": "5 b. Kreditvärdighet",
    "5d": "5 d. Larm och prioritering av nödsamtal",
    "6": "6. Brottsbekämpning",
    "7": "7. Migration, asyl och gränskontroll",
    "8": "8. Rättskipning och demokratiska processer",
}
ART6_3 = {
    "none": "Inget av undantagen",
    "a": "a) En snävt avgränsad processuell uppgift",
    "b": "b) Förbättrar resultatet av en redan slutförd mänsklig aktivitet",
    "c": "c) Upptäcker beslutsmönster utan att ersätta mänsklig bedömning",
    "d": "d) En förberedande uppgift inför en bedömning",
}


@dataclass(frozen=True)
class Question:
    id: str
    text_sv: str
    text_en: str
    options: dict[str, str] | None = None  # None: yes/no
    ask_if: Callable[[Answers], bool] = lambda _a: True


QUESTIONS: tuple[Question, ...] = (
    Question(
        "is_ai_system",
        "Drar systemet slutsatser ur indata för att skapa utdata (svar, förutsägelser, "
        "rekommendationer) med viss självständighet?",
        "Does the system infer from input how to generate outputs with some autonomy?",
    ),
    Question(
        "own_development",
        "Har kommunen utvecklat systemet eller släpper den det på marknaden under eget namn "
        "(i så fall är kommunen leverantör)?",
        "Did the municipality develop the system or place it on the market under its own name?",
        ask_if=lambda a: a.get("is_ai_system") is True,
    ),
    Question(
        "prohibited",
        "Används systemet till något som är förbjudet enligt art. 5 (t.ex. social poängsättning, "
        "manipulation, känsloigenkänning på arbetsplatsen eller i skolan)?",
        "Is it used for a practice prohibited by art. 5?",
        ask_if=lambda a: a.get("is_ai_system") is True,
    ),
    Question(
        "annex_iii",
        "Används systemet inom något av områdena i bilaga III?",
        "Is the system used in one of the areas of Annex III?",
        options=ANNEX_III,
        ask_if=lambda a: a.get("is_ai_system") is True and a.get("prohibited") is False,
    ),
    Question(
        "profiling",
        "Profilerar systemet fysiska personer (bedömer t.ex. beteende, behov eller risk hos en "
        "person)?",
        "Does the system profile natural persons?",
        ask_if=lambda a: a.get("annex_iii") not in (None, "none"),
    ),
    Question(
        "art6_3",
        "Gäller något av undantagen i art. 6.3 (systemet medför inte betydande risk)?",
        "Does one of the art. 6(3) exceptions apply?",
        options=ART6_3,
        ask_if=lambda a: a.get("annex_iii") not in (None, "none") and a.get("profiling") is False,
    ),
    Question(
        "interacts_with_people",
        "Samtalar eller interagerar systemet direkt med människor (t.ex. en chattassistent)?",
        "Does the system interact directly with natural persons (e.g. a chatbot)?",
        ask_if=lambda a: a.get("is_ai_system") is True and a.get("prohibited") is False,
    ),
    Question(
        "generates_public_text",
        "Publicerar systemet AI-genererad text för att informera allmänheten om frågor av "
        "allmänt intresse utan att en människa granskar den redaktionellt?",
        "Does it publish AI-generated text informing the public on matters of public interest "
        "without human editorial review?",
        ask_if=lambda a: a.get("is_ai_system") is True and a.get("prohibited") is False,
    ),
    Question(
        "generates_media",
        "Skapar systemet syntetiskt ljud, bild eller video?",
        "Does it generate synthetic audio, images or video?",
        ask_if=lambda a: a.get("is_ai_system") is True and a.get("prohibited") is False,
    ),
    Question(
        "emotion_or_biometric_categorisation",
        "Används känsloigenkänning eller biometrisk kategorisering?",
        "Is emotion recognition or biometric categorisation used?",
        ask_if=lambda a: a.get("is_ai_system") is True and a.get("prohibited") is False,
    ),
)
BY_ID = {q.id: q for q in QUESTIONS}


def questions_asked(answers: Answers) -> list[Question]:
    """The questions that apply given the answers so far (the tree's current path)."""
    return [q for q in QUESTIONS if q.ask_if(answers)]


def missing_answers(answers: Answers) -> list[str]:
    return [q.id for q in questions_asked(answers) if q.id not in answers]


def _check(answers: Answers) -> Answers:
    asked = {q.id for q in questions_asked(answers)}
    clean: Answers = {}
    for key, value in answers.items():
        question = BY_ID.get(key)
        if question is None:
            raise InvalidInput(f"Okänd fråga '{key}'.", code="invalid_aiact_answer")
        if key not in asked:
            continue  # an answer on a branch the tree no longer takes
        valid = value in question.options if question.options else isinstance(value, bool)
        if not valid:
            allowed = ", ".join(question.options) if question.options else "true/false"
            raise InvalidInput(
                f"Ogiltigt svar på '{key}' (tillåtet: {allowed}).", code="invalid_aiact_answer"
            )
        clean[key] = value
    missing = missing_answers(clean)
    if missing:
        raise InvalidInput(f"Besvara också: {', '.join(missing)}.", code="aiact_incomplete")
    return clean


def _risk_group(a: Answers) -> tuple[str, bool | None]:
    """(risk group, art. 6(3) exception applies?)"""
    if not a.get("is_ai_system"):
        return "inte_ai_system", None
    if a.get("prohibited"):
        return "förbjuden", None
    if a.get("annex_iii", "none") == "none":
        return "begränsad" if _art50(a) else "minimal", None
    exception = a.get("profiling") is False and a.get("art6_3", "none") != "none"
    if exception:
        return "begränsad" if _art50(a) else "minimal", True
    return "hög", False


def _art50(a: Answers) -> list[str]:
    duties = []
    if a.get("interacts_with_people"):
        duties.append("art50_1")
    if a.get("generates_media"):
        duties.append("art50_2")
    if a.get("emotion_or_biometric_categorisation"):
        duties.append("art50_3")
    if a.get("generates_public_text"):
        duties.append("art50_4")
    return duties


RISK_LABELS_SV = {
    "inte_ai_system": "Inte ett AI-system enligt förordningen",
    "förbjuden": "Förbjuden användning (art. 5)",
    "hög": "Hög risk (bilaga III)",
    "begränsad": "Begränsad risk (transparenskrav, art. 50)",
    "minimal": "Minimal risk",
}
DUTY_LABELS_SV = {
    "art50_1": "Art. 50.1: tala om för människor att de interagerar med AI",
    "art50_2": "Art. 50.2: märk syntetiskt ljud, bild och video maskinläsbart",
    "art50_3": "Art. 50.3: informera den som utsätts för känsloigenkänning eller kategorisering",
    "art50_4": "Art. 50.4: upplys om att publicerad text är AI-genererad",
}


def classify(answers: Answers, by: str) -> dict[str, Any]:
    """The classification the record stores; raises with the unanswered questions."""
    a = _check(answers)
    group, exception = _risk_group(a)
    role = "leverantör" if a.get("own_development") else "tillhandahållare"
    duties = _art50(a) if group not in ("inte_ai_system", "förbjuden") else []
    annex = a.get("annex_iii") if group == "hög" or exception else None
    return {
        "answers": a,
        "role": role if a.get("is_ai_system") else None,
        "risk_group": group,
        "risk_label": RISK_LABELS_SV[group],
        "annex_iii_point": annex,
        "annex_iii_label": ANNEX_III.get(annex) if annex else None,
        "art6_3_exception": exception,
        "art6_3_ground": a.get("art6_3") if exception else None,
        "transparency_obligations": duties,
        "transparency_labels": [DUTY_LABELS_SV[d] for d in duties],
        "fria_required": group == "hög",
        "eu_database_registration": group == "hög",
        "classified_by": by,
        "classified_at": datetime.now(UTC).isoformat(),
    }


def questions_json() -> list[dict[str, Any]]:
    return [
        {
            "id": q.id,
            "text_sv": q.text_sv,
            "text_en": q.text_en,
            "options": q.options or {"true": "Ja", "false": "Nej"},
        }
        for q in QUESTIONS
    ]
