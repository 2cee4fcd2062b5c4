"""The store interface, on the local folder store."""

from __future__ import annotations

import pytest

from pipeline.errors import StoreError
from pipeline.storage import archive
from pipeline.storage.open import open_store
from pipeline.storage.store import LocalStore


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    """The same suite runs on the local folder store and on S3 over HTTP (moto's server)."""
    if request.param == "local":
        return LocalStore(tmp_path / "s")
    bucket = request.getfixturevalue("s3_env")
    s = open_store(f"s3://{bucket}/some/prefix")
    s.check()
    return s


def test_put_get_exists_list(store):
    store.put("records/b.json", b"{}", content_type="application/json")
    store.put("records/a.json", b"[]")
    store.put("originals/ab/abc.png", b"\x89PNG")
    assert store.get("records/a.json") == b"[]"
    assert store.exists("records/b.json") and not store.exists("records/c.json")
    assert list(store.list("records/")) == ["records/a.json", "records/b.json"]
    with pytest.raises(KeyError):
        store.get("records/zzz.json")


def test_overwrite_replaces_whole_object(store):
    store.put("k/x", b"first version, long")
    store.put("k/x", b"second")
    assert store.get("k/x") == b"second"


@pytest.mark.parametrize("key", ["../escape", "/abs", "a//b", "a/./b", ""])
def test_keys_cannot_escape(store, key):
    with pytest.raises(ValueError):
        store.put(key, b"x")


def test_originals_are_written_once(store):
    k1 = archive.save_original(store, b"data", "ab" * 32, "image/png")
    assert k1 == f"originals/ab/{'ab' * 32}.png"
    assert archive.save_original(store, b"other", "ab" * 32, "image/png") == k1
    assert store.get(k1) == b"data"


def test_commit_writes_records_index_then_mark(store):
    from pipeline.storage import index

    recs = [{"id": "r1", "procedure": "p", "status": "accepted", "schema_version": 1, "batch": "b",
             "ingested_at": "2026-11-29T00:00:00Z", "source": {"sha256": "s", "pages": [1]}}]
    assert not archive.is_ingested(store, "src")
    archive.commit(store, [("src", "name.png", recs)], "b", "run/000000")
    assert archive.is_ingested(store, "src")
    assert [r["id"] for r in archive.iter_records(store)] == ["r1"]
    assert index.read(store).column("id").to_pylist() == ["r1"]


def test_index_parts_dedupe_and_compact(store):
    from pipeline.storage import index

    recs = [{"id": f"r{i}", "procedure": "p", "status": "accepted" if i % 2 else "needs_review", "batch": "b",
             "ingested_at": "2026-11-29T00:00:00Z", "schema_version": 1, "source": {"sha256": "x", "pages": [1]}}
            for i in range(10)]
    index.write_part(store, "run1/000000", recs[:6])
    index.write_part(store, "run1/000001", recs[4:])  # rows 4 and 5 twice, as after a crash and a re-run
    assert index.read(store).num_rows == 10
    assert index.count(index.read(store), ["status"], rate=True) == [
        {"status": "accepted", "count": 5, "accepted": 5, "rate": 1.0},
        {"status": "needs_review", "count": 5, "accepted": 0, "rate": 0.0}]
    index.compact_run(store, "run1")
    assert [k for k in store.list("index/")] == ["index/runs/run1.parquet"]
    assert index.read(store).num_rows == 10


def test_open_store_by_url(tmp_path, monkeypatch):
    assert isinstance(open_store(str(tmp_path)), LocalStore)
    assert open_store(f"file://{tmp_path}").url == str(tmp_path)
    monkeypatch.setenv("DEMAT_STORE", str(tmp_path / "env"))
    assert open_store(None).url == str(tmp_path / "env")
    with pytest.raises(StoreError):
        open_store("ftp://nope")


def test_s3_objects_carry_content_type_and_metadata(s3_env):
    store = open_store(f"s3://{s3_env}")
    store.check()
    store.put("records/x.json", b"{}", content_type="application/json",
              metadata={"procedure": "qc-permis-construction", "sha256": "ab" * 32})
    meta = store.metadata("records/x.json")
    assert meta["content-type"] == "application/json"
    assert meta["procedure"] == "qc-permis-construction" and meta["sha256"] == "ab" * 32


def test_s3_large_originals_are_uploaded_in_parts(s3_env):
    store = open_store(f"s3://{s3_env}")
    store.part_size = 5 * 1024 * 1024
    data = bytes(range(256)) * (11 * 4096)  # 11 MiB
    store.put("originals/ab/big.tif", data, content_type="image/tiff")
    assert store.get("originals/ab/big.tif") == data
    assert "-" in store.metadata("originals/ab/big.tif")["etag"]  # a multipart upload's ETag: <md5>-<parts>


def test_s3_bucket_is_created_if_missing(s3_env):
    store = open_store(f"s3://{s3_env}-new")
    store.check()
    store.put("a/b", b"1")
    assert list(store.list("a/")) == ["a/b"]


def test_s3_unreachable_endpoint_is_one_clear_error(monkeypatch):
    from conftest import free_port

    monkeypatch.setenv("DEMAT_S3_ENDPOINT", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "k")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "very-secret")
    store = open_store("s3://nobody")
    store.base_delay = 0.01
    with pytest.raises(StoreError) as err:
        store.check()
    assert "127.0.0.1" in str(err.value) and "unreachable" in str(err.value)
    assert "very-secret" not in str(err.value)


def test_s3_store_that_never_answered_fails_fast_one_that_did_waits_an_outage_out(monkeypatch):
    """Every command's first call to the store checks the bucket: against a stopped store it gives up after
    `first_attempts` (`demat stats` said "unreachable" after 17 s before, 2 s now). Once the endpoint has answered in
    the process, a failure is retried `attempts` times by any store on it, to wait out a short outage mid-batch."""
    from conftest import free_port

    from pipeline.storage import s3store

    monkeypatch.setenv("DEMAT_S3_ENDPOINT", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "k")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s")
    slept: list[float] = []
    monkeypatch.setattr(s3store.time, "sleep", slept.append)
    store = open_store("s3://nobody")
    with pytest.raises(StoreError, match="unreachable"):
        store.get("records/x.json")
    assert len(slept) == store.first_attempts - 1 < store.attempts - 1
    slept.clear()
    monkeypatch.setattr(s3store.S3Store, "_answered", {store.endpoint})  # as once it has answered
    with pytest.raises(StoreError, match="unreachable"):
        open_store("s3://nobody").get("records/x.json")  # another store on it: a batch's worker
    assert slept == [store.base_delay * 2 ** i for i in range(store.attempts - 1)]


def test_s3_needs_an_endpoint(monkeypatch):
    monkeypatch.delenv("DEMAT_S3_ENDPOINT", raising=False)
    with pytest.raises(StoreError, match="DEMAT_S3_ENDPOINT"):
        open_store("s3://bucket")
