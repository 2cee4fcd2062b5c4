#!/usr/bin/env python3
"""FUNSD's filled-in words read one by one: the hand-print line reader beside Tesseract alone, on the same crops.

    python bench/funsd.py [--split testing|training|all] [--misses]

`../shared/realdata/funsd/` holds real noisy scans of forms (about 100 dpi) with each word's box and text. Its
annotations say which entities are questions (a form's labels), answers (what was filled in), headers and others;
not which words are written by hand. The answers are what an archive's fields hold: typed on a typewriter, printed
by a computer, or written by hand. Each answer word is cut out (its box and a few pixels), scaled to 300 dpi (x3),
and read by Tesseract alone (in English, the forms' language, as one line: `reading/ocr.py`, one montage a page)
and by the line reader (`reading/hand.py`: the word whole, no lexicon, FUNSD's forms being English). Printed: the
share of words each reads right (exactly, and letters' case aside), of the surer of the two (Tesseract's word
confidence against the line reader's least sure character), and of either (a perfect choice between them). Words
of one character (a tick, a dash) and words whose box holds no ink are left out.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.reading import hand, ocr  # noqa: E402

FUNSD = ROOT.parent / "shared" / "realdata" / "funsd"
MARGIN = (1, 2)  # pixels of the 100-dpi scan either side of a word's box, above and below it: words are as near
SCALE = 3  # to 300 dpi, as demat reads a page


def words(annotation: Path) -> list[tuple[str, tuple[int, int, int, int]]]:
    """The answer words of one page: text and box."""
    form = json.loads(annotation.read_text(encoding="utf-8"))["form"]
    return [(w["text"].strip(), tuple(w["box"])) for e in form if e["label"] == "answer" for w in e["words"]
            if len(w["text"].strip()) > 1]


def crop(page: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    x0, y0, x1, y1 = box
    h, w = page.shape
    mx, my = MARGIN
    part = page[max(0, y0 - my):min(h, y1 + my), max(0, x0 - mx):min(w, x1 + mx)]
    return cv2.resize(part, None, fx=SCALE, fy=SCALE, interpolation=cv2.INTER_CUBIC)


def line_read(gray: np.ndarray) -> tuple[str, float]:
    level, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    steps = hand.line_steps(gray < level)
    if steps is None:
        return "", 0.0
    read = steps.best()
    return read.text, read.confidence


def read_page(image: Path, annotation: Path) -> list[dict]:
    page = cv2.imread(str(image), cv2.IMREAD_GRAYSCALE)
    found = [(text, crop(page, box)) for text, box in words(annotation)]
    found = [(text, c) for text, c in found if c.size and c.min() < 128]
    jobs = [ocr.ZoneJob(str(k), c, "eng", None, False) for k, (_, c) in enumerate(found)]
    tess = ocr.read_zones(jobs, dpi=300) if jobs else {}
    out = []
    for k, (text, c) in enumerate(found):
        t = tess[str(k)]
        line, conf = line_read(c)
        out.append({"page": image.name, "truth": text, "tesseract": t.text.strip(), "tesseract_conf": t.confidence,
                    "line": line.strip(), "line_conf": conf})
    return out


def share(rows: list[dict], right) -> str:
    return f"{sum(map(right, rows)) / max(1, len(rows)):6.1%}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=("testing", "training", "all"), default="all")
    ap.add_argument("--misses", action="store_true", help="list the words the surer reading got wrong")
    args = ap.parse_args()
    if hand.line_model() is None:
        print("the line reader's model is missing (pipeline/reading/models/lines.onnx)", file=sys.stderr)
        return 2
    splits = ("testing_data", "training_data") if args.split == "all" else (f"{args.split}_data",)
    pages = sorted(p for s in splits for p in (FUNSD / s / "images").glob("*.png"))
    if not pages:
        print(f"no FUNSD scans under {FUNSD}", file=sys.stderr)
        return 2
    t0 = time.monotonic()
    rows = [r for p in pages for r in read_page(p, p.parent.parent / "annotations" / f"{p.stem}.json")]
    for r in rows:
        r["surer"] = r["line"] if r["line_conf"] > r["tesseract_conf"] else r["tesseract"]
    print(f"{len(pages)} FUNSD pages, {len(rows)} answer words read in {time.monotonic() - t0:.0f} s\n")
    print(f"{'reader':24s} {'exact':>7s} {'any case':>9s}")
    readers = (("Tesseract alone", "tesseract"), ("line reader alone", "line"), ("the surer of the two", "surer"))
    for name, key in readers:
        print(f"{name:24s} {share(rows, lambda r: r[key] == r['truth']):>7s} "
              f"{share(rows, lambda r: r[key].lower() == r['truth'].lower()):>9s}")
    print(f"{'either':24s} {share(rows, lambda r: r['truth'] in (r['tesseract'], r['line'])):>7s} "
          f"{share(rows, lambda r: r['truth'].lower() in (r['tesseract'].lower(), r['line'].lower())):>9s}")
    if args.misses:
        for r in rows:
            if r["surer"] != r["truth"]:
                print(f"  {r['page']}: {r['truth']!r}: Tesseract {r['tesseract']!r} ({r['tesseract_conf']:.2f}), "
                      f"line reader {r['line']!r} ({r['line_conf']:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
