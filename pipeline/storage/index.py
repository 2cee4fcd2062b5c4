"""The counting index: Parquet files of one row per record, readable by DuckDB, pandas or pyarrow.

    index/parts/<run>/<chunk>.parquet   written by each commit, after the chunk's records, before its marks
    index/runs/<run>.parquet            a finished run's parts compacted into one file
    index/compacted-<time>.parquet      `demat index compact`: everything in one file
    index/reviews/<id>-r<revision>.parquet  a reviewed record's new row, written with its new version

A crash can leave a part whose documents were not marked done; re-running writes their rows again, so readers
deduplicate by record id (`read`) and the index always agrees with the records. A record reviewed has rows of
several revisions: readers keep the highest (`revision`, 0 at ingestion; files written before it hold none).
"""

from __future__ import annotations

import io
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..record import doubted, review_kinds, unique_stamp
from .store import Store

SCHEMA = pa.schema([
    ("id", pa.string()),
    ("procedure", pa.string()),
    ("schema_version", pa.int32()),
    ("status", pa.string()),
    ("batch", pa.string()),
    ("ingested_at", pa.string()),
    ("month", pa.string()),
    ("source_sha256", pa.string()),
    ("pages", pa.int32()),
    ("revision", pa.int32()),
    ("review_kinds", pa.string()),  # why a record waits for review, comma-separated (record.review_kinds)
    ("reviewed_by", pa.string()),
    ("reviewed_at", pa.string()),
    ("doubted", pa.string()),  # fields that sent it to review when read, comma-separated (record.doubted)
    ("corrected", pa.string()),  # fields a person changed, comma-separated
    ("quality_fields", pa.int32()),  # a second look at an accepted record: the fields it saw...
    ("quality_changed", pa.string()),  # ...and those it changed, comma-separated
])
PREFIX = "index/"


def row(rec: dict[str, Any]) -> dict[str, Any]:
    src = rec.get("source") or {}
    return {
        "id": rec["id"], "procedure": rec.get("procedure"), "schema_version": rec.get("schema_version"),
        "status": rec["status"], "batch": rec.get("batch"), "ingested_at": rec.get("ingested_at"),
        "month": (rec.get("ingested_at") or "")[:7] or None, "source_sha256": src.get("sha256"),
        "pages": len(src.get("pages") or []),
        "revision": int(rec.get("revision") or 0),
        "review_kinds": ",".join(review_kinds(rec)) or None,
        "reviewed_by": rec.get("reviewed_by"), "reviewed_at": rec.get("reviewed_at"),
        "doubted": ",".join(doubted(rec)) or None,
        "corrected": ",".join(sorted(n for n, f in (rec.get("fields") or {}).items() if "review" in f)) or None,
        "quality_fields": check.get("fields") if (check := rec.get("quality_check")) else None,
        "quality_changed": ",".join(check.get("changed") or []) or None if check else None,
    }


