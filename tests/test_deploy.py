"""Ingestion as a Prefect deployment: the watched-inbox flow, `demat serve`, and prefect.yaml."""

from __future__ import annotations

import inspect
import json
import os
import shutil
import signal
import subprocess
import time

import pytest
import yaml
from conftest import DEMAT, ROOT, SAMPLES, read_records, run_demat


def test_the_inbox_flow_ingests_new_files_and_moves_them_to_done(prefect_server, tmp_path):
    from flows.deploy import ingest_inbox

    inbox, store = tmp_path / "inbox", tmp_path / "store"
    (inbox / "lot").mkdir(parents=True)
    shutil.copy(SAMPLES / "clean" / "adresse-01.png", inbox / "lot")
    shutil.copy(SAMPLES / "envoi.zip", inbox)
    first = ingest_inbox(str(inbox), str(ROOT / "schemas"), str(store), 2)
    assert first["documents"] == 3 and len(read_records(store)) == 3
    done = list((inbox / ".done").glob("inbox-*"))
    assert len(done) == 1 and (done[0] / "lot" / "adresse-01.png").is_file() and (done[0] / "envoi.zip").is_file()
    assert not (inbox / "envoi.zip").exists() and not list((inbox / "lot").iterdir())
    assert ingest_inbox(str(inbox), str(ROOT / "schemas"), str(store), 2) == {"documents": 0}  # .done is not read
    shutil.copy(SAMPLES / "clean" / "permis-01.png", inbox)
    assert ingest_inbox(str(inbox), str(ROOT / "schemas"), str(store), 2)["documents"] == 1
    assert len(read_records(store)) == 4


def test_prefect_yaml_deploys_the_inbox_flow_with_valid_parameters_and_a_schedule():
    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    (dep,) = spec["deployments"]
    path, _, name = dep["entrypoint"].partition(":")
    import importlib

    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    flow_obj = getattr(module, name)
    assert flow_obj.name == "demat-inbox"
    params = inspect.signature(flow_obj.fn).parameters
    assert set(dep["parameters"]) <= set(params) and "inbox" in dep["parameters"]
    assert dep["schedules"][0]["interval"] > 0 and dep["work_pool"]["name"]


@pytest.mark.slow
def test_demat_serve_registers_a_scheduled_deployment_whose_runs_ingest_the_inbox(prefect_server, tmp_path):
    """`demat serve` registers the deployment with its schedule on the Prefect server and executes its runs.
    (The session's test server does not run Prefect's scheduler service, so the test asks for a run itself.)"""
    import asyncio

    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    inbox, store = tmp_path / "inbox", tmp_path / "store"
    inbox.mkdir()
    shutil.copy(SAMPLES / "clean" / "adresse-01.png", inbox)
    env = dict(os.environ)
    env.pop("DEMAT_STORE", None)
    proc = subprocess.Popen([DEMAT, "serve", "--inbox", str(inbox), "--store", str(store), "--every", "300"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)

    async def deployment():
        async with get_client() as client:
            for d in await client.read_deployments():
                if d.name == "inbox":
                    return d
        return None

    try:
        deadline = time.monotonic() + 90
        dep = None
        while dep is None and time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()
            time.sleep(2)
            dep = asyncio.run(deployment())
        assert dep is not None, "the deployment was not registered"
        assert [s.schedule.interval.total_seconds() for s in dep.schedules] == [300]
        run = run_deployment("demat-inbox/inbox", timeout=240)
        assert run.state.is_completed(), run.state
        records = read_records(store)
        assert len(records) == 1 and records[0]["procedure"] == "qc-changement-adresse"
        assert list((inbox / ".done").rglob("adresse-01.png"))
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def test_serve_without_a_prefect_server_says_so_in_one_line(tmp_path):
    env = {"PREFECT_API_URL": ""}
    out = run_demat("serve", "--inbox", str(tmp_path), env=env)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "PREFECT_API_URL" in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert json.dumps(out.stderr)  # printable
