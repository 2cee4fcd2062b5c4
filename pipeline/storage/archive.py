"""What demat keeps in a store, and where (the layout documented in README.md).

    originals/<sha[:2]>/<sha256><ext>   source bytes, byte for byte, content-addressed, written once
    records/<record id>.json            one JSON record per form instance (or per rejected document)
    sources/<source key>.json           written last for a document: the commit mark that makes re-ingesting
                                        it a no-op (its record ids, name, batch)
    batches/<batch>/<run>.json          the summary of each run of a batch
    index/...                           Parquet rows for counting (see pipeline.storage.index)
"""

from __future__ import annotations

import json
from typing import Any, Iterator

from .store import Store

EXT = {"image/png": ".png", "image/jpeg": ".jpg", "image/tiff": ".tif", "application/pdf": ".pdf",
       "application/zip": ".zip"}


def original_key(sha256: str, media_type: str) -> str:
    return f"originals/{sha256[:2]}/{sha256}{EXT.get(media_type, '.bin')}"


def save_original(store: Store, data: bytes, sha256: str, media_type: str) -> str:
    key = original_key(sha256, media_type)
    if not store.exists(key):
        store.put(key, data, content_type=media_type, metadata={"sha256": sha256})
    return key


def source_mark_key(source_key: str) -> str:
    return f"sources/{source_key}.json"


def is_ingested(store: Store, source_key: str) -> bool:
    return store.exists(source_mark_key(source_key))


def _json(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=False).encode("utf-8")


def commit(store: Store, documents: list[tuple[str, str, list[dict[str, Any]]]], batch: str, part: str) -> None:
    """Commit digitized documents, given as (source key, name, records): their records, then one index part
    with their rows, then each document's mark. Safe to repeat: ids are stable, writes idempotent, and index
    readers drop repeated rows."""
    from . import index

    for _, _, records in documents:
        for rec in records:
            meta = {"procedure": rec.get("procedure") or "", "status": rec["status"],
                    "schema-version": str(rec.get("schema_version") or ""),
                    "sha256": (rec.get("source") or {}).get("sha256", "")}
            store.put(f"records/{rec['id']}.json", _json(rec), content_type="application/json", metadata=meta)
    rows = [rec for _, _, records in documents for rec in records]
    if rows:
        index.write_part(store, part, rows)
    for key, name, records in documents:
        mark = {"source_key": key, "name": name, "batch": batch, "records": [r["id"] for r in records]}
        store.put(source_mark_key(key), _json(mark), content_type="application/json")


def iter_records(store: Store) -> Iterator[dict[str, Any]]:
    for key in store.list("records/"):
        if key.endswith(".json"):
            yield json.loads(store.get(key))


def save_batch_summary(store: Store, batch: str, run: str, summary: dict[str, Any]) -> None:
    store.put(f"batches/{batch}/{run}.json", _json(summary), content_type="application/json")
