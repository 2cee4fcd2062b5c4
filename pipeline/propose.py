"""Propose a schema from a blank form: what a person fills in, found on the page itself.

For forms that exist only on paper (a scan of the blank form) or as a flat PDF: no AcroForm to read. The page is
looked at as a form designer drew it:

- ruled cells (white areas closed by lines): an empty cell is a field; a cell with a label at its top is a field
  below the label; a small empty square is a checkbox; a row of small empty cells, or a box with ticks along its
  bottom, is a comb field with one character per cell;
- lines to write on (solid or dotted, not the edge of a cell): a field above the line, after the label that
  starts it.

Each field gets the printed label beside, above or below it (OCR, or the text layer of a born-digital PDF), a name
made from the label, and a type guessed from it. The template is the blank form itself, as a PDF: zones are in
PDF points from the top-left of the page, as in every schema.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from .schemas.acroform import (
    _country,
    guess_type,
    new_schema,
    slug,
    write_files,
)
from .schemas.fields import without_accents

PT = 72.0


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def w(self) -> float:
        return self.x1 - self.x0

    @property
    def h(self) -> float:
        return self.y1 - self.y0

    @property
    def area(self) -> float:
        return max(0.0, self.w) * max(0.0, self.h)

    def inter(self, o: "Box") -> float:
        return Box(max(self.x0, o.x0), max(self.y0, o.y0), min(self.x1, o.x1), min(self.y1, o.y1)).area \
            if min(self.x1, o.x1) > max(self.x0, o.x0) and min(self.y1, o.y1) > max(self.y0, o.y0) else 0.0

    def holds(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1


@dataclass(frozen=True)
class Word:
    text: str
    box: Box

    @property
    def cx(self) -> float:
        return (self.box.x0 + self.box.x1) / 2

    @property
    def cy(self) -> float:
        return (self.box.y0 + self.box.y1) / 2


@dataclass(frozen=True)
class Proposal:
    kind: str  # checkbox, comb, cell, below_label, right_of_label, line
    box: Box  # pixels of the page image
    comb: int | None = None
    label: str = ""
    cell: Box | None = None  # the ruled cell it lies in, for fields made of cells


# ------------------------------------------------------------------------------------------- the page's marks


def ink_mask(gray: np.ndarray) -> np.ndarray:
    """What is printed, light gray rules included (forms draw their boxes in gray): darker than the paper by 32."""
    paper = float(np.median(gray))
    return (gray < min(225.0, max(110.0, paper - 32))).astype(np.uint8)


def in_the_open(ink: np.ndarray, b: Box, t: float, s: float) -> bool:
    """A box stands on paper: the ring just outside its rule is mostly white (not a hole in solid print)."""
    m = int(t + 3 * s)
    y0, y1, x0, x1 = max(0, int(b.y0) - m - int(4 * s)), int(b.y1) + m + int(4 * s), \
        max(0, int(b.x0) - m - int(4 * s)), int(b.x1) + m + int(4 * s)
    outer = ink[y0:y1, x0:x1].astype(np.float32)
    inner = ink[max(0, int(b.y0) - m):int(b.y1) + m, max(0, int(b.x0) - m):int(b.x1) + m]
    ring = outer.sum() - inner.sum()
    area = outer.size - inner.size
    return area <= 0 or ring / area < 0.5


def _open(mask: np.ndarray, w: int, h: int) -> np.ndarray:
    return cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(1, w), max(1, h))))


def rules(ink: np.ndarray, s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Long horizontal rules, dotted leaders, and the short rules that close small boxes (checkboxes, comb
    cells) with the long vertical rules, as masks."""
    horiz = _open(ink, round(60 * s), 1)
    vert = _open(ink, 1, round(40 * s))
    sides = _open(ink, round(28 * s), 1) | _open(ink, 1, round(24 * s))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    small = (stats[:, cv2.CC_STAT_WIDTH] <= 9 * s) & (stats[:, cv2.CC_STAT_HEIGHT] <= 9 * s) \
        & (stats[:, cv2.CC_STAT_AREA] <= 50 * s * s)
    small[0] = False
    dots = small[labels].astype(np.uint8)
    dots = cv2.morphologyEx(dots, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (round(18 * s), 1)))
    dotted = _open(dots, round(70 * s), 1)
    return horiz, vert, dotted, sides | vert


