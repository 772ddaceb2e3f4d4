"""The case data a letter is made from, validated so that no letter can carry a personnummer.

``LetterData`` is frozen and checked on construction: required fields are present, the child's birth
date is a date (a full personnummer is refused with ``ValueError``), and the fields that end up in
the letter's running text hold no identity number.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, fields
from datetime import date
from typing import Literal

from tillit.errors import InvalidInput
from tillit.privacy.identity import INTERIM_LETTERS, is_plausible_date_form, parse_identity

LetterKind = Literal[
    "receipt", "decision_open", "decision_not_open", "guardian_info", "reporter_info"
]
LetterFormat = Literal["docx", "pdf"]

MONTHS_SV = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)

_FIELD_NAMES = {
    "municipality": "kommunens namn (inställningar för orosanmälningar)",
    "unit": "enhetens namn (inställningar för orosanmälningar)",
    "case_number": "ärendenummer",
    "child_name": "barnets namn",
    "recipient_name": "mottagarens namn",
    "recipient_address": "mottagarens adress",
    "caseworker_name": "handläggarens namn",
    "decision_text": "beslut",
    "reasons": "skäl",
    "reporter_name": "anmälarens namn",
    "reporter_contact": "anmälarens kontaktuppgifter",
}
"""The fields' names in Swedish, for messages."""
_REQUIRED = (
    "municipality",
    "unit",
    "case_number",
    "child_name",
    "recipient_name",
    "caseworker_name",
)
# Fields whose text may be typed by hand and so may carry an identity number by mistake.
# Phone numbers and case numbers are left out: they are digit strings that can look like one.
_SCANNED = (
    "child_name",
    "recipient_name",
    "recipient_address",
    "decision_text",
    "reasons",
    "reporter_name",
    "reporter_contact",
)
# Separators as people and word processors write them: hyphen, plus, en/em dash, the
# non-breaking hyphen and minus sign, or a space (the detector in privacy/patterns.py agrees).
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2212"
_IDENTITY_CANDIDATE = re.compile(
    rf"(?<!\w)(?:\d{{8}}|\d{{6}})(?:[-+{_DASHES}]|[ \u00a0\u202f])?"
    rf"[\d{INTERIM_LETTERS}]\d{{3}}(?!\w)"
)
_ANY_DASH = re.compile(f"[{_DASHES}]")
_ISO_DATE = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


class LetterDataError(InvalidInput, ValueError):
    """The data cannot make a lawful letter (a ``ValueError`` and a domain ``InvalidInput``)."""

    code = "invalid_letter_data"


@dataclass(frozen=True)
class LetterData:
    """Everything one letter about one concern report needs. Texts are plain, never templates."""

    municipality: str
    unit: str
    case_number: str
    letter_date: date
    received_date: date
    child_name: str
    child_birth_date: date
    recipient_name: str
    caseworker_name: str
    office_address: tuple[str, ...] = ()
    office_phone: str = ""
    office_email: str = ""
    recipient_address: tuple[str, ...] = ()
    caseworker_title: str = ""
    caseworker_phone: str = ""
    caseworker_email: str = ""
    decision_date: date | None = None  # defaults to the letter date
    decision_text: str = ""  # what was decided, in the caseworker's words (optional)
    reasons: str = ""  # the reasons for the decision (required for decision_not_open)
    reporter_name: str = ""  # used only in letters to the reporter; never reaches a guardian
    decision: str = ""  # utredning_inleds / inleds_ej, or pagar (already under way): reporter_info
    reporter_contact: tuple[str, ...] = ()  # never printed; used to check guardian letters

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            if isinstance(value, list):
                object.__setattr__(self, spec.name, tuple(value))
        object.__setattr__(self, "child_birth_date", birth_date(self.child_birth_date))
        for name in _REQUIRED:
            if not clean_text(getattr(self, name)).strip():
                raise LetterDataError(f"Uppgift saknas: {_FIELD_NAMES[name]}.")
        for name in _SCANNED:
            _refuse_identity_numbers(name, getattr(self, name))

    @property
    def decided_on(self) -> date:
        return self.decision_date or self.letter_date


def birth_date(value: object) -> date:
    """A birth date from a ``date`` or an ISO string; a personnummer is refused, never cut down."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise LetterDataError("Födelsedatum måste vara ett datum.")
    text = value.strip()
    if len(re.sub(r"\D", "", text)) > 8 or _looks_like_identity(text):
        raise LetterDataError(
            "Födelsedatum får inte anges som personnummer; breven visar bara födelsedatum."
        )
    match = _ISO_DATE.match(text)
    if match is None:
        raise LetterDataError("Födelsedatum ska skrivas ÅÅÅÅ-MM-DD.")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as exc:
        raise LetterDataError("Födelsedatum är inte ett giltigt datum.") from exc


def swedish_date(day: date) -> str:
    """``23 november 2026`` — from a fixed month table, independent of the process locale."""
    return f"{day.day} {MONTHS_SV[day.month - 1]} {day.year}"


def clean_text(value: str) -> str:
    """Composed Unicode without control characters (they would break the DOCX XML)."""
    text = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub(" ", text.replace("\t", " "))


def text_lines(value: str) -> list[str]:
    """Free text as the paragraphs of a letter: one per non-blank line."""
    return [line.strip() for line in clean_text(value).split("\n") if line.strip()]


def _refuse_identity_numbers(name: str, value: str | tuple[str, ...]) -> None:
    texts = value if isinstance(value, tuple) else (value,)
    for text in texts:
        for match in _IDENTITY_CANDIDATE.finditer(text):
            written = _ANY_DASH.sub("-", re.sub(r"[ \u00a0\u202f]", "-", match.group(0)))
            if _looks_like_identity(written):
                raise LetterDataError(
                    f"Fältet {_FIELD_NAMES[name]} innehåller något som liknar ett "
                    "personnummer; "
                    "personnummer får inte stå i breven."
                )


def _looks_like_identity(text: str) -> bool:
    if parse_identity(text) is not None:
        return True
    has_separator = bool(re.search(r"\d[-+][\dA-Z]", text))
    return has_separator and is_plausible_date_form(text)
