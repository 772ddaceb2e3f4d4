"""Pattern detectors: identity numbers, phone, e-mail, bank numbers, car registrations, addresses.

Each detector is a compiled regular expression plus, where one exists, a validator from a library
(``personnummer``/``python-stdnum``). They return ``(start, end, type)`` triples.

Speed: a pattern is tried only where it can begin. Word patterns (addresses, IBAN, car
registrations) are tried at the capitalised words whose form allows them (a street ending,
"Box", two capitals and two digits, …: decided once per distinct word and cached); number
patterns at the numbers; e-mail at the run of characters before each "@"; bank giro at "bg",
"pg", "bankgiro", … . Skipping a place where a pattern cannot match changes nothing it finds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

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
_REGNR = re.compile(r"(?<![\w-])[A-HJ-PR-UW-ZÅÄÖ]{3} ?[0-9]{2}[A-HJ-NPR-UW-Z0-9](?![\w-])")
_REGNR_NOT = frozenset({"BUP", "BVC", "LVU", "LVM", "LSS", "SFS", "SOL", "EUR", "SEK", "KAP"})
_PHONE_CUE = re.compile(
    r"(?<!\w)(?i:tel|telefon\w*|mobil\w*|telefonnummer|mobilnummer|ring\w*|nås|sms|fax|växel)"
    r"(?:\W{1,4}|\W(?:på|nr|nummer)\W{1,3})$"
)

_CAP = r"[A-ZÅÄÖÉÜ][\wåäöéü]*"
# Street names that are addresses on their own; the extended endings also name places and
# organisations, so they count only with a house number.
_CORE_ENDINGS = (
    "gatan", "vägen", "gränd", "gränden", "stigen", "gången", "allén", "torget", "backen",
    "platsen", "slingan", "stråket", "kajen", "promenaden", "esplanaden",
)  # fmt: skip
_EXTENDED_ENDINGS = (
    "gata", "väg", "stig", "backe", "torg", "allé", "leden", "plan", "ringen", "liden", "kroken",
    "svängen", "udde", "höjden", "hagen", "dalen", "lunden", "gärdet", "lyckan", "ängen", "åsen",
    "berget", "parken", "kullen", "sluttningen", "viken", "udden", "holmen", "näset", "vallen",
    "fältet", "bryggan", "bäcken",
)  # fmt: skip
_CORE_SUFFIX = f"(?:{'|'.join(_CORE_ENDINGS)})"
_EXTENDED_SUFFIX = f"(?:{'|'.join(_EXTENDED_ENDINGS)}|s (?:väg|gata|gränd|plats|torg|allé))"
_DIRECTIONS = (
    "Stora", "Lilla", "Norra", "Södra", "Östra", "Västra", "Gamla", "Nya", "S:t", "Sankt",
)  # fmt: skip
_DIRECTION = f"(?:(?:{'|'.join(_DIRECTIONS)}) )?"
_STREET = (
    rf"{_DIRECTION}{_CAP}{_CORE_SUFFIX}(?![\w-])"
    rf"|{_DIRECTION}{_CAP}{_EXTENDED_SUFFIX}(?= [0-9])"
)
_NUMBER = r"[0-9]{1,4}(?:(?: ?[A-Z]|[a-z])(?![\wåäö]))?(?:-[0-9]{1,4})?"
_FLAT = r"(?:,? (?:lgh|lägenhet) [0-9]{3,4})"
_POSTCODE_TOWN = r"[0-9]{3} ?[0-9]{2} [A-ZÅÄÖ][\wåäö]+(?:[ -][A-ZÅÄÖ][\wåäö]+)?"
_ADDRESS = re.compile(
    rf"(?<![\w-])(?P<street>{_STREET})(?: (?P<num>{_NUMBER}))?{_FLAT}?"
    rf"(?:(?:,| i|,? ?\n)? ?(?P<post>{_POSTCODE_TOWN})|(?:,? (?P<town>[\wåäö]+)))?"
)
# "c/o Berg, " before a street: matched backwards from the street's start (streets are where
# the address pattern is tried, so a forward "c/o" prefix would never be reached).
_CARE_OF = re.compile(rf"(?<![\w/])c/o {_CAP}(?: {_CAP})?,? \Z")
_BOX = re.compile(rf"(?<!\w)(?:Box|Postbox) [0-9]{{1,5}},? {_POSTCODE_TOWN}")
_LONE_POSTCODE = re.compile(rf"(?<![\w-]){_POSTCODE_TOWN}")


# A capital not preceded by a letter, digit, "/" or "-", the rest of its word, and a lower-case
# word after one space if there is one. (The look-behind comes after the capital so that the
# engine can skip quickly to capitals; a lower-case word never starts a capitalised one.)
_CAPITALISED = re.compile(r"([A-ZÅÄÖÉÜ](?<![\w/-].)[\w-]*)(?: ([a-zåäö]+))?")
# Where an identity number (six digits or more), phone number ("+", "0", "(") or postcode (three
# digits) can begin: not after a letter, digit, "+" or "-". "14 år" or "3 barn" are left out.
_NUMBER_STARTS = re.compile(r"[0-9+(](?<![\w+-].)(?:(?<=[+(0])|(?=[0-9]{2}))")
# Where "bg", "bankgiro", "pg", "plusgiro" or "postgiro" can begin, in any case ("K" and "ſ" are
# the Kelvin sign and the long s, which a case-insensitive pattern takes for "k" and "s").
_GIRO_STARTS = re.compile(
    r"[bBpP](?:(?<=[bB])(?=[aA][nN][kKK]|[gG])|(?<=[pP])(?=[lL][uU]|[oO][sSſ]|[gG]))"
)

# A capitalised word: where it starts, the word (letters, digits, "-"), the lower-case word that
# follows it after one space ("" if none): "Fyrisskolan", "Karlsson ridskola".
Word = tuple[int, str, str]
_AT_STREET, _AT_BOX, _AT_IBAN, _AT_REGNR = 1, 2, 4, 8  # roles of a word
_STREET_ENDINGS = (*_CORE_ENDINGS, *_EXTENDED_ENDINGS, "s")  # "s": "Karls väg"
_STREET_FIRST_WORDS = frozenset(d.split(":")[0] for d in _DIRECTIONS)  # "S:t" → "S"


def capitalised_words(text: str) -> list[Word]:
    """The capitalised words: the only places an address, organisation or name can start."""
    return [(m.start(), m[1], m[2] or "") for m in _CAPITALISED.finditer(text)]


def find_patterns(text: str, words: list[Word] | None = None) -> list[Span]:
    """All pattern detections, each pattern tried only where it can begin."""
    words = capitalised_words(text) if words is None else words
    starts: dict[int, list[int]] = {_AT_STREET: [], _AT_BOX: [], _AT_IBAN: [], _AT_REGNR: []}
    for start, word, _ in words:
        if roles := _word_roles(word):
            for role, role_starts in starts.items():
                if roles & role:
                    role_starts.append(start)
    numbers = [m.start() for m in _NUMBER_STARTS.finditer(text)]
    spans: list[Span] = []
    if "@" in text:
        spans += _emails(text)
    spans += _identity_numbers(text, numbers)
    spans += _phones(text, numbers)
    spans += _ibans(text, starts[_AT_IBAN])
    spans += _giros(text)
    spans += _regnrs(text, starts[_AT_REGNR])
    spans += _addresses(text, starts[_AT_STREET], starts[_AT_BOX], numbers)
    return spans


@lru_cache(maxsize=1 << 14)
def _word_roles(word: str) -> int:
    """Which word patterns may begin with ``word`` (a superset: the pattern still decides).
    A change to the address, IBAN or registration pattern must keep this a superset."""
    roles = 0
    if word.endswith(_STREET_ENDINGS) or word in _STREET_FIRST_WORDS:
        roles |= _AT_STREET  # "Storgatan", "Karls väg 3", "Norra Långgatan", "S:t Eriksgatan"
    if word in ("Box", "Postbox"):
        roles |= _AT_BOX
    if word[2:4].isdigit():
        roles |= _AT_IBAN  # "SE45"
    if len(word) in (3, 6) and word[:3].isupper():
        roles |= _AT_REGNR  # "ABC 123", "ABC123"
    return roles


def _anchored(pattern: re.Pattern[str], text: str, starts: list[int]) -> Iterator[re.Match[str]]:
    reached = 0
    for position in starts:
        if position >= reached and (match := pattern.match(text, position)) is not None:
            reached = match.end()
            yield match


def _emails(text: str) -> Iterator[Span]:
    """An address can only start where the run of name characters before an "@" starts."""
    starts: list[int] = []
    at = text.find("@")
    while at >= 0:
        start = at
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_.+-"):
            start -= 1  # back over the characters [\w.+-] (\w: alphanumeric or "_")
        starts.append(start)
        at = text.find("@", at + 1)
    for match in _anchored(_EMAIL, text, starts):
        yield match.start(), match.end(), "EMAIL"


def _identity_numbers(text: str, starts: list[int]) -> Iterator[Span]:
    for match in _anchored(_PNR, text, starts):
        value = re.sub(r"[\s–]", "-", match.group())
        bare_ten = len(value) == 10 and value.isdigit()
        if bare_ten and _PHONE_CUE.search(text, max(0, match.start() - 24), match.start()):
            continue  # a phone number that happens to pass the check digit
        # (the cheap date test first: most numbers written with "-" pass it)
        if ("-" in value and is_plausible_date_form(value)) or is_valid_identity(value):
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
    starts = [m.start() for m in _GIRO_STARTS.finditer(text)]
    for match in _anchored(_GIRO, text, starts):
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


def _addresses(
    text: str, streets: list[int], boxes: list[int], numbers: list[int]
) -> Iterator[Span]:
    towns = lexicon().towns
    for match in _anchored(_ADDRESS, text, streets):
        end = match.end()
        town = match.group("town")
        if town is not None and (town.lower() not in towns or not match.group("num")):
            end = match.start("town") - (2 if text[match.start("town") - 2] == "," else 1)
        care_of = _CARE_OF.search(text, max(0, match.start() - 60), match.start())
        yield care_of.start() if care_of else match.start(), end, "ADDRESS"
    for pattern, starts in ((_BOX, boxes), (_LONE_POSTCODE, numbers)):
        for match in _anchored(pattern, text, starts):
            yield match.start(), match.end(), "ADDRESS"
