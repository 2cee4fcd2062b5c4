"""Hand print read a character at a time (ICR): Tesseract's models were trained on print, and read two fields of
hand print in five. People writing on a form print one character after another, most of them apart: a field's
ink is cut into glyphs (the pieces of ink that stand over one another make one: a letter and its accent, an "i"
and its dot, a stroke a scan broke), and each glyph is classified on its own by a small network trained on
handwriting typefaces (`tools/train_hand.py`, which also writes the model: `models/hand.onnx`, 0.7 MB).

A glyph is given to the network as its shape, scaled into a small square, with where it stands on the line: its
height, width, foot and top against the line's own (the median glyph's), so that an "o" and an "O", a comma and
an apostrophe, can be told apart. A field's confidence is its least sure character's probability.

Most hands join some letters, which no cut into glyphs takes apart well: a line is read whole where the line reader
is installed (`tools/train_lines.py`: `models/lines.onnx`, a small convolutional network trained with CTC on lines
written in the same typefaces), with no cut at all (`line_steps`). What it saw of the line (`Steps`) also tells how
likely any other text is (CTC's forward sum): a word no lexicon knows ("SAWTE") is read as the known word near it
that the line reader finds nearly as likely ("SAINTE", `with_known_words`, `lexicon`). Comb fields whose boxes
are printed are still read box by box by the glyph classifier.

The same glyph reader trained on typed print (`train_hand.py --typed`: `models/typed.onnx`) settles typed values
that Tesseract doubts (see extract._with_typed).

At run time the network is run by OpenCV's DNN module (0.04 ms a glyph); training uses PyTorch, an optional
install.
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from pipeline.reading import lexicon

MODEL = Path(__file__).with_name("models") / "hand.onnx"
CLASSES = MODEL.with_suffix(".classes")  # the characters the network's outputs stand for, in order
TYPED_MODEL = MODEL.with_name("typed.onnx")  # the same reader trained on typed print (`train_hand.py --typed`)
LINE_MODEL = MODEL.with_name("lines.onnx")  # the line reader (`tools/train_lines.py`): a line read whole, no cut
LINE_HEIGHT = 32  # rows of the line reader's input: the line's ink scaled into LINE_HEIGHT - 2 * LINE_PAD
LINE_PAD = 2
LINE_STEP = 4  # input columns per output step
LINE_CORE = 0.5  # of the tallest piece's height: pieces this tall are the line's letters; above and below their
LINE_ABOVE, LINE_BELOW = 0.5, 0.3  # band by these shares of its height, pieces are no part of the line
SIDE = 20  # a glyph's shape is drawn into SIDE x SIDE pixels, keeping its proportions
SHAPE = SIDE * SIDE
GEOMETRY = 5  # height, width, foot, top against the line's median glyph; and its pieces
MIN_INK = 6  # pieces of ink smaller than this (pixels at 300 dpi) are grain
STACKED = 0.4  # a piece standing over this share of another's width (or its own) is part of the same glyph
MIXED = 0.3  # a word with less than this share of letters (or digits) has none: "HÉBE9T" is "HÉBERT"
TOUCHING = "~"  # the class of glyphs that are characters touching, never read as such
WIDE = 0.8  # of the line's glyph height: a glyph this wide may be characters that touch
SPLIT_GAIN = 0.1  # how much surer both halves of a cut glyph must read than the whole
VARIANT_PLACES = 4  # a value that does not validate is tried with its least sure characters read otherwise
SPACE = 0.42  # of the line's median glyph height: a wider gap between glyphs is a space between words
WORD_GAP = 2.5  # ... and, in a line of glyphs set well apart, this many times wider than the line's usual gap


@dataclass(frozen=True)
class Glyph:
    x0: int
    y0: int
    x1: int
    y1: int
    mask: np.ndarray  # bool, y0:y1, x0:x1 of the line's ink
    pieces: int


@dataclass(frozen=True)
class Read:
    """A line read by the classifier: its text, each character's probability (spaces are sure), and each
    character's second likeliest reading (a space for none)."""
    text: str
    probabilities: tuple[float, ...]
    seconds: str = ""

    def variants(self, places: int = VARIANT_PLACES):
        """The text with one character read its second likeliest way, at the `places` least sure characters, the
        least sure first: what a value that does not validate may have been."""
        order = sorted((p, i) for i, p in enumerate(self.probabilities) if self.seconds[i:i + 1].strip())
        for _, i in order[:places]:
            yield self.text[:i] + self.seconds[i] + self.text[i + 1:]

    @property
    def confidence(self) -> float:
        return min(self.probabilities, default=0.0)


