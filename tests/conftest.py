"""Shared fixtures. One Prefect harness (a real local API server on SQLite) for the whole session: in-process
flows use it, and so do `demat` subprocesses, through PREFECT_API_URL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SCHEMAS = ROOT / "schemas"
REALFORMS = ROOT.parent / "shared" / "realforms"
DEMAT = str(Path(sys.executable).parent / "demat")

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "ERROR")


@pytest.fixture(scope="session")
def prefect_server():
    """A real Prefect API server for the session; its URL is exported for subprocesses."""
    from flows import quiet

    quiet.configure()
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        url = PREFECT_API_URL.value()
        old = os.environ.get("PREFECT_API_URL")
        os.environ["PREFECT_API_URL"] = url
        try:
            yield url
        finally:
            if old is None:
                os.environ.pop("PREFECT_API_URL", None)
            else:
                os.environ["PREFECT_API_URL"] = old


def run_demat(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 900,
              check: bool = False) -> subprocess.CompletedProcess:
    full_env = dict(os.environ)
    full_env.pop("DEMAT_STORE", None)
    full_env.update(env or {})
    proc = subprocess.run([DEMAT, *args], capture_output=True, text=True, cwd=cwd or ROOT, env=full_env,
                          timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"demat {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def read_records(store: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted((store / "records").glob("*.json"))]


@pytest.fixture(scope="session")
def truth() -> list[dict]:
    return json.loads((SAMPLES / ".truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def samples_store(prefect_server, tmp_path_factory) -> Path:
    """The committed samples ingested once through the CLI (real Prefect flow, real Tesseract)."""
    store = tmp_path_factory.mktemp("samples-store")
    run_demat("ingest", "samples/", "--store", str(store), "--batch", "samples", check=True)
    return store
