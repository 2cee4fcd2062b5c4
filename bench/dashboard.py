#!/usr/bin/env python3
"""The analysts' dashboard over a synthetic index of 1,000,000 records, against `demat stats` in the same run.

    python bench/dashboard.py [--records 1000000] [--runs 50] [--repeat 7]

Measured: `demat stats --by procedure,status` (the command, and its read + count in process); the dashboard's
figures in process (index read + every figure); the server time of `GET /dashboard` through the real application
(Starlette's test client, signed in as an analyst): the first request, which reads the index, then the median of
the next ones (the index kept while its files are unchanged), and the same with a filter. Goal: a median under 1 s,
the same order as `demat stats`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from stats_scale import DEMAT, PROCEDURES, synthetic_index  # noqa: E402

from pipeline import figures  # noqa: E402
from pipeline.schemas.schema import load_schemas  # noqa: E402
from pipeline.storage import index, users  # noqa: E402
from pipeline.storage.store import LocalStore  # noqa: E402


def timed(fn, repeat: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    from starlette.testclient import TestClient

    from web.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        store = LocalStore(Path(tmp) / "store")
        synthetic_index(store, args.records, args.runs)
        env = dict(os.environ, DEMAT_STORE=str(store.root))
        t0 = time.perf_counter()
        subprocess.run([DEMAT, "stats", "--by", "procedure,status", "--format", "json"], env=env, check=True,
                       capture_output=True)
        stats_cli = time.perf_counter() - t0
        stats_inproc, _ = timed(lambda: index.count(index.read(store, index.COUNT_COLUMNS), ["procedure", "status"]),
                                args.repeat)
        table = figures.read(store)
        read_all, _ = timed(lambda: figures.read(store), 3)
        compute, _ = timed(lambda: figures.figures(table), args.repeat)
        users.add(store, "ana", "analyst", ["*"], "bench-password-1234")
        app = create_app(store, load_schemas(ROOT / "schemas"), "bench-secret-" + "z" * 24)
        with TestClient(app) as client:
            page = client.get("/login")
            token = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
            client.post("/login", data={"user": "ana", "password": "bench-password-1234", "csrf": token},
                        follow_redirects=False)  # not to the dashboard yet: the first request is timed
            t0 = time.perf_counter()
            first = client.get("/dashboard")
            cold = time.perf_counter() - t0
            assert first.status_code == 200 and f"{args.records} dossier" in first.text.replace("\u202f", ""), \
                first.text[:300]
            warm, _ = timed(lambda: client.get("/dashboard"), args.repeat)
            one, _ = timed(lambda: client.get(f"/dashboard?procedure={PROCEDURES[3]}&since=2026-06-01"), args.repeat)
            csv_time, _ = timed(lambda: client.get("/dashboard/status.csv"), args.repeat)
    n = f"{args.records:,}".replace(",", " ")
    print(f"analysts' dashboard over {n} indexed records ({args.runs} run files, 1% repeated rows deduplicated)")
    rows = [("demat stats --by procedure,status, the command (s)", stats_cli),
            ("demat stats: index read + count in process, median (s)", stats_inproc),
            ("dashboard: index read, every column it uses, median (s)", read_all),
            ("dashboard: every figure from the read index, median (s)", compute),
            ("GET /dashboard, first request (reads the index) (s)", cold),
            ("GET /dashboard, median of the next requests (s)", warm),
            ("GET /dashboard?procedure=…&since=…, median (s)", one),
            ("GET /dashboard/status.csv, median (s)", csv_time)]
    for label, v in rows:
        print(f"{label:60}{v:>8.3f}")
    print(f"dashboard median / stats in process: {warm / stats_inproc:.2f}; goal: median under 1 s "
          f"({'met' if warm < 1 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