def glyphs(ink: np.ndarray) -> list[Glyph]:
    """The glyphs of a line of hand print, left to right: `ink` is a bool mask. Pieces that stand over one another
    (by STACKED of the narrower's width) are one glyph."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    pieces = [i for i in range(1, n) if stats[i, cv2.CC_STAT_AREA] >= MIN_INK]
    pieces.sort(key=lambda i: stats[i, cv2.CC_STAT_LEFT])
    groups: list[list[int]] = []
    spans: list[list[int]] = []
    for i in pieces:
        a = int(stats[i, cv2.CC_STAT_LEFT])
        b = a + int(stats[i, cv2.CC_STAT_WIDTH])
        for k in range(len(groups) - 1, max(-1, len(groups) - 5), -1):  # the last few glyphs only
            ga, gb = spans[k]
            if min(b, gb) - max(a, ga) >= STACKED * min(b - a, gb - ga):
                groups[k].append(i)
                spans[k] = [min(ga, a), max(gb, b)]
                break
        else:
            groups.append([i])
            spans.append([a, b])
    out = []
    for g in sorted(groups, key=lambda g: min(stats[i, cv2.CC_STAT_LEFT] for i in g)):
        x0 = min(int(stats[i, cv2.CC_STAT_LEFT]) for i in g)
        y0 = min(int(stats[i, cv2.CC_STAT_TOP]) for i in g)
        x1 = max(int(stats[i, cv2.CC_STAT_LEFT] + stats[i, cv2.CC_STAT_WIDTH]) for i in g)
        y1 = max(int(stats[i, cv2.CC_STAT_TOP] + stats[i, cv2.CC_STAT_HEIGHT]) for i in g)
        mask = np.isin(labels[y0:y1, x0:x1], g)
        out.append(Glyph(x0, y0, x1, y1, mask, len(g)))
    return out


def shape(mask: np.ndarray) -> np.ndarray:
    """A glyph's ink scaled into SIDE x SIDE, its proportions kept, centred; values 0..1."""
    h, w = mask.shape
    k = (SIDE - 2) / max(h, w)
    sh, sw = max(1, round(h * k)), max(1, round(w * k))
    small = cv2.resize(mask.astype(np.float32), (sw, sh), interpolation=cv2.INTER_AREA)
    out = np.zeros((SIDE, SIDE), np.float32)
    top, left = (SIDE - sh) // 2, (SIDE - sw) // 2
    out[top:top + sh, left:left + sw] = small
    return out.reshape(-1)


def features(line: list[Glyph], within: list[Glyph] | None = None) -> np.ndarray:
    """One row per glyph: its shape, then where it stands against the median glyph of its line (`within`, if the
    glyphs are not the whole line)."""
    if not line:
        return np.zeros((0, SHAPE + GEOMETRY), np.float32)
    size, foot = _median(within or line)
    rows = []
    for g in line:
        geo = [(g.y1 - g.y0) / size, (g.x1 - g.x0) / size, (g.y1 - foot) / size, (foot - size - g.y0) / size,
               min(g.pieces, 3) / 3]
        rows.append(np.concatenate([shape(g.mask), np.clip(np.float32(geo), -3, 3)]))
    return np.stack(rows).astype(np.float32)


def _median(line: list[Glyph]) -> tuple[float, float]:
    """The line's median glyph height and foot."""
    return (max(1.0, float(np.median([g.y1 - g.y0 for g in line]))), float(np.median([g.y1 for g in line])))


class Model:
    """The trained network (ONNX, run by OpenCV's DNN module) and its classes. A DNN net is not to be shared by
    threads that run at once: each thread loads its own."""

    def __init__(self, path: Path, classes: str):
        self.path, self.classes = path, classes
        self._local = threading.local()

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        net = getattr(self._local, "net", None)
        if net is None:
            net = self._local.net = cv2.dnn.readNetFromONNX(str(self.path))
        net.setInput(np.ascontiguousarray(x, np.float32))
        z = net.forward().astype(np.float64)
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)


@functools.lru_cache(maxsize=2)
def model(path: Path = MODEL) -> Model | None:
    """The trained classifier (`path`: MODEL, or TYPED_MODEL), or None where it was not installed."""
    classes = path.with_suffix(".classes")
    if not (path.exists() and classes.exists()):
        return None
    return Model(path, classes.read_text(encoding="utf-8").rstrip("\n"))


