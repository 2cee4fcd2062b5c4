"""Decode a source into pages, one at a time (a 500-page TIFF is never held whole in memory).

A page is either a raster (8-bit grayscale image and its resolution) or, for a PDF page with a text layer,
its words with coordinates read by pdfplumber (no OCR needed) and a way to render it.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np
from PIL import Image, ImageSequence

from ..errors import CorruptInput, DocumentError, UnsafeInput, UnsupportedInput
from . import pdfium

MAX_PIXELS = 120_000_000  # a Letter page at 1200 dpi is 134 MP; an A3 at 600 dpi is 70 MP
MAX_PAGES = 2000
PDF_RENDER_DPI = 300
MIN_TEXT_CHARS = 20  # a PDF page with fewer characters than this is treated as a scan


@dataclass
class RasterPage:
    number: int  # 1-based, within the source
    image: np.ndarray  # uint8 grayscale
    dpi: float


@dataclass(frozen=True)
class PdfWord:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    filled: bool = False  # a value typed into a form field, not the page's printed text


@dataclass
class TextPage:
    number: int
    words: list[PdfWord]  # PDF points, origin top-left
    width: float
    height: float
    pdf: bytes
    buttons: dict[str, list[str]] = field(default_factory=dict)  # ticked states of form fields, by full name

    def render(self, dpi: float) -> np.ndarray:
        return _render_pdf_page(self.pdf, self.number - 1, dpi)


Page = RasterPage | TextPage


def _dpi_of(im: Image.Image) -> float:
    dpi = im.info.get("dpi")
    try:
        x = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        x = 0.0
    if 70 <= x <= 1200:
        return x
    # No usable resolution: assume the page is about 8.5 in wide (Letter/A4 portrait).
    return max(50.0, min(1200.0, min(im.size) / 8.5))


def _to_gray(im: Image.Image) -> np.ndarray:
    if im.mode in ("RGBA", "LA", "P"):
        im = im.convert("RGBA")
        bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(bg, im)
    return np.asarray(im.convert("L"), dtype=np.uint8).copy()


def image_pages(data: bytes) -> Iterator[RasterPage]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data))
            for i, frame in enumerate(ImageSequence.Iterator(im), start=1):
                if i > MAX_PAGES:
                    raise UnsafeInput(f"more than {MAX_PAGES} pages in one file")
                w, h = frame.size
                if w * h > MAX_PIXELS:
                    raise UnsafeInput(
                        f"image canvas {w}x{h} ({w * h / 1e6:.0f} MP) exceeds the {MAX_PIXELS / 1e6:.0f} MP limit "
                        "(decompression bomb?)"
                    )
                if w < 16 or h < 16:
                    raise CorruptInput(f"image is only {w}x{h} pixels")
                frame.load()
                yield RasterPage(i, _to_gray(frame), _dpi_of(frame))
    except DocumentError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UnsafeInput(f"image canvas too large (decompression bomb): {exc}") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise CorruptInput(f"image is truncated or corrupt: {str(exc)[:120]}") from exc


def _render_pdf_page(pdf: bytes, index: int, dpi: float) -> np.ndarray:
    try:
        return pdfium.render(pdf, index, dpi, max_pixels=MAX_PIXELS)
    except ValueError as exc:
        raise UnsafeInput(str(exc)) from exc


def _rewritten(data: bytes) -> bytes | None:
    """Some linearized files with object streams show pdfminer no pages at all though PDFium renders them;
    rewritten by pypdf they read normally. None when PDFium sees no pages either, or the rewrite fails."""
    try:
        if not pdfium.page_sizes(data):
            return None
        from pypdf import PdfReader, PdfWriter

        buf = io.BytesIO()
        PdfWriter(clone_from=PdfReader(io.BytesIO(data))).write(buf)
        return buf.getvalue()
    except Exception:  # unreadable either way: the caller reports it
        return None


def plumber_bytes(data: bytes) -> bytes:
    """The PDF as pdfplumber (pdfminer) can read it: itself, or rewritten (see `_rewritten`)."""
    import pdfplumber

    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            if pdf.pages:
                return data
    except Exception:
        return data
    return _rewritten(data) or data


def _open_plumber(data: bytes):
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        return pdfplumber.open(io.BytesIO(data))
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise UnsupportedInput("PDF is password-protected") from exc
    except PDFSyntaxError as exc:
        raise CorruptInput(f"PDF cannot be parsed: {exc}") from exc
    except Exception as exc:  # pdfminer raises a wide range of errors on damaged files; pdfplumber wraps them
        inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else exc
        if isinstance(inner, (PDFPasswordIncorrect, PDFEncryptionError)) or "password" in str(inner).lower():
            raise UnsupportedInput("PDF is password-protected") from exc
        raise CorruptInput(f"PDF cannot be parsed: {type(inner).__name__}") from exc


def _page_list(pdf) -> list:
    try:
        return pdf.pages
    except Exception as exc:
        raise CorruptInput(f"PDF page tree is damaged: {type(exc).__name__}") from exc


def pdf_pages(data: bytes, *, repair: bool = True) -> Iterator[Page]:
    try:
        yield from _pdf_pages(data, repair)
    except DocumentError:
        raise
    except Exception as exc:  # pdfminer's errors on damaged objects surface as pages are read
        raise CorruptInput(f"PDF is damaged: {type(exc).__name__}") from exc


def _pdf_pages(data: bytes, repair: bool) -> Iterator[Page]:
    with _open_plumber(data) as pdf:
        pages = _page_list(pdf)
        if not pages:
            if repair and (fixed := _rewritten(data)) is not None:  # parsed a second time only in that rare case
                yield from pdf_pages(fixed, repair=False)
                return
            raise CorruptInput("PDF has no pages")
        if len(pages) > MAX_PAGES:
            raise UnsafeInput(f"more than {MAX_PAGES} pages in one file")
        from .formfields import filled_values

        filled = filled_values(data)
        for i, page in enumerate(pages, start=1):
            try:
                words = page.dedupe_chars().extract_words(keep_blank_chars=False, use_text_flow=False)
                chars = sum(len(w["text"]) for w in words)
                width, height = float(page.width), float(page.height)
            except Exception as exc:
                raise CorruptInput(f"PDF page {i} cannot be read: {type(exc).__name__}") from exc
            if width < 1 or height < 1:
                raise CorruptInput(f"PDF page {i} has no size ({width:g} x {height:g} pt)")
            if chars >= MIN_TEXT_CHARS:
                found = [PdfWord(w["text"], float(w["x0"]), float(w["top"]), float(w["x1"]), float(w["bottom"]))
                         for w in words]
                # values typed into form fields, placed where their widget is (origin top-left)
                found += [PdfWord(" ".join(v.split()), x0, h - y1, x1, h - y0, True)
                          for v, (x0, y0, x1, y1), h in filled.texts.get(i, [])]
                yield TextPage(i, found, width, height, data, filled.buttons.get(i, {}))
            else:
                try:
                    image = _render_pdf_page(data, i - 1, PDF_RENDER_DPI)
                except DocumentError:
                    raise
                except Exception as exc:
                    raise CorruptInput(f"PDF page {i} cannot be rendered: {type(exc).__name__}") from exc
                yield RasterPage(i, image, PDF_RENDER_DPI)
            page.close()


def pages(data: bytes, media_type: str) -> Iterator[Page]:
    if media_type == "application/pdf":
        return pdf_pages(data)
    if media_type in ("image/png", "image/jpeg", "image/tiff"):
        return image_pages(data)
    raise UnsupportedInput(f"unsupported media type {media_type}")


def file_pages(path: str):
    """One file named by a user (`demat ocr`, `schema preview --scan`, `schema propose`): its source and its pages,
    read lazily. What cannot be read is the user's error, one line (InputPathError), never a rejected record."""
    from pathlib import Path

    from ..errors import InputPathError
    from .sources import DocRef, check_type, read

    if not Path(path).is_file():
        raise InputPathError(path)
    try:
        src = read(DocRef(path, None, Path(path).name))
        check_type(src)
    except DocumentError as exc:
        raise InputPathError(path, exc.reason) from exc

    def each() -> Iterator[Page]:
        try:
            yield from pages(src.data, src.media_type)
        except DocumentError as exc:
            raise InputPathError(path, exc.reason) from exc

    return src, each()
