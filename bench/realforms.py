#!/usr/bin/env python3
"""Accuracy on the real public forms, per kind of archive scan (no Prefect: the library alone).

    python bench/realforms.py [--forms DIR_OR_PDF ...] [--count N] [--kinds clean,skew,...] [--with-samples]
                              [--layout reader|acroform]

Each fillable form is imported with `demat schema import` (unedited), filled with known values
(tools/fill_forms.py; laid out as Adobe Reader does, or with --layout acroform as viewers that ignore XFA
do, over CERFA 13969's labels), rendered and degraded (skew, noise, fax, 150 dpi, sideways, upside down), then
digitized with *all* the imported schemas loaded at once (and the example schemas with --with-samples), so
identification is tested among all of them. Prints one row per kind: field accuracy, checkbox accuracy, identification,
straight-through rate (accepted share) and false-accept rate (wrong fields in accepted records), then the misses.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from fill_forms import KINDS, LAYOUTS, write_scan  # noqa: E402

from pipeline.evaluate import score  # noqa: E402
from pipeline.inputs.sources import discover  # noqa: E402
from pipeline.process import Context, digitize_many  # noqa: E402
from pipeline.reading.batching import DOCS_PER_CORE  # noqa: E402
from pipeline.schemas.acroform import write_schema  # noqa: E402
from pipeline.schemas.schema import load_schemas  # noqa: E402
from pipeline.storage.store import LocalStore  # noqa: E402

REALFORMS = ROOT.parent / "shared" / "realforms"
ALL_FORMS = [REALFORMS, ROOT.parent / "shared" / "realdata" / "forms"]  # the 8 real forms of ../shared


def forms_in(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        out += sorted(p.glob("*.pdf")) if p.is_dir() else [p]
    return out


def make_set(forms: list[Path], schemas: Path, scans: Path, kinds: list[str], count: int, seed: int,
             layout: str = "reader") -> list[dict]:
    """Import each form into `schemas`, write its filled scans into `scans`; return the truth."""
    import yaml

    rng = random.Random(seed)
    truth: list[dict] = []
    for form in forms:
        path, _ = write_schema(form, schemas)
        schema = yaml.safe_load(path.read_text(encoding="utf-8"))
        for i in range(count):
            for kind in kinds:
                truth.append(write_scan(form, schema, rng, kind, scans, f"{form.stem}-{kind}-{i:02d}.tif", layout))
    return truth


@contextmanager
def workspace(prefix: str, keep: Path | None) -> Iterator[tuple[Path, Path, Path]]:
    """A throwaway folder for a bench: its `schemas/` and `scans/` made, its `store/` to be; copied to `keep` when
    the bench ends well, removed in any case."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        schemas, scans = tmp / "schemas", tmp / "scans"
        for d in (schemas, scans):
            d.mkdir()
        yield schemas, scans, tmp / "store"
        if keep:
            shutil.copytree(tmp, keep, dirs_exist_ok=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def reused(kept: Path, schemas: Path, scans: Path) -> list[dict]:
    """The schemas and scans a bench kept (--keep) copied into its workspace again; their truth."""
    shutil.copytree(kept / "schemas", schemas, dirs_exist_ok=True)
    shutil.copytree(kept / "scans", scans, dirs_exist_ok=True)
    return json.loads((scans / ".truth.json").read_text(encoding="utf-8"))


def digitize_folder(loaded: list, scans: Path, store: Path, batch: str) -> list[dict]:
    """Every scan of `scans` digitized with the schemas `loaded` (the library alone, documents side by side as in
    the flow); prints the page rate; the records."""
    ctx = Context(loaded, LocalStore(store), batch)
    t0 = time.monotonic()
    outcomes = digitize_many(list(discover([str(scans)])), ctx, concurrent=DOCS_PER_CORE * (os.cpu_count() or 2))
    secs = time.monotonic() - t0
    pages = sum(o.pages for o in outcomes)
    records = [r for o in outcomes for r in o.records]
    print(f"digitized {pages} pages in {secs:.0f} s ({pages / secs:.2f} pages/s), {len(records)} records\n")
    return records


def table(results: dict, kinds: list[str]) -> str:
    head = (f"{'kind':<9}{'forms':>6}{'fields':>8}{'accuracy':>10}{'checkbox':>10}{'identified':>12}"
            f"{'straight':>10}{'false-acc':>11}")
    rows = [head, "-" * len(head)]
    for kind in kinds + ["all"]:
        s = results.get(kind)
        if s is None:
            continue
        rows.append(f"{kind:<9}{s.instances:>6}{s.fields:>8}{s.accuracy:>10.1%}{s.checkbox_accuracy:>10.1%}"
                    f"{s.identified:>7}/{s.instances:<4}{s.straight_through:>10.0%}{s.false_accept_rate:>11.2%}")
    return "\n".join(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--forms", type=Path, nargs="+", default=[REALFORMS])
    ap.add_argument("--count", type=int, default=1, help="filled copies per form and kind")
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--with-samples", action="store_true", help="also load the example schemas of schemas/")
    ap.add_argument("--layout", choices=LAYOUTS, default="reader",
                    help="how the values are laid out (tools/fill_forms.py): as Adobe Reader does, or as viewers that "
                         "ignore XFA do (over CERFA 13969's labels)")
    ap.add_argument("--keep", type=Path, help="keep the generated schemas and scans in this folder")
    args = ap.parse_args()
    kinds = args.kinds.split(",")
    with workspace("demat-realforms-", args.keep) as (schemas, scans, store):
        forms = forms_in(args.forms)
        t0 = time.monotonic()
        truth = make_set(forms, schemas, scans, kinds, args.count, args.seed, args.layout)
        (scans / ".truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
        if args.with_samples:
            for p in (ROOT / "schemas").glob("*.yaml"):
                shutil.copy(p, schemas / p.name)
            shutil.copytree(ROOT / "schemas" / "templates", schemas / "templates", dirs_exist_ok=True)
        loaded = load_schemas(schemas)
        print(f"{len(forms)} forms, {len(loaded)} schemas loaded, {len(truth)} scans made in "
              f"{time.monotonic() - t0:.0f} s")
        records = digitize_folder(loaded, scans, store, "bench")
        results = score(records, truth)
        print(table(results, kinds))
        for kind in kinds:
            for m in results[kind].misses if kind in results else []:
                print(f"  [{kind}] {m}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
