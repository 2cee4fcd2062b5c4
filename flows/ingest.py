"""The `ingest` flow: documents digitized concurrently in small batches of work, records committed with retries,
a table artifact summarizing the batch.

Tasks receive and return small serializable values (document refs, outcomes with their JSON records); each worker
builds its own pipeline context (schemas, template cache, store) once.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from flows import quiet

quiet.configure(debug=os.environ.get("DEMAT_DEBUG") == "1")

from prefect import flow, task  # noqa: E402
from prefect.artifacts import create_table_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.futures import as_completed  # noqa: E402
from prefect.task_runners import ThreadPoolTaskRunner  # noqa: E402

from pipeline import archive, index  # noqa: E402
from pipeline.process import Context, Outcome, digitize  # noqa: E402
from pipeline.record import unique_stamp  # noqa: E402
from pipeline.schema import load_schemas  # noqa: E402
from pipeline.sources import DocRef, discover  # noqa: E402
from pipeline.store import open_store  # noqa: E402
from pathlib import Path  # noqa: E402


@dataclass(frozen=True)
class IngestSettings:
    schemas_dir: str
    store_url: str | None
    batch: str


_contexts: dict[IngestSettings, Context] = {}
_contexts_lock = threading.Lock()


def worker_context(settings: IngestSettings) -> Context:
    """One pipeline context per worker process and settings (schemas parsed and templates rendered once)."""
    with _contexts_lock:
        ctx = _contexts.get(settings)
        if ctx is None:
            ctx = Context(load_schemas(Path(settings.schemas_dir)), open_store(settings.store_url), settings.batch)
            _contexts[settings] = ctx
        return ctx


@task(name="digitize", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def digitize_chunk(refs: list[DocRef], settings: IngestSettings) -> list[Outcome]:
    ctx = worker_context(settings)
    return [digitize(ref, ctx) for ref in refs]


@task(name="commit", cache_policy=NO_CACHE, retries=3, retry_delay_seconds=[1, 4, 10])
def commit_chunk(outcomes: list[Outcome], settings: IngestSettings, part: str) -> int:
    """Records, then the index part, then the documents' marks (see pipeline.archive.commit)."""
    store = worker_context(settings).store
    docs = [(o.source_key, o.name, list(o.records)) for o in outcomes if not o.duplicate]
    if docs:
        archive.commit(store, docs, settings.batch, part)
    return len(docs)


def chunked(refs: list[DocRef], workers: int) -> list[list[DocRef]]:
    """Enough chunks to keep every worker busy to the end, few enough that task overhead stays negligible."""
    size = max(1, min(8, len(refs) // (workers * 4) or 1))
    return [refs[i : i + size] for i in range(0, len(refs), size)]


def summarize(batch: str, run: str, outcomes: list[Outcome], seconds: float) -> dict[str, Any]:
    counts = {"accepted": 0, "needs_review": 0, "rejected": 0}
    by_procedure: dict[str, int] = {}
    for o in outcomes:
        for r in o.records:
            counts[r["status"]] += 1
            by_procedure[r["procedure"] or "(unidentified)"] = by_procedure.get(r["procedure"] or "(unidentified)", 0) + 1
    return {
        "batch": batch,
        "run": run,
        "documents": sum(1 for o in outcomes if not o.duplicate),
        "pages": sum(o.pages for o in outcomes),
        "records": sum(len(o.records) for o in outcomes),
        **counts,
        "duplicates_skipped": sum(1 for o in outcomes if o.duplicate),
        "seconds": round(seconds, 1),
        "by_procedure": dict(sorted(by_procedure.items())),
    }


@flow(name="demat-ingest", validate_parameters=False)
def ingest(paths: list[str], settings: IngestSettings, workers: int = 2,
           on_progress: Callable[[Outcome, int], None] | None = None) -> dict[str, Any]:
    started = time.monotonic()
    run = unique_stamp()
    refs = list(discover(paths))
    futures = [digitize_chunk.submit(chunk, settings) for chunk in chunked(refs, workers)]
    outcomes: list[Outcome] = []
    commits = []
    for i, fut in enumerate(as_completed(futures)):
        chunk = fut.result()
        commits.append(commit_chunk.submit(chunk, settings, f"{run}/{i:06d}"))
        outcomes += chunk
        if on_progress:
            for o in chunk:
                on_progress(o, len(refs))
    for c in commits:
        c.result()
    outcomes.sort(key=lambda o: o.name)
    summary = summarize(settings.batch, run, outcomes, time.monotonic() - started)
    store = worker_context(settings).store
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


def run_ingest(paths: list[str], settings: IngestSettings, *, workers: int | None = None,
               on_progress: Callable[[Outcome, int], None] | None = None) -> dict[str, Any]:
    """Run the flow with a thread pool of `workers` (default: one per core). Tesseract runs in subprocesses,
    so threads give real parallelism across pages."""
    n = workers or os.cpu_count() or 2
    runner = ingest.with_options(task_runner=ThreadPoolTaskRunner(max_workers=n))
    return runner(paths, settings, workers=n, on_progress=on_progress)
