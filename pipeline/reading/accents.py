"""The marks over letters, looked at in the image: which accent Tesseract's French model dropped or mistook.

The model reads "Ève" as "Eve", "Édouard" as "Edouard", "Nîmes" as "Nimes", "Île" as "lle", and "Ève" as "Ëve"
or "Êve", at 0.8-0.9 confidence, on clean 300-dpi scans whose accents are plainly printed. A word's letters are
found as blobs of ink in the zone's crop, the marks over each one too, and each mark's shape says which accent it
is: one dot, two dots, a stroke rising to the right (acute) or to the left (grave), a roof (circumflex). Where the
word's letters can be paired with its characters, a vowel whose mark says otherwise than its reading is read with
that mark. A mark whose shape is not clear changes nothing. The mark of an i is its dot, unless it is as wide as
a roof: a blur fills a circumflex in ("Nîmes" read "Nimes" at 0.95), or runs it into the stem.

The same pairing of characters with their blobs tells the O of a code from its 0 by its width (see _round): no
word list can, and Tesseract reads most zeros of a code as O. And it hands each glyph of a code to a reader of
its own (see _checked, printed.py), which confirms the code or reads a character otherwise.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

import cv2
import numpy as np

from . import printed, tesseract

ACUTE, GRAVE, CIRCUMFLEX, DIAERESIS, DOT = "\u0301", "\u0300", "\u0302", "\u0308", "."
BLURRED_ROOF = "roof"  # wider below than above, filled: a circumflex blurred, or another accent smeared
FRENCH = set("àâäéèêëîïôöùûüÿÀÂÄÉÈÊËÎÏÔÖÙÛÜŸ")
VOWELS = set("aeiouyAEIOUY")
TALL_I = set("lI|")  # what a capital I with its accent is read as ("Île" read "lle")
MARK_REACH = 0.7  # of the word's height: how far above its box marks are looked for
ACCENT_GAP = 0.4  # of a letter's height: how far above it its accent may sit
BODY_SHARE = 0.3  # of the word's tallest blob: a blob this tall or more is a letter, not a mark ...
MARK_SHARE = 0.6  # ... unless it lies over a stroke and is no taller than this share of it
STROKE = 0.5  # a letter no wider than this share of its height is a stroke: an i, an l
MARK_AREA = 4  # pixels: a smaller blob is a speck, no part of a mark
ROOF_WIDE = 1.1  # a roof open below is a circumflex when this many times as wide as tall (an 8-pt "î": 10 by 8 px)


def base(ch: str) -> str:
    return unicodedata.normalize("NFD", ch)[0]


def corrected(words: list[tesseract.Word], labels: np.ndarray, stats: np.ndarray, dx: int, dy: int,
              french: bool = True) -> list[tesseract.Word]:
    """`words` read from a zone's crop (pasted at (dx, dy) in the image the words' boxes are in; `labels` and
    `stats` its blobs of ink, from connectedComponentsWithStats), each with the accents its letters' marks show
    (when read in `french`), and the O and 0 of its codes told apart by their width (see _round)."""
    if not words or labels.size == 0:
        return words
    rounds = any(c in ROUND for w in words for c in w.text)
    if not french and not rounds and not any(_is_code(w.text) for w in words):  # nothing to look at: spared on
        # most zones of a form in another language
        return words
    found = {id(w): _letters(w, stats, dx, dy) for w in words}
    whole = {id(w): _whole(w, found[id(w)][0]) for w in words}
    codes = _code_widths(words, whole, stats) if rounds else {}
    if not french:
        return [_round(_checked(w, whole[id(w)], labels, stats, whole), whole[id(w)], stats, codes) for w in words]
    # a mark inside the box of a word of another line is that word's (the comma of the line above)
    boxes = [(w.line, w.left - dx, w.top - dy, w.left + w.width - dx, w.top + w.height - dy) for w in words]
    for w in words:
        pairs, bodies, marks = found[id(w)]
        marks = [m for m in marks if not any(
            line != w.line and x0 <= stats[m, cv2.CC_STAT_LEFT] + stats[m, cv2.CC_STAT_WIDTH] / 2 <= x1
            and y0 <= stats[m, cv2.CC_STAT_TOP] + stats[m, cv2.CC_STAT_HEIGHT] / 2 <= y1
            for line, x0, y0, x1, y1 in boxes)]
        found[id(w)] = pairs, bodies, marks
    # The top of a line's capitals and tall letters: an accent that touches its capital ("È" printed at 9 pt and
    # binarized) makes that letter stand out above it.
    tops: dict[int, list[int]] = {}
    for w in words:
        bodies = found[id(w)][1]
        if bodies:
            tallest = max(stats[b, cv2.CC_STAT_HEIGHT] for b in bodies)
            tops.setdefault(w.line, []).extend(stats[b, cv2.CC_STAT_TOP] for b in bodies
                                               if stats[b, cv2.CC_STAT_HEIGHT] >= TALL_SHARE * tallest)
    line_top = {line: float(np.median(t)) for line, t in tops.items()}
    return [_round(_checked(_sounded(_word(w, *found[id(w)], labels, stats, line_top.get(w.line))), whole[id(w)],
                            labels, stats, whole), whole[id(w)], stats, codes) for w in words]


UNSOUNDED = re.compile(r"(?:^|\W)[ËÏÜŸëïüÿ]")  # a diaeresis on a word's first letter, or a compound's part's
UNSOUNDED_CONF = 0.5


def _sounded(w: tesseract.Word) -> tesseract.Word:
    """A French word read with a diaeresis where French puts none is doubtful (UNSOUNDED_CONF). A diaeresis marks
    a vowel sounded apart from the vowel before it ("Noël", "Anaïs"): on the first letter of a word, or of a part
    of a compound name ("Marie-Ëve" for "Marie-Ève", at 0.65-0.77), it is a grave or acute accent that a blur or
    a highlighter made two dots of."""
    return replace(w, conf=min(w.conf, UNSOUNDED_CONF)) if UNSOUNDED.search(w.text) else w


def _whole(w: tesseract.Word, pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The word's characters paired with their blobs when every letter and digit has its own (not the first
    alone, see _letters), else none."""
    return pairs if len(pairs) == sum(c.isalnum() for c in w.text) else []


