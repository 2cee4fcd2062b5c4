"""OCR requests of documents read side by side, merged into few Tesseract calls.

Each Tesseract process spends ~0.11 s loading its French and English models before it reads anything: about as
long as reading a page's zone montage. Documents read concurrently (threads of one worker) hand their montages to
one `OcrBatcher`, which reads the montages of several documents in one process (each montage still read on its
own: see `tesseract.images_to_words`).

At most `slots` Tesseract processes run at once (one per core); while they all run, requests pile up into the
next batch. When a slot is free, a batch is read as soon as every thread producing documents is waiting for OCR
(nobody can add to it), when it holds `max_images` montages, or when its oldest request has waited `max_wait`
seconds. A thread that is not registered as a producer (a one-off call) is never kept waiting but for a slot.
"""

from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np

from ..errors import ToolFailure
from . import tesseract

MAX_IMAGES = 24
DOCS_PER_CORE = 4  # documents read side by side per Tesseract slot, so their zone OCR shares Tesseract calls
MAX_WAIT_S = 0.5


@dataclass(eq=False)
class _Request:
    images: list[np.ndarray]
    since: float
    result: list[list[tesseract.Word]] | None = None
    error: BaseException | None = None
    done: bool = False


@dataclass
class OcrBatcher:
    """A drop-in for `tesseract.images_to_words` that merges concurrent calls with the same settings."""

    read: Callable[..., list[list[tesseract.Word]]] | None = None  # default: tesseract.images_to_words
    slots: int = field(default_factory=lambda: os.cpu_count() or 2)
    max_images: int = MAX_IMAGES
    max_wait: float = MAX_WAIT_S
    calls: int = 0  # Tesseract calls made (for benchmarks and tests)
    requests: int = 0  # calls received

    def __post_init__(self) -> None:
        self._cond = threading.Condition()
        self._running = 0  # Tesseract calls under way
        self._pending: dict[tuple, list[_Request]] = {}
        self._producers = 0  # threads registered as producing documents
        self._waiting = 0  # threads inside __call__

    @contextmanager
    def producing(self) -> Iterator[None]:
        """Register the calling thread as one that will make OCR requests until it leaves."""
        with self._cond:
            self._producers += 1
        try:
            yield
        finally:
            with self._cond:
                self._producers -= 1
                self._cond.notify_all()  # the others may now be all that is left: their batch can go

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the Tesseract slots for a call the batcher does not make itself (orientation detection), so
        that no more Tesseract processes run at once than there are slots."""
        with self._cond:
            self._waiting += 1  # blocked on OCR like the threads in __call__: it cannot add to a batch
            while self._running >= max(1, self.slots):
                self._cond.wait()
            self._running += 1
        try:
            yield
        finally:
            with self._cond:
                self._running -= 1
                self._waiting -= 1
                self._cond.notify_all()

    def __call__(self, images: list[np.ndarray], **settings: Any) -> list[list[tesseract.Word]]:
        req = _Request(list(images), time.monotonic())
        key = tuple(sorted(settings.items()))
        with self._cond:
            self.requests += 1
            self._pending.setdefault(key, []).append(req)
            self._waiting += 1
            try:
                while not req.done:
                    ready = self._take_ready()
                    if ready is None:
                        self._cond.wait(timeout=self._until_due())
                        continue
                    self._cond.notify_all()  # another batch may be ready too: let another thread take it
                    self._cond.release()
                    try:
                        self._run(*ready)
                    finally:
                        self._cond.acquire()
            finally:
                self._waiting -= 1
        if req.error is not None:
            raise req.error
        assert req.result is not None
        return req.result

    def _take_ready(self) -> tuple[tuple, list[_Request]] | None:
        """A batch to read now, taken out of the pending ones; None while every slot is busy (the batches keep
        growing meanwhile) or no batch is due."""
        if self._running >= max(1, self.slots):
            return None
        everyone_waits = self._waiting >= self._producers
        now = time.monotonic()
        for key, reqs in self._pending.items():
            if (everyone_waits or sum(len(r.images) for r in reqs) >= self.max_images
                    or now - reqs[0].since >= self.max_wait):
                self._running += 1
                return key, self._pending.pop(key)
        return None

    def _until_due(self) -> float:
        if not self._pending:
            return self.max_wait
        oldest = min(reqs[0].since for reqs in self._pending.values())
        return max(0.005, oldest + self.max_wait - time.monotonic())

    def _run(self, key: tuple, reqs: list[_Request]) -> None:
        read = self.read or tesseract.images_to_words
        images = [img for r in reqs for img in r.images]
        calls = 1
        try:
            words = read(images, **dict(key))
            i = 0
            for r in reqs:
                r.result, i = words[i : i + len(r.images)], i + len(r.images)
        except ToolFailure as exc:
            if len(reqs) == 1:
                reqs[0].error = exc
            else:  # one document's image crashed or hung the call: each request is read again alone, in this slot
                for r in reqs:
                    calls += 1
                    try:
                        r.result = read(r.images, **dict(key))
                    except ToolFailure as alone:
                        r.error = alone
        except BaseException as exc:  # noqa: BLE001 - handed to every thread whose images were in the call
            for r in reqs:
                r.error = exc
        with self._cond:
            self._running -= 1
            self.calls += calls
            for r in reqs:
                r.done = True
            self._cond.notify_all()
