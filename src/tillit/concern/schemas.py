"""What a concern report looks like when it arrives, from any channel."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

REPORTER_TYPES: dict[str, str] = {
    "skola": "Skola",
    "forskola": "Förskola",
    "fritid": "Fritidsverksamhet",
    "halso_sjukvard": "Hälso- och sjukvård",
    "bvc": "Barnavårdscentral (BVC)",
    "tandvard": "Tandvård",
    "polis": "Polis",
    "annan_myndighet": "Annan myndighet",
    "foralder": "Förälder",
    "slakting": "Släkting",
    "granne": "Granne eller bekant",
    "barnet_sjalv": "Barnet självt",
    "anonym": "Anonym",
    "annan": "Annan",
}
PROFESSIONAL_TYPES = frozenset(
    {"skola", "forskola", "fritid", "halso_sjukvard", "bvc", "tandvard", "polis", "annan_myndighet"}
)
"""Reporters with a duty to report (19 kap. 1 § socialtjänstlagen, 2025:400): they cannot be
anonymous, and they may ask to be told the decision (19 kap. 6 §, concern/reporter_info.py)."""
DUTY_TO_REPORT = (
    "Den som anmäler i tjänsten (skola, förskola, vård, polis eller annan myndighet) har "
    "anmälningsskyldighet och kan inte vara anonym."
)


EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
"""An e-mail address, loosely: something@domain.tld (the form, the API's warning, the CLI)."""


def anonymous_with_duty(reporter_type: str, anonymous: bool) -> bool:
    """An anonymous report from a reporter with a duty to report. The public form asks the
    reporter again; a report that arrives otherwise is registered with a warning, since a
    report about a child must never be lost (``register.register_report``)."""
    return anonymous and reporter_type in PROFESSIONAL_TYPES


CHANNELS: dict[str, str] = {
    "webbformular": "Webbformulär",
    "e-post": "E-post",
    "telefon": "Telefon",
    "brev": "Brev",
    "polisanmalan": "Polisanmälan",
    "api": "API",
    "import": "Filimport",
}
STATUSES: dict[str, str] = {
    "ny": "Ny",
    "forhandsbedomning": "Förhandsbedömning",
    "utredning_inleds": "Utredning inleds",
    "inleds_ej": "Utredning inleds ej",
    "avslutad": "Avslutad",
}
CLOSED_STATUSES = frozenset({"inleds_ej", "avslutad"})
UNDECIDED_STATUSES = frozenset({"ny", "forhandsbedomning"})  # the initial assessment runs
DECISIONS = frozenset({"utredning_inleds", "inleds_ej"})  # the outcome of the initial assessment
MAX_REPORT_CHARS = 200_000


def without_nul(value: object) -> object:
    """A NUL character dropped from text: it carries nothing a reader sees, and PostgreSQL
    cannot store one, so the same report would be kept on SQLite and refused on PostgreSQL."""
    return value.replace("\x00", "") if isinstance(value, str) else value


_DIRECTION_CONTROLS = dict.fromkeys(
    [0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)


def plain_line(value: object) -> object:
    """A name, address or number as one plain line: no NUL, and no invisible characters that
    change the direction of text (U+202E would show "Kim ‮Lund" with the rest of the line,
    the birth date included, reversed on the case page and in letters)."""
    value = without_nul(value)
    return value.translate(_DIRECTION_CONTROLS) if isinstance(value, str) else value


class Reporter(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    _plain = field_validator("*", mode="before")(plain_line)

    name: str | None = Field(default=None, max_length=200)
    organisation: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=50)

    @property
    def is_empty(self) -> bool:
        return not any((self.name, self.organisation, self.email, self.phone))


class Child(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    _plain = field_validator("*", mode="before")(plain_line)

    name: str | None = Field(default=None, max_length=200)
    personnummer: str | None = Field(default=None, max_length=20)
    birth_date: date | None = None
    address: str | None = Field(default=None, max_length=300)


class ReportIn(BaseModel):
    """A report from the form, the API, a mail or a file. ``source_ref`` identifies the
    submission in its channel (form token, Message-ID, import id): the same one twice is the
    same case, never a second one."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    text: str = Field(min_length=1, max_length=MAX_REPORT_CHARS)
    reporter_type: str = "annan"
    reporter: Reporter = Field(default_factory=Reporter)
    anonymous: bool = False
    child: Child = Field(default_factory=Child)
    received_at: datetime | None = None
    source_ref: str | None = Field(default=None, max_length=200)

    _no_nul = field_validator("*", mode="before")(without_nul)

    @field_validator("received_at", mode="before")
    @classmethod
    def _written_time(cls, value: object) -> object:
        """A number would be read as seconds since 1970 (a case numbered OA-1970-…)."""
        if isinstance(value, int | float):
            raise ValueError("received_at ska vara en tidpunkt som text, t.ex. 2024-03-14T09:30")
        return value

    @field_validator("reporter_type")
    @classmethod
    def _known_reporter_type(cls, value: str) -> str:
        if value not in REPORTER_TYPES:
            raise ValueError(f"reporter_type måste vara en av {', '.join(REPORTER_TYPES)}")
        return value

    @field_validator("text")
    @classmethod
    def _has_words(cls, value: str) -> str:
        if not any(ch.isalnum() for ch in value):
            raise ValueError("anmälan saknar text")
        return value


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str

    @field_validator("status")
    @classmethod
    def _known_status(cls, value: str) -> str:
        if value not in STATUSES:
            raise ValueError(f"status måste vara en av {', '.join(STATUSES)}")
        return value


class ReviewIn(BaseModel):
    """The caseworker's decision on one passage: confirm the suggestion or set other labels."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["confirm", "reject", "set"]
    labels: list[str] = Field(default_factory=list, max_length=8)
    shown: list[str] | None = Field(default=None, max_length=8)
    """The suggestion the caseworker saw. With ``confirm``: if the passage has been analysed
    again since and suggests something else, nothing is stored (409 ``suggestion_changed``)."""