def shade_edges(gray: np.ndarray, s: float) -> np.ndarray:
    """The edges of light-gray areas printed on a form (section and row headers, shaded boxes to write in): they
    part it as rules do."""
    paper = float(np.median(gray))
    smooth = cv2.medianBlur(gray, 7)  # the gray edges of letters on white paper are not a band
    light = ((smooth < paper - 8) & (smooth >= paper - 32)).astype(np.uint8)
    light = cv2.morphologyEx(light, cv2.MORPH_CLOSE,  # the words printed on a band leave holes in it
                             cv2.getStructuringElement(cv2.MORPH_RECT, (round(41 * s), round(25 * s))))
    bands = _open(light, round(200 * s), round(16 * s))
    # a band is mostly light gray itself; a line of words, blurred and closed, is mostly paper and ink
    raw = ((gray < paper - 8) & (gray >= paper - 32))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(bands, connectivity=4)
    keep = np.zeros(n, bool)
    for i in range(1, n):
        x, y, w, h, area = stats[i]
        part = labels[y:y + h, x:x + w] == i
        keep[i] = raw[y:y + h, x:x + w][part].mean() >= 0.5
    bands = keep[labels].astype(np.uint8)
    edges = np.zeros_like(bands)
    edges[1:][np.diff(bands.astype(np.int8), axis=0) != 0] = 1
    edges[:, 1:][np.diff(bands.astype(np.int8), axis=1) != 0] = 1
    return cv2.dilate(edges, np.ones((2, 2), np.uint8))


def light_areas(solid: np.ndarray, gray: np.ndarray) -> np.ndarray:
    """The areas of `solid` printed light gray (a shaded box), not dark (a title bar)."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(solid, connectivity=8)
    light = np.zeros(n, np.uint8)
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        light[i] = np.median(gray[y:y + h, x:x + w][labels[y:y + h, x:x + w] == i]) >= 128
    return light[labels]


def segments(mask: np.ndarray, s: float, vert: np.ndarray | None = None) -> list[Box]:
    """Thin horizontal strokes of `mask` as boxes, cut where a vertical rule rises from them (one that only
    goes down from a line does not divide the space above it, where a value is written)."""
    out = []
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        if h > 10 * s or w < 60 * s:
            continue
        cuts = [x, x + w]
        if vert is not None:
            band = vert[max(0, y - int(8 * s)):y, x:x + w].any(axis=0)
            cols = np.flatnonzero(band)
            if cols.size:
                groups = np.split(cols, np.flatnonzero(np.diff(cols) > 1) + 1)
                cuts = sorted({x, x + w, *(x + int(g.mean()) for g in groups)})
        for a, b in zip(cuts, cuts[1:]):
            if b - a >= 60 * s:
                out.append(Box(float(a), float(y), float(b), float(y + h)))
    return out


def wall(vert: np.ndarray, x: float, y: float, s: float) -> bool:
    """A vertical rule rises from a line at `x` (the line's end is a cell's side)."""
    return bool(vert[max(0, int(y - 8 * s)):int(y), max(0, int(x - 3 * s)):int(x + 3 * s) + 1].any())


def cells(lines: np.ndarray, s: float) -> list[Box]:
    """White areas closed by rules on every side, nearly rectangular."""
    closed = cv2.morphologyEx(lines, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    white = (closed == 0).astype(np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(white, connectivity=4)
    H, W = lines.shape
    out = []
    for i in range(1, n):
        x, y, w, h, area = stats[i]
        if x == 0 or y == 0 or x + w >= W or y + h >= H or w < 18 * s or h < 18 * s:
            continue
        if area < 0.85 * w * h or w * h > 0.25 * W * H:
            continue
        out.append(Box(float(x), float(y), float(x + w), float(y + h)))
    return out


def border(lines: np.ndarray, b: Box, s: float) -> float:
    """How thick the rule around a cell is (pixels), measured at the middle of its sides."""
    H, W = lines.shape
    cx, cy = int((b.x0 + b.x1) / 2), int((b.y0 + b.y1) / 2)
    runs = []
    for dx, dy, x, y in ((0, -1, cx, int(b.y0) - 1), (0, 1, cx, int(b.y1)), (-1, 0, int(b.x0) - 1, cy),
                         (1, 0, int(b.x1), cy)):
        k = 0
        while 0 <= x < W and 0 <= y < H and lines[y, x] and k < 8 * s:
            x, y, k = x + dx, y + dy, k + 1
        runs.append(k)
    return float(np.median(runs))


def ticks(ink: np.ndarray, b: Box, s: float, ends: bool = False) -> int:
    """Ticks rising from a box's bottom edge at even steps (a comb printed as one box, or as a line with ticks):
    how many, else 0. With `ends`, the two outer ticks must be at the box's ends."""
    x0, x1, y1 = max(0, int(b.x0) + (0 if ends else 2)), int(b.x1) - (0 if ends else 2), int(b.y1)
    band = ink[max(int(b.y0), y1 - max(4, int(b.h * 0.3))):y1 - 1, x0:x1]
    if band.size == 0 or band.shape[0] < 3:
        return 0
    cols = np.flatnonzero(band.mean(axis=0) > 0.9)
    if cols.size < 2:
        return 0
    groups = [g for g in np.split(cols, np.flatnonzero(np.diff(cols) > 1) + 1) if len(g) <= 6 * s]
    if len(groups) < 2:
        return 0
    centres = np.array([g.mean() for g in groups])
    gaps = np.diff(centres)
    if gaps.min() < 15 * s or gaps.std() > 0.2 * gaps.mean():
        return 0
    if ends and (centres[0] > 8 * s or centres[-1] < (x1 - x0) - 8 * s):
        return 0
    if ends:  # ticks, not the rules of a table's columns: most stop short of a line's height above
        tall = ink[max(0, int(b.y0) - int(2 * s)), [x0 + int(c) for c in centres]]
        if tall.mean() > 0.5:
            return 0
    return len(groups)


