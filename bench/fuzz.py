#!/usr/bin/env python3
"""Damaged inputs: every one must end as a record, the batch must exit 0 with no traceback, memory stays bounded.

    python bench/fuzz.py [--cases 500] [--seed 1] [--keep DIR] [--workers N]

Cases are made, seeded, from the samples and the real forms of ../shared/: bytes flipped, files cut at random
offsets, garbage behind a real signature, absurd DPI metadata, 1 x 50,000 px pages and a 144-megapixel canvas,
16-bit, CMYK, palette-with-alpha, 1-bit and float images, PDFs with zero-size, negative, huge or rotated pages,
empty, damaged and nested zips. One `demat ingest` reads them all as one batch; its memory (and its children's)
is sampled. Prints the cases per kind, records per status, the reasons met, failures (a case with no record, a
traceback, an exit other than 0) and the peak RSS.
"""

from __future__ import annotations

import argparse
import hashlib
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
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

BASES = ["samples/clean/adresse-01.png", "samples/clean/permis-02.png", "samples/degraded/adresse-fax.tif",
         "samples/degraded/permis-jpeg.jpg", "samples/clean/aide-01.pdf", "samples/clean/permis-numerique.pdf",
         "samples/envoi.zip", "../shared/realforms/fw9.pdf"]


def _bases() -> dict[str, bytes]:
    return {Path(b).name: (ROOT / b).read_bytes() for b in BASES if (ROOT / b).exists()}


def _image(data: bytes):
    from PIL import Image

    return Image.open(io.BytesIO(data))


def _save(img, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def _pdf(data: bytes, change) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import RectangleObject

    writer = PdfWriter()
    for i, page in enumerate(PdfReader(io.BytesIO(data)).pages):
        change(i, page, RectangleObject)
        writer.add_page(page)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _flip(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 64)):
        i = rng.randrange(len(b))
        b[i] ^= 1 << rng.randrange(8)
    return bytes(b)


# Each maker: (rng, bases) -> (file name, bytes). Kinds are drawn in turn, so every kind is met.
def flipped(rng, bases):
    name, data = rng.choice(sorted(bases.items()))
    return f"flip-{name}", _flip(rng, data)


def cut(rng, bases):
    name, data = rng.choice(sorted(bases.items()))
    return f"cut-{name}", data[: rng.randrange(1, len(data))]


