"""Named organisations: schools, preschools, clinics, care units, police areas, clubs, companies."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from tillit.privacy.names import lexicon

Span = tuple[int, int, str]

_CAP = r"[A-ZÅÄÖÉÜ][\wåäöéü-]*"
_NAMES = rf"{_CAP}(?: (?:{_CAP}|[0-9]{{1,3}}))*"
_SUFFIX = (
    r"(?:skolan|gymnasiet|förskolan|sjukhuset|lasarettet|kyrkan|kliniken|vårdcentralen|"
    r"hälsocentralen|familjecentralen|församlingen|fritidsgården|ungdomsmottagningen|"
    r"tandvården|skola|gymnasium)"
)
_NOUN = (
    r"(?:skola|förskola|gymnasium|gymnasieskola|grundskola|friskola|folkhögskola|sjukhus|lasarett|"
    r"vårdcentral|hälsocentral|tandklinik|äldreboende|gruppboende|fritidsgård|församling|kyrka|"
    r"bageri|restaurang|pizzeria|butik|förening|idrottsförening|vårdboende|behandlingshem|"
    r"HVB-hem|familjecentral|ungdomsmottagning|BVC|BUP|vårdcentrum)"
)
_HEAD = (
    r"(?:Förskolan|Skolan|Friskolan|BVC|BUP|BUP-mottagningen|Vårdcentralen|Hälsocentralen|"
    r"Fritidsgården|Ungdomsmottagningen|Familjecentralen|Tandvårdskliniken|Tandvårdshuset|"
    r"Tandläkarhuset|Tandläkarna vid|Folktandvården|Lokalpolisområde|Polisområde|Simklubben|"
    r"Beroendeenheten|Beroendemottagningen|Barnakuten|Barn- och ungdomsmedicin|Frivården|"
    r"Elevhälsan|Fritidshemmet|Stödboendet|Gruppboendet|HVB-hemmet|Behandlingshemmet|Kyrkan|"
    r"Församlingen|Föreningen|Idrottsföreningen|Kvinnojouren|Tjejjouren|Barnahus|Region|"
    r"Utredningsenheten|Akutmottagningen|Vårdboendet|Äldreboendet|Ridklubben|Fotbollsklubben|"
    r"Bostadsbolaget|Bostads AB|Bostadsrättsföreningen|BRF|Brf|IK|IF|BK|FK|SK|IFK)"
)
_AUTHORITY = (
    r"(?:Migrationsverket|Försäkringskassan|Arbetsförmedlingen|Skatteverket|Kronofogden|"
    r"Polismyndigheten|Kriminalvården|Statens institutionsstyrelse|Barnombudsmannen|"
    r"Socialstyrelsen|Skolverket|Skolinspektionen|Inspektionen för vård och omsorg|"
    r"Åklagarmyndigheten|Rättsmedicinalverket|BRIS|Bris|Rädda Barnen|Stadsmissionen|"
    r"Röda Korset|Frälsningsarmén)"
)
_UNIT = r"(?:,? (?:[a-zåäö]+(?:enheten|enhet|avdelningen|mottagningen)(?: [0-9]{1,3})?)(?: i| vid)? {_NAMES})"  # noqa: E501
_PREFIX = r"(?:(?:Västra|Östra|Norra|Södra|Stora|Lilla|Nya|Gamla|Sankt|S:t) )?"
_COMPANY = rf"{_CAP}(?: {_CAP}){{0,2}} (?:AB|HB|KB|IF|IK|BK|FF|FC|SK)(?![\w]| [A-ZÅÄÖ])"
_PLACE_NOUN = (
    r"(?:tandklinik|ridskola|gymnasium|skola|förskola|vårdcentral|hälsocentral|sjukhus|lasarett|"
    r"folkhögskola|idrottsklubb|ryttarförening|bibliotek)"
)
_UNIT_SUFFIX = (
    r"(?:sjukhuset|kliniken|mottagningen|centralen|lasarettet|enheten|boendet|hemmet|skolan|"
    r"gymnasiet|vården)"
)

_ORG = re.compile(
    rf"(?:"
    rf"(?:Barnakuten|Akutmottagningen|Avdelning [0-9]+)(?:,| vid) {_CAP}(?: {_NOUN}|{_SUFFIX})"
    rf"|{_AUTHORITY}(?: i {_CAP}|{_UNIT.replace('{_NAMES}', _NAMES)})"
    rf"|{_HEAD} {_NAMES}(?: län| kommun)?"
    rf"|{_CAP}{_UNIT_SUFFIX} {_CAP}"
    rf"|{_CAP} [a-zåäö]*(?:kliniken|mottagningen|enheten) {_CAP}"
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


def find_orgs(text: str, starts: Iterable[int]) -> Iterator[Span]:
    """Organisations beginning at ``starts`` (the capitalised word starts of ``text``)."""
    first_names = lexicon().first
    reached = 0
    for position in starts:
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
