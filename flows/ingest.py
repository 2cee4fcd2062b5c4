"""The `ingest` flow: documents digitized concurrently in small batches of work, records committed with retries,
a table artifact summarizing the batch.

Tasks receive and return small serializable values (document refs, outcomes with their JSON records); each worker
builds its own pipeline context (schemas, template cache, store) once.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from flows import quiet

quiet.configure(debug=os.environ.get("DEMAT_DEBUG") == "1")

from pathlib import Path  # noqa: E402

from prefect import flow, task  # noqa: E402
from prefect.artifacts import create_table_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.futures import as_completed  # noqa: E402
from prefect.task_runners import ThreadPoolTaskRunner  # noqa: E402

from pipeline.errors import DocumentError, SetupError  # noqa: E402
from pipeline.inputs import sources  # noqa: E402
from pipeline.inputs.sources import DocRef, discover  # noqa: E402
from pipeline.process import Context, Outcome, digitize, digitize_many  # noqa: E402
from pipeline.reading.batching import DOCS_PER_CORE, OcrBatcher  # noqa: E402
from pipeline.record import unique_stamp  # noqa: E402
from pipeline.schemas.schema import load_schemas  # noqa: E402
from pipeline.storage import archive, index  # noqa: E402
from pipeline.storage.open import open_store  # noqa: E402
from pipeline.storage.store import Store  # noqa: E402


@dataclass(frozen=True)
class IngestSettings:
    schemas_dir: str
    store_url: str | None
    batch: str
    # store prefix holding a copy of the schema folder, for workers on other machines (Dask) that cannot see it
    schemas_key: str | None = None
    # Tesseract processes a worker runs at once (one per core it may use); None: the worker's cores
    ocr_slots: int | None = None


_contexts: dict[IngestSettings, Context] = {}
_contexts_lock = threading.Lock()


def worker_context(settings: IngestSettings) -> Context:
    """One pipeline context per worker process and settings (schemas parsed and templates rendered once)."""
    with _contexts_lock:
        ctx = _contexts.get(settings)
        if ctx is None:
            store = open_store(settings.store_url)
            folder = _fetch_schemas(store, settings.schemas_key) if settings.schemas_key else Path(settings.schemas_dir)
            ctx = Context(load_schemas(folder), store, settings.batch,
                          ocr=OcrBatcher(slots=settings.ocr_slots or _worker_cores()))
            _contexts[settings] = ctx
        return ctx


def _worker_cores() -> int:
    """The threads of the Dask worker this runs in, else the machine's cores."""
    try:
        from distributed import get_worker

        return max(1, get_worker().state.nthreads)
    except (ImportError, ValueError):
        return os.cpu_count() or 2


# ------------------------------------------------------------- staging for workers that share no disk (Dask)


def stage_schemas(store: Store, schemas_dir: str, run: str) -> str:
    """Copy the schema folder (schemas and templates) into the store; returns its prefix."""
    prefix = f"staging/{run}/schemas"
    root = Path(schemas_dir)
    for p in sorted(root.rglob("*")):
        if p.is_file():
            store.put(f"{prefix}/{p.relative_to(root).as_posix()}", p.read_bytes())
    return prefix