def last_row(lines: np.ndarray, b: Box, t: float, s: float, pt: float) -> float:
    """The top of an empty cell's field. A cell beside a column ruled into rows, some of them shaded, spans
    several of those rows (the 1040's amount column beside its line numbers): the value goes in the row of the
    number, its last. Else the whole cell."""
    x = int(b.x0 - t - 3 * s)
    band = lines[int(b.y0 + 6 * pt):int(b.y1 - 6 * pt), max(0, x - int(8 * s)):max(0, x)]
    rows = np.flatnonzero(band.all(axis=1)) if band.size else np.array([], int)
    return b.y0 - t / 2 if rows.size == 0 else b.y0 + 6 * pt + float(rows[-1]) + 1


def boxed(ink: np.ndarray, b: Box, s: float) -> bool:
    """Straight rules close the white area on its four sides (a box, not the inside of a letter O)."""
    d = max(2, int(3 * s))
    x0, y0, x1, y1 = int(b.x0), int(b.y0), int(b.x1), int(b.y1)
    if x0 - d < 0 or y0 - d < 0 or x1 + d > ink.shape[1] or y1 + d > ink.shape[0]:
        return False
    sides = (ink[y0 - d:y0, x0:x1].max(axis=0), ink[y1:y1 + d, x0:x1].max(axis=0),
             ink[y0:y1, x0 - d:x0].max(axis=1), ink[y0:y1, x1:x1 + d].max(axis=1))
    return all(side.mean() >= 0.9 for side in sides)


def blank(ink: np.ndarray, lines: np.ndarray, b: Box, s: float) -> bool:
    """Hardly any print in a zone, its rules (and ticks) aside."""
    m = int(4 * s)
    area = ink[int(b.y0) + m:int(b.y1) - m, int(b.x0) + m:int(b.x1) - m]
    rules = lines[int(b.y0) + m:int(b.y1) - m, int(b.x0) + m:int(b.x1) - m]
    return area.size == 0 or float((area & (1 - rules)).mean()) < 0.02


