"""Template pages rendered once per worker, with their registration features.

A `TemplateCache` instance is created by whoever runs the pipeline and passed down; there is no module state.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import cv2
import numpy as np

from ..inputs.load import _render_pdf_page
from ..schemas.schema import LoadedSchema

WORK_DPI = 300  # resolution of aligned pages and zone crops
FEATURE_DPI = 150  # registration runs at half scale


@dataclass
class TemplatePage:
    image: np.ndarray  # grayscale at WORK_DPI
    small: np.ndarray  # grayscale at FEATURE_DPI
    keypoints: tuple
    descriptors: np.ndarray | None
    px_per_unit: float  # template units (pt or px) -> WORK_DPI pixels
    layout: np.ndarray  # ink density at LAYOUT_DPI, blurred: the page's look from afar, for identification


def render_template_page(schema: LoadedSchema, page: int, dpi: float) -> np.ndarray:
    t = schema.template
    if t.kind == "pdf":
        return _render_pdf_page(t.path.read_bytes(), page - 1, dpi)
    from PIL import Image, ImageSequence

    with Image.open(t.path) as im:
        frame = next(f for i, f in enumerate(ImageSequence.Iterator(im), start=1) if i == page)
        gray = np.asarray(frame.convert("L"))
    scale = dpi / t.units_per_inch
    return cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)


LAYOUT_DPI = 20
LAYOUT_BLUR = 2.0  # pixels at LAYOUT_DPI: absorbs the shift and scale left after deskew


def layout_map(gray: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A page's ink density resized to `size` (width, height) and blurred, 0 (paper) .. 1 (ink)."""
    m = cv2.resize(gray, size, interpolation=cv2.INTER_AREA).astype(np.float32)
    return cv2.GaussianBlur((255 - m) / 255, (0, 0), LAYOUT_BLUR)


FEATURES = 5000  # ORB features of a page or template page (see register.align_any for more)


def orb(count: int = FEATURES) -> cv2.ORB:
    return cv2.ORB_create(nfeatures=count, scaleFactor=1.2, nlevels=8, fastThreshold=10)


class TemplateCache:
    """Template pages rendered once per worker. Threads asking for the same page while it renders wait for it
    rather than each rendering it too (8 document threads start on the same forms)."""

    def __init__(self) -> None:
        self._pages: dict[tuple[str, int], TemplatePage] = {}
        self._lock = threading.Lock()
        self._rendering: dict[tuple[str, int], threading.Lock] = {}

    def get(self, schema: LoadedSchema, page: int) -> TemplatePage:
        key = (schema.key, page)
        with self._lock:
            hit = self._pages.get(key)
            if hit is not None:
                return hit
            rendering = self._rendering.setdefault(key, threading.Lock())
        with rendering:
            with self._lock:
                hit = self._pages.get(key)
            if hit is None:
                hit = self._render(schema, page)
                with self._lock:
                    self._pages[key] = hit
            return hit

    @staticmethod
    def _render(schema: LoadedSchema, page: int) -> TemplatePage:
        image = render_template_page(schema, page, WORK_DPI)
        f = FEATURE_DPI / WORK_DPI
        small = cv2.resize(image, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
        kp, desc = orb().detectAndCompute(small, None)
        w, h = schema.template.page_sizes[page - 1]
        k = LAYOUT_DPI / schema.template.units_per_inch
        return TemplatePage(image, small, tuple(kp), desc, WORK_DPI / schema.template.units_per_inch,
                            layout_map(image, (max(8, round(w * k)), max(8, round(h * k)))))