def garbage_behind_signature(rng, bases):
    sig, ext = rng.choice([(b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff\xe0", "jpg"), (b"II*\x00", "tif"),
                           (b"MM\x00*", "tiff"), (b"%PDF-1.7\n", "pdf"), (b"PK\x03\x04", "zip")])
    return f"garbage.{ext}", sig + rng.randbytes(rng.choice([0, 10, 1000, 100_000]))


def absurd_dpi(rng, bases):
    img = _image(bases["adresse-01.png"])
    dpi = rng.choice([1, 7, 30, 4800, 100_000])
    fmt = rng.choice(["PNG", "TIFF", "JPEG"])
    return f"dpi-{dpi}.{fmt.lower()}", _save(img.convert("L"), fmt, dpi=(dpi, dpi))


def odd_shape(rng, bases):
    from PIL import Image

    w, h = rng.choice([(1, 50_000), (50_000, 1), (1, 1), (3, 3), (12_000, 12_000), (40, 3300), (2550, 20)])
    return f"shape-{w}x{h}.png", _save(Image.new("L", (w, h), rng.choice([0, 255])), "PNG")


def odd_mode(rng, bases):
    img = _image(bases[rng.choice(["adresse-01.png", "permis-02.png"])]).convert("L")
    mode, fmt = rng.choice([("I;16", "PNG"), ("I;16", "TIFF"), ("CMYK", "JPEG"), ("CMYK", "TIFF"), ("P", "PNG"),
                            ("LA", "PNG"), ("RGBA", "PNG"), ("1", "TIFF"), ("F", "TIFF"), ("I", "TIFF")])
    kw = {"transparency": 0} if mode == "P" else {}
    return f"mode-{mode.replace(';', '')}.{fmt.lower()}", _save(img.convert(mode), fmt, **kw)


def odd_pdf_page(rng, bases):
    data = bases[rng.choice(["aide-01.pdf", "permis-numerique.pdf"] + (["fw9.pdf"] if "fw9.pdf" in bases else []))]
    how = rng.choice(["zero", "negative", "huge", "rotate90", "rotate180", "rotate45", "thin"])

    def change(i, page, Rect):
        if how == "zero":
            page.mediabox = Rect([0, 0, 0, 0])
        elif how == "negative":
            page.mediabox = Rect([612, 792, 0, 0])
        elif how == "huge":
            page.mediabox = Rect([0, 0, 14_400, 14_400])
        elif how == "thin":
            page.mediabox = Rect([0, 0, 612, 0.5])
        elif how == "rotate45":
            page[__import__("pypdf").generic.NameObject("/Rotate")] = __import__("pypdf").generic.NumberObject(45)
        else:
            page.rotate(int(how[len("rotate"):]))

    return f"pdf-{how}.pdf", _pdf(data, change)


def odd_zip(rng, bases):
    how = rng.choice(["empty", "nested", "zero-member", "dirs-only", "damaged-members", "odd-names"])
    if how == "empty":
        return "zip-empty.zip", _zip({})
    if how == "nested":
        return "zip-nested.zip", _zip({"inner.zip": _zip({"a.png": bases["adresse-01.png"]}),
                                       "b.png": bases["permis-02.png"]})
    if how == "zero-member":
        return "zip-zero.zip", _zip({"vide.png": b""})
    if how == "dirs-only":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr(zipfile.ZipInfo("dossier/"), b"")
            zf.writestr("__MACOSX/._x.png", b"junk")
        return "zip-dirs.zip", buf.getvalue()
    if how == "damaged-members":
        name, data = rng.choice(sorted((k, v) for k, v in bases.items() if not k.endswith(".zip")))
        return "zip-damaged.zip", _zip({f"cut-{name}": data[: len(data) // 3], f"flip-{name}": _flip(rng, data)})
    return "zip-names.zip", _zip({"é/ü/\u202eevil.png": bases["adresse-01.png"], "x" * 200 + ".png": b"\x89PNG"})


KINDS = [flipped, cut, garbage_behind_signature, absurd_dpi, odd_shape, odd_mode, odd_pdf_page, odd_zip]
WEIGHTS = [6, 3, 1, 1, 1, 2, 2, 1]  # flipped and cut bytes are most of what damaged archives hold


def make_cases(out: Path, count: int, seed: int = 1) -> dict[str, str]:
    """Write `count` damaged inputs into `out`; returns file name -> kind."""
    rng = random.Random(seed)
    bases = _bases()
    out.mkdir(parents=True, exist_ok=True)
    drawn = [k for k, w in zip(KINDS, WEIGHTS) for _ in range(w)]
    cases = {}
    for i in range(count):
        kind = drawn[i % len(drawn)] if i < len(drawn) * 2 else rng.choice(drawn)
        name, data = kind(rng, bases)
        fname = f"{i:04d}-{name}"
        (out / fname).write_bytes(data)
        cases[fname] = kind.__name__
    return cases


def records_by_input(store: Path, folder: Path) -> dict[str, list[dict]]:
    """Each input's records: by name, or by content for a file that is the same as another input (its duplicate
    is skipped: it is one document, recorded once)."""
    by_name: dict[str, list[dict]] = {}
    by_sha: dict[str, list[dict]] = {}
    for p in (store / "records").glob("*.json"):
        r = json.loads(p.read_text(encoding="utf-8"))
        by_name.setdefault(r["source"]["name"].split("!", 1)[0], []).append(r)
        by_sha.setdefault(r["source"]["sha256"], []).append(r)
    out = {}
    for f in sorted(folder.iterdir()):
        data = f.read_bytes()
        found = by_name.get(f.name) or by_sha.get(hashlib.sha256(data).hexdigest()) or _members_found(data, by_sha)
        if found:
            out[f.name] = found
    return out


def _members_found(data: bytes, by_sha: dict[str, list[dict]]) -> list[dict]:
    """An archive whose every member is the same as a member of another input: their records."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            shas = [hashlib.sha256(zf.read(i)).hexdigest() for i in zf.infolist()
                    if not i.is_dir() and not i.filename.startswith(("__MACOSX", "."))]
    except Exception:  # noqa: BLE001 - not a readable archive
        return []
    if not shas or not all(s in by_sha for s in shas):
        return []
    return [r for s in shas for r in by_sha[s]]


def run(folder: Path, store: Path, workers: int) -> tuple[subprocess.CompletedProcess, dict, float]:
    from memory import watch

    demat = str(Path(sys.executable).parent / "demat")
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    t0 = time.monotonic()
    proc = subprocess.Popen([demat, "ingest", str(folder), "--store", str(store), "--workers", str(workers),
                             "--json", "--batch", "fuzz"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, cwd=ROOT)
    peaks: dict = {}
    stop = threading.Event()
    watcher = threading.Thread(target=watch, args=(proc.pid, peaks, stop, store, 120.0), daemon=True)
    watcher.start()
    out, err = proc.communicate()
    stop.set()
    watcher.join()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err), peaks, time.monotonic() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--keep", type=Path, help="write the cases (and the store) in this folder")
    args = ap.parse_args()
    top = args.keep or Path(tempfile.mkdtemp(prefix="demat-fuzz-"))
    folder, store = top / "cases", top / "store"
    cases = make_cases(folder, args.cases, args.seed)
    print(f"{len(cases)} cases in {folder}: " + ", ".join(f"{k} {n}" for k, n in Counter(cases.values()).items()))
    proc, peaks, wall = run(folder, store, args.workers)
    got = records_by_input(store, folder)
    missing = sorted(set(cases) - set(got))
    records = {r["id"]: r for rs in got.values() for r in rs}.values()
    statuses = Counter(r["status"] for r in records)
    reasons = Counter((r["errors"] or [""])[0].split(":")[0][:60] for r in records if r["status"] == "rejected")
    tracebacks = proc.stderr.count("Traceback")
    gib = 2**30
    print(f"exit {proc.returncode} in {wall:.0f} s; {len(records)} records for {len(got)} of "
          f"{len(cases)} inputs: " + ", ".join(f"{s} {n}" for s, n in sorted(statuses.items())))
    print("rejected, by reason:")
    for why, n in reasons.most_common(15):
        print(f"  {n:4d}  {why}")
    print(f"inputs with no record: {len(missing)} {missing[:10]}")
    print(f"tracebacks on stderr: {tracebacks}; stderr: {proc.stderr.strip()[-300:] or '(empty)'}")
    print(f"peak RSS, demat process: {peaks.get('main', 0) / gib:.2f} GiB; "
          f"with its children: {peaks.get('tree', 0) / gib:.2f} GiB")
    failed = proc.returncode != 0 or missing or tracebacks
    print("FAIL" if failed else "OK: every input a record, exit 0, no traceback")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