def available(path: Path = MODEL) -> bool:
    return model(path) is not None


def line_image(ink: np.ndarray) -> np.ndarray | None:
    """A line's ink as the line reader takes it (and is trained on): grain dropped, cut to its ink, scaled to
    LINE_HEIGHT rows (LINE_PAD of paper above and below, and as much on either side), its proportions kept;
    float32, 1 for ink. None with no ink."""
    line = _line(ink)
    return None if line is None else line[0]


def _line(ink: np.ndarray) -> tuple[np.ndarray, tuple[float, ...]] | None:
    """line_image, and the columns of that image where the line's words are apart: gaps between its glyphs wider
    than SPACE of their median height."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    kept = np.flatnonzero(stats[1:, cv2.CC_STAT_AREA] >= MIN_INK) + 1
    if not kept.size:
        return None
    top, height = stats[kept, cv2.CC_STAT_TOP], stats[kept, cv2.CC_STAT_HEIGHT]
    tall = height >= LINE_CORE * height.max()  # the letters: the line's band is where they stand
    a, b = top[tall].min(), (top + height)[tall].max()
    reach = b - a
    kept = kept[(top + height > a - LINE_ABOVE * reach) & (top < b + LINE_BELOW * reach)]  # accents; not a rule's end
    mask = np.isin(labels, kept)
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    mask = mask[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    inner = LINE_HEIGHT - 2 * LINE_PAD
    k = inner / mask.shape[0]
    width = max(1, round(mask.shape[1] * k))
    small = cv2.resize(mask.astype(np.float32), (width, inner), interpolation=cv2.INTER_AREA)
    image = cv2.copyMakeBorder(small, LINE_PAD, LINE_PAD, LINE_PAD, LINE_PAD, cv2.BORDER_CONSTANT, value=0.0)
    line = glyphs(mask)
    size, _ = _median(line) if line else (1.0, 0.0)
    gaps, right = [], None
    for g in line:
        if right is not None:
            gaps.append((g.x0 - right, right, g.x0))
        right = g.x1 if right is None else max(right, g.x1)
    usual = float(np.median([max(0, w) for w, _, _ in gaps])) if len(gaps) >= 3 else 0.0
    spaces = [LINE_PAD + k * (a + b) / 2 for w, a, b in gaps if w > max(SPACE * size, WORD_GAP * usual)]
    return image, tuple(spaces)


class LineModel(Model):
    """The line reader (ONNX, OpenCV's DNN module): for a line image (`line_image`), each output step's
    probabilities over its classes, the first of which (TOUCHING in its classes file) is "no character" (CTC's
    blank)."""

    def steps(self, image: np.ndarray) -> np.ndarray:
        """One row per output step (LINE_STEP input columns), its probabilities over the classes."""
        return self.probabilities(image[None, None])[0, :, 0, :].T


@dataclass(frozen=True)
class Steps:
    """What the line reader saw of a line: each output step's probabilities over `classes` (blank first)."""
    p: np.ndarray
    classes: str
    spaces: tuple[float, ...] = ()  # input columns where the line's words are apart (gaps in its ink)

    def best(self) -> Read:
        """The likeliest class of each step, repeats and blanks dropped (best path). A character's probability is
        its steps' highest; its second likeliest reading, the likeliest other character at that step. A space is
        read where the ink's words are apart (the reader, trained on hands that space their words less, drops
        many: "HÔPITALDEBAIE-COMEAU"), and a word read in mixed case is read in the one case (capitals, a capital
        first, small letters) the reader finds likeliest ("CHIcoUTIMI"), and a line written in capitals in
        capitals throughout where the reader finds that nearly as likely (`_in_capitals`)."""
        return self._in_capitals(self._cased(_best_path(self.p, self.classes, self.spaces)))

    def _cased(self, read: Read) -> Read:
        """Each word read in mixed case in the one case the reader finds likeliest: capitals, a capital first, or
        small letters ("CHIcoUTIMI"); then a compound one of whose parts is in capitals and another not
        ("SAINT-érôme") likewise, each part with a capital first for the second. A compound's parts in small
        letters between capitalized ones stay ("Rivière-du-Loup", "Val-d'Or")."""
        text = read.text
        for pattern, mixed in ((LETTERS, _mixed_word), (COMPOUND, _mixed_compound)):
            for word in pattern.finditer(text):
                w = word.group()
                if not mixed(w):
                    continue
                start, end = word.span()  # the same length in every case: the spans hold
                forms = [w.upper(), LETTERS.sub(lambda m: m.group()[0].upper() + m.group()[1:].lower(), w),
                         w.lower()]
                ll = self.log_likelihoods([text[:start] + f + text[end:] for f in forms])
                text = text[:start] + forms[int(ll.argmax())] + text[end:]
        return replace(read, text=text)

    def _in_capitals(self, read: Read) -> Read:
        """A line most of whose words are written in capitals (CAPITAL_WORDS of them, more than those that are
        not) in capitals throughout, where the line reader finds that at most e**CAPITALS less likely than as read:
        a hand that writes a field in capitals writes all of it so, and the reader takes an "e" or a "d" written
        small-sized for its small letter ("RUE Des ÉRABLES", "ANAÏS LEFÈVRE, Québec", "FÉDÉRATION DE
        Saint-Jérôme")."""
        words = [w for w in read.text.split() if len("".join(LETTERS.findall(w))) > 1]  # a compound is one word
        capitals = sum(w.isupper() for w in words)
        if capitals < CAPITAL_WORDS or capitals <= len(words) - capitals or read.text == read.text.upper():
            return read
        ll = self.log_likelihoods([read.text, read.text.upper()])
        return replace(read, text=read.text.upper()) if ll[1] + CAPITALS >= ll[0] else read

    def log_likelihood(self, text: str) -> float:
        """How likely the line reader finds that the line says `text` (CTC's forward sum over every way its
        steps can spell it; -inf for a text it cannot spell: a character it does not know, too many for its
        steps)."""
        return float(self.log_likelihoods([text])[0])

    def log_likelihoods(self, texts: list[str]) -> np.ndarray:
        """log_likelihood of each of `texts`, all at once."""
        index = {c: i for i, c in enumerate(self.classes) if i}
        spelt = [[index.get(c, -1) for c in t] for t in texts]
        fits = np.array([-1 not in s for s in spelt])
        out = np.full(len(texts), -np.inf)
        if fits.any():
            out[fits] = _ctc_many(np.log(np.maximum(self.p, 1e-12)), [s for s, f in zip(spelt, fits) if f])
        return out


def line_steps(ink: np.ndarray, allowed: str | None = None) -> Steps | None:
    """What the line reader sees of a line of ink (its `best` reading is the line read whole, with no cut into
    glyphs); the classes a field's whitelist (`allowed`) leaves out never read. None with no model or no ink."""
    m = line_model()
    line = None if m is None else _line(ink)
    if line is None:
        return None
    image, spaces = line
    p = m.steps(image)
    keep = np.array([i == 0 or (c != TOUCHING and (not allowed or c in allowed or c == " "))
                     for i, c in enumerate(m.classes)])
    p = p * keep
    return Steps(p / np.maximum(p.sum(axis=1, keepdims=True), 1e-9), m.classes, spaces)


KNOWN_WORD = 8.0  # log-likelihood: a word the lexicon knows is taken where the line reader, weighing how common the
# word is, finds it at least e**-KNOWN_WORD as likely as an unknown word it read (set on the tuning hands,
# bench/handprint.py --fonts tuning: 4 and 8 read 62.4 and 62.7 % of their fields)
CAPITAL_WORDS = 2  # words in capitals that make a line one written in capitals (with more of them than not) ...
CAPITALS = 4.0  # ... read in capitals throughout where the line reader finds that at most e**CAPITALS less likely
LETTERS = re.compile(r"[^\W\d_]+")
COMPOUND = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)+")  # words a hyphen or an apostrophe joins


