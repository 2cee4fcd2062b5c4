"""Bad input never stops a batch: each bad document becomes a rejected record with a clear reason, its original
bytes are kept, nothing is written outside the store, memory stays bounded. Command-level errors exit 1 with one
line."""

from __future__ import annotations

import hashlib
import io
import json
import resource
import struct
import zipfile
import zlib

import numpy as np
import pytest
from conftest import SAMPLES, SCHEMAS, read_records, run_demat
from PIL import Image

SAMPLE_PNG = SAMPLES / "clean" / "adresse-01.png"


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def bomb_png() -> bytes:
    """A 100 kB file claiming a 60000 x 60000 canvas (3.6 gigapixels)."""
    w = h = 60000
    ihdr = struct.pack(">IIBBBBB", w, h, 1, 0, 0, 0, 0)
    row = b"\x00" + b"\x00" * (w // 8)
    idat = zlib.compress(row * 200, 9)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def protected_pdf() -> bytes:
    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(612, 792)
    w.encrypt(user_password="secret", owner_password="owner")
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def photo_jpeg() -> bytes:
    """A 'photo': smooth colour gradients and blobs, no text."""
    rng = np.random.default_rng(3)
    y, x = np.mgrid[0:900, 0:1200]
    img = np.stack([(x / 5) % 255, (y / 4) % 255, ((x + y) / 7) % 255], axis=-1).astype(np.uint8)
    for _ in range(12):
        cx, cy, r = rng.integers(0, 1200), rng.integers(0, 900), rng.integers(40, 160)
        img[(x - cx) ** 2 + (y - cy) ** 2 < r * r] = rng.integers(0, 255, 3)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="JPEG", quality=85)
    return buf.getvalue()


def blank_png() -> bytes:
    buf = io.BytesIO()
    Image.new("L", (2550, 3300), 250).save(buf, format="PNG")
    return buf.getvalue()


def zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open("huge.tif", "w", force_zip64=True) as fh:
            chunk = b"\x00" * (1 << 20)
            for _ in range(300):
                fh.write(chunk)
    return buf.getvalue()


def climbing_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("../../evil.png", SAMPLE_PNG.read_bytes())
        zf.writestr("ok/adresse.png", SAMPLE_PNG.read_bytes())
    return buf.getvalue()


BAD = {
    "empty.png": (lambda: b"", "empty file"),
    "truncated.png": (lambda: SAMPLE_PNG.read_bytes()[:3000], "truncated or corrupt"),
    "corrupt.pdf": (lambda: b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ngarbage garbage\n", "PDF"),
    "protected.pdf": (protected_pdf, "password-protected"),
    "lying.png": (lambda: (SAMPLES / "clean" / "permis-numerique.pdf").read_bytes(), "the name says .png but the content is application/pdf"),
    "notes.docx": (lambda: b"PK\x03\x04 not really a docx", "unsupported file type .docx"),
    "readme.txt": (lambda: "Bonjour\n".encode(), "unsupported file type .txt"),
    "blank.png": (blank_png, "blank page"),
    "photo.jpg": (photo_jpeg, "form not identified"),
    "bomb.png": (bomb_png, "decompression bomb"),
    "bomb.zip": (zip_bomb, "zip bomb"),
    "climb.zip": (climbing_zip, "climbs out of the archive folder"),
}


@pytest.fixture(scope="module")
def bad_batch(prefect_server, tmp_path_factory):
    root = tmp_path_factory.mktemp("bad")
    inbox = root / "inbox"
    inbox.mkdir()
    for name, (make, _) in BAD.items():
        (inbox / name).write_bytes(make())
    store = root / "store"
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = run_demat("ingest", str(inbox), "--schemas", str(SCHEMAS), "--store", str(store), "--batch", "bad", "--json",
                    cwd=root)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return root, inbox, store, out, max(before, peak_kib)


def test_batch_of_bad_inputs_finishes_and_exits_0(bad_batch):
    _, _, _, out, _ = bad_batch
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr and "Traceback" not in out.stdout
    summary = json.loads(out.stdout)
    assert summary["rejected"] == len(BAD)  # climb.zip: its climbing member is rejected, its good one read
    assert summary["accepted"] + summary["needs_review"] == 1


@pytest.mark.parametrize("name", sorted(BAD))
def test_each_bad_input_is_a_rejected_record_with_its_reason(bad_batch, name):
    _, inbox, store, _, _ = bad_batch
    records = read_records(store)
    source = "climb.zip!../../evil.png" if name == "climb.zip" else ("bomb.zip!huge.tif" if name == "bomb.zip" else name)
    mine = [r for r in records if r["source"]["name"] == source]
    assert len(mine) == 1, [r["source"]["name"] for r in records]
    rec = mine[0]
    assert rec["status"] == "rejected"
    assert rec["procedure"] is None
    assert any(BAD[name][1] in e for e in rec["errors"]), rec["errors"]
    # nothing is lost: the original bytes are in the store, content-addressed
    kept = store / rec["source"]["original"]
    assert kept.is_file()
    assert hashlib.sha256(kept.read_bytes()).hexdigest() == rec["source"]["sha256"]
    if name not in ("bomb.zip",):
        member = name if name != "climb.zip" else None
        if member:
            assert kept.read_bytes() == (inbox / name).read_bytes()


def test_good_member_of_a_zip_with_a_bad_one_is_read(bad_batch):
    _, _, store, _, _ = bad_batch
    good = [r for r in read_records(store) if r["source"]["name"] == "climb.zip!ok/adresse.png"]
    assert len(good) == 1 and good[0]["procedure"] == "qc-changement-adresse"


def test_nothing_is_written_outside_the_store(bad_batch):
    root, inbox, store, _, _ = bad_batch
    outside = {p for p in root.rglob("*") if store not in p.parents and p != store and inbox not in p.parents and p != inbox}
    assert outside == set()
    assert not (root.parent / "evil.png").exists() and not (root / "evil.png").exists()


def test_memory_stays_bounded_on_bombs(bad_batch):
    *_, peak_kib = bad_batch
    assert peak_kib < 1.5 * 1024 * 1024, f"peak RSS {peak_kib / 1024:.0f} MiB"


def test_missing_path_exits_1_with_one_line(tmp_path):
    out = run_demat("ingest", "/no/such/path", "--store", str(tmp_path))
    assert out.returncode == 1
    assert out.stderr.strip() == "demat: /no/such/path: no such file or folder"


def test_unusable_store_exits_1_with_one_line(tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    out = run_demat("ingest", str(SAMPLE_PNG), "--store", str(blocker / "store"))
    assert out.returncode == 1
    assert len(out.stderr.strip().splitlines()) == 1 and "store" in out.stderr and "Traceback" not in out.stderr


def test_bad_option_exits_1_with_one_line():
    out = run_demat("stats", "--by", "colour")
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
