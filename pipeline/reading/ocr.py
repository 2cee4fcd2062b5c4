"""Read many zones of a page with few Tesseract calls.

Zones are cropped inside their box (a crop that includes the box border comes back empty), cleared of ruling
lines, and pasted one under the other into a single image per OCR setting (language, character whitelist):
one call reads them all (~0.4 s for 30 zones instead of ~4 s one call each). Words are mapped back to their
zone by position. The montages themselves go to a reader that takes several images per Tesseract process
(`tesseract.images_to_words`, or `batching.OcrBatcher` in front of it, which merges those of several documents).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Iterator

import cv2
import numpy as np

from ..errors import ToolFailure
from ..inputs.preprocess import INK_LEVEL, ink_level
from . import accents, tesseract

GAP = 40  # white pixels between pasted zones
MARGIN = 24
MIN_ZONE_PX = 4  # a crop thinner than this (a zone squeezed off the page by its alignment) is not read


@dataclass(frozen=True)
class ZoneText:
    text: str
    confidence: float  # lowest word confidence, 0..1; 1.0 for an empty zone
    words: int
    failure: str = ""  # what the OCR tool did when this zone alone crashed or hung it ("tesseract crashed (signal 8)")
    variants: tuple[str, ...] = ()  # the text with one doubtful character read as its next candidate, likeliest first
    unread: bool = False  # the zone holds letter-sized ink that no word read covers (see _unread), or ink crosses it
    # (see _crossed)


@dataclass(frozen=True)
class ZoneJob:
    key: str
    image: np.ndarray  # grayscale crop, already inside the box
    lang: str
    whitelist: str | None
    block: bool


RULE_MIN_PX = 60
STEP_MIN_PX = 30  # a run this long beside a rule is a step of it: longer than a letter's foot or a digit's base
BRIDGE_PX = 9  # the thickest underline a stroke is bridged across, plus a pixel each side


def remove_rules(gray: np.ndarray) -> np.ndarray:
    """Erase long horizontal and vertical lines (box borders, underlines, comb separators) from a crop."""
    h, w = gray.shape
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    # A rule is a horizontal run longer than any letter stroke (~60 px at 300 dpi). Not half the crop: a rule
    # that is slightly tilted, or broken into steps by a fax's binarization, has no long straight run.
    horiz = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(25, min(w // 2, RULE_MIN_PX)), 1)))
    vert = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(15, int(h * 0.8)))))
    # A fax's rule is a staircase: along the rows of its long runs, the rows either side hold its steps, shorter
    # runs that would stay glued to the feet of the letters standing on it ("91726" read "91226" underlined).
    horiz = cv2.bitwise_or(horiz, _rule_steps(ink, horiz))
    # widen the lines sideways only: a letter standing on an underline keeps its bottom
    mask = cv2.bitwise_or(cv2.dilate(horiz, np.ones((1, 3), np.uint8)), cv2.dilate(vert, np.ones((3, 1), np.uint8)))
    # A descender (j, y, g, p) that crosses an underline has ink just above and just below it: bridge those
    # strokes across the line, or "Dijon" reads "Diion" and "Lyon" "Lvon".
    rest = cv2.bitwise_and(ink, cv2.bitwise_not(mask))
    bridged = cv2.morphologyEx(rest, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, BRIDGE_PX)))
    near_rule = cv2.dilate(horiz, np.ones((3, 3), np.uint8)) > 0
    bridges = (mask > 0) & (bridged > 0) & near_rule  # the rule's pixels a stroke crosses: they stay
    shade, on_shade = _shade(gray, mask)
    erase = (mask > 0) & ~bridges & ~on_shade
    letters = _letters_in_rule(rest, erase, gray)
    bridges |= letters
    erase &= ~letters
    out = gray.copy()
    out[erase] = 255
    horiz[shade] = 0  # a band of shade leaves no dashes along it as a binarized rule does
    return _without_edge_slivers(_without_rule_remnants(out, horiz, bridges))


SHADE_LEVEL = 170  # a "line" whose median grey is this light ...
SHADE_MIN_H = 12  # ... and that is this tall (px at 300 dpi; a rule is 1 to 6) is a band of shade (a shaded header,
SHADE_CONTRAST = 60  # or one showing through from the back page): the print this much darker on it is not the band


def _shade(gray: np.ndarray, lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which of the lines found are bands of shade, and which of their pixels are print on the band. A mirrored
    shaded header showing through from the back page is as wide as a rule: erased whole, it took the value typed on
    it, and the field was read as empty and sure of it ("Prêt de Chicoutimi" on a CNESST 8504 page)."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats((lines > 0).astype(np.uint8), connectivity=8)
    shade = np.zeros(gray.shape, bool)
    on_shade = np.zeros(gray.shape, bool)
    for i in np.flatnonzero(stats[:, cv2.CC_STAT_HEIGHT] >= SHADE_MIN_H):
        if i == 0:
            continue
        on = labels == i
        level = float(np.median(gray[on]))
        if level >= SHADE_LEVEL:
            shade |= on
            on_shade |= on & (gray < level - SHADE_CONTRAST)
    return shade, on_shade


def _rule_steps(ink: np.ndarray, horiz: np.ndarray) -> np.ndarray:
    """The steps of a faxed rule: runs of STEP_MIN_PX or more in the rows beside its long runs. A letter's foot
    that sits on the rule is as long when a fax joins the feet of neighbouring letters ("ou" of "Tours", 29 px):
    erasing it opened the "o" ("Taurs"). The part of a run that lies under a glyph, from the first to the last
    column where one piece of ink stands on it in the row beyond (away from the rule), stays; the rest is a step.
    Under one piece at a time: bridging the gap between two words' letters joined them ("RousseauRrest")."""
    beside = cv2.bitwise_and(ink, cv2.dilate(horiz, np.ones((3, 1), np.uint8)))
    beside[horiz > 0] = 0
    steps = cv2.morphologyEx(beside, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (STEP_MIN_PX, 1)))
    if not steps.any():
        return steps
    h = ink.shape[0]
    # pieces as they are without the rows beside the rule, through which every foot on it is joined; flat ones are
    # the rule's ragged edge, not letters
    _, pieces, stats, _ = cv2.connectedComponentsWithStats(((ink > 0) & (horiz == 0) & (beside == 0)).astype(
        np.uint8), connectivity=8)
    pieces[(stats[:, cv2.CC_STAT_HEIGHT] <= REMNANT_MAX_H)[pieces]] = 0
    for y in np.flatnonzero(steps.any(axis=1)):
        for a, b in _runs(steps[y] > 0):
            # the row beyond: on the side away from the rule, which lies in the row next to the run
            below = np.count_nonzero(horiz[y + 1, a:b]) if y + 1 < h else -1
            above = np.count_nonzero(horiz[y - 1, a:b]) if y > 0 else -1
            far = y - 1 if below >= above else y + 1
            if not 0 <= far < h:
                continue
            beyond = pieces[far, a:b]
            for piece in np.unique(beyond[beyond > 0]):
                cols = np.flatnonzero(beyond == piece)
                steps[y, a + max(0, cols[0] - 1):a + cols[-1] + 2] = 0
    return steps


