"""Extract field readings from a page already placed in template coordinates.

Raster pages: checkboxes by fill ratio inside the box (against the blank template's own ink there), text zones by
OCR of crops taken inside the box borders, one Tesseract call per OCR setting. Text-layer pages: the words whose
centre falls in the zone, confidence 1.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from ..inputs.load import PdfWord
from ..schemas.fields import decimal_mark_lost, normalize, without_accents, written_dates
from ..schemas.schema import FieldSpec, LoadedSchema
from . import hand, lexicon, tesseract
from .ocr import (
    MIN_GLYPH_HEIGHT,
    UNREAD_CONF,
    Reader,
    ZoneJob,
    clean_crop,
    enlarged,
    faint_print,
    glyph_sized,
    has_ink,
    mark_heights,
    print_run,
    read_zone_sets,
    read_zones,
    remove_rules,
    small_print,
    whitened,
    without_stray_marks,
)
from .templates import WORK_DPI, TemplatePage

TEXT_INSET_PX = 7
DROPOUT_LEVEL = 170  # template pixels darker than this are the form's own print
DROPOUT_GROW = 2  # ... grown by this many of the scan's pixels, to absorb residual misalignment and the blur of
# upscaling a low-resolution scan to WORK_DPI: 2 px at 300 dpi, 3 at 200, 4 at 150 (one more at 300 dpi costs values
# typed over the print more strokes than it saves)
INPAINT_RADIUS = 4  # px around each painted pixel it is painted from (3: 0.3-0.6 points less on the real forms)
CHECK_INSET = 0.22  # fraction of the box side kept clear of its outline
# Extra ink inside a box (beyond the blank form's own) measured on 198 sample boxes and the W-9's: empty boxes
# 0.00-0.01 even on noisy and fax scans, crosses 0.30 and more, the W-9's small check glyph 0.14-0.155.
CHECK_THRESHOLD = 0.06  # extra ink ratio inside the box that means "ticked"
CHECK_MARGIN = 0.05  # distance from the threshold that gives full confidence
# A small typed "x" (a typewriter's, a font's at 5 pt) fills too little of the box for that, and a JPEG's blur or the
# median filter thins it further: 0.00-0.06 on real forms' boxes. It is a mark all the same: one blob of ink darker
# than the box's paper by MARK_CONTRAST, as long as MARK_SHARE of the box's inner side or more (the typed x 0.43-0.79,
# the 738 empty boxes of the same scans, stamps, bleed-through and faxes included: no such blob at all).
MARK_CONTRAST = 70
MARK_SHARE = 0.3
MARK_MARGIN = 0.3  # how far past MARK_SHARE a mark is sure
RADIO_SHARE = 0.5  # in a radio group, an option is ticked only with this share of the most-inked option's ink


@dataclass(frozen=True)
class Reading:
    text: str
    confidence: float
    problem: str = ""  # why no value could be had from the text (label not found, regex did not match...)
    failed: bool = False  # the problem is a tool's failure on this zone (a crash, a time-out), not the page's
    candidate: str = ""  # a text that validates where this one does not, one doubtful character read otherwise
    partial: bool = False  # letter-sized ink of the zone was left unread (a word Tesseract dropped, a stamp)


def zone_px(zone: tuple[float, float, float, float], tpl: TemplatePage) -> tuple[int, int, int, int]:
    """A zone in template units as a pixel box of the template page at WORK_DPI."""
    k = tpl.px_per_unit
    x0, y0, x1, y1 = zone
    return round(x0 * k), round(y0 * k), round(x1 * k), round(y1 * k)


def _crop(img: np.ndarray, box: tuple[int, int, int, int], inset: int) -> np.ndarray:
    x0, y0, x1, y1 = box
    h, w = img.shape
    x0, y0 = max(0, x0 + inset), max(0, y0 + inset)
    x1, y1 = min(w, x1 - inset), min(h, y1 - inset)
    if x1 <= x0 or y1 <= y0:
        return np.full((4, 4), 255, np.uint8)
    return img[y0:y1, x0:x1]


def _field_box(img: np.ndarray, tpl: TemplatePage, spec: FieldSpec) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = zone_px(spec.zone, tpl)
    if spec.ocr.pad is None:
        x0, y0, x1, y1 = x0 + TEXT_INSET_PX, y0 + TEXT_INSET_PX, x1 - TEXT_INSET_PX, y1 - TEXT_INSET_PX
    else:
        py = round(spec.ocr.pad * tpl.px_per_unit)
        px = round(py / 3)
        x0, y0, x1, y1 = x0 - px, y0 - py, x1 + px, y1 + py
    h, w = img.shape
    return max(0, x0), max(0, y0), min(w, x1), min(h, y1)


def dropout_grow(scan_dpi: float) -> int:
    return max(DROPOUT_GROW, round(DROPOUT_GROW * WORK_DPI / scan_dpi))


def _field_crop(img: np.ndarray, tpl: TemplatePage, spec: FieldSpec, grow: int = DROPOUT_GROW) -> np.ndarray:
    """The field's crop with the blank form's own print dropped out: labels, box borders and comb ticks that the
    template has at this place are painted over with what surrounds them (the page is aligned to the template),
    leaving what was written."""
    x0, y0, x1, y1 = _field_box(img, tpl, spec)
    if x1 <= x0 or y1 <= y0:
        return np.full((4, 4), 255, np.uint8)
    crop = img[y0:y1, x0:x1]
    printed = (tpl.image[y0:y1, x0:x1] < DROPOUT_LEVEL).astype(np.uint8)
    if not printed.any():
        return crop.copy()
    # Baselines and underlines stay: letters stand on them, and rule removal erases them more gently. A rule drawn
    # with one-pixel breaks (CERFA 13753's top row) is a rule too: dropped out as print, it took the scan's rule
    # with it as a "ghost", and the foot of a letter standing on it ("Bonnet" read "Bonne").
    whole = printed.copy()
    whole[:, 1:-1] |= printed[:, :-2] & printed[:, 2:]
    rules = cv2.morphologyEx(whole, cv2.MORPH_OPEN,
                             cv2.getStructuringElement(cv2.MORPH_RECT, (max(15, printed.shape[1] // 4), 1)))
    printed = cv2.dilate(printed & ~rules & 1, np.ones((grow, grow), np.uint8))
    # A value typed over the form's print (CERFA 13969 puts multi-line fields over "Titre de l'association :")
    # crosses it: whitening the print cuts the value's strokes ("Dupont" read "Dupotit"). Inpainting fills the
    # print's pixels from around them instead: a stroke that enters is carried across, paper stays paper.
    out = cv2.inpaint(crop, printed, INPAINT_RADIUS, cv2.INPAINT_TELEA)
    # "just around": as far again as the print was grown, and a pixel more (3 px at 300 dpi, 4 at 200)
    return _without_print_ghosts(out, cv2.dilate(printed, np.ones((2 * grow + 3,) * 2, np.uint8)))


GHOST_SHARE = 0.9  # a blob with this share of its ink on or just around the dropped-out print is what is left of it


def _without_print_ghosts(crop: np.ndarray, near_print: np.ndarray) -> np.ndarray:
    """A label printed inside the field ("OBJET :") and blurred by a 200-dpi scan leaves a gray halo around what
    was dropped out; binarized, its pieces were read as a word before the value ("JET Dijon Brest"). Blobs of ink
    lying all but entirely on the label's place go; a value's letters there lie mostly beside its strokes."""
    # binarized more widely than the reading will be: once the rules are erased, paler gray counts as ink
    t, _ = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    ink = (crop < (t + np.median(crop)) / 2).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if n <= 1:
        return crop
    share = np.bincount(labels[near_print > 0], minlength=n) / stats[:, cv2.CC_STAT_AREA]
    # a value typed over the label (a viewer that ignores the form's indent) has letters that lie partly on it
    straddling = (share[1:] >= 1 - GHOST_SHARE) & (share[1:] < GHOST_SHARE) \
        & (stats[1:, cv2.CC_STAT_HEIGHT] >= MIN_GLYPH_HEIGHT)
    if straddling.any():
        return crop
    ghosts = np.flatnonzero(share >= GHOST_SHARE)
    ghosts = ghosts[ghosts != 0]
    if not ghosts.size:
        return crop
    out = crop.copy()
    out[cv2.dilate(np.isin(labels, ghosts).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0] = 255
    return out


COMB_GAP = 0.2  # of a box's width: the space left between characters taken out of their boxes
COMB_BORDER_PX = 8  # at 300 dpi: what a fax leaves of a box's top or foot is up to this thick
COMB_MIDDLE = 0.25  # a character's centre lies this far (share of the box's width) or more from the box's sides


def comb_boxes(spec: FieldSpec, tpl: TemplatePage, crop_x0: int) -> list[tuple[int, int]]:
    """The inside of each of a comb field's boxes, as column ranges of its crop (which starts at `crop_x0` on the
    page), clear of the separators between boxes (short ticks that rule removal cannot see)."""
    n = spec.comb or 1
    x0, _, x1, _ = zone_px(spec.zone, tpl)
    return comb_insides(x0 - crop_x0, (x1 - x0) / n, n)


COMB_TICKS = 0.5  # of a comb's inner sides: the blank form prints at least this share of them, or no boxes
COMB_TICK = 0.15  # of the zone's height: the least a side (a tick) between two boxes rises
TICK_LEVEL = 230  # template pixels darker than this are print, light grey ticks included (CERFA 14411's)


def comb_printed(spec: FieldSpec, tpl: TemplatePage) -> bool:
    """Whether the blank form prints a comb field's boxes (their sides, or ticks between them). A form may set a
    field's characters a cell apart without drawing any cell (CERFA 14411's dates): a viewer types one character
    a cell, but a hand writes there as on a line, its characters across the cells' sides."""
    n = spec.comb or 1
    x0, y0, x1, y1 = zone_px(spec.zone, tpl)
    ink = tpl.image[max(0, y0):y1, max(0, x0):x1] < TICK_LEVEL
    if n < 2 or not ink.size:
        return True
    cell = (x1 - x0) / n
    sides = [ink[:, max(0, round(i * cell) - 3):round(i * cell) + 4].any(axis=1).sum() for i in range(1, n)]
    return sum(s >= COMB_TICK * ink.shape[0] for s in sides) >= COMB_TICKS * (n - 1)


