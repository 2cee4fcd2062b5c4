"""Fields found on the page's words rather than in a fixed zone: next to a printed label (`anchor`), or by a
regular expression over the page's text (`regex`); and the last touch on any field's text: its `regex` group,
its named entity (`entity`).

The words come from the PDF text layer, or from one OCR call over the aligned page (text and boxes together),
in template units. Finding a label is fuzzy, as identification is: "Municipalite" matches "Municipalité :".
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace

import numpy as np

from ..schemas.schema import FieldSpec
from . import tesseract
from .extract import Reading
from .identify import normalize
from .ocr import Reader
from .templates import WORK_DPI

LABEL_MIN_SIMILARITY = 0.88  # "MUNICIPALES" is not "MUNICIPALITE" (0.87); one slip in 9+ letters passes
LINE_TOLERANCE = 0.6  # words whose vertical centres differ by less than this share of their height share a line
PAGE_MARGIN = 0.04  # share of the page width kept as right margin when a value area runs to the page's edge


@dataclass(frozen=True)
class PageWord:
    text: str
    x0: float  # template units, origin top-left
    y0: float
    x1: float
    y1: float
    confidence: float  # 0..1; 1 for a text layer


def ocr_words(image: np.ndarray, px_per_unit: float, *, lang: str,
              reader: Reader = tesseract.images_to_words) -> list[PageWord]:
    """The words of a page image aligned to its template (WORK_DPI), in template units: one Tesseract call gives
    text and boxes together."""
    k = px_per_unit
    return [PageWord(w.text, w.left / k, w.top / k, (w.left + w.width) / k, (w.top + w.height) / k, w.conf)
            for w in reader([image], lang=lang, psm=3, dpi=WORK_DPI)[0] if w.text.strip()]


def lines_of(words: list[PageWord]) -> list[list[PageWord]]:
    """Words grouped into lines (top to bottom), each line left to right."""
    lines: list[list[PageWord]] = []
    for w in sorted(words, key=lambda w: ((w.y0 + w.y1) / 2, w.x0)):
        cy, h = (w.y0 + w.y1) / 2, max(1e-6, w.y1 - w.y0)
        for line in lines:
            ref = line[-1]
            if abs((ref.y0 + ref.y1) / 2 - cy) < LINE_TOLERANCE * max(h, ref.y1 - ref.y0):
                line.append(w)
                break
        else:
            lines.append([w])
    return [sorted(line, key=lambda w: w.x0) for line in lines]


def find_label(words: list[PageWord], label: str) -> tuple[float, float, float, float] | None:
    """The box of the best match of `label` among consecutive words of one line, or None when nothing is
    similar enough. Compared accent- and case-insensitively, punctuation ignored."""
    key = normalize(label)
    if not key:
        return None
    n = len(key.split())
    best: tuple[float, tuple[float, float, float, float]] | None = None
    for line in lines_of(words):
        tokens = [normalize(w.text) for w in line]
        for i in range(len(line)):
            for j in range(i + max(1, n - 1), min(len(line), i + n + 1) + 1):
                window = " ".join(t for t in tokens[i:j] if t)
                if not window:
                    continue
                score = difflib.SequenceMatcher(None, key, window, autojunk=False).ratio()
                if best is None or score > best[0]:
                    end = j
                    while end < len(line) and not tokens[end]:  # the label's own ":" belongs to it
                        end += 1
                    ws = line[i:end]
                    best = (score, (min(w.x0 for w in ws), min(w.y0 for w in ws),
                                    max(w.x1 for w in ws), max(w.y1 for w in ws)))
    if best is None or best[0] < LABEL_MIN_SIMILARITY:
        return None
    return best[1]


def anchor_zone(spec: FieldSpec, label: tuple[float, float, float, float],
                page_size: tuple[float, float]) -> tuple[float, float, float, float]:
    """The value's area beside (or under) its label."""
    assert spec.anchor is not None
    a = spec.anchor
    x0, y0, x1, y1 = label
    h = y1 - y0
    right_edge = page_size[0] * (1 - PAGE_MARGIN)
    if a.side == "right":
        left = x1 + a.gap
        height = a.height or h * 1.8
        cy = (y0 + y1) / 2
        return left, cy - height / 2, (left + a.width) if a.width else right_edge, cy + height / 2
    top = y1 + a.gap
    return x0, top, (x0 + a.width) if a.width else right_edge, top + (a.height or h * 1.8)