def _fetch_schemas(store: Store, prefix: str) -> Path:
    """The staged schema folder, copied into a temporary folder removed when the worker process exits."""
    folder = Path(tempfile.mkdtemp(prefix="demat-schemas-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    for key in store.list(prefix + "/"):
        target = folder / key[len(prefix) + 1:]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(store.get(key))
    return folder


def stage_documents(refs: list[DocRef], store: Store) -> tuple[list[DocRef], list[DocRef]]:
    """Each readable document's bytes saved as its original in the store, where any worker reads them; returns
    the staged refs and those that cannot be read (they are digitized here, into rejected records)."""
    staged, unreadable = [], []
    for ref in refs:
        try:
            src = sources.read(ref)
        except DocumentError:
            unreadable.append(ref)
            continue
        staged.append(replace(ref, stored=archive.save_original(store, src.data, src.sha256, src.media_type)))
    return staged, unreadable


@task(name="digitize", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def digitize_chunk(refs: list[DocRef], settings: IngestSettings, side_by_side: int = 1) -> list[Outcome]:
    return digitize_many(refs, worker_context(settings), concurrent=side_by_side)


@task(name="commit", cache_policy=NO_CACHE, retries=3, retry_delay_seconds=[1, 4, 10])
def commit_chunk(outcomes: list[Outcome], settings: IngestSettings, part: str) -> int:
    """Records, then the index part, then the documents' marks (see pipeline.storage.archive.commit)."""
    store = worker_context(settings).store
    docs = [(o.source_key, o.name, list(o.records)) for o in outcomes if not o.duplicate]
    if docs:
        archive.commit(store, docs, settings.batch, part)
    return len(docs)


def chunked(refs: list[DocRef], workers: int) -> list[list[DocRef]]:
    """Enough chunks to keep every worker busy to the end, few enough that task overhead stays negligible."""
    size = max(1, min(8, len(refs) // (workers * 4) or 1))
    return [refs[i : i + size] for i in range(0, len(refs), size)]


@dataclass
class Tally:
    """The batch's counts, kept as chunks complete: records are committed and dropped, never all held at once
    (memory stays flat however big the archive)."""

    documents: int = 0
    pages: int = 0
    records: int = 0
    duplicates: int = 0
    statuses: dict[str, int] = field(default_factory=lambda: {"accepted": 0, "needs_review": 0, "rejected": 0})
    by_procedure: dict[str, int] = field(default_factory=dict)
    failed: list[dict[str, str]] = field(default_factory=list)  # documents a tool or a stage failed on, named

    def add(self, outcomes: list[Outcome]) -> None:
        for o in outcomes:
            self.failed += [{"name": o.name, "reason": why} for why in o.failures]
            self.duplicates += o.duplicate
            self.documents += not o.duplicate
            self.pages += o.pages
            self.records += len(o.records)
            for r in o.records:
                self.statuses[r["status"]] += 1
                proc = r["procedure"] or "(unidentified)"
                self.by_procedure[proc] = self.by_procedure.get(proc, 0) + 1

    def summary(self, batch: str, run: str, seconds: float) -> dict[str, Any]:
        return {"batch": batch, "run": run, "documents": self.documents, "pages": self.pages,
                "records": self.records, **self.statuses, "duplicates_skipped": self.duplicates,
                "seconds": round(seconds, 1), "by_procedure": dict(sorted(self.by_procedure.items())),
                "tool_failures": sorted(self.failed, key=lambda f: (f["name"], f["reason"]))}


def flow_run_link() -> dict[str, str]:
    """This flow run's id, and its page in the Prefect UI when a Prefect server (not a temporary one) runs it."""
    from prefect.runtime import flow_run
    from prefect.settings import PREFECT_UI_URL

    rid = flow_run.get_id()
    if rid is None:
        return {}
    ui = PREFECT_UI_URL.value()
    return {"flow_run_id": str(rid), **({"flow_run_url": f"{ui}/runs/flow-run/{rid}"} if ui else {})}


@flow(name="demat-ingest", validate_parameters=False)
def ingest(paths: list[str], settings: IngestSettings, workers: int = 2,
           on_progress: Callable[[Outcome, int], None] | None = None, remote: bool = False,
           side_by_side: int = 1) -> dict[str, Any]:
    """`workers`: chunk tasks that run at once. `side_by_side`: documents each chunk task reads at once (its zone
    OCR shared with the other documents read in that worker process; see pipeline.reading.batching).
    `remote`: the tasks run on machines that do not see this one's disk (a Dask cluster): the documents and
    the schemas are first staged in the store, where the workers read them."""
    started = time.monotonic()
    run = unique_stamp()
    local = worker_context(settings)
    refs = list(discover(paths))
    total = len(refs)
    tally = Tally()
    task_settings = settings
    commits = []
    if remote:
        task_settings = replace(settings, schemas_key=stage_schemas(local.store, settings.schemas_dir, run))
        refs, unreadable = stage_documents(refs, local.store)
        if unreadable:  # no OCR needed: rejected records, their originals kept
            rejected = [digitize(ref, local) for ref in unreadable]
            commits.append(commit_chunk.submit(rejected, settings, f"{run}/local"))
            tally.add(rejected)
    # A window of chunks in flight: each chunk's records are committed and let go, never all held at once. One
    # chunk more than the workers keeps them all busy, and a commit, queued behind at most that one chunk, is not
    # left waiting for a whole window of digitizing (a crash then redoes little).
    pending = deque(chunked(refs, workers))

    def submit(chunk: list[DocRef]):
        return digitize_chunk.submit(chunk, task_settings, side_by_side)

    inflight = [submit(pending.popleft()) for _ in range(min(len(pending), workers + 1))]
    i = 0
    while inflight:
        fut = next(as_completed(inflight))
        inflight.remove(fut)
        chunk = fut.result()
        commits.append(commit_chunk.submit(chunk, task_settings, f"{run}/{i:06d}"))  # queued before the next chunk
        if pending:
            inflight.append(submit(pending.popleft()))
        i += 1
        tally.add(chunk)
        if on_progress:
            for o in chunk:
                on_progress(o, total)
        commits = [c for c in commits if not _settled(c)]
    for c in commits:
        c.result()
    if remote:
        for key in list(local.store.list(f"staging/{run}/")):
            local.store.delete(key)
    summary = {**tally.summary(settings.batch, run, time.monotonic() - started), **flow_run_link()}
    store = local.store
    index.compact_run(store, run)
    archive.save_batch_summary(store, settings.batch, run, summary)
    rows = [{"procedure": p, "records": n} for p, n in summary["by_procedure"].items()]
    rows.append({"procedure": "TOTAL", "records": summary["records"]})
    create_table_artifact(
        key=f"demat-batch-{''.join(c if c.isalnum() else '-' for c in settings.batch.lower())[:60]}",
        table=rows,
        description=(f"demat batch {settings.batch}: {summary['documents']} documents, {summary['pages']} pages, "
                     f"{summary['accepted']} accepted, {summary['needs_review']} to review, "
                     f"{summary['rejected']} rejected, {summary['duplicates_skipped']} duplicates skipped"),
    )
    return summary


def _settled(future) -> bool:
    """A commit that finished is checked (a failure stops the batch) and let go."""
    if future.state.is_final():
        future.result()
        return True
    return False


def run_ingest(paths: list[str], settings: IngestSettings, *, workers: int | None = None,
               on_progress: Callable[[Outcome, int], None] | None = None,
               dask_address: str | None = None) -> dict[str, Any]:
    """Run the flow on this machine with `workers` Tesseract processes at once (default: one per core; Tesseract
    runs in subprocesses, so threads give real parallelism) and DOCS_PER_CORE documents read side by side per
    process, one thread each; or on the Dask cluster at `dask_address` (prefect-dask's task runner, each chunk
    task reading DOCS_PER_CORE documents side by side; `workers` then only sizes the chunks, default: the
    cluster's threads)."""
    if dask_address is None:
        return ingest_on_threads(paths, settings, workers or os.cpu_count() or 2, on_progress)
    check_dask_setup(settings)
    from distributed import Client
    from prefect_dask import DaskTaskRunner

    try:
        with Client(dask_address, timeout=15) as client:
            n = workers or max(1, sum(client.nthreads().values()))
    except (OSError, TimeoutError) as exc:
        raise SetupError("--dask-address", f"no Dask scheduler at {dask_address}: {exc}") from None
    return ingest.with_options(task_runner=DaskTaskRunner(address=dask_address))(
        paths, settings, workers=n, on_progress=on_progress, remote=True, side_by_side=DOCS_PER_CORE)


def ingest_on_threads(paths: list[str], settings: IngestSettings, workers: int,
                      on_progress: Callable[[Outcome, int], None] | None = None) -> dict[str, Any]:
    """The flow on this machine: `workers` Tesseract processes at once, each serving DOCS_PER_CORE documents read
    side by side (one thread each)."""
    threads = workers * DOCS_PER_CORE
    return ingest.with_options(task_runner=ThreadPoolTaskRunner(max_workers=threads))(
        paths, replace(settings, ocr_slots=workers), workers=threads, on_progress=on_progress)


def check_dask_setup(settings: IngestSettings) -> None:
    """Dask workers share no disk with this machine and report to the Prefect server: both must be reachable."""
    url = settings.store_url or ""
    if not url.startswith("s3://"):
        raise SetupError("--dask-address", "Dask workers need a store they can all reach: use --store s3://BUCKET "
                                           "(a local folder is only on this machine)")
    if not os.environ.get("PREFECT_API_URL"):
        raise SetupError("--dask-address", "set PREFECT_API_URL to a running Prefect server, here and on the "
                                           "workers (without it each worker would start a server of its own)")
