"""Tesseract's C++ API (tesserocr) in supervised worker processes: the models load once per worker, not per call.

Each worker is a process running `tess_worker.py` (the code read when this module was imported) with its API
objects kept between requests. A call checks a
worker out of the pool, sends it the images and waits at most its time budget:
- the worker answers: its TSV, parsed by the caller as the command line's;
- the worker dies (Tesseract crashed on the input: a floating-point exception, a segmentation fault): a
  `ToolFailure` naming the signal, and the next call starts a new worker;
- the budget runs out: the worker is killed, a `ToolFailure` "timed out", and likewise replaced.

At most `size` workers exist (one per core by default, `DEMAT_OCR_WORKERS` sets it); a caller waits for a free one.
A worker is replaced after RECYCLE_AFTER requests so that no slow growth of Tesseract's memory lasts.
"""

from __future__ import annotations

import atexit
import os
import pickle
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

from ..errors import ToolError, ToolFailure

# The worker's code as this process loaded it: a worker started after the package was upgraded under a running
# process (`demat web`, `demat serve`) still speaks this process's protocol.
WORKER_CODE = Path(__file__).with_name("tess_worker.py").read_text(encoding="utf-8")
START_TIMEOUT_S = 60.0  # a worker that cannot say hello in this time will not work
RECYCLE_AFTER = 2000  # requests one worker serves before it is replaced
HEADER_SIZE = 8

TESSDATA_CANDIDATES = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
    "/opt/homebrew/share/tessdata",
)


def tessdata_dir() -> str:
    """Where the language data lies: TESSDATA_PREFIX when set, else the first folder of the usual ones that holds
    English data (Debian's tesseract-ocr-eng installs it under /usr/share/tesseract-ocr/5/tessdata)."""
    prefix = os.environ.get("TESSDATA_PREFIX")
    if prefix:
        return prefix
    for folder in TESSDATA_CANDIDATES:
        if (Path(folder) / "eng.traineddata").is_file():
            return folder
    raise ToolError("tesseract", "language data not found (Debian: apt-get install tesseract-ocr tesseract-ocr-fra "
                    "tesseract-ocr-eng; elsewhere set TESSDATA_PREFIX)")


def _pack(image: np.ndarray) -> tuple[int, int, bytes]:
    gray = np.ascontiguousarray(image, dtype=np.uint8)
    if gray.ndim != 2:
        raise ValueError("Tesseract is given grayscale images")
    return gray.shape[0], gray.shape[1], gray.tobytes()


class _Died(Exception):
    """The worker process ended while a request was under way."""


class Worker:
    def __init__(self, tessdata: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WORKER_CODE, tessdata],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=dict(os.environ, OMP_THREAD_LIMIT="1"), start_new_session=True,
        )
        self.served = 0

    def call(self, request: tuple, limit: float) -> object:
        """Send one request and wait at most `limit` seconds for its reply. Raises `_Died` (with the exit status)
        or TimeoutError; the caller then discards this worker."""
        data = pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.proc.stdin.write(len(data).to_bytes(HEADER_SIZE, "big") + data)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise _Died(self.proc.wait()) from exc
        deadline = time.monotonic() + limit
        size = int.from_bytes(self._receive(HEADER_SIZE, deadline), "big")
        status, result = pickle.loads(self._receive(size, deadline))
        self.served += 1
        if status != "ok":
            raise RuntimeError(result)
        return result

    def _receive(self, n: int, deadline: float) -> bytes:
        fd = self.proc.stdout.fileno()
        chunks, got = [], 0
        while got < n:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError
            chunk = os.read(fd, min(n - got, 1 << 20))
            if not chunk:
                raise _Died(self.proc.wait())
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def stop(self, kill: bool = False) -> None:
        if self.proc.poll() is None:
            if kill:
                self.proc.kill()
            else:
                self.proc.stdin.close()  # the worker reads EOF and returns
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass


