"""The one wrapper around Tesseract: engine choice, version probe, time budget, typed errors, TSV parsing.

Two engines read the same way and give the same words:
- `api` (the default where the tesserocr wheel installs: Linux and Windows on x86-64): Tesseract's C++ API in
  supervised worker processes (`tess_api`), the models loaded once per worker;
- `cli` (the fallback, and where tesserocr has no wheel: Linux on ARM, macOS): one `tesseract` process per call
  through pytesseract, which pays the models' loading every time.
`DEMAT_OCR_ENGINE=api|cli` chooses; unset, `api` when tesserocr is installed.

Tesseract runs single-threaded (OMP_THREAD_LIMIT=1): on small machines OpenMP oversubscribes the cores and is
over twice slower; demat parallelizes across pages instead. One call returns words with boxes and confidences.

What concerns every document (Tesseract missing, too old, a language missing) is a `ToolError` and stops the
command. What happens on one input (a crash by a signal, an error exit, a call that runs past its time budget)
is a `ToolFailure`: that document's failure, never the batch's. Either engine reads in another process, so a
crash of Tesseract never takes demat down with it.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shlex
import shutil
import statistics
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, replace

import numpy as np
import pytesseract
from PIL import Image

from ..errors import ToolError, ToolFailure
from . import tess_api

MIN_VERSION = (4, 1)
DEFAULT_TIMEOUT_S = 120.0  # the most one image may take; DEMAT_OCR_TIMEOUT (seconds) sets it


@dataclass(frozen=True)
class Word:
    text: str
    left: int
    top: int
    width: int
    height: int
    conf: float  # 0..1
    block: int
    line: int
    # The other characters Tesseract considered for the doubtful ones: (index in `text`, (other, ...) best first).
    # Only when asked for (`choices=True`) and only with the `api` engine.
    choices: tuple[tuple[int, tuple[str, ...]], ...] = ()
    # Each character's confidence (0..1), one per character of `text`; only with the `api` engine. Tesseract's word
    # confidence is no mean of them: a capital whose accent it hesitates over ("Ève": È, Ê or Ë?) reads "Ève" at
    # 0.3 with each of its characters at 0.9 or more.
    char_conf: tuple[float, ...] = ()

    @property
    def cx(self) -> float:
        return self.left + self.width / 2

    @property
    def cy(self) -> float:
        return self.top + self.height / 2


# Tesseract's OpenMP threads oversubscribe small machines; demat runs one single-threaded tesseract per worker.
os.environ["OMP_THREAD_LIMIT"] = "1"


ENGINES = ("api", "cli")


def engine() -> str:
    """The engine this process reads with: DEMAT_OCR_ENGINE, else `api` when tesserocr is installed."""
    return _engine(os.environ.get("DEMAT_OCR_ENGINE", "").strip().lower())


@functools.cache
def _engine(choice: str) -> str:
    if not choice:
        return "api" if importlib.util.find_spec("tesserocr") is not None else "cli"
    if choice not in ENGINES:
        raise ToolError("tesseract", f"DEMAT_OCR_ENGINE={choice!r} is not one of {', '.join(ENGINES)}")
    if choice == "api" and importlib.util.find_spec("tesserocr") is None:
        raise ToolError("tesseract", "DEMAT_OCR_ENGINE=api but tesserocr is not installed (pip install tesserocr)")
    return choice


def version() -> tuple[int, ...]:
    return _version(engine())


@functools.cache
def _version(kind: str) -> tuple[int, ...]:
    if kind == "api":
        found = tess_api.POOL.hello()[0]
        parts = tuple(int(p) for p in found.split(".")[:2] if p.isdigit())
    else:
        if shutil.which(pytesseract.pytesseract.tesseract_cmd) is None:
            raise ToolError(
                "tesseract",
                "not installed (Debian: apt-get install tesseract-ocr tesseract-ocr-fra tesseract-ocr-eng)",
            )
        try:
            found = pytesseract.get_tesseract_version()
        except pytesseract.TesseractNotFoundError as exc:
            raise ToolError("tesseract", "not installed") from exc
        parts = (found.major, found.minor)
    if parts < MIN_VERSION:
        raise ToolError("tesseract", f"version {found} is older than {'.'.join(map(str, MIN_VERSION))}")
    return parts


def languages() -> frozenset[str]:
    return _languages(engine())


@functools.cache
def _languages(kind: str) -> frozenset[str]:
    _version(kind)
    if kind == "api":
        return frozenset(tess_api.POOL.hello()[1])
    return frozenset(pytesseract.get_languages(config=""))


def check_languages(lang: str) -> None:
    missing = [code for code in lang.split("+") if code not in languages()]
    if missing:
        raise ToolError("tesseract", f"language data missing: {', '.join(missing)} (Debian: tesseract-ocr-{missing[0]})")


def _uncompressed(image: np.ndarray) -> Image.Image:
    """The image as pytesseract will hand it to tesseract: BMP, written in ~1 ms, where pytesseract's default PNG
    costs 20-70 ms of compression per call on a page-sized image."""
    pil = Image.fromarray(image)
    pil.format = "BMP"
    return pil


SECONDS_PER_IMAGE = 10.0  # added to the timeout for each image of a multi-image call
BUDGET_FACTOR = 20  # a call may take this many times the median time per megapixel of the calls before it ...
BUDGET_FLOOR_S = 30.0  # ... but never less than this (a loaded machine is no hung tool) ...
BUDGET_SAMPLES = 5  # ... once this many calls have been timed; before, the fixed limit alone applies


class _Pace:
    """Seconds per megapixel of the latest successful calls of this process, for a time budget that follows
    the machine: a call that takes 20 times the median is stopped, not waited for."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rates: deque[float] = deque(maxlen=200)

    def add(self, seconds: float, megapixels: float) -> None:
        with self._lock:
            self._rates.append(seconds / max(megapixels, 0.05))

    def budget(self, megapixels: float, limit: float) -> float:
        with self._lock:
            rates = list(self._rates)
        if len(rates) < BUDGET_SAMPLES:
            return limit
        return min(limit, max(BUDGET_FLOOR_S, BUDGET_FACTOR * statistics.median(rates) * max(megapixels, 0.05)))


