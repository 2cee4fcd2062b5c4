#!/usr/bin/env python3
"""Pages per second of `demat ingest` on a folder of scans, beside bare `tesseract` full-page OCR of the same pages
on the same cores (one single-threaded tesseract per core) and `ocrmypdf` (a peer for OCR alone, one page per
process, one process per core), all measured in the same run; then demat with 1 worker against N, and a profile
of the pipeline (pyinstrument) saying what dominates.

    python bench/throughput.py [FOLDER] [--workers N] [--no-profile]   # default: samples/, one worker per core

For the issue's figure, a 100-page mixed batch of the sample forms:
    python tools/make_samples.py batch --out /tmp/b100 --count 75 --seed 3 && python bench/throughput.py /tmp/b100

`demat ingest` is timed twice: wall clock of the command (Prefect start-up included) and the flow's own time,
with each OCR engine (`--engines api,cli`: Tesseract's API in worker processes, the default, and one `tesseract`
process per call, the fallback), so that both are measured against the same bare tesseract in one run.
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

from pipeline.inputs import load, sources  # noqa: E402
from pipeline.process import Context, digitize, digitize_many  # noqa: E402
from pipeline.reading.batching import DOCS_PER_CORE, OcrBatcher  # noqa: E402
from pipeline.schemas.schema import load_schemas  # noqa: E402
from pipeline.storage.store import LocalStore  # noqa: E402


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


def ocrmypdf(pages: list[Path], workers: int, out: Path) -> float | None:
    """ocrmypdf on each page image (searchable PDF out, no optimization); None when it is not installed."""
    exe = Path(sys.executable).parent / "ocrmypdf"
    if not exe.exists():
        return None
    env = dict(os.environ, OMP_THREAD_LIMIT="1")

    def one(p: Path) -> None:
        subprocess.run([str(exe), "-q", "-l", "fra+eng", "--jobs", "1", "--image-dpi", "300", "--output-type", "pdf",
                        "--optimize", "0", str(p), str(out / f"{p.stem}.pdf")], capture_output=True, env=env, check=True)

    t0 = time.monotonic()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, pages))
    return time.monotonic() - t0


def warm_context(refs: list, store: str, **context) -> Context:
    """A library context whose templates are already rendered (once per worker: not what is measured), on a fresh
    store under `store`; `context`: more Context fields (e.g. its OCR batcher)."""
    ctx = Context(load_schemas(ROOT / "schemas"), LocalStore(store), "bench")
    digitize(refs[0], ctx)
    return Context(ctx.schemas, LocalStore(store + "/2"), "bench", ctx.templates, **context)


def profile(folder: Path, limit: int = 40) -> str:
    """The pipeline alone (no Prefect), one thread, on the first `limit` documents, under pyinstrument."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        return "(pyinstrument not installed: pip install -e '.[bench]')"

    refs = list(sources.discover([str(folder)]))[:limit]
    with tempfile.TemporaryDirectory() as store:
        ctx = warm_context(refs, store)
        prof = Profiler(interval=0.005)
        prof.start()
        pages = sum(digitize(r, ctx).pages for r in refs)
        prof.stop()
    text = prof.output_text(unicode=False, color=False)
    lines = [ln for ln in text.splitlines() if ln.strip() and "frames hidden" not in ln]
    start = next((i for i, ln in enumerate(lines) if "digitize" in ln), 0)
    return f"{pages} pages, one thread:\n" + "\n".join(lines[start:start + 28])


def tesseract_time(folder: Path, workers: int) -> tuple[int, float, dict[str, float]]:
    """The pipeline alone (no Prefect), documents side by side as in the flow, with every Tesseract call timed:
    (pages, seconds, Tesseract process-seconds by purpose). Each tesseract is single-threaded, so its seconds are
    what it costs a core."""
    import threading

    from pipeline.reading import tesseract

    spent: dict[str, float] = {}
    lock = threading.Lock()

    def purpose(psm: int, whitelist: str | None) -> str:
        if whitelist:
            return "re-reading with a character whitelist"
        return {6: "reading the zones (two montages a page)", 7: "reading an empty-looking zone as one line"}.get(
            psm, "identification by words")

    def timed(images, **settings):
        t0 = time.monotonic()
        try:
            return tesseract.images_to_words(images, **settings)
        finally:
            with lock:
                key = purpose(settings.get("psm", 6), settings.get("whitelist"))
                spent[key] = spent.get(key, 0.0) + time.monotonic() - t0

    refs = list(sources.discover([str(folder)]))
    with tempfile.TemporaryDirectory() as store:
        ctx = warm_context(refs, store, ocr=OcrBatcher(read=timed, slots=workers))
        spent.clear()
        t0 = time.monotonic()
        pages = sum(o.pages for o in digitize_many(refs, ctx, concurrent=DOCS_PER_CORE * workers))
        return pages, time.monotonic() - t0, spent


