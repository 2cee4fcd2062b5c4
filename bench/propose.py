#!/usr/bin/env python3
"""Schemas proposed from blank paper forms against the schemas imported from their AcroForms.

    python bench/propose.py [--forms DIR_OR_PDF ...] [--keep DIR] [--no-widgets] [--read] [--kinds clean,skew]

Each real fillable form is imported (`demat schema import`, the reference: the widgets' rectangles), then its
blank pages are rendered as a 300-dpi grayscale TIFF scan (the widgets' borders drawn, as the form prints; with
--no-widgets, the page's own print only), so no AcroForm is left to read, and `demat schema propose` reads that
scan. A proposed zone matches an imported one when they overlap by IoU >= 50 % (one to one, best first). Prints,
per form: recall and precision of zones, and the share of matched fields whose type agrees.

With --read, each form is also filled with known values and scanned (tools/fill_forms.py, --kinds), and the scans
are digitized twice: with the imported schemas, then with the *unedited* proposed ones. The field accuracy of
both is printed side by side; a field of the import that no proposed zone matches counts as wrong.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from pipeline import propose  # noqa: E402
from pipeline.evaluate import ZoneScore, match_zones  # noqa: E402
from pipeline.inputs import pdfium  # noqa: E402
from pipeline.schemas import acroform  # noqa: E402

FORMS = [ROOT.parent / "shared" / "realforms", ROOT.parent / "shared" / "realdata" / "forms"]


def blank_scan(template_pdf: bytes, widgets: bool = True) -> bytes:
    """The blank form's pages as one 300-dpi grayscale TIFF, as a scanner gives a printed blank form."""
    from PIL import Image

    count = len(pdfium.page_sizes(template_pdf))
    images = [Image.fromarray(pdfium.render(template_pdf, i, 300, max_pixels=10**9, forms=widgets))
              for i in range(count)]
    buf = io.BytesIO()
    images[0].save(buf, "TIFF", compression="tiff_deflate", dpi=(300, 300), save_all=True,
                   append_images=images[1:])
    return buf.getvalue()


def measure(form: Path, work: Path, widgets: bool = True) -> tuple[ZoneScore, dict, dict, float]:
    """The proposal from `form`'s blank scan against its import: score, imported and proposed schemas, seconds."""
    imported, template, _ = acroform.build_schema(form)
    scan = work / f"{form.stem}-blank.tif"
    scan.write_bytes(blank_scan(_with_widgets(form, template) if widgets else template, widgets))
    started = time.perf_counter()
    proposed, made, _ = propose.build_schema(scan, imported["procedure"])
    seconds = time.perf_counter() - started
    (work / f"{form.stem}.pdf").write_bytes(made)  # the proposal's template: the blank scan itself
    return match_zones(imported["fields"], proposed["fields"]), imported, proposed, seconds