def to_parquet(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    return buf.getvalue()


def table_of(records: Iterable[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist([row(r) for r in records], schema=SCHEMA)


def write_part(store: Store, part: str, records: list[dict[str, Any]]) -> str:
    key = f"{PREFIX}parts/{part}.parquet"
    store.put(key, to_parquet(table_of(records)), content_type="application/vnd.apache.parquet")
    return key


def write_review(store: Store, record: dict[str, Any]) -> str:
    """The row of a record's new revision, read before the older ones of the same id."""
    key = f"{PREFIX}reviews/{record['id']}-r{int(record.get('revision') or 0):04d}.parquet"
    store.put(key, to_parquet(table_of([record])), content_type="application/vnd.apache.parquet")
    return key


COUNT_COLUMNS = ["id", "procedure", "status", "batch", "ingested_at", "month", "revision"]


def _read(store: Store, keys: list[str], columns: list[str] | None = None) -> pa.Table:
    schema = pa.schema([SCHEMA.field(c) for c in columns]) if columns else SCHEMA

    def one(key: str) -> pa.Table:
        part = pq.ParquetFile(io.BytesIO(store.get(key)))
        data = part.read(columns=[f.name for f in schema if f.name in part.schema_arrow.names])
        for f in schema:  # files written before a column existed: revision 0, nothing else known
            if f.name not in data.column_names:
                fill = [0] * data.num_rows if f.name == "revision" else [None] * data.num_rows
                data = data.append_column(f.name, pa.array(fill, f.type))
        return data.select([f.name for f in schema]).cast(schema)

    if len(keys) > 1:  # object stores answer faster in parallel
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(8) as pool:
            tables = list(pool.map(one, keys))
    else:
        tables = [one(k) for k in keys]
    return pa.concat_tables(tables) if tables else schema.empty_table()


def dedupe(table: pa.Table) -> pa.Table:
    """One row per record id: its highest revision, and of rows of one revision the last one read (files are
    read in key order: older runs first)."""
    if table.num_rows == 0:
        return table
    codes = pc.dictionary_encode(table["id"]).combine_chunks().indices.to_numpy()
    if int(codes.max()) + 1 == table.num_rows:
        return table
    import numpy as np

    revisions = table["revision"].to_numpy(zero_copy_only=False)
    order = np.lexsort((np.arange(len(codes)), revisions, codes))  # by id, then revision, then reading order
    last_of_id = np.r_[codes[order][1:] != codes[order][:-1], True]
    return table.take(pa.array(np.sort(order[last_of_id])))


def index_keys(store: Store) -> list[str]:
    return [k for k in store.list(PREFIX) if k.endswith(".parquet")]


def read(store: Store, columns: list[str] | None = None, keys: list[str] | None = None) -> pa.Table:
    """The index, one row per record; `columns` limits what is read (COUNT_COLUMNS suffices for counting), `keys`
    the files (`index_keys`, listed once by a caller that keeps the table). The revision is always read: it
    chooses each record's row."""
    if columns is not None and "revision" not in columns:
        columns = [*columns, "revision"]
    return dedupe(_read(store, index_keys(store) if keys is None else keys, columns))


def compact(store: Store, keys: list[str], into: str) -> str | None:
    """Merge index files into one (written first), then remove them: a crash in between only leaves
    duplicates, which readers drop."""
    if not keys:
        return None
    merged = dedupe(_read(store, keys))
    store.put(into, to_parquet(merged), content_type="application/vnd.apache.parquet")
    for k in keys:
        if k != into:
            store.delete(k)
    return into


def compact_run(store: Store, run: str) -> str | None:
    keys = [k for k in index_keys(store) if k.startswith(f"{PREFIX}parts/{run}/")]
    return compact(store, keys, f"{PREFIX}runs/{run}.parquet")


def compact_all(store: Store) -> str | None:
    return compact(store, index_keys(store), f"{PREFIX}compacted-{unique_stamp()}.parquet")


def rebuild(store: Store, records: Iterable[dict[str, Any]]) -> str:
    """A fresh index from the records themselves (after a manual repair of the store, say)."""
    old = index_keys(store)
    key = f"{PREFIX}compacted-{unique_stamp()}.parquet"
    store.put(key, to_parquet(table_of(records)), content_type="application/vnd.apache.parquet")
    for k in old:
        store.delete(k)
    return key


def count(table: pa.Table, by: list[str], *, since: str | None = None, until: str | None = None,
          rate: bool = False) -> list[dict[str, Any]]:
    """Rows of the `by` keys with `count` (and with `rate`: `accepted` and accepted/count)."""
    if since:
        table = table.filter(pc.greater_equal(table["ingested_at"], since))
    if until:
        table = table.filter(pc.less(table["ingested_at"], until))
    table = table.append_column("is_accepted", pc.cast(pc.equal(table["status"], "accepted"), pa.int64()))
    grouped = table.group_by(by).aggregate([("id", "count"), ("is_accepted", "sum")])
    rows = []
    for r in grouped.to_pylist():
        out = {k: r[k] for k in by}
        out["count"] = r["id_count"]
        if rate:
            out["accepted"] = r["is_accepted_sum"] or 0
            out["rate"] = round(out["accepted"] / out["count"], 4) if out["count"] else 0.0
        rows.append(out)
    rows.sort(key=lambda r: tuple("" if r[k] is None else str(r[k]) for k in by))
    return rows
