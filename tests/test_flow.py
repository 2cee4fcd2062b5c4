"""The Prefect flow in-process against the session's Prefect server: results, artifact, concurrency."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess

import pytest

from conftest import DEMAT, SAMPLES, SCHEMAS


def test_flow_ingests_and_publishes_a_table_artifact(prefect_server, tmp_path):
    from prefect.client.orchestration import get_client

    from flows.ingest import IngestSettings, run_ingest

    settings = IngestSettings(str(SCHEMAS), str(tmp_path / "store"), "flow-test")
    seen = []
    summary = run_ingest([str(SAMPLES / "clean" / "adresse-01.png"), str(SAMPLES / "envoi.zip")], settings,
                         workers=2, on_progress=lambda o, total: seen.append((o.name, total)))
    assert summary["documents"] == 3 and summary["records"] == 3 and summary["rejected"] == 0
    assert sorted(n for n, _ in seen) == ["adresse-01.png", "envoi.zip!envoi/adresse-zip.png",
                                          "envoi.zip!envoi/permis-zip.png"]
    assert (tmp_path / "store" / "batches" / "flow-test").is_dir()

    async def artifact():
        async with get_client() as client:
            from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

            found = await client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["demat-batch-flow-test"])))
            return found

    arts = asyncio.run(artifact())
    assert arts and arts[0].type == "table"
    assert "3 documents" in (arts[0].description or "")


@pytest.mark.slow
def test_ingest_works_the_first_time_on_a_machine_prefect_never_ran_on(tmp_path):
    """No PREFECT_API_URL and an empty PREFECT_HOME, as on a fresh machine: the temporary server's first start
    creates its database, which took longer than Prefect's own 20 s start-up limit and failed the first command."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), DEMAT_STORE=str(tmp_path / "store"))
    proc = subprocess.run([DEMAT, "ingest", str(SAMPLES / "clean" / "adresse-01.png"), "--schemas", str(SCHEMAS),
                           "--json"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert proc.returncode == 0, proc.stderr[-1500:]
    assert json.loads(proc.stdout)["records"] == 1
    assert (tmp_path / "prefect-home").is_dir()


def test_ingest_finds_a_running_prefect_server_without_being_told(prefect_server, tmp_path):
    """No PREFECT_API_URL, but a Prefect server answers where the office runs one (DEMAT_PREFECT_URL, by default
    this machine's port 4200): the command runs its flow there, and starts no temporary server of its own."""
    import urllib.request

    def runs() -> int:
        ask = urllib.request.Request(f"{prefect_server}/flow_runs/count", data=b"{}", method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(ask, timeout=10) as answer:
            return int(answer.read())

    before = runs()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.update(DEMAT_PREFECT_URL=prefect_server, PREFECT_HOME=str(tmp_path / "prefect-home"),
               DEMAT_STORE=str(tmp_path / "store"))
    proc = subprocess.run([DEMAT, "ingest", str(SAMPLES / "clean" / "adresse-01.png"), "--schemas", str(SCHEMAS),
                           "--json"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert proc.returncode == 0, proc.stderr[-1500:]
    assert runs() == before + 1
    # a temporary server would have made its database in PREFECT_HOME
    assert not list((tmp_path / "prefect-home").glob("*.db"))
