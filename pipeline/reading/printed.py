"""The characters of a typed code told apart one by one, by a reader that owes Tesseract nothing. A code of
capitals and digits (a file number, a plate) is read by Tesseract as a word: its language model reads a 0 between
letters as an O, a 5 as an S, and is as sure of its mistakes as of the rest (0.85-0.92 either way). Each glyph of
such a code is classified here on its own, by its shape and its proportions (a zero is narrower than an O in
proportional typefaces), by a small network that `tools/train_print.py` trains on capitals and digits typed in 40
typefaces of the npm registry's `@fontsource` packages and scanned in many ways; the typefaces forms are filled in
by the benches (DejaVu, Liberation, a PDF viewer's Helvetica, Times and Courier) are never used to train it.

The network is a plain two-layer perceptron run with numpy (`models/print.npz`, 0.3 MB): no runtime beyond what
reading needs already.
"""

from __future__ import annotations

import functools
from pathlib import Path

import cv2
import numpy as np

MODEL = Path(__file__).with_name("models") / "print.npz"
CLASSES = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
SIDE = 20  # a glyph's ink is drawn into SIDE x SIDE pixels, its longer side across, keeping its proportions


def _cut(ink: np.ndarray) -> np.ndarray | None:
    """A glyph's ink (bool, any size) cut to its box; None for no ink."""
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    return ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1] if rows.size else None


def _features(cut: np.ndarray, line: tuple[float, float, float]) -> np.ndarray:
    """A glyph's features: its ink cut to its box (`_cut`) drawn into a SIDE x SIDE square keeping its
    proportions; its width for its height (a zero is narrower than an O), how much of its box is ink (a bold
    face's, a thin one's); and against the glyphs of its code (`line`, see `_context`): its width and height for
    theirs, and how much their widths differ (in a monospaced face, little: there an O is as narrow as a zero)."""
    box = cut.astype(np.float32)
    h, w = box.shape
    scale = SIDE / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    small = cv2.resize(box, (nw, nh), interpolation=cv2.INTER_AREA)
    square = np.zeros((SIDE, SIDE), np.float32)
    y, x = (SIDE - nh) // 2, (SIDE - nw) // 2
    square[y:y + nh, x:x + nw] = small
    width, height, spread = line
    return np.concatenate([square.ravel(), [w / h, min(h / w, 4.0) / 4, float(box.mean()), w / width, h / height,
                                            spread]]).astype(np.float32)


def _context(cuts: list[np.ndarray]) -> tuple[float, float, float]:
    """The glyphs of a code (cut to their boxes): their median width and height, and how much their widths differ
    (the spread of their middle half, for their median)."""
    widths = np.array([c.shape[1] for c in cuts], np.float32)
    q1, median, q3 = np.percentile(widths, [25, 50, 75])
    return float(median), float(np.median([c.shape[0] for c in cuts])), float((q3 - q1) / median)


def code_features(glyphs: list[np.ndarray]) -> list[np.ndarray | None]:
    """The features of each glyph of one code (bool ink arrays, in their order), each set against the code's
    glyphs that hold ink; None for a glyph without ink. What the network is trained on and given."""
    cuts = [_cut(g) for g in glyphs]
    inked = [c for c in cuts if c is not None]
    line = _context(inked) if inked else None
    return [None if c is None else _features(c, line) for c in cuts]


class Model:
    """The network's weights (see tools/train_print.py): inputs standardized, one hidden layer of ReLUs, softmax."""

    def __init__(self, path: Path = MODEL):
        with np.load(path) as z:
            self.mean, self.std = z["mean"], z["std"]
            self.w1, self.b1, self.w2, self.b2 = z["w1"], z["b1"], z["w2"], z["b2"]

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """Each row of features (see `code_features`): the probability of each of CLASSES."""
        h = np.maximum((x - self.mean) / self.std @ self.w1 + self.b1, 0)
        z = h @ self.w2 + self.b2
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)


@functools.lru_cache(maxsize=1)
def model() -> Model | None:
    return Model() if MODEL.exists() else None


def classify(glyphs: list[np.ndarray]) -> np.ndarray | None:
    """The probability of each of CLASSES for each glyph's ink (bool arrays, the glyphs of one code in their
    order); None without the model. A glyph without ink gets no class (a row of zeros)."""
    m = model()
    if m is None:
        return None
    out = np.zeros((len(glyphs), len(CLASSES)), np.float32)
    rows = [(i, f) for i, f in enumerate(code_features(glyphs)) if f is not None]
    if rows:
        out[[i for i, _ in rows]] = m.probabilities(np.stack([f for _, f in rows]))
    return out