def _mixed_word(w: str) -> bool:
    return len(w) > 1 and not (w.isupper() or w.islower() or (w[0].isupper() and w[1:].islower()))


def _mixed_compound(w: str) -> bool:
    parts = LETTERS.findall(w)
    return any(len(p) > 1 and p.isupper() for p in parts) and any(not p.isupper() for p in parts)


def with_known_words(steps: Steps, text: str) -> str:
    """`text` (read from `steps`) with each word of three letters or more that the lexicon does not know read as
    the known word near it (`lexicon.near`), or as two known words a space apart (`_split_words`), likeliest by the
    line reader and by how common the word is (`_commonness`: the reader's likelihood times the word's odds against
    an unknown word), if nearly as likely as the word read (KNOWN_WORD). A name the lexicon does not know stays as
    read."""
    if not lexicon.available():
        return text
    for word in list(LETTERS.finditer(text)):
        w = word.group()
        if len(w) < 3 or lexicon.known(w):
            continue
        start, end = word.span()
        offset = len(text) - len(word.string)  # earlier words replaced may have changed the text's length
        start, end = start + offset, end + offset
        found = [lexicon.cased(c, w) for c in lexicon.near(w)] + _split_words(w)
        if not found:
            continue
        lines = [text] + [text[:start] + c + text[end:] for c in found]
        ll = steps.log_likelihoods(lines) + np.log(10) * np.array([0.0] + [_commonness(c) for c in found])
        k = int(ll[1:].argmax()) + 1
        if ll[k] + KNOWN_WORD >= ll[0]:
            text = lines[k]
    return text