def comb_insides(start: float, cell: float, n: int) -> list[tuple[int, int]]:
    """Column ranges inside `n` boxes `cell` pixels wide, the first starting at column `start`, each clear of the
    separators on its sides."""
    half = max(2, round(cell * 0.08))
    return [(max(0, round(start + i * cell) + half + 1), round(start + (i + 1) * cell) - half) for i in range(n)]


COMB_DASH = 0.12  # of a box's width: a flat piece at least this wide in the middle of a box is a dash typed there


def packed_comb(crop: np.ndarray, boxes: list[tuple[int, int]]) -> np.ndarray:
    """A comb field's characters taken out of their boxes and set side by side like a typed number, a small gap
    apart. Read spread out a box apart, Tesseract took the first "7" of CERFA 13969's file number for a "1" on
    clean 300-dpi renders, both readings alike, and read what a fax leaves of the boxes' sides as more digits."""
    return _packed(comb_characters(crop, boxes), boxes, crop)


def _packed(chars: list[np.ndarray], boxes: list[tuple[int, int]], crop: np.ndarray) -> np.ndarray:
    width = max((b - a for a, b in boxes), default=0)
    gap = np.full((crop.shape[0], max(4, round(width * COMB_GAP))), 255, np.uint8)
    parts = [gap]
    for c in chars:
        parts += [c, gap]
    return np.hstack(parts) if len(parts) > 1 else np.full_like(crop, 255)


def comb_characters(crop: np.ndarray, boxes: list[tuple[int, int]]) -> list[np.ndarray]:
    """The character of each box that holds one, left to right: its columns of the crop, the ink of anything else
    whitened. A box's character is the ink centred in it, in one piece or several (a noisy scan breaks strokes), as
    tall as a glyph, as wide as the box or nearly (CERFA 14411's digits fill theirs); pieces that reach the crop's
    top or bottom, reach over into the next boxes, or lie flat along a top or foot are what is left of the borders,
    and pieces off the box's middle are its sides."""
    return _comb(crop, boxes)[0]


LEFT_OVER = 0.15  # of a box's width: a glyph-tall piece this wide or wider is no side of a box
INKED_BOX = 0.05  # of a box's middle (its middle columns, the middle three fifths of its height): a box whose
# middle is this much ink holds something, even where no character could be cut out of it (CERFA 13753's year
# "7230" under a stamp, its 7 joined to the ring: read "230" at 0.99); an empty box's is none (0.00)


def _comb(crop: np.ndarray, boxes: list[tuple[int, int]]) -> tuple[list[np.ndarray], bool]:
    """comb_characters, and whether a piece of ink as tall as a glyph, wider than a box's side and centred in a
    box was left out of it: a character typed over the last box's side and the crop's edge ("73CN6ZD2W" read
    "73CN6ZD2", sure), which the field's reading cannot be sure of; or a box without a character holds ink in its
    middle (INKED_BOX). What a fax leaves of the sides between boxes lies between their middles."""
    _, labels, stats, _ = cv2.connectedComponentsWithStats(255 - clean_crop(crop), connectivity=8)
    h = crop.shape[0]
    x, y = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
    cw, ch = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    cx, cy = x + cw / 2, y + ch / 2
    width = max((b - a for a, b in boxes), default=0)
    border = (ch <= COMB_BORDER_PX) & (cw >= 2 * ch) & ((cy < 0.2 * h) | (cy > 0.8 * h))  # flat, by a top or foot
    within = (y > 0) & (y + ch < h) & ~border
    within[0] = False
    inner = within & (cw < 1.2 * width)
    chars = []
    taken = np.zeros(len(stats), bool)
    centred = np.zeros(len(stats), bool)
    inked_empty = False  # a box without a character whose middle holds ink
    for a, b in boxes:
        margin = COMB_MIDDLE * (b - a)
        middle = (cx >= a + margin) & (cx <= b - margin)
        centred |= middle
        pieces = np.flatnonzero(inner & middle)
        if pieces.size and (y[pieces] + ch[pieces]).max() - y[pieces].min() < MIN_GLYPH_HEIGHT:
            # no glyph; but a dash typed in its box, level with the characters' middle, is one ("CL-128-OI"
            # read "CL128OI")
            dash = (cw[pieces] >= 1.5 * ch[pieces]) & (cw[pieces] >= COMB_DASH * (b - a)) \
                & (cy[pieces] > 0.3 * h) & (cy[pieces] < 0.75 * h)
            pieces = pieces[dash]
        if not pieces.size:
            band = labels[int(0.2 * h):int(0.8 * h), int(a + margin):int(b - margin)]
            inked_empty |= band.size > 0 and np.count_nonzero(band) >= INKED_BOX * band.size
            continue
        left, right = max(a, int(x[pieces].min()) - 2), min(b, int((x[pieces] + cw[pieces]).max()) + 2)
        window = labels[:, left:right]
        others = cv2.dilate(((window > 0) & ~np.isin(window, pieces)).astype(np.uint8), np.ones((3, 3), np.uint8))
        chars.append(np.where(others > 0, 255, crop[:, left:right]).astype(np.uint8))
        taken[pieces] = True
    left_over = within & centred & ~taken & (ch >= MIN_GLYPH_HEIGHT) & (cw >= LEFT_OVER * width)
    return chars, bool(left_over.any() or inked_empty)