def framed(parts: np.ndarray, seg: Box, s: float, pt: float) -> bool:
    """The top of a frame (its print turns down at both ends, square or rounded corners, and up at neither), or
    the bottom of a wide one (turns up): not a line to write on. A short line closing a column (turns up) is one:
    the 1040's boxes."""
    y = int((seg.y0 + seg.y1) / 2)
    label = parts[y, int((seg.x0 + seg.x1) / 2)]
    if label == 0:
        return False
    H, W = parts.shape
    reach = int(60 * s)

    def turns(x0: int, x1: int, down: bool) -> bool:
        lo, hi = (y + int(4 * s), y + reach) if down else (y - reach, y - int(4 * s))
        window = parts[max(0, lo):min(H, hi), max(0, x0):min(W, x1)] == label
        rows = np.flatnonzero(window.any(axis=1))
        return rows.size > 0 and rows[-1] - rows[0] > 30 * s

    left, right = (int(seg.x0 - reach), int(seg.x0 + 10 * s)), (int(seg.x1 - 10 * s), int(seg.x1 + reach))
    down = turns(*left, down=True), turns(*right, down=True)
    up = turns(*left, down=False), turns(*right, down=False)
    if any(down) and any(up):
        return False  # a rule between two rows of a frame: the row above may be written in
    return all(down) or (seg.w > 200 * pt and all(up))


# ------------------------------------------------------------------------------------------------- words


def ocr_words(gray: np.ndarray, dpi: float, lang: str) -> list[Word]:
    from .reading import tesseract

    words = tesseract.image_to_words(gray, lang=lang, psm=3, dpi=int(dpi))
    return [Word(w.text, Box(w.left, w.top, w.left + w.width, w.top + w.height)) for w in words
            if any(c.isalnum() for c in w.text) and (w.conf >= 0.4 or len(w.text) > 2)
            and w.height >= 2 * dpi / PT]  # a dotted leader read as "eee" is no word


def text_lines(words: list[Word]) -> list[list[Word]]:
    """Words grouped in printed lines (by vertical overlap), each sorted left to right."""
    lines: list[list[Word]] = []
    for w in sorted(words, key=lambda w: (w.cy, w.box.x0)):
        for line in lines:
            ref = line[-1].box
            if abs(w.cy - (ref.y0 + ref.y1) / 2) < 0.5 * max(ref.h, w.box.h):
                line.append(w)
                break
        else:
            lines.append([w])
    return [sorted(line, key=lambda w: w.box.x0) for line in lines]


def _phrase(words: list[Word], gap: float) -> list[list[Word]]:
    """A line's words cut where the space between two words is wider than `gap`."""
    out: list[list[Word]] = []
    for w in words:
        if out and w.box.x0 - out[-1][-1].box.x1 <= gap:
            out[-1].append(w)
        else:
            out.append([w])
    return out


# --------------------------------------------------------------------------------------------- proposing