PACE = _Pace()


def fixed_limit(images: int, timeout: float | None = None) -> float:
    base = timeout if timeout is not None else float(os.environ.get("DEMAT_OCR_TIMEOUT") or DEFAULT_TIMEOUT_S)
    return base + SECONDS_PER_IMAGE * (images - 1) * min(1.0, base / DEFAULT_TIMEOUT_S)


def failure(exc: BaseException, limit: float) -> ToolFailure:
    """What went wrong in one call, in the words a clerk reads in the record."""
    if isinstance(exc, pytesseract.TesseractError):
        if isinstance(exc.status, int) and exc.status < 0:
            return ToolFailure("tesseract", f"crashed (signal {-exc.status})")
        if isinstance(exc.status, int) and exc.status > 128:  # through a shell: 128 + the signal
            return ToolFailure("tesseract", f"crashed (signal {exc.status - 128})")
        return ToolFailure("tesseract", f"failed (exit {exc.status}: {str(exc.message).strip()[-160:]})")
    return ToolFailure("tesseract", f"timed out after {limit:.0f} s")


def images_to_words(
    images: list[np.ndarray],
    *,
    lang: str = "fra+eng",
    psm: int = 6,
    whitelist: str | None = None,
    dpi: int = 300,
    timeout: float | None = None,
    choices: bool = False,
) -> list[list[Word]]:
    """OCR several grayscale images in one call, each on its own (its own binarization and layout, exactly as if
    read alone), and return the words of each. With the `cli` engine, Tesseract's start-up, mostly loading the
    language models (0.1-0.35 s for fra+eng), is paid once per call; the `api` engine's workers paid it once.
    Raises `ToolFailure` when Tesseract crashes, fails or runs past its time budget."""
    kind = engine()
    _version(kind)
    if not images:
        return []
    if whitelist:
        # The space must be in the whitelist, or the LSTM engine glues words together with confidence 0.
        whitelist += " "
    megapixels = sum(img.size for img in images) / 1e6
    limit = PACE.budget(megapixels, fixed_limit(len(images), timeout))
    started = time.monotonic()
    if kind == "api":
        read = tess_api.read(images, lang=lang, psm=psm, whitelist=whitelist, dpi=dpi, limit=limit, choices=choices)
        tsv = "\n".join(["level"] + [t.rstrip("\n") for t, _, _ in read])
        others: dict[tuple[int, int, int], dict[int, tuple[str, ...]]] = {}
        sure: dict[tuple[int, int, int], tuple[float, ...]] = {}
        for i, (_, alts, confidences) in enumerate(read):
            for left, top, index, chars in alts:
                others.setdefault((i + 1, left, top), {})[index] = tuple(chars)
            for left, top, each in confidences:
                sure[(i + 1, left, top)] = tuple(max(0.0, c) / 100.0 for c in each)
    else:
        tsv, others, sure = _cli_read(images, lang=lang, psm=psm, whitelist=whitelist, dpi=dpi, limit=limit), {}, {}
    PACE.add(time.monotonic() - started, megapixels)
    pages: list[list[Word]] = [[] for _ in images]
    for page, word in parse_tsv_pages(tsv):
        if not 1 <= page <= len(images):
            raise ToolFailure("tesseract", f"returned page {page} for {len(images)} images")
        alts = others.get((page, word.left, word.top))
        if alts:
            word = replace(word, choices=tuple((i, c) for i, c in sorted(alts.items()) if i < len(word.text)))
        each = sure.get((page, word.left, word.top), ())
        if len(each) == len(word.text):
            word = replace(word, char_conf=each)
        pages[page - 1].append(word)
    return pages


