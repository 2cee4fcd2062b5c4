"""Register a page to its template page: ORB features + RANSAC homography at half scale.

The result maps page pixels to template pixels at WORK_DPI; its residual (mean reprojection error of the inliers,
in WORK_DPI pixels) is stored in the record. When features do not give a sane transform, the page is only
scaled to the template's size and the alignment is marked failed, which sends the record to review; so is an
alignment that fits badly (MAX_RESIDUAL_PX) or leaves part of the template page uncovered (MIN_COVER).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..inputs.preprocess import ink_level
from .templates import FEATURE_DPI, FEATURES, WORK_DPI, TemplatePage, orb

MIN_INLIERS = 25
MAX_RESIDUAL_PX = 6.0
# A page aligned covers its template page but for what a scanner cut or a paper size lacks (an A4 form scanned on
# letter paper: 94 %; every page of the benches aligned in place covers 97 % or more). A form whose blocks repeat
# down the page aligns to itself a block off as well: CERFA 13969's page of three members, scanned at 240 dpi,
# aligned on 101 of its 5,000 strongest features a block (877 px) low, covering 75 % of the form, and each block
# read the one above it, sure (0.92-0.99); on 20,000, 306 features put it in place.
MIN_COVER = 0.9
MAX_TURN_DEG = 10.0  # pages are deskewed first (up to 5 degrees); more is a page the wrong way up


@dataclass(frozen=True)
class Alignment:
    ok: bool
    method: str  # "orb-homography" | "orb-affine" | "scale-only"
    inliers: int
    residual_px: float
    matrix: tuple[tuple[float, ...], ...]  # 3x3, page px -> template px at WORK_DPI
    reason: str = ""
    refused: int = 0  # the inliers of a transform refused (too few, or turning the page): not in the record
    cover: float = 0.0  # the share of the template page the page covers once aligned (1.0: all of it)


def _scale_only(page: np.ndarray, tpl: TemplatePage, reason: str, refused: int = 0) -> Alignment:
    th, tw = tpl.image.shape
    ph, pw = page.shape
    m = np.diag([tw / pw, th / ph, 1.0])
    return Alignment(False, "scale-only", 0, float("nan"), tuple(map(tuple, m.tolist())), reason, refused)


def _sane(h: np.ndarray) -> bool:
    """A transform a deskewed scan can need: near-unit scale, no perspective to speak of, and little rotation.
    ORB matches an upside-down page to its template too, but the half-turn then rides on a homography fitted at
    half scale (2 px residual against under 1 px for the same page turned exactly first): a page the wrong way
    up is left to be turned (`preprocess.turn`) and aligned again."""
    a = h[:2, :2]
    det = float(np.linalg.det(a))
    angle = abs(np.degrees(np.arctan2(a[1, 0] - a[0, 1], a[0, 0] + a[1, 1])))
    return 0.6 < det < 1.6 and abs(h[2, 0]) < 1e-3 and abs(h[2, 1]) < 1e-3 and angle <= MAX_TURN_DEG


# What aligning one page found so far: its ORB features by width and count, and its alignment to each template page
# by count. One page is aligned to several templates, and to the same ones again (by look, then by its words).
Features = dict


# a page's features when its strongest aligned it to nothing or barely (see `align_any`): four times as many, and
# where the page's words name the form, eight times as many after that
CROWDED_FEATURES = 4 * FEATURES
NAMED_FEATURES = (CROWDED_FEATURES, 8 * FEATURES)
CROWDED_MATCHES = 100  # ... fewer inliers than this; and no refused transform held as many (a page turned the wrong
# way does)


def align(page: np.ndarray, tpl: TemplatePage, features: Features | None = None, count: int = FEATURES
          ) -> Alignment:
    """Estimate the transform from a page (any resolution) to the template page at WORK_DPI, on the page's `count`
    strongest features. `features`, the same dict for every template one page is aligned to, keeps the page's
    features found at each width and count."""
    if tpl.descriptors is None or len(tpl.keypoints) < MIN_INLIERS:
        return _scale_only(page, tpl, "template has too few features to align on")
    f = tpl.small.shape[1] / page.shape[1]
    width = tpl.small.shape[1]
    found = None if features is None else features.get((width, count))
    if found is None:
        small = cv2.resize(page, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
        found = (small.shape, *orb(count).detectAndCompute(small, None))
        if features is not None:
            features[(width, count)] = found
    shape, kp, desc = found
    if desc is None or len(kp) < MIN_INLIERS:
        return _scale_only(page, tpl, "page has too few features to align on")
    pairs = nearest_two(desc, tpl.descriptors)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < 0.8 * p[1].distance]
    if len(good) < MIN_INLIERS:
        return _scale_only(page, tpl, f"only {len(good)} feature matches with the template")
    src = np.float32([kp[m.queryIdx].pt for m in good]).reshape(-1, 1, 2)
    dst = np.float32([tpl.keypoints[m.trainIdx].pt for m in good]).reshape(-1, 1, 2)
    fit = _fit(src, dst, shape)
    if fit is None:
        return _scale_only(page, tpl, "no consistent transform between page and template")
    method, h, inl = fit
    n = int(inl.sum())
    if n < MIN_INLIERS or not _sane(h):
        return _scale_only(page, tpl, f"alignment rejected ({n} inliers)", n)
    k = WORK_DPI / FEATURE_DPI
    residual = _residual(h, src[inl], dst[inl]) * k
    full = np.diag([k, k, 1.0]) @ h @ np.diag([f, f, 1.0])
    cover = covered(full, page.shape, tpl.image.shape)
    reason = (f"alignment residual {residual:.1f} px is too high" if residual > MAX_RESIDUAL_PX
              else f"the page aligned covers {cover:.0%} of the form" if cover < MIN_COVER else "")
    return Alignment(not reason, method, n, round(residual, 3), tuple(map(tuple, full.tolist())), reason,
                     cover=cover)


COVER_STEP = 10  # template pixels a side of the grid the share covered is counted on


def covered(matrix: np.ndarray, shape: tuple[int, ...], tpl_shape: tuple[int, ...]) -> float:
    """The share of the template page (`tpl_shape`) that a page of `shape`, taken there by `matrix`, covers, counted
    on a grid of COVER_STEP pixels (the polygons' own intersection fails on edges they share)."""
    h, w = shape[:2]
    th, tw = tpl_shape[:2]
    frame = cv2.perspectiveTransform(np.float64([[0, 0], [w, 0], [w, h], [0, h]]).reshape(-1, 1, 2),
                                     np.asarray(matrix, dtype=np.float64)).reshape(-1, 2)
    grid = np.zeros((-(-th // COVER_STEP), -(-tw // COVER_STEP)), np.uint8)
    cv2.fillConvexPoly(grid, np.round(frame / COVER_STEP).astype(np.int32), 1)
    return round(float(grid.mean()), 4)


def align_any(page: np.ndarray, tpls: list[TemplatePage], counts: tuple[int, ...] = (CROWDED_FEATURES,),
              features: Features | None = None) -> list[Alignment]:
    """The page aligned to each of the template pages. When it aligns to none, or to none on CROWDED_MATCHES
    inliers, its features are looked for again, as many as each of `counts` in turn, until it does; each template
    keeps the better of its alignments. A page filled by hand can hold more corners in its writing than in its
    print: CERFA 14411's table of names, written in a heavy hand, took all of the page's 5,000 strongest features,
    and 5 matched the template; among 20,000, the print is found (902 inliers). A typed first page of it, scanned
    dark, aligned to nothing of its first volet and to its second on 52 inliers, and was taken for the second:
    among 20,000, 767 and 677 inliers. Scanned at 240 dpi with grain, it needed 40,000 (NAMED_FEATURES, where its
    words named the form: a page of no form pays for each count on every template page it looks like). A page the
    wrong way up is not looked at again: its features match its form's by the hundred, in a transform refused for
    the turn (566 inliers on a sample turned a quarter), and it is turned later. `features`, one dict for every
    call on one page, keeps what was found: a template page is aligned once at each count."""
    features = {} if features is None else features

    def aligned(tpl: TemplatePage, count: int) -> Alignment:
        key = ("aligned", id(tpl), count)  # a TemplateCache keeps its pages: one page, one id
        if key not in features:
            features[key] = align(page, tpl, features, count=count)
        return features[key]

    found = [aligned(tpl, FEATURES) for tpl in tpls]
    refused = max((a.refused for a in found), default=0)
    for count in counts:
        held = max((a.inliers for a in found if a.ok), default=0)
        if not found or held >= CROWDED_MATCHES or refused >= CROWDED_MATCHES:
            break
        again = [aligned(tpl, count) for tpl in tpls]
        refused = max(refused, *(a.refused for a in again))
        found = [max(a, b, key=lambda x: (x.ok, x.inliers)) for a, b in zip(found, again)]
    return found


LSH = dict(algorithm=6, table_number=4, key_size=16, multi_probe_level=1)  # FLANN's locality-sensitive hashing
LSH_SEED = 20101  # its hash tables are drawn at random: the same tables for every page, in every thread


def nearest_two(desc: np.ndarray, tpl_desc: np.ndarray) -> list:
    """Each page feature's two nearest template features (Hamming), looked up in hash tables instead of compared
    with all the template's. On the pages of the 100-page batch, 0.063 s a page against 0.213 s for all against
    all (one thread), and 99.4 % of the matches that pass the ratio test are the same. Keys of 12 bits (FLANN's
    usual) were no faster on forms: their repeated boxes fill the same buckets."""
    cv2.setRNGSeed(LSH_SEED)
    matcher = cv2.FlannBasedMatcher(LSH, dict(checks=64))
    matcher.add([tpl_desc])
    matcher.train()
    return matcher.knnMatch(desc, k=2)


CORNER_DRIFT_PX = 4.0  # at FEATURE_DPI: how far the homography may take a page corner from the affine fit ...
PERSPECTIVE_GAIN = 0.9  # ... unless its residual is below this share of the affine's (a photographed page)
AFFINE_SHARE = 0.8  # ... or the affine fit explains fewer of the matches than this share of the homography's


def _fit(src: np.ndarray, dst: np.ndarray, shape: tuple[int, ...]) -> tuple[str, np.ndarray, np.ndarray] | None:
    """The transform from page to template features: a homography, or an affine fit where the homography only
    extrapolates. A scanner or a fax does not tilt the page out of its plane, but a homography fitted on features
    bunched in one part of a sparse page tilts it all the same: on a faxed blank CNESST 8504-1, page 3's foot came
    out 25 px (a table row) lower than the affine fit put it, and its empty cells read the column heads of the row
    above. Where the two fits part at the page's corners and the homography fits the features no better, the
    affine one is kept (blank real forms, noisy and faxed: 4 zones of 1,132 read something, against 13)."""
    h, mask = cv2.findHomography(src, dst, cv2.RANSAC, 3.0, maxIters=5000, confidence=0.999)
    if h is None or mask is None:
        return None
    a, amask = cv2.estimateAffine2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=3.0, maxIters=5000,
                                    confidence=0.999)
    homography = ("orb-homography", h, mask.ravel().astype(bool))
    if a is None or amask is None or not _sane(h) or homography[2].sum() < MIN_INLIERS:
        return homography  # no page of this template (an instructions page): refused as it stands
    affine = np.vstack([a, [0.0, 0.0, 1.0]])
    height, width = shape[:2]
    corners = np.float32([[0, 0], [width, 0], [0, height], [width, height]]).reshape(-1, 1, 2)
    drift = np.max(np.linalg.norm(cv2.perspectiveTransform(corners, h) - cv2.perspectiveTransform(corners, affine),
                                  axis=2))
    if drift <= CORNER_DRIFT_PX:
        return homography
    ainl = amask.ravel().astype(bool)
    if (ainl.sum() < AFFINE_SHARE * homography[2].sum()
            or _residual(h, src[ainl], dst[ainl]) < PERSPECTIVE_GAIN * _residual(affine, src[ainl], dst[ainl])):
        return homography
    return "orb-affine", affine, ainl


def _residual(h: np.ndarray, src: np.ndarray, dst: np.ndarray) -> float:
    """Mean distance from each projected source point to its destination."""
    return float(np.mean(np.linalg.norm(cv2.perspectiveTransform(src, h) - dst, axis=2)))


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
    dark = small < ink_level(small)
    if dark.mean() > 4 * printed.mean() + 0.1:  # ink everywhere (a black or blotched page) agrees with anything
        return 0.0
    ink = cv2.dilate(dark.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    return float(np.count_nonzero(printed & ink)) / float(np.count_nonzero(printed))
