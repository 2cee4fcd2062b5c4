#!/usr/bin/env python3
"""A second way to fill real forms and scan them, sharing nothing with tools/fill_forms.py but the schema it
follows, so that benchmarks stop measuring one fill tool:

- `viewer`: the values written into the AcroForm only (`/V`, `/AS`, no appearance of text fields,
  `NeedAppearances`), drawn by PDFium as a viewer draws a filled form it opens;
- `typed`: the form's fields removed (a flattened, printed form) and the values typed onto the page, one font and
  size per document (Helvetica, Times, Courier and the TrueType fonts this machine has: DejaVu, Liberation),
  boxes ticked with a check mark, a cross or an X of several sizes, comb fields one character per box.

Values are Québec and French names and places with accents on capitals, hyphens and apostrophes. Every page of the
form is scanned, instructions included, under one scanner profile (`PROFILES`). Tuning and measuring use different
seeds (see bench/unseen.py).

    python tools/type_forms.py SCHEMA.yaml FORM.pdf OUT_DIR [--path viewer|typed] [--profiles clean,dark,...]
                               [--seed N] [--count N]

writes OUT_DIR/<stem>-<path>-<profile>-NN.(tif|pdf) and OUT_DIR/.truth.json (the truth format of
tools/make_samples.py, one instance per document: the pages that hold its fields).
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
from datetime import date, timedelta
from pathlib import Path

import cv2
import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GIVEN = ["Éric", "Émilie", "Élise", "Ève", "Étienne", "Édouard", "Hélène", "Geneviève", "Amélie", "Chloé",
         "François", "Jérôme", "Zoé", "Noémie", "Anaïs", "Benoît", "Maëlle", "Josée", "Réjean", "Gaëtan",
         "Jean-François", "Marie-Ève", "Anne-Sophie", "Pierre-Luc", "Olivier", "Camille", "Thérèse", "Cédric"]
SURNAMES = ["Bélanger", "Côté", "Gagné", "Lévesque", "Pelletier", "Tremblay", "D'Amours", "O'Neill", "Lefèvre",
            "Désilets", "Hébert", "Théberge", "Séguin", "Ouellet", "Giroux-Leduc", "St-Pierre", "Boisvert",
            "Émond", "Éthier", "Bérubé", "L'Heureux", "Dionne", "Fréchette", "Nadeau-Côté"]
PLACES = ["Québec", "Lévis", "Saguenay", "Trois-Rivières", "Saint-Jérôme", "Sept-Îles", "Rivière-du-Loup",
          "Montréal", "Chicoutimi", "Baie-Comeau", "Val-d'Or", "Gaspé", "Rouyn-Noranda", "Île-Perrot",
          "Sainte-Anne-des-Monts", "Lyon", "Besançon", "Saint-Étienne", "Nîmes", "Orléans"]
STREETS = ["boulevard de l'Église", "rue de l'Hôtel-de-Ville", "avenue Cartier", "chemin du Lac-Écho",
           "rue Saint-Étienne", "boulevard René-Lévesque Est", "rue des Érables", "place D'Youville",
           "avenue Émile-Zola", "rue Sainte-Thérèse"]
WORDS = ["Électricité", "Hôpital", "Équipement", "Société", "Coopérative", "Fédération", "Réseau", "Éducation",
         "Théâtre", "Bibliothèque", "Économie", "Forêt", "Île", "Été", "Août", "Prêt", "Dépôt"]

PATHS = ("viewer", "typed")
# name: (dpi, steps); every profile but `clean` counts as degraded
PROFILES: dict[str, tuple[int, tuple[str, ...]]] = {
    "clean": (300, ()),
    "scan240": (240, ("tilt", "grain")),
    "dark": (300, ("dark", "tilt", "grain")),
    "light": (300, ("light", "grain")),
    "jpeg40": (200, ("tilt", "grain", "jpeg40")),
    "bleed": (300, ("bleed", "grain")),
    "stamp": (300, ("stamp", "tilt")),
    "highlight": (300, ("highlight", "grain")),
    "fax": (200, ("tilt", "bitonal")),
}


# ------------------------------------------------------------------------------------------------- values


def _luhn(length: int, rng: random.Random) -> str:
    digits = [rng.randint(0, 9) for _ in range(length - 1)]
    for last in range(10):
        total = 0
        for i, d in enumerate(reversed(digits + [last])):
            d = d * 2 if i % 2 else d
            total += d - 9 if d > 9 else d
        if total % 10 == 0:
            return "".join(map(str, digits + [last]))
    raise AssertionError


def _texts(rng: random.Random) -> list[str]:
    """Candidate texts for a free text field, short to long."""
    given, surname, place = rng.choice(GIVEN), rng.choice(SURNAMES), rng.choice(PLACES)
    return [surname, place, f"{given} {surname}", f"{rng.randint(2, 9899)}, {rng.choice(STREETS)}",
            f"{rng.choice(WORDS)} de {place}", f"{given} {surname}, {place}"]


def value_for(f: dict, rng: random.Random, fits, date_order: str) -> tuple[str | bool, object]:
    """(what is typed, the value the record should hold) for field `f`; `fits(text)` says whether it fits."""
    t = f.get("type", "text")
    limit = f.get("max_length") or f.get("comb")
    pattern = f.get("pattern") or ""
    if t in ("checkbox",):
        v = rng.random() < 0.5
        return v, v
    if t == "radio":
        v = rng.choice(f["options"])["value"]
        return v, v
    if t in ("siret", "siren") or pattern == r"^(\d{9}|\d{14})$":
        v = _luhn({"siret": 14, "siren": 9}.get(t) or (14 if (limit or 14) >= 14 else 9), rng)
        return v, v
    if pattern == r"^\d{5}$":
        v = f"{rng.randint(1000, 95999):05d}"
        return v, v
    if t == "date":
        d = date(1950, 1, 1) + timedelta(days=rng.randrange(27000))
        fmt = "%m/%d/%Y" if date_order == "mdy" else "%d/%m/%Y"
        if f.get("comb") and f["comb"] != 10:
            fmt = fmt.replace("/", "")
        return d.strftime(fmt), d.isoformat()
    if t == "integer" or pattern == r"^\d+$":
        n = min(limit or 4, 4)
        v = str(rng.randint(10 ** (n - 1) if n > 1 else 1, 10 ** n - 1))
        return v, (int(v) if t == "integer" else v)
    if t in ("decimal", "money"):
        v = round(rng.uniform(5, 9000), 2)
        return f"{v:.2f}", v
    if t == "email":
        v = f"{rng.choice(['marie', 'eric', 'jf', 'chloe'])}.{rng.choice(['cote', 'belanger', 'hebert'])}@exemple.qc.ca"
        return v, v
    if f.get("comb"):  # letters, digits and the hyphens people type in boxes
        n = min(f["comb"], 9)
        chars = [rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(n)]
        if n >= 7 and rng.random() < 0.5:
            chars[2] = chars[n - 3] = "-"
        v = "".join(chars)
        return v, v
    if limit and limit <= 4:
        v = str(rng.randint(1, 10 ** min(limit, 3) - 1))
        return v, v
    fitting = [s for s in _texts(rng) if fits(s) and (not limit or len(s) <= limit)]
    v = rng.choice(fitting[-3:]) if fitting else str(rng.randint(1, 99))
    return v, v


# ------------------------------------------------------------------------------------------------ filling


def _fonts(rng: random.Random) -> str:
    """A font for one document: a standard PDF font, or a TrueType font of this machine (registered once)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    names = ["Helvetica", "Times-Roman", "Courier"]
    for path in ("dejavu/DejaVuSans.ttf", "dejavu/DejaVuSerif.ttf", "dejavu/DejaVuSansCondensed.ttf",
                 "liberation/LiberationSans-Regular.ttf", "liberation/LiberationSerif-Regular.ttf",
                 "liberation/LiberationMono-Regular.ttf"):
        full = Path("/usr/share/fonts/truetype") / path
        if full.exists():
            name = full.stem
            if name not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont(name, str(full)))
            names.append(name)
    return rng.choice(names)


