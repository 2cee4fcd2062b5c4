"""Preprocess a scanned page: deskew (projection-profile search), denoise, binarize.

Each function takes an image and returns a new one; nothing is modified in place.
"""

from __future__ import annotations

import cv2
import numpy as np

BLANK_INK_RATIO = 0.0015


def binarize(gray: np.ndarray) -> np.ndarray:
    """Otsu threshold; ink is 0, paper 255."""
    _, out = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return out


def ink_ratio(gray: np.ndarray, threshold: int = 128) -> float:
    return float(np.count_nonzero(gray < threshold)) / max(1, gray.size)


INK_LEVEL = 160  # a grey under this level is ink on any paper ...
FAINT_INK = 60  # ... and so is a grey this much under the paper's own, on a light scan's faded print


def ink_level(gray: np.ndarray) -> float:
    """The level under which an image mostly of paper holds ink: INK_LEVEL, or FAINT_INK under its paper (its
    median) if that is higher. A light scan prints grey 120-180 on paper 240-245: at the fixed level alone, two
    values of CERFA 11580 were read as empty fields, sure of it, and the print of CERFA 14411's light pages was not
    found where their template puts it. Bleed-through from the back page stays out (40-55 under the paper)."""
    return max(float(INK_LEVEL), float(np.median(gray)) - FAINT_INK)


BLANK_CONTRAST = 45  # grey levels below the paper's
BLANK_DPI = 75  # resolution a page is judged blank at: specks vanish, the strokes of 8-pt print do not


def is_blank(gray: np.ndarray, dpi: float = 300.0) -> bool:
    """A page with (almost) no ink once specks are removed, judged at BLANK_DPI whatever its resolution: judged at
    a quarter of its own, a 100-dpi scan's print (FUNSD's forms) averaged out to grey and read as a blank page."""
    f = min(1.0, BLANK_DPI / max(dpi, 1.0))
    small = cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else gray
    small = cv2.medianBlur(small, 3)
    # ink is what is darker than this page's paper by BLANK_CONTRAST: a light scan's faded print, averaged with the
    # paper around its thin strokes, stayed above the fixed level once used (160): whole form pages called blank
    level = int(np.median(small)) - BLANK_CONTRAST
    return ink_ratio(small, level) < BLANK_INK_RATIO


def _profile_score(ink: np.ndarray, angle: float) -> float:
    h, w = ink.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    rot = cv2.warpAffine(ink, m, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
    rows = cv2.reduce(rot, 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S)  # the ink of each row, exactly, 10x numpy's speed
    return float(np.var(rows.astype(np.float64)))


def estimate_skew(gray: np.ndarray, *, max_angle: float = 5.0) -> float:
    """The rotation (degrees, OpenCV convention) that makes text lines and box rules horizontal."""
    scale = min(1.0, 1000.0 / max(gray.shape))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    _, ink = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    best, best_score = 0.0, -1.0
    for step, span in ((0.5, max_angle), (0.1, 0.5), (0.02, 0.1)):
        center = best
        for angle in np.arange(center - span, center + span + 1e-9, step):
            score = _profile_score(ink, float(angle))
            if score > best_score:
                best, best_score = float(angle), score
    return round(best, 2)


def rotate(gray: np.ndarray, angle: float) -> np.ndarray:
    if abs(angle) < 0.01:
        return gray
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)


def denoise(gray: np.ndarray) -> np.ndarray:
    """Remove salt-and-pepper specks and grain without eroding strokes."""
    return cv2.medianBlur(gray, 3)


def deskew(gray: np.ndarray, *, max_angle: float = 5.0) -> tuple[np.ndarray, float]:
    angle = estimate_skew(gray, max_angle=max_angle)
    return rotate(gray, angle), angle


ROTATIONS = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


def turn(gray: np.ndarray, clockwise: int) -> np.ndarray:
    """Rotate by a multiple of 90 degrees, clockwise."""
    return cv2.rotate(gray, ROTATIONS[clockwise]) if clockwise in ROTATIONS else gray
