"""The store interface, on the local folder store."""

from __future__ import annotations

import pytest

from pipeline import archive
from pipeline.errors import StoreError
from pipeline.store import LocalStore, open_store, with_retries


@pytest.fixture(params=["local"])
def store(request, tmp_path):
    return LocalStore(tmp_path / "s")


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


def test_commit_writes_records_then_mark(store):
    recs = [{"id": "r1", "procedure": "p", "status": "accepted", "schema_version": 1}]
    assert not archive.is_ingested(store, "src")
    archive.commit(store, "src", "name.png", recs, "b")
    assert archive.is_ingested(store, "src")
    assert [r["id"] for r in archive.iter_records(store)] == ["r1"]


def test_open_store_by_url(tmp_path, monkeypatch):
    assert isinstance(open_store(str(tmp_path)), LocalStore)
    assert open_store(f"file://{tmp_path}").url == str(tmp_path)
    monkeypatch.setenv("DEMAT_STORE", str(tmp_path / "env"))
    assert open_store(None).url == str(tmp_path / "env")
    with pytest.raises(StoreError):
        open_store("ftp://nope")


def test_with_retries_retries_transient_errors():
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("down")
        return "ok"

    assert with_retries(flaky, what="x", base_delay=0.001) == "ok" and len(calls) == 3
