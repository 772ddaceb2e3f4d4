"""Lexical terms for Swedish search: character 4-grams of stop-word-filtered words.

Documents are indexed with every 4-gram of every word: ``_word_`` and all its overlapping
4-character slices (words of at most two letters become one token). 4-grams match compounds
("bostadsbidrag" ~ "bidrag för bostad") and inflections alike; on SweFAQ they beat Snowball
stems, alone and fused (docs/benchmarks.md).

A query keeps only each word's rarest 4-grams (``select_query_terms``): a common 4-gram such as
``_för`` or ``ning`` occurs in a large share of all chunks, so scoring it costs a walk over
most of the index and tells little. Rarity is the 4-gram's document frequency in the searched
collections; the choice goes round-robin over the words so that every word is represented.
"""

from __future__ import annotations

import re
from collections.abc import Callable

NGRAM = 4
TOKEN = re.compile(r"[0-9a-zåäöéüà]+")
GRAMS_PER_WORD = 3
MAX_QUERY_TERMS = 12
MAX_QUERY_WORDS = 64

# Snowball's Swedish stop-word list (snowballstem.org/algorithms/swedish/stop.txt)
SWEDISH_STOPWORDS = frozenset(
    """
och det att i en jag hon som han på den med var sig för så till är men ett om hade de av icke
mig du henne då sin nu har inte hans honom skulle hennes där min man ej vid kunde något från ut
när efter upp vi dem vara vad över än dig kan sina här ha mot alla under någon eller allt mycket
sedan ju denna själv detta åt utan varit hur ingen mitt ni bli blev oss din dessa några deras blir
mina samma vilken er sådan vår blivit dess inom mellan sådant varför varje vilka ditt vem vilket
sitta sådana vart dina vars vårt våra ert era vilkas
""".split()
)


def words(text: str) -> list[str]:
    return TOKEN.findall(text.lower())


def word_grams(word: str) -> list[str]:
    padded = f"_{word}_"
    if len(padded) <= NGRAM:
        return [padded]
    return [padded[i : i + NGRAM] for i in range(len(padded) - NGRAM + 1)]


def lexical_terms(text: str) -> list[str]:
    """The terms a chunk is indexed with, in order (repeats kept: they are term frequency)."""
    return [g for word in words(text) if word not in SWEDISH_STOPWORDS for g in word_grams(word)]


def query_words(text: str, limit: int = MAX_QUERY_WORDS) -> list[list[str]]:
    """Each distinct content word of a query as its distinct 4-grams, bounded so a pasted essay
    cannot stall search."""
    found = dict.fromkeys(w for w in words(text) if w not in SWEDISH_STOPWORDS)
    return [list(dict.fromkeys(word_grams(w))) for w in list(found)[:limit]]


def select_query_terms(
    grams_by_word: list[list[str]],
    frequency: Callable[[str], float | None],
    per_word: int = GRAMS_PER_WORD,
    limit: int = MAX_QUERY_TERMS,
) -> list[str]:
    """Up to ``per_word`` rarest 4-grams of each word, taken round-robin (every word's rarest
    first), at most ``limit`` in all. ``frequency`` gives a 4-gram's document frequency in the
    searched collections, or None when it does not occur there: such 4-grams are left out, since
    they can match nothing."""
    ranked: list[list[str]] = []
    for grams in grams_by_word:
        known = [(f, i, g) for i, g in enumerate(grams) if (f := frequency(g))]
        ranked.append([g for _, _, g in sorted(known)[:per_word]])
    chosen: dict[str, None] = {}
    for rank in range(per_word):
        for grams in ranked:
            if rank < len(grams) and len(chosen) < limit:
                chosen.setdefault(grams[rank])
    return list(chosen)