def _values(schema: dict, rng: random.Random, font: str, size: float) -> tuple[dict, dict]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    typed, truth = {}, {}
    for f in schema["fields"]:
        x0, _, x1, _ = f["zone"]
        fits = (lambda s, w=x1 - x0: stringWidth(s, font, size) <= w - 5)  # noqa: E731
        typed[f["name"]], truth[f["name"]] = value_for(f, rng, fits, schema.get("date_order", "dmy"))
    return typed, truth


def typed_pdf(form: Path, schema: dict, typed: dict, rng: random.Random, font: str, size: float) -> bytes:
    """The form flattened (its fields removed: the printed page) with the values typed over it."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject
    from reportlab.pdfgen import canvas

    reader = PdfReader(str(form))
    writer = PdfWriter(clone_from=reader)
    tick_font, tick = rng.choice([("ZapfDingbats", "4"), ("ZapfDingbats", "8"), ("Helvetica", "X")])
    tick_scale = rng.uniform(0.5, 0.95)
    for pno, page in enumerate(writer.pages, start=1):
        if "/Annots" in page:
            del page[NameObject("/Annots")]
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        left, bottom = float(page.mediabox.left), float(page.mediabox.bottom)
        buf = io.BytesIO()
        c = canvas.Canvas(buf, pagesize=(max(width, width + left), max(height, height + bottom)))
        c.translate(left, bottom)  # zones are measured from the media box, which need not start at 0 (modèle 160)
        for f in schema["fields"]:
            if f.get("page", 1) != pno:
                continue
            v = typed[f["name"]]
            if f.get("type") == "radio":
                boxes = [o["zone"] for o in f["options"] if o["value"] == v]
                v = True
            else:
                boxes = [f["zone"]]
            for x0, y0, x1, y1 in boxes:
                w, h = x1 - x0, y1 - y0
                if v is True:
                    s = tick_scale * min(w, h) * 1.1
                    c.setFont(tick_font, s)
                    c.drawCentredString((x0 + x1) / 2, height - (y0 + y1) / 2 - s * 0.35, tick)
                elif isinstance(v, str) and v:
                    s = min(size, 0.82 * h) if h < 30 else size
                    c.setFont(font, s)
                    base = height - y1 + (h - s * 0.72) / 2 if h < 30 else height - y0 - s * 1.1
                    base += rng.uniform(-0.6, 0.6)
                    if f.get("comb"):
                        cell = w / f["comb"]
                        for i, ch in enumerate(v[: f["comb"]]):
                            c.drawCentredString(x0 + cell * (i + 0.5), base, ch)
                    else:
                        c.drawString(x0 + rng.uniform(1.5, 4.0), base, v)
        c.showPage()
        c.save()
        page.merge_page(PdfReader(buf).pages[0])
    if "/AcroForm" in writer._root_object:
        del writer._root_object[NameObject("/AcroForm")]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def viewer_pdf(form: Path, schema: dict, typed: dict, unticked: set[str]) -> bytes:
    """The values written into the AcroForm only, with no appearance for text: the viewer draws them. Boxes that
    no viewer can show ticked are left off, and named in `unticked`."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    from pipeline.inputs.formfields import widget_annotations

    reader = PdfReader(str(form))
    writer = PdfWriter(clone_from=reader)
    by_field = {f["pdf_field"]: (f, typed[f["name"]]) for f in schema["fields"] if f.get("pdf_field")}
    for a, q in widget_annotations(writer.pages):
        if q not in by_field:
            continue
        f, v = by_field[q]
        holder = a if "/T" in a else a["/Parent"].get_object()
        states = [str(k) for k in ((a.get("/AP") or {}).get("/N") or {}).keys()]
        if isinstance(v, bool) or f.get("type") == "radio":
            on = next((s for s in states if s != "/Off"), None)
            if on == "/N":  # a malformed appearance (the W-9's first box): no viewer draws it ticked
                on = None
                if v is True:
                    unticked.add(f["name"])
            want = (v is True) if isinstance(v, bool) else (on is not None and on.lstrip("/") == v)
            if want and on:
                a[NameObject("/AS")] = NameObject(on)
                holder[NameObject("/V")] = NameObject(on)
            else:
                a[NameObject("/AS")] = NameObject("/Off")
        elif v:
            holder[NameObject("/V")] = TextStringObject(v)
            if "/AP" in a:
                del a[NameObject("/AP")]
    writer.set_need_appearances_writer(True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# ------------------------------------------------------------------------------------------------ scanning


def scan(page: np.ndarray, steps: tuple[str, ...], dpi: int, rng: random.Random, back: np.ndarray | None,
         zones: list[tuple[float, float, float, float]]) -> np.ndarray:
    """One rendered page (gray) as a scanner of this profile gives it."""
    nprng = np.random.default_rng(rng.randrange(2**31))
    ink = 255.0 - page.astype(np.float32)
    paper, strength = rng.uniform(238, 250), rng.uniform(0.85, 0.97)
    if "dark" in steps:
        paper, strength = rng.uniform(185, 205), 1.0
    if "light" in steps:
        strength = rng.uniform(0.45, 0.6)
    out = paper - ink * strength * paper / 255
    k = dpi / 72
    if "bleed" in steps and back is not None:
        mirrored = cv2.resize(back[:, ::-1], (out.shape[1], out.shape[0]))
        out -= (255.0 - mirrored.astype(np.float32)) * rng.uniform(0.12, 0.22)
    if zones and "highlight" in steps:
        x0, y0, x1, y1 = rng.choice(zones)
        out[int(y0 * k) - 3:int(y1 * k) + 3, int(x0 * k) - 10:int(x1 * k) + 10] *= rng.uniform(0.78, 0.86)
    if zones and "stamp" in steps:
        x0, y0, x1, y1 = rng.choice(zones)
        cx, cy = int((x0 + rng.uniform(0.3, 0.9) * (x1 - x0)) * k), int((y0 + y1) / 2 * k)
        r = int(rng.uniform(0.35, 0.5) * 72 / 2.54 * k)  # a round stamp about 2 cm across
        stamp = np.zeros(out.shape, np.uint8)
        cv2.circle(stamp, (cx, cy), r, 1, max(2, int(0.8 * k)))
        cv2.circle(stamp, (cx, cy), int(r * 0.78), 1, max(1, int(0.4 * k)))
        cv2.putText(stamp, "RECU", (cx - int(r * 0.6), cy + int(r * 0.15)), cv2.FONT_HERSHEY_SIMPLEX,
                    r / 60, 1, max(1, int(0.5 * k)))
        out -= stamp.astype(np.float32) * rng.uniform(70, 110)
    if "tilt" in steps:
        h, w = out.shape
        m = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-1.2, 1.2), 1.0)
        m[:, 2] += (rng.uniform(-0.05, 0.05) * dpi, rng.uniform(-0.05, 0.05) * dpi)
        out = cv2.warpAffine(out, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=paper)
    if "grain" in steps or "bitonal" in steps:
        out = cv2.GaussianBlur(out, (3, 3), rng.uniform(0.3, 0.7))
        out += nprng.normal(0, rng.uniform(3, 7), out.shape)
    out = np.clip(out, 0, 255).astype(np.uint8)
    if "bitonal" in steps:
        out = np.where(out < rng.uniform(135, 165), 0, 255).astype(np.uint8)
    return out