ROUND = "O0"
REFERENCE_DIGITS = set("23456789")  # digits of one width in a typeface: the widths an O and a 0 are set against
REFERENCE_CAPITALS = set("ABCDEFGHKLNPRSTUVXYZ")  # capitals neither narrow (I, J) nor wide (M, W), nor round
ZERO_DIGITS, ZERO_CAPITALS = 1.1, 0.92  # a zero is no wider than this share of the digits, and of the capitals
ROUND_CONF = 0.5  # a word whose O or 0 its width changed is never sure: "J9B" read "JOB" became "J0B", a
# valid postal code that the normalizer no longer had to mend (which holds it), and was accepted
O_DIGITS, O_CAPITALS = 1.2, 0.97  # an O is at least this share of the digits' width, and of the capitals'


def _code_widths(words: list[tesseract.Word], whole: dict[int, list[tuple[int, int]]], stats: np.ndarray
                 ) -> dict[int, tuple[float, float]]:
    """For each line of words that reads as a code (capitals and digits, both, no small letter: "D0E5XPRTK", or
    "R0 5" in the boxes of a comb), the median ink width of its digits and of its capitals (see REFERENCE_*), from
    the words whose every character has its own blob (`whole`, see _whole)."""
    text: dict[int, str] = {}
    widths: dict[int, tuple[list[int], list[int]]] = {}
    for w in words:
        text[w.line] = text.get(w.line, "") + w.text
        digits, capitals = widths.setdefault(w.line, ([], []))
        for index, body in whole[id(w)]:
            if w.text[index] in REFERENCE_DIGITS:
                digits.append(int(stats[body, cv2.CC_STAT_WIDTH]))
            elif w.text[index] in REFERENCE_CAPITALS:
                capitals.append(int(stats[body, cv2.CC_STAT_WIDTH]))
    return {line: (float(np.median(widths[line][0])), float(np.median(widths[line][1])))
            for line, t in text.items() if any(c.isdigit() for c in t) and any(c.isalpha() for c in t)
            and not any(c.islower() for c in t) and all(widths[line])}


