"""Ingestion as a Prefect deployment: a watched inbox folder, ingested on a schedule, runs visible in the UI.

    demat serve --inbox /srv/inbox --every 60           # serves the deployment from this process (flow.serve)
    prefect deploy --all                                 # or: prefect.yaml, for a work pool and its workers

Each run ingests what is in the inbox and moves the files it committed to `INBOX/.done/<batch>/` (dot folders
are never read as input), so a clerk sees what is done and a file is read once. A file dropped while a run is
going is simply taken by the next one.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

from prefect import flow  # noqa: E402

from flows.ingest import (
    IngestSettings,  # first: it quiets Prefect before Prefect is imported
    ingest_on_threads,
)
from pipeline.inputs.sources import discover

DONE = ".done"


@flow(name="demat-inbox", validate_parameters=True)
def ingest_inbox(inbox: str, schemas: str = "schemas", store: str | None = None, workers: int = 2) -> dict[str, Any]:
    """Ingest the documents waiting in `inbox`; move the files committed to `inbox/.done/<batch>/`."""
    root = Path(inbox)
    refs = list(discover([str(root)]))
    if not refs:
        return {"documents": 0}
    batch = "inbox-" + dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    settings = IngestSettings(str(Path(schemas).resolve()), store, batch)
    summary = ingest_on_threads([str(root)], settings, workers)
    done = root / DONE / batch
    for path in sorted({Path(r.path) for r in refs}):  # a zip's members are done with the zip
        target = done / path.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), str(target))
    return summary


def serve(inbox: str, schemas: str, store: str | None, every: int, workers: int) -> None:
    """Serve the inbox deployment from this process until interrupted (a schedule every `every` seconds)."""
    ingest_inbox.serve(name="inbox", interval=every, print_starting_message=False,
                       parameters={"inbox": str(Path(inbox).resolve()), "schemas": str(Path(schemas).resolve()),
                                   "store": store, "workers": workers})
