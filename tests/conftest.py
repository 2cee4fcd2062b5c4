"""Shared fixtures. One Prefect harness (a real local API server on SQLite) for the whole session: in-process
flows use it, and so do `demat` subprocesses, through PREFECT_API_URL. Under pytest-xdist (scripts/test.sh) each
worker is a session with its own harness, and `--dist loadfile` keeps a module's tests on one worker, so that a
module's fixtures, and the samples ingested once for test_samples_e2e, are made once."""

from __future__ import annotations

import json
import os
import shutil
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
# demat looks for an office's Prefect server on this machine's port 4200; the tests use their own, never a
# developer's (test_flow.py checks the look-up against the session's server).
os.environ["DEMAT_PREFECT_URL"] = "none"


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


FLOW_COMMANDS = {"ingest", "serve"}


def run_demat(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 900,
              check: bool = False) -> subprocess.CompletedProcess:
    full_env = dict(os.environ)
    full_env.pop("DEMAT_STORE", None)
    full_env.update(env or {})
    if check and args[0] in FLOW_COMMANDS and not full_env.get("PREFECT_API_URL"):
        # Without it, the command starts an ephemeral Prefect server of its own: 11-16 s, and under load it timed out.
        # It worked by luck when another module had started the session's server first.
        raise AssertionError(f"demat {args[0]} runs a Prefect flow: the test must request the prefect_server fixture")
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


# -------------------------------------------------------------------------------------------------- web


def add_user(env: dict, name: str, role: str, procedures: str, password: str) -> None:
    """`demat user add`, the password on standard input; it never shows in the output."""
    proc = subprocess.run([DEMAT, "user", "add", name, "--role", role, "--procedures", procedures],
                          input=password + "\n", capture_output=True, text=True, env={**os.environ, **env}, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert password not in proc.stdout + proc.stderr


def start_web(env: dict, schemas: Path = SCHEMAS) -> tuple[subprocess.Popen, str]:
    """`demat web` on a free port, once it answers: the process and its URL."""
    import time
    import urllib.request

    url = f"http://127.0.0.1:{free_port()}"
    proc = subprocess.Popen([DEMAT, "web", "--schemas", str(schemas), "--port", url.rsplit(":", 1)[1]],
                            env={**os.environ, **env}, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/login", timeout=1)
            return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("demat web did not start")


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (it cannot download a browser of its own here)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=["--no-sandbox"])
        yield b
        b.close()


# --------------------------------------------------------------------------------------------------- S3

S3_KEY, S3_SECRET = "demat-test-key", "demat-test-SECRET-8f2c91"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MotoS3:
    """moto's S3 server over real HTTP on 127.0.0.1 (no MinIO server can be installed here)."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._cls = ThreadedMotoServer
        self.server = None

    def start(self) -> None:
        self.server = self._cls(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def env(self, bucket: str) -> dict[str, str]:
        return {"DEMAT_STORE": f"s3://{bucket}", "DEMAT_S3_ENDPOINT": self.endpoint,
                "AWS_ACCESS_KEY_ID": S3_KEY, "AWS_SECRET_ACCESS_KEY": S3_SECRET}


@pytest.fixture(scope="session")
def moto_s3():
    server = MotoS3()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def s3_env(moto_s3, monkeypatch):
    """Point this test's process at the moto endpoint; returns a function giving the env for a bucket."""
    import uuid

    bucket = f"t-{uuid.uuid4().hex[:12]}"
    for k, v in moto_s3.env(bucket).items():
        monkeypatch.setenv(k, v)
    return bucket