def _round(w: tesseract.Word, whole: list[tuple[int, int]], stats: np.ndarray,
           codes: dict[int, tuple[float, float]]) -> tesseract.Word:
    """In a code of capitals and digits, no word list tells an O from a 0, and Tesseract reads most zeros as O.
    Their widths differ in the typefaces forms are typed in: a zero is as wide as the other digits (0.92-1.07 of
    their median width in DejaVu, Liberation Sans, Serif and Narrow, bold and italic too) and narrower than most
    capitals (0.66-0.92); an O is wider than the digits by a quarter or more (1.24-1.58) and as wide as the
    capitals (0.98-1.21). A code's digits are few, and one narrow digit ("3") made a zero look wide: each
    decision needs both measures. Each O or 0 of a code (`whole`: its characters paired with their own blobs of
    ink, see _whole) is read as its width says, and the word is then doubtful (ROUND_CONF): a person confirms
    what Tesseract did not read. In a monospaced typeface, where an O is as wide as a zero and the capitals, or
    with no digit or capital to set it against, it is left as read."""
    if w.line not in codes or not whole:
        return w
    digits, capitals = codes[w.line]
    out = list(w.text)
    for index, body in whole:
        if out[index] in ROUND:
            width = float(stats[body, cv2.CC_STAT_WIDTH])
            if width <= ZERO_DIGITS * digits and width <= ZERO_CAPITALS * capitals:
                out[index] = "0"
            elif width >= O_DIGITS * digits and width >= O_CAPITALS * capitals:
                out[index] = "O"
    new = "".join(out)
    return w if new == w.text else replace(w, text=new, conf=min(w.conf, ROUND_CONF))


CODE_CHARACTERS = set(printed.CLASSES)
CONFUSED = dict(zip("O0I1S5B8Z2G6", "0O1I5S8B2Z6G"))  # what OCR reads for what, in a code of capitals and digits
GLYPH_SURE = 0.98  # a glyph the print classifier names this surely is named so (of the O and 0 of typefaces it
# never saw that it named so surely, one in 474 was wrong; of the other characters, none: tools/train_print.py)
CHECKED_CONF = 0.96  # a code each of whose glyphs the classifier named as Tesseract read it: surer than the code
# rule asks (record.CODE_CONFIDENCE)
CHECK_CONF = 0.5  # a code whose character the classifier read otherwise is never sure: a person confirms


def _is_code(text: str) -> bool:
    """A word of capitals and digits, both, with a character OCR confuses ("D0E5XPRTK", "SW-Z5X-H0"); or a short
    one of capitals alone ("5A" read "SA", "CX")."""
    chars = [c for c in text if c.isalnum()]
    return (1 < len(chars) and all(c in CODE_CHARACTERS for c in chars) and any(c in CONFUSED for c in chars)
            and (any(c.isdigit() for c in chars) or len(chars) <= 5) and any(c.isalpha() for c in chars))


def _glyph(labels: np.ndarray, stats: np.ndarray, body: int) -> np.ndarray:
    """A character's ink: its blob, and the blobs within its box (the dot or the stroke inside a zero)."""
    x, y, w, h = (int(stats[body, k]) for k in (cv2.CC_STAT_LEFT, cv2.CC_STAT_TOP, cv2.CC_STAT_WIDTH,
                                                 cv2.CC_STAT_HEIGHT))
    sub = labels[y:y + h, x:x + w]
    inside = [int(i) for i in np.unique(sub) if i and (i == body or (
        stats[i, cv2.CC_STAT_LEFT] >= x and stats[i, cv2.CC_STAT_TOP] >= y
        and stats[i, cv2.CC_STAT_LEFT] + stats[i, cv2.CC_STAT_WIDTH] <= x + w
        and stats[i, cv2.CC_STAT_TOP] + stats[i, cv2.CC_STAT_HEIGHT] <= y + h))]
    return np.isin(sub, inside)


GLYPH_SIZED = 0.5  # of the paired glyphs' median height: a blob this tall (and not a hairline) is a character's


def _all_paired(whole: dict[int, list[tuple[int, int]]], stats: np.ndarray) -> bool:
    """Whether every glyph-sized blob of the zone is a character paired with its word's text: a letter that no
    word read (a "W" the zone's side cut, left out of "73CN6ZD2W") leaves no code of the zone sure."""
    paired = {body for pairs in whole.values() for _, body in pairs}
    if not paired:
        return False
    height = GLYPH_SIZED * float(np.median([stats[b, cv2.CC_STAT_HEIGHT] for b in paired]))
    sized = np.flatnonzero((stats[:, cv2.CC_STAT_HEIGHT] >= height) & (stats[:, cv2.CC_STAT_WIDTH] >= 3))
    return all(int(b) in paired for b in sized if b)


def _at_edge(labels: np.ndarray, stats: np.ndarray, body: int) -> bool:
    """Whether a blob touches the crop's side: a glyph the zone cuts, no character to name."""
    left = int(stats[body, cv2.CC_STAT_LEFT])
    return left == 0 or left + int(stats[body, cv2.CC_STAT_WIDTH]) >= labels.shape[1]


