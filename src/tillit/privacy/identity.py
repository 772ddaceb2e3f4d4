"""Swedish identity numbers: personnummer, samordningsnummer and interimsnummer.

Validation is delegated to maintained libraries: ``personnummer`` parses and validates ordinary
personnummer and samordningsnummer with a real date; ``python-stdnum``'s Luhn implementation checks
the two forms that ``personnummer`` rejects but Skatteverket issues — samordningsnummer with an
unknown month (``00``) or day (``60``), and interimsnummer (a letter in the first serial position,
counted as ``1`` in the check digit). Organisationsnummer (third digit pair ≥ 20) never validate.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from personnummer import personnummer as _pnr
from stdnum import luhn

INTERIM_LETTERS = "TRSUWXJKLMN"

_FORM = re.compile(
    r"^(?P<century>\d{2})?(?P<yy>\d{2})(?P<mm>\d{2})(?P<dd>\d{2})(?P<sep>[-+]?)"
    rf"(?P<serial>[\d{INTERIM_LETTERS}]\d{{2}})(?P<check>\d)$"
)


@dataclass(frozen=True)
class IdentityNumber:
    kind: str  # "personnummer" | "samordningsnummer" | "interimsnummer"
    century: str
    digits: str  # YYMMDD + serial + check, interim letter kept

    @property
    def normalised(self) -> str:
        """Twelve characters, no separator: the canonical form used as a pseudonymisation key."""
        return self.century + self.digits


def parse_identity(value: str, *, today: date | None = None) -> IdentityNumber | None:
    """The identity number written in ``value`` (any official form), or None if it is not one."""
    match = _FORM.match(value.strip())
    if match is None:
        return None
    parts = match.groupdict()
    serial = parts["serial"]
    if serial[0] in INTERIM_LETTERS:
        return _interim(parts, today)
    if _library_valid(value.strip()):
        kind = "samordningsnummer" if int(parts["dd"]) > 60 else "personnummer"
        return IdentityNumber(kind, _century(parts, today), _digits(parts))
    return _unknown_date_coordination(parts, today)


def is_valid_identity(value: str) -> bool:
    return parse_identity(value) is not None


def is_plausible_date_form(value: str) -> bool:
    """Looks like a personnummer with a real (or coordination) date, whatever the check digit.

    Used by the detector to flag mistyped numbers written in personnummer form (YYMMDD-NNNN).
    """
    match = _FORM.match(value.strip())
    if match is None:
        return False
    parts = match.groupdict()
    return _date_ok(parts, _century(parts, None), allow_unknown=True)


def _library_valid(value: str) -> bool:
    try:
        _pnr.Personnummer(value)
    except _pnr.PersonnummerException:
        return False
    return True


def _interim(parts: dict[str, str], today: date | None) -> IdentityNumber | None:
    serial = parts["serial"]
    checked = parts["yy"] + parts["mm"] + parts["dd"] + "1" + serial[1:] + parts["check"]
    century = _century(parts, today)
    if not luhn.is_valid(checked) or not _date_ok(parts, century, allow_unknown=False):
        return None
    return IdentityNumber("interimsnummer", century, _digits(parts))


def _unknown_date_coordination(parts: dict[str, str], today: date | None) -> IdentityNumber | None:
    """Samordningsnummer that ``personnummer`` rejects for its date: month 00, day 60 (unknown),
    or day-60 past the month's end (Skatteverket issues these; its own test list has them)."""
    month, day = int(parts["mm"]), int(parts["dd"])
    if not (60 <= day <= 91 and month <= 12):
        return None
    digits = _digits(parts)
    if not luhn.is_valid(digits):
        return None
    return IdentityNumber("samordningsnummer", _century(parts, today), digits)


def _date_ok(parts: dict[str, str], century: str, *, allow_unknown: bool) -> bool:
    year, month, day = int(century + parts["yy"]), int(parts["mm"]), int(parts["dd"])
    if day > 60:
        day -= 60
    elif day == 60 and allow_unknown:
        day = 0
    if month == 0 or day == 0:
        return allow_unknown and month <= 12 and day <= 31
    if month > 12:
        return False
    return day <= calendar.monthrange(year, month)[1]


def _century(parts: dict[str, str], today: date | None) -> str:
    if parts["century"]:
        return parts["century"]
    this_year = (today or date.today()).year
    base = this_year - 100 if parts["sep"] == "+" else this_year
    full_year = base - ((base - int(parts["yy"])) % 100)
    return str(full_year // 100)


def _digits(parts: dict[str, str]) -> str:
    return parts["yy"] + parts["mm"] + parts["dd"] + parts["serial"] + parts["check"]
