"""Exactly-once ingestion on the local folder and on S3 (moto's server over HTTP): a batch killed with SIGKILL at
any moment is completed by running the same command again, with nothing lost and nothing counted twice; an S3
server that goes away mid-batch and comes back is survived; one that stays away is one clear line, exit 1."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import (
    DEMAT,
    ROOT,
    S3_SECRET,
    SAMPLES,
    SCHEMAS,
    free_port,
    run_demat,
)

pytestmark = pytest.mark.slow

# 5 documents of the 3 procedures, 6 pages, a zip of two; ingested with 2 workers, several are in flight at any
# moment. (Ten pages took these tests 7.4 minutes on a machine whose Tesseract is 2x slower than CI's was.)
SUBSET = ["clean/adresse-01.png", "degraded/permis-fax.tif", "degraded/aide-jpeg.pdf", "envoi.zip"]


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("inbox")
    for rel in SUBSET:
        (d / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SAMPLES / rel, d / rel)
    return d


def backend_env(kind: str, moto_s3, tmp: Path, name: str) -> dict[str, str]:
    if kind == "local":
        return {"DEMAT_STORE": str(tmp / name)}
    return moto_s3.env(f"b-{name}-{os.getpid()}-{int(time.time() * 1000) % 10**8}")


def stats(env: dict) -> list[dict]:
    out = run_demat("stats", "--by", "procedure,status", "--format", "json", env=env, check=True)
    return json.loads(out.stdout)


def record_count(env: dict) -> int:
    out = run_demat("records", env=env, check=True)
    return len(out.stdout.splitlines())


def ingest_cmd(inbox: Path) -> list[str]:
    return ["ingest", str(inbox), "--schemas", str(SCHEMAS), "--batch", "lot", "--workers", "2", "--json"]


@pytest.fixture(scope="module")
def reference(prefect_server, moto_s3, inbox, tmp_path_factory):
    """An uninterrupted run per backend."""
    tmp = tmp_path_factory.mktemp("ref")
    refs = {}
    for kind in ("local", "s3"):
        env = backend_env(kind, moto_s3, tmp, "ref")
        run_demat(*ingest_cmd(inbox), env=env, check=True)
        refs[kind] = (stats(env), record_count(env))
    assert refs["local"] == refs["s3"]  # the same samples give the same counts on both stores
    return refs


def _env_for_subprocess(env: dict) -> dict:
    full = dict(os.environ)
    full.pop("DEMAT_STORE", None)
    full.update(env)
    return full


COMMON_POINTS = [  # (where, on which call): each is reached on the subset (5 OCR calls, 5 index parts, 10 marks)
    ("pipeline.reading.tesseract:images_to_words", 3),     # during OCR
    ("pipeline.storage.index:write_part", 2),               # between records and index
    ("pipeline.storage.archive:source_mark_key", 3),        # between index and marks
]
CRASH_CASES = ([(kind, t, n) for kind in ("local", "s3") for t, n in COMMON_POINTS]
               + [("local", "pipeline.storage.store:LocalStore.put", 12),   # during upload
                  ("s3", "pipeline.storage.s3store:S3Store.put", 12)])  # of 22 puts


@pytest.mark.parametrize("kind,target,n", CRASH_CASES, ids=[f"{k}-{t.split(':')[1]}" for k, t, _ in CRASH_CASES])
def test_kill_at_a_precise_point_then_rerun(kind, target, n, reference, moto_s3, inbox, tmp_path):
    env = backend_env(kind, moto_s3, tmp_path, "crash")
    crashed = subprocess.run([sys.executable, str(ROOT / "tests" / "crashing_demat.py"), target, str(n),
                              *ingest_cmd(inbox)], capture_output=True, text=True, cwd=ROOT,
                             env=_env_for_subprocess(env), timeout=600)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr[-2000:]
    run_demat(*ingest_cmd(inbox), env=env, check=True)
    assert (stats(env), record_count(env)) == reference[kind]


@pytest.mark.parametrize("kind", ["local", "s3"])
def test_kill_at_random_moments_then_rerun(kind, reference, moto_s3, inbox, tmp_path):
    env = backend_env(kind, moto_s3, tmp_path, "random")
    for delay in (3.0, 4.5, 6.0):  # the subset takes ~8 s to ingest here
        proc = subprocess.Popen([DEMAT, *ingest_cmd(inbox)], cwd=ROOT, env=_env_for_subprocess(env),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    run_demat(*ingest_cmd(inbox), env=env, check=True)
    assert (stats(env), record_count(env)) == reference[kind]
    again = json.loads(run_demat(*ingest_cmd(inbox), env=env, check=True).stdout)
    assert again["records"] == 0 and again["duplicates_skipped"] == len(SUBSET) + 1  # the zip holds two


def test_s3_server_stopped_mid_batch_then_restarted(reference, moto_s3, inbox):
    env = backend_env("s3", moto_s3, Path("/nonexistent"), "outage")
    proc = subprocess.Popen([DEMAT, *ingest_cmd(inbox)], cwd=ROOT, env=_env_for_subprocess(env),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(5)
    moto_s3.stop()
    time.sleep(3)
    moto_s3.start()
    out, err = proc.communicate(timeout=600)
    if proc.returncode != 0:  # the outage outlasted the retries: the same command finishes the batch
        assert len(err.strip().splitlines()) == 1 and moto_s3.endpoint in err
        run_demat(*ingest_cmd(inbox), env=env, check=True)
    assert (stats(env), record_count(env)) == reference["s3"]


def test_stopped_s3_server_exits_1_naming_the_endpoint_without_secrets(moto_s3, inbox):
    port = free_port()
    env = {"DEMAT_STORE": "s3://demat", "DEMAT_S3_ENDPOINT": f"http://127.0.0.1:{port}",
           "AWS_ACCESS_KEY_ID": "demat-test-key", "AWS_SECRET_ACCESS_KEY": S3_SECRET}
    for args in (ingest_cmd(inbox), ["stats"], ["records"]):
        out = run_demat(*args, env=env)
        assert out.returncode == 1, args
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and f"127.0.0.1:{port}" in lines[0], out.stderr
        assert S3_SECRET not in out.stderr + out.stdout and "Traceback" not in out.stderr


def test_no_secret_in_any_output_or_stored_object(reference, moto_s3, inbox, tmp_path):
    env = backend_env("s3", moto_s3, tmp_path, "secrets")
    out = run_demat(*ingest_cmd(inbox), env=env, check=True)
    assert S3_SECRET not in out.stdout + out.stderr
    from pipeline.storage.open import open_store

    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        store = open_store(env["DEMAT_STORE"])
        for key in store.list(""):
            if key.endswith((".json", ".parquet")):
                assert S3_SECRET.encode() not in store.get(key), key
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