def _checked(w: tesseract.Word, whole: list[tuple[int, int]], labels: np.ndarray, stats: np.ndarray,
             zone: dict[int, list[tuple[int, int]]]) -> tesseract.Word:
    """A code (see _is_code) whose every character has its own blob (`whole`), each glyph named by the print
    classifier (printed.py), a reader that owes Tesseract nothing: a character it surely names as the one OCR
    confuses it with (an O for a 0, a 5 for an S) is read so, and the code is then doubtful (CHECK_CONF). A code
    all of whose glyphs it surely names as read is sure (CHECKED_CONF), when the zone's every glyph-sized blob is
    a character read (`zone`: every word's `whole`, see _all_paired); a "W" printed narrow, read "N" by Tesseract
    at 0.92 and by the classifier at 0.97, stays as doubtful as it was; so does one read with a character the
    classifier does not know, but a hyphen ("2AWM)J": the J's hook read ")" besides it, at 0.96). A code with a
    glyph the crop's side cuts is left as read."""
    if not whole or not _is_code(w.text) or any(_at_edge(labels, stats, body) for _, body in whole):
        return w
    probabilities = printed.classify([_glyph(labels, stats, body) for _, body in whole])
    if probabilities is None:
        return w
    out, changed, confirmed = list(w.text), False, True
    for (index, _), p in zip(whole, probabilities):
        named = printed.CLASSES[int(p.argmax())]
        ch = out[index]
        if named == CONFUSED.get(ch) and p.max() >= GLYPH_SURE:
            out[index], changed = named, True
        elif named != ch or p.max() < GLYPH_SURE:
            confirmed = False
    if changed:
        return replace(w, text="".join(out), conf=min(w.conf, CHECK_CONF))
    confirmed = confirmed and all(c in CODE_CHARACTERS or c == "-" for c in w.text)
    return replace(w, conf=max(w.conf, CHECKED_CONF)) if confirmed and _all_paired(zone, stats) else w


TALL_SHARE = 0.8  # of the word's tallest letter: a capital or a letter with an ascender
SMALL_SHARE = 0.9  # of the word's tallest letter: a letter less tall is a small one (a blur makes them 0.8 of it)
ONE_LETTER = 1.0  # a blob no wider than this many times its height is one letter (an m or a W is wider) ...
LETTER_SHARE = 0.5  # ... and one this share of the word's tallest or taller is a letter, not a comma
STANDS_OUT = 0.08  # of its height: how far a letter must rise over its line's capitals to carry a mark ...
FLAT_TOPS = set("EIU")  # ... and only these capitals, whose tops are flat: an O, an A, an l rise over the line;
# read with an accent or without: a dark scan's "Ève", its accent run into the E, was read "Êve"
PIECE_SHARE = 0.5  # of a letter's height: a blob inside its box no taller than this is a piece of it
OWN_TOP = 0.6  # of the letter's width: what stands over the line this wide is the letter's own top, no accent


