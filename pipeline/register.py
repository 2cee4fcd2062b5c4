"""Register a page to its template page: ORB features + RANSAC homography at half scale.

The result maps page pixels to template pixels at WORK_DPI; its residual (mean reprojection error of the inliers,
in WORK_DPI pixels) is stored in the record. When features do not give a sane transform, the page is only
scaled to the template's size and the alignment is marked failed, which sends the record to review.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .templates import FEATURE_DPI, WORK_DPI, TemplatePage, orb

MIN_INLIERS = 25
MAX_RESIDUAL_PX = 6.0
MAX_TURN_DEG = 10.0  # pages are deskewed first (up to 5 degrees); more is a page the wrong way up


@dataclass(frozen=True)
class Alignment:
    ok: bool
    method: str  # "orb-homography" | "scale-only"
    inliers: int
    residual_px: float
    matrix: tuple[tuple[float, ...], ...]  # 3x3, page px -> template px at WORK_DPI
    reason: str = ""


def _scale_only(page: np.ndarray, tpl: TemplatePage, reason: str) -> Alignment:
    th, tw = tpl.image.shape
    ph, pw = page.shape
    m = np.diag([tw / pw, th / ph, 1.0])
    return Alignment(False, "scale-only", 0, float("nan"), tuple(map(tuple, m.tolist())), reason)


def _sane(h: np.ndarray) -> bool:
    """A transform a deskewed scan can need: near-unit scale, no perspective to speak of, and little rotation.
    ORB matches an upside-down page to its template too, but the half-turn then rides on a homography fitted at
    half scale (2 px residual against under 1 px for the same page turned exactly first): a page the wrong way
    up is left to be turned (`preprocess.turn`) and aligned again."""
    a = h[:2, :2]
    det = float(np.linalg.det(a))
    angle = abs(np.degrees(np.arctan2(a[1, 0] - a[0, 1], a[0, 0] + a[1, 1])))
    return 0.6 < det < 1.6 and abs(h[2, 0]) < 1e-3 and abs(h[2, 1]) < 1e-3 and angle <= MAX_TURN_DEG


def align(page: np.ndarray, tpl: TemplatePage) -> Alignment:
    """Estimate the transform from a page (any resolution) to the template page at WORK_DPI."""
    if tpl.descriptors is None or len(tpl.keypoints) < MIN_INLIERS:
        return _scale_only(page, tpl, "template has too few features to align on")
    f = tpl.small.shape[1] / page.shape[1]
    small = cv2.resize(page, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    kp, desc = orb().detectAndCompute(small, None)
    if desc is None or len(kp) < MIN_INLIERS:
        return _scale_only(page, tpl, "page has too few features to align on")
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
    pairs = matcher.knnMatch(desc, tpl.descriptors, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < 0.8 * p[1].distance]
    if len(good) < MIN_INLIERS:
        return _scale_only(page, tpl, f"only {len(good)} feature matches with the template")
    src = np.float32([kp[m.queryIdx].pt for m in good]).reshape(-1, 1, 2)
    dst = np.float32([tpl.keypoints[m.trainIdx].pt for m in good]).reshape(-1, 1, 2)
    h, mask = cv2.findHomography(src, dst, cv2.RANSAC, 3.0, maxIters=5000, confidence=0.999)
    if h is None or mask is None:
        return _scale_only(page, tpl, "no consistent transform between page and template")
    inl = mask.ravel().astype(bool)
    n = int(inl.sum())
    if n < MIN_INLIERS or not _sane(h):
        return _scale_only(page, tpl, f"alignment rejected ({n} inliers)")
    proj = cv2.perspectiveTransform(src[inl], h)
    k = WORK_DPI / FEATURE_DPI
    residual = float(np.mean(np.linalg.norm(proj - dst[inl], axis=2))) * k
    full = np.diag([k, k, 1.0]) @ h @ np.diag([f, f, 1.0])
    ok = residual <= MAX_RESIDUAL_PX
    return Alignment(ok, "orb-homography", n, round(residual, 3), tuple(map(tuple, full.tolist())),
                     "" if ok else f"alignment residual {residual:.1f} px is too high")


def warp(page: np.ndarray, alignment: Alignment, tpl: TemplatePage) -> np.ndarray:
    th, tw = tpl.image.shape
    m = np.array(alignment.matrix, dtype=np.float64)
    return cv2.warpPerspective(page, m, (tw, th), flags=cv2.INTER_LINEAR, borderValue=255)


def agreement(page: np.ndarray, alignment: Alignment, tpl: TemplatePage) -> float:
    """How much of the template's own print is found on the aligned page (0..1), at FEATURE_DPI: look-alike
    templates (two versions of one form) align equally well on their shared header, but only the right one has
    its boxes and labels where the page has ink."""
    k = FEATURE_DPI / WORK_DPI
    m = np.diag([k, k, 1.0]) @ np.array(alignment.matrix, dtype=np.float64)
    th, tw = tpl.small.shape
    small = cv2.warpPerspective(page, m, (tw, th), flags=cv2.INTER_AREA, borderValue=255)
    printed = tpl.small < 128
    if not printed.any():
        return 0.0
    dark = small < 160
    if dark.mean() > 4 * printed.mean() + 0.1:  # ink everywhere (a black or blotched page) agrees with anything
        return 0.0
    ink = cv2.dilate(dark.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    return float(np.count_nonzero(printed & ink)) / float(np.count_nonzero(printed))
