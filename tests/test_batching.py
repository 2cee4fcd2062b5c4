"""Zone OCR of documents read side by side is merged into shared Tesseract calls, and reads exactly as alone."""

from __future__ import annotations

import tempfile
import threading
import time

import cv2
import numpy as np
import pytest
from conftest import SAMPLES, SCHEMAS

from pipeline.errors import ToolError
from pipeline.inputs import sources
from pipeline.process import Context, digitize, digitize_many
from pipeline.reading import tesseract
from pipeline.reading.batching import OcrBatcher
from pipeline.schemas.schema import load_schemas
from pipeline.storage.store import LocalStore

WORDS = ["Montréal", "H2X 1Y4", "Gatineau", "2019-06-03", "Sherbrooke", "514 555 0199"]


def line_image(text: str) -> np.ndarray:
    img = np.full((90, 40 + 34 * len(text)), 255, np.uint8)
    cv2.putText(img, text, (20, 62), cv2.FONT_HERSHEY_SIMPLEX, 1.6, 0, 3, cv2.LINE_AA)
    return img


def texts(words: list[tesseract.Word]) -> str:
    return " ".join(w.text for w in words)


def test_several_images_in_one_call_read_as_each_alone():
    images = [line_image(t) for t in WORDS[:4]]
    together = tesseract.images_to_words(images, psm=7)
    alone = [tesseract.image_to_words(img, psm=7) for img in images]
    assert [texts(w) for w in together] == [texts(w) for w in alone]
    assert [[(w.left, w.top, w.conf) for w in ws] for ws in together] == [[(w.left, w.top, w.conf) for w in ws]
                                                                           for ws in alone]
    assert "Montréal" in texts(together[0]) and "Gatineau" in texts(together[2])


class CountingReader:
    def __init__(self) -> None:
        self.calls: list[int] = []
        self.lock = threading.Lock()

    def __call__(self, images, **settings):
        with self.lock:
            self.calls.append(len(images))
        return tesseract.images_to_words(images, **settings)


def test_concurrent_producers_share_calls_and_each_gets_its_own_words():
    reader = CountingReader()
    batcher = OcrBatcher(read=reader, slots=1)
    results: dict[int, list[str]] = {}
    start = threading.Barrier(len(WORDS))

    def produce(i: int) -> None:
        with batcher.producing():
            start.wait()
            results[i] = [texts(ws) for ws in batcher([line_image(WORDS[i]), line_image(WORDS[i])], psm=7)]

    threads = [threading.Thread(target=produce, args=(i,)) for i in range(len(WORDS))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert batcher.requests == len(WORDS)
    assert len(reader.calls) < len(WORDS) and sum(reader.calls) == 2 * len(WORDS)  # merged, nothing lost
    for i, word in enumerate(WORDS):
        first, second = results[i]
        assert first == second and first.replace(" ", "") == word.replace(" ", ""), (word, results[i])


def test_a_lone_caller_is_not_kept_waiting():
    reader = CountingReader()
    batcher = OcrBatcher(read=reader, max_wait=30.0)
    t0 = time.monotonic()
    words = batcher([line_image("Gatineau")], psm=7)
    assert time.monotonic() - t0 < 10 and texts(words[0]) == "Gatineau" and reader.calls == [1]


def test_a_failed_call_fails_every_request_in_it_and_the_batcher_goes_on():
    def broken(images, **settings):
        raise ToolError("tesseract", "exit 1: boom")

    batcher = OcrBatcher(read=broken, slots=1)
    errors: list[BaseException] = []
    gate = threading.Barrier(3)

    def produce() -> None:
        with batcher.producing():
            gate.wait()
            try:
                batcher([line_image("x")], psm=7)
            except ToolError as exc:
                errors.append(exc)

    threads = [threading.Thread(target=produce) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(errors) == 3 and all("boom" in str(e) for e in errors)
    batcher.read = None  # back to Tesseract
    assert texts(batcher([line_image("Lévis")], psm=7)[0]) == "Lévis"


@pytest.mark.parametrize("kind", ["clean", "degraded"])
def test_documents_read_side_by_side_give_the_records_read_one_by_one(kind):
    refs = list(sources.discover([str(SAMPLES / kind)]))[:6]
    schemas = load_schemas(SCHEMAS)
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        alone = Context(schemas, LocalStore(a), "t")
        one_by_one = [digitize(r, alone) for r in refs]
        together = Context(schemas, LocalStore(b), "t", alone.templates, ocr=OcrBatcher(slots=2))
        side_by_side = digitize_many(refs, together, concurrent=6)
    with tempfile.TemporaryDirectory() as c:  # backwards, through one Tesseract worker whose API objects read all
        backwards = Context(schemas, LocalStore(c), "t", alone.templates, ocr=OcrBatcher(slots=1))
        reversed_order = digitize_many(refs[::-1], backwards, concurrent=4)[::-1]
    fields = [[(r["status"], r["fields"]) for r in o.records] for o in one_by_one]
    assert fields == [[(r["status"], r["fields"]) for r in o.records] for o in side_by_side]
    assert fields == [[(r["status"], r["fields"]) for r in o.records] for o in reversed_order]
    assert together.ocr.calls < together.ocr.requests  # several documents' zones went into one call
    assert alone.ocr.calls == alone.ocr.requests



def test_no_more_tesseracts_at_once_than_slots_counting_calls_made_outside_batches():
    inside, peak, lock = [0], [0], threading.Lock()

    def busy(images=None, **settings):
        with lock:
            inside[0] += 1
            peak[0] = max(peak[0], inside[0])
        time.sleep(0.05)
        with lock:
            inside[0] -= 1
        return [[] for _ in images or []]

    batcher = OcrBatcher(read=busy, slots=2)

    def produce(i: int) -> None:
        with batcher.producing():
            for _ in range(3):
                if i % 2:
                    with batcher.slot():  # e.g. orientation detection
                        busy()
                else:
                    batcher([line_image("x")], psm=7 + i % 4)  # settings that never share a call

    threads = [threading.Thread(target=produce, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert peak[0] == 2
