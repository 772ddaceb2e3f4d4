"""A small Swedish cue lexicon per label, written from the label definitions (not from
individual report sentences): words a caseworker's guideline would list for each kind of sign.

It gives the model a prior for wordings that the annotated reports do not contain ("livrem"
where the training data only says "bälte"). The model learns how much each label's cue count
is worth, in context, like any other feature; a cue does not decide anything by itself.

Matching is on lower-case word tokens: a cue ``x`` matches a token that starts with ``x``; a
cue ``*x`` matches a token that contains ``x`` (compounds: "blåmärken" contains "märk").
"""

from __future__ import annotations

import functools
import re

import numpy as np

CUES: dict[str, tuple[str, ...]] = {
    "fysiskt_vald": (
        "slå",
        "slog",
        "slag",
        "slår",
        "stryk",
        "örfil",
        "smisk",
        "spark",
        "knuff",
        "nyp",
        "lugg",
        "stryp",
        "skaka",
        "skakade",
        "*märk",
        "*skada",
        "*skador",
        "fraktur",
        "*brännsk",
        "misshand",
        "bälte",
        "livrem",
        "*hårdhänt",
        "tillfog",
        "bita",
        "kasta",
        "*våld",
    ),
    "psykiskt_vald": (
        "hot",
        "skrik",
        "skrek",
        "kalla",
        "idiot",
        "värdelös",
        "äcklig",
        "dum",
        "förnedr",
        "kränk",
        "hån",
        "skräm",
        "rädd",
        "låser",
        "låste",
        "utelås",
        "ignorer",
        "avvis",
        "straff",
        "kontroll",
        "tyst",
        "ljug",
        "skäll",
    ),
    "sexuellt_vald": (
        "sexu",
        "sex",
        "*övergrepp",
        "naken",
        "*bild",
        "*porr",
        "grooming",
        "könsorgan",
        "snopp",
        "snipp",
        "rumpa",
        "bröst",
        "kropp",
        "tafs",
        "ta på",
        "smeka",
        "smekte",
        "hemlighet",
        "chatt",
        "snapchat",
        "pengar",
        "äldre",
        "våldtä",
        "exploater",
    ),
    "forsummelse": (
        "mat",
        "hungr",
        "äter",
        "smuts",
        "kläd",
        "hygien",
        "lukt",
        "ensam",
        "tillsyn",
        "berus",
        "full",
        "alkohol",
        "drog",
        "missbruk",
        "frånvar",
        "uteblev",
        "utebl",
        "karies",
        "tandvård",
        "vård",
        "ostäd",
        "kall",
        "sov",
        "omsorg",
        "lämna",
        "hämta",
        "*försumm",
        "*brist",
    ),
    "bevittnat_vald": (
        "mamma",
        "mamman",
        "pappa",
        "pappan",
        "sambo",
        "pojkvän",
        "flickvän",
        "partner",
        "kvinnan",
        "mannen",
        "maken",
        "hustru",
        "fru",
        "misshand",
        "slog",
        "slår",
        "*våld",
        "bråk",
        "polis",
        "skyddat",
        "kvinnojour",
        "såg",
        "hörde",
        "hör",
    ),
    "hedersrelaterat": (
        "heder",
        "skam",
        "oskuld",
        "gift",
        "förlov",
        "bröllop",
        "kusin",
        "släkt",
        "rykte",
        "bevak",
        "hemland",
        "tvångs",
        "nikah",
        "slöja",
        "sjal",
        "oskuld",
        "bortgift",
        "bror",
        "farbro",
        "morbro",
        "pojkvän",
        "umgås",
    ),
    "foraldrakonflikt": (
        "vårdnad",
        "umgäng",
        "separ",
        "skild",
        "skilsmäss",
        "överlämn",
        "tingsrätt",
        "familjerätt",
        "*tvist",
        "exet",
        "förra",
        "mellan föräldrarna",
        "talar illa",
        "pratar illa",
        "gräl",
        "bråk",
        "varannan",
        "boende",
        "domstol",
        "advokat",
    ),
    "konflikt_barn_foralder": (
        "bråk",
        "gräl",
        "konflikt",
        "utkast",
        "kastade ut",
        "slänger ut",
        "vägra",
        "ljug",
        "skolk",
        "tonår",
        "orkar inte",
        "rymm",
        "sticker",
        "dörr",
        "arg",
        "ilsk",
    ),
}

_WORD = re.compile(r"\w+")


def cue_counts(text: str, cues: dict[str, tuple[str, ...]] = CUES) -> np.ndarray:
    """log(1 + number of cue matches) per label, in the order of ``cues``."""
    matcher = _matcher(tuple((label, tuple(found)) for label, found in cues.items()))
    lowered = text.lower()
    counts = np.zeros(len(cues))
    for token in _WORD.findall(lowered):
        counts += matcher.token_counts(token)
    for k, phrases in enumerate(matcher.phrases):
        counts[k] += sum(lowered.count(phrase) for phrase in phrases)
    return np.log1p(counts)


class _Matcher:
    """The cues of one lexicon, with each token's matches per label remembered: a long report
    repeats its words, and the same words recur from report to report."""

    def __init__(self, cues: tuple[tuple[str, tuple[str, ...]], ...]) -> None:
        self.phrases = [tuple(p for p in ps if " " in p.strip()) for _, ps in cues]
        self.inside = [
            tuple(p[1:] for p in ps if self._word(p) and p.startswith("*")) for _, ps in cues
        ]
        self.prefixes = [
            tuple(p.strip() for p in ps if self._word(p) and not p.startswith("*"))
            for _, ps in cues
        ]
        self.token_counts = functools.lru_cache(maxsize=50_000)(self._token_counts)

    @staticmethod
    def _word(pattern: str) -> bool:
        return " " not in pattern.strip()

    def _token_counts(self, token: str) -> np.ndarray:
        return np.array(
            [
                sum(p in token for p in inside) + sum(token.startswith(p) for p in prefixes)
                for inside, prefixes in zip(self.inside, self.prefixes, strict=True)
            ],
            dtype=float,
        )


@functools.lru_cache(maxsize=8)
def _matcher(cues: tuple[tuple[str, tuple[str, ...]], ...]) -> _Matcher:
    return _Matcher(cues)
