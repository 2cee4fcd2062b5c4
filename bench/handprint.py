#!/usr/bin/env python3
"""Hand print: the real forms of ../shared filled by hand, in handwriting fonts no reader of demat is trained or
tuned on (Debian's, see tools/type_forms.py `HAND_FONTS`), scanned, then digitized with every imported schema
loaded (the library alone, no Prefect).

    python bench/handprint.py [--seeds 201,202] [--profiles clean,scan240,fax] [--forms DIR_OR_PDF ...]
                              [--fonts measure|tuning] [--misses] [--keep DIR] [--reuse DIR]

Each document is one person's hand: one font (each font in turn), size, slant, ink and pen, each character
drawn on its own with its own turn, rise and spacing; capitals in four documents of ten (and always in the fonts
that have no small letters); accents a font lacks drawn as strokes; boxes ticked with a check mark or a cross;
comb fields one character a box. `--fonts tuning` writes in the typefaces `tools/train_hand.py` keeps out of
training for tuning (seeds 301 and 302 by habit), never in Debian's. Prints field accuracy by kind of field (comb
boxes, lines and cells of free writing, checkboxes), identification, straight-through share and wrong fields in
accepted records.
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
from type_forms import PROFILES, hand_fonts, write_document  # noqa: E402

from pipeline.evaluate import Score, score  # noqa: E402
from pipeline.schemas.acroform import write_schema  # noqa: E402
from pipeline.schemas.schema import load_schemas  # noqa: E402

KINDS = ("comb", "writing", "checkbox")


def kind_of(spec: dict) -> str:
    """comb: one character a box; checkbox: a box or a radio group ticked; writing: a line or a cell."""
    if spec.get("type") in ("checkbox", "radio"):
        return "checkbox"
    return "comb" if spec.get("comb") else "writing"


def make_set(forms: list[Path], schemas: Path, scans: Path, seeds: list[int], profiles: list[str],
             fonts: list[Path]) -> list[dict]:
    import yaml

    imported = []
    for form in forms:
        path, _ = write_schema(form, schemas)
        imported.append((form, yaml.safe_load(path.read_text(encoding="utf-8"))))
    truth = []
    for seed in seeds:
        rng = random.Random(seed)
        for form, schema in imported:
            for profile in profiles:
                font = fonts[len(truth) % len(fonts)]  # every hand as often as the others
                t = write_document(form, schema, "hand", profile, rng, scans, f"{form.stem}-hand-{profile}-{seed}",
                                   font)
                t["kinds"] = {f["name"]: kind_of(f) for f in schema["fields"]}
                truth.append(t)
    (scans / ".truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    return truth


def only(truth: list[dict], kind: str) -> list[dict]:
    """The truth entries with the fields of one kind only."""
    return [{**t, "fields": {k: v for k, v in t["fields"].items() if t["kinds"].get(k) == kind}} for t in truth]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", default="201,202")
    ap.add_argument("--profiles", default="clean,scan240,fax")
    ap.add_argument("--forms", type=Path, nargs="+", default=ALL_FORMS)
    ap.add_argument("--misses", action="store_true", help="list every wrong field")
    ap.add_argument("--fonts", choices=("measure", "tuning"), default="measure",
                    help="Debian's handwriting fonts (measure), or the typefaces kept out of training (tuning)")
    ap.add_argument("--keep", type=Path, help="keep the schemas and scans in this folder")
    ap.add_argument("--reuse", type=Path, help="read the schemas and scans kept in this folder (--keep) again")
    args = ap.parse_args()
    if args.fonts == "tuning":
        from train_hand import TUNING, fetch

        fonts = fetch(TUNING)
    else:
        fonts = hand_fonts()
    if not fonts:
        print("no handwriting font found: run `bash scripts/bootstrap.sh --bench` (Debian's fonts-* packages)",
              file=sys.stderr)
        return 1
    seeds = [int(s) for s in args.seeds.split(",")]
    profiles = args.profiles.split(",")
    unknown = [p for p in profiles if p not in PROFILES]
    if unknown:
        print(f"unknown profile(s): {', '.join(unknown)} (known: {', '.join(PROFILES)})", file=sys.stderr)
        return 2
    with workspace("demat-hand-", args.keep) as (schemas, scans, store):
        forms = forms_in(args.forms)
        t0 = time.monotonic()
        if args.reuse:
            truth = reused(args.reuse, schemas, scans)
        else:
            truth = make_set(forms, schemas, scans, seeds, profiles, fonts)
        print(f"{len(forms)} forms, seeds {seeds}, {len(truth)} documents written by hand in "
              f"{time.monotonic() - t0:.0f} s ({len(fonts)} fonts)")
        records = digitize_folder(load_schemas(schemas), scans, store, "handprint")
        head = (f"{'scans':<10}{'docs':>6}{'fields':>8}{'all':>8}" + "".join(f"{k:>10}" for k in KINDS)
                + f"{'identified':>12}{'straight':>10}{'false-acc':>11}")
        print(head + "\n" + "-" * len(head))
        whole = score(records, truth)
        by_kind = {k: score(records, only(truth, k)) for k in KINDS}
        for profile in profiles + ["all"]:
            s: Score = whole[profile]
            cells = "".join(f"{by_kind[k][profile].accuracy:>10.1%}" if by_kind[k][profile].fields else f"{'-':>10}"
                            for k in KINDS)
            print(f"{profile:<10}{s.instances:>6}{s.fields:>8}{s.accuracy:>8.1%}{cells}"
                  f"{s.identified:>8}/{s.instances:<3}{s.straight_through:>10.0%}{s.false_accept_rate:>11.2%}")
        print("\nfields:", ", ".join(f"{k} {by_kind[k]['all'].fields}" for k in KINDS))
        if args.misses:
            for profile in profiles:
                for m in whole[profile].misses:
                    print(f"  [{profile}] {m}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
