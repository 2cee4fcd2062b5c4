"""The OCR engine: Tesseract's API in supervised worker processes, read as the command reads, the same in any order,
a crash or a hang costing one call; and the other candidates of doubtful characters, proposed to the reviewer."""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import ROOT, SAMPLES, SCHEMAS

from pipeline.errors import ToolFailure
from pipeline.reading import tess_api, tesseract
from pipeline.reading.extract import Reading, _with_candidate
from pipeline.record import Instance, form_record
from pipeline.schemas.schema import load_schemas

pytestmark = pytest.mark.skipif(tesseract.engine() != "api", reason="tesserocr is not installed here")

POISONED_SITE = ROOT / "tests" / "tools" / "poisoned_site"


def gray(path: Path) -> np.ndarray:
    return cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)


@pytest.fixture(scope="module")
def crops() -> list[np.ndarray]:
    """Bands of a clean and of a faxed sample: headings, labels and typed values."""
    clean, fax = gray(SAMPLES / "clean" / "adresse-01.png"), gray(SAMPLES / "degraded" / "adresse-fax.tif")
    return [clean[100:1450, 150:2400], fax[60:1000, 100:1650], clean[1450:2700, 150:2400]]


def words(ws: list[tesseract.Word]) -> list[tuple]:
    return [(w.text, w.left, w.top, w.width, w.height, round(w.conf, 4), w.line) for w in ws]


def test_the_api_reads_what_the_tesseract_command_reads(crops, monkeypatch):
    """Two engines, one reading: Tesseract 5.5 in-process and Debian's command agree on nearly every word."""
    api = [w.text for ws in tesseract.images_to_words(crops) for w in ws]
    monkeypatch.setenv("DEMAT_OCR_ENGINE", "cli")
    cli = [w.text for ws in tesseract.images_to_words(crops) for w in ws]
    assert len(api) > 100
    same = sum((Counter(api) & Counter(cli)).values())
    assert same >= 0.9 * max(len(api), len(cli)), (len(api), len(cli), same)


def test_one_worker_reads_the_same_in_any_order_whatever_it_read_before(crops):
    """One worker's API objects are reused for every call: each call reads as if it were the worker's first."""
    pool = tess_api.Pool(size=1)
    try:
        def read(images, **settings):
            tsvs = pool.request(("read", settings.get("lang", "fra+eng"), settings.get("psm", 6),
                                 settings.get("whitelist"), 300, False, [tess_api._pack(i) for i in images]), 60)
            return [words(w for _, w in tesseract.parse_tsv_pages("level\n" + tsv)) for tsv, *_ in tsvs]

        forward = read(crops)
        read([crops[1]], whitelist="0123456789 ", psm=7)  # a whitelist and another layout mode in between
        backward = read(crops[::-1])[::-1]
        alone = [read([c])[0] for c in crops]
    finally:
        pool.close()
    assert forward == backward == alone
    assert all(forward)


