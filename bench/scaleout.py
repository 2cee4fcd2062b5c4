#!/usr/bin/env python3
"""Scale-out: the ingest flow on a Dask cluster of 1 worker process against 2, on the same pages, in one run.

    python bench/scaleout.py [FOLDER]      # default: samples/

Starts what a real deployment has: a Prefect API server (test harness), an S3 endpoint (moto's server over HTTP,
standing in for MinIO), and a `distributed.LocalCluster` of single-threaded worker processes. Prints pages/s for
1 and 2 workers, their ratio, and the CPU time the machine had to give (2 cores: 2 workers cannot exceed 2x, and
the command's own process, Prefect's server and the S3 server share the same cores).
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_THREAD_LIMIT", "1")
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "ERROR")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cpu(proc) -> float:
    """CPU seconds of a process and of its children that have ended (tesseract runs)."""
    t = proc.cpu_times()
    return t.user + t.system + t.children_user + t.children_system


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "samples"
    from flows import quiet

    quiet.configure()
    import psutil
    from distributed import Client, LocalCluster
    from moto.server import ThreadedMotoServer
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    from flows.ingest import IngestSettings, run_ingest

    port = free_port()
    s3 = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    s3.start()
    os.environ.update({"DEMAT_S3_ENDPOINT": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "bench",
                       "AWS_SECRET_ACCESS_KEY": "bench-secret"})
    rates = {}
    try:
        with prefect_test_harness(server_startup_timeout=120):
            logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's request log, once Prefect set logging up
            os.environ["PREFECT_API_URL"] = PREFECT_API_URL.value()
            for n in (1, 2):
                with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None) as lc, \
                        Client(lc.scheduler_address) as client:
                    workers = [psutil.Process(pid) for pid in client.run(os.getpid).values()]
                    settings = IngestSettings(str(ROOT / "schemas"), f"s3://scaleout-{n}", f"scaleout-{n}")
                    cpu0 = [_cpu(w) for w in workers]
                    t0 = time.monotonic()
                    summary = run_ingest([str(folder)], settings, dask_address=lc.scheduler_address)
                    wall = time.monotonic() - t0
                    used = sum(_cpu(w) - c for w, c in zip(workers, cpu0))
                    rates[n] = summary["pages"] / summary["seconds"]
                    print(f"{n} worker process{'es' if n > 1 else ''}: {summary['pages']} pages in "
                          f"{summary['seconds']:.1f} s flow time ({rates[n]:.2f} pages/s; wall {wall:.1f} s), "
                          f"{summary['accepted']} accepted, {summary['needs_review']} to review, "
                          f"{summary['rejected']} rejected; the workers and their tesseracts used {used:.0f} s CPU "
                          f"= {used / wall:.2f} cores on average")
    finally:
        s3.stop()
    print(f"2 workers / 1 worker: {rates[2] / rates[1]:.2f}x on {os.cpu_count()} cores. One worker process already "
          "uses more than one core (OpenCV's own threads, Python beside its tesseract), so two cannot double it.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