PARTICLES = frozenset(("au", "de", "du", "en", "et", "la", "le"))  # words of two letters, which the lexicon leaves
# out, that names and addresses hold ("Société de Lévis", "chemin du Lac-Écho")


def _commonness(words: str) -> float:
    """How much commoner than the rarest known word the least common word of `words` is (`lexicon.frequency`, Zipf:
    log10), a particle counting as the rarest: the log-odds, base 10, that a value holds it rather than a word no
    lexicon knows."""
    parts = [p for p in LETTERS.findall(words) if p.lower() not in PARTICLES]
    return min((lexicon.frequency(p) for p in parts), default=lexicon.FLOOR) - lexicon.FLOOR


def _split_words(w: str) -> list[str]:
    """`w` as two known words a space apart, a hand having written them close ("RUESAINT-ÉTIENNE": "RUE
    SAINT-ÉTIENNE", "SOCIÉTÉDE": "SOCIÉTÉ DE"); each a word the lexicon knows or one of PARTICLES."""
    def word(part: str) -> bool:
        return part.lower() in PARTICLES or lexicon.known(part)

    return [f"{w[:i]} {w[i:]}" for i in range(2, len(w) - 1) if word(w[:i]) and word(w[i:])]


def _ctc_many(logp: np.ndarray, texts: list[list[int]]) -> np.ndarray:
    """log P(text | steps) of each of `texts` (class indices) at once: CTC's forward recursion over the texts'
    extended labels (a blank before, between and after the characters), all of them a step at a time."""
    n, most = len(texts), max((len(t) for t in texts), default=0)
    width = 2 * most + 1
    ext = np.zeros((n, width), int)
    for i, t in enumerate(texts):
        ext[i, 1:2 * len(t):2] = t
    ends = np.array([2 * len(t) for t in texts])
    inside = np.arange(width)[None, :] <= ends[:, None]
    skip = np.zeros((n, width), bool)  # a character may follow the one before it with no blank between, if unlike
    skip[:, 3::2] = ext[:, 3::2] != ext[:, 1:-2:2]
    alpha = np.full((n, width), -np.inf)
    alpha[:, 0] = logp[0, 0]
    alpha[:, 1:2] = np.where(ends[:, None] > 0, logp[0, ext[:, 1:2]], -np.inf) if width > 1 else alpha[:, 1:2]
    pad = np.full((n, 2), -np.inf)
    for t in range(1, len(logp)):
        shifted = np.hstack([pad, alpha])
        one, two = shifted[:, 1:-1], np.where(skip, shifted[:, :-2], -np.inf)
        alpha = np.logaddexp(np.logaddexp(alpha, one), two) + np.where(inside, logp[t, ext], -np.inf)
    rows = np.arange(n)
    last = alpha[rows, ends]
    return np.where(ends > 0, np.logaddexp(last, alpha[rows, np.maximum(ends - 1, 0)]), last)


