"""Uploads: files, folders and zip archives dropped on a page become a batch, read by the same Prefect ingest flow
as `demat ingest`, in the background, with its progress on a page.

A file is streamed to the upload folder (`DEMAT_UPLOAD_DIR`, default a folder in the system's temporary
directory) part by part, never whole in memory, up to `DEMAT_UPLOAD_MAX_MB` (default 2048) per upload. Names from
the browser are reduced to safe components under a folder of the upload's own: nothing the client sends chooses
where a file lands. Bad files end as rejected records, as with `ingest`.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("demat.web")
CHUNK = 1 << 20
JOB_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class TooBig(Exception):
    pass


def max_bytes() -> int:
    return int(float(os.environ.get("DEMAT_UPLOAD_MAX_MB") or 2048) * 2**20)


async def receive(upload, target: Path, budget: list[int]) -> None:
    """Copy an uploaded file (Starlette's UploadFile) to `target`, its size taken from budget[0]; TooBig when
    that runs out (what was copied stays, for the caller to remove)."""
    with open(target, "wb") as out:
        while chunk := await upload.read(CHUNK):
            budget[0] -= len(chunk)
            if budget[0] < 0:
                raise TooBig()
            out.write(chunk)


def upload_root() -> Path:
    root = Path(os.environ.get("DEMAT_UPLOAD_DIR") or Path(tempfile.gettempdir()) / "demat-uploads")
    root.mkdir(parents=True, exist_ok=True)
    return root


def safe_relative(name: str) -> Path | None:
    """A browser's file name (a folder upload sends `dir/sub/file.png`) as a safe relative path: no absolute
    path, no `..`, no hidden or empty component, only ordinary characters."""
    parts = []
    for part in re.split(r"[\\/]+", name or ""):
        part = re.sub(r"[^\w .()+,-]", "_", part, flags=re.UNICODE).strip(" .")
        if not part or part in (".", ".."):
            continue
        parts.append(part[:120])
    return Path(*parts[-8:]) if parts else None


@dataclass
class Job:
    id: str
    batch: str
    user: str
    folder: Path
    files: int = 0
    total: int = 0
    done: int = 0
    pages: int = 0
    started: float = field(default_factory=time.time)
    summary: dict[str, Any] | None = None
    error: str = ""


class Uploads:
    def __init__(self, store_url: str | None, schemas_dir: str | None) -> None:
        self.store_url, self.schemas_dir = store_url, schemas_dir
        self.jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.schemas_dir is not None

    def new_job(self, user: str, batch: str | None) -> Job:
        jid = secrets.token_urlsafe(16)
        folder = upload_root() / jid
        folder.mkdir()
        batch = re.sub(r"[^\w.-]", "_", (batch or "").strip())[:64] or time.strftime("upload-%Y%m%dT%H%M%S")
        job = Job(jid, batch, user, folder)
        with self._lock:
            self.jobs[jid] = job
        return job

    def get(self, jid: str, user: str) -> Job | None:
        job = self.jobs.get(jid) if JOB_ID.match(jid or "") else None
        return job if job is not None and job.user == user else None

    async def save(self, job: Job, upload, budget: list[int]) -> None:
        """Copy one uploaded file (Starlette's UploadFile: spooled to disk past 1 MiB) into the job's folder."""
        rel = safe_relative(upload.filename or "")
        if rel is None:
            return
        target = job.folder / rel
        if target.exists():
            target = target.with_name(f"{target.stem}-{job.files}{target.suffix}")
        target.parent.mkdir(parents=True, exist_ok=True)
        await receive(upload, target, budget)
        job.files += 1

    def start(self, job: Job) -> None:
        threading.Thread(target=self._run, args=(job,), name=f"demat-upload-{job.id[:6]}", daemon=True).start()

    def _run(self, job: Job) -> None:
        from flows.ingest import IngestSettings, run_ingest

        def progress(outcome, total: int) -> None:
            job.total, job.done, job.pages = total, job.done + 1, job.pages + outcome.pages

        try:
            settings = IngestSettings(str(self.schemas_dir), self.store_url, job.batch)
            job.summary = run_ingest([str(job.folder)], settings, on_progress=progress)
        except Exception as exc:  # the store or Prefect failed: said on the page, detailed in the log
            log.exception("upload %s (batch %s) failed", job.id, job.batch)
            job.error = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
        finally:
            shutil.rmtree(job.folder, ignore_errors=True)  # the originals are in the store now
