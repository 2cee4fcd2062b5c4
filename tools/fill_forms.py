#!/usr/bin/env python3
"""Fill a fillable PDF form with known values, following an imported schema, and render it as a scan.

Used by the tests and benchmarks on the real forms in ../shared/realforms/:
    python tools/fill_forms.py SCHEMA.yaml FORM.pdf OUT_DIR [--seed N] [--count N]
    [--kinds clean,skew,noisy,fax,lowres,rot90,rot180] [--layout reader|acroform]
writes OUT_DIR/<stem>-<kind>-NN.tif and OUT_DIR/.truth.json (the same truth format as tools/make_samples.py).
"""

from __future__ import annotations

import argparse
import io
import json
import math
import random
import sys
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from pipeline.schemas.acroform import FR_POSTAL_CODE, SIREN_OR_SIRET  # noqa: E402

WORDS = ["Martin", "Bernard", "Dubois", "Durand", "Lefebvre", "Moreau", "Laurent", "Simon", "Michel", "Garcia",
         "Roux", "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Muller"]
PLACES = ["Paris", "Lyon", "Nantes", "Lille", "Rennes", "Dijon", "Tours", "Brest", "Metz", "Nancy"]


def value_for(f: dict, rng: random.Random) -> tuple[str | bool | None, object]:
    """(what to put in the PDF field, the normalized value expected in the record), within the field's length."""
    limit = f.get("max_length") or f.get("comb")
    if f.get("pattern") == FR_POSTAL_CODE:
        v = f"{rng.randint(10000, 95999)}"
        return v, v
    if limit and limit < 8 and f.get("type", "text") in ("text", "integer"):
        # comb boxes are filled one character per box, all of them (a year's four); other short fields 3 digits
        v = "".join(str(rng.randint(1, 9)) for _ in range(limit if f.get("comb") else min(limit, 3)))
        return v, (int(v) if f.get("type") == "integer" else v)
    t = f.get("type", "text")
    if t in ("siret", "siren") or f.get("pattern") == SIREN_OR_SIRET:  # a number whose check digit is right
        v = _luhn_number({"siret": 14, "siren": 9}.get(t) or rng.choice([9, 14]), rng)
        return v, v
    x0, y0, x1, y1 = f["zone"]
    width = x1 - x0
    if t == "checkbox":
        v = rng.random() < 0.5
        return v, v
    if t == "radio":
        opt = rng.choice(f["options"])["value"]
        return opt, opt
    if t == "date":
        d = date(2015, 1, 1) + timedelta(days=rng.randrange(3000))
        order = {"mdy": "%m/%d/%Y", "ymd": "%Y-%m-%d"}.get(f.get("date_order", "dmy"), "%d/%m/%Y")
        if f.get("comb"):  # one character per box: digits only
            order = order.replace("/", "").replace("-", "")
        return d.strftime(order), d.isoformat()
    if t == "integer":
        v = rng.randint(1, 99)
        return str(v), v
    if t == "decimal":
        v = round(rng.uniform(10, 5000), 2)
        return f"{v:.2f}", v
    if t == "email":
        v = f"{rng.choice(WORDS).lower()}@exemple.fr"
        return v, v
    if f.get("comb"):
        n = min(f["comb"], 12)
        v = "".join(str(rng.randint(0, 9)) for _ in range(n))
        return v, v
    if width < 60:
        v = str(rng.randint(1, 999))
        return v, v
    words = [rng.choice(WORDS + PLACES) for _ in range(1 if width < 150 else 2)]
    v = " ".join(words)
    return v, v


def _luhn_number(length: int, rng: random.Random) -> str:
    from pipeline.schemas.fields import luhn_ok

    head = "".join(str(rng.randint(0, 9)) for _ in range(length - 1))
    return next(head + d for d in "0123456789" if luhn_ok(head + d))


XFA_CONTAINERS = {"subform", "field", "exclGroup", "subformSet", "area"}
XFA_UNITS = {"pt": 1.0, "in": 72.0, "mm": 72 / 25.4, "cm": 72 / 2.54}