def save(images: list[np.ndarray], steps: tuple[str, ...], dpi: int, path: Path) -> Path:
    from PIL import Image

    frames = [Image.fromarray(im) for im in images]
    if "jpeg40" in steps:  # a scanner that writes a PDF of JPEG pages
        path = path.with_suffix(".pdf")
        frames[0].save(path, save_all=True, append_images=frames[1:], resolution=dpi, quality=40)
        return path
    path = path.with_suffix(".tif")
    if "bitonal" in steps:
        frames = [f.convert("1", dither=Image.Dither.NONE) for f in frames]
    frames[0].save(path, save_all=True, append_images=frames[1:],
                   compression="group4" if "bitonal" in steps else "tiff_deflate", dpi=(dpi, dpi))
    return path


def write_document(form: Path, schema: dict, fill: str, profile: str, rng: random.Random, folder: Path,
                   name: str) -> dict:
    """Fill `form` one way, scan every page under one profile, save it; its truth entry."""
    from pipeline.inputs import pdfium

    font, size = _fonts(rng), rng.uniform(8.5, 11.5)
    typed, truth = _values(schema, rng, font, size)
    unticked: set[str] = set()
    pdf = typed_pdf(form, schema, typed, rng, font, size) if fill == "typed" else \
        viewer_pdf(form, schema, typed, unticked)
    truth.update({name: False for name in unticked})
    dpi, steps = PROFILES[profile]
    from pypdf import PdfReader

    count = len(PdfReader(io.BytesIO(pdf)).pages)
    rendered = [pdfium.render(pdf, i, dpi, max_pixels=10**9, forms=fill == "viewer") for i in range(count)]
    images = []
    for i, page in enumerate(rendered):
        zones = [tuple(f["zone"]) for f in schema["fields"] if f.get("page", 1) == i + 1
                 and f.get("type", "text") not in ("checkbox", "radio")]
        back = rendered[i + 1] if i + 1 < count else rendered[i - 1] if count > 1 else page
        images.append(scan(page, steps, dpi, rng, back, zones))
    path = save(images, steps, dpi, folder / name)
    pages = sorted({f.get("page", 1) for f in schema["fields"]})
    return {"source": path.name, "pages": pages, "procedure": schema["procedure"], "kind": profile,
            "fill": fill, "font": font, "fields": truth}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("schema", type=Path)
    ap.add_argument("form", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--path", choices=PATHS, default="typed")
    ap.add_argument("--profiles", default=",".join(PROFILES))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=1)
    args = ap.parse_args(argv)
    schema = yaml.safe_load(args.schema.read_text(encoding="utf-8"))
    rng = random.Random(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    truth_path = args.out / ".truth.json"
    truth = json.loads(truth_path.read_text()) if truth_path.exists() else []
    for i in range(args.count):
        for profile in args.profiles.split(","):
            truth.append(write_document(args.form, schema, args.path, profile, rng, args.out,
                                        f"{args.form.stem}-{args.path}-{profile}-{args.seed}-{i:02d}"))
    truth_path.write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