def _inside(img: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """The inside of a box, CHECK_INSET of its side clear of its outline."""
    side = min(box[2] - box[0], box[3] - box[1])
    return _crop(img, box, max(2, round(side * CHECK_INSET)))


def _free(tpl: TemplatePage, box: tuple[int, int, int, int]) -> np.ndarray | None:
    """Where, inside the box, the blank form prints nothing (its print grown by a few pixels against residual
    misalignment); None for a shaded box, less than a quarter of it free."""
    free = cv2.dilate((_inside(tpl.image, box) < DROPOUT_LEVEL).astype(np.uint8), np.ones((5, 5), np.uint8)) == 0
    return free if np.count_nonzero(free) >= free.size // 4 else None


def fill_ratio(img: np.ndarray, box: tuple[int, int, int, int]) -> float:
    crop = cv2.medianBlur(_inside(img, box), 3)
    return float(np.count_nonzero(crop < 140)) / max(1, crop.size)


def extra_ink(aligned: np.ndarray, tpl: TemplatePage, box: tuple[int, int, int, int]) -> float:
    """The share of the box's inside, where the blank form prints nothing, that holds ink on the page: a tick, a
    cross, a filled dot."""
    free = _free(tpl, box)
    if free is None:  # a shaded box: compare ink ratios instead
        return fill_ratio(aligned, box) - fill_ratio(tpl.image, box)
    ink = cv2.medianBlur(_inside(aligned, box), 3) < 140
    return float(np.count_nonzero(ink & free)) / float(np.count_nonzero(free))


def _mark_sides(aligned: np.ndarray, tpl: TemplatePage, box: tuple[int, int, int, int]) -> tuple[float, float]:
    """The longest and the shorter side of the largest blob of ink inside the box, where the blank form prints
    nothing, as shares of the box's inner side: ink is what is MARK_CONTRAST darker than the box's own paper (no
    median filter: it erases a thin mark). A cross or a tick is about as broad as it is long, a box's side shifted
    into it a thin stroke. 0 when there is none, and in a shaded box."""
    free = _free(tpl, box)
    if free is None:
        return 0.0, 0.0
    crop = _inside(aligned, box)
    ink = ((crop < float(np.median(crop[free])) - MARK_CONTRAST) & free).astype(np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if n <= 1:
        return 0.0, 0.0
    w, h = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
    largest = int(np.argmax(np.maximum(w, h)))
    side = min(crop.shape)
    return float(max(w[largest], h[largest])) / side, float(min(w[largest], h[largest])) / side


def _ticked(extra: float, level: float = CHECK_THRESHOLD) -> tuple[bool, float]:
    """Whether a box with this much extra ink is ticked at this level, and how sure that is."""
    return extra >= level, min(1.0, abs(extra - level) / CHECK_MARGIN)


def _marked(extra: float, mark: float) -> tuple[bool, float]:
    """A checkbox: ticked by its extra ink, or else by one mark large enough (see MARK_SHARE); how sure that is.
    An empty box with a blob over half as large as a mark is not sure (a speck of noise is smaller)."""
    ticked, confidence = _ticked(extra)
    if ticked:
        return True, confidence
    if mark >= MARK_SHARE:
        return True, min(1.0, (mark - MARK_SHARE) / MARK_MARGIN)
    return False, min(confidence, 2 * (MARK_SHARE - mark) / MARK_SHARE)


def read_checkbox(aligned: np.ndarray, tpl: TemplatePage, spec: FieldSpec) -> Reading:
    """A checkbox, or a radio group (text: the ticked options' values joined by |)."""
    if spec.type == "radio":
        boxes = [zone_px(o.zone, tpl) for o in spec.options or []]
        sides = [_mark_sides(aligned, tpl, b) for b in boxes]  # each box's largest mark, found once
        return _radio([o.value for o in spec.options or []], [extra_ink(aligned, tpl, b) for b in boxes],
                      [long for long, _ in sides], [short for _, short in sides])
    box = zone_px(spec.zone, tpl)
    extra = extra_ink(aligned, tpl, box)
    ticked, confidence = _marked(extra, _counted_mark(extra, *_mark_sides(aligned, tpl, box)))
    return Reading("X" if ticked else "", round(confidence, 3))


def _counted_mark(extra: float, long: float, short: float) -> float:
    """The mark a box is judged on, given its extra ink and its largest blob's sides (`_mark_sides`). A blob with no
    ink dark enough to count (0.00) that is a thin stroke (broad less than THIN_STROKE of its length) is a blank
    box's side that a fax, noise or an alignment a few pixels off shifted into it (0.05-0.08 of its box broad, 0.65-
    0.9 long): nothing. A mark is about as broad as it is long: a light scan's grey typed x (0.9 by 0.65 of its
    box), a JPEG's small typed x (0.43 by 0.29), neither with a pixel darker than a tick's level."""
    return long if extra > 0 or short >= THIN_STROKE * long else 0.0


THIN_STROKE = 0.25


def _radio(values: list[str], extras: list[float], marks: list[float], breadths: list[float] | None = None) -> Reading:
    """A radio group from each option's extra ink and largest mark (see extra_ink, _mark_sides): the ticked options'
    values joined by |. One option is ticked: beside a tick, a circle whose outline a fax thickened is no second
    tick (CERFA 13969's untouched circles read 0.03-0.06, the ticked one 0.28-0.31). Two real ticks stay two.
    With no option inked enough, each is read as a checkbox is (`_marked`, `_counted_mark`): a light scan's typed
    "x" inks 0.01 of its box, but it is one mark across 0.8 of it (CERFA 13753's options read empty, sure, and
    accepted); a grey x with no pixel darker than a tick's level is as broad as it is long (`breadths`: CNESST
    8504's options read empty, sure)."""
    level = max(CHECK_THRESHOLD, RADIO_SHARE * max(extras, default=0.0))
    read = [_ticked(e, level) for e in extras]
    if not any(ticked for ticked, _ in read):
        broad = breadths or [0.0] * len(marks)
        read = [_marked(e, _counted_mark(e, m, b)) for e, m, b in zip(extras, marks, broad)]
    text = "|".join(v for v, (ticked, _) in zip(values, read) if ticked)
    return Reading(text, round(min((c for _, c in read), default=1.0), 3))


DISAGREE_CONFIDENCE = 0.5  # two readings that disagree are never confident


def read_raster_fields(aligned: np.ndarray, tpl: TemplatePage, schema: LoadedSchema, page: int, *,
                       reader: Reader = tesseract.images_to_words, scan_dpi: float = WORK_DPI) -> dict[str, Reading]:
    """Checkboxes by fill ratio. Text zones are read twice, independently, from two renderings of the crop
    (binarized and cleaned; grayscale), both in one OCR call: a value is confident only when both readings
    agree. Fields that still do not read as valid and confident are read a third time with their character
    whitelist. `scan_dpi`: the resolution the page was scanned at, before it was aligned at WORK_DPI."""
    out: dict[str, Reading] = {}
    small: set[str] = set()
    unsure: set[str] = set()  # comb fields with ink left out of their boxes' characters
    binar: dict[str, ZoneJob] = {}
    gray: dict[str, ZoneJob] = {}
    chars: dict[str, list[np.ndarray]] = {}  # a comb field's characters, box by box
    lines: dict[str, np.ndarray] = {}  # comb fields whose boxes the form does not print, uncut (comb_printed)
    specs = {spec.name: spec for spec in schema.fields_on(page) if not spec.located}
    grow = dropout_grow(scan_dpi)
    for spec in specs.values():
        if spec.type in ("checkbox", "radio"):
            out[spec.name] = read_checkbox(aligned, tpl, spec)
            continue
        if spec.type == "signature":  # ink in the zone, once the form's own print is dropped out
            out[spec.name] = Reading("X" if has_ink(clean_crop(_field_crop(aligned, tpl, spec, grow))) else "", 1.0)
            continue
        raw = remove_rules(_field_crop(aligned, tpl, spec, grow))
        if spec.comb:
            # a dark scan's grey paper made white first: the sides erased white between the boxes, the characters
            # cut out and set on white would stand on grey patches, and their paper be taken for ink
            raw = whitened(raw)
            if not comb_printed(spec, tpl):  # a hand writes there as on a line: the hand reader reads it so
                lines[spec.name] = raw
            boxes = comb_boxes(spec, tpl, _field_box(aligned, tpl, spec)[0])
            chars[spec.name], left_over = _comb(raw, boxes)
            if left_over:
                unsure.add(spec.name)
            raw = _packed(chars[spec.name], boxes, raw)
        raw, crop = without_stray_marks(*enlarged(raw, clean_crop(raw)))
        heights = mark_heights(crop)
        if not glyph_sized(heights):
            if not small_print(heights) and not faint_print(raw) and not print_run(crop):
                out[spec.name] = Reading("", 1.0)
                continue
            small.add(spec.name)  # read it all the same; if nothing comes of it, it is not an empty field
        lang = spec.ocr.lang or zone_language(schema.spec.language, spec)
        binar[spec.name] = ZoneJob(spec.name, crop, lang, None, spec.ocr.mode == "block")
        gray[spec.name] = ZoneJob(spec.name, whitened(cv2.medianBlur(raw, 3)), lang, None, spec.ocr.mode == "block")
    if not binar:
        return out
    first, second = read_zone_sets([list(binar.values()), list(gray.values())], dpi=WORK_DPI, reader=reader)
    readings = {name: (_joined(specs[name], _reading(first[name])), _joined(specs[name], _reading(second[name])))
                for name in binar}
    retry = []
    for name in binar:
        spec = specs[name]
        failure = first[name].failure or second[name].failure
        if failure:  # the zone crashed or hung the OCR tool: empty, with the reason, for a person to read
            out[name] = Reading("", 0.0, f"{failure} reading field {name}", failed=True)
            continue
        out[name] = _vote(spec, schema, *readings[name])
        if spec.ocr.whitelist and not _good(spec, out[name], schema):
            retry.append(replace(binar[name], whitelist=spec.ocr.whitelist))
    if retry:
        # read with the field's whitelist, and the other candidates of each doubtful character
        for name, zt in read_zones(retry, dpi=WORK_DPI, reader=reader, choices=True).items():
            if zt.failure:
                continue
            spec = specs[name]
            third = _joined(spec, _reading(zt))
            agrees = [r for r in readings[name] if _same(spec, schema, r, third)]
            if agrees and _valid(spec, third, schema):
                out[name] = Reading(third.text, max([third.confidence] + [r.confidence for r in agrees]))
            elif _valid(spec, third, schema) and not _valid(spec, out[name], schema):
                out[name] = Reading(third.text, min(third.confidence, DISAGREE_CONFIDENCE))
            elif not _valid(spec, out[name], schema):
                out[name] = _with_candidate(spec, schema, out[name], zt.variants)
    written = [name for name in binar if not out[name].failed and specs[name].ocr.mode != "block"]
    by_hand = False
    if hand.available():
        icr = {name: _hand_read(specs[name], binar[name].image, chars.get(name), schema) for name in written}
        agrees = {name: _agreeing(specs[name], schema, readings[name], icr[name]) for name in written}
        values = [out[name] for name in written]
        by_hand = _handwritten(values, [bool(agrees[name]) for name in written])
        # a line (or a comb with no printed boxes) read whole by the line reader, where the page may be handwritten
        whole: dict[str, Reading | None] = {}
        if hand.line_model() is not None and (by_hand or _doubted(values) or any(specs[n].hand for n in written)):
            whole = {name: _line_read(specs[name], _cleaned(lines[name]) if name in lines else binar[name].image,
                                      schema) for name in written if name in lines or name not in chars}
        whole_agrees = {name: _agreeing(specs[name], schema, readings[name], r) for name, r in whole.items()}
        if not by_hand and whole:
            # a neat hand's glyphs agree with Tesseract as a dark typed scan's do; the line reader seldom agrees
            # with Tesseract on a hand's values either (HAND_LINE_AGREE)
            by_hand = _handwritten(values, [bool(whole_agrees.get(name)) for name in written], HAND_LINE_AGREE)
        for name in written:
            spec = specs[name]
            handwritten = by_hand if spec.hand is None else spec.hand
            if handwritten and whole.get(name) is not None:
                # on a page written by hand, the line reader's reading; not on a typed page, where its errors are
                # too like Tesseract's for its agreement to be worth a second reader's (used on every page:
                # unseen typed fills, seed 1, wrong fields in accepted records 0 -> 0.63 %)
                icr[name], agrees[name] = whole[name], whole_agrees[name]
            tess = _comma_typed(spec, out[name], readings[name], handwritten)
            out[name] = _with_hand(spec, schema, tess, icr[name], agrees[name], handwritten)
    else:
        for name in written:
            out[name] = _comma_typed(specs[name], out[name], readings[name], bool(specs[name].hand))
    typed: dict[str, Reading | None] = {}  # the typed-print reader's readings, each made once
    if hand.available(hand.TYPED_MODEL):
        for name in written:
            spec = specs[name]
            if by_hand if spec.hand is None else spec.hand:
                continue
            # read where the value is not good (it may settle it), or where it is an unsure code (`_code_doubted`)
            good = _good(spec, out[name], schema)
            if good and not _unsure_code(out[name]):
                continue
            typed[name] = _hand_read(spec, binar[name].image, chars.get(name), schema, hand.TYPED_MODEL)
            if not good:
                out[name] = _with_typed(spec, schema, out[name], typed[name], readings[name])
    for name in binar:
        out[name] = _marks_checked(specs[name], out[name], typed.get(name))
    for name in unsure:
        out[name] = replace(out[name], confidence=min(out[name].confidence, UNREAD_CONF))
    for name in small:
        if not out[name].text.strip() and not out[name].failed:
            out[name] = Reading("", 0.0, "the zone holds print too small to read")
    return out


def _doubtful(reading: Reading, **changes) -> Reading:
    """The reading (with `changes`) never surer than DISAGREE_CONFIDENCE: a person is to look at it."""
    return replace(reading, confidence=min(reading.confidence, DISAGREE_CONFIDENCE), **changes)


def _with_marks(reading: Reading) -> Reading:
    """A text read with the accents a scan smeared put back where the lexicon knows one spelling of its letters
    (`lexicon.marked`: "Nimes" read sure from a JPEG, "Nîmes"), and the g whose tail closed into a q
    (`lexicon.unconfused`: "Théberqe", "Saquenay"), and doubtful then: a name may be spelled without
    its accent ("Levesque"), and only a person can say so. Doubtful too, a text with a word whose accents the
    lexicon knows on none of its spellings (`lexicon.odd_marks`: "Gaètan" read at 0.95 from a fax)."""
    text = lexicon.marked(lexicon.unconfused(reading.text))
    if text == reading.text and not lexicon.odd_marks(text):
        return reading
    return _doubtful(reading, text=text)


STOP_BETWEEN_WORDS = re.compile(r"[^\W\d_]{2,}\.\s+[^\W\d_]")  # a period after a word, and another word


def _stop_doubted(reading: Reading) -> Reading:
    """A text with a period between two words (after a word, not an initial), doubtful: a comma is a period and
    the few pixels of its tail below the line, which a 240-dpi or faxed scan loses ("Chloé Dionne, Baie-Comeau"
    read "Chloé Dionne. Baie-Comeau" at 0.92, and accepted); a value seldom holds a period there."""
    if not STOP_BETWEEN_WORDS.search(reading.text):
        return reading
    return _doubtful(reading)


def _misread_doubted(reading: Reading) -> Reading:
    """A text with a word the lexicon does not know that is a common one but for a letter Tesseract reads for
    another (`lexicon.misread`: "1953, boulevard de l'Égiise" read at 0.93 from a fax, and accepted), doubtful:
    both renderings blur the l alike, and agree. A rare name may be so too ("Ruello", near "ruelle"): a person
    says which, and the text stays as read."""
    if lexicon.misread(reading.text) is None:
        return reading
    return _doubtful(reading)


def _marks_checked(spec: FieldSpec, reading: Reading, typed: Reading | None = None) -> Reading:
    """A reading's marks checked: a text's accents, periods and letters (`_with_marks`, `_stop_doubted`,
    `_misread_doubted`), a code's glyphs (`_code_doubted`, with the typed-print reader's reading of it), and an
    amount's cents read a space apart (`fields.decimal_mark_lost`: "6183 04" read at 0.96 under a stamp, once taken
    for 618304), their decimal mark put back by normalization and the value doubtful: only a person can say it was
    one."""
    if spec.type == "text":
        text = reading if spec.comb else _misread_doubted(_stop_doubted(_with_marks(reading)))
        return _code_doubted(_case_doubted(text), typed)
    if spec.type in ("decimal", "money") and decimal_mark_lost(reading.text):
        return _doubtful(reading)
    return reading


SAME_SHAPE = set("cosuvwxz")  # small letters drawn as their capitals are, smaller: Tesseract tells them by size


def _case_doubted(reading: Reading) -> Reading:
    """A value that begins with a small letter drawn as its capital is ("côté"), doubtful: Tesseract tells the two
    by their size against the line's other letters, and a word of accented and tall letters gives it none to
    measure by: the 1040 typed onto its page, JPEG at quality 40, "Côté" read "côté" at 0.91-0.95 four times. A
    comb's characters, each in its box, give none either: the W-9's two boxes "Z0" read "zo" at 0.82 (and
    accepted) in the montage of a dark scan's zones."""
    if reading.text[:1] in SAME_SHAPE:
        return _doubtful(reading)
    return reading


CODE = re.compile(r"[A-Z0-9]{2,}(?:-[A-Z0-9]+)*")  # capitals and digits, in groups a hyphen apart
CONFUSABLE = set("O0I1S5B8Z2G6")  # glyphs of pairs Tesseract reads one for the other where no word tells them apart
# A code is sure from this confidence. Unseen fills, seed 1, codes with a letter and a glyph of CONFUSABLE: read
# at 0.95 or more, 204 right and none wrong; at 0.90-0.95, 31 right and 6 wrong ("DOE5XPRTK" for "D0E5XPRTK");
# at 0.75-0.90, 16 and 17. Tesseract's confidence is the same for a word, which a lexicon stands behind.
CODE_SURE = 0.95
# ... or where the typed-print reader (`hand.TYPED_MODEL`, glyph by glyph) reads it the same, this sure. Seed 1's
# 119 such codes read under CODE_SURE: the typed reader read 56 of them above 0.5; where it agreed, 39 of 39 were
# right; where it read otherwise, its reading was right 16 times of 17 (Tesseract's, once).
TYPED_CODE = 0.5


def _unsure_code(reading: Reading) -> bool:
    """Whether a reading is a code of capitals and digits holding a glyph Tesseract confuses (O and 0, I and 1,
    S and 5...), read under CODE_SURE: no word tells its O from a 0. Words in capitals the lexicon knows
    ("TREMBLAY") are no code."""
    text = reading.text
    return bool(reading.confidence < CODE_SURE and CODE.fullmatch(text) and len(text.replace("-", "")) >= 4
                and set(text) & CONFUSABLE and re.search(r"[A-Z]", text)
                and (re.search(r"\d", text) or not all(lexicon.known(w.lower()) for w in text.split("-"))))


def _code_doubted(reading: Reading, typed: Reading | None = None) -> Reading:
    """An unsure code (`_unsure_code`: "PVVBRY0HS" read "PVVBRYOHS" at 0.91, and accepted) as sure as read where
    the typed-print reader, which owes Tesseract nothing and looks at each glyph's shape alone, reads it the same at
    TYPED_CODE or more; its reading, doubtful, where it reads it otherwise so surely, as a code too (not "Z805WT6c2"
    for "Z805WT6C2"); else doubtful."""
    if not _unsure_code(reading):
        return reading
    if typed is not None and typed.confidence >= TYPED_CODE and CODE.fullmatch(typed.text):
        return reading if typed.text == reading.text else Reading(typed.text, DISAGREE_CONFIDENCE)
    return _doubtful(reading)


HAND_DOUBT = 0.9  # a hand-print reading this sure that disagrees with Tesseract's makes the field doubtful
HAND_SURE = 0.9  # Tesseract's reading this sure is not replaced by the hand-print reading
# Where they disagree on a page written by hand, the hand reading wins down to this much below Tesseract's
# confidence. Read glyph by glyph, it won down to 0.2 below (its readings at 0.3-0.5 were right one time in two,
# Tesseract's at 0.5 one time in five); read whole by the line reader, the surer reader is right more often:
# tuning hands (bench/handprint.py --fonts tuning), the readings of 2,606 text fields, 44.4 % right with 0.2, 45.2 %
# with 0.
HAND_MARGIN = 0.0
HAND_PAGE = 0.5  # a page whose values Tesseract is sure of fewer than this share of ...
# ... and the glyph reader agrees with it on fewer than this share of, is written by hand
HAND_AGREE = 0.2
HAND_LINE_AGREE = 0.55  # ... or the line reader on fewer than this share of


DATE_CHARACTERS = "0123456789/-. "  # what a date is written with, in a form's boxes or on its line
# what a comb's boxes are written with: capitals, as forms ask ("en majuscules"), digits and marks
COMB_CHARACTERS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZÀÂÇÈÉÊËÎÏÔÙÛÜ-'.,/()&@: "


def hand_characters(spec: FieldSpec, typed: bool = False) -> str | None:
    """The characters a hand reader may read in a field: its whitelist; a date's digits and separators; in a comb
    written by hand, no small letter. Read with every character, a hand's "09081958" in a date's boxes came out
    "O9OF195F", and a code's capitals whose small letters look the same came out small ("Kz-4UW-22"). The typed
    print reader (`typed`) reads a comb's small letters as a computer types them."""
    if spec.ocr.whitelist:
        return spec.ocr.whitelist
    if spec.type == "date":
        return DATE_CHARACTERS
    return COMB_CHARACTERS if spec.comb and not typed else None


def _hand_read(spec: FieldSpec, crop: np.ndarray, chars: list[np.ndarray] | None,
               schema: LoadedSchema | None = None, path: Path = hand.MODEL) -> Reading | None:
    """The field read as hand print, a character at a time (`hand`): a comb field box by box, a line glyph by
    glyph; None with no ink or no model. A reading that does not validate (a SIRET's check digit, a date) is
    taken with one of its least sure characters read its second likeliest way, if that validates."""
    allowed = hand_characters(spec, typed=path != hand.MODEL)
    if chars is not None:
        if not chars:
            return None
        # one level for all the boxes: a box's own would take the faint rest of its sides for ink
        smooth = [cv2.medianBlur(c, 3) for c in chars]
        level, _ = cv2.threshold(np.hstack(smooth), 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
        read = hand.read_boxes([c < level for c in smooth], allowed, path)
    else:
        read = hand.read_line(crop == 0, allowed, path)
    return _validated(spec, read, schema)


def _line_read(spec: FieldSpec, crop: np.ndarray, schema: LoadedSchema | None = None) -> Reading | None:
    """The field read whole as a line of hand print by the line reader (`hand.line_steps`), with no cut into
    glyphs; a text field's words no lexicon knows read as known words the line reader finds nearly as likely,
    never sure then (`hand.with_known_words`). None with no ink or no line reader."""
    steps = hand.line_steps(crop == 0, hand_characters(spec))
    if steps is None:
        return None
    read = steps.best()
    if spec.type == "text":
        known = hand.with_known_words(steps, read.text)  # "SAWTE" read "SAINTE"
        if known != read.text:
            return Reading(known, min(round(read.confidence, 3), DISAGREE_CONFIDENCE))
    if spec.type == "date" and schema is not None and not _valid(spec, Reading(read.text, 0.0), schema):
        date = _likeliest_date(steps, read.text, spec.date_order or schema.spec.date_order)  # "3110511952"
        if date is not None:
            return Reading(date, min(round(read.confidence, 3), DISAGREE_CONFIDENCE))
    return _validated(spec, read, schema)


DATE_EDITS = 3  # a date read that does not validate is read as a date this many edits from it, or none


def _likeliest_date(steps: hand.Steps, text: str, order: str) -> str | None:
    """Of the dates written within DATE_EDITS edits of a date read that does not validate (`written_dates`: a date
    of no form's year does not either), the one the line reader finds likeliest: a hand's slash is read as a one
    ("3110511952" for "31/05/1952"), a digit lost or read as another ("28/08/1178"). None where no date is so
    near."""
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    read = "".join(text.split())
    near = process.extract(read, written_dates(order), scorer=Levenshtein.distance, score_cutoff=DATE_EDITS,
                           limit=None)
    if not near:
        return None
    dates = [d for d, _, _ in near]
    ll = steps.log_likelihoods(dates)
    return dates[int(ll.argmax())] if np.isfinite(ll.max()) else None


def _cleaned(raw: np.ndarray) -> np.ndarray:
    """A crop binarized, its specks and stray marks dropped, as a zone is read (see read_raster_fields)."""
    return without_stray_marks(raw, clean_crop(raw))[1]


def _validated(spec: FieldSpec, read: hand.Read | None, schema: LoadedSchema | None) -> Reading | None:
    """A hand reading; one that does not validate (a SIRET's check digit, a date) taken with one of its least sure
    characters read its second likeliest way, if that validates."""
    if read is None:
        return None
    first = _joined(spec, Reading(read.text, round(read.confidence, 3)))
    if schema is None or _valid(spec, first, schema):
        return first
    for text in read.variants():
        variant = _joined(spec, Reading(text, min(first.confidence, DISAGREE_CONFIDENCE)))
        if _valid(spec, variant, schema):
            return variant
    return first


TYPED_SURE = 0.9  # the typed-print reader's reading this sure ...


def _with_typed(spec: FieldSpec, schema: LoadedSchema, tess: Reading, typed: Reading | None,
                both: tuple[Reading, Reading]) -> Reading:
    """A doubtful value of a typed page weighed against the typed-print reader's (`hand.TYPED_MODEL`: the hand
    reader's glyph-by-glyph reading, trained on typefaces), a reader that owes Tesseract nothing: where it is sure
    (TYPED_SURE) and agrees with one of Tesseract's two readings (`both`), that value, as sure as the surer."""
    if typed is None or not typed.text or typed.confidence < TYPED_SURE:
        return tess
    agrees = [r for r in (tess, *both) if _same(spec, schema, r, typed)]
    return Reading(agrees[0].text, max(typed.confidence, agrees[0].confidence)) if agrees else tess


def _handwritten(readings: list[Reading], agreed: list[bool], most: float = HAND_AGREE) -> bool:
    """Whether a page's values look written by hand: Tesseract, trained on print, is sure of fewer than HAND_PAGE
    of them, and a hand reader agrees with it on fewer than `most` of them (HAND_AGREE for the glyph reader,
    HAND_LINE_AGREE for the line reader). A dark typed scan leaves Tesseract as
    unsure as hand print does (sure of 0-63 % of the values on the tuning scans), but there the two readers
    agreed on 26-80 % of them; on the tuning hands' pages Tesseract was unsure of, 0-19 %."""
    read = [a for r, a in zip(readings, agreed) if r.text.strip()]
    return _doubted(readings) and sum(read) < most * len(read)


def _doubted(readings: list[Reading]) -> bool:
    """Whether Tesseract is sure of fewer than HAND_PAGE of a page's values (those read)."""
    read = [r for r in readings if r.text.strip()]
    return bool(read) and sum(r.confidence >= HAND_SURE for r in read) < HAND_PAGE * len(read)


def _agreeing(spec: FieldSpec, schema: LoadedSchema, both: tuple[Reading, Reading],
              icr: Reading | None) -> list[Reading]:
    """Which of Tesseract's two readings of a field the hand-print reading agrees with."""
    return [] if icr is None or not icr.text else [r for r in both if _same(spec, schema, r, icr)]


def _with_hand(spec: FieldSpec, schema: LoadedSchema, tess: Reading, icr: Reading | None, agrees: list[Reading],
               by_hand: bool = True) -> Reading:
    """Tesseract's reading weighed against the hand-print reading, two readers that owe each other nothing: where
    the hand reading agrees with either of Tesseract's readings (`agrees`, from `_agreeing`), that value, as sure
    as the surer of the two; where it disagrees and is itself sure, Tesseract's, never confident; not on a typed
    page where the hand reading is no value of the field's kind (the typed date "1985-11-08" read "1985-1 1-08",
    its two ones set apart as a typeface sets them, is no date: the hand reader misread it). On a page written
    by hand (`by_hand`), where it disagrees and is surer than a doubtful Tesseract reading (HAND_MARGIN),
    the hand reading, never confident either; on a typed page, Tesseract's text is never replaced."""
    if icr is None or not icr.text:
        return tess
    if agrees:
        return Reading(agrees[0].text, max([icr.confidence] + [r.confidence for r in agrees]))
    if by_hand and tess.confidence < HAND_SURE and icr.confidence >= tess.confidence - HAND_MARGIN \
            and _valid(spec, icr, schema):
        return Reading(icr.text, min(icr.confidence, DISAGREE_CONFIDENCE))
    if icr.confidence >= HAND_DOUBT and (by_hand or _valid(spec, icr, schema)):
        return _doubtful(tess)
    return tess


def zone_language(languages: str, spec: FieldSpec | None = None) -> str:
    """The language a zone is read in. Given several ("fra+eng"), Tesseract reads each word first in the language
    that read the word before, trying the others only when that reading is poor; in a montage of zones, after a
    number or a code read best in English, the English model went on reading "Émond" as "Emond" and "Besançon" as
    "Besancon", confident. The French model reads English words too and keeps the accents: where French is one of
    the languages, zones of words (text fields) are read in French alone. Codes, numbers and dates hold no accent,
    and the French model alone read a postal code's "9" as an "O": they keep the schema's languages."""
    words = spec is None or (spec.type == "text" and not spec.comb)
    return "fra" if words and "fra" in languages.split("+") else languages


def _with_candidate(spec: FieldSpec, schema: LoadedSchema, reading: Reading, variants: tuple[str, ...]) -> Reading:
    """A value that does not validate, with the first variant of its whitelisted reading that does (a date's "3l"
    whose "l" was nearly read "1"): proposed to the reviewer, never taken. The field stays doubtful."""
    for text in variants:
        variant = _joined(spec, Reading(text, 0.0))
        if variant.text and _valid(spec, variant, schema):
            return _doubtful(reading, candidate=variant.text)
    return reading


def _reading(zt) -> Reading:
    return Reading(zt.text, round(zt.confidence, 3), partial=zt.unread)


def _joined(spec: FieldSpec, r: Reading) -> Reading:
    """A comb field holds one character per box: the gaps between boxes are not spaces, and a dot or dash
    before the first box or after the last is what is left of the boxes' border."""
    return replace(r, text="".join(r.text.split()).strip(".,;:'_-")) if spec.comb else r


def _value(spec: FieldSpec, schema: LoadedSchema, r: Reading):
    n = normalize(spec, r.text, date_order=schema.spec.date_order)
    return None if n.errors else n.value


def _same(spec: FieldSpec, schema: LoadedSchema, a: Reading, b: Reading) -> bool:
    va, vb = _value(spec, schema, a), _value(spec, schema, b)
    return va is not None and va == vb


SURE_READING = 0.95  # of two renderings' readings that disagree, one read this sure ...
UNSURE_READING = 0.8  # ... while the other is read less sure than this is taken, as sure as it was


def _vote(spec: FieldSpec, schema: LoadedSchema, a: Reading, b: Reading) -> Reading:
    if _same(spec, schema, a, b):
        return Reading(a.text, max(a.confidence, b.confidence))
    sure = _surer(spec, schema, a, b)
    if sure is not None:
        return sure
    # the likelier of two readings that disagree: a valid one; one that read all the zone's ink ("Ève Théberge",
    # where the other rendering's reading dropped "Ève", read "ve" at 0.30 and taken for a speck); of two a few
    # letters apart, the one that reads as words; the surer
    valid = [r for r in (a, b) if _value(spec, schema, r) is not None]
    pool = valid or [a, b]
    best = max(pool, key=lambda r: (not r.partial, r.confidence))
    if len(pool) == 2 and a.partial == b.partial:
        best = _as_words(a, b) or best
        if _words_settled(best, b if best is a else a):
            return Reading(best.text, best.confidence)
        for x, y in ((a, b), (b, a)):
            if _marks_settled(x, y) or _joiners_settled(x, y):
                return Reading(x.text, x.confidence)  # the rest as sure as its own rendering read it
    return Reading(best.text, min(best.confidence, DISAGREE_CONFIDENCE))


def _marks_settled(a: Reading, b: Reading) -> bool:
    """Whether `a` reads `b`'s letters and all else as `b` does, with every mark of `b` and more, and writes each
    word it marks otherwise as French's commonest spelling of its letters (`lexicon.commonest`): "Nîmes" over
    "Nimes", "Équipement" over "Equipement", "Gaëtan" over "Gaetan". A rendering loses a mark (a capital's accent
    clipped, dots blurred into their letter) far more often than it makes one up, and a mark made up seldom makes
    French's usual spelling. A mark a rendering may make of its own (MADE_UP_MARKS: Tesseract's acute or grave on a
    small e, an i's dot blurred into a circumflex) settles only a word the other rendering reads as no known word
    ("Désilets" over "Desilets"; not "Lévesque" over "Levesque", nor "Benoît" over "Benoit": names written both
    ways)."""
    if not _marks_added(a.text, b.text):
        return False
    for x, y in zip(LETTER_RUNS.findall(a.text), LETTER_RUNS.findall(b.text)):
        if x == y:
            continue
        if len(x) < 3 or lexicon.commonest(x, keep=False) != x.lower():
            return False
        if MADE_UP_MARKS & _marks_added(x, y) and lexicon.known(y):
            return False
    return True


QUOTES = str.maketrans("‘’`", "'''")  # what a scan makes of a straight apostrophe


def _joiners_settled(a: Reading, b: Reading) -> bool:
    """Whether `a` is `b` with the hyphens and apostrophes that join words which `b` read as a space ("Sept-Îles"
    over "Sept Îles", "Trois-Rivières"), lost between two letters ("O'Neill" over "ONeill") or read as a curly
    quote: a joiner is a short thin stroke a blur or a threshold thins away, and a rendering seldom makes one up
    where the page has a space."""
    ta, tb = a.text, b.text.translate(QUOTES)
    if ta == b.text:
        return False
    ops = [op for op in difflib.SequenceMatcher(None, tb, ta, autojunk=False).get_opcodes() if op[0] != "equal"]
    for tag, i1, i2, j1, j2 in ops:
        inner = 0 < j1 and j2 < len(ta) and ta[j1 - 1].isalnum() and ta[j2].isalnum()
        if not inner or not ((tag == "replace" and tb[i1:i2] == " " and ta[j1:j2] == "-")
                             or (tag == "insert" and ta[j1:j2] in ("-", "'"))):
            return False
    return True


WORD_GAP = re.compile(r"([,.;:]?\s+)")  # what parts two words: a space, after a comma, a period, a semicolon...


def _comma_typed(spec: FieldSpec, voted: Reading, both: tuple[Reading, Reading], handwritten: bool) -> Reading:
    """A typed text's value voted from its two renderings' readings, or the one of them that reads a comma where
    the other does not (`_comma_kept`). Not where the field is `handwritten`, where Tesseract's two readings
    agreeing is no proof: there it made "8368, RUE SANT-ETIENNE" sure at 0.87 over the hand reader's right
    reading."""
    comma = _comma_kept(*both) if spec.type == "text" and not handwritten else None
    return comma if comma is not None and voted.text in {r.text for r in both} else voted


def _comma_kept(a: Reading, b: Reading) -> Reading | None:
    """Of two renderings' readings alike but for what parts their words, the one that reads a comma where the other
    reads a period, a semicolon, a colon or a space alone, as sure as the surer of the two; None where they differ
    otherwise. A comma is a period and a tail a few pixels long, which a scan blurs or thins ("Zoé Lévesque
    Baie-Comeau" binarized at 0.70, "Zoé Lévesque, Baie-Comeau" in grayscale at 0.91; "Benoît Dionne; Québec"): a
    value seldom holds a period, a semicolon or a colon between two words (`_stop_doubted`), and a rendering that
    shows a comma's tail did not make it up."""
    pa, pb = WORD_GAP.split(a.text), WORD_GAP.split(b.text)
    if len(pa) != len(pb) or pa[::2] != pb[::2]:
        return None
    apart = [(x.strip(), y.strip()) for x, y in zip(pa[1::2], pb[1::2]) if x.strip() != y.strip()]
    keep = (a if apart and all(x == "," for x, _ in apart) else b if apart and all(y == "," for _, y in apart)
            else None)
    return None if keep is None else Reading(keep.text, max(a.confidence, b.confidence))


def _words_settled(best: Reading, other: Reading) -> bool:
    """Whether two renderings' readings a few letters apart (CLOSE_READINGS) are settled by the lexicon: the one
    taken writes each word as the commonest spelling of its letters (`lexicon.spelled_commonly`) and the other a
    word French does not ("319, rue Sainte-Thérèse" over "319, ruc Sainte-Thérèse", "Maëlle Côté" over "Maelle
    Côté", "Forêt" over "Forét"): a letter read as another, or a mark a scan spoiled. They agree on all but
    letters (digits, spaces, hyphens, apostrophes, commas), of which no lexicon knows anything ("Sainte Anne des
    Monts" against "Sainte-Anne-des-Monts" stays doubtful), and on how many letters each word has: a letter lost
    or added may make another known word ("Dijon" and "Dion"; still, a real form's faxed "Dijon Lyon", its j lost,
    was settled "Dion Lyon" at 0.83, and held by another field's doubt). Where both
    spell known words ("Benoît" and "Benoit", "Gaëtan" and "Gaétan", "Éducation" and the English "Education"),
    both are names or words a form may hold, and a person says which. A word read with other marks over the same
    letters bears no mark of ADDED_MARKS the other lacks, which Tesseract writes on an e of its own ("Lévesque"
    against "Levesqve"), and lacks none but those ("Besançon" over "Bésançon"; "Eve" against "Ëve" stays
    doubtful). Each of its parts is a word or a number (SETTLED_PART), and it begins with no small letter: the
    lexicon knows nothing of a "$" both read in "443$", nor of a capital both lost, nor of the hyphens of a place's
    saint both lost (SAINT_APART: "Zoé Éthier, Sainte Anne des Monts", seed 102, was settled at 0.93). Then it is as
    sure as read."""
    from rapidfuzz.distance import Levenshtein

    if best.text == other.text or Levenshtein.normalized_similarity(best.text, other.text) < CLOSE_READINGS:
        return False
    if LETTER_RUNS.sub("", best.text) != LETTER_RUNS.sub("", other.text):
        return False
    if not lexicon.spelled_commonly(best.text) or not lexicon.unknown(other.text):
        return False
    if not all(SETTLED_PART.fullmatch(part) for part in best.text.split()) or best.text[:1].islower():
        return False  # "443$, avenue Cartier": the lexicon vouches for words; "île de Saint-Jérôme": for no case
    if SAINT_APART.search(best.text):
        return False  # French joins a saint's name to a place's or a street's: "Sainte Anne des Monts" lost them
    for x, y in zip(LETTER_RUNS.findall(best.text), LETTER_RUNS.findall(other.text)):
        lx, ly = _lettered(x), _lettered(y)
        if len(lx) != len(ly):
            return False  # a letter lost or added may make another known word: "Dijon" and "Dion"
        added, dropped = _marks_apart(lx, ly)
        if ADDED_MARKS & added or not dropped <= ADDED_MARKS:
            return False
    return True


LETTER_RUNS = re.compile(r"[^\W\d_]+")  # a text's words, their marks with them
SAINT_APART = re.compile(r"\bSainte? [A-ZÀ-Ý]")  # hyphens both renderings lost ("Sainte Anne des Monts", 0.93)
SETTLED_PART = re.compile(r"(?:[^\W\d_]+(?:[-'][^\W\d_]+)*|\d+)[,.]?")  # a word (hyphens, apostrophes) or a number


CLOSE_READINGS = 0.8  # two readings this alike (edit similarity) differ by a few letters, not by what they read


def _as_words(a: Reading, b: Reading) -> Reading | None:
    """Of two readings a few letters apart (CLOSE_READINGS), the one with fewer words the lexicon does not know:
    "Gagné" over "Gaqné", "boulevard" over "houlevard". Not the one with more words it knows: a reading that
    splits a word may make two it knows ("boules ard"). Before that, the one with no mark French does not write;
    after, where they are as known, the one with marks the other lost (`_marked_over`), or with an accented capital
    it dropped (`_with_capital`). None where neither is likelier.
    On the tuning seed (bench/unseen.py --seeds 1: 491 fields whose renderings disagreed), this and
    `lexicon.marked` mended 43 values and spoiled none."""
    from rapidfuzz.distance import Levenshtein

    if Levenshtein.normalized_similarity(a.text, b.text) < CLOSE_READINGS:
        return None  # one of them is not a reading of the same words: garbage may hold known words ("OR", "EL")
    fa, fb = lexicon.french(a.text), lexicon.french(b.text)
    if fa != fb:
        return a if fa else b  # a mark French does not write is noise: "Müller" for "Muller"
    ua, ub = lexicon.unknown(a.text), lexicon.unknown(b.text)
    if ua != ub:
        return a if ua < ub else b
    return _marked_over(a, b) or _marked_over(b, a) or _with_capital(a, b) or _with_capital(b, a)


ADDED_MARKS = {("e", "\u0301"), ("e", "\u0300")}  # an acute or a grave on a small e: the marks Tesseract's French
# model adds of its own ("Bésançon", "Fréchètte")
MADE_UP_MARKS = ADDED_MARKS | {("i", "\u0302")}  # and an i's dot a blur spreads into a roof


def _marked_over(a: Reading, b: Reading) -> Reading | None:
    """`a` where it reads `b`'s letters with every mark of `b` and more, none of them an acute or a grave on a small
    e: a mark is lost more often than made up (a capital's accent clipped, a diaeresis's dots blurred into the
    letter: "Éric" read "Eric", "Maëlle" "Maelle"), but Tesseract writes those on an e of its own (ADDED_MARKS)."""
    added = _marks_added(a.text, b.text)
    return a if added and not ADDED_MARKS & added else None


def _marks_added(a: str, b: str) -> set:
    """The marks (letter, mark) text `a` bears over text `b` where `a` reads `b`'s letters and all else as `b` does,
    with every mark of `b`; none (an empty set) where it does not."""
    la, lb = _lettered(a), _lettered(b)
    if len(la) != len(lb) or any(x[0] != y[0] for x, y in zip(la, lb)):
        return set()
    added, lost = _marks_apart(la, lb)
    return set() if lost else added


def _marks_apart(la: list[tuple[str, str]], lb: list[tuple[str, str]]) -> tuple[set, set]:
    """Of two texts' letters (`_lettered`), place by place where the letter is the same: the marks (letter, mark)
    the first bears and the second lacks, and those the second bears and the first lacks."""
    same = [(x, y) for x, y in zip(la, lb) if x[0] == y[0]]
    return ({(x[0], m) for x, y in same for m in x[1] if m not in y[1]},
            {(y[0], m) for x, y in same for m in y[1] if m not in x[1]})


def _with_capital(a: Reading, b: Reading) -> Reading | None:
    """`a` where it is `b` with a capital that bears a mark at the start of a word, which `b` dropped: Tesseract
    drops a capital whose accent it cannot place in one rendering and reads the rest ("Ève Gagné" read "ve
    Gagné", "Île-Perrot" "le-Perrot")."""
    for i, ch in enumerate(a.text):
        start = i == 0 or not a.text[i - 1].isalpha()
        marked = unicodedata.normalize("NFD", ch) != ch
        if start and ch.isupper() and marked and a.text[:i] + a.text[i + 1:] == b.text:
            return a
    return None


def _lettered(text: str) -> list[tuple[str, str]]:
    """Each letter of `text` with the marks set on it (Unicode's decomposition)."""
    out: list[tuple[str, str]] = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch) and out:
            out[-1] = (out[-1][0], out[-1][1] + ch)
        else:
            out.append((ch, ""))
    return out


def _surer(spec: FieldSpec, schema: LoadedSchema, a: Reading, b: Reading) -> Reading | None:
    """Of two readings that disagree, the one Tesseract is sure of (SURE_READING) where it is unsure of the other
    (UNSURE_READING): a stamp, a blur or grain spoils one rendering more than the other ("96" at 0.97 from the
    grayscale crop, "LL" at 0.64 from the binarized one); if it validates and read all the zone's ink. None when
    neither stands out, or when the two differ only in their accents: there Tesseract is sure of what it got
    wrong ("Education" at 0.96 for "Éducation"), and the accents are looked at in the image (accents.py). On the
    tuning seed (bench/unseen.py --seeds 1), 116 fields the renderings read apart were so, not by accents alone:
    the sure reading was right in every one."""
    sure, unsure = (a, b) if a.confidence >= b.confidence else (b, a)
    if sure.confidence < SURE_READING or unsure.confidence >= UNSURE_READING or sure.partial \
            or without_accents(sure.text) == without_accents(unsure.text) or _value(spec, schema, sure) is None:
        return None
    return sure


def _valid(spec: FieldSpec, reading: Reading, schema: LoadedSchema) -> bool:
    return not normalize(spec, reading.text, date_order=schema.spec.date_order).errors


def _good(spec: FieldSpec, reading: Reading, schema: LoadedSchema) -> bool:
    return reading.confidence >= spec.min_confidence and _valid(spec, reading, schema)


def read_text_fields(words: list[PdfWord], scale: tuple[float, float], schema: LoadedSchema, page: int) -> dict[str, Reading]:
    """Fields from a PDF text layer; `scale` maps PDF points to template units."""
    sx, sy = scale
    out: dict[str, Reading] = {}
    for spec in schema.fields_on(page):
        if spec.type in ("checkbox", "radio", "signature") or spec.located:
            continue
        assert spec.zone is not None
        x0, y0, x1, y1 = spec.zone
        inside = [w for w in words
                  if x0 <= (w.x0 + w.x1) / 2 * sx <= x1 and y0 <= (w.top + w.bottom) / 2 * sy <= y1]
        if any(w.filled for w in inside):  # a form field's value: the printed rules under it are not the value
            inside = [w for w in inside if w.filled]
        lines: dict[int, list[PdfWord]] = {}
        for w in sorted(inside, key=lambda w: (w.top, w.x0)):
            key = next((k for k in lines if abs(k - w.top) < 3), round(w.top))
            lines.setdefault(key, []).append(w)
        text = " ".join(" ".join(w.text for w in sorted(ln, key=lambda w: w.x0)) for _, ln in sorted(lines.items()))
        out[spec.name] = Reading(text, 1.0)
    return out
