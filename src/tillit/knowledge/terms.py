"""Lexical terms for Swedish search: character 4-grams of stop-word-filtered words.

Measured on SweFAQ (docs/benchmarks.md): 4-grams beat Snowball stemming and compound splitting,
because they match compounds ("bostadsbidrag" ~ "bidrag för bostad") and inflections alike.
Each word becomes ``_word_`` and all its overlapping 4-character slices; words of at most two
letters become one token.
"""

from __future__ import annotations

import re

NGRAM = 4
TOKEN = re.compile(r"[0-9a-zåäöéüà]+")

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


def lexical_terms(text: str) -> list[str]:
    terms: list[str] = []
    for word in words(text):
        if word in SWEDISH_STOPWORDS:
            continue
        padded = f"_{word}_"
        if len(padded) <= NGRAM:
            terms.append(padded)
        else:
            terms.extend(padded[i : i + NGRAM] for i in range(len(padded) - NGRAM + 1))
    return terms


def query_terms(text: str, limit: int = 256) -> list[str]:
    """Distinct terms of a query, in order, bounded so a pasted essay cannot stall search."""
    return list(dict.fromkeys(lexical_terms(text)))[:limit]