def _best_path(p: np.ndarray, classes: str, spaces: tuple[float, ...] = ()) -> Read:
    best = p.argmax(axis=1)
    chars, probs, seconds, at = [], [], [], []
    last = 0
    for t, c in enumerate(best):
        if c != 0 and c != last:
            chars.append(classes[c])
            probs.append(float(p[t, c]))
            others = p[t].copy()
            others[[0, c]] = 0
            seconds.append(classes[int(others.argmax())] if others.max() > 0 else " ")
            at.append((t + 0.5) * LINE_STEP)  # where it stands: the middle of its steps
            first = t
        elif c != 0:
            probs[-1] = max(probs[-1], float(p[t, c]))
            at[-1] = ((first + t) / 2 + 0.5) * LINE_STEP
        last = c
    for gap in sorted(spaces, reverse=True):  # a space where the ink's words are apart and none was read
        i = int(np.searchsorted(at, gap))
        if 0 < i < len(chars) and not {chars[i - 1], chars[i]} & set(" -'"):
            chars.insert(i, " ")
            probs.insert(i, 1.0)
            seconds.insert(i, " ")
            at.insert(i, gap)
    text = "".join(chars)
    if text != text.strip():  # a space read at either end is none
        lead = len(text) - len(text.lstrip())
        end = len(text.rstrip())
        chars, probs, seconds = chars[lead:end], probs[lead:end], seconds[lead:end]
    return Read("".join(chars), tuple(probs), "".join(seconds))


@functools.lru_cache(maxsize=1)
def line_model() -> LineModel | None:
    """The line reader, or None where it was not installed."""
    classes = LINE_MODEL.with_suffix(".classes")
    if not (LINE_MODEL.exists() and classes.exists()):
        return None
    return LineModel(LINE_MODEL, classes.read_text(encoding="utf-8").rstrip("\n"))


def read_line(ink: np.ndarray, allowed: str | None = None, path: Path = MODEL) -> Read | None:
    """The text of one line of hand print (`ink`: bool mask, True where ink), or None with no model or no ink.
    `allowed`: the field's whitelist; the characters it leaves out are never read. `path`: the model read with
    (TYPED_MODEL: the line is typed). Read glyph by glyph; `line_steps` reads it whole."""
    m = model(path)
    line = glyphs(ink)
    if m is None or not line:
        return None
    line = _split(m, line, allowed)
    p = _allowed(m, m.probabilities(features(line)), allowed)
    if p is None:
        return None
    size, _ = _median(line)
    words: list[list[int]] = [[]]
    for i, g in enumerate(line):
        if i and g.x0 - line[i - 1].x1 > SPACE * size:
            words.append([])
        words[-1].append(i)
    return _read(m, p, words)


def _read(m: Model, p: np.ndarray, words: list[list[int]]) -> Read:
    """The text of glyphs whose probabilities are `p`, grouped in `words` (indices into `p`) a space apart, each
    word read together (`_word`)."""
    chars, probs, seconds = [], [], []
    for w in words:
        if chars:
            chars.append(" ")
            probs.append(1.0)
            seconds.append(" ")
        for i, (c, alt) in zip(w, _word(m, p[w])):
            chars.append(m.classes[c])
            probs.append(float(p[i, c]))
            seconds.append(m.classes[alt] if alt >= 0 else " ")
    return Read("".join(chars), tuple(probs), "".join(seconds))


def _split(m: Model, line: list[Glyph], allowed: str | None) -> list[Glyph]:
    """The line's glyphs with those that are two characters touching ("56" written close) cut in two: a glyph
    wider than WIDE of the line's glyph height is cut where a column crosses one stroke only and holds least ink,
    and stays cut when both halves read surer than the whole did, by SPLIT_GAIN."""
    size, _ = _median(line)
    wide = [i for i, g in enumerate(line) if g.x1 - g.x0 >= WIDE * size]
    if not wide:
        return line
    whole = _allowed(m, m.probabilities(features([line[i] for i in wide], line)), allowed)
    if whole is None:
        return line
    tries: dict[int, list[tuple[Glyph, Glyph]]] = {}
    for i in wide:
        g = line[i]
        w = g.x1 - g.x0
        cols = g.mask.sum(axis=0)
        runs = (np.diff(g.mask.astype(np.int8), axis=0) == 1).sum(axis=0) + g.mask[0]  # strokes each column crosses
        places = [c for c in range(int(0.25 * w), int(0.75 * w) + 1) if runs[c] <= 1]  # an "o" is no "()"
        cuts = sorted(places, key=lambda c: (cols[c], abs(c - w / 2)))[:3]
        pairs = [(_part(g, 0, c), _part(g, c, w)) for c in cuts]
        tries[i] = [(a, b) for a, b in pairs if a is not None and b is not None]
    halves = [h for i in wide for t in tries[i] for h in t]
    if not halves:
        return line
    p = _allowed(m, m.probabilities(features(halves, line)), allowed).max(axis=1)  # all of the line's cuts at once
    cut: dict[int, list[Glyph]] = {}
    k = 0
    for i, pw in zip(wide, whole):
        n = len(tries[i])
        sure = p[k:k + 2 * n].reshape(n, 2).min(axis=1) if n else np.zeros(0)
        k += 2 * n
        if n and sure.max() > pw.max() + SPLIT_GAIN:
            cut[i] = list(tries[i][int(sure.argmax())])
    return [h for i, g in enumerate(line) for h in cut.get(i, [g])]


