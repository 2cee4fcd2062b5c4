#!/usr/bin/env python3
"""The review station's costs: server time of its pages with 10,000 records waiting, and keystrokes per record.

    python bench/review.py [--records 10000] [--requests 60]

1. Server time. A store is filled with N records waiting for review (copies of the samples' records to review,
   each with its own id) and one index part; the queue page and the record page (its HTML, then its page image
   once rendered) are asked `--requests` times each through the application in-process (Starlette's test
   client: no network, the server's own time). Goals: the queue under 300 ms and the record page under 500 ms.
2. Keystrokes. The samples are ingested; a reviewer in Debian's Chromium (Playwright) clears the queue with the
   keyboard only, knowing the truth (samples/.truth.json): Alt+N once, then per record Enter on every doubtful
   field, retyping a value read wrong (Ctrl+A, then its characters; Space for a box), Ctrl+Enter (which opens the
   next record). Every key pressed is counted; the queue must end empty and `demat stats` count those records as
   accepted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEMAT = str(Path(sys.executable).parent / "demat")
PASSWORD = "bench-mot-de-passe"


def ingest_samples(store: Path) -> None:
    env = {**os.environ, "DEMAT_STORE": str(store), "OMP_THREAD_LIMIT": "1"}
    subprocess.run([DEMAT, "ingest", "samples/", "--batch", "bench"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    subprocess.run([DEMAT, "user", "add", "bench", "--role", "clerk"], input=PASSWORD + "\n", text=True,
                   cwd=ROOT, env=env, check=True, capture_output=True)


def fill(store_dir: Path, samples_store: Path, n: int) -> list[str]:
    """N records waiting for review, copies of the samples' own (originals shared), and their index part."""
    from pipeline.storage import index
    from pipeline.storage.store import LocalStore

    shutil.copytree(samples_store / "originals", store_dir / "originals")
    shutil.copytree(samples_store / "users", store_dir / "users")
    models = [json.loads(p.read_text()) for p in (samples_store / "records").glob("*.json")]
    models = [m for m in models if m["status"] == "needs_review"]
    (store_dir / "records").mkdir(parents=True)
    records = []
    for i in range(n):
        r = dict(models[i % len(models)])
        r["id"] = f"{i:032x}-p001"
        r["ingested_at"] = f"2026-11-{1 + i % 28:02d}T{i % 24:02d}:00:00Z"
        (store_dir / "records" / f"{r['id']}.json").write_text(json.dumps(r))
        records.append(r)
    index.write_part(LocalStore(store_dir), "bench/0000", records)
    return [r["id"] for r in records]


def timed(client, url: str, times: int) -> list[float]:
    out = []
    for _ in range(times):
        t0 = time.perf_counter()
        resp = client.get(url)
        out.append((time.perf_counter() - t0) * 1000)
        assert resp.status_code == 200, (url, resp.status_code)
    return out


def server_times(samples_store: Path, n: int, requests: int) -> dict[str, list[float]]:
    from starlette.testclient import TestClient

    from pipeline.schemas.schema import load_schemas
    from pipeline.storage.store import LocalStore
    from web.app import create_app

    top = Path(tempfile.mkdtemp(prefix="demat-review-bench-"))
    ids = fill(top / "store", samples_store, n)
    app = create_app(LocalStore(top / "store"), load_schemas(ROOT / "schemas"), secret="bench-secret-" + "x" * 20)
    with TestClient(app, base_url="https://testserver") as client:
        page = client.get("/login")
        token = page.text.split('name="csrf" value="')[1].split('"')[0]
        assert client.post("/login", data={"user": "bench", "password": PASSWORD, "csrf": token, "next": "/queue"},
                           follow_redirects=False).status_code == 303
        queue = timed(client, "/queue", requests)
        record = []
        image_first, image_cached = [], []
        for rid in ids[: requests]:
            record += timed(client, f"/records/{rid}", 1)
            image_first += timed(client, f"/records/{rid}/pages/1.png", 1)
            image_cached += timed(client, f"/records/{rid}/pages/1.png", 1)
    shutil.rmtree(top)
    return {"queue page": queue, "record page (HTML)": record, "page image, first time": image_first,
            "page image, again": image_cached}


def truth_text(value) -> str:
    return "" if value is None else str(value)


