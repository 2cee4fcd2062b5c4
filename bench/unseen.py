#!/usr/bin/env python3
"""Accuracy on fills demat was not tuned on: the real forms of ../shared, filled by tools/type_forms.py (a second
fill tool, sharing nothing with tools/fill_forms.py) in its two ways (`viewer`: the AcroForm's values drawn by
PDFium; `typed`: typed onto the printed page in one of several fonts), every page scanned (instructions included)
under each scanner profile, then digitized with every imported schema loaded (the library alone, no Prefect).

    python bench/unseen.py [--seeds measured|tuning|N,N] [--paths viewer,typed] [--profiles clean,dark,...]
                           [--forms DIR_OR_PDF ...] [--misses] [--keep DIR]

Seeds 1 and 2 are for tuning; seeds 101 and 102 are only measured (`--seeds measured`, the default): report those.
Prints, per fill way and for clean and degraded scans: field accuracy, checkbox accuracy, identification, records
beyond the form instances (a page of no form counted), straight-through share, wrong fields in accepted records, and
the doubtful fields a person is shown per document (`review`: what review costs).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "bench"))

from realforms import ALL_FORMS, digitize_folder, forms_in, reused, workspace  # noqa: E402
from type_forms import PATHS, PROFILES, write_document  # noqa: E402

from pipeline.evaluate import Score, score  # noqa: E402
from pipeline.schemas.acroform import write_schema  # noqa: E402
from pipeline.schemas.schema import load_schemas  # noqa: E402

SEEDS = {"tuning": [1, 2], "measured": [101, 102]}


def make_set(forms: list[Path], schemas: Path, scans: Path, seeds: list[int], paths: list[str],
             profiles: list[str]) -> list[dict]:
    """Import every form into `schemas`, fill and scan it each way, under each profile, for each seed."""
    import yaml

    imported = []
    for form in forms:
        path, _ = write_schema(form, schemas)
        imported.append((form, yaml.safe_load(path.read_text(encoding="utf-8"))))
    truth = []
    for seed in seeds:
        rng = random.Random(seed)
        for form, schema in imported:
            for fill in paths:
                for profile in profiles:
                    truth.append(write_document(form, schema, fill, profile, rng, scans,
                                                f"{form.stem}-{fill}-{profile}-{seed}"))
    (scans / ".truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    return truth


def row(label: str, s: Score) -> str:
    return (f"{label:<18}{s.instances:>6}{s.fields:>8}{s.accuracy:>10.1%}{s.checkbox_accuracy:>10.2%}"
            f"{s.identified:>7}/{s.instances:<4}{s.extra:>7}{s.straight_through:>10.0%}{s.false_accept_rate:>11.2%}"
            f"{s.to_review:>8.1f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", default="measured", help="tuning, measured, or seeds separated by commas")
    ap.add_argument("--paths", default=",".join(PATHS))
    ap.add_argument("--profiles", default=",".join(PROFILES))
    ap.add_argument("--forms", type=Path, nargs="+", default=ALL_FORMS)
    ap.add_argument("--misses", action="store_true", help="list every wrong field")
    ap.add_argument("--keep", type=Path, help="keep the schemas and scans in this folder")
    ap.add_argument("--reuse", type=Path, help="read the schemas and scans kept in this folder (--keep) again")
    args = ap.parse_args()
    seeds = SEEDS.get(args.seeds) or [int(s) for s in args.seeds.split(",")]
    paths, profiles = args.paths.split(","), args.profiles.split(",")
    with workspace("demat-unseen-", args.keep) as (schemas, scans, store):
        forms = forms_in(args.forms)
        t0 = time.monotonic()
        if args.reuse:
            truth = [t for t in reused(args.reuse, schemas, scans) if t["fill"] in paths and t["kind"] in profiles]
            keep = {t["source"] for t in truth}
            for p in scans.iterdir():
                if not p.name.startswith(".") and p.name not in keep:
                    p.unlink()
        else:
            truth = make_set(forms, schemas, scans, seeds, paths, profiles)
        loaded = load_schemas(schemas)
        made = f"kept in {args.reuse}" if args.reuse else f"seeds {seeds}"
        print(f"{len(forms)} forms, {made}, {len(truth)} documents ready in {time.monotonic() - t0:.0f} s")
        records = digitize_folder(loaded, scans, store, "unseen")
        if args.keep:  # the records beside the truth, for a closer look
            (scans / ".records.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
        head = (f"{'fill, scans':<18}{'docs':>6}{'fields':>8}{'accuracy':>10}{'checkbox':>10}{'identified':>12}"
                f"{'extra':>7}{'straight':>10}{'false-acc':>11}{'review':>8}")
        print(head + "\n" + "-" * len(head))
        for fill in paths + ["all"]:
            chosen = [dict(t, kind="clean" if t["kind"] == "clean" else "degraded") for t in truth
                      if fill == "all" or t["fill"] == fill]
            results = score(records, chosen)
            for group in ("clean", "degraded", "all"):
                if group in results:
                    print(row(f"{fill}, {group}", results[group]))
        print()
        by_profile = score(records, truth)
        for profile in profiles:
            print(row(profile, by_profile[profile]))
        if args.misses:
            for profile in profiles:
                for m in by_profile[profile].misses:
                    print(f"  [{profile}] {m}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