def _letters(w: tesseract.Word, stats: np.ndarray, dx: int, dy: int) -> tuple[list[tuple[int, int]], list[int],
                                                                               list[int]]:
    """The word's characters paired with its letters' blobs (index in the text, blob), its letters' blobs, and the
    small blobs (marks) over and among them."""
    letters = [i for i, c in enumerate(w.text) if c.isalnum()]
    x0, x1 = w.left - dx, w.left + w.width - dx
    y0, y1 = w.top - dy, w.top + w.height - dy
    reach = int(MARK_REACH * (y1 - y0))  # where marks are looked for; each letter's own reach is its height's
    left, top, width, height = (stats[:, k] for k in (cv2.CC_STAT_LEFT, cv2.CC_STAT_TOP, cv2.CC_STAT_WIDTH,
                                                      cv2.CC_STAT_HEIGHT))
    centre = left + width / 2
    inside = np.flatnonzero((centre >= x0) & (centre <= x1) & (top + height > y0 - reach) & (top < y1))
    inside = inside[inside != 0]
    if not inside.size:
        return [], [], []
    tallest = height[inside].max()
    tall = [int(i) for i in inside if height[i] >= BODY_SHARE * tallest]
    # A blob wholly over a stroke (an i, an l), much less tall than it and less wide than it is tall, is its mark
    # however tall it is: the circumflex of an "î" typed at 10 pt is a third as tall as the word's capitals.
    over = {i for i in tall for j in tall if top[i] + height[i] <= top[j] and width[j] <= STROKE * height[j]
            and left[j] <= centre[i] <= left[j] + width[j] and height[i] <= MARK_SHARE * height[j]
            and width[i] <= height[j]}
    # A piece of a letter that binarizing cut off inside its box (the serif on the middle arm of a Times "E") is no
    # letter: counted as one, no character paired with its blob, and the accent over the E was taken for its own.
    pieces = {i for i in tall for j in tall if i != j and height[i] <= PIECE_SHARE * height[j]
              and left[j] <= left[i] and left[i] + width[i] <= left[j] + width[j]
              and top[j] <= top[i] and top[i] + height[i] <= top[j] + height[j]}
    bodies = sorted((i for i in tall if i not in over and i not in pieces), key=lambda i: left[i])
    marks = [int(i) for i in inside if (height[i] < BODY_SHARE * tallest or i in over)
             and stats[i, cv2.CC_STAT_AREA] >= MARK_AREA]
    # Letters paired with blobs: all of them when there are as many blobs as letters; when there are fewer, with
    # letters run together into a blob wider than one letter ("me" of a 240-dpi "Nîmes"), those before it and those
    # after it, each from its end of the word; else the first alone (the capital that starts a name), when its
    # blob is as tall as a capital and one letter wide.
    sized = [height[b] >= LETTER_SHARE * tallest for b in bodies]
    narrow = [s and width[b] <= ONE_LETTER * height[b] for s, b in zip(sized, bodies)]
    head = next((k for k, n in enumerate(narrow) if not n), len(bodies))
    tail = next((k for k, n in enumerate(reversed(narrow)) if not n), len(bodies))
    ends = list(zip(letters[:head], bodies[:head])) + \
        list(zip(letters[len(letters) - tail:], bodies[len(bodies) - tail:]))
    run_together = head + tail < len(bodies) and all(sized[head:len(bodies) - tail]) \
        and not any(narrow[head:len(bodies) - tail]) and w.text.isalnum()  # no punctuation to blur the count
    if len(bodies) == len(letters):
        pairs = list(zip(letters, bodies))
    elif len(bodies) < len(letters) and run_together and all(
            _fits(w.text[index], int(width[b]), int(height[b]), int(tallest)) for index, b in ends):
        pairs = ends
    elif letters and letters[0] == 0 and bodies and height[bodies[0]] >= TALL_SHARE * tallest \
            and width[bodies[0]] <= 1.3 * height[bodies[0]]:
        pairs = [(0, bodies[0])]
    else:
        pairs = []
    return pairs, bodies, marks


SMALL_LETTERS = set("acemnorsuvwxz")  # as tall as the x-height, their accents apart
STROKES = set("ilI")  # a stroke, and its dot or mark


def _fits(ch: str, width: int, height: int, tallest: int) -> bool:
    """Whether a blob could be this character: a stroke for an i or an l, a small letter less tall than the word's
    capitals, a capital or a digit as tall as they are. Letters run together into a blob no wider than one ("it"
    of a JPEG's "Hôpital") shift the pairing by one; a character paired with a blob of another shape shows it."""
    b = base(ch)
    if b in STROKES:
        return width <= STROKE * height
    if b in SMALL_LETTERS:
        return height < SMALL_SHARE * tallest
    if b.isupper() or b.isdigit():
        return height >= TALL_SHARE * tallest
    return True


