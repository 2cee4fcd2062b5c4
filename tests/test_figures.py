"""The analysts' figures over a real store (records and index written by the commit and review code), against the
counts `demat stats` makes, and the charts drawn from them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import SCHEMAS
from pipeline import charts, figures, review
from pipeline.schemas.schema import load_schemas
from pipeline.storage import archive, index
from pipeline.storage.store import LocalStore

ADDRESS = "qc-changement-adresse"
VALUES = {"nom": "Dubé", "prenom": "Étienne", "date_naissance": "1965-07-26", "nas": "382 713 240",
          "telephone": "581-555-2118", "ancienne_adresse": "8720, rue Saint-Denis", "ancienne_ville": "Laval",
          "ancien_code_postal": "J3C 7H2", "nouvelle_adresse": "3267, rue Wellington Nord",
          "nouvelle_ville": "Saguenay", "nouveau_code_postal": "J4H 9Y7", "date_demenagement": "2022-12-01",
          "courriel": "etienne.dube@exemple.qc.ca", "aviser_ramq": False, "aviser_saaq": True,
          "aviser_revenu": False, "date_signature": "2023-01-09"}


def record(i: int, when: str, status: str, *, batch: str = "lot-a", procedure: str | None = ADDRESS,
           doubt: str | None = None) -> dict:
    fields = {n: {"value": v, "text": "X" if v is True else "" if v is False else v, "confidence": 0.95, "errors": []}
              for n, v in VALUES.items()}
    errors = []
    if doubt:
        fields[doubt]["confidence"] = 0.5
        errors = [f"field {doubt}: confidence 0.50 below 0.75"]
    return {"id": f"{i:032x}-p001", "procedure": procedure, "schema_version": 1, "status": status,
            "fields": fields if procedure else {}, "errors": errors,
            "source": {"name": f"doc-{i}.png", "sha256": f"{i:064x}", "pages": [1], "media_type": "image/png"},
            "batch": batch, "ingested_at": when}


def commit(store, records: list[dict]) -> None:
    for r in records:
        archive.commit(store, [(r["source"]["sha256"], r["source"]["name"], [r])], r["batch"], f"t/{r['id']}")


@pytest.fixture
def store(tmp_path):
    return LocalStore(tmp_path / "store")


@pytest.fixture(scope="module")
def address_schema():
    return next(s for s in load_schemas(SCHEMAS) if s.procedure == ADDRESS)


@pytest.fixture
def history(store):
    """Three months of two procedures in two batches, some waiting for review, one unidentified."""
    rows = []
    for i in range(30):
        month = ("2026-09", "2026-10", "2026-11")[i % 3]
        status = ("accepted", "accepted", "needs_review", "rejected")[i % 4]
        rows.append(record(i, f"{month}-{1 + i % 27:02d}T10:{i:02d}:00Z", status,
                           batch="lot-a" if i < 18 else "lot-b",
                           procedure=ADDRESS if i % 5 else "qc-permis-construction",
                           doubt="nom" if status == "needs_review" else None))
    rows.append(record(99, "2026-11-20T08:00:00Z", "rejected", procedure=None))
    commit(store, rows)
    return rows


def stats(store, by, *, procedures=None, batch=None, since=None, until=None):
    """What `demat stats --by ... --format json` answers (the CLI's own steps, tested against it in test_web)."""
    table = index.read(store, index.COUNT_COLUMNS)
    rows = [r for r in table.to_pylist() if (procedures is None or r["procedure"] in procedures)
            and (batch is None or r["batch"] == batch)]
    return index.count(pa.Table.from_pylist(rows, schema=table.schema), by, since=since, until=until)


@pytest.mark.parametrize("filters", [figures.Filters(), figures.Filters(procedure=ADDRESS),
                                     figures.Filters(batch="lot-b"), figures.Filters(since="2026-10-01"),
                                     figures.Filters(since="2026-10-01", until="2026-11-01", batch="lot-a")])
def test_the_figures_count_what_stats_counts(store, history, filters):
    fig = figures.figures(figures.read(store), filters)
    kw = {"procedures": [filters.procedure] if filters.procedure else None, "batch": filters.batch,
          "since": filters.since, "until": filters.until}
    assert fig.tables["status"] == stats(store, ["procedure", "status"], **kw)
    assert [{"month": m["month"], "count": m["ingested"]} for m in fig.tables["months"]] == stats(store, ["month"], **kw)
    assert fig.total == sum(r["count"] for r in stats(store, ["status"], **kw))
    accepted = {r["month"]: r["count"] for r in stats(store, ["month", "status"], **kw) if r["status"] == "accepted"}
    assert {m["month"]: m["accepted"] for m in fig.tables["months"] if m["accepted"]} == accepted


def test_a_review_keeps_the_fields_that_were_doubted_and_counts_its_correction_and_reviewer(store, history,
                                                                                         address_schema):
    waiting = next(r for r in history if r["status"] == "needs_review" and r["procedure"] == ADDRESS)
    new, problems = review.decide(address_schema, waiting, {"nom": "Dubois"}, "accept", by="lea")
    assert not problems
    review.save(store, new, opened_revision=0)
    assert new["errors"] == [] and new["doubted"] == ["nom"]

    fig = figures.figures(figures.read(store), figures.Filters(procedure=ADDRESS))
    nom = next(r for r in fig.tables["fields"] if r["field"] == "nom")
    doubted = sum(1 for r in history if r["procedure"] == ADDRESS and r["status"] == "needs_review")
    assert nom == {"procedure": ADDRESS, "field": "nom", "doubtful": doubted, "corrected": 1}
    today = new["reviewed_at"][:10]
    assert fig.tables["reviewers"] == [{"day": today, "reviewer": "lea", "reviewed": 1}]
    assert next(m for m in fig.tables["months"] if m["month"] == today[:7])["reviewed"] == 1
    backlog = next(r for r in fig.tables["backlog"] if r["procedure"] == figures.ALL)
    assert backlog["waiting"] == doubted - 1


def test_the_measured_accuracy_is_the_one_stats_quality_gives(store, history, address_schema):
    accepted = [r for r in history if r["status"] == "accepted" and r["procedure"] == ADDRESS][:2]
    for r, typed in zip(accepted, ({"nouvelle_ville": "Chicoutimi"}, {})):
        new, problems = review.decide(address_schema, r, typed, "accept", by="paul")
        assert not problems and "quality_check" in new
        review.save(store, new, opened_revision=0)
    fig = figures.figures(figures.read(store), figures.Filters())
    whole = {r["procedure"]: r for r in review.quality(store) if r["field"] == "(all)"}
    assert [(q["procedure"], q["checked"], q["wrong"]) for q in fig.tables["quality"]] \
        == [(p, r["checked"], r["wrong"]) for p, r in sorted(whole.items())] == [(ADDRESS, 2 * len(VALUES), 1)]
    assert fig.tables["quality"][0]["accuracy"] == round(1 - 1 / (2 * len(VALUES)), 4)


def test_backlog_ages_goals_and_batches(store, history):
    now = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.timezone.utc)
    goal = {ADDRESS: figures.Goal(10, "2027-12-31"), "qc-permis-construction": figures.Goal(1, "2027-06-30")}
    fig = figures.figures(figures.read(store), expected=goal, now=now)
    waiting = [r for r in history if r["status"] == "needs_review"]
    ages = sorted((now - dt.datetime.fromisoformat(r["ingested_at"].replace("Z", "+00:00"))).total_seconds() / 86400
                  for r in waiting)
    total = next(r for r in fig.tables["backlog"] if r["procedure"] == figures.ALL)
    assert total["waiting"] == len(waiting) and total["oldest_days"] == round(ages[-1], 1)
    assert total["median_days"] == round(float(sorted(ages)[len(ages) // 2] if len(ages) % 2 else
                                               (ages[len(ages) // 2 - 1] + ages[len(ages) // 2]) / 2), 1)
    accepted = {p: sum(1 for r in history if r["procedure"] == p and r["status"] == "accepted") for p in goal}
    assert [(g["procedure"], g["digitized"], g["reached"]) for g in fig.tables["goals"]] \
        == [(p, accepted[p], accepted[p] >= goal[p].count) for p in sorted(goal)]
    assert fig.reached == (sum(accepted[p] >= goal[p].count for p in goal), 2)
    assert {b["batch"]: b["records"] for b in fig.tables["batches"]} \
        == {r["batch"]: r["count"] for r in stats(store, ["batch"])}


def test_a_user_sees_only_the_procedures_granted(store, history):
    only = figures.figures(figures.read(store), sees=lambda p: p == "qc-permis-construction",
                           expected={ADDRESS: figures.Goal(5, "2027-01-01")})
    assert {r["procedure"] for r in only.tables["status"]} == {"qc-permis-construction"}
    assert only.tables["goals"] == []  # another procedure's goal is not shown either
    assert only.total == sum(r["count"] for r in stats(store, ["status"], procedures=["qc-permis-construction"]))


def test_every_table_exports_as_csv_and_parquet_with_its_rows(store, history):
    fig = figures.figures(figures.read(store))
    for name, columns in figures.TABLES.items():
        rows = fig.tables[name]
        back = list(csv.DictReader(io.StringIO(figures.to_csv(rows, name))))
        assert list(back[0]) == columns if back else figures.to_csv(rows, name).strip() == ",".join(columns)
        assert [[str(r[c]) if r[c] is not None else "" for c in columns] for r in rows] \
            == [[b[c] for c in columns] for b in back]
        table = pq.read_table(io.BytesIO(figures.to_parquet(rows, name)))
        assert table.column_names == columns and table.num_rows == len(rows)


def test_an_index_written_before_the_review_columns_is_still_read(store, history):
    old = pa.Table.from_pylist([{"id": "f" * 32 + "-p001", "procedure": ADDRESS, "schema_version": 1,
                                 "status": "accepted", "batch": "old", "ingested_at": "2025-01-05T00:00:00Z",
                                 "month": "2025-01", "source_sha256": "f" * 64, "pages": 1}])
    store.put("index/runs/before.parquet", index.to_parquet(old))
    fig = figures.figures(figures.read(store), figures.Filters(batch="old"))
    assert fig.tables["status"] == [{"procedure": ADDRESS, "status": "accepted", "count": 1}]
    assert fig.tables["reviewers"] == [] and fig.tables["fields"] == []


def test_a_chart_draws_one_mark_per_value_and_escapes_its_words():
    values = {("<script>", "a"): 3, ("<script>", "b"): 0, ("x", "a"): 1, ("x", "b"): 2}
    for chart in (charts.hbars("t", ["<script>", "x"], ["a", "b"], values),
                  charts.columns("t", ["<script>", "x"], ["a", "b"], values),
                  charts.columns("t", ["<script>", "x"], ["a", "b"], values, stacked=True)):
        svg = charts.svg(chart)
        assert chart.marks == 3 and svg.count('class="mark"') == 3
        assert "<script>" not in svg and "&lt;script&gt;" in svg
        assert sorted(float(v) for v in re.findall(r'data-value="([^"]+)"', svg)) == [1, 2, 3]
        assert charts.drawing(chart, 400).width == 400


def test_a_procedure_may_set_its_goal_and_a_wrong_one_is_refused(tmp_path):
    from pipeline.errors import SchemaError

    text = (SCHEMAS / f"{ADDRESS}.yaml").read_text(encoding="utf-8")
    assert "expected:" in text
    (tmp_path / "templates").symlink_to(SCHEMAS / "templates")
    bad = text.replace("expected: {count: 12, by: 2027-12-31}", "expected: {count: 0, by: someday}")
    (tmp_path / "a.yaml").write_text(bad, encoding="utf-8")
    with pytest.raises(SchemaError) as err:
        load_schemas(tmp_path)
    assert any("expected.count" in p for p in err.value.problems) and any("expected.by" in p for p in
                                                                           err.value.problems)


def test_the_series_of_a_chart_differ_in_lightness_printed_in_gray():
    def gray(color: str) -> float:
        r, g, b = (int(color[i:i + 2], 16) / 255 for i in (1, 3, 5))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    for n in (2, 3, 4):  # the charts draw at most four series but for reviewers, whose bars are labelled in the legend
        levels = sorted(gray(c) for c in charts.PALETTE[:n])
        assert min(b - a for a, b in zip(levels, levels[1:])) >= 0.12, levels