def xfa_text_indents(reader) -> dict[str, float]:
    """The first-line indent, in points, of each text field of an XFA form that has one, by its AcroForm name.

    CERFA 13969 prints "OBJET :" and "TITRE :" inside its multi-line fields, and its XFA template indents the first
    line past them (`<para textIndent="42.52pt">`): Adobe Reader, which fills these forms, starts the value after the
    label. The AcroForm appearance PDFium draws knows nothing of it and would type the value over the label, which
    no filled copy of the form shows."""
    xfa = (reader.trailer["/Root"].get("/AcroForm") or {}).get("/XFA")
    if xfa is None or not hasattr(xfa, "__len__"):
        return {}
    parts = list(xfa)
    packet = next((parts[i + 1] for i in range(0, len(parts) - 1, 2) if str(parts[i]) == "template"), None)
    if packet is None:
        return {}
    out: dict[str, float] = {}

    def local(tag: str) -> str:
        return tag.rsplit("}", 1)[-1]

    def walk(el, path: list[str]) -> None:
        seen: dict[str, int] = {}  # SOM index: the rank among same-named siblings; unnamed subforms are see-through

        def visit(parent) -> None:
            for child in parent:
                kind = local(child.tag)
                if kind not in XFA_CONTAINERS:
                    continue
                name = child.get("name")
                if not name:
                    visit(child)
                    continue
                here = path + [f"{name}[{seen.setdefault(name, 0)}]"]
                seen[name] += 1
                if kind != "field":
                    walk(child, here)
                    continue
                para = next((p for p in child if local(p.tag) == "para"), None)
                indent = _xfa_length(para.get("textIndent", "") if para is not None else "")
                if indent > 0:
                    out[".".join(here)] = indent

        visit(el)

    walk(ET.fromstring(packet.get_object().get_data()), [])
    return out


def _xfa_length(text: str) -> float:
    unit = next((u for u in XFA_UNITS if text.endswith(u)), "")
    try:
        return float(text[: len(text) - len(unit)]) * XFA_UNITS.get(unit, 1.0) if text else 0.0
    except ValueError:
        return 0.0


def _space_advance(reader, annot) -> float:
    """How far a space moves the pen in this text field, in points: its font's width of a space at its size."""
    parent = annot.get("/Parent")
    parent = parent.get_object() if parent is not None else {}
    da = str(annot.get("/DA") or parent.get("/DA") or reader.trailer["/Root"]["/AcroForm"].get("/DA") or "")
    words = da.split()
    at = words.index("Tf") if "Tf" in words else -1
    size = float(words[at - 1]) if at >= 2 else 0.0
    font = ((reader.trailer["/Root"]["/AcroForm"].get("/DR") or {}).get("/Font") or {}).get(words[at - 2]) \
        if at >= 2 else None
    width = 278.0  # Helvetica's
    if font is not None:
        font = font.get_object()
        first, widths = int(font.get("/FirstChar", 0)), font.get("/Widths")
        if widths is not None and 0 <= 32 - first < len(widths):
            width = float(widths[32 - first])
    return width / 1000 * (size or 12.0)


LAYOUTS = ("reader", "acroform")  # how a filled form's values are laid out: as Adobe Reader does (XFA text
# indents kept), or as viewers that read only the AcroForm part draw them (a browser's, PDFium's: over the labels)


def fill(form: Path, schema: dict, rng: random.Random, layout: str = "reader") -> tuple[bytes, dict]:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    from pipeline.inputs.formfields import widget_annotations

    reader = PdfReader(str(form))
    writer = PdfWriter(clone_from=reader)
    indents = xfa_text_indents(reader) if layout == "reader" else {}
    truth: dict = {}
    by_name: dict[str, object] = {}
    names: dict[str, str] = {}
    exclusive: dict[int, str] = {}  # field -> the on-state of its kid that is ticked
    for f in schema["fields"]:
        f = dict(f, date_order=f.get("date_order") or schema.get("date_order", "dmy"))  # as the field asks
        pdf_value, expected = value_for(f, rng)
        truth[f["name"]] = expected
        by_name[f["pdf_field"]] = pdf_value
        names[f["pdf_field"]] = f["name"]
    for page in writer.pages:
        for a, q in widget_annotations([page]):
            if q not in by_name:
                continue
            v = by_name[q]
            target = a if "/T" in a else a["/Parent"].get_object()
            states = [str(k) for k in ((a.get("/AP") or {}).get("/N") or {}).keys()]
            is_button = str(a.get("/FT") or target.get("/FT") or "") == "/Btn" or bool(states and "/Off" in states) \
                or isinstance(v, bool)
            if is_button:
                if "/N" in states and v is True:
                    # a malformed appearance dictionary (the W-9's first and last classification boxes): PDFium
                    # does not draw their on-look, so the rendered scan could not show the tick; leave them off
                    v = False
                    truth[names[q]] = False
                on = next((s for s in states if s not in ("/Off", "/N")), "/Yes")
                field_obj = a["/Parent"].get_object() if "/Parent" in a and "/T" not in a else target
                if v is True and field_obj is not a:
                    # checkboxes that are kids of one field (the W-9's tax classification) share its value:
                    # only one of them can be on. Kids with the same on-state are one box shown twice (CERFA
                    # 14411 repeats its boxes on a second copy of the page): they are on together.
                    if exclusive.get(id(field_obj), on) != on:
                        v = False
                        truth[names[q]] = False
                    exclusive.setdefault(id(field_obj), on)
                chosen = (on if v is True else "/Off") if isinstance(v, bool) else ("/" + v)
                if chosen in states:
                    a[NameObject("/AS")] = NameObject(chosen)
                    if field_obj is a or chosen != "/Off" or id(field_obj) not in exclusive:
                        field_obj[NameObject("/V")] = NameObject(chosen)
                else:
                    # unticked, though the form has no "off" look (the 1040 ships a box ticked): /Off draws nothing
                    a[NameObject("/AS")] = NameObject("/Off")
                    if field_obj is a and "/V" in field_obj:
                        del field_obj["/V"]
            elif isinstance(v, str):
                if q in indents and v:  # typed after the label the form prints in the field, as Reader does
                    v = " " * math.ceil(indents[q] / _space_advance(reader, a)) + v
                # by its fully qualified name: forms whose fields share a partial name under different parents
                # (Luxembourg's modèle 160: A.21, N.21, T.21) would otherwise all get the last one's value
                writer.update_page_form_field_values(page, {q: v}, auto_regenerate=False)
    writer.set_need_appearances_writer(True)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue(), truth


