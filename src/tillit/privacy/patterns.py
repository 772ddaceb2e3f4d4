"""Pattern detectors: identity numbers, phone, e-mail, bank numbers, car registrations, addresses.

Each detector is a compiled regular expression plus, where one exists, a validator from a library
(``personnummer``/``python-stdnum``). They return ``(start, end, type)`` triples.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from stdnum import iban, luhn

from tillit.privacy.identity import INTERIM_LETTERS, is_plausible_date_form, is_valid_identity
from tillit.privacy.names import lexicon

Span = tuple[int, int, str]

_PNR = re.compile(
    r"(?<![\w+-])(?:18|19|20)?[0-9]{6}(?:[-+–]|\s)?"
    rf"[0-9{INTERIM_LETTERS}][0-9]{{3}}(?![\w-])"
)
_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)46[\s-]*(?:\(0\)[\s-]*)?|\(?0)[1-9][0-9]{0,3}\)?"
    r"(?:[\s/-]{0,2}[0-9]){5,8}(?![\w-])"
)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}(?![\w-])")
_IBAN = re.compile(r"(?<!\w)[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?!\w)")
_GIRO = re.compile(
    r"(?i:(?P<bg>bankgiro(?:nummer|t)?|bg(?:-?nr)?)|(?P<pg>plusgiro(?:nummer|t)?|postgiro|pg(?:-?nr)?))"
    r"[\s.:]{0,3}(?:nr\.?\s?)?(?P<num>[0-9]{1,4}(?:[ -]?[0-9]{1,4}){1,3})(?!\w)"
)
_GIRO_GATE = re.compile(r"(?i:giro|bg|pg)")
_REGNR = re.compile(r"(?<![\w-])[A-HJ-PR-UW-ZÅÄÖ]{3} ?[0-9]{2}[A-HJ-NPR-UW-Z0-9](?![\w-])")
_REGNR_NOT = frozenset({"BUP", "BVC", "LVU", "LVM", "LSS", "SFS", "SOL", "EUR", "SEK", "KAP"})
_PHONE_CUE = re.compile(
    r"(?<!\w)(?i:tel|telefon\w*|mobil\w*|telefonnummer|mobilnummer|ring\w*|nås|sms|fax|växel)"
    r"(?:\W{1,4}|\W(?:på|nr|nummer)\W{1,3})$"
)

_CAP = r"[A-ZÅÄÖÉÜ][\wåäöéü]*"
# Street names that are addresses on their own; the extended endings also name places and
# organisations, so they count only with a house number.
_CORE_SUFFIX = (
    r"(?:gatan|vägen|gränd|gränden|stigen|gången|allén|torget|backen|platsen|slingan|stråket|"
    r"kajen|promenaden|esplanaden)"
)
_EXTENDED_SUFFIX = (
    r"(?:gata|väg|stig|backe|torg|allé|leden|plan|ringen|liden|kroken|svängen|udde|höjden|"
    r"hagen|dalen|lunden|gärdet|lyckan|ängen|åsen|berget|parken|kullen|sluttningen|viken|udden|"
    r"holmen|näset|vallen|fältet|bryggan|bäcken|s (?:väg|gata|gränd|plats|torg|allé))"
)
_DIRECTION = r"(?:(?:Stora|Lilla|Norra|Södra|Östra|Västra|Gamla|Nya|S:t|Sankt) )?"
_STREET = (
    rf"{_DIRECTION}{_CAP}{_CORE_SUFFIX}(?![\w-])"
    rf"|{_DIRECTION}{_CAP}{_EXTENDED_SUFFIX}(?= [0-9])"
)
_NUMBER = r"[0-9]{1,4}(?:(?: ?[A-Z]|[a-z])(?![\wåäö]))?(?:-[0-9]{1,4})?"
_FLAT = r"(?:,? (?:lgh|lägenhet) [0-9]{3,4})"
_POSTCODE_TOWN = r"[0-9]{3} ?[0-9]{2} [A-ZÅÄÖ][\wåäö]+(?:[ -][A-ZÅÄÖ][\wåäö]+)?"
_ADDRESS = re.compile(
    rf"(?:c/o {_CAP}(?: {_CAP})?,? )?"
    rf"(?<![\w-])(?P<street>{_STREET})(?: (?P<num>{_NUMBER}))?{_FLAT}?"
    rf"(?:(?:,| i|,? ?\n)? ?(?P<post>{_POSTCODE_TOWN})|(?:,? (?P<town>[\wåäö]+)))?"
)
_BOX = re.compile(rf"(?<!\w)(?:Box|Postbox) [0-9]{{1,5}},? {_POSTCODE_TOWN}")
_LONE_POSTCODE = re.compile(rf"(?<![\w-]){_POSTCODE_TOWN}")


WORD_STARTS = re.compile(r"(?:[A-ZÅÄÖÉÜ]|c/o )(?<![\w/-].)")
_NUMBER_STARTS = re.compile(r"[0-9+(](?<![\w+-].)")


def word_starts(text: str) -> list[int]:
    """Where a capitalised word (or "c/o") begins: the only places an address, organisation or
    name can start. Anchoring the larger patterns there keeps detection fast."""
    return [m.start() for m in WORD_STARTS.finditer(text)]


def find_patterns(text: str, starts: list[int] | None = None) -> list[Span]:
    """All pattern detections. Each pattern is tried only where it can begin (a capitalised word
    or a number), which is much faster than scanning every character with each pattern."""
    words = word_starts(text) if starts is None else starts
    numbers = [m.start() for m in _NUMBER_STARTS.finditer(text)]
    spans: list[Span] = []
    if "@" in text:
        spans += _emails(text)
    spans += _identity_numbers(text, numbers)
    spans += _phones(text, numbers)
    spans += _ibans(text, words)
    spans += _giros(text)
    spans += _regnrs(text, words)
    spans += _addresses(text, words, numbers)
    return spans


def _anchored(pattern: re.Pattern[str], text: str, starts: list[int]) -> Iterator[re.Match[str]]:
    reached = 0
    for position in starts:
        if position >= reached and (match := pattern.match(text, position)) is not None:
            reached = match.end()
            yield match


def _emails(text: str) -> Iterator[Span]:
    for match in _EMAIL.finditer(text):
        yield match.start(), match.end(), "EMAIL"


def _identity_numbers(text: str, starts: list[int]) -> Iterator[Span]:
    for match in _anchored(_PNR, text, starts):
        value = re.sub(r"[\s–]", "-", match.group())
        bare_ten = len(value) == 10 and value.isdigit()
        if bare_ten and _PHONE_CUE.search(text, max(0, match.start() - 24), match.start()):
            continue  # a phone number that happens to pass the check digit
        if is_valid_identity(value) or ("-" in value and is_plausible_date_form(value)):
            yield match.start(), match.end(), "PNR"


def _phones(text: str, starts: list[int]) -> Iterator[Span]:
    for match in _anchored(_PHONE, text, starts):
        digits = sum(c.isdigit() for c in match.group())
        if 8 <= digits <= 13:
            yield match.start(), match.end(), "PHONE"


def _ibans(text: str, starts: list[int]) -> Iterator[Span]:
    for match in _anchored(_IBAN, text, starts):
        if iban.is_valid(match.group()):
            yield match.start(), match.end(), "IBAN"


def _giros(text: str) -> Iterator[Span]:
    if _GIRO_GATE.search(text) is None:
        return
    for match in _GIRO.finditer(text):
        digits = re.sub(r"\D", "", match.group("num"))
        if not luhn.is_valid(digits):
            continue
        if match.group("bg") and 7 <= len(digits) <= 8:
            yield match.start("num"), match.end("num"), "BANKGIRO"
        elif match.group("pg") and 2 <= len(digits) <= 8:
            yield match.start("num"), match.end("num"), "PLUSGIRO"


def _regnrs(text: str, starts: list[int]) -> Iterator[Span]:
    for match in _anchored(_REGNR, text, starts):
        if match.group()[:3] not in _REGNR_NOT:
            yield match.start(), match.end(), "REGNR"


def _addresses(text: str, words: list[int], numbers: list[int]) -> Iterator[Span]:
    towns = lexicon().towns
    for match in _anchored(_ADDRESS, text, words):
        end = match.end()
        town = match.group("town")
        if town is not None and (town.lower() not in towns or not match.group("num")):
            end = match.start("town") - (2 if text[match.start("town") - 2] == "," else 1)
        yield match.start(), end, "ADDRESS"
    for pattern, starts in ((_BOX, words), (_LONE_POSTCODE, numbers)):
        for match in _anchored(pattern, text, starts):
            yield match.start(), match.end(), "ADDRESS"