def keystrokes(store: Path) -> tuple[list[int], dict[str, int]]:
    """Clear the queue in Chromium with the keyboard only; keys pressed per record."""
    from playwright.sync_api import sync_playwright

    truth = {(t["source"], tuple(t["pages"])): t for t in json.loads((ROOT / "samples/.truth.json").read_text())}
    env = {**os.environ, "DEMAT_STORE": str(store), "DEMAT_WEB_SECRET": "bench-secret-" + "y" * 20}
    port = 8799
    web = subprocess.Popen([DEMAT, "web", "--port", str(port)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    time.sleep(3)
    per_record: list[int] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                        args=["--no-sandbox"])
            page = browser.new_context(locale="fr-CA").new_page()
            page.goto(f"http://127.0.0.1:{port}/login")
            page.fill("input[name=user]", "bench")
            page.fill("input[name=password]", PASSWORD)
            page.keyboard.press("Enter")
            page.wait_for_url("**/queue")
            page.keyboard.press("Alt+n")  # then each decision opens the next record by itself
            page.wait_for_url("**/records/*")
            keys = 1
            while "/records/" in page.url:
                rid = page.url.rsplit("/", 1)[1]
                rec = json.loads((store / "records" / f"{rid}.json").read_text())
                known = truth.get((rec["source"]["name"], tuple(rec["source"]["pages"])))
                while True:
                    name = page.evaluate("document.activeElement.name || ''")
                    if not name.startswith("f."):
                        break
                    want = (known or {}).get("fields", {}).get(name[2:])
                    kind = page.evaluate("document.activeElement.type")
                    if known is not None and kind == "checkbox":
                        if page.evaluate("document.activeElement.checked") != bool(want):
                            page.keyboard.press("Space")
                            keys += 1
                    elif known is not None and kind == "text":
                        current = page.evaluate("document.activeElement.value")
                        if current != truth_text(want):
                            page.keyboard.press("Control+a")
                            page.keyboard.type(truth_text(want))
                            keys += 1 + len(truth_text(want))
                    page.keyboard.press("Enter")
                    keys += 1
                with page.expect_response(lambda r: r.request.method == "POST") as answer:
                    page.keyboard.press("Control+Enter")
                keys += 1
                page.wait_for_url(lambda url: rid not in url)
                if answer.value.status != 303:
                    raise SystemExit(f"record {rid} was not accepted ({answer.value.status})")
                page.wait_for_load_state()
                per_record.append(keys)
                keys = 0
            browser.close()
    finally:
        web.terminate()
        web.wait(timeout=30)
    stats = subprocess.run([DEMAT, "stats", "--by", "status", "--format", "json"], cwd=ROOT, env=env,
                           check=True, capture_output=True, text=True)
    return per_record, {r["status"]: r["count"] for r in json.loads(stats.stdout)}


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(round(0.95 * len(values))) - 1)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=10_000)
    ap.add_argument("--requests", type=int, default=60)
    args = ap.parse_args()
    samples_store = Path(tempfile.mkdtemp(prefix="demat-review-samples-"))
    ingest_samples(samples_store)
    print(f"server time with {args.records} records waiting ({args.requests} requests each):")
    print(f"  {'':28} {'median':>8} {'p95':>8}")
    for what, ms in server_times(samples_store, args.records, args.requests).items():
        print(f"  {what:28} {statistics.median(ms):6.0f} ms {p95(ms):6.0f} ms")
    from pipeline import review
    from pipeline.storage.store import LocalStore

    queued = review.queue(LocalStore(samples_store), lambda procedure: True)
    waiting = len(queued)
    print(f"queue: {waiting} records, {sum(i.quality for i in queued)} of them accepted ones drawn for a second look")
    per_record, counts = keystrokes(samples_store)
    print(f"keyboard only: {len(per_record)} of {waiting} records reviewed, "
          f"{sum(per_record)} keys: {statistics.mean(per_record):.1f} per record "
          f"(median {statistics.median(per_record):.0f}, most {max(per_record)}); "
          f"after: {counts.get('accepted', 0)} accepted, {counts.get('needs_review', 0)} to review")
    return 0 if counts.get("needs_review", 0) == 0 and len(per_record) == waiting else 1


if __name__ == "__main__":
    sys.exit(main())