def render_scan(pdf: bytes, pages: list[int], dpi: int) -> list:
    """The given pages (1-based) rendered with their filled fields."""
    from pipeline.inputs import pdfium

    return [pdfium.render(pdf, p - 1, dpi, max_pixels=10**9, forms=True) for p in pages]


# How each kind of archive scan is made: (render dpi, degradation of tools/make_samples.py, clockwise turn).
KINDS = {
    "clean": (300, "clean", 0),
    "skew": (300, "skew", 0),  # up to ±3°, shifted, scaled ±1.5%, JPEG-like grain
    "noisy": (200, "noisy", 0),  # blur, strong noise and specks, ±1.5°
    "fax": (200, "fax", 0),  # binarized at 200 dpi like a fax or a bitonal scanner
    "lowres": (150, "lowres", 0),  # 150 dpi
    "rot90": (300, "clean", 90),  # fed sideways
    "rot180": (300, "clean", 180),  # fed upside down
}


def scan_pages(pdf: bytes, pages: list[int], kind: str, rng: random.Random) -> tuple[list, int]:
    """The given pages (1-based) of a filled PDF as scans of one kind; returns the images and their dpi."""
    import cv2
    from make_samples import degrade

    dpi, degradation, turn = KINDS[kind]
    out = [degrade(im, rng, degradation, dpi) for im in render_scan(pdf, pages, dpi)]
    rotate = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}.get(turn)
    return [cv2.rotate(im, rotate) if rotate is not None else im for im in out], dpi


def save_tiff(images: list, path: Path, dpi: int, bitonal: bool = False) -> None:
    from PIL import Image

    frames = [Image.fromarray(im) for im in images]
    if bitonal:
        frames = [f.convert("1", dither=Image.Dither.NONE) for f in frames]
    frames[0].save(path, save_all=True, append_images=frames[1:],
                   compression="group4" if bitonal else "tiff_deflate", dpi=(dpi, dpi))


def write_scan(form: Path, schema: dict, rng: random.Random, kind: str, folder: Path, name: str,
               layout: str = "reader") -> dict:
    """Fill the form with known values (laid out as `layout` says), scan its pages that hold fields (the
    template's) as `kind`, save them as the TIFF `folder/name`; returns its truth entry."""
    from pypdf import PdfReader

    from pipeline.inputs.formfields import widgets

    pdf, values = fill(form, schema, rng, layout)
    with_fields = sorted({w.page for w in widgets(PdfReader(io.BytesIO(pdf)))})
    images, dpi = scan_pages(pdf, with_fields, kind, rng)
    save_tiff(images, folder / name, dpi, bitonal=kind == "fax")
    return {"source": name, "pages": list(range(1, len(images) + 1)), "procedure": schema["procedure"],
            "kind": kind, "fields": values}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("schema", type=Path)
    ap.add_argument("form", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--kinds", default="clean", help=f"comma-separated, among {', '.join(KINDS)}")
    ap.add_argument("--layout", choices=LAYOUTS, default="reader",
                    help="reader: values laid out as Adobe Reader does (past the labels an XFA form indents them "
                         "from); acroform: as viewers that ignore XFA draw them (over those labels)")
    args = ap.parse_args(argv)
    schema = yaml.safe_load(args.schema.read_text(encoding="utf-8"))
    rng = random.Random(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    truth_path = args.out / ".truth.json"
    truth = json.loads(truth_path.read_text()) if truth_path.exists() else []
    for i in range(args.count):
        for kind in args.kinds.split(","):
            truth.append(write_scan(args.form, schema, rng, kind, args.out, f"{args.form.stem}-{kind}-{i:02d}.tif",
                                     args.layout))
    truth_path.write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
