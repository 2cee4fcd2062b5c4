"""Scale-out: the same Prefect flow on a Dask cluster (prefect-dask's task runner). Workers share no disk with
the command: they read the staged originals and schemas from the S3 store and write records there."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from conftest import ROOT, SAMPLES, run_demat

pytestmark = pytest.mark.slow


def _records(store_url_env: dict) -> dict[str, dict]:
    out = run_demat("records", "--format", "jsonl", env=store_url_env, check=True)
    return {r["id"]: r for r in map(json.loads, out.stdout.splitlines())}


def _comparable(r: dict) -> dict:
    return {"procedure": r["procedure"], "status": r["status"], "errors": r["errors"],
            "pages": r["source"]["pages"], "values": {k: f["value"] for k, f in r["fields"].items()}}


@pytest.fixture
def cluster(prefect_server, moto_s3, monkeypatch):
    """A LocalCluster of 2 worker processes, started with the S3 endpoint and credentials in their environment
    (as a real cluster's workers would have them) and the Prefect server's URL."""
    from distributed import LocalCluster

    for k, v in moto_s3.env("unused").items():
        if k != "DEMAT_STORE":
            monkeypatch.setenv(k, v)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as lc:
        yield lc.scheduler_address


def test_ingest_on_a_dask_cluster_equals_a_local_run(cluster, moto_s3, tmp_path):
    inbox = tmp_path / "inbox"
    for name in ("adresse-01.png", "aide-01.pdf", "permis-01.png", "permis-numerique.pdf"):  # 3 procedures, 1 born
        (inbox / "clean").mkdir(parents=True, exist_ok=True)                                 # digital
        shutil.copy(SAMPLES / "clean" / name, inbox / "clean" / name)
    shutil.copy(SAMPLES / "envoi.zip", inbox)
    (inbox / "broken.pdf").write_bytes(b"%PDF-1.4 truncated")  # unreadable: still a record, its bytes kept
    schemas = tmp_path / "schemas"  # a folder the workers cannot see once the command is done with it
    shutil.copytree(ROOT / "schemas", schemas)

    local_env, dask_env = moto_s3.env("local-run"), moto_s3.env("dask-run")
    ingest = ["ingest", str(inbox), "--schemas", str(schemas), "--batch", "b", "--json"]
    on_threads = json.loads(run_demat(*ingest, env=local_env, check=True).stdout)
    out = run_demat(*ingest, "--dask-address", cluster, env=dask_env, check=True)
    assert out.stderr.strip() == "", out.stderr  # neither Prefect's nor Dask's own logs reach the user
    on_dask = json.loads(out.stdout)
    counts = ("documents", "pages", "records", "accepted", "needs_review", "rejected")
    assert [on_dask[k] for k in counts] == [on_threads[k] for k in counts], (on_dask, on_threads)
    assert on_dask["documents"] == 7 and on_dask["rejected"] == 1

    local, remote = _records(local_env), _records(dask_env)
    assert local.keys() == remote.keys() and len(local) == on_dask["records"]
    for rid in local:
        assert _comparable(remote[rid]) == _comparable(local[rid]), rid
    assert any("PDF" in r["errors"][0] for r in remote.values() if r["status"] == "rejected")
    # stats over the Dask run's store count what the local run counts; staging left nothing behind
    by = ["stats", "--by", "procedure,status", "--format", "json"]
    assert json.loads(run_demat(*by, env=dask_env, check=True).stdout) == \
        json.loads(run_demat(*by, env=local_env, check=True).stdout)
    from minio import Minio

    client = Minio(moto_s3.endpoint.split("//")[1], access_key=dask_env["AWS_ACCESS_KEY_ID"],
                   secret_key=dask_env["AWS_SECRET_ACCESS_KEY"], secure=False)
    assert not list(client.list_objects("dask-run", prefix="staging/", recursive=True))


def test_dask_with_a_local_folder_store_is_refused_in_one_line(cluster, tmp_path):
    out = run_demat("ingest", str(SAMPLES / "clean" / "adresse-01.png"), "--store", str(tmp_path),
                    "--dask-address", cluster)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines() == [
        "demat: --dask-address: Dask workers need a store they can all reach: use --store s3://BUCKET "
        "(a local folder is only on this machine)"], out.stderr
    env = {k: v for k, v in os.environ.items()}
    assert env.get("PREFECT_API_URL")