def _word(w: tesseract.Word, pairs: list[tuple[int, int]], bodies: list[int], marks: list[int],
          labels: np.ndarray, stats: np.ndarray, line_top: float | None) -> tesseract.Word:
    text = list(w.text)
    centre = stats[:, cv2.CC_STAT_LEFT] + stats[:, cv2.CC_STAT_WIDTH] / 2

    def nearest(mark: int) -> int:  # a mark is the accent of one letter: the one whose middle it is nearest
        return min(bodies, key=lambda b: abs(centre[b] - centre[mark]))

    heights = stats[bodies, cv2.CC_STAT_HEIGHT] if bodies else np.zeros(0)
    tallest = heights.max() if heights.size else 0
    short = heights[(heights < SMALL_SHARE * tallest) & (heights >= LETTER_SHARE * tallest)]
    x_height = float(np.median(short)) if short.size else 0.0  # the height of the word's small letters

    seen: list[int] = []  # the capitals whose accent the image shows plainly
    for index, body in pairs:
        if base(text[index]) not in VOWELS | TALL_I:
            continue
        bx, by, bw, bh = (int(stats[body, k]) for k in (cv2.CC_STAT_LEFT, cv2.CC_STAT_TOP, cv2.CC_STAT_WIDTH,
                                                        cv2.CC_STAT_HEIGHT))
        over = [m for m in marks if bx - 1 <= centre[m] <= bx + bw + 1 and nearest(m) == body
                and stats[m, cv2.CC_STAT_TOP] + stats[m, cv2.CC_STAT_HEIGHT] <= by + 1
                and by - (stats[m, cv2.CC_STAT_TOP] + stats[m, cv2.CC_STAT_HEIGHT]) <= ACCENT_GAP * bh]
        capital_i = base(text[index]) in TALL_I
        if capital_i and (over == [] or (index > 0 and text[index - 1] not in "-'")):
            continue  # an l or I takes an accent only as a capital Î: first in its word, or after a hyphen
        if over:
            x0 = min(int(stats[m, cv2.CC_STAT_LEFT]) for m in over)
            y0 = min(int(stats[m, cv2.CC_STAT_TOP]) for m in over)
            x1 = max(int(stats[m, cv2.CC_STAT_LEFT] + stats[m, cv2.CC_STAT_WIDTH]) for m in over)
            y1 = max(int(stats[m, cv2.CC_STAT_TOP] + stats[m, cv2.CC_STAT_HEIGHT]) for m in over)
            mark = np.isin(labels[y0:y1, x0:x1], over)
        elif text[index] == "i" and x_height and merged_roof(labels[by : by + bh, bx : bx + bw] == body, x_height):
            text[index] = "î"
            continue
        elif base(text[index]) in FLAT_TOPS and line_top is not None and line_top - by >= max(2.0, STANDS_OUT * bh):
            mark = labels[by : int(line_top) - 1, bx : bx + bw] == body  # the part over the line's capitals
            cols = np.flatnonzero(mark.any(axis=0))
            if cols.size and cols[-1] - cols[0] + 1 >= OWN_TOP * bw:
                continue  # the letter's own top, its serifs standing over the line: Courier's E read "Ê", at 0.96
        else:
            continue
        accent = shape(mark)
        if accent in (DOT, None) and text[index].isupper() and any(c.islower() for c in text):
            # a capital's short accent run into it, or cut by a border, drifts as it goes down: a slanted stroke
            # (over a small letter, one half of a roof a blur broke drifts too: "Forêt" read "Forèt"; and so do a
            # hand's marks over its capitals, a word of capitals: "MAËLLE" read "MAÉLLE", "PRÊT" "PRÉT")
            slant = drift(mark)
            if abs(slant) >= DRIFTS:
                accent = GRAVE if slant > 0 else ACUTE
        if text[index] == "i" and accent in (DOT, None) and roof_over_i(mark, bh):
            accent = CIRCUMFLEX
        if accent == CIRCUMFLEX and base(text[index]) != text[index] and _filled(mark):
            continue  # a blob a blur filled in, open below: a roof, or two dots run together; the reading stands
        if capital_i and accent not in (CIRCUMFLEX, DIAERESIS):
            continue
        text[index] = _with_accent(text[index], accent)
        if text[index].isupper() and accent in CLEAR and base(text[index]) != text[index] \
                and base(text[index]) == base(w.text[index]):  # not an l read for an Î: its letters may be astray
            seen.append(index)
    new = "".join(text)
    # seen only where each letter is paired with its own blob (`_whole`), not the first alone
    return _capital_seen(w if new == w.text else replace(w, text=new), seen if _whole(w, pairs) else [])


CLEAR = (ACUTE, GRAVE, CIRCUMFLEX, DIAERESIS)  # the shapes that name an accent plainly

# Tesseract's French model hesitates between a capital's marks (È, Ê, Ë) and its word's confidence says so: "Ève"
# read at 0.26-0.45 with each of its characters at 0.89-0.99 (tesseract.Word.char_conf). Where the image shows
# the capital's accent plainly, that hesitation is settled; where each other character was read this surely,
# the word is as sure as a word read plainly: SEEN_CONF, and up to SEEN_SPAN more in the order Tesseract's own
# confidence puts such words (two renderings that read such a word and differ elsewhere, a comma, a hyphen, are
# still told apart as Tesseract told them). Only in a word each of whose letters was paired with its own blob, and
# for a capital read as that letter: an l read for an Î ("Île-Perrot" read "le-Perrot" on a fax) leaves the
# letters after it astray ("Îe-Perrot", at 0.92 before this rule, seed 101). Unseen fills, seed 1
# (tuning): of the 162 words read below 0.75 whose capital's accent the image showed, 127 had their other
# characters at CHAR_SURE or more, all 127 right; at 0.97, 139 and 1 wrong ("Mane-Ève"); at 0.95, 146 and 3.
CHAR_SURE = 0.98
SEEN_CONF = 0.9
SEEN_SPAN = 0.04  # below SURE_READING and CODE_SURE (0.95), which such a word never reaches so