LETTER_MAX_W = 48  # px at 300 dpi: wider than the bottom of any letter
EDGE_GRAY = 140  # a flat piece along a rule with no pixel darker than this is the rule's blurred edge, not ink


def _letters_in_rule(rest: np.ndarray, erase: np.ndarray, gray: np.ndarray) -> np.ndarray:
    """The erased rule's pixels that belong to the letters typed on it, when the rule's edges are clean.

    A clean scan's rule crosses the letters standing on it near their feet (CERFA 13969 types its values on its
    lines). Erased, it cut off the bottom of a bowl that hangs below it ("Lefebvre" read "efehvre": the "b" lost its
    bowl) and left the foot of an "L" one pixel thick, which the reading's median filter takes ("Lyon" read "yon").
    So the rule stays between a letter and the flat piece of it hanging below (its bowl's or foot's bottom), and in
    its first row right under a letter.

    Only when every flat piece of ink along the rule hangs under a letter: a noisy or faxed rule's ragged edge leaves
    flat pieces all along it, and there nothing tells a letter's bottom from the rule's (restored, they were read as
    dots and dashes: "Paris.", "SimonNincent"). Pale pieces (no pixel darker than EDGE_GRAY) are neither: on a page
    turned and resampled, the rule's blurred edge; they neither stop this nor are kept (on skewed CERFA 13969 fills
    such pieces measured 155-180 at their darkest, a letter's bottom 25-52, a fax's ragged edge 0-140)."""
    keep = np.zeros_like(erase)
    if not erase.any():  # no rule in the crop: nothing to keep, and no labelling on the reading's path
        return keep
    n, labels, stats, _ = cv2.connectedComponentsWithStats(rest, connectivity=8)
    x, y = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
    cw, ch = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    glyph = ch >= MIN_GLYPH_HEIGHT
    glyph[0] = False
    w = rest.shape[1]
    hanging = []
    flat = (ch <= REMNANT_MAX_H) & (y > 0)
    flat[0] = False
    for i in np.flatnonzero(flat):
        a, b = x[i], x[i] + cw[i]
        if erase[y[i] - 1, a:b].mean() < 0.5:  # not right under the erased rule
            continue
        if gray[y[i]:y[i] + ch[i], a:b][labels[y[i]:y[i] + ch[i], a:b] == i].min() >= EDGE_GRAY:
            continue  # the rule's antialiased edge, on a page turned and resampled
        top = y[i] - 1
        while top > 0 and erase[top - 1, a:b].any():
            top -= 1
        if top == 0:
            continue
        if not glyph[labels[top - 1, max(0, a - 3):min(w, b + 3)]].any():
            return keep  # the rule's ragged edge
        hanging.append((top, y[i], a, b))
    for top, bottom, a, b in hanging:
        if b - a <= LETTER_MAX_W:
            keep[top:bottom, a:b] = erase[top:bottom, a:b]
    under = np.zeros_like(erase)
    under[1:] = glyph[labels[:-1]]  # a letter's ink in the row above
    first = erase.copy()
    first[1:] &= ~erase[:-1]  # the rule's first erased row in its column
    return keep | (first & under)


EDGE_SLIVER_AREA = 60  # px at 300 dpi: less than any digit; what a box's cut border leaves at the crop's edge


