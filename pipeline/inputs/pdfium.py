"""The one wrapper around PDFium (pypdfium2): rendering pages and reading page sizes.

PDFium is not thread-safe, not even across different documents, and a concurrent call crashes the process.
Every call goes through one process-wide lock, and every PDFium object is closed explicitly inside it (never
left to a garbage collector running on another thread). Rendering is a small share of the work; OCR and
registration run in parallel around it.
"""

from __future__ import annotations

import logging
import threading

import numpy as np

_LOCK = threading.Lock()
# pypdfium2 logs a warning on every XFA-hybrid form (it renders the AcroForm part, which is what demat reads):
# not the user's concern, and it would reach stderr through logging's last-resort handler.
logging.getLogger("pypdfium2").setLevel(logging.ERROR)


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """(width, height) in points of every page."""
    import pypdfium2 as pdfium

    with _LOCK:
        doc = pdfium.PdfDocument(pdf)
        try:
            sizes = []
            for i in range(len(doc)):
                page = doc[i]
                try:
                    sizes.append((float(page.get_width()), float(page.get_height())))
                finally:
                    page.close()
            return sizes
        finally:
            doc.close()


def render(pdf: bytes, index: int, dpi: float, *, max_pixels: int, forms: bool = True) -> np.ndarray:
    """Page `index` (0-based) as 8-bit grayscale, with filled form fields drawn (`forms`). Raises ValueError when
    it would exceed `max_pixels`."""
    import pypdfium2 as pdfium

    with _LOCK:
        doc = pdfium.PdfDocument(pdf)
        try:
            if forms:
                doc.init_forms()
            page = doc[index]
            try:
                w, h = page.get_size()
                scale = dpi / 72
                if w * h * scale * scale > max_pixels:
                    raise ValueError(f"PDF page of {w:.0f}x{h:.0f} pt is too large to render at {dpi:.0f} dpi")
                bitmap = page.render(scale=scale, grayscale=True, may_draw_forms=forms)
                try:
                    arr = bitmap.to_numpy()
                    return np.array(arr if arr.ndim == 2 else arr[..., 0], dtype=np.uint8, copy=True)
                finally:
                    bitmap.close()
            finally:
                page.close()
        finally:
            doc.close()
