"""Rendering counts and exporting records in the formats analysts use (counting itself: pipeline.storage.index)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Iterable

KEYS = ("procedure", "status", "month", "batch")


def render_rows(rows: list[dict[str, Any]], columns: list[str], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
        w.writeheader()
        w.writerows({c: ("" if r.get(c) is None else r.get(c)) for c in columns} for r in rows)
        return buf.getvalue().rstrip("\n")
    def cell(c: str, v: Any) -> str:
        if v is None:
            return "-"
        return f"{v:.1%}" if c == "rate" else str(v)

    cells = [[cell(c, r.get(c)) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    line = lambda vals: "  ".join(v.rjust(w) if v.replace(".", "").rstrip("%").isdigit() else v.ljust(w) for v, w in zip(vals, widths)).rstrip()  # noqa: E731
    out = [line(columns), line(["-" * w for w in widths])] + [line(row) for row in cells]
    total = sum(r.get("count", 0) for r in rows)
    if "count" in columns:
        out.append(f"total: {total}")
    return "\n".join(out)


def flatten(rec: dict[str, Any]) -> dict[str, Any]:
    """One CSV row per record: the record's own columns, then `field.<name>` for each field value."""
    src = rec.get("source") or {}
    row = {
        "id": rec.get("id"), "procedure": rec.get("procedure"), "schema_version": rec.get("schema_version"),
        "status": rec.get("status"), "batch": rec.get("batch"), "ingested_at": rec.get("ingested_at"),
        "source_name": src.get("name"), "source_sha256": src.get("sha256"),
        "source_pages": " ".join(map(str, src.get("pages") or [])), "errors": " | ".join(rec.get("errors") or []),
    }
    for name, f in (rec.get("fields") or {}).items():
        v = f.get("value")
        row[f"field.{name}"] = json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v
    return row


def records_csv(records: Iterable[dict[str, Any]]) -> str:
    rows = [flatten(r) for r in records]
    base = ["id", "procedure", "schema_version", "status", "batch", "ingested_at", "source_name", "source_sha256",
            "source_pages", "errors"]
    extra = sorted({k for r in rows for k in r if k not in base})
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=base + extra, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if v is None else v) for k, v in r.items()})
    return buf.getvalue()