def propose_page(gray: np.ndarray, dpi: float, words: list[Word]) -> list[Proposal]:
    s = dpi / 300.0
    pt = dpi / PT  # pixels per point
    ink = ink_mask(gray)
    horiz, vert, dotted, sides = rules(ink, s)
    lines = horiz | dotted | sides | shade_edges(gray, s)
    found: list[Proposal] = []
    boxes = cells(lines, s)
    _, parts = cv2.connectedComponents(ink, connectivity=8)
    # Rules to write on, without the light-gray areas they run into (the 1040's shaded boxes beside an amount
    # column). A rule that runs into a dark bar (a section's title, white on black) stays with it, and is none.
    flat = horiz & (1 - light_areas(_open(horiz, 1, round(12 * s)), gray))
    # Words inside a cell (not the box itself, which the OCR may read as a letter).
    inside = {i: [w for w in words if b.holds(w.box.x0 + 2 * s, w.box.y0 + 2 * s)
                  and b.holds(w.box.x1 - 2 * s, w.box.y1 - 2 * s)] for i, b in enumerate(boxes)}

    # Lines with ticks rising at even steps: combs, one character between two ticks. The cells their taller ticks
    # seem to close are not fields of their own.
    for seg in segments(flat, s):
        n = ticks(ink, Box(seg.x0 - 3 * s, seg.y0 - 12 * pt, seg.x1 + 3 * s, seg.y0 + 1), s, ends=True)
        if n >= 3:
            found.append(Proposal("comb", Box(seg.x0, seg.y0 - 12 * pt, seg.x1, seg.y1), comb=n - 1))
    combs = [p.box for p in found]
    keep = [i for i, b in enumerate(boxes) if not any(b.inter(c) > 0.3 * b.area for c in combs)]
    boxes, inside = [boxes[i] for i in keep], {j: inside[i] for j, i in enumerate(keep)}

    # Small empty cells in a row: combs; a small empty square alone: a checkbox.
    empty = [b for i, b in enumerate(boxes) if not inside[i]]
    small = sorted([b for b in empty if b.w <= 30 * pt and b.h <= 40 * pt], key=lambda b: (b.y0, b.x0))
    used: set[Box] = set()
    for b in small:
        if b in used:
            continue
        t = border(lines, b, s)
        if t >= 8 * s or not in_the_open(ink, b, t, s) or not boxed(ink, b, s):
            continue  # a hole in solid print (a letter of white text on a dark band), not a box
        row, last = [b], b
        while True:
            nxt = next((c for c in small if c not in used and c is not last and 0 < c.x0 - last.x1 <= 8 * s
                        and abs(c.y0 - last.y0) <= 4 * s and abs(c.y1 - last.y1) <= 4 * s
                        and 0.6 < c.w / last.w < 1.6), None)
            if nxt is None:
                break
            row.append(nxt)
            last = nxt
        whole = Box(row[0].x0 - t, min(c.y0 for c in row) - t, row[-1].x1 + t, max(c.y1 for c in row) + t)
        if len(row) >= 2:
            found.append(Proposal("comb", whole, comb=len(row)))
            used.update(row)
        elif 5 * pt <= b.w <= 20 * pt and 5 * pt <= b.h <= 20 * pt and 0.6 < b.w / b.h < 1.6:
            found.append(Proposal("checkbox", whole))
            used.add(b)

    # Other cells: empty (or a comb drawn as one box with ticks), or a label at the top or the left.
    for i, b in enumerate(boxes):
        if b in used or b.h < 8 * pt:
            continue
        t = border(lines, b, s)
        if t >= 8 * s:
            continue
        if not inside[i]:
            n = ticks(ink, b, s)
            kind = "comb" if n else "cell" if border(ink, b, s) else "shaded"  # shaded: a gray box, no rule
            top = b.y0 - t / 2 if n else last_row(lines, b, t, s, pt)
            found.append(Proposal(kind, Box(b.x0 - t / 2, top, b.x1 + t / 2, b.y1 + t / 2),
                                  comb=n + 1 if n else None, cell=b))
            continue
        label = inside[i]
        bottom = max(w.box.y1 for w in label)
        right = max(w.box.x1 for w in label)
        if b.y1 - bottom >= 10 * pt:
            found.append(Proposal("below_label", Box(b.x0, bottom + 2 * s, b.x1, b.y1),
                                  label=_words_text(label), cell=b))
        elif b.x1 - right >= 50 * pt and all(w.box.x1 < b.x0 + 0.6 * b.w for w in label):
            found.append(Proposal("right_of_label", Box(right + 3 * pt, b.y0, b.x1, b.y1),
                                  label=_words_text(label), cell=b))

    # Lines to write on: not the edge of a cell or frame; the field is above the line, after the words that start
    # it.
    taken = [p.box for p in found if p.kind in ("checkbox", "comb", "cell", "shaded")]
    for seg in segments(flat, s, vert) + segments(dotted, s):
        if any(abs(seg.y0 - c.y1) <= 6 * s and seg.x0 <= c.x0 + 6 * s and seg.x1 >= c.x1 - 6 * s for c in boxes):
            continue  # the bottom rule of a cell: the cell is the field
        if framed(parts, seg, s, pt) or any(seg.inter(Box(c.x0, c.y0, c.x1, c.y1 + 4 * s)) for c in combs):
            continue
        # A value written on a line may start a little before it, but not past a rule rising at its end.
        x0, x1 = (seg.x0 + 4 * s if wall(vert, seg.x0, seg.y0, s) else seg.x0 - 2 * pt,
                  seg.x1 - 4 * s if wall(vert, seg.x1, seg.y0, s) else seg.x1)
        band = Box(seg.x0, seg.y0 - 16 * pt, seg.x1, seg.y0)
        over = [w for w in words if band.holds(w.cx, w.cy) or (w.box.y1 >= seg.y0 - 3 * s and
                                                               w.box.y0 < seg.y0 and seg.x0 <= w.cx <= seg.x1)]
        if over:
            lead = [w for w in over if w.box.x1 <= seg.x0 + 0.5 * seg.w]
            if len(lead) != len(over):
                continue  # printed text over the line: an underline, or a line of text and not a field
            x0 = max(w.box.x1 for w in lead) + 1 * pt
        if x1 - x0 < 15 * pt:
            continue
        top = seg.y0 - 15 * pt
        above = [w for w in words if seg.y0 - 3 * s >= w.box.y1 > top and w.box.x1 > x0 and w.box.x0 < seg.x1]
        if above:
            top = max(top, max(w.box.y1 for w in above) + 1 * s)
        zone = Box(x0, top, x1, seg.y1)
        if zone.h < 6 * pt or any(zone.inter(o) > 0.3 * zone.area for o in taken):
            continue
        found.append(Proposal("line", zone))
        taken.append(zone)

    # A field of a blank form is blank: a zone with print inside (a logo, words the OCR missed) is none.
    found = [p for p in found if p.kind in ("checkbox", "comb") or blank(ink, lines, p.box, s)]

    # A cell's field beside its label gives way to a line drawn in it; a cell ruled with several lines across it
    # is one field for several lines of writing.
    out: list[Proposal] = []
    lines_in = {id(p): [q for q in found if q.kind == "line" and p.cell is not None and q.box.w >= 0.8 * p.cell.w
                        and p.cell.holds(q.box.x1 - 1, q.box.y1 - 1) and p.cell.holds(q.box.x0 + 1, q.box.y1 - 1)]
                for p in found if p.kind in ("cell", "shaded", "below_label", "right_of_label")}
    merged = {id(q) for p in found if len(lines_in.get(id(p), [])) >= 2 for q in lines_in[id(p)]}
    line_zones = [p.box for p in found if p.kind == "line"]
    for p in found:
        if id(p) in merged:
            continue
        if len(lines_in.get(id(p), [])) >= 2:
            out.append(Proposal("multiline", p.cell, label=p.label, cell=p.cell))
        elif p.kind not in ("below_label", "right_of_label") or not any(p.box.inter(z) > 0.5 * z.area
                                                                         for z in line_zones):
            out.append(p)
    found = out
    return sorted(stacked(found, boxes, s, pt), key=lambda p: (round(p.box.y0 / (6 * pt)), p.box.x0))


