#!/usr/bin/env python3
"""Pages per second of `demat ingest` on a folder of scans, beside bare `tesseract` full-page OCR of the same pages
on the same cores (one single-threaded tesseract per core), measured in the same run.

    python bench/throughput.py [FOLDER] [--workers N]     # default: samples/, one worker per core

`demat ingest` is timed twice: wall clock of the command (Prefect start-up included) and the flow's own time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402

from pipeline import load, sources  # noqa: E402


def explode_pages(folder: Path, out: Path) -> list[Path]:
    """Every page of every scan as a PNG at its own resolution (what bare tesseract gets)."""
    paths = []
    for ref in sources.discover([str(folder)]):
        try:
            src = sources.read(ref)
            sources.check_type(src)
            for page in load.pages(src.data, src.media_type):
                img = page.image if isinstance(page, load.RasterPage) else page.render(300)
                p = out / f"{len(paths):05d}.png"
                cv2.imwrite(str(p), img)
                paths.append(p)
        except Exception:
            continue
    return paths


def bare_tesseract(pages: list[Path], workers: int) -> float:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")

    def one(p: Path) -> None:
        subprocess.run(["tesseract", str(p), "-", "-l", "fra+eng"], capture_output=True, env=env, check=True)

    t0 = time.monotonic()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, pages))
    return time.monotonic() - t0


def demat_ingest(folder: Path, workers: int) -> tuple[float, dict]:
    demat = str(Path(sys.executable).parent / "demat")
    with tempfile.TemporaryDirectory() as store:
        t0 = time.monotonic()
        out = subprocess.run([demat, "ingest", str(folder), "--store", store, "--workers", str(workers), "--json"],
                             capture_output=True, text=True, check=True, cwd=ROOT)
        return time.monotonic() - t0, json.loads(out.stdout)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", nargs="?", default=str(ROOT / "samples"))
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args()
    folder = Path(args.folder)
    with tempfile.TemporaryDirectory() as tmp:
        pages = explode_pages(folder, Path(tmp))
        t_bare = bare_tesseract(pages, args.workers)
    wall, summary = demat_ingest(folder, args.workers)
    n = summary["pages"]
    bare_rate, flow_rate, wall_rate = len(pages) / t_bare, n / summary["seconds"], n / wall
    print(f"pages: {n} (bare tesseract: {len(pages)}), workers: {args.workers}, "
          f"PREFECT_API_URL {'set' if os.environ.get('PREFECT_API_URL') else 'unset (ephemeral server)'}")
    print(f"{'':34}{'seconds':>9}{'pages/s':>9}{'ratio':>7}")
    print(f"{'bare tesseract, full page':34}{t_bare:>9.1f}{bare_rate:>9.2f}{1:>7.2f}")
    print(f"{'demat ingest, flow time':34}{summary['seconds']:>9.1f}{flow_rate:>9.2f}{flow_rate / bare_rate:>7.2f}")
    print(f"{'demat ingest, command wall clock':34}{wall:>9.1f}{wall_rate:>9.2f}{wall_rate / bare_rate:>7.2f}")
    print("demat does more than OCR: deskew, identification, registration, two readings per zone for voting,"
          " validation, storage.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
