"""Named organisations: schools, preschools, clinics, care units, police areas, clubs, companies.

Speed: the organisation pattern is tried only at capitalised words where a match can begin: the
word is a head or authority word or ends like a unit or school ("Kalles", "Fyrisskolan"), the
lower-case word after it names a clinic, school or club ("Fyrisån ridskola"), or a company form
follows within three words ("Bygg och Måleri AB"). Each word is judged once per process (cached).
Skipping the other places changes nothing found.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from tillit.privacy.names import lexicon

Span = tuple[int, int, str]
Word = tuple[int, str, str]  # a capitalised word: start, word, lower-case word after (patterns.py)


def _any(words: tuple[str, ...]) -> str:
    return f"(?:{'|'.join(words)})"


_CAP = r"[A-ZÅÄÖÉÜ][\wåäöéü-]*"
_NAMES = rf"{_CAP}(?: (?:{_CAP}|[0-9]{{1,3}}))*"
_SUFFIXES = (
    "skolan", "gymnasiet", "förskolan", "sjukhuset", "lasarettet", "kyrkan", "kliniken",
    "vårdcentralen", "hälsocentralen", "familjecentralen", "församlingen", "fritidsgården",
    "ungdomsmottagningen", "tandvården", "skola", "gymnasium",
)  # fmt: skip
_SUFFIX = _any(_SUFFIXES)
_NOUN = (
    r"(?:skola|förskola|gymnasium|gymnasieskola|grundskola|friskola|folkhögskola|sjukhus|lasarett|"
    r"vårdcentral|hälsocentral|tandklinik|äldreboende|gruppboende|fritidsgård|församling|kyrka|"
    r"bageri|restaurang|pizzeria|butik|förening|idrottsförening|vårdboende|behandlingshem|"
    r"HVB-hem|familjecentral|ungdomsmottagning|BVC|BUP|vårdcentrum)"
)
_HEADS = (
    "Förskolan", "Skolan", "Friskolan", "BVC", "BUP", "BUP-mottagningen", "Vårdcentralen",
    "Hälsocentralen", "Fritidsgården", "Ungdomsmottagningen", "Familjecentralen",
    "Tandvårdskliniken", "Tandvårdshuset", "Tandläkarhuset", "Tandläkarna vid", "Folktandvården",
    "Lokalpolisområde", "Polisområde", "Simklubben", "Beroendeenheten", "Beroendemottagningen",
    "Barnakuten", "Barn- och ungdomsmedicin", "Frivården", "Elevhälsan", "Fritidshemmet",
    "Stödboendet", "Gruppboendet", "HVB-hemmet", "Behandlingshemmet", "Kyrkan", "Församlingen",
    "Föreningen", "Idrottsföreningen", "Kvinnojouren", "Tjejjouren", "Barnahus", "Region",
    "Utredningsenheten", "Akutmottagningen", "Vårdboendet", "Äldreboendet", "Ridklubben",
    "Fotbollsklubben", "Bostadsbolaget", "Bostads AB", "Bostadsrättsföreningen", "BRF", "Brf",
    "IK", "IF", "BK", "FK", "SK", "IFK",
)  # fmt: skip
_HEAD = _any(_HEADS)
_AUTHORITIES = (
    "Migrationsverket", "Försäkringskassan", "Arbetsförmedlingen", "Skatteverket", "Kronofogden",
    "Polismyndigheten", "Kriminalvården", "Statens institutionsstyrelse", "Barnombudsmannen",
    "Socialstyrelsen", "Skolverket", "Skolinspektionen", "Inspektionen för vård och omsorg",
    "Åklagarmyndigheten", "Rättsmedicinalverket", "BRIS", "Bris", "Rädda Barnen",
    "Stadsmissionen", "Röda Korset", "Frälsningsarmén",
)  # fmt: skip
_AUTHORITY = _any(_AUTHORITIES)
_UNIT = r"(?:,? (?:[a-zåäö]+(?:enheten|enhet|avdelningen|mottagningen)(?: [0-9]{1,3})?)(?: i| vid)? {_NAMES})"  # noqa: E501
_PREFIXES = ("Västra", "Östra", "Norra", "Södra", "Stora", "Lilla", "Nya", "Gamla", "Sankt", "S:t")
_PREFIX = rf"(?:{_any(_PREFIXES)} )?"
_COMPANY_FORMS = ("AB", "HB", "KB", "IF", "IK", "BK", "FF", "FC", "SK")
_COMPANY = rf"{_CAP}(?: {_CAP}){{0,2}} {_any(_COMPANY_FORMS)}(?![\w]| [A-ZÅÄÖ])"
_PLACE_NOUNS = (
    "tandklinik", "ridskola", "gymnasium", "skola", "förskola", "vårdcentral", "hälsocentral",
    "sjukhus", "lasarett", "folkhögskola", "idrottsklubb", "ryttarförening", "bibliotek",
)  # fmt: skip
_PLACE_NOUN = _any(_PLACE_NOUNS)
_UNIT_SUFFIXES = (
    "sjukhuset", "kliniken", "mottagningen", "centralen", "lasarettet", "enheten", "boendet",
    "hemmet", "skolan", "gymnasiet", "vården",
)  # fmt: skip
_UNIT_SUFFIX = _any(_UNIT_SUFFIXES)
_UNIT_WORDS = ("kliniken", "mottagningen", "enheten")
_AT_UNIT = ("Barnakuten", "Akutmottagningen", "Avdelning")

# A new alternative must also be found by `_candidates` (where it can begin), or it is never tried.
_ORG = re.compile(
    rf"(?:"
    rf"(?:Barnakuten|Akutmottagningen|Avdelning [0-9]+)(?:,| vid) {_CAP}(?: {_NOUN}|{_SUFFIX})"
    rf"|{_AUTHORITY}(?: i {_CAP}|{_UNIT.replace('{_NAMES}', _NAMES)})"
    rf"|{_HEAD} {_NAMES}(?: län| kommun)?"
    rf"|{_CAP}{_UNIT_SUFFIX} {_CAP}"
    rf"|{_CAP} [a-zåäö]*{_any(_UNIT_WORDS)} {_CAP}"
    rf"|{_CAP} {_PLACE_NOUN}"
    rf"|{_COMPANY}"
    rf"|{_PREFIX}(?P<gen>{_CAP})s {_NOUN}"
    rf"|{_PREFIX}{_CAP}{_SUFFIX}"
    rf")(?![\w-])"
)
_UNIT_BEFORE = re.compile(
    r"(?:[A-ZÅÄÖ][\w-]*(?:enheten|mottagningen|kliniken|avdelningen|akuten)|Avdelning [0-9]+)"
    r"(?:,| vid| på) $"
)
_GENERIC = frozenset(
    "Hennes Hans Deras Min Mitt Vår Vårt Din Ditt Denna Detta Den Det Samma Annan Annat Vilken "
    "Vilket Hela Ny Nytt Nya Ett En Varje Någon Något Ingen Inget Sin Sitt Sina Första "
    "Andra".split()
)


# First words of the alternatives that begin with a fixed word; "S:t" is the word "S".
_FIRST_WORDS = frozenset(
    w.split(" ")[0].split(":")[0] for w in (*_AT_UNIT, *_AUTHORITIES, *_HEADS, *_PREFIXES)
)
_ENDINGS = (*_SUFFIXES, *_UNIT_SUFFIXES, "s")  # "s": "Kalles bageri"


def find_orgs(text: str, words: list[Word]) -> Iterator[Span]:
    """Organisations beginning at the capitalised ``words`` of ``text``."""
    first_names = lexicon().first
    reached = 0
    for position in _candidates(words):
        match = _ORG.match(text, position) if position >= reached else None
        if match is None:
            continue
        reached = match.end()
        genitive = match.group("gen")
        if genitive is not None and (genitive in first_names or genitive + "s" in first_names):
            continue  # "Majas skola", "Elias skola": a person's school, not a name
        start, end = _trim(text, match.start(), match.end(), first_names)
        if end > start:
            yield start, end, "ORG"


def _candidates(words: list[Word]) -> list[int]:
    """The capitalised words where an organisation may begin (a superset: the pattern decides)."""
    starts = [
        start for start, word, after in words if _may_begin(word) or (after and _names_place(after))
    ]
    for i, (_, word, _) in enumerate(words):
        if word in _COMPANY_FORMS:  # "Bygg och Måleri AB": up to three words before
            starts += [start for start, _, _ in words[max(0, i - 3) : i]]
    return sorted(set(starts))


@lru_cache(maxsize=1 << 14)
def _may_begin(word: str) -> bool:
    return word in _FIRST_WORDS or word.endswith(_ENDINGS)


@lru_cache(maxsize=1 << 14)
def _names_place(after: str) -> bool:
    """The lower-case word after a capitalised one makes it a place: "Fyrisån ridskola",
    "Västerås barnkliniken Y"."""
    return after.endswith(_UNIT_WORDS) or after.startswith(_PLACE_NOUNS)


def _trim(text: str, start: int, end: int, first_names: frozenset[str]) -> tuple[int, int]:
    """Cut generic lead words ('Hennes skola'), trailing names and sentence words, and take in a
    unit named before the organisation ('Utredningsenheten, Polisområde …')."""
    words = text[start:end].split(" ")
    while len(words) > 1 and (words[-1] in first_names or words[-1] in _STOP_TAIL):
        words.pop()
    if len(words) == 1 and words[0] in _GENERIC_ALONE:
        return start, start
    if words[0] in _GENERIC and len(words) > 1:
        start += len(words[0]) + 1
        words = words[1:]
    before = _UNIT_BEFORE.search(text, max(0, start - 60), start)
    return (before.start() if before else start), start + len(" ".join(words))


_GENERIC_ALONE = frozenset(
    "Förskolan Skolan Gymnasiet Sjukhuset Kyrkan Kliniken Vårdcentralen Fritidsgården Grundskolan "
    "Friskolan Högstadieskolan Mellanstadieskolan Lågstadieskolan Lasarettet Mottagningen "
    "Folkhögskolan Sjukhusskolan Resursskolan Särskolan Anpassade Familjecentralen".split()
)
_STOP_TAIL = frozenset("Och I På Vid Men Han Hon De Det Den Jag Vi Som Där Efter".split())