class Pool:
    def __init__(self, size: int | None = None) -> None:
        self.size = size or int(os.environ.get("DEMAT_OCR_WORKERS") or 0) or os.cpu_count() or 2
        self._cond = threading.Condition()
        self._idle: list[Worker] = []
        self._count = 0
        self._tessdata: str | None = None
        self._hello: tuple | None = None
        self._pid = os.getpid()

    def hello(self) -> tuple[str, list[str]]:
        """(Tesseract's version, the languages it has), asked of a worker once."""
        if self._hello is None:
            try:
                self._hello = tuple(self.request(("hello",), START_TIMEOUT_S))  # type: ignore[arg-type]
            except ToolFailure as exc:  # no document's fault: no document can be read
                raise ToolError("tesseract", f"its API worker does not start ({exc.why}); DEMAT_OCR_ENGINE=cli "
                                "reads through the tesseract command instead") from None
        return self._hello  # type: ignore[return-value]

    def request(self, request: tuple, limit: float, where: str = "") -> object:
        worker = self._checkout()
        try:
            result = worker.call(request, limit)
        except _Died as exc:
            self._discard(worker)
            code = exc.args[0]
            if code is not None and code < 0:
                raise ToolFailure("tesseract", f"crashed (signal {-code})", where) from None
            raise ToolFailure("tesseract", f"failed (exit {code})", where) from None
        except TimeoutError:
            self._discard(worker, kill=True)
            raise ToolFailure("tesseract", f"timed out after {limit:.0f} s", where) from None
        except RuntimeError as exc:  # the API raised on this input: the worker itself is fine
            self._checkin(worker)
            raise ToolFailure("tesseract", f"failed ({str(exc)[-160:]})", where) from None
        except BaseException:  # interrupted mid-request: the worker's state is unknown
            self._discard(worker, kill=True)
            raise
        self._checkin(worker)
        return result

    def _checkout(self) -> Worker:
        with self._cond:
            if os.getpid() != self._pid:  # a forked child must not share its parent's workers
                self._idle, self._count, self._pid = [], 0, os.getpid()
            while True:
                while self._idle and self._idle[-1].proc.poll() is not None:  # died while idle (killed, OOM)
                    self._idle.pop().stop()
                    self._count -= 1
                if self._idle or self._count < self.size:
                    break
                self._cond.wait()
            if self._idle:
                return self._idle.pop()
            self._count += 1
            if self._tessdata is None:
                try:
                    self._tessdata = tessdata_dir()
                except ToolError:
                    self._count -= 1
                    raise
        try:
            return Worker(self._tessdata)
        except OSError as exc:
            with self._cond:
                self._count -= 1
                self._cond.notify()
            raise ToolError("tesseract", f"cannot start a worker: {exc}") from exc

    def _checkin(self, worker: Worker) -> None:
        if worker.served >= RECYCLE_AFTER:
            self._discard(worker)
            return
        with self._cond:
            self._idle.append(worker)
            self._cond.notify()

    def _discard(self, worker: Worker, kill: bool = False) -> None:
        worker.stop(kill=kill)
        with self._cond:
            self._count -= 1
            self._cond.notify()

    def close(self) -> None:
        with self._cond:
            idle, self._idle = self._idle, []
            self._count -= len(idle)
        for worker in idle:
            worker.stop()


POOL = Pool()
atexit.register(POOL.close)


def read(images: list[np.ndarray], *, lang: str, psm: int, whitelist: str | None, dpi: int, limit: float,
         choices: bool = False) -> list[tuple[str, list, list]]:
    """The TSV of each image, each read on its own by one worker, with `choices` the other candidates of its
    doubtful characters, and its words' characters' confidences (see tess_worker)."""
    request = ("read", lang, psm, whitelist, dpi, choices, [_pack(img) for img in images])
    return POOL.request(request, limit)  # type: ignore[return-value]


def osd(image: np.ndarray, *, dpi: int, limit: float) -> tuple[int, float] | None:
    """(orientation in degrees counter-clockwise, confidence), or None when the page has too little text."""
    return POOL.request(("osd", dpi, _pack(image)), limit, where="detecting the page's orientation")  # type: ignore

