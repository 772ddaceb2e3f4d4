"""Person names: lexicon + context cues + name sequences + propagation within the document.

Only capitalised words are looked at (one regular expression finds them); each is classified with
set lookups. Swedish capitalises proper nouns only, so a capitalised word inside a sentence is
strong evidence; at the start of a sentence a word that is also an everyday word ("Per", "Bo",
"Inga") needs support. A name found once makes every other mention of it in the document a name,
including its possessive ("Majas" → "Maja") and, for distinctive names, a lower-case spelling.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from tillit.privacy.names import Lexicon, lexicon

Span = tuple[int, int, str]

_UPPER = "A-ZÅÄÖÆØÉÈÜÇŠŽĆČĐÓÍÁÚÑİŁŚŻŞĞ"
_WORD = re.compile(rf"(?<![\w-])[{_UPPER}][^\W\d_]*(?:['’-][{_UPPER}]?[^\W\d_]+)*")
_BEFORE = re.compile(r"([^\W\d_]+)[ \t]$")
_SENTENCE_END = frozenset('.!?:;\n"”»–—(*•')
_AGE_AFTER = re.compile(r",? \(?\d{1,2} (?:år|mån)|,? \(?född|,? \d{6}|,? \d{8}")


@dataclass
class _Token:
    start: int
    end: int
    word: str
    base: str  # without possessive -s
    initial: bool  # first word of a sentence
    score: int = 0  # 2 = strong, 1 = weak (needs support), 0 = unknown word, -1 = blocked


def find_persons(text: str, known: Iterable[str] = ()) -> tuple[list[Span], set[str]]:
    """Person spans in ``text`` and the set of name words found (to carry into the next chunk)."""
    lex = lexicon()
    tokens = [_classify(text, m.start(), m.end(), lex) for m in _WORD.finditer(text)]
    groups = _groups(text, tokens)
    chosen = [_trim(g, lex) for g in groups if _is_person(g, lex)]
    names = set(known).union(t.base for group in chosen for t in group)
    chosen_ids = {id(t) for group in chosen for t in group}
    for group in groups:
        picked = [t for t in group if id(t) not in chosen_ids and _propagate(t, names)]
        chosen += [[t] for t in picked]
    for group in chosen:
        _propagate(group[-1], names)  # "Viktors" → "Viktor" once "Viktor" is known
    spans = [(g[0].start, g[-1].start + len(g[-1].base), "PERSON") for g in chosen if g]
    spans += _lowercase_mentions(text, names, lex)
    return spans, names


def _propagate(token: _Token, names: set[str]) -> bool:
    if token.score < 0:
        return False
    stem = token.word[:-1]
    if token.base not in names and token.word[-1:] == "s" and stem in names and len(stem) > 2:
        token.base = token.word[:-1]
    return token.base in names


def _classify(text: str, start: int, end: int, lex: Lexicon) -> _Token:
    word = text[start:end]
    initial = _sentence_start(text, start)
    base = word
    if word not in lex.swedish and len(word) > 3 and word[-1] == "s":
        stem = word[:-1]
        usable = (
            stem in lex.swedish and not lex.is_ambiguous(stem) if initial else lex.is_name(stem)
        )
        base = stem if usable else word
    token = _Token(start, end, word, base, initial)
    named = lex.is_name(base) or _is_hyphenated_name(base, lex)
    if (word.isupper() and len(word) > 1) or word in lex.not_names or base in lex.not_names:
        token.score = -1
    elif base.lower() in lex.towns:
        token.score = 1 if named else -1  # "Lund", "Nora": a name only next to another name
    elif named:
        token.score = 1 if lex.is_ambiguous(base) and initial else 2
    elif _cue_before(text, start, lex) or _AGE_AFTER.match(text, end):
        token.score = 2
    return token


def _is_hyphenated_name(word: str, lex: Lexicon) -> bool:
    parts = re.split(r"[-'’]", word)
    return len(parts) > 1 and any(lex.is_name(p) or lex.is_name(p.capitalize()) for p in parts)


def _sentence_start(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i < 0 or text[i] in _SENTENCE_END


def _cue_before(text: str, start: int, lex: Lexicon) -> bool:
    match = _BEFORE.search(text, max(0, start - 30), start)
    return match is not None and match.group(1).lower() in lex.cues


def _groups(text: str, tokens: list[_Token]) -> list[list[_Token]]:
    """Runs of capitalised words separated by exactly one space (a name and its surnames)."""
    groups: list[list[_Token]] = []
    for token in tokens:
        last = groups[-1][-1] if groups else None
        if last is not None and text[last.end : token.start] == " " and _joins(last, token):
            groups[-1].append(token)
            continue
        groups.append([token])
    return groups


def _joins(last: _Token, token: _Token) -> bool:
    return token.score >= 0 and last.score >= 0 and last.base == last.word


def _is_person(group: list[_Token], lex: Lexicon) -> bool:
    if any(t.score < 0 for t in group):
        return False
    if any(t.score == 2 for t in group):
        return True
    if len(group) > 1 and any(lex.is_name(t.base) for t in group):
        return lex.is_first(group[0].base) or any(lex.is_last(t.base) for t in group[1:])
    return False


def _trim(group: list[_Token], lex: Lexicon) -> list[_Token]:
    """Drop unknown lead words ('Både Elias', 'Modern Annika', 'ST-läkare Omar'); unknown words
    after a known name stay ('Noelia Pérez Andersson')."""
    kept = list(group)
    while len(kept) > 1 and kept[0].score == 0 and _lead_word(kept[0], lex):
        kept = kept[1:]
    return kept


def _lead_word(token: _Token, lex: Lexicon) -> bool:
    word = token.word
    return token.initial or word.lower() in lex.cues or re.search(r"-[a-zåäö]", word) is not None


def _lowercase_mentions(text: str, names: set[str], lex: Lexicon) -> list[Span]:
    distinctive = sorted(
        n.lower()
        for n in names
        if len(n) >= 4 and lex.is_name(n) and not lex.is_ambiguous(n) and n.lower() not in lex.cues
    )
    if not distinctive:
        return []
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, distinctive)) + r")(?![\w-])")
    return [(m.start(), m.end(), "PERSON") for m in pattern.finditer(text)]
