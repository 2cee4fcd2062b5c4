"""End to end on the committed samples: `demat ingest` (real Prefect flow, real Tesseract) then stats, records,
re-ingest. Field accuracy is measured against the generator's ground truth."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import read_records, run_demat

from pipeline.evaluate import score

pytestmark = pytest.mark.slow


def test_every_sample_form_becomes_a_record(samples_store, truth):
    records = read_records(samples_store)
    assert len(records) == len(truth)
    assert all(r["status"] != "rejected" for r in records), [r["errors"] for r in records if r["status"] == "rejected"]
    by_source = {(r["source"]["name"], r["source"]["pages"][0]) for r in records}
    assert by_source == {(t["source"], t["pages"][0]) for t in truth}


def test_field_accuracy_against_ground_truth(samples_store, truth):
    results = score(read_records(samples_store), truth)
    clean, degraded, overall = results["clean"], results["degraded"], results["all"]
    report = (f"clean {clean.accuracy:.1%}, degraded {degraded.accuracy:.1%}, "
              f"false accept {overall.false_accept_rate:.2%}; misses: {clean.misses + degraded.misses}")
    assert clean.identified == clean.instances and degraded.identified == degraded.instances, report
    assert clean.accuracy >= 0.97, report
    assert degraded.accuracy >= 0.90, report
    assert overall.false_accept_rate <= 0.01, report
    assert overall.accepted >= overall.instances // 3, report  # most forms go straight through


def test_records_follow_the_contract(samples_store):
    for r in read_records(samples_store):
        assert set(r) >= {"id", "procedure", "schema_version", "status", "fields", "errors", "source", "batch",
                          "ingested_at"}
        assert r["batch"] == "samples" and r["ingested_at"].endswith("Z")
        assert set(r["source"]) >= {"name", "sha256", "pages", "media_type"}
        for f in r["fields"].values():
            assert set(f) == {"value", "text", "confidence", "errors"}
            assert 0.0 <= f["confidence"] <= 1.0
        if r["status"] == "accepted":
            assert r["errors"] == [] and all(not f["errors"] for f in r["fields"].values())


def test_multi_page_sources_are_split_into_form_instances(samples_store):
    mixed = sorted((r for r in read_records(samples_store) if r["source"]["name"] == "degraded/lot-mixte.tif"),
                   key=lambda r: r["source"]["pages"])
    assert [(r["procedure"], r["source"]["pages"]) for r in mixed] == [
        ("qc-changement-adresse", [1]), ("qc-aide-financiere", [3, 4])]  # page 2 is an instruction page


def test_born_digital_pdf_is_read_from_its_text_layer(samples_store, truth):
    rec = next(r for r in read_records(samples_store) if r["source"]["name"] == "clean/permis-numerique.pdf")
    assert rec["alignment"][0]["method"] == "pdf-geometry"
    expected = next(t for t in truth if t["source"] == "clean/permis-numerique.pdf")["fields"]
    assert {k: v["value"] for k, v in rec["fields"].items()} == expected
    assert rec["status"] == "accepted"


def test_stats_report_every_sample_and_reingest_adds_nothing(samples_store, truth):
    first = run_demat("stats", "--store", str(samples_store), "--by", "procedure,status", "--format", "json", check=True)
    rows = json.loads(first.stdout)
    assert sum(r["count"] for r in rows) == len(truth)
    assert {r["procedure"] for r in rows} == {t["procedure"] for t in truth}
    again = run_demat("ingest", "samples/", "--store", str(samples_store), "--batch", "again", "--json", check=True)
    summary = json.loads(again.stdout)
    assert summary["duplicates_skipped"] == summary["duplicates_skipped"] > 0
    assert summary["records"] == 0 and summary["documents"] == 0
    second = run_demat("stats", "--store", str(samples_store), "--by", "procedure,status", "--format", "json", check=True)
    assert json.loads(second.stdout) == rows
    assert len(read_records(samples_store)) == len(truth)


def test_stats_formats_and_keys(samples_store, truth):
    table = run_demat("stats", "--store", str(samples_store), "--by", "month,batch", check=True).stdout
    assert "samples" in table and f"total: {len(truth)}" in table
    as_csv = run_demat("stats", "--store", str(samples_store), "--by", "status", "--format", "csv", check=True).stdout
    rows = list(csv.DictReader(io.StringIO(as_csv)))
    assert {r["status"] for r in rows} <= {"accepted", "needs_review"}
    assert sum(int(r["count"]) for r in rows) == len(truth)
    future = run_demat("stats", "--store", str(samples_store), "--since", "2999-01-01", "--format", "json", check=True)
    assert json.loads(future.stdout) == []


def test_records_export(samples_store):
    jsonl = run_demat("records", "--store", str(samples_store), "--procedure", "qc-permis-construction",
                      check=True).stdout.splitlines()
    recs = [json.loads(line) for line in jsonl]
    assert recs and all(r["procedure"] == "qc-permis-construction" for r in recs)
    as_csv = run_demat("records", "--store", str(samples_store), "--status", "accepted", "--format", "csv",
                       check=True).stdout
    rows = list(csv.DictReader(io.StringIO(as_csv)))
    assert rows and all(r["status"] == "accepted" for r in rows)
    assert any(r.get("field.nom") for r in rows)


def test_originals_are_kept_byte_for_byte(samples_store):
    from hashlib import sha256

    for r in read_records(samples_store):
        kept = (samples_store / r["source"]["original"]).read_bytes()
        assert sha256(kept).hexdigest() == r["source"]["sha256"]


def test_samples_on_s3_count_the_same_as_on_the_local_store(samples_store, moto_s3, truth):
    """DEMAT_STORE=s3://… DEMAT_S3_ENDPOINT=… demat ingest samples/ stores everything on the S3 endpoint, and
    demat stats there equals the local-store run."""
    env = moto_s3.env("samples-on-s3")
    run_demat("ingest", "samples/", "--batch", "samples", env=env, check=True)
    for by in ("procedure,status", "batch", "month"):
        s3 = run_demat("stats", "--by", by, "--format", "json", env=env, check=True).stdout
        local = run_demat("stats", "--store", str(samples_store), "--by", by, "--format", "json", check=True).stdout
        assert json.loads(s3) == json.loads(local), by
    exported = run_demat("records", env=env, check=True).stdout.splitlines()
    assert len(exported) == len(truth)
    assert all(json.loads(line)["source"]["original"].startswith("originals/") for line in exported)


def test_record_json_schemas_validate_real_records(tmp_path, samples_store):
    """The JSON Schemas `demat schema export-json-schema` publishes accept the samples' records, not a broken one."""
    import jsonschema

    run_demat("schema", "export-json-schema", "-o", str(tmp_path), check=True)
    schemas = {p.name.split(".v")[0]: json.loads(p.read_text()) for p in tmp_path.glob("*.json")}
    assert set(schemas) == {"qc-changement-adresse", "qc-permis-construction", "qc-aide-financiere"}
    for rec in read_records(samples_store):
        jsonschema.validate(rec, schemas[rec["procedure"]])
    broken = dict(read_records(samples_store)[0])
    broken["status"] = "done"
    try:
        jsonschema.validate(broken, schemas[broken["procedure"]])
    except jsonschema.ValidationError:
        pass
    else:
        raise AssertionError("an invalid record passed")


def test_a_new_analyst_sees_the_dashboard_of_the_demos_store(samples_store, browser):
    """The demo's store (the samples ingested): an analyst added there signs in and lands on figures that are
    the store's counts."""
    from conftest import add_user, start_web

    env = {"DEMAT_STORE": str(samples_store), "DEMAT_WEB_SECRET": "demo-secret-" + "d" * 24}
    add_user(env, "ana", "analyst", "*", "ana-mot-de-passe")
    proc, url = start_web(env)
    try:
        page = browser.new_context(locale="fr-CA").new_page()
        page.goto(url + "/")
        page.fill("input[name=user]", "ana")
        page.fill("input[name=password]", "ana-mot-de-passe")
        page.keyboard.press("Enter")
        page.wait_for_url("**/dashboard")
        by_status = json.loads(run_demat("stats", "--store", str(samples_store), "--by", "procedure,status",
                                         "--format", "json", check=True).stdout)
        drawn = [float(m.get_attribute("data-value")) for m in page.locator("#chart-status rect.mark").all()]
        assert len(drawn) == len(by_status) and sum(drawn) == sum(r["count"] for r in by_status) >= 26
        assert page.locator("#chart-goals rect.mark").count() >= 3  # the sample schemas set goals
        page.context.close()
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
