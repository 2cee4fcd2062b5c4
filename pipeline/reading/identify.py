"""Identify which procedure (schema) a page belongs to: by its look, or by the words printed on it.

By look (no OCR): the page's ink density seen from afar (20 dpi, blurred) is correlated with each template page's,
allowing a small shift; the best matches are then verified by registration (process.py). By words: each schema
lists keywords (title words, form code), compared accent- and case-insensitively, with a fuzzy match so that OCR
slips ("CHANGEMENT D'ADRESSE" read as "CHANGEMENT D ADRESSF") still count.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import cv2
import numpy as np

from ..schemas.fields import without_accents
from ..schemas.schema import LoadedSchema
from .templates import TemplateCache, layout_map

FUZZY_MIN = 0.82


def normalize(text: str) -> str:
    text = without_accents(text).upper()
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
    whole: bool = True  # every keyword of the schema was found (exactly or nearly), not only some of them


def rank(text: str, schemas: list[LoadedSchema]) -> list[Candidate]:
    """Schemas whose keywords score at or over their threshold on this text, best first."""
    joined = normalize(text)
    tokens = joined.split()
    out = []
    for s in schemas:
        kws = s.spec.identify.keywords
        scores = [keyword_score(k, tokens, joined) for k in kws]
        score = sum(scores) / len(kws)
        if score >= s.spec.identify.min_score:
            out.append(Candidate(s, round(score, 3), all(scores)))
    out.sort(key=lambda c: (-c.score, c.schema.procedure, -c.schema.spec.version))
    return out


LAYOUT_SHIFT = 6  # pixels at LAYOUT_DPI (0.3 in) the page may be shifted against its template
LAYOUT_MIN = 0.45  # correlation under which a template page is not considered
LAYOUT_MARGIN = 0.08  # template pages this close to the best one are all verified


@dataclass(frozen=True)
class LayoutCandidate:
    schema: LoadedSchema
    page: int
    score: float


def rank_layout(upright: np.ndarray, schemas: list[LoadedSchema], templates: TemplateCache) -> list[LayoutCandidate]:
    """Template pages whose look matches the page's, best first, within LAYOUT_MARGIN of the best; empty when
    none reaches LAYOUT_MIN (a page scanned sideways, an instruction page, a form of no schema)."""
    maps: dict[tuple[int, int], np.ndarray] = {}
    out = []
    for s in schemas:
        for p in range(1, s.pages + 1):
            tpl = templates.get(s, p).layout
            size = (tpl.shape[1], tpl.shape[0])
            if size not in maps:
                maps[size] = np.pad(layout_map(upright, size), LAYOUT_SHIFT)
            score = float(cv2.matchTemplate(maps[size], tpl, cv2.TM_CCOEFF_NORMED).max())
            if score >= LAYOUT_MIN:
                out.append(LayoutCandidate(s, p, round(score, 3)))
    out.sort(key=lambda c: -c.score)
    return [c for c in out if c.score >= out[0].score - LAYOUT_MARGIN] if out else []