def words_in(words: list[PageWord], zone: tuple[float, float, float, float]) -> Reading:
    """The words whose centre falls in the zone, in reading order; confidence is the lowest word's."""
    x0, y0, x1, y1 = zone
    inside = [w for w in words if x0 <= (w.x0 + w.x1) / 2 <= x1 and y0 <= (w.y0 + w.y1) / 2 <= y1]
    if not inside:
        return Reading("", 1.0)
    text = " ".join(" ".join(w.text for w in line) for line in lines_of(inside))
    return Reading(text, round(min(w.confidence for w in inside), 3))


def page_text(words: list[PageWord]) -> tuple[str, list[tuple[int, int, PageWord]]]:
    """The page's text, one line per line, and where each word sits in it."""
    parts: list[str] = []
    spans: list[tuple[int, int, PageWord]] = []
    pos = 0
    for line in lines_of(words):
        for k, w in enumerate(line):
            if k:
                parts.append(" ")
                pos += 1
            spans.append((pos, pos + len(w.text), w))
            parts.append(w.text)
            pos += len(w.text)
        parts.append("\n")
        pos += 1
    return "".join(parts), spans


def _group(m: re.Match[str]) -> tuple[str, int, int]:
    if "value" in m.re.groupindex:
        return m.group("value") or "", m.start("value"), m.end("value")
    if m.re.groups:
        return m.group(1) or "", m.start(1), m.end(1)
    return m.group(0), m.start(), m.end()


def regex_on_page(spec: FieldSpec, words: list[PageWord]) -> Reading:
    """A regex field without a zone: its first match over the page's text; confidence of the words it covers."""
    assert spec.regex is not None
    text, spans = page_text(words)
    m = re.search(spec.regex, text)
    if m is None:
        return Reading("", 0.0, f"not found on the page (regex {spec.regex!r})")
    value, start, end = _group(m)
    covered = [w.confidence for s, e, w in spans if s < end and e > start]
    return Reading(value, round(min(covered, default=1.0), 3))


def locate_fields(words: list[PageWord], specs: list[FieldSpec], page_size: tuple[float, float]) -> dict[str, Reading]:
    """Readings of the fields found on the page's words: by label, or by a regex over the whole page."""
    out: dict[str, Reading] = {}
    for spec in specs:
        if spec.anchor is not None:
            box = find_label(words, spec.anchor.label)
            if box is None:
                out[spec.name] = Reading("", 0.0, f"label {spec.anchor.label!r} not found on the page")
            else:
                out[spec.name] = words_in(words, anchor_zone(spec, box, page_size))
        elif spec.regex is not None and spec.zone is None:
            out[spec.name] = regex_on_page(spec, words)
    return out


def refine(spec: FieldSpec, reading: Reading, entities=None) -> Reading:
    """A field's text narrowed to its regex group (a zone's or label's text) and to its named entity.
    `entities`: an EntityModel, needed only by fields with `entity`."""
    if reading.problem or not reading.text.strip():
        return reading
    if spec.regex is not None and not spec.located:
        m = re.search(spec.regex, reading.text)
        if m is None:
            return replace(reading, problem=f"{reading.text!r} does not match regex {spec.regex!r}")
        reading = replace(reading, text=_group(m)[0])
    if spec.entity is not None:
        assert entities is not None, "entity fields need an EntityModel"
        found = entities.find(reading.text, spec.entity)
        if not found:
            return replace(reading, problem=f"no {spec.entity} name found in {reading.text!r}")
        reading = replace(reading, text=max(found, key=len))
    return reading
