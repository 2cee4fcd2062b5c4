"""Identify which procedure (schema) a page belongs to, from the words printed on it.

Each schema lists keywords (title words, form code). Text is compared accent- and case-insensitively, with a
fuzzy match so that OCR slips ("CHANGEMENT D'ADRESSE" read as "CHANGEMENT D ADRESSF") still count.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from .schema import LoadedSchema

FUZZY_MIN = 0.82


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).upper()
    return re.sub(r"[^A-Z0-9]+", " ", text).strip()


def keyword_score(keyword: str, tokens: list[str], joined: str) -> float:
    """1.0 when the keyword is in the text, its fuzzy similarity when close, else 0."""
    key = normalize(keyword)
    if not key:
        return 0.0
    if f" {key} " in f" {joined} ":
        return 1.0
    n = len(key.split())
    best = 0.0
    for i in range(0, max(1, len(tokens) - n + 1)):
        window = " ".join(tokens[i : i + n])
        if abs(len(window) - len(key)) > max(3, len(key) // 3):
            continue
        r = difflib.SequenceMatcher(None, key, window, autojunk=False).ratio()
        if r > best:
            best = r
            if best == 1.0:
                break
    return best if best >= FUZZY_MIN else 0.0


@dataclass(frozen=True)
class Candidate:
    schema: LoadedSchema
    score: float


def rank(text: str, schemas: list[LoadedSchema]) -> list[Candidate]:
    """Schemas whose keywords score at or over their threshold on this text, best first."""
    joined = normalize(text)
    tokens = joined.split()
    out = []
    for s in schemas:
        kws = s.spec.identify.keywords
        score = sum(keyword_score(k, tokens, joined) for k in kws) / len(kws)
        if score >= s.spec.identify.min_score:
            out.append(Candidate(s, round(score, 3)))
    out.sort(key=lambda c: (-c.score, c.schema.procedure, -c.schema.spec.version))
    return out
