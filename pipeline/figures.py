"""The analysts' figures: how much has been digitized, how fast, at what cost in review; read from the counting
index alone (never the records), so they hold at a million records and agree with `demat stats`.

Filters choose records (by procedure, batch, and the date they were ingested); every figure then describes the
records chosen. Each figure is a table of plain rows (`TABLES` names its columns), the same rows the dashboard
draws, the report prints and the exports write.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .storage import index

COLUMNS = ["id", "procedure", "status", "batch", "ingested_at", "month", "revision", "reviewed_by", "reviewed_at",
           "doubted", "corrected", "quality_fields", "quality_changed"]
UNIDENTIFIED = "(unidentified)"
ALL = "(all)"

TABLES: dict[str, list[str]] = {
    "status": ["procedure", "status", "count"],
    "months": ["month", "ingested", "accepted", "reviewed"],
    "goals": ["procedure", "digitized", "expected", "by", "share", "reached"],
    "backlog": ["procedure", "waiting", "oldest_days", "median_days"],
    "reviewers": ["day", "reviewer", "reviewed"],
    "fields": ["procedure", "field", "doubtful", "corrected"],
    "quality": ["procedure", "checked", "wrong", "accuracy"],
    "batches": ["batch", "records", "accepted", "needs_review", "rejected", "first", "last"],
}


@dataclass(frozen=True)
class Filters:
    procedure: str | None = None
    batch: str | None = None
    since: str | None = None  # ISO date, inclusive
    until: str | None = None  # ISO date, exclusive

    def query(self) -> dict[str, str]:
        return {k: v for k, v in (("procedure", self.procedure), ("batch", self.batch), ("since", self.since),
                                  ("until", self.until)) if v}


@dataclass(frozen=True)
class Goal:
    count: int
    by: str  # ISO date


@dataclass(frozen=True)
class Figures:
    filters: Filters
    total: int
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def reached(self) -> tuple[int, int]:
        """(procedures that reached their goal, procedures with a goal)."""
        goals = self.tables["goals"]
        return sum(1 for g in goals if g["reached"]), len(goals)


def read(store) -> pa.Table:
    return index.read(store, COLUMNS)


def month_range(month: str) -> tuple[str, str]:
    """The [since, until) dates of a month given as YYYY-MM."""
    first = dt.date.fromisoformat(month + "-01")
    after = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first.isoformat(), after.isoformat()


def among(procedures: Iterable[str]) -> Callable[[str | None], bool] | None:
    """Who sees only these procedures (None for no limit), as `select` takes it: `--procedure` options."""
    wanted = set(procedures)
    return (lambda p: p is not None and p != "*" and p in wanted) if wanted else None


def select(table: pa.Table, filters: Filters, sees: Callable[[str | None], bool] | None = None) -> pa.Table:
    """The rows of the records the filters choose, among those of the procedures `sees` allows."""
    if sees is not None and not sees("*"):
        names = [p for p in pc.unique(table["procedure"]).to_pylist() if p is not None and sees(p)]
        table = table.filter(pc.is_in(table["procedure"], pa.array(names, pa.string())))
    if filters.procedure:
        table = table.filter(pc.equal(table["procedure"], filters.procedure))
    if filters.batch:
        table = table.filter(pc.equal(table["batch"], filters.batch))
    if filters.since:
        table = table.filter(pc.greater_equal(table["ingested_at"], filters.since))
    if filters.until:
        table = table.filter(pc.less(table["ingested_at"], filters.until))
    return table


def _grouped(table: pa.Table, by: list[str], **sums: pc.Expression | pa.Array) -> list[dict[str, Any]]:
    """Per group of `by`: `count` and the sum of each given 0/1 column."""
    extra = {name: pc.cast(values, pa.int64()) for name, values in sums.items()}
    t = pa.table({**{k: table[k] for k in by}, "id": table["id"], **extra})
    rows = t.group_by(by).aggregate([("id", "count")] + [(n, "sum") for n in extra]).to_pylist()
    out = []
    for r in rows:
        row = {k: r[k] for k in by}
        row["count"] = r["id_count"]
        row.update({n: r[f"{n}_sum"] or 0 for n in extra})
        out.append(row)
    out.sort(key=lambda r: tuple("" if r[k] is None else str(r[k]) for k in by))
    return out


def _items(table: pa.Table, column: str) -> pa.Table:
    """(procedure, field) for every name of a comma-separated column."""
    lists = pc.split_pattern(table[column].combine_chunks(), ",")
    return pa.table({"procedure": pc.take(table["procedure"].combine_chunks(), pc.list_parent_indices(lists)),
                     "field": pc.list_flatten(lists)})


def _days(stamps: pa.ChunkedArray, now: dt.datetime) -> np.ndarray:
    times = pc.strptime(stamps, format="%Y-%m-%dT%H:%M:%SZ", unit="s", error_is_null=True)
    seconds = pc.cast(times, pa.int64()).to_numpy(zero_copy_only=False)
    return (now.timestamp() - seconds) / 86400.0


def status_counts(table: pa.Table) -> list[dict[str, Any]]:
    """Records by procedure and status: exactly `demat stats --by procedure,status`."""
    return index.count(table, ["procedure", "status"])


def months(table: pa.Table) -> list[dict[str, Any]]:
    """Per month: records ingested (and of them accepted, by the month they were ingested), records reviewed
    (by the month of their last review)."""
    ingested = {r["month"]: r for r in _grouped(table, ["month"], accepted=pc.equal(table["status"], "accepted"))}
    reviewed_month = pc.utf8_slice_codeunits(table["reviewed_at"], 0, 7)
    reviewed = {r["month"]: r["count"] for r in _grouped(pa.table({"month": reviewed_month, "id": table["id"]}),
                                                         ["month"]) if r["month"]}
    return [{"month": m, "ingested": ingested[m]["count"] if m in ingested else 0,
             "accepted": ingested[m]["accepted"] if m in ingested else 0, "reviewed": reviewed.get(m, 0)}
            for m in sorted(set(ingested) | set(reviewed), key=lambda m: m or "")]


def goals(table: pa.Table, expected: dict[str, Goal]) -> list[dict[str, Any]]:
    """Digitized (accepted records) against the expected volume, per procedure that has a goal."""
    accepted = {r["procedure"]: r["count"] for r in _grouped(table.filter(pc.equal(table["status"], "accepted")),
                                                             ["procedure"])}
    return [{"procedure": p, "digitized": accepted.get(p, 0), "expected": g.count, "by": g.by,
             "share": round(accepted.get(p, 0) / g.count, 4), "reached": accepted.get(p, 0) >= g.count}
            for p, g in sorted(expected.items())]


def backlog(table: pa.Table, now: dt.datetime) -> list[dict[str, Any]]:
    """Records waiting for review, per procedure and in all: how many, the oldest and median age in days."""
    waiting = table.filter(pc.equal(table["status"], "needs_review"))
    ages = _days(waiting["ingested_at"], now)
    procs = pc.dictionary_encode(pc.fill_null(waiting["procedure"], UNIDENTIFIED)).combine_chunks()
    codes = procs.indices.to_numpy(zero_copy_only=False)
    names = procs.dictionary.to_pylist()

    def row(name: str, mask: np.ndarray | None) -> dict[str, Any]:
        a = ages if mask is None else ages[mask]
        a = a[~np.isnan(a)]
        return {"procedure": name, "waiting": len(ages) if mask is None else int(mask.sum()),
                "oldest_days": round(float(a.max()), 1) if len(a) else None,
                "median_days": round(float(np.median(a)), 1) if len(a) else None}

    rows = [row(p, codes == names.index(p)) for p in sorted(names)]
    return rows + [row(ALL, None)]


def reviewers(table: pa.Table) -> list[dict[str, Any]]:
    """Records reviewed per day and reviewer (each record counted once, on its last review)."""
    done = table.filter(pc.is_valid(table["reviewed_by"]))
    t = pa.table({"day": pc.utf8_slice_codeunits(done["reviewed_at"], 0, 10), "reviewer": done["reviewed_by"],
                  "id": done["id"]})
    return [{"day": r["day"], "reviewer": r["reviewer"], "reviewed": r["count"]}
            for r in _grouped(t, ["day", "reviewer"])]


def fields(table: pa.Table, top: int = 15) -> list[dict[str, Any]]:
    """The fields most often doubtful when read or corrected by a person, per procedure, most first."""
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for column, key in (("doubted", "doubtful"), ("corrected", "corrected")):
        for r in _grouped(_with_id(_items(table, column)), ["procedure", "field"]):
            counts.setdefault((r["procedure"] or UNIDENTIFIED, r["field"]), {"doubtful": 0, "corrected": 0})[key] \
                = r["count"]
    rows = [{"procedure": p, "field": f, **c} for (p, f), c in counts.items()]
    rows.sort(key=lambda r: (-(r["doubtful"] + r["corrected"]), r["procedure"], r["field"]))
    return rows[:top]


def _with_id(t: pa.Table) -> pa.Table:
    return t.append_column("id", pa.array(np.arange(t.num_rows)))


def quality(table: pa.Table) -> list[dict[str, Any]]:
    """The measured accuracy of accepted records, from their quality-sampled second looks: fields seen, fields
    changed, 1 - changed/seen. The same counts as the `(all)` rows of `demat stats --quality`."""
    checked = table.filter(pc.is_valid(table["quality_fields"]))
    wrong = pc.list_value_length(pc.split_pattern(pc.fill_null(checked["quality_changed"], ""), ","))
    wrong = pc.if_else(pc.equal(pc.fill_null(checked["quality_changed"], ""), ""), 0, wrong)
    t = pa.table({"procedure": checked["procedure"], "seen": pc.cast(checked["quality_fields"], pa.int64()),
                  "wrong": pc.cast(wrong, pa.int64())})
    rows = t.group_by(["procedure"]).aggregate([("seen", "sum"), ("wrong", "sum")]).to_pylist()
    return sorted(({"procedure": r["procedure"], "checked": r["seen_sum"], "wrong": r["wrong_sum"],
                    "accuracy": round(1 - r["wrong_sum"] / r["seen_sum"], 4) if r["seen_sum"] else None}
                   for r in rows), key=lambda r: r["procedure"] or "")


def batches(table: pa.Table) -> list[dict[str, Any]]:
    """Per batch: its records by status, and when its first and last records were ingested."""
    status = table["status"]
    rows = _grouped(table, ["batch"], accepted=pc.equal(status, "accepted"),
                    needs_review=pc.equal(status, "needs_review"), rejected=pc.equal(status, "rejected"))
    spans = {r["batch"]: r for r in table.group_by(["batch"]).aggregate(
        [("ingested_at", "min"), ("ingested_at", "max")]).to_pylist()}
    return [{"batch": r["batch"], "records": r["count"], "accepted": r["accepted"],
             "needs_review": r["needs_review"], "rejected": r["rejected"],
             "first": spans[r["batch"]]["ingested_at_min"], "last": spans[r["batch"]]["ingested_at_max"]}
            for r in sorted(rows, key=lambda r: (spans[r["batch"]]["ingested_at_max"] or "", r["batch"] or ""),
                            reverse=True)]


def figures(table: pa.Table, filters: Filters = Filters(), *, sees: Callable[[str | None], bool] | None = None,
            expected: dict[str, Goal] | None = None, now: dt.datetime | None = None) -> Figures:
    """Every figure of the dashboard over the index `table` (`read`), for the records the filters choose."""
    now = now or dt.datetime.now(dt.timezone.utc)
    chosen = select(table, filters, sees)
    goal_of = {p: g for p, g in (expected or {}).items()
               if (sees is None or sees(p)) and filters.procedure in (None, p)}
    return Figures(filters, chosen.num_rows, {
        "status": status_counts(chosen), "months": months(chosen), "goals": goals(chosen, goal_of),
        "backlog": backlog(chosen, now), "reviewers": reviewers(chosen), "fields": fields(chosen),
        "quality": quality(chosen), "batches": batches(chosen),
    })


def to_csv(rows: list[dict[str, Any]], name: str) -> str:
    """A figure's table as CSV, its columns in `TABLES` order."""
    from .storage.stats import render_rows

    return render_rows(rows, TABLES[name], "csv") + "\n"


def to_parquet(rows: list[dict[str, Any]], name: str) -> bytes:
    """A figure's table as Parquet, its columns in `TABLES` order."""
    columns = TABLES[name]
    table = (pa.Table.from_pylist([{c: r.get(c) for c in columns} for r in rows]) if rows
             else pa.table({c: pa.array([], pa.string()) for c in columns}))
    return index.to_parquet(table)