def _capital_seen(w: tesseract.Word, seen: list[int]) -> tesseract.Word:
    """The word surer where the accents of its capitals at `seen` were read from the image and each of its other
    characters was read at CHAR_SURE or more (see CHAR_SURE). Not with the `cli` engine, which gives no character's
    confidence."""
    if not seen or w.conf >= SEEN_CONF or len(w.char_conf) != len(w.text):
        return w
    if all(c >= CHAR_SURE for i, c in enumerate(w.char_conf) if i not in seen):
        return replace(w, conf=SEEN_CONF + SEEN_SPAN * w.conf)
    return w


def _with_accent(ch: str, accent: str | None) -> str:
    if accent == BLURRED_ROOF:  # a weak sign: it gives a letter read without an accent one, never changes one
        accent = CIRCUMFLEX if base(ch) == ch else None
    if accent is None or accent == DOT:
        return ch
    b = base(ch)
    if b in TALL_I:
        b = "I"
    if b not in VOWELS:
        return ch
    out = unicodedata.normalize("NFC", b + accent)
    return out if out in FRENCH else ch


I_ROOF_WIDE = 0.3  # of an i's height (its stem's, with no dot): a mark over it this wide is no dot ...
I_ROOF_FLAT = 1.4  # ... when this many times as wide as tall, or open below, or this wide:
I_ROOF_WIDEST = 0.4
I_ROOF_TOP = 0.7  # and its top row is narrower than this share of its lower half: a roof, not two dots run together