def image_to_words(
    image: np.ndarray,
    *,
    lang: str = "fra+eng",
    psm: int = 6,
    whitelist: str | None = None,
    dpi: int = 300,
    timeout: float | None = None,
) -> list[Word]:
    """OCR one grayscale image in one call; return its words with boxes (image pixels) and confidences."""
    return images_to_words([image], lang=lang, psm=psm, whitelist=whitelist, dpi=dpi, timeout=timeout)[0]


def _cli_read(images: list[np.ndarray], *, lang: str, psm: int, whitelist: str | None, dpi: int, limit: float
              ) -> str:
    """Tesseract's TSV for several images read in one `tesseract` process, one page per image."""
    config = f"--psm {psm} --dpi {dpi}"
    if whitelist:
        config += " -c " + shlex.quote(f"tessedit_char_whitelist={whitelist}")
    try:
        if len(images) == 1:
            return pytesseract.image_to_data(_uncompressed(images[0]), lang=lang, config=config, timeout=limit)
        with tempfile.TemporaryDirectory(prefix="demat-ocr-") as tmp:
            # A text file naming images is read by Tesseract as a multi-page input, one page per image.
            names = []
            for i, image in enumerate(images):
                names.append(os.path.join(tmp, f"{i:04d}.bmp"))
                _uncompressed(image).save(names[-1], format="BMP")
            listing = os.path.join(tmp, "images.txt")
            with open(listing, "w", encoding="utf-8") as f:
                f.write("\n".join(names) + "\n")
            return pytesseract.image_to_data(listing, lang=lang, config=config, timeout=limit)
    except (pytesseract.TesseractError, RuntimeError) as exc:  # RuntimeError: pytesseract's timeout
        raise failure(exc, limit) from exc


def read_each(reader, images: list[np.ndarray], **settings) -> list[list[Word] | ToolFailure]:
    """`reader(images, **settings)`, and when the call fails, each image read alone: one image that crashes
    the tool costs only its own words. Each result is the image's words or the failure it alone meets."""
    try:
        return list(reader(images, **settings))
    except ToolFailure as exc:
        if len(images) == 1:
            return [exc]
    out: list[list[Word] | ToolFailure] = []
    for image in images:
        try:
            out.append(reader([image], **settings)[0])
        except ToolFailure as exc:
            out.append(exc)
    return out


def parse_tsv_pages(tsv: str) -> list[tuple[int, Word]]:
    """Words of Tesseract's TSV output, each with its page number (1-based; one page per input image)."""
    words: list[tuple[int, Word]] = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        text = cols[11].strip()
        if not text:
            continue
        words.append((int(cols[1]), Word(
            text=text,
            left=int(cols[6]),
            top=int(cols[7]),
            width=int(cols[8]),
            height=int(cols[9]),
            conf=max(0.0, float(cols[10])) / 100.0,
            block=int(cols[2]),
            line=int(cols[2]) * 10000 + int(cols[3]) * 100 + int(cols[4]),
        )))
    return words


def orientation(image: np.ndarray, *, dpi: int = 150, timeout: float = 60) -> tuple[int, float]:
    """Tesseract's orientation detection (OSD): the clockwise rotation (0, 90, 180, 270) that sets the page
    upright, and its confidence. (0, 0.0) when the page has too little text to tell."""
    if engine() == "api":
        _version("api")
        found = tess_api.osd(image, dpi=dpi, limit=timeout)
        if found is None:
            return 0, 0.0
        degrees, conf = found
        return (360 - degrees) % 360, conf  # Tesseract's "Rotate": what sets upright a page turned by `degrees`
    version()
    try:
        out = pytesseract.image_to_osd(_uncompressed(image), config=f"--psm 0 --dpi {dpi} -c min_characters_to_try=10",
                                       timeout=timeout)
    except pytesseract.TesseractError:
        return 0, 0.0
    except RuntimeError as exc:
        raise ToolFailure("tesseract", f"timed out after {timeout:.0f} s", "detecting the page's orientation") from exc
    rotate, conf = 0, 0.0
    for line in out.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "Rotate":
            rotate = int(value.strip() or 0) % 360
        elif key.strip() == "Orientation confidence":
            conf = float(value.strip() or 0)
    return rotate, conf
