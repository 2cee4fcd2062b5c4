#!/usr/bin/env python3
"""`demat stats` over a synthetic index of 1,000,000 records, on the local folder store and on S3 (moto's server
over HTTP on 127.0.0.1), and ingest throughput of the samples on both stores, side by side.

    python bench/stats_scale.py [--records 1000000] [--runs 50] [--skip-ingest]

The index is written the way ingest writes it (one Parquet file per run, 1% of rows repeated as after crashed
runs, so deduplication is exercised).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402

from pipeline.storage import index  # noqa: E402
from pipeline.storage.open import open_store  # noqa: E402
from pipeline.storage.store import Store  # noqa: E402

DEMAT = str(Path(sys.executable).parent / "demat")
PROCEDURES = [f"qc-procedure-{i:02d}" for i in range(12)]
STATUSES = ["accepted", "needs_review", "rejected"]
REVIEWERS = ["marie", "paul", "lea", "jean"]
FIELDS = ["nom", "prenom", "date_naissance", "nas", "code_postal", "courriel", "nom,prenom", "telephone"]


def synthetic_index(store: Store, n: int, runs: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    per = n // runs
    for r in range(runs):
        ids = np.arange(r * per, (r + 1) * per)
        if r > 0:  # a crashed run's rows written again
            ids = np.concatenate([ids, rng.choice(r * per, size=per // 100, replace=False)])
        m = len(ids)
        month = rng.integers(1, 13, m)
        day = rng.integers(1, 29, m)
        status = np.array(STATUSES)[rng.choice(3, m, p=[0.7, 0.25, 0.05])]
        reviewed = (rng.random(m) < 0.3) & (status != "needs_review")
        table = pa.table({
            "id": pa.array([f"{i:032x}-p001" for i in ids]),
            "procedure": pa.array(np.array(PROCEDURES)[rng.integers(0, len(PROCEDURES), m)]),
            "schema_version": pa.array(np.ones(m, dtype=np.int32)),
            "status": pa.array(status),
            "batch": pa.array([f"lot-{r:03d}"] * m),
            "ingested_at": pa.array([f"2026-{mo:02d}-{d:02d}T10:00:00Z" for mo, d in zip(month, day)]),
            "month": pa.array([f"2026-{mo:02d}" for mo in month]),
            "source_sha256": pa.array([f"{i:064x}" for i in ids]),
            "pages": pa.array(np.ones(m, dtype=np.int32)),
            "revision": pa.array(reviewed.astype(np.int32)),
            "review_kinds": pa.array(np.where(status == "needs_review", "confidence", None)),
            "reviewed_by": pa.array(np.where(reviewed, np.array(REVIEWERS)[rng.integers(0, len(REVIEWERS), m)],
                                             None)),
            "reviewed_at": pa.array([f"2026-{mo:02d}-{min(d + 2, 28):02d}T15:00:00Z" if rv else None
                                     for mo, d, rv in zip(month, day, reviewed)]),
            "doubted": pa.array(np.where(reviewed | (status == "needs_review"),
                                         np.array(FIELDS)[rng.integers(0, len(FIELDS), m)], None)),
            "corrected": pa.array(np.where(reviewed & (rng.random(m) < 0.4),
                                           np.array(FIELDS)[rng.integers(0, len(FIELDS), m)], None)),
            "quality_fields": pa.array(np.where(reviewed & (rng.random(m) < 0.1), 17, None), pa.int32()),
            "quality_changed": pa.array([None] * m, pa.string()),
        }).cast(index.SCHEMA)
        store.put(f"index/runs/run{r:04d}.parquet", index.to_parquet(table))


def time_cli(args: list[str], env: dict, repeat: int = 3) -> tuple[float, str]:
    best, out = float("inf"), ""
    for _ in range(repeat):
        t0 = time.monotonic()
        proc = subprocess.run([DEMAT, *args], capture_output=True, text=True, env=env, check=True)
        best, out = min(best, time.monotonic() - t0), proc.stdout
    return best, out


def time_ingest(env: dict) -> tuple[float, dict]:
    t0 = time.monotonic()
    out = subprocess.run([DEMAT, "ingest", "samples/", "--json"], capture_output=True, text=True, env=env,
                         check=True, cwd=ROOT)
    return time.monotonic() - t0, json.loads(out.stdout)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--skip-ingest", action="store_true")
    args = ap.parse_args()
    from conftest import MotoS3

    moto = MotoS3()
    moto.start()
    base = dict(os.environ)
    base.pop("DEMAT_STORE", None)
    results = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            envs = {"local": dict(base, DEMAT_STORE=str(Path(tmp) / "store")),
                    "s3": dict(base, **moto.env("bench-stats"))}
            for kind, env in envs.items():
                os.environ.update({k: v for k, v in env.items() if k.startswith(("DEMAT", "AWS"))})
                store = open_store(env["DEMAT_STORE"])
                store.check()
                t0 = time.monotonic()
                synthetic_index(store, args.records, args.runs)
                build = time.monotonic() - t0
                t0 = time.monotonic()
                table = index.read(store)
                rows = index.count(table, ["procedure", "status"])
                inproc = time.monotonic() - t0
                total = sum(r["count"] for r in rows)
                assert total == args.records, total
                cli, out = time_cli(["stats", "--by", "procedure,status", "--format", "json"], env)
                cli_month, _ = time_cli(["stats", "--by", "month", "--rate"], env)
                assert sum(r["count"] for r in json.loads(out)) == args.records
                results[kind] = {"build": build, "inproc": inproc, "cli": cli, "cli_month": cli_month}
            if not args.skip_ingest:
                for kind in ("local", "s3"):
                    env = dict(envs[kind])
                    env["DEMAT_STORE"] = env["DEMAT_STORE"] + ("-ingest" if kind == "local" else "")
                    if kind == "s3":
                        env.update(moto.env("bench-ingest"))
                    wall, summary = time_ingest(env)
                    results[kind]["ingest_pages_s"] = summary["pages"] / summary["seconds"]
                    results[kind]["ingest_wall"] = wall
    finally:
        moto.stop()
    n = f"{args.records:,}"
    print(f"demat stats over {n} indexed records ({args.runs} run files, 1% repeated rows deduplicated)")
    print(f"{'':44}{'local':>10}{'S3 (moto)':>12}")
    rows = [("index read + count, in process (s)", "inproc"), ("demat stats --by procedure,status (s)", "cli"),
            ("demat stats --by month --rate (s)", "cli_month")]
    if not args.skip_ingest:
        rows += [("ingest samples, flow pages/s", "ingest_pages_s"), ("ingest samples, command wall (s)", "ingest_wall")]
    for label, key in rows:
        print(f"{label:44}{results['local'][key]:>10.2f}{results['s3'][key]:>12.2f}")
    if not args.skip_ingest:
        print(f"S3 / local ingest throughput: {results['s3']['ingest_pages_s'] / results['local']['ingest_pages_s']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
