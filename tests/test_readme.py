"""The README and docs say what runs: every shell block they show runs as written against the samples, and the
DuckDB query over the index counts what `demat stats` counts.

Blocks are run in order, each as one bash script with `set -e`, in a folder laid out like a checkout (samples,
schemas, and `../shared` beside it). A block is left out only for a reason named in NOT_RUN; each of those has
its own test elsewhere.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

# What a block holds -> why it is not run here (and where it is tested).
NOT_RUN = {
    "bash scripts/": "the set-up commands themselves: CI runs scripts/test.sh; demo.sh's own commands run here",
    "s3://": "needs a MinIO endpoint: tests/test_store.py and test_samples_e2e.py run the same commands on moto's S3",
    "--dask-address": "needs a Dask scheduler: tests/test_dask.py runs the flow on a LocalCluster",
    "prefect ": "starts or configures a Prefect server or work pool: conftest.py runs a real server for the suite",
    "dask ": "starts a Dask scheduler or workers: tests/test_dask.py",
    "demat web": "serves until stopped: tests/test_web.py drives it in Chromium",
}


def blocks(path: Path, lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", path.read_text(encoding="utf-8"), flags=re.M | re.S)


def skipped_why(block: str) -> str | None:
    return next((why for what, why in NOT_RUN.items() if what in block), None)


@pytest.fixture(scope="module")
def checkout(tmp_path_factory, prefect_server) -> Path:
    """A folder laid out like a checkout, with an inbox holding one scan, as docs/operations.md uses."""
    top = tmp_path_factory.mktemp("readme")
    work = top / "main"
    work.mkdir()
    (work / "samples").symlink_to(ROOT / "samples")
    shutil.copytree(ROOT / "schemas", work / "schemas")
    (top / "shared").symlink_to(ROOT.parent / "shared")
    (work / "inbox").mkdir()
    shutil.copy(ROOT / "samples" / "clean" / "adresse-01.png", work / "inbox")
    return work


def run_block(block: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("DEMAT_STORE", None)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", block], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


def test_every_shell_block_of_the_readme_and_docs_runs_as_written(checkout):
    ran, left_out, failed = [], [], []
    for doc in DOCS:
        for block in blocks(doc, "bash"):
            why = skipped_why(block)
            if why:
                left_out.append((doc.name, block.splitlines()[0], why))
                continue
            proc = run_block(block, checkout)
            ran.append((doc.name, block.splitlines()[0]))
            if proc.returncode != 0:
                failed.append(f"{doc.name}: {block.strip()}\n-> exit {proc.returncode}: {proc.stderr.strip()[-500:]}")
    assert failed == []
    readme_ran = [b for d, b in ran if d == "README.md"]
    for first in ("demat ingest", "demat user add", "demat schema check", "demat report"):  # every audience's
        assert any(first in b for b in readme_ran), (first, readme_ran)
    # What they made is there: records, an imported and a proposed schema, previews, JSON Schemas, an index.
    assert list((checkout / "demat-data" / "records").glob("*.json"))
    assert {p.name for p in (checkout / "my-schemas").glob("*.yaml")} >= {"w-9.yaml", "sq-2101.yaml"}
    assert (checkout / "preview.png").stat().st_size > 10_000 and (checkout / "check.png").stat().st_size > 10_000
    assert json.loads((checkout / "schema-language.json").read_text())["title"]
    assert list((checkout / "record-schemas").glob("*.json"))
    assert (checkout / "accepted.csv").read_text().count("\n") >= 2


def test_the_duckdb_query_of_the_readme_counts_what_demat_stats_counts(checkout):
    duckdb = pytest.importorskip("duckdb")
    (query,) = [b for b in blocks(ROOT / "README.md", "sql")]
    if not (checkout / "demat-data" / "index").exists():
        proc = run_block("demat ingest samples/ --batch lot-2019", checkout)
        assert proc.returncode == 0, proc.stderr
    sql = "\n".join(line for line in query.splitlines() if not line.startswith("--"))
    cwd = os.getcwd()
    os.chdir(checkout)
    try:
        rows = duckdb.sql(sql).fetchall()
    finally:
        os.chdir(cwd)
    stats = run_block("demat stats --by procedure,status --format json", checkout)
    assert stats.returncode == 0, stats.stderr
    expected = {(r["procedure"], r["status"], r["count"]) for r in json.loads(stats.stdout)}
    assert set(rows) == expected and sum(c for *_, c in rows) >= 26


def test_the_readme_is_for_users():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert len(lines) <= 260
    assert lines[3:5] == ["bash scripts/demo.sh    # installs what is missing, digitizes samples/ into ./demat-data, "
                          "prints the counts",
                          "bash scripts/test.sh    # installs what is missing (with the test tools) and runs the "
                          "whole test suite"]
    first_150 = "\n".join(lines[:150])
    for command in ("demat ingest", "demat records", "demat schema check", "demat schema import", "demat stats"):
        assert command in first_150, command
    for doc in ("docs/architecture.md", "docs/schemas.md", "docs/operations.md", "docs/benchmarks.md",
                "CHANGELOG.md"):
        assert (ROOT / doc).exists() and doc in text, doc


def test_no_numbered_rounds_of_work_in_docs_or_code():
    pattern = re.compile(r"\b(session|round|sprint) \d+\b", re.I)
    paths = [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]
    for top in ("pipeline", "flows", "web", "tests", "bench", "tools", "scripts"):
        paths += [p for p in (ROOT / top).rglob("*") if p.suffix in (".py", ".sh", ".md", ".html", ".js", ".css")]
    found = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in paths
             for m in pattern.finditer(p.read_text(encoding="utf-8", errors="replace"))]
    assert found == []