def _without_edge_slivers(out: np.ndarray) -> np.ndarray:
    """A crop read a little beyond its box (`ocr.pad`) holds the ends of the box's borders at its corners: on a
    noisy scan the borders are broken and rule removal misses those ends. Four dots framing "142" were read with it
    as one word, "a". Small pieces of ink that touch the crop's edge go, but a comma the crop's foot cut."""
    _, bw = cv2.threshold(cv2.medianBlur(out, 3), 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(bw, connectivity=8)
    edge = np.unique(np.concatenate((labels[0], labels[-1], labels[:, 0], labels[:, -1])))
    edge = edge[edge != 0]
    if not edge.size:
        return out
    small = edge[(stats[edge, cv2.CC_STAT_AREA] < EDGE_SLIVER_AREA) & ~_commas_at_foot(stats, edge, bw.shape)]
    if small.size:
        gone = cv2.dilate(np.isin(labels, small).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
        out[gone] = 255
    return out


COMMA_TALL = 1.5  # a comma's tail is this many times as tall as it is wide, or more ...
COMMA_GAP = 0.35  # ... and it follows a letter this close (of the letter's height), from its lower half


def _commas_at_foot(stats: np.ndarray, pieces: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Which of these pieces touching the crop's edge (`stats` of its blobs) are a comma the crop's foot cut: on the
    foot alone, tall and thin, right after a glyph-tall letter and no higher than its lower half, and a space
    after it (the serif at the foot of a p's stem, which a rule's removal cut off, lies under the p or just
    before it). A viewer draws a value low in a tight box: the comma of "Théberge, Lévis" (4 by 9 pixels, what the
    crop kept of it) went as a sliver, and the value was read "Théberge Lévis" at 0.92."""
    h, w = shape
    x, y, cw, ch = (stats[:, k] for k in (cv2.CC_STAT_LEFT, cv2.CC_STAT_TOP, cv2.CC_STAT_WIDTH, cv2.CC_STAT_HEIGHT))
    glyphs = np.flatnonzero(ch >= MIN_GLYPH_HEIGHT)
    glyphs = glyphs[glyphs != 0]
    ends = x[glyphs] + cw[glyphs]
    out = np.zeros(len(pieces), bool)
    for k, i in enumerate(pieces):
        if y[i] + ch[i] != h or y[i] == 0 or x[i] == 0 or x[i] + cw[i] == w or ch[i] < COMMA_TALL * cw[i]:
            continue
        before = (ends <= x[i] + 1) & (x[i] - ends <= COMMA_GAP * ch[glyphs]) & (y[i] >= y[glyphs] + ch[glyphs] / 2)
        if not before.any():
            continue
        # a space after it: what a rule's removal cut off the foot of a p's stem lies under the p, or just before it
        reach = x[i] + cw[i] + COMMA_GAP * float(np.median(ch[glyphs[before]]))
        out[k] = not np.any((x[glyphs] < reach) & (ends > x[i]))
    return out


RULE_COVER = 0.3  # a row is a rule's when the long runs found near it span this share of the crop's width
REMNANT_BAND = 3  # rows either side of a rule where its remnants lie (a fax breaks a rule into steps)
REMNANT_MAX_H = 6  # px at 300 dpi: a remnant is flat; letters standing on the rule are taller
DOT_GAP = 9  # px: gaps between the pieces of a dotted rule that are bridged to find it
FLAT_INK = 0.7  # share of a dotted rule's band that is ink of flat pieces


def _without_rule_remnants(out: np.ndarray, horiz: np.ndarray, bridges: np.ndarray) -> np.ndarray:
    """A thin rule binarized by a fax or a bitonal scanner is broken into steps: the long runs go with the rule,
    and the dashes between them were read as dots glued to the value ("Rousseau.", "13/09/2016.") or as stray
    words. Flat pieces that lie along a rule spanning the crop go too, found as the binarized reading sees them
    (median-filtered, so a dash that touches a letter's foot is a piece of its own). Only along rules that span
    the crop: a short horizontal run found inside a value ("514-555-4446" on a noisy scan) is no rule, and the
    hyphens beside it stay. A letter typed on the rule (CERFA 13969 types its values on its lines) keeps the bottom
    of its bowl that hangs below the rule: the piece is tied to the letter by the strokes carried across the rule
    (`bridges`), often a pixel wide where a curve crosses it, which the median filter would cut ("Dubois" was
    read "Duhois", "Lambert" "Lamhert")."""
    h, w = horiz.shape
    rows = np.count_nonzero(cv2.dilate(horiz, np.ones((5, 1), np.uint8)), axis=1) >= RULE_COVER * w
    _, bw = cv2.threshold(cv2.medianBlur(out, 3), 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    bw[cv2.dilate(bridges.astype(np.uint8), np.ones((1, 3), np.uint8)) > 0] = 255
    for top, bottom in _thin_bands_of_long_runs(bw):
        # a dotted rule's band is mostly ink of flat pieces; a baseline's is the feet of tall letters
        start, labels, flat = _flat_pieces(bw, max(0, top - REMNANT_BAND), min(h, bottom + REMNANT_BAND))
        ink = labels[top - start:bottom - start]
        ink = ink[ink > 0]
        if ink.size and np.count_nonzero(flat[ink]) >= FLAT_INK * ink.size:
            rows[top:bottom] = True
    band = cv2.dilate(rows.astype(np.uint8).reshape(-1, 1), np.ones((2 * REMNANT_BAND + 1, 1), np.uint8)).ravel()
    tall = _glyph_tall(bw)
    for top, bottom in _runs(band > 0):
        start, labels, flat = _flat_pieces(bw, top, bottom, dashes_only=True)
        flat &= ~_accents(tall, start, labels, out) & ~_hyphens(tall, start, labels)
        if flat.any():
            gone = cv2.dilate(flat[labels].astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
            out[start:start + len(labels)][gone] = 255
    return out


REMNANT_ACCENT_GAP = 9  # px at 300 dpi: how far over a letter's top the piece of an accent cut from a rule may end


def _glyph_tall(bw: np.ndarray) -> np.ndarray:
    """The stats (connectedComponentsWithStats) of bw's blobs of ink as tall as a glyph."""
    _, _, stats, _ = cv2.connectedComponentsWithStats(bw, connectivity=8)
    return stats[1:][stats[1:, cv2.CC_STAT_HEIGHT] >= MIN_GLYPH_HEIGHT]


def _accents(tall: np.ndarray, start: int, labels: np.ndarray, gray: np.ndarray) -> np.ndarray:
    """Which pieces (`labels` of bw's rows from `start`) are an accent over a letter, not a rule's remnant: a
    short stroke slanted or bent as an accent is (see accents.py; its shape seen in `gray` unfiltered), over a
    glyph-tall blob (`tall`, see _glyph_tall) just below it. A capital's accent printed against the field's top border ("Ève" on
    the IRS 1040) loses its top with the border, and what is left is as flat as a remnant."""
    n = int(labels.max()) + 1
    keep = np.zeros(n, bool)
    if n <= 1 or not len(tall):
        return keep
    left, top, width = tall[:, cv2.CC_STAT_LEFT], tall[:, cv2.CC_STAT_TOP], tall[:, cv2.CC_STAT_WIDTH]
    t, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    for i in range(1, n):
        ys, xs = np.nonzero(labels == i)
        y0, y1 = start + max(0, int(ys.min()) - 1), start + int(ys.max()) + 2
        x0, x1 = max(0, int(xs.min()) - 1), int(xs.max()) + 2
        piece = gray[y0:y1, x0:x1] < t
        h, w = np.count_nonzero(piece.any(axis=1)), np.count_nonzero(piece.any(axis=0))
        if h < 3 or w > 2.5 * h:
            continue
        centre = (x0 + x1) / 2
        over = (left - 1 <= centre) & (centre <= left + width + 1) & (top >= y1 - 2) \
            & (top - y1 <= REMNANT_ACCENT_GAP)
        keep[i] = bool(over.any()) and (accents.shape(piece) in (accents.ACUTE, accents.GRAVE, accents.CIRCUMFLEX)
                                        or abs(accents.drift(piece)) >= accents.DRIFTS)
    return keep


HYPHEN_GAP = 0.6  # of the letters' height: the widest gap between a hyphen and the letters either side of it
HYPHEN_MIN_H = 3  # px at 300 dpi: a hyphen is a stroke thick; what is left of a rule crossing a gap is thinner


def _hyphens(tall: np.ndarray, start: int, labels: np.ndarray) -> np.ndarray:
    """Which pieces (`labels` of bw's rows from `start`) are a hyphen, not a rule's remnant: a stroke thick, no
    longer than the letters are tall, between two glyph-tall blobs (`tall`, see _glyph_tall) that it does not
    touch, at their middle height. CERFA 13969 types its values across its rules, a hyphen on or just over the
    rule: it went as a remnant, and "Émile-Zola" was read "Émile Zola", sure of it."""
    n = int(labels.max()) + 1
    keep = np.zeros(n, bool)
    if n <= 1 or not len(tall):
        return keep
    left, top, width, height = (tall[:, k] for k in (cv2.CC_STAT_LEFT, cv2.CC_STAT_TOP, cv2.CC_STAT_WIDTH,
                                                     cv2.CC_STAT_HEIGHT))
    for i in range(1, n):
        ys, xs = np.nonzero(labels == i)
        x0, x1, y0, y1 = int(xs.min()), int(xs.max()) + 1, int(ys.min()), int(ys.max()) + 1
        if y1 - y0 < HYPHEN_MIN_H:
            continue
        middle = start + (y0 + y1) / 2
        fits = (top + 0.2 * height <= middle) & (middle <= top + 0.8 * height) & (x1 - x0 <= height)
        before = fits & (left + width < x0) & (x0 - (left + width) <= HYPHEN_GAP * height)
        after = fits & (left > x1) & (left - x1 <= HYPHEN_GAP * height)
        keep[i] = bool(before.any() and after.any())
    return keep


def _flat_pieces(bw: np.ndarray, top: int, bottom: int, dashes_only: bool = False
                 ) -> tuple[int, np.ndarray, np.ndarray]:
    """The flat ink pieces lying within rows top..bottom: at most REMNANT_MAX_H tall and, with `dashes_only`, at
    least as wide as tall. Labelled on those rows and one more each side, which is cheap (a piece that reaches
    the extra rows may go on beyond: a letter standing there). Returns the first row labelled, the labels, and
    which labels are flat pieces."""
    start, end = max(0, top - 1), min(bw.shape[0], bottom + 1)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(bw[start:end], connectivity=8)
    y, hgt, wid = stats[:, cv2.CC_STAT_TOP], stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_WIDTH]
    flat = (y >= top - start) & (y + hgt <= bottom - start) & (hgt <= REMNANT_MAX_H)
    if dashes_only:
        flat &= wid >= hgt
    flat[0] = False
    return start, labels, flat


def _thin_bands_of_long_runs(bw: np.ndarray) -> list[tuple[int, int]]:
    """Where a rule with no long run left may lie (a fax's dotted staircase): its pieces, joined across small gaps,
    make long runs in a band a few rows tall. A line of text joined the same way makes a band as tall as its
    letters, or, along its baseline, a thin band of letters' feet, which the caller tells apart by whose ink it
    is (the full stops of "prenom.nom@exemple.qc.ca" stay)."""
    w = bw.shape[1]
    joined = cv2.morphologyEx(bw, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (DOT_GAP, 1)))
    runs = cv2.morphologyEx(joined, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (min(w, RULE_MIN_PX), 1)))
    long_rows = np.count_nonzero(runs, axis=1) >= RULE_COVER * w
    return [(t, b) for t, b in _runs(long_rows) if b - t <= REMNANT_MAX_H]


def _runs(rows: np.ndarray) -> list[tuple[int, int]]:
    """(first, past-the-last) index of each run of True in a 1-D mask."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], rows.astype(np.int8), [0]))))
    return [(int(t), int(b)) for t, b in zip(edges[::2], edges[1::2])]


MIN_SPECK_AREA = 14  # ink blobs smaller than this (pixels at 300 dpi) are noise; a full stop is ~25
MIN_GLYPH_HEIGHT = 14  # a character at 8 pt and 300 dpi is taller than this
MARK_GAP = 0.5  # ... but a mark over a letter, this share of its height above it at most, is its accent or dot
# (see marks_over_letters; accents.MARK_AREA or larger)


PAPER_WHITE = 230  # paper this light or lighter is read as it is


def whitened(gray: np.ndarray) -> np.ndarray:
    """A crop whose paper is darker than PAPER_WHITE (a dark scan's grey 190-205, tinted paper), its levels scaled
    so that the paper is white. Zones are read pasted on a white montage: against its white, Otsu's level (which
    Tesseract binarizes by) fell between the canvas and the grey paper, and a dark scan's "Société de Saguenay"
    came out "ER ES", every value of the page in doubt. A zone is mostly paper: the paper's level is the crop's
    median (a fax's is white: its grey edges of strokes are no paper)."""
    level = float(np.median(gray)) if gray.size else 255.0
    if level >= PAPER_WHITE or level <= 0:
        return gray
    return np.clip(gray.astype(np.float32) * (255.0 / level), 0, 255).astype(np.uint8)


def clean_crop(gray: np.ndarray) -> np.ndarray:
    """Median filter, binarize, and drop specks: what is left is strokes on white. A small mark over a letter is
    no speck: it is the letter's accent or dot."""
    g = cv2.medianBlur(gray, 3)
    t, bw = cv2.threshold(g, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    if t > float(np.median(g)):  # Otsu parted a dark scan's grey paper from the white of the rules erased in it
        # (a comb's sides): the paper would be ink. Parted on the paper made white (see whitened).
        g = cv2.medianBlur(whitened(gray), 3)
        t, bw = cv2.threshold(g, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    if t > 200:  # little ink, or none and Otsu splits paper grain: ink is what is well darker than the paper
        _, bw = cv2.threshold(g, _sparse_ink_level(g), 255, cv2.THRESH_BINARY)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(255 - bw, connectivity=8)
    small = np.flatnonzero(stats[:, cv2.CC_STAT_AREA] < MIN_SPECK_AREA)
    small = np.setdiff1d(small[small != 0], np.union1d(marks_over_letters(stats, small), apostrophes(stats, small)))
    if small.size:
        bw[np.isin(labels, small)] = 255
    return bw


def _sparse_ink_level(g: np.ndarray) -> float:
    """The level that parts a crop's few strokes from its paper (`ink_level`), but no lower than halfway from the
    paper to the crop's darkest grey when that is under the fixed level: the grey a fax's black specks take where
    the page is resampled is their edge, not faint print (counted as ink, it made letters of the specks of a blank
    IRS 1040's zones: 15 of 1,132 blank zones read something)."""
    return max(float(INK_LEVEL), min(ink_level(g), (float(np.median(g)) + float(g.min())) / 2))


def marks_over_letters(stats: np.ndarray, small: np.ndarray) -> np.ndarray:
    """Which of the `small` blobs (labels of `stats`, from connectedComponentsWithStats) are a letter's accent or
    dot: at least accents.MARK_AREA, over a letter-sized blob, within MARK_GAP of its height above its top. The
    median filter thins a 9-pt viewer font's acute accent to 10 pixels: dropped as a speck, "Réseau" was read
    "Reseau" from the binarized crop (the grayscale one kept it, and the two readings disagreed)."""
    x, y, w, h = (stats[:, k] for k in (cv2.CC_STAT_LEFT, cv2.CC_STAT_TOP, cv2.CC_STAT_WIDTH, cv2.CC_STAT_HEIGHT))
    letters = np.flatnonzero(h >= MIN_GLYPH_HEIGHT)
    letters = letters[letters != 0]
    keep = []
    for i in small[stats[small, cv2.CC_STAT_AREA] >= accents.MARK_AREA] if letters.size else ():
        centre, bottom = x[i] + w[i] / 2, y[i] + h[i]
        over = (x[letters] - 2 <= centre) & (centre <= x[letters] + w[letters] + 2)
        gap = y[letters] - bottom
        if np.any(over & (gap >= -2) & (gap <= MARK_GAP * h[letters])):
            keep.append(i)
    return np.array(keep, dtype=small.dtype)


APOSTROPHE_GAP = 0.5  # of the letters' height: the widest gap between an apostrophe and the letters beside it ...
APOSTROPHE_TOP = 0.2  # ... and how far below their tops its own may lie


def apostrophes(stats: np.ndarray, small: np.ndarray) -> np.ndarray:
    """Which of the `small` blobs (labels of `stats`) are an apostrophe: at least accents.MARK_AREA, taller than
    wide, between two letter-sized blobs close on either side, its top level with theirs. A light scan's
    apostrophe, thinned by the median filter, was dropped as a speck: "D'Amours" read "D Amours", sure of it."""
    x, y, w, h = (stats[:, k] for k in (cv2.CC_STAT_LEFT, cv2.CC_STAT_TOP, cv2.CC_STAT_WIDTH, cv2.CC_STAT_HEIGHT))
    letters = np.flatnonzero(h >= MIN_GLYPH_HEIGHT)
    letters = letters[letters != 0]
    keep = []
    for i in small[(stats[small, cv2.CC_STAT_AREA] >= accents.MARK_AREA) & (h[small] > w[small])] \
            if letters.size else ():
        level = np.abs(y[letters] - y[i]) <= APOSTROPHE_TOP * h[letters]
        gap_before = x[i] - (x[letters] + w[letters])
        gap_after = x[letters] - (x[i] + w[i])
        if np.any(level & (gap_before >= 0) & (gap_before <= APOSTROPHE_GAP * h[letters])) \
                and np.any(level & (gap_after >= 0) & (gap_after <= APOSTROPHE_GAP * h[letters])):
            keep.append(i)
    return np.array(keep, dtype=small.dtype)


STRAY_MARK = 0.3  # of the letters' median height: a mark no taller and no wider than this (a small print's
# lowercase letters are half as tall as its capitals) ...
STRAY_GAP = 1.5  # ... lying this many letter heights or more from every larger piece of ink is a speck


def without_stray_marks(gray: np.ndarray, clean: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A crop and its `clean_crop` rendering, both without the small marks that lie far from every larger piece of
    ink. A noise speck 70 px past the value was read as a full stop glued to it ("Bonnet Dupont."). A value's own
    punctuation (a full stop, a hyphen, an accent) lies within a letter's height of a letter. Found as the binarized
    reading sees the crop; the marks are whitened in the crop both renderings are made from. With none, the two
    come back as they are (the rendering is not made twice)."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(255 - clean, connectivity=8)
    hgt, wid = stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_WIDTH]
    glyph = hgt >= MIN_GLYPH_HEIGHT
    glyph[0] = False
    if not glyph.any():
        return gray, clean
    size = float(np.median(hgt[glyph]))
    mark = (hgt <= STRAY_MARK * size) & (wid <= STRAY_MARK * size)
    mark[0] = False
    if not mark.any():
        return gray, clean
    dist = cv2.distanceTransform(np.where(mark[labels] | (labels == 0), 255, 0).astype(np.uint8), cv2.DIST_L2, 3)
    nearest = np.full(n, np.inf)
    on_mark = mark[labels]  # only the marks' own pixels: the rest of the crop is not asked about
    np.minimum.at(nearest, labels[on_mark], dist[on_mark])
    far = mark & (nearest >= STRAY_GAP * size)
    if not far.any():
        return gray, clean
    out = gray.copy()
    out[cv2.dilate(far[labels].astype(np.uint8), np.ones((3, 3), np.uint8)) > 0] = 255
    return out, clean_crop(out)


def has_ink(clean: np.ndarray) -> bool:
    """True when a cleaned crop holds at least one glyph-sized blob (a single digit counts)."""
    return glyph_sized(mark_heights(clean))


def glyph_sized(heights: np.ndarray) -> bool:
    """True when one of these blob heights is a glyph's."""
    return bool(np.any(heights >= MIN_GLYPH_HEIGHT))


def blob_stats(clean: np.ndarray) -> np.ndarray:
    """The stats (connectedComponentsWithStats) of each blob of ink in a cleaned crop, the paper left out."""
    _, _, stats, _ = cv2.connectedComponentsWithStats(255 - clean, connectivity=8)
    return stats[1:]


def mark_heights(clean: np.ndarray) -> np.ndarray:
    """The height of each blob of ink in a cleaned crop."""
    return blob_stats(clean)[:, cv2.CC_STAT_HEIGHT]


SMALL_GLYPH_HEIGHT = 9  # px at 300 dpi: the letters of 4-pt print (an auto-sized font in a thin field) ...
SMALL_PRINT_MARKS = 4  # ... this many of them, and the zone is not empty but written too small to read


def small_print(heights: np.ndarray) -> bool:
    """A zone with no glyph-sized blob but several letter-like small ones holds print too small to read (CERFA
    11580 sizes a value to fit a field 9 pt tall: 4-pt letters). It is not empty."""
    return int(np.count_nonzero((heights >= SMALL_GLYPH_HEIGHT) & (heights < MIN_GLYPH_HEIGHT))) >= SMALL_PRINT_MARKS


SMALL_TEXT = 16  # px: print whose letters stand this tall or less in the middle (a viewer's font sized to fit a
# field 9 pt tall: 11-15 px at 300 dpi) ...
READ_HEIGHT = 24  # ... is read enlarged to about this: Tesseract reads 10-pt print (letters 21-30 px) well, and
# CERFA 11580's 5-pt values not at all ("CN RE RS TR NE" for "Cédric Côté, Gaspé")
MAX_ENLARGE = 3.0
SMALL_RUN = 4  # letter heights: the letter-sized blobs of a line of print are at least this wide together; a fax's
# specks in a blank zone are not (enlarged, they were read "I", "U", "7")


def enlargement(clean: np.ndarray) -> float:
    """How much a cleaned crop's print is to be enlarged for reading (1.0: as it is), by the middle height of its
    letter-sized blobs (SMALL_GLYPH_HEIGHT or taller: accents and punctuation aside), where they are as wide
    together as a few letters (SMALL_RUN): a word or more, whose letters a blur may have run together."""
    stats = blob_stats(clean)
    letters = stats[stats[:, cv2.CC_STAT_HEIGHT] >= SMALL_GLYPH_HEIGHT]
    if not len(letters):
        return 1.0
    middle = float(np.median(letters[:, cv2.CC_STAT_HEIGHT]))
    if middle > SMALL_TEXT or letters[:, cv2.CC_STAT_WIDTH].sum() < SMALL_RUN * middle:
        return 1.0
    return min(MAX_ENLARGE, READ_HEIGHT / middle)


def enlarged(gray: np.ndarray, clean: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A crop and its `clean_crop` rendering, enlarged as `enlargement` says (the crop resampled, then cleaned
    again: binarizing small print before enlarging it keeps its pixel steps)."""
    factor = enlargement(clean)
    if factor <= 1.0:
        return gray, clean
    big = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
    return big, clean_crop(big)


RUN_MARK = 5  # px: a mark this tall or taller ...
RUN_MARKS = 5  # ... one of this many in a row, each within RUN_GAP of its middle height from the one before, is a
RUN_GAP = 2.0  # piece of a line of print: small print a fax broke ("Brest Muller" in 5-pt print, pieces 6-11 px),
RUN_SPREAD = 3  # px: where their heights differ by this much or more (a dotted leader's dots are all alike)


def print_run(clean: np.ndarray) -> bool:
    """Whether a cleaned crop holds a row of small marks close together, as small print a fax or a blur broke into
    pieces leaves (none a glyph, and too few of letter size for `small_print`): CERFA 11580's 5-pt value on a fax
    was read empty, sure, and accepted. A fax's specks in a blank zone lie scattered; a dotted leader's dots are
    alike (RUN_SPREAD)."""
    stats = blob_stats(clean)
    marks = stats[stats[:, cv2.CC_STAT_HEIGHT] >= RUN_MARK]
    if len(marks) < RUN_MARKS:
        return False
    marks = marks[np.argsort(marks[:, cv2.CC_STAT_LEFT])]
    heights = marks[:, cv2.CC_STAT_HEIGHT]
    gap = RUN_GAP * float(np.median(heights))
    start = 0
    for i in range(1, len(marks)):
        prev, cur = marks[i - 1], marks[i]
        near = cur[cv2.CC_STAT_LEFT] - (prev[cv2.CC_STAT_LEFT] + prev[cv2.CC_STAT_WIDTH]) <= gap
        level = (cur[cv2.CC_STAT_TOP] < prev[cv2.CC_STAT_TOP] + prev[cv2.CC_STAT_HEIGHT]
                 and prev[cv2.CC_STAT_TOP] < cur[cv2.CC_STAT_TOP] + cur[cv2.CC_STAT_HEIGHT])
        start = start if near and level else i
        run = heights[start:i + 1]
        if len(run) >= RUN_MARKS and int(run.max()) - int(run.min()) >= RUN_SPREAD:
            return True
    return False


FAINT_CONTRAST = 60  # grey levels between a crop's paper and its darkest ink for that ink to be print, however faint
FAINT_LETTERS = 0.5  # ... and the share of what Otsu's level parts from the paper that is letter-sized: 6 of 7 blobs
# for faint print, 5-30 % where it parts a noisy scan's grain (blank forms scanned noisy read letters in 17 zones)


def faint_print(gray: np.ndarray) -> bool:
    """A zone whose ink clean_crop's levels leave in pieces (see _sparse_ink_level), which Otsu's level parts from
    the paper in letters all the same: print both small and faint (CERFA 11580's value in 7-pt grey on a light
    scan, darkest 166 on paper at 248: its letters came out 4-8 pixels tall, and the zone was read empty, sure).
    Paper grain stays within FAINT_CONTRAST of the paper, or Otsu's level parts it in specks more than letters
    (FAINT_LETTERS)."""
    g = cv2.medianBlur(gray, 3)
    if float(np.median(g)) - float(g.min()) < FAINT_CONTRAST:
        return False
    _, bw = cv2.threshold(g, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    heights = mark_heights(bw)
    letters = int(np.count_nonzero(heights >= SMALL_GLYPH_HEIGHT))
    return letters >= SMALL_PRINT_MARKS and letters >= FAINT_LETTERS * heights.size


def _montage(jobs: list[ZoneJob]) -> tuple[np.ndarray, list[tuple[int, int]]]:
    width = max(j.image.shape[1] for j in jobs) + 2 * MARGIN
    height = sum(j.image.shape[0] for j in jobs) + GAP * (len(jobs) - 1) + 2 * MARGIN
    canvas = np.full((height, width), 255, np.uint8)
    bands, y = [], MARGIN
    for j in jobs:
        h, w = j.image.shape
        canvas[y : y + h, MARGIN : MARGIN + w] = j.image
        bands.append((y, y + h))
        y += h + GAP
    return canvas, bands


SPECK_CONF = 0.6  # a word of one or two characters read below this confidence ...
SOLID_CONF = 0.8  # ... beside words read at least this well is a remnant of a rule or a dotted leader
FLAT_SHARE = 0.4  # a word less tall than this share of the zone's letter-sized words is flat ...
FLAT_CHARS = 4  # ... and a flat word this short, or read below FLAT_CONF, is a remnant of a dotted line
FLAT_CONF = 0.3
MIN_WORD_PX = 12  # at WORK_DPI (300): no letter or digit is less tall


def _without_specks(words: list[tesseract.Word]) -> list[tesseract.Word]:
    """Drop what broken rules and dotted leaders leave in a crop once their lines are erased:
    - flat words: "eee", "RARE", "Lee" are 4-6 px tall on a noisy dotted line, beside names 40-60 px tall. A real
      word read over a dotted line may get a flat box too ("Laurent", 4 px), but it is longer, or read better;
    - short doubtful words ("2 2", "L") when the zone also holds solidly read words (a zone of nothing but
      doubtful words is left as it is)."""
    letters = [w.height for w in words if w.height >= MIN_WORD_PX]
    if letters:
        floor = max(MIN_WORD_PX, FLAT_SHARE * float(np.median(letters)))
        words = [w for w in words if not (w.height < floor and (_core(w) <= FLAT_CHARS or w.conf < FLAT_CONF))]
    if not any(w.conf >= SOLID_CONF and len(w.text) > 2 for w in words):
        return words
    return [w for w in words if not (_core(w) <= 2 and w.conf < SPECK_CONF)]


def _core(w: tesseract.Word) -> int:
    return len(w.text.strip(".,;:'\"_-"))


Reader = Callable[..., list[list[tesseract.Word]]]  # tesseract.images_to_words, or a batcher in front of it


def read_zones(jobs: list[ZoneJob], *, dpi: int = 300, reader: Reader = tesseract.images_to_words,
               choices: bool = False) -> dict[str, ZoneText]:
    """OCR every job; one Tesseract call per distinct (language, whitelist). With `choices`, each zone's text comes
    with its variants (`ZoneText.variants`)."""
    return read_zone_sets([jobs], dpi=dpi, reader=reader, choices=choices)[0]


def read_zone_sets(sets: list[list[ZoneJob]], *, dpi: int = 300, reader: Reader = tesseract.images_to_words,
                   choices: bool = False) -> list[dict[str, ZoneText]]:
    """OCR several sets of zones (e.g. two renderings of a page's zones, read independently): each set's zones
    with the same settings are pasted into one montage, and all montages with the same settings go to one
    reader call, each montage read on its own. A montage that crashes or hangs the tool is read again zone by
    zone; a zone that fails alone comes back empty with its `failure`, and the others are read."""
    montages: dict[tuple[str, str | None], list[tuple[int, list[ZoneJob], list[tuple[int, int]], np.ndarray]]] = {}
    for s, jobs in enumerate(sets):
        groups: dict[tuple[str, str | None], list[ZoneJob]] = {}
        for j in jobs:
            if min(j.image.shape[:2]) >= MIN_ZONE_PX:  # a degenerate zone holds nothing to read
                groups.setdefault((j.lang, j.whitelist), []).append(j)
        for key, group in groups.items():
            canvas, bands = _montage(group)
            montages.setdefault(key, []).append((s, group, bands, canvas))
    found: list[dict[str, list[tesseract.Word]]] = [{j.key: [] for j in jobs} for jobs in sets]
    tops: list[dict[str, int]] = [{j.key: MARGIN for j in jobs} for jobs in sets]  # where each zone was pasted
    # the words kept and those of no letter or digit ("$", "|"): the ink they cover was read; the ink of words
    # left out as specks ("LC" at 0.35 over a stamp) was not
    seen: list[dict[str, list[tesseract.Word]]] = [{j.key: [] for j in jobs} for jobs in sets]
    failed: list[dict[str, str]] = [{} for _ in sets]
    found_blobs: dict[tuple[int, str], tuple[np.ndarray, np.ndarray]] = {}

    def blobs(s: int, job: ZoneJob) -> tuple[np.ndarray, np.ndarray]:  # each zone's, found once for both uses
        if (s, job.key) not in found_blobs:
            found_blobs[s, job.key] = _blobs(job.image)
        return found_blobs[s, job.key]

    def keep(s: int, job: ZoneJob, words: list[tesseract.Word], top: int, clean=_without_specks) -> None:
        """The words read of a zone pasted at `top`: in French, with the accents their letters' marks show; a
        code's O and 0 as their widths say (see accents.py); kept if they hold a letter or digit and `clean`
        keeps them."""
        if not job.whitelist:
            french = "fra" in job.lang.split("+")
            words = accents.corrected(words, *blobs(s, job), MARGIN, top, french=french)
            if french:
                words = civic_commas(words)
        found[s][job.key] = clean(_lettered(words))
        seen[s][job.key], tops[s][job.key] = found[s][job.key] + _unlettered(words), top

    for (lang, whitelist), items in montages.items():
        settings = dict(lang=lang, psm=6, whitelist=whitelist, dpi=dpi)
        if choices:
            settings["choices"] = True
        read = tesseract.read_each(reader, [canvas for *_, canvas in items], **settings)
        for (s, group, bands, _), words in zip(items, read):
            if isinstance(words, ToolFailure):  # one zone of it crashed the tool: which one, and the others' words
                for job, alone in zip(group, tesseract.read_each(reader, [_montage([j])[0] for j in group],
                                                                 **settings)):
                    if isinstance(alone, ToolFailure):
                        found[s][job.key], failed[s][job.key] = [], alone.what
                    else:
                        keep(s, job, alone, MARGIN)
                continue
            per_zone: list[list[tesseract.Word]] = [[] for _ in group]
            for w in words:
                for i, (top, bottom) in enumerate(bands):
                    if top - GAP / 2 <= w.cy < bottom + GAP / 2:
                        per_zone[i].append(w)
                        break
            for job, ws, (top, _) in zip(group, per_zone, bands):
                keep(s, job, ws, top)
    def alone(items: list[tuple[int, ZoneJob]], psm: Callable[[ZoneJob], int]) -> Iterator[tuple[int, ZoneJob, list]]:
        """Each zone of `items` (set, job) read on its own, with the page segmentation mode `psm` gives it: one
        reader call per setting. Yields each zone with its words, or the failure it alone met."""
        groups: dict[tuple[str, str | None, int], list[tuple[int, ZoneJob]]] = {}
        for s, j in items:
            groups.setdefault((j.lang, j.whitelist, psm(j)), []).append((s, j))
        for (lang, whitelist, mode), group in groups.items():
            read = tesseract.read_each(reader, [_montage([j])[0] for _, j in group], lang=lang, psm=mode,
                                       whitelist=whitelist, dpi=dpi, **({"choices": True} if choices else {}))
            for (s, j), words in zip(group, read):
                yield s, j, words

    # Layout analysis can skip a lone short mark in a big image: an empty zone is read on its own as one line.
    empty = [(s, j) for s, jobs in enumerate(sets) for j in jobs
             if not found[s][j.key] and j.key not in failed[s] and min(j.image.shape[:2]) >= MIN_ZONE_PX]
    for s, j, words in alone(empty, lambda j: 7):
        if isinstance(words, ToolFailure):
            found[s][j.key], failed[s][j.key] = [], words.what
        else:
            keep(s, j, words, MARGIN, clean=lambda ws: ws)

    def unread(s: int, j: ZoneJob) -> bool:
        return bool(found[s][j.key]) and _unread(seen[s][j.key], *blobs(s, j), tops[s][j.key])

    # Read among a montage's zones, a zone's short first word beside a capital's accent was read "ve" for "Ève"
    # at 0.43 and dropped as a speck; read alone, "Êve" at 0.86. A zone whose letters the montage's reading left
    # out is read again on its own (as one line, or a block), and that reading kept where it leaves none out.
    left = {(s, j.key): unread(s, j) for s, jobs in enumerate(sets) for j in jobs}
    again = [(s, j) for s, jobs in enumerate(sets) for j in jobs if left[s, j.key] and not _crossed(blobs(s, j)[1])]
    for s, j, words in alone(again, lambda j: 6 if j.block else 7):
        if isinstance(words, ToolFailure):
            continue
        before = found[s][j.key], seen[s][j.key], tops[s][j.key]
        keep(s, j, words, MARGIN)
        if found[s][j.key] and not unread(s, j):
            left[s, j.key] = False
        else:
            found[s][j.key], seen[s][j.key], tops[s][j.key] = before
    return [{j.key: _zone_text(found[s][j.key], failed[s].get(j.key, ""), left[s, j.key] or (
                 bool(found[s][j.key]) and _crossed(blobs(s, j)[1]))) for j in jobs} for s, jobs in enumerate(sets)]

CIVIC_CONF = 0.5  # a word whose full stop was read a comma by civic_commas is never sure


def civic_commas(words: list[tesseract.Word]) -> list[tesseract.Word]:
    """In French, a number followed by a full stop and a word in lowercase on the same line ("3483. rue des
    Érables") reads a comma for the full stop: a full stop ends a sentence, whose next word takes a capital, and a
    civic number is followed by a comma. A fax or a JPEG leaves a comma no tail to tell it by: of the unseen fills'
    faxed addresses, most were read with a full stop. The word is then doubtful (CIVIC_CONF): a person confirms it."""
    out = list(words)
    for i, (w, nxt) in enumerate(zip(words, words[1:])):
        if w.line == nxt.line and w.block == nxt.block and len(w.text) > 1 and w.text.endswith(".") \
                and w.text[:-1].isdigit() and nxt.text[:1].islower():
            out[i] = replace(w, text=w.text[:-1] + ",", conf=min(w.conf, CIVIC_CONF))
    return out


def _blobs(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The blobs of ink of a zone's crop, as Otsu's level parts ink from paper: their labels and their stats."""
    _, ink = cv2.threshold(image, 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    return labels, stats


UNREAD_CONF = 0.5  # a zone with letter-sized ink that no word read covers is never confident
COVERED = 0.5  # share of a blob's ink inside the words' boxes that makes it read


def _unread(words: list[tesseract.Word], labels: np.ndarray, stats: np.ndarray, top: int) -> bool:
    """Whether the zone holds a letter-sized blob of ink that none of the words read in it covers: a stamp or a
    highlighter over part of a value, whose readable part was read surely ("Anaïs Lévesque," for "Anaïs Lévesque,
    Rivière-du-Loup" under a stamp, at 0.96), or letters Tesseract left out. The zone's crop (its `labels` and
    their `stats`, see _blobs) was pasted at (MARGIN, top)."""
    n = len(stats)
    letters = np.flatnonzero(stats[:, cv2.CC_STAT_HEIGHT] >= MIN_GLYPH_HEIGHT)
    letters = letters[letters != 0]
    if not letters.size:
        return False
    read = np.zeros(labels.shape, bool)
    for w in words:
        y0, x0 = max(0, w.top - top - 2), max(0, w.left - MARGIN - 2)
        read[y0 : w.top - top + w.height + 2, x0 : w.left - MARGIN + w.width + 2] = True
    inside = np.bincount(labels[read], minlength=n)
    return bool(np.any(inside[letters] < COVERED * stats[letters, cv2.CC_STAT_AREA]))


CROSSING = 2.0  # a blob this many times as tall as the zone's letters crosses it ...
CROSSING_WIDE = 0.15  # ... when it is this wide for its height or wider: curved, where a rule's remnant is straight


def _crossed(stats: np.ndarray) -> bool:
    """Whether ink far taller than the zone's letters crosses it (its blobs' `stats`, see _blobs), not straight: a
    stamp's ring, whose words are read into the value ("Coopérative de Chicoutimi RECU)" at 0.96), or a stroke
    of a pen. What is read there is never sure."""
    height, width = stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_WIDTH]
    letters = height[height >= MIN_GLYPH_HEIGHT]
    if not letters.size:
        return False
    return bool(np.any((height >= CROSSING * np.median(letters)) & (width >= CROSSING_WIDE * height)))


def _unlettered(words: list[tesseract.Word]) -> list[tesseract.Word]:
    return [w for w in words if not any(c.isalnum() for c in w.text)]


def _lettered(words: list[tesseract.Word]) -> list[tesseract.Word]:
    """Words with a letter or digit: border slivers are read as | _ [ and the like."""
    return [w for w in words if any(c.isalnum() for c in w.text)]


def _zone_text(ws: list[tesseract.Word], failure: str = "", unread: bool = False) -> ZoneText:
    if not ws:
        return ZoneText("", 0.0, 0, failure)
    # Lines in reading order: group by tesseract line id, order lines by their top.
    lines: dict[int, list[tesseract.Word]] = {}
    for w in ws:
        lines.setdefault(w.line, []).append(w)
    ordered = [sorted(ln, key=lambda w: w.left) for ln in sorted(lines.values(), key=lambda ln: min(w.top for w in ln))]
    words = [w for ln in ordered for w in ln]
    text = " ".join(w.text for w in words)
    confidence = min(w.conf for w in ws)
    return ZoneText(text, min(confidence, UNREAD_CONF) if unread else confidence, len(ws), variants=_variants(words),
                    unread=unread)


MAX_VARIANTS = 24


def _variants(words: list[tesseract.Word]) -> tuple[str, ...]:
    """The zone's text with one character replaced by one of its other candidates: every first candidate (in
    reading order), then every second, and so on."""
    out: list[tuple[int, int, str]] = []
    for n, w in enumerate(words):
        for index, others in w.choices:
            for rank, other in enumerate(others):
                changed = w.text[:index] + other + w.text[index + 1:]
                out.append((rank, len(out), " ".join(changed if m == n else x.text for m, x in enumerate(words))))
    return tuple(text for *_, text in sorted(out))[:MAX_VARIANTS]


def page_words(page, *, lang: str = "fra+eng") -> list[dict]:
    """The words of one page as the pipeline sees it (deskewed raster, or the PDF text layer)."""
    from ..inputs.load import TextPage
    from ..inputs.preprocess import deskew

    if isinstance(page, TextPage):
        return [{"page": page.number, "box": [round(w.x0, 1), round(w.top, 1), round(w.x1, 1), round(w.bottom, 1)],
                 "text": w.text, "confidence": 1.0, "units": "pt"} for w in page.words]
    upright, _ = deskew(page.image)
    words = tesseract.image_to_words(upright, lang=lang, psm=3, dpi=int(page.dpi))
    return [{"page": page.number, "box": [w.left, w.top, w.left + w.width, w.top + w.height], "text": w.text,
             "confidence": round(w.conf, 3), "units": "px", "line": w.line} for w in words]