def _with_widgets(form: Path, template: bytes) -> bytes:
    """The pages of `form` that hold fields, emptied as a blank form printed from a viewer: values and ticks
    removed, text fields' appearances left for PDFium to draw (their borders and backgrounds, empty)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import BooleanObject, NameObject

    from pipeline.inputs.formfields import widget_annotations

    reader = PdfReader(form)
    keep = len(pdfium.page_sizes(template))
    pages = [i for i, p in enumerate(reader.pages) if any(widget_annotations([p]))][:keep]
    writer = PdfWriter(clone_from=reader)
    for i in reversed(range(len(reader.pages))):
        if i not in pages:
            writer.remove_page(i)
    for a, _ in widget_annotations(writer.pages):
        holder = a if "/FT" in a or "/Parent" not in a else a["/Parent"].get_object()
        kind = holder.get("/FT") or a.get("/FT")
        if kind == "/Btn":
            a[NameObject("/AS")] = NameObject("/Off")
            if "/V" in holder:
                holder[NameObject("/V")] = NameObject("/Off")
        elif kind in ("/Tx", "/Ch"):
            for key in ("/V", "/AP"):
                for obj in (holder, a):
                    if key in obj:
                        del obj[NameObject(key)]
    if "/AcroForm" in writer._root_object:
        writer._root_object["/AcroForm"][NameObject("/NeedAppearances")] = BooleanObject(True)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _translated(truth: dict, keep_missing: bool):
    """A truth entry's values under the proposed schema's names: a radio group's value becomes a tick of the
    checkbox proposed for each of its options; numbers are compared as the text a text field gives."""
    pairs, types = truth["pairs"], truth["types"]
    for name, value in truth["fields"].items():
        options = [(k, k.split("=", 1)[1]) for k in pairs if k.startswith(f"{name}=")]
        if options:
            for key, option in options:
                yield pairs[key], value == option
        elif name in pairs:
            yield pairs[name], str(value) if isinstance(value, int) and not isinstance(value, bool) \
                and types.get(pairs[name], "text") == "text" else value
        elif keep_missing:
            yield f"(no zone) {name}", value


def read_both(forms: list[Path], pairs: dict[str, dict[str, str]], proposed: dict[str, dict], work: Path,
              kinds: list[str], seed: int) -> tuple[dict, dict, dict]:
    """Scores of the filled scans read with the imported schemas, with the proposed ones (a field no proposed
    zone matches counts as wrong), and with the proposed ones over the fields they have."""
    import json
    import random
    import shutil

    from fill_forms import write_scan

    from pipeline.evaluate import score
    from pipeline.inputs.sources import discover
    from pipeline.process import Context, digitize_many
    from pipeline.schemas.schema import load_schemas
    from pipeline.storage.store import LocalStore

    rng = random.Random(seed)
    imported_dir, proposed_dir, scans = work / "imported", work / "proposed", work / "scans"
    for d in (imported_dir, proposed_dir, scans):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
    truth = []
    for form in forms:
        path, _ = acroform.write_schema(form, imported_dir)
        import yaml

        schema = yaml.safe_load(path.read_text(encoding="utf-8"))
        mine = proposed[form.stem]
        (proposed_dir / "templates").mkdir(exist_ok=True)
        (proposed_dir / mine["template"]["file"]).write_bytes((work / f"{form.stem}.pdf").read_bytes())
        (proposed_dir / f"{mine['procedure']}.yaml").write_text(acroform.dump(mine), encoding="utf-8")
        for kind in kinds:
            t = write_scan(form, schema, rng, kind, scans, f"{form.stem}-{kind}.tif")
            t["pairs"] = pairs[form.stem]
            t["types"] = {f["name"]: f.get("type", "text") for f in mine["fields"]}
            truth.append(t)
    (scans / ".truth.json").write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
    out = []
    for folder in (imported_dir, proposed_dir):
        ctx = Context(load_schemas(folder), LocalStore(work / f"store-{folder.name}"), "bench")
        outcomes = digitize_many(list(discover([str(scans)])), ctx, concurrent=8)
        out.append([r for o in outcomes for r in o.records])
    paired = [{**t, "fields": dict(_translated(t, keep_missing=False))} for t in truth]
    every = [{**t, "fields": dict(_translated(t, keep_missing=True))} for t in truth]
    return score(out[0], truth), score(out[1], every), score(out[1], paired)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--forms", nargs="*", type=Path, default=FORMS)
    ap.add_argument("--keep", type=Path, help="keep the scans and the proposed schemas here")
    ap.add_argument("--no-widgets", action="store_true", help="scan the page's print only, no widget borders")
    ap.add_argument("--read", action="store_true", help="also read filled scans with both schemas")
    ap.add_argument("--kinds", default="clean,skew", help="with --read: kinds of scan (tools/fill_forms.py)")
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    forms = [f for p in args.forms for f in (sorted(p.glob("*.pdf")) if p.is_dir() else [p])]
    work = args.keep or Path(tempfile.mkdtemp(prefix="demat-propose-"))
    work.mkdir(parents=True, exist_ok=True)
    total = ZoneScore()
    pairs: dict[str, dict[str, str]] = {}
    proposals: dict[str, dict] = {}
    print(f"{'form':<44} {'zones':>6} {'found':>6} {'recall':>7} {'precision':>9} {'types':>6} {'s':>5}")
    for form in forms:
        s, imported, proposed, seconds = measure(form, work, not args.no_widgets)
        pairs[form.stem], proposals[form.stem] = s.pairs, proposed
        if args.keep:
            (work / f"{form.stem}.yaml").write_text(acroform.dump(proposed), encoding="utf-8")
        for k in ("targets", "proposed", "matched", "typed", "elsewhere"):
            setattr(total, k, getattr(total, k) + getattr(s, k))
        print(f"{form.name[:44]:<44} {s.targets:>6} {s.proposed:>6} {s.recall:>7.1%} {s.precision:>9.1%} "
              f"{s.types:>6.1%} {seconds:>5.1f}" + (f"  (+{s.elsewhere} on pages the import does not read)"
                                                   if s.elsewhere else ""))
    print(f"{'all':<44} {total.targets:>6} {total.proposed:>6} {total.recall:>7.1%} {total.precision:>9.1%} "
          f"{total.types:>6.1%}")
    if args.read:
        kinds = args.kinds.split(",")
        imported, proposed, paired = read_both(forms, pairs, proposals, work, kinds, args.seed)
        print(f"\nfilled scans read ({', '.join(kinds)}): field accuracy, and wrong fields in accepted records")
        print(f"{'':<8} {'fields':>6}  {'imported':>17}  {'proposed':>17}  {'proposed, its own fields':>30}")
        for kind in kinds + ["all"]:
            a, b, c = imported[kind], proposed[kind], paired[kind]
            print(f"{kind:<8} {a.fields:>6}  {a.accuracy:>7.1%} {a.false_accept_rate:>8.2%}  "
                  f"{b.accuracy:>7.1%} {b.false_accept_rate:>8.2%}  {c.fields:>6} {c.accuracy:>7.1%} "
                  f"{c.false_accept_rate:>8.2%} {c.straight_through:>6.0%}")
        if args.keep:
            (work / "misses.txt").write_text("\n".join(m for k in kinds for m in proposed[k].misses), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