def demat_ingest(folder: Path, workers: int, engine: str) -> tuple[float, dict]:
    demat = str(Path(sys.executable).parent / "demat")
    with tempfile.TemporaryDirectory() as store:
        t0 = time.monotonic()
        out = subprocess.run([demat, "ingest", str(folder), "--store", store, "--workers", str(workers), "--json"],
                             capture_output=True, text=True, check=True, cwd=ROOT,
                             env=dict(os.environ, DEMAT_OCR_ENGINE=engine))
        return time.monotonic() - t0, json.loads(out.stdout)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", nargs="?", default=str(ROOT / "samples"))
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--no-profile", action="store_true")
    ap.add_argument("--engines", default="api,cli", help="OCR engines to time demat with (default: api,cli)")
    args = ap.parse_args()
    folder = Path(args.folder)
    with tempfile.TemporaryDirectory() as tmp:
        pages = explode_pages(folder, Path(tmp))
        t_bare = bare_tesseract(pages, args.workers)
        (Path(tmp) / "ocrmypdf").mkdir()
        t_ocrmypdf = ocrmypdf(pages, args.workers, Path(tmp) / "ocrmypdf")
    print(f"pages: {len(pages)}, workers: {args.workers}, "
          f"PREFECT_API_URL {'set' if os.environ.get('PREFECT_API_URL') else 'unset (ephemeral server)'}")
    print(f"{'':44}{'seconds':>9}{'pages/s':>9}{'ratio':>7}")
    bare_rate = len(pages) / t_bare
    print(f"{'bare tesseract, full page':44}{t_bare:>9.1f}{bare_rate:>9.2f}{1:>7.2f}")
    if t_ocrmypdf is not None:
        r = len(pages) / t_ocrmypdf
        print(f"{'ocrmypdf, page images to PDF':44}{t_ocrmypdf:>9.1f}{r:>9.2f}{r / bare_rate:>7.2f}")
    else:
        print("ocrmypdf: not installed (pip install -e '.[bench]')")
    for engine in args.engines.split(","):
        wall, summary = demat_ingest(folder, args.workers, engine)
        n = summary["pages"]
        flow_rate, wall_rate = n / summary["seconds"], n / wall
        print(f"{f'demat ingest ({engine}), flow time':44}{summary['seconds']:>9.1f}{flow_rate:>9.2f}"
              f"{flow_rate / bare_rate:>7.2f}")
        print(f"{f'demat ingest ({engine}), command wall clock':44}{wall:>9.1f}{wall_rate:>9.2f}"
              f"{wall_rate / bare_rate:>7.2f}")
        if args.workers > 1:
            _, one = demat_ingest(folder, 1, engine)
            one_rate = one["pages"] / one["seconds"]
            print(f"{f'demat ingest ({engine}), 1 worker, flow time':44}{one['seconds']:>9.1f}{one_rate:>9.2f}"
                  f"{one_rate / bare_rate:>7.2f}   ({args.workers} workers: {flow_rate / one_rate:.2f}x)")
    print("demat does more than OCR: deskew, identification, registration, two readings per zone for voting,"
          " validation, storage.")
    lib_pages, lib_secs, spent = tesseract_time(folder, args.workers)
    bare_core = args.workers * t_bare / len(pages)
    total = sum(spent.values())
    print(f"\nthe library alone, {DOCS_PER_CORE * args.workers} documents side by side: {lib_pages / lib_secs:.2f} pages/s; "
          "Tesseract process-seconds per page:")
    for key, secs in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"  {key:46}{secs / lib_pages:>6.3f}")
    print(f"  {'all Tesseract calls of demat':46}{total / lib_pages:>6.3f}")
    print(f"  {'bare tesseract, full page':46}{bare_core:>6.3f}")
    other = args.workers * lib_secs / lib_pages - total / lib_pages
    print(f"  everything else (Python, OpenCV, idle cores): {other:.3f} core-seconds per page")
    print(f"With nothing but its Tesseract calls, demat would run at {bare_core / (total / lib_pages):.2f}x bare "
          "tesseract on these pages.")
    if not args.no_profile:
        print("\nwhere the time goes (pyinstrument):")
        print(profile(folder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