def stacked(found: list[Proposal], boxes: list[Box], s: float, pt: float) -> list[Proposal]:
    """Rows of one ruled box, one under the other with nothing beside them (a box ruled for several lines of
    writing, not the rows of a table): one field over the whole box."""
    def alone(c: Box) -> bool:
        return not any(o is not c and min(o.y1, c.y1) - max(o.y0, c.y0) > 0.5 * c.h
                       and (0 <= c.x0 - o.x1 <= 8 * s or 0 <= o.x0 - c.x1 <= 8 * s) for o in boxes)

    rows = sorted([p for p in found if p.cell is not None and p.kind in ("cell", "below_label", "right_of_label")
                   and p.cell.h <= 26 * pt and alone(p.cell)
                   and (p.kind != "cell" or p.box.y0 < p.cell.y0 + 2 * s)],  # not a cell's `last_row`
                  key=lambda p: p.cell.y0)
    groups: list[list[Proposal]] = []
    for p in rows:
        last = groups[-1][-1].cell if groups else None
        if last is not None and 0 <= p.cell.y0 - last.y1 <= 8 * s and abs(p.cell.x0 - last.x0) <= 8 * s \
                and abs(p.cell.x1 - last.x1) <= 8 * s and p.kind == "cell":  # only the first row is labelled
            groups[-1].append(p)
        else:
            groups.append([p])
    merged = [g for g in groups if len(g) >= 2]
    gone = {id(p) for g in merged for p in g}
    out = [p for p in found if id(p) not in gone]
    for g in merged:
        cell = Box(g[0].cell.x0, g[0].cell.y0, g[-1].cell.x1, g[-1].cell.y1)
        out.append(Proposal("multiline", cell, label=g[0].label, cell=cell))
    return out


def _words_text(words: list[Word]) -> str:
    return " ".join(" ".join(w.text for w in line) for line in text_lines(words))


