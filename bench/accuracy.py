#!/usr/bin/env python3
"""Field accuracy of the pipeline against a truth file, per kind of scan (no Prefect: the library alone).

    python bench/accuracy.py [FOLDER] [--schemas DIR]     # default: samples/ and its .truth.json, schemas/

Prints accuracy, identification, straight-through rate (accepted share) and false-accept rate (wrong fields in
accepted records), then every miss.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.evaluate import score  # noqa: E402
from pipeline.inputs.sources import discover  # noqa: E402
from pipeline.process import Context, digitize_many  # noqa: E402
from pipeline.reading.batching import DOCS_PER_CORE  # noqa: E402
from pipeline.schemas.schema import load_schemas  # noqa: E402
from pipeline.storage.store import LocalStore  # noqa: E402


def main() -> int:
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("folder", nargs="?", type=Path, default=ROOT / "samples")
    ap.add_argument("--schemas", type=Path, default=ROOT / "schemas")
    args = ap.parse_args()
    folder = args.folder
    truth = json.loads((folder / ".truth.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        ctx = Context(load_schemas(args.schemas), LocalStore(tmp), "bench")
        refs = list(discover([str(folder)]))
        t0 = time.monotonic()
        outcomes = digitize_many(refs, ctx, concurrent=DOCS_PER_CORE * (os.cpu_count() or 2))
        secs = time.monotonic() - t0
    records = [r for o in outcomes for r in o.records]
    pages = sum(o.pages for o in outcomes)
    print(f"{len(refs)} documents, {pages} pages in {secs:.1f} s ({pages / secs:.2f} pages/s)")
    results = score(records, truth)
    print(f"{'kind':<10}{'fields':>8}{'accuracy':>10}{'identified':>12}{'accepted':>10}{'false-accept':>14}")
    for kind, s in sorted(results.items()):
        print(f"{kind:<10}{s.fields:>8}{s.accuracy:>10.1%}{s.identified:>7}/{s.instances:<4}"
              f"{s.accepted:>10}{s.false_accept_rate:>14.2%}")
    for kind in sorted(k for k in results if k != "all"):
        for m in results[kind].misses:
            print(f"  [{kind}] {m}")
    for r in records:
        if r["status"] != "accepted":
            print(f"  {r['status']:<13}{r['source']['name']}: {'; '.join(r['errors'][:3])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
