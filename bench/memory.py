#!/usr/bin/env python3
"""Peak memory of `demat ingest` on a big archive: a zip of multi-page TIFFs and PDFs (default 10,000 pages).

    python bench/memory.py [--pages 10000] [--workers 2] [--keep DIR]

The archive is made of filled example forms rendered at 200 dpi (fax-like G4 TIFFs of 10 pages, scanned JPEG PDFs
of 5 pages), each page stamped with its number so that no two documents are the same. `demat ingest` runs as a
subprocess; its resident memory is sampled every 0.5 s, alone and with its child processes (tesseract, Prefect's
server when none is configured). Prints peak RSS, pages/s and the batch summary.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

LIMIT_GIB = 1.5


def make_archive(path: Path, pages: int, seed: int = 17) -> None:
    import cv2
    from make_samples import SampleWriter, degrade, rasterize
    from PIL import Image

    rng = random.Random(seed)
    w = SampleWriter(Path(tempfile.mkdtemp()), seed)
    pool = []
    for i in range(12):  # a dozen different filled one-page forms to draw from
        _, pdf, _ = w.filled(("qc-changement-adresse", "qc-permis-construction")[i % 2])
        pool.append(degrade(rasterize(pdf, 200)[0], rng, "lowres", 200))

    def page(n: int):
        img = pool[n % len(pool)].copy()
        cv2.putText(img, f"lot 2026 - page {n:06d}", (120, img.shape[0] - 60), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 0, 2)
        return Image.fromarray(img)

    n = d = 0
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        while n < pages:
            as_pdf = d % 3 == 2  # two fax-like TIFFs of 10 pages, then a scanned PDF of 5
            k = min(5 if as_pdf else 10, pages - n)
            frames = [page(n + j) for j in range(k)]
            buf = io.BytesIO()
            if as_pdf:
                frames[0].save(buf, format="PDF", save_all=True, append_images=frames[1:], resolution=200, quality=60)
            else:
                frames = [f.convert("1", dither=Image.Dither.NONE) for f in frames]
                frames[0].save(buf, format="TIFF", save_all=True, append_images=frames[1:], compression="group4",
                               dpi=(200, 200))
            zf.writestr(f"archives/boite-{n // 1000:02d}/lot-{n:06d}.{'pdf' if as_pdf else 'tif'}", buf.getvalue())
            n, d = n + k, d + 1


def watch(pid: int, peaks: dict, stop: threading.Event, store: Path, every: float = 60.0) -> None:
    """Sample the process tree's memory; every `every` seconds print the peaks so far and the records written."""
    import psutil

    proc = psutil.Process(pid)
    started = last = time.monotonic()
    while not stop.is_set():
        if time.monotonic() - last >= every:
            last = time.monotonic()
            done = sum(1 for _ in (store / "records").glob("*.json")) if (store / "records").is_dir() else 0
            print(f"  {last - started:6.0f} s: {done} records, peak RSS {peaks.get('main', 0) / 2**30:.2f} GiB "
                  f"(with children {peaks.get('tree', 0) / 2**30:.2f} GiB)", flush=True)
        try:
            main = proc.memory_info().rss
            me = proc.cmdline()
            children = proc.children(recursive=True)
        except psutil.Error:  # demat has exited
            break
        tree = main
        for c in children:
            try:
                # A child still running demat's own command line is a vfork between fork and exec of a tesseract:
                # it shares demat's memory, and counting its RSS would count demat twice.
                if c.cmdline() != me:
                    tree += c.memory_info().rss
            except psutil.Error:  # it ended meanwhile
                pass
        peaks["main"] = max(peaks.get("main", 0), main)
        peaks["tree"] = max(peaks.get("tree", 0), tree)
        stop.wait(0.5)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--keep", type=Path, help="make (or reuse) the archive in this folder")
    args = ap.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="demat-memory-"))
    folder.mkdir(parents=True, exist_ok=True)
    archive = folder / f"archive-{args.pages}.zip"
    if not archive.exists():
        t0 = time.monotonic()
        make_archive(archive, args.pages)
        print(f"made {archive} ({archive.stat().st_size / 2**20:.0f} MiB) in {time.monotonic() - t0:.0f} s")
    store = Path(tempfile.mkdtemp(prefix="demat-memory-store-"))
    demat = str(Path(sys.executable).parent / "demat")
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    t0 = time.monotonic()
    proc = subprocess.Popen([demat, "ingest", str(archive), "--store", str(store), "--workers", str(args.workers),
                             "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    peaks: dict = {}
    stop = threading.Event()
    watcher = threading.Thread(target=watch, args=(proc.pid, peaks, stop, store), daemon=True)
    watcher.start()
    out, err = proc.communicate()
    stop.set()
    watcher.join()
    wall = time.monotonic() - t0
    if proc.returncode != 0:
        print(f"demat ingest failed ({proc.returncode}): {err.strip()[-500:]}")
        return 1
    summary = json.loads(out)
    gib = 2**30
    print(f"pages: {summary['pages']} in {summary['documents']} documents, {summary['records']} records "
          f"({summary['accepted']} accepted, {summary['needs_review']} to review, {summary['rejected']} rejected)")
    print(f"time: {wall:.0f} s wall clock, {summary['pages'] / summary['seconds']:.2f} pages/s in the flow")
    print(f"peak RSS, demat process: {peaks.get('main', 0) / gib:.2f} GiB "
          f"(limit {LIMIT_GIB} GiB: {'OK' if peaks.get('main', 0) < LIMIT_GIB * gib else 'OVER'})")
    print(f"peak RSS, with its child processes (tesseract, Prefect server): {peaks.get('tree', 0) / gib:.2f} GiB")
    print(f"stderr: {err.strip()[:300] or '(empty)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
