"""No single document can stop an archive: a document that crashes or hangs Tesseract ends as its own record,
naming the crash, and every other document of the batch gets its record, as without it.

The poison is real: a filled form whose "Nouvelle municipalité" reads "Poisonville", read by a Tesseract that,
on reading that word, dies by a signal or hangs. Both engines are poisoned:
- `api` (the default): tesserocr's API in demat's worker processes, replaced at their start-up by one that reads
  for real and then dies by SIGFPE or SIGSEGV, or hangs (tests/tools/poisoned_site/, put on PYTHONPATH);
- `cli` (the fallback): a `tesseract` first on PATH (tests/tools/poisoned_tesseract.py) that runs the real
  Tesseract on the zone of ../shared/crashers/ that kills Debian's Tesseract 5.3 with a floating-point exception.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest

from conftest import ROOT, SAMPLES, SCHEMAS, read_records, run_demat

sys.path.insert(0, str(ROOT / "tools"))
from make_samples import fake_values, form_pdf, load_spec, rasterize  # noqa: E402

pytestmark = pytest.mark.slow

GOOD = ["clean/adresse-01.png", "clean/permis-01.png", "degraded/adresse-skew.jpg"]
CRASHER = ROOT.parent / "shared" / "crashers" / "tesseract-sigfpe-psm7.png"


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("poison-inbox")
    for rel in GOOD:
        shutil.copy(SAMPLES / rel, folder / rel.replace("/", "-"))
    spec = load_spec("qc-changement-adresse")
    printed, _ = fake_values(spec, random.Random(7))
    printed["nouvelle_ville"] = "Poisonville"
    page = rasterize(form_pdf(spec, printed), 300)[0]
    cv2.imwrite(str(folder / "poison.png"), page)
    return folder


@pytest.fixture(scope="module")
def poisoned_path(tmp_path_factory) -> str:
    """A bin folder whose `tesseract` is the poisoned one, first on PATH."""
    bin_dir = tmp_path_factory.mktemp("poisoned-bin")
    shim = bin_dir / "tesseract"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{ROOT / "tests" / "tools" / "poisoned_tesseract.py"}" "$@"\n')
    shim.chmod(0o755)
    return f"{bin_dir}{os.pathsep}{os.environ['PATH']}"


def poisoned(engine: str, action: str, poisoned_path: str) -> dict:
    """The environment of a `demat` whose Tesseract, through `engine`, fails by `action` on the poison."""
    env = {"DEMAT_OCR_ENGINE": engine, "DEMAT_TEST_POISON_WORD": "poisonville", "DEMAT_TEST_POISON_ACTION": action}
    if engine == "cli":
        return {**env, "PATH": poisoned_path}
    site = str(ROOT / "tests" / "tools" / "poisoned_site")
    return {**env, "PYTHONPATH": os.pathsep.join(filter(None, [site, os.environ.get("PYTHONPATH")]))}


def ingest(inbox: Path, store: Path, env: dict | None = None) -> tuple[subprocess.CompletedProcess, dict]:
    proc = run_demat("ingest", str(inbox), "--schemas", str(SCHEMAS), "--store", str(store), "--batch", "lot",
                     "--json", env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    return proc, json.loads(proc.stdout)


def by_source(store: Path) -> dict[str, dict]:
    out = {}
    for r in read_records(store):
        fields = {k: (v["value"], v["confidence"]) for k, v in r["fields"].items()}
        out[r["source"]["name"]] = {"status": r["status"], "fields": fields, "errors": r["errors"], "raw": r}
    return out


@pytest.fixture(scope="module")
def references(prefect_server, inbox, tmp_path_factory) -> dict[str, dict[str, dict]]:
    """The good documents read by each engine's real Tesseract, without the poison (read on first use)."""
    clean = tmp_path_factory.mktemp("good-only")
    for p in inbox.iterdir():
        if p.name != "poison.png":
            shutil.copy(p, clean / p.name)

    class References(dict):
        def __missing__(self, engine: str) -> dict[str, dict]:
            store = tmp_path_factory.mktemp(f"ref-store-{engine}")
            ingest(clean, store, {"DEMAT_OCR_ENGINE": engine})
            self[engine] = by_source(store)
            return self[engine]

    return References()