def _part(g: Glyph, a: int, b: int) -> Glyph | None:
    """Columns a:b of a glyph, trimmed to its ink."""
    mask = g.mask[:, a:b]
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    if mask.sum() < MIN_INK or not rows.size:
        return None
    mask = mask[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    return Glyph(g.x0 + a + int(cols[0]), g.y0 + int(rows[0]), g.x0 + a + int(cols[-1]) + 1, g.y0 + int(rows[-1]) + 1,
                 mask, 1)


def _allowed(m: Model, p: np.ndarray, allowed: str | None) -> np.ndarray | None:
    """Each glyph's probabilities over the characters the field allows (all, with no whitelist), and none for
    TOUCHING: what a glyph is likely to be besides a character is doubt that stays."""
    keep = _keep(m.classes, allowed)
    if not keep.any():
        return None
    if allowed:
        p = p * (keep | _kinds(m.classes)["touching"])
        p = p / np.maximum(p.sum(axis=1, keepdims=True), 1e-9)
    return p * keep


@functools.lru_cache(maxsize=64)
def _keep(classes: str, allowed: str | None) -> np.ndarray:
    """The classes a field with this whitelist may read: characters it allows (all, with none), never TOUCHING."""
    return np.array([c != TOUCHING and (not allowed or c in allowed) for c in classes])


def _word(m: Model, p: np.ndarray) -> list[tuple[int, int]]:
    """The classes of one word's glyphs, read together: a word is letters or digits (the marks go with either)
    unless both come often enough to make it a code, and its letters are all capitals, or all small after the
    first, whichever the word's glyphs make likelier."""
    kinds = _kinds(m.classes)
    letters, digits = p[:, kinds["letter"]].sum(), p[:, kinds["digit"]].sum()
    group = kinds["letter"] if letters >= digits else kinds["digit"]
    if min(letters, digits) < MIXED * (letters + digits):  # a code mixes them: "7W-R3G-28"
        p = p * (group | kinds["mark"])
    if group is kinds["letter"] and len(p) > 1:
        rest = p[1:]
        if rest[:, kinds["upper"]].sum() >= rest[:, kinds["lower"]].sum():  # capitals throughout
            p = p * (kinds["upper"] | kinds["mark"] | kinds["digit"])
        else:  # small letters, after a capital or not
            p = np.vstack([p[:1], rest * (kinds["lower"] | kinds["mark"] | kinds["digit"])])
    ranked = np.argsort(-p, axis=1)
    return [(int(r[0]), int(r[1]) if len(r) > 1 and q[r[1]] > 0 else -1) for r, q in zip(ranked, p)]


@functools.lru_cache(maxsize=4)
def _kinds(classes: str) -> dict[str, np.ndarray]:
    """Which classes are letters, digits, marks (neither), capitals, small letters, and TOUCHING."""
    tests = {"letter": str.isalpha, "digit": str.isdigit, "mark": lambda c: not c.isalnum(), "upper": str.isupper,
             "lower": str.islower, "touching": lambda c: c == TOUCHING}
    return {kind: np.array([test(c) for c in classes]) for kind, test in tests.items()}


def read_boxes(boxes: list[np.ndarray], allowed: str | None = None, path: Path = MODEL) -> Read | None:
    """A comb field: one character a box (`boxes`: each box's ink as a bool mask, all of the same rows); an
    empty box is no character."""
    m = model(path)
    if m is None:
        return None
    cells = []
    for ink in boxes:
        line = glyphs(ink)
        if line:  # the box's pieces are its one character
            x0, y0 = min(g.x0 for g in line), min(g.y0 for g in line)
            x1, y1 = max(g.x1 for g in line), max(g.y1 for g in line)
            cells.append(Glyph(x0, y0, x1, y1, ink[y0:y1, x0:x1], sum(g.pieces for g in line)))
    if not cells:
        return None
    p = _allowed(m, m.probabilities(features(cells)), allowed)
    return None if p is None else _read(m, p, [list(range(len(cells)))])
