"""The name lexicon: first and last names from Faker's person providers (MIT), offline.

Swedish names come from ``sv_SE``; the other Latin-script locales cover the names of people in
Sweden with roots elsewhere (Finnish, Nordic, Turkish, Balkan, Polish, Nigerian, …). Non-Latin
scripts are skipped: the detector reads Latin-script Swedish text. ``wordlists.py`` adds what no
locale carries. The lexicon is built once per process (about 20,000 names, a few milliseconds).
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from functools import cache

from tillit.privacy import wordlists

LOCALES = (
    "sv_SE", "fi_FI", "no_NO", "da_DK", "is_IS", "de_DE", "nl_NL", "en_GB", "en_US", "fr_FR",
    "es_ES", "pt_PT", "it_IT", "pl_PL", "cs_CZ", "sk_SK", "hu_HU", "ro_RO", "hr_HR", "sl_SI",
    "et_EE", "lt_LT", "lv_LV", "tr_TR", "az_AZ", "en_NG", "ig_NG", "yo_NG", "ha_NG", "sw", "en_KE",
)  # fmt: skip
_FIRST_ATTRS = ("first_names", "first_names_female", "first_names_male", "first_names_nonbinary")
_LAST_ATTRS = ("last_names", "last_names_female", "last_names_male")
_LATIN_NAME = re.compile(r"^[^\W\d_][^\W\d_'’-]*(?:[-'’][^\W\d_]+)*$")

SURNAME_ENDINGS = (
    "sson", "ström", "strom", "qvist", "kvist", "berg", "gren", "lund", "holm", "dahl", "stedt",
    "stad", "by", "lin", "ling", "lander", "ander", "ell", "én", "ér", "ius", "man", "mark",
    "nen", "inen", "ić", "vić", "ovic", "evic", "enko", "chuk", "czyk", "ski", "ska", "wicz",
    "oğlu", "zadeh", "poulos", "ov", "ova", "ev", "eva", "sen",
)  # fmt: skip
_SURNAME_ENDING = re.compile("(?:" + "|".join(SURNAME_ENDINGS) + r")$")


@dataclass(frozen=True)
class Lexicon:
    first: frozenset[str]
    last: frozenset[str]
    ambiguous: frozenset[str]  # lower case
    not_names: frozenset[str]
    cues: frozenset[str]  # lower case
    towns: frozenset[str]  # lower case
    swedish: frozenset[str]  # first and last names of the sv_SE locale

    def is_first(self, token: str) -> bool:
        return token in self.first

    def is_last(self, token: str) -> bool:
        return token in self.last or _SURNAME_ENDING.search(token) is not None

    def is_name(self, token: str) -> bool:
        return token in self.first or token in self.last

    def is_ambiguous(self, token: str) -> bool:
        return token.lower() in self.ambiguous

    def is_blocked(self, token: str) -> bool:
        """Capitalised words that are never a person: sentence words, towns, platforms."""
        return token in self.not_names or token.lower() in self.towns


@cache
def lexicon() -> Lexicon:
    first: set[str] = set(wordlists.EXTRA_FIRST)
    last: set[str] = set(wordlists.EXTRA_LAST)
    for locale in LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        first |= _latin(provider, _FIRST_ATTRS)
        last |= _latin(provider, _LAST_ATTRS)
    swedish_first, swedish_last = replacement_names()
    blocked = set(wordlists.NOT_NAMES)
    return Lexicon(
        first=frozenset(first - blocked),
        last=frozenset(last - blocked),
        ambiguous=wordlists.AMBIGUOUS,
        not_names=frozenset(blocked),
        cues=wordlists.CUES,
        towns=wordlists.TOWNS,
        swedish=frozenset(swedish_first + swedish_last),
    )


def _latin(provider: type, attributes: tuple[str, ...]) -> set[str]:
    names: set[str] = set()
    for attribute in attributes:
        values = getattr(provider, attribute, None) or ()
        names.update(v for v in values if v[:1].isupper() and _is_latin(v))
    return names


def _is_latin(name: str) -> bool:
    return _LATIN_NAME.match(name) is not None and all(ord(c) < 0x250 for c in name)


@cache
def first_name_gender(name: str) -> str | None:
    """ "female" or "male" when the name is given only to girls or only to boys in the lexicon's
    locales (case-insensitive); None for names given to both or unknown."""
    genders = set()
    for gender in ("female", "male"):
        if name.casefold() in _gendered_first_names(gender):
            genders.add(gender)
    return genders.pop() if len(genders) == 1 else None


@cache
def _gendered_first_names(gender: str) -> frozenset[str]:
    names: set[str] = set()
    for locale in LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        names |= {n.casefold() for n in _latin(provider, (f"first_names_{gender}",))}
    return frozenset(names)


@cache
def replacement_first_names(gender: str | None) -> tuple[str, ...]:
    """Swedish first names of one gender ("female", "male"), or of both for None (sorted)."""
    if gender is None:
        return replacement_names()[0]
    provider = importlib.import_module("faker.providers.person.sv_SE").Provider
    return tuple(sorted(set(getattr(provider, f"first_names_{gender}"))))


@cache
def replacement_names() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Swedish first and last names used as realistic pseudonyms (sorted, so stable)."""
    provider = importlib.import_module("faker.providers.person.sv_SE").Provider
    firsts = sorted(set(provider.first_names_female) | set(provider.first_names_male))
    lasts = sorted(set(provider.last_names))
    return tuple(firsts), tuple(lasts)