def test_the_crasher_kills_the_real_tesseract():
    """The fixture's premise: Debian's Tesseract dies of a floating-point exception on the shared zone."""
    done = subprocess.run(["tesseract", str(CRASHER), "-", "--psm", "7", "-l", "fra+eng", "--dpi", "300"],
                          capture_output=True, env={**os.environ, "OMP_THREAD_LIMIT": "1"})
    if done.returncode == 0:
        pytest.skip("this Tesseract reads the crasher without dying (Tesseract 5.5 does)")
    assert done.returncode == -8


@pytest.mark.parametrize("engine,action,signal_no", [("api", "fpe", 8), ("api", "segv", 11), ("cli", "crasher", 8)])
def test_a_document_that_crashes_tesseract_is_recorded_and_the_batch_goes_on(
        engine, action, signal_no, inbox, references, poisoned_path, tmp_path):
    env = poisoned(engine, action, poisoned_path)
    reference = references[engine]
    store = tmp_path / "store"
    proc, summary = ingest(inbox, store, env)
    got = by_source(store)
    assert set(got) == set(reference) | {"poison.png"}
    for name, ref in reference.items():  # every good document as without the poison, field by field
        assert {k: got[name][k] for k in ("status", "fields", "errors")} == \
            {k: ref[k] for k in ("status", "fields", "errors")}, name
    poison = got["poison.png"]
    why = f"tesseract crashed (signal {signal_no}) reading field nouvelle_ville"
    assert poison["status"] == "needs_review", poison
    assert poison["raw"]["fields"]["nouvelle_ville"] == {
        "value": None, "text": "", "confidence": 0.0, "errors": [why]}
    assert f"field nouvelle_ville: {why}" in poison["errors"]
    assert poison["fields"]["nom"][0]  # the fields around it are read
    assert summary["tool_failures"] == [{"name": "poison.png", "reason": why}]
    # The rerun changes nothing: every document has its record and its mark. Its summary, as a clerk reads it.
    again = run_demat("ingest", str(inbox), "--schemas", str(SCHEMAS), "--store", str(store), "--batch", "lot",
                      env=env)
    assert again.returncode == 0 and "duplicates skipped      4" in again.stdout, again.stdout + again.stderr
    assert by_source(store) == got


def test_the_summary_names_the_document_a_tool_failed_on(prefect_server, inbox, poisoned_path, tmp_path):
    env = poisoned("api", "fpe", poisoned_path)
    (tmp_path / "in").mkdir()
    shutil.copy(inbox / "poison.png", tmp_path / "in")
    proc = run_demat("ingest", str(tmp_path / "in"), "--schemas", str(SCHEMAS), "--store", str(tmp_path / "s"),
                     env=env)
    assert proc.returncode == 0, proc.stderr
    assert "documents a tool failed on (1; their records say what to check):" in proc.stdout
    assert "  poison.png: tesseract crashed (signal 8) reading field nouvelle_ville" in proc.stdout


@pytest.mark.parametrize("engine", ["api", "cli"])
def test_a_document_that_hangs_tesseract_is_stopped_in_bounded_time(engine, inbox, references, poisoned_path,
                                                                    tmp_path):
    env = {**poisoned(engine, "hang", poisoned_path), "DEMAT_OCR_TIMEOUT": "6"}
    reference = references[engine]
    store = tmp_path / "store"
    started = time.monotonic()
    _, summary = ingest(inbox, store, env)
    took = time.monotonic() - started
    got = by_source(store)
    for name, ref in reference.items():
        assert got[name]["fields"] == ref["fields"], name
    field = got["poison.png"]["raw"]["fields"]["nouvelle_ville"]
    assert field["value"] is None and field["errors"][0].startswith("tesseract timed out after ")
    assert field["errors"][0].endswith(" s reading field nouvelle_ville")
    assert got["poison.png"]["status"] == "needs_review"
    assert [f["name"] for f in summary["tool_failures"]] == ["poison.png"]
    assert took < 240, took  # a hung call is stopped after its budget: seconds, not the hour it would sleep