def roof_over_i(mark: np.ndarray, height: int) -> bool:
    """Whether the one mark over an i (a boolean image of it) is a circumflex that a scan at 240 dpi, a JPEG or a
    dark scan filled into a blob, which shape() takes for a dot or cannot tell. The dot of an i is as wide as its
    stem: 0.08-0.33 of the stem's height over the 2,700 i's of the tuning scans (bench/unseen.py, seed 1, every
    typeface and scanner), and about as wide as tall; their roofs were 0.30-0.73 of it, wider than tall or open
    below, narrowing to their top."""
    rows, cols = np.flatnonzero(mark.any(axis=1)), np.flatnonzero(mark.any(axis=0))
    if not rows.size or height <= 0:
        return False
    mark = mark[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    if cv2.connectedComponents(mark.astype(np.uint8), connectivity=8)[0] - 1 != 1:
        return False
    h, w = mark.shape
    low = mark[-1]
    third = max(1, w // 3)
    open_below = bool(low[:third].any() and low[w - third:].any() and not low[w // 2])
    if w < I_ROOF_WIDE * height or not (open_below or w >= I_ROOF_FLAT * h or w >= I_ROOF_WIDEST * height):
        return False
    spans = [np.flatnonzero(r) for r in mark[h // 2:] if r.any()]
    return _peaks(mark[0]) == 1 and np.count_nonzero(mark[0]) < I_ROOF_TOP * max(int(c[-1] - c[0] + 1) for c in spans)


FILLED = 0.7  # share of its box a mark's ink fills: a blur's blob, whose shape says little


def _filled(mark: np.ndarray) -> bool:
    rows, cols = np.flatnonzero(mark.any(axis=1)), np.flatnonzero(mark.any(axis=0))
    return bool(rows.size) and float(mark[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1].mean()) >= FILLED


def _peaks(row: np.ndarray) -> int:
    """The runs of ink along one row of a mark."""
    ink = np.flatnonzero(row)
    return 0 if not ink.size else 1 + int(np.count_nonzero(np.diff(ink) > 1))


MERGED_OVER = 0.2  # of the x-height: how far an i's blob must rise over the small letters to carry its mark
MERGED_MARK = 0.5  # of the stem under it: the tallest a mark run into it is


def merged_roof(blob: np.ndarray, x_height: float) -> bool:
    """Whether the blob of an i (a boolean image of it) is its stem and a circumflex run together, as a JPEG or a
    240-dpi scan blurs the gap between them: the part over the word's small letters (`x_height`), cut at its
    narrowest row, no wider there than the stem, is a roof over it (see roof_over_i), centred on the stem."""
    h = blob.shape[0]
    cut = int(round(h - x_height))
    if cut < MERGED_OVER * x_height:
        return False
    widths = blob.sum(axis=1)
    widest = int(np.argmax(widths[:cut]))
    waist = widest + int(np.argmin(widths[widest : cut + 2]))
    stem = blob[cut + 2 :]
    if waist == 0 or waist > MERGED_MARK * (h - waist) or not stem.any() \
            or widths[waist] > np.median(widths[cut + 2 :]):
        return False
    mark = blob[:waist]
    mark_cols, stem_cols = np.flatnonzero(mark.any(axis=0)), np.flatnonzero(stem.any(axis=0))
    middle = (mark_cols[0] + mark_cols[-1]) / 2
    if abs(middle - (stem_cols[0] + stem_cols[-1]) / 2) > 0.2 * (mark_cols[-1] - mark_cols[0] + 1):
        return False
    return roof_over_i(mark, h - waist)


LEANS = 0.45  # a mark whose pixels' columns and rows correlate this much is a slanted stroke: an accent, no dot


def _lean(mark: np.ndarray) -> float:
    """How the pixels of a mark lie along a slant: the correlation of their columns with their rows (rows going
    down), > 0 for a grave accent, < 0 for an acute one, near 0 for a dot. The grave accent of a dark scan's "Ève",
    above the line's capitals, is 4 pixels wide and 6 tall: the middles of its halves are a pixel apart."""
    ys, xs = np.nonzero(mark)
    if len(xs) < 3 or xs.std() == 0 or ys.std() == 0:
        return 0.0
    return float(np.corrcoef(xs, ys)[0, 1])


DRIFTS = 0.3  # px a row: a mark that drifts so far, one way all along, is a slanted stroke


def drift(mark: np.ndarray) -> float:
    """How far the middle of a mark's rows moves sideways from one row to the next, going down (px a row, fitted
    over its rows): > 0 for a grave accent, < 0 for an acute one, about 0 for a dot or a roof. What a rule leaves
    of an accent printed against it is a wedge, widest where the rule cut it: "Été" on a light scan's 1040, its
    acute's lower half 4 by 5 pixels (its halves' middles a pixel apart, its pixels' slant 0.4), was taken for a
    dot."""
    rows = [np.flatnonzero(r) for r in mark]
    ys = np.array([y for y, r in enumerate(rows) if r.size], np.float32)
    if ys.size < 3 or any(r.size and r[-1] - r[0] + 1 != r.size for r in rows):  # a stroke: one run a row
        return 0.0
    middles = np.array([(r[0] + r[-1]) / 2 for r in rows if r.size], np.float32)
    steps = np.diff(middles)
    if np.any(steps * np.sign(steps.sum()) < 0):  # not one way all along: no stroke
        return 0.0
    return float(np.polyfit(ys, middles, 1)[0])


def shape(mark: np.ndarray) -> str | None:
    """The accent a letter's marks draw (a boolean image of them), or None when their shape is not clear."""
    rows, cols = np.flatnonzero(mark.any(axis=1)), np.flatnonzero(mark.any(axis=0))
    if not rows.size:
        return None
    mark = mark[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    n, pieces = cv2.connectedComponents(mark.astype(np.uint8), connectivity=8)
    h, w = mark.shape
    if n - 1 == 2:
        if not np.flatnonzero(~mark.any(axis=0)).size:
            return None
        # two dots side by side, a column of paper between them; or a roof broken at its top: "/" and "\"
        left, right = sorted((1, 2), key=lambda i: np.flatnonzero((pieces == i).any(axis=0))[0])
        halves = [shape(pieces == i) for i in (left, right)]
        if halves == [ACUTE, GRAVE]:
            return CIRCUMFLEX
        return DIAERESIS if halves == [DOT, DOT] else None  # two dashes: a roof the median filter cut in two
    if n - 1 != 1:
        return None
    x = np.arange(w)
    upper, lower = mark[: max(1, h // 2)], mark[h - max(1, h // 2):]
    xu = float((upper * x).sum() / max(1, upper.sum()))
    xl = float((lower * x).sum() / max(1, lower.sum()))
    if xu - xl > 0.2 * w:
        return ACUTE
    if xl - xu > 0.2 * w:
        return GRAVE
    lean = _lean(mark)
    if abs(lean) >= LEANS:  # a short stroke: its halves' middles close, its pixels in a slanted line all the same
        return GRAVE if lean > 0 else ACUTE
    if w <= 1.5 * h and h <= 1.5 * w and mark.mean() >= 0.6:
        return DOT
    low = mark[-1]
    if _peaks(mark[0]) > 1:  # a roof has one apex: two dots a blur bridged have two tops, and two feet
        return DIAERESIS if _peaks(low) > 1 else None
    if w >= ROOF_WIDE * h and low[: max(1, w // 3)].any() and low[w - max(1, w // 3):].any() and not low[w // 2]:
        return CIRCUMFLEX  # a roof, open below
    if w >= 1.8 * h and np.count_nonzero(mark[0]) < np.count_nonzero(low):
        return BLURRED_ROOF  # a roof filled in by a small font's blur, or an acute accent a JPEG smeared
    return None