def label_of(p: Proposal, words: list[Word], dpi: float) -> str:
    """The printed words that name a field: in its cell, else left of it on its line, else above, else below,
    and for a checkbox the words right of it."""
    if p.label:
        return p.label
    pt = dpi / PT
    b = p.box
    same = [w for w in words if b.y0 - 4 * pt <= w.cy <= b.y1 + 2 * pt and not b.holds(w.cx, w.cy)]
    lines = text_lines(same)

    def nearest(side: str) -> list[Word]:
        best: list[Word] = []
        for line in lines:
            for phrase in _phrase(line, 12 * pt):
                if side == "left" and 0 <= b.x0 - phrase[-1].box.x1 <= 40 * pt and \
                        (not best or phrase[-1].box.x1 > best[-1].box.x1):
                    best = phrase
                if side == "right" and 0 <= phrase[0].box.x0 - b.x1 <= 20 * pt and \
                        (not best or phrase[0].box.x0 < best[0].box.x0):
                    best = phrase
        return best

    order = ("right", "left") if p.kind == "checkbox" else ("left",)
    for side in order:
        if found := nearest(side):
            return " ".join(w.text for w in found)
    for lo, hi in ((b.y0 - 16 * pt, b.y0 + 2 * pt), (b.y1 - 2 * pt, b.y1 + 14 * pt)):
        near = [w for w in words if lo <= w.cy <= hi and w.box.x1 > b.x0 - 4 * pt and w.box.x0 < b.x1]
        if near:
            line = min(text_lines(near), key=lambda ln: abs(ln[0].cy - (b.y0 if lo < b.y0 else b.y1)))
            first = _phrase([w for w in line], 12 * pt)
            phrase = min(first, key=lambda ph: abs(ph[0].box.x0 - b.x0))
            return " ".join(w.text for w in phrase)
    return ""


FIELD_TYPES = (  # the kinds a label names, beyond acroform.guess_type's
    (r"\b(n\.?a\.?s\.?|assurance sociale|social insurance|sin)\b", "sin"),
    (r"\b(ramq|assurance maladie du quebec)\b", "ramq"),
    (r"\b(telephone|tel|phone)\b", "phone"),
    (r"\bsignature\b", "signature"),
)


def field_type(label: str, country: str) -> tuple[str, dict[str, Any]]:
    """The type a label names: a date first ("Date de la signature" is a date), then the kinds of FIELD_TYPES,
    then what `schema import` guesses from a tooltip."""
    guessed = guess_type(label, "", country)
    if guessed[0] == "date":
        return guessed
    t = without_accents(label).lower()
    for pattern, kind in FIELD_TYPES:
        if re.search(pattern, t):
            return kind, {}
    return guessed


# ------------------------------------------------------------------------------------------------ schema


@dataclass
class BlankPage:
    gray: np.ndarray
    dpi: float
    words: list[Word]


def blank_pages(path: Path, lang: str = "fra+eng") -> tuple[list[BlankPage], bytes]:
    """The blank form's pages as images with their words, and the template PDF (the form itself for a PDF; the
    straightened scans for images)."""
    from .inputs import load
    from .inputs.preprocess import deskew

    src, pages = load.file_pages(str(path))
    out: list[BlankPage] = []
    for page in pages:
        if isinstance(page, load.TextPage):
            dpi = 300.0
            gray = page.render(dpi)
            k = dpi / PT
            words = [Word(w.text, Box(w.x0 * k, w.top * k, w.x1 * k, w.bottom * k)) for w in page.words
                     if not w.filled and any(c.isalnum() for c in w.text)]
        else:
            gray, _ = deskew(page.image)
            dpi = page.dpi
            words = ocr_words(gray, dpi, lang)
        out.append(BlankPage(gray, dpi, words))
    if src.media_type == "application/pdf":
        return out, src.data
    from PIL import Image

    images = [Image.fromarray(p.gray) for p in out]
    buf = io.BytesIO()
    images[0].save(buf, "PDF", resolution=out[0].dpi, save_all=True, append_images=images[1:])
    return out, buf.getvalue()


