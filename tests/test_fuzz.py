"""Damaged inputs of every kind that bench/fuzz.py makes (its full run is 500 cases): each ends as a record, the
batch exits 0 and prints no traceback."""

from __future__ import annotations

import json
import sys

import pytest

from conftest import ROOT, SCHEMAS, run_demat

sys.path.insert(0, str(ROOT / "bench"))
from fuzz import KINDS, make_cases, records_by_input  # noqa: E402

pytestmark = pytest.mark.slow


def test_damaged_inputs_of_every_kind_each_end_as_a_record(prefect_server, tmp_path):
    folder, store = tmp_path / "cases", tmp_path / "store"
    cases = make_cases(folder, 2 * len(KINDS) + 6, seed=3)
    assert set(cases.values()) == {k.__name__ for k in KINDS}
    proc = run_demat("ingest", str(folder), "--schemas", str(SCHEMAS), "--store", str(store), "--json",
                     timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    summary = json.loads(proc.stdout)
    got = records_by_input(store, folder)
    assert sorted(set(cases) - set(got)) == []
    assert summary["records"] == len({r["id"] for rs in got.values() for r in rs})
    for rs in got.values():
        for r in rs:
            assert r["status"] != "rejected" or (r["errors"] and r["errors"][0].strip()), r