def test_the_other_candidates_of_doubtful_characters_leave_the_words_as_read(crops):
    """Asked for with a whitelist, as a field that did not validate is read again: the words are the same."""
    settings = {"whitelist": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    plain = tesseract.images_to_words(crops, **settings)
    with_choices = tesseract.images_to_words(crops, choices=True, **settings)
    assert [words(ws) for ws in plain] == [words(ws) for ws in with_choices]
    doubtful = [w for ws in with_choices for w in ws if w.choices]
    assert len(doubtful) >= 5  # lower-case print forced into capitals and digits: doubts
    for w in doubtful:
        for index, others in w.choices:
            assert 0 <= index < len(w.text) and others and w.text[index] not in others


def test_each_characters_confidence_comes_with_its_word(crops):
    """Every word read through the API carries one confidence per character of its text; a page with no text gives
    no word (and no error: the iterator of an empty page still yields one empty element)."""
    read = tesseract.images_to_words(crops + [np.full((200, 600), 255, np.uint8)])
    assert read[-1] == []
    ws = [w for page in read[:-1] for w in page]
    assert ws and all(len(w.char_conf) == len(w.text) and all(0 <= c <= 1 for c in w.char_conf) for w in ws)
    # Tesseract's word confidence is no mean of its characters': a word is seldom surer than its least sure one
    assert sum(w.conf <= min(w.char_conf) + 0.01 for w in ws) >= 0.9 * len(ws)


def poisoned_pool(monkeypatch, action: str) -> tess_api.Pool:
    """A pool whose workers read for real, then die by `action` (or hang) on reading "Poisonville"."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(POISONED_SITE), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("DEMAT_TEST_POISON_WORD", "poisonville")
    monkeypatch.setenv("DEMAT_TEST_POISON_ACTION", action)
    return tess_api.Pool(size=1)


def line(text: str) -> np.ndarray:
    img = np.full((90, 900), 255, np.uint8)
    cv2.putText(img, text, (20, 62), cv2.FONT_HERSHEY_SIMPLEX, 1.6, 0, 3, cv2.LINE_AA)
    return img


def read_line(pool: tess_api.Pool, text: str, limit: float = 60) -> str:
    (tsv, *_), = pool.request(("read", "fra+eng", 7, None, 300, False, [tess_api._pack(line(text))]), limit)
    return " ".join(w.text for _, w in tesseract.parse_tsv_pages("level\n" + tsv))


@pytest.mark.parametrize("action,signal_no", [("segv", 11), ("fpe", 8)])
def test_a_crash_costs_one_call_and_the_next_call_gets_a_new_worker(monkeypatch, action, signal_no):
    pool = poisoned_pool(monkeypatch, action)
    try:
        assert read_line(pool, "Montreal") == "Montreal"
        first = pool._idle[0].proc.pid
        with pytest.raises(ToolFailure, match=f"tesseract crashed \\(signal {signal_no}\\)"):
            read_line(pool, "Poisonville")
        assert read_line(pool, "Gatineau") == "Gatineau"
        assert pool._idle[0].proc.pid != first and pool._count == 1
    finally:
        pool.close()


def test_a_worker_that_died_while_idle_costs_no_call():
    """Killed between two calls (by an operator, by the kernel short of memory): the next call is not the one to
    pay for it."""
    pool = tess_api.Pool(size=1)
    try:
        assert read_line(pool, "Rimouski") == "Rimouski"
        dead = pool._idle[0].proc
        dead.kill()
        dead.wait()
        assert read_line(pool, "Rimouski") == "Rimouski"
        assert pool._count == 1 and pool._idle[0].proc is not dead
    finally:
        pool.close()


def test_a_hung_call_is_stopped_at_its_budget_and_the_worker_replaced(monkeypatch):
    pool = poisoned_pool(monkeypatch, "hang")
    try:
        started = time.monotonic()
        with pytest.raises(ToolFailure, match="tesseract timed out after 3 s"):
            read_line(pool, "Poisonville", limit=3)
        assert time.monotonic() - started < 15
        assert read_line(pool, "Sherbrooke") == "Sherbrooke"
    finally:
        pool.close()


def test_a_missing_api_is_one_clear_error_naming_the_fallback(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT / "tests" / "tools" / "no_tesserocr"))
    pool = tess_api.Pool(size=1)
    try:
        with pytest.raises(Exception) as caught:
            pool.hello()
    finally:
        pool.close()
    assert "DEMAT_OCR_ENGINE=cli" in str(caught.value) and "Traceback" not in str(caught.value)


@pytest.fixture(scope="module")
def adresse():
    return next(s for s in load_schemas(SCHEMAS) if s.procedure == "qc-changement-adresse")


def test_a_value_that_does_not_validate_gets_the_candidate_that_does(adresse):
    spec = next(f for f in adresse.spec.fields if f.name == "date_naissance")
    read = Reading("13/O2/199O", 0.86)
    # the whitelisted reading's variants, likeliest first: the first that validates is proposed, not taken
    got = _with_candidate(spec, adresse, read, ("13/O2/1990", "13/02/1990", "18/02/1990"))
    assert got.text == "13/O2/199O" and got.candidate == "13/02/1990" and got.confidence <= 0.5
    assert _with_candidate(spec, adresse, read, ("13/O2/199Q",)).candidate == ""


def test_the_record_shows_the_candidate_and_stays_in_review(adresse):
    from pipeline.record import PageInfo, SourceInfo

    readings = {f.name: Reading("", 1.0) for f in adresse.spec.fields}
    readings["date_naissance"] = Reading("13/O2/199O", 0.5, candidate="13/02/1990")
    inst = Instance(adresse, [PageInfo(1, 1, {})], readings)
    src = SourceInfo("scan.png", "a" * 64, "image/png", "k" * 64, "originals/aa")
    record = form_record(inst, src, "lot")
    field = record["fields"]["date_naissance"]
    assert field["value"] is None and field["candidate"] == "13/02/1990"
    assert "one character gives '13/02/1990'" in " ".join(field["errors"])
    assert record["status"] == "needs_review"