def title_and_number(pages: list[BlankPage]) -> tuple[str, str]:
    """The biggest words at the top of page 1 (the title), and a form number printed on it."""
    words = pages[0].words if pages else []
    text = " ".join(w.text for line in text_lines(words) for w in line)
    number = ""
    if m := re.search(r"N\s*[°o]\s*(\d{5}\s*\*\s*\d{2})", text, re.IGNORECASE):
        number = re.sub(r"\s+", "", m.group(1))
    elif m := re.search(r"\b(?:Form|Formulaire|mod[eè]le)\s+([A-Z]{0,4}-?\d[\dA-Z.-]{0,9})\b", text):
        number = m.group(1)
    else:  # a form code printed in the top fifth of the page: SQ-2101, AF-0500
        top = pages[0].gray.shape[0] / 5
        codes = [w.text for w in words if w.box.y1 < top and re.fullmatch(r"[A-Z]{1,4}-\d[\dA-Z-]{1,8}", w.text)]
        number = codes[0] if codes else ""
    tall = sorted(words, key=lambda w: -w.box.h)[:12]
    if not tall:
        return "", number
    top = tall[0].box.h
    big = [w for w in words if w.box.h >= 0.7 * top and w.text != number and len(w.text) > 1]
    head = [line for line in text_lines(big)][:2]
    title = " ".join(w.text for line in head for w in line)
    return title[:80], number


def build_schema(path: Path, procedure: str | None = None, lang: str = "fra+eng"
                 ) -> tuple[dict[str, Any], bytes, list[str]]:
    """The proposed schema (as data), its template PDF and notes."""
    pages, template = blank_pages(path, lang)
    title, number = title_and_number(pages)
    text = " ".join(w.text for p in pages for w in p.words)
    country = _country(text)
    fields: list[dict[str, Any]] = []
    used: set[str] = set()
    notes: list[str] = []
    for n, page in enumerate(pages, start=1):
        k = PT / page.dpi
        for p in propose_page(page.gray, page.dpi, page.words):
            label = " ".join(label_of(p, page.words, page.dpi).split())[:120]
            base = slug(" ".join(label.split()[:5])) if label else f"champ_p{n}"
            name, i = base, 2
            while name in used:
                name, i = f"{base}_{i}", i + 1
            used.add(name)
            zone = [round(max(0.0, p.box.x0 * k), 1), round(max(0.0, p.box.y0 * k), 1),
                    round(min(page.gray.shape[1] * k, p.box.x1 * k), 1),
                    round(min(page.gray.shape[0] * k, p.box.y1 * k), 1)]
            f: dict[str, Any] = {"name": name, "label": label or name, "page": n, "zone": zone}
            if p.kind == "checkbox":
                f["type"] = "checkbox"
            else:
                kind, extra = field_type(label, country)
                if kind != "text":
                    f["type"] = kind
                f.update(extra)
                if p.comb:
                    f["comb"] = p.comb
                    if re.search(r"\b(jour|mois|annee|day|month|year)\b", without_accents(label).lower()) and p.comb <= 4:
                        f["type"], f["ocr"] = "integer", {"whitelist": "0123456789"}
                if p.kind in ("line", "shaded"):
                    f["ocr"] = {"pad": 1.0}  # the zone is where the value is written, not a drawn box
                if p.kind == "multiline" or (p.kind in ("cell", "below_label") and p.box.h > 30 * page.dpi / PT):
                    f["ocr"] = {"mode": "block"}  # room for several lines of writing
                if f.get("type") in ("date", "integer", "sin", "siret", "siren", "phone") and \
                        "whitelist" not in f.get("ocr", {}):
                    f.setdefault("ocr", {})["whitelist"] = {"date": "0123456789/-",
                                                            "phone": "0123456789-()"}.get(f["type"], "0123456789")
            fields.append(f)
        if not any(f["page"] == n for f in fields):
            notes.append(f"page {n}: nothing to fill found")
    stem = f"cerfa {number}" if re.fullmatch(r"\d{5}\*\d{2}", number or "") else number
    return new_schema(procedure, title, number, stem, path.stem, text, country, fields), template, notes


def write_schema(path: Path, out_dir: Path, procedure: str | None = None, lang: str = "fra+eng"
                 ) -> tuple[Path, list[str]]:
    schema, template, notes = build_schema(path, procedure, lang)
    head = (f"# Proposed by `demat schema propose` from {path.name}: {len(schema['fields'])} fields, to check.\n"
            "# Zones: [x0, y0, x1, y1] in PDF points from the top-left of the template page.\n")
    return write_files(out_dir, schema, template, head), notes
