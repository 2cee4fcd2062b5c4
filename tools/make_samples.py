#!/usr/bin/env python3
"""Sample generator: blank templates for the example schemas, and filled scans with their ground truth.

    python tools/make_samples.py templates            # (re)draw schemas/templates/*.pdf from the schemas
    python tools/make_samples.py samples [--out DIR]  # the committed sample set + truth.json (default: samples/)
    python tools/make_samples.py batch --out DIR --count N [--seed S] [--kinds clean,skew,noisy,fax,jpeg,lowres]

Values are typed in the boxes (Helvetica, Times or Courier), the page is rendered at 200 or 300 dpi and then
degraded like a real archive scan: skew, shift, noise, blur, JPEG, binarized fax-like TIFF.
Truth is written as JSON: one entry per form instance with its source, pages, procedure and normalized values.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import zipfile
from datetime import date, timedelta
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
import yaml
from PIL import Image
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "schemas"
EXAMPLE_SCHEMAS = ["qc-changement-adresse", "qc-permis-construction", "qc-aide-financiere"]
PAGE_W, PAGE_H = letter

# Decorations of the example forms that are not fields: section headings and notes, (page, y, text).
SECTIONS = {
    "qc-changement-adresse": [
        (1, 135, "1. Identification de la personne"), (1, 255, "2. Ancienne adresse"),
        (1, 375, "3. Nouvelle adresse"), (1, 533, "4. Organismes à aviser de votre nouvelle adresse"),
        (1, 700, "Je déclare que les renseignements fournis sont exacts. Signature : ____________________"),
    ],
    "qc-permis-construction": [
        (1, 135, "1. Demandeur"), (1, 255, "2. Emplacement des travaux"), (1, 325, "3. Description des travaux"),
        (1, 535, "4. Entrepreneur"), (1, 700, "Signature du demandeur : ____________________"),
    ],
    "qc-aide-financiere": [
        (1, 135, "1. Renseignements sur le demandeur"), (1, 255, "2. Adresse du domicile"),
        (1, 375, "3. Situation familiale"),
        (2, 135, "4. Revenus et dépenses"), (2, 245, "5. Biens et avoirs"),
        (2, 400, "J'atteste que les renseignements fournis sont exacts et complets."),
        (2, 700, "Signature : ____________________"),
    ],
}
CODES = {"qc-changement-adresse": "SQ-2101", "qc-permis-construction": "PC-300", "qc-aide-financiere": "AF-0500"}
TRUTH_NAME = ".truth.json"  # a dot file: beside the scans, but not ingested with them
VALUE_FONTS = ["Helvetica", "Times-Roman", "Courier"]


def load_spec(procedure: str) -> dict:
    return yaml.safe_load((SCHEMAS / f"{procedure}.yaml").read_text(encoding="utf-8"))


def page_count(spec: dict) -> int:
    return max(f.get("page", 1) for f in spec["fields"])


# ------------------------------------------------------------------------------------------------ drawing


def _y(top: float) -> float:
    """reportlab's origin is bottom-left; schema zones are top-left."""
    return PAGE_H - top


def draw_page(c: canvas.Canvas, spec: dict, page: int, values: dict | None, font: str = "Helvetica") -> None:
    proc = spec["procedure"]
    pages = page_count(spec)
    c.setFont("Helvetica", 8)
    c.drawString(48, _y(40), "Gouvernement du Québec (formulaire d'exemple)")
    c.setFont("Helvetica-Bold", 11)
    c.drawRightString(564, _y(44), CODES[proc])
    c.setFont("Helvetica-Bold", 17)
    c.drawString(48, _y(72), spec["title"])
    c.setFont("Helvetica", 8)
    c.drawString(48, _y(90), "Écrivez en lettres moulées, à l'encre foncée. Cochez les cases qui s'appliquent.")
    c.drawRightString(564, _y(90), f"Page {page} de {pages}")
    if spec.get("_edition"):
        c.drawString(48, _y(770), spec["_edition"])
    c.setLineWidth(1.5)
    c.line(48, _y(100), 564, _y(100))
    c.setLineWidth(0.8)
    for pg, top, text in SECTIONS.get(proc, []):
        if pg == page:
            c.setFont("Helvetica-Bold" if text[:1].isdigit() else "Helvetica", 10 if text[:1].isdigit() else 9)
            c.drawString(48, _y(top), text)
    for f in spec["fields"]:
        if f.get("page", 1) != page:
            continue
        x0, y0, x1, y1 = f["zone"]
        c.rect(x0, _y(y1), x1 - x0, y1 - y0)
        c.setFont("Helvetica", 7.5)
        if f.get("type") == "checkbox":
            c.drawString(x1 + 5, _y(y1) + 3, f.get("label", f["name"]))
        else:
            c.drawString(x0, _y(y0) + 3, f.get("label", f["name"]))
        if values is None or values.get(f["name"]) in (None, "", False):
            continue
        v = values[f["name"]]
        if f.get("type") == "checkbox":
            c.setLineWidth(1.6)
            c.line(x0 + 2.5, _y(y0 + 2.5), x1 - 2.5, _y(y1 - 2.5))
            c.line(x0 + 2.5, _y(y1 - 2.5), x1 - 2.5, _y(y0 + 2.5))
            c.setLineWidth(0.8)
        elif f.get("ocr", {}).get("mode") == "block":
            c.setFont(font, 10.5)
            for i, line in enumerate(_wrap(str(v), font, 10.5, x1 - x0 - 12)):
                c.drawString(x0 + 6, _y(y0 + 15 + i * 14), line)
        else:
            c.setFont(font, 11.5)
            c.drawString(x0 + 6, _y(y1) + 7, str(v))
    c.showPage()


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, cur = [], ""
    for word in text.split():
        trial = f"{cur} {word}".strip()
        if stringWidth(trial, font, size) <= width or not cur:
            cur = trial
        else:
            lines.append(cur)
            cur = word
    return lines + ([cur] if cur else [])


def lookalike(spec: dict, version: int = 2) -> dict:
    """A new edition of a form, as agencies publish them: same title, code and keywords, its two address
    blocks swapped. Only the layout tells the versions apart."""
    import copy

    out = copy.deepcopy(spec)
    out["version"] = version
    out["_edition"] = f"Édition 2025 - version {version}"
    for f in out["fields"]:
        shift = 120 if f["name"].startswith("ancien") else -120 if f["name"].startswith("nouve") else 0
        x0, y0, x1, y1 = f["zone"]
        f["zone"] = [x0, y0 + shift, x1, y1 + shift]
    return out


def form_pdf(spec: dict, values: dict | None, font: str = "Helvetica") -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter)
    c.setTitle(spec["title"])
    for page in range(1, page_count(spec) + 1):
        draw_page(c, spec, page, values, font)
    c.save()
    return buf.getvalue()


def instructions_pdf() -> bytes:
    """A page of instructions, as archives hold between forms: matches no schema."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter)
    c.setFont("Helvetica-Bold", 15)
    c.drawString(48, _y(72), "Guide pour remplir le formulaire")
    c.setFont("Helvetica", 10)
    text = ("Lisez attentivement chaque section avant de la remplir. Joignez une copie des pièces justificatives "
            "demandées. Un formulaire incomplet peut retarder le traitement de votre dossier. Pour toute question, "
            "communiquez avec le centre de services de votre région durant les heures d'ouverture. ") * 4
    for i, line in enumerate(_wrap(text, "Helvetica", 10, 500)):
        c.drawString(48, _y(110 + i * 15), line)
    c.showPage()
    c.save()
    return buf.getvalue()


def rasterize(pdf_bytes: bytes, dpi: int) -> list[np.ndarray]:
    pdf = pdfium.PdfDocument(pdf_bytes)
    try:
        out = []
        for page in pdf:
            arr = page.render(scale=dpi / 72, grayscale=True).to_numpy()
            out.append(np.ascontiguousarray(arr if arr.ndim == 2 else arr[..., 0]))
        return out
    finally:
        pdf.close()


# -------------------------------------------------------------------------------------------- degradation


def degrade(img: np.ndarray, rng: random.Random, kind: str, dpi: int) -> np.ndarray:
    """Make a rendered page look like an archive scan of the given kind."""
    out = img.astype(np.float32)
    out = 250 - (255 - out) * 0.88  # paper not quite white, ink not quite black
    if kind in ("skew", "noisy", "jpeg", "fax", "lowres"):
        angle = rng.uniform(-3, 3) if kind == "skew" else rng.uniform(-1.5, 1.5)
        shift = (rng.uniform(-0.08, 0.08) * dpi, rng.uniform(-0.08, 0.08) * dpi)
        h, w = out.shape
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0 + rng.uniform(-0.015, 0.015))
        m[:, 2] += shift
        out = cv2.warpAffine(out, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=250)
    nprng = np.random.default_rng(rng.randrange(2**31))
    if kind in ("noisy", "fax"):
        out = cv2.GaussianBlur(out, (3, 3), rng.uniform(0.5, 1.0))
        out += nprng.normal(0, 14 if kind == "noisy" else 8, out.shape)
        specks = nprng.random(out.shape) < 0.0015
        out[specks] = 40
    elif kind in ("skew", "jpeg", "lowres"):
        out += nprng.normal(0, 3, out.shape)
    out = np.clip(out, 0, 255).astype(np.uint8)
    if kind == "fax":
        out = np.where(out < 150, 0, 255).astype(np.uint8)
    return out


def encode(img: np.ndarray, kind: str) -> tuple[bytes, str]:
    """Encode one page as its kind's file format; returns bytes and extension."""
    pil = Image.fromarray(img)
    buf = io.BytesIO()
    if kind == "fax":
        pil.convert("1", dither=Image.Dither.NONE).save(buf, format="TIFF", compression="group4", dpi=(200, 200))
        return buf.getvalue(), ".tif"
    if kind in ("jpeg", "noisy", "skew"):
        pil.save(buf, format="JPEG", quality={"jpeg": 40, "noisy": 55}.get(kind, 65))
        return buf.getvalue(), ".jpg"
    pil.save(buf, format="PNG", optimize=True)
    return buf.getvalue(), ".png"


def encode_multipage(pages: list[np.ndarray], fmt: str, dpi: int) -> bytes:
    buf = io.BytesIO()
    ims = [Image.fromarray(p) for p in pages]
    if fmt == "tiff":
        ims = [im.point(lambda v: 255 if v > 150 else 0).convert("1", dither=Image.Dither.NONE) for im in ims]
        ims[0].save(buf, format="TIFF", save_all=True, append_images=ims[1:], compression="group4", dpi=(dpi, dpi))
    else:
        ims[0].save(buf, format="PDF", save_all=True, append_images=ims[1:], resolution=dpi, quality=60)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------- values

SURNAMES = ["Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie", "Fortin", "Gagné",
            "Ouellet", "Pelletier", "Bélanger", "Lévesque", "Bergeron", "Leblanc", "Paquette", "Girard", "Simard",
            "Boucher", "Caron", "Beaulieu", "Cloutier", "Dubé", "Poirier", "Fournier", "Lapointe", "Nguyen"]
GIVEN = ["Marie", "Jean", "Sophie", "Luc", "Émilie", "François", "Chloé", "Mathieu", "Isabelle", "Olivier",
         "Nathalie", "Étienne", "Julie", "Alexandre", "Geneviève", "Hélène", "Samuel", "Léa", "Gabriel", "Noémie"]
STREETS = ["rue Saint-Denis", "boulevard René-Lévesque", "avenue du Parc", "rue de la Couronne", "chemin Sainte-Foy",
           "rue Principale", "avenue des Érables", "boulevard Laurier", "rue King Ouest", "rue Wellington Nord",
           "rang Saint-Joseph", "rue des Pins"]
CITIES = ["Montréal", "Québec", "Lévis", "Sherbrooke", "Trois-Rivières", "Saguenay", "Gatineau", "Rimouski",
          "Laval", "Longueuil", "Drummondville", "Saint-Jérôme", "Granby", "Rouyn-Noranda"]
BANKS = ["Desjardins", "Banque Nationale", "Banque Royale", "Banque TD", "Banque Laurentienne", "BMO"]
CONTRACTORS = ["Construction Tremblay inc.", "Rénovations Gagnon", "Bâtiments Fortin ltée", "Habitations Morin",
               "Constructions Lavoie et fils"]
DESCRIPTIONS = [
    "Agrandissement de la cuisine vers la cour arrière avec nouvelle fondation en béton",
    "Remplacement complet de la toiture et ajout de deux fenêtres au deuxième étage",
    "Construction d'un garage détaché de deux places avec dalle de béton",
    "Rénovation de la salle de bain et réfection de la plomberie du sous-sol",
    "Démolition de l'ancien cabanon et construction d'une remise en bois",
]
POSTAL_LETTERS = "ABCEGHJKLMNPRSTVXY"


def _postal(rng: random.Random) -> str:
    L = lambda: rng.choice(POSTAL_LETTERS)  # noqa: E731
    return f"{rng.choice('GHJ')}{rng.randint(0, 9)}{L()} {rng.randint(0, 9)}{L()}{rng.randint(0, 9)}"


def _date(rng: random.Random, start: date, days: int) -> date:
    return start + timedelta(days=rng.randrange(days))


def _money(rng: random.Random, lo: int, hi: int) -> tuple[str, float]:
    v = round(rng.uniform(lo, hi), 2)
    whole, cents = divmod(round(v * 100), 100)
    styles = [f"{whole:,}".replace(",", " ") + f",{cents:02d}", f"{whole},{cents:02d} $", f"{whole}.{cents:02d}"]
    return rng.choice(styles), whole + cents / 100


def fake_values(spec: dict, rng: random.Random) -> tuple[dict, dict]:
    """Printed values (what is written on the form) and truth (normalized record values) for a schema."""
    printed: dict = {}
    truth: dict = {}
    nom, prenom = rng.choice(SURNAMES), rng.choice(GIVEN)
    for f in spec["fields"]:
        name, ftype = f["name"], f.get("type", "text")
        text: str | None
        value: object
        if ftype == "checkbox":
            value = rng.random() < 0.5
            text = "X" if value else None
        elif ftype == "date":
            d = _date(rng, date(1950, 1, 1), 18000) if "naissance" in name else _date(rng, date(2018, 1, 1), 2500)
            text, value = rng.choice([d.strftime("%d/%m/%Y"), d.isoformat()]), d.isoformat()
        elif ftype == "decimal":
            if name == "superficie":
                v = round(rng.uniform(8, 250), 1)
                text, value = f"{v}".replace(".", ","), v
            elif name == "autres_revenus" and rng.random() < 0.3:
                text, value = None, None
            else:
                text, value = _money(rng, 200, 2500) if name != "cout_estime" else _money(rng, 5000, 250000)
        elif ftype == "integer":
            v = rng.randint(1000000, 6999999) if name == "numero_lot" else rng.randint(0, 4)
            text, value = (f"{v:,}".replace(",", " ") if name == "numero_lot" else str(v)), v
        elif ftype == "enum":
            value = rng.choice(f["values"])
            text = value
        elif name in ("nom", "nom_demandeur"):
            value = text = nom if name == "nom" else f"{prenom} {nom}"
        elif name == "prenom":
            value = text = prenom
        elif name == "nas":
            value = text = f"{rng.randint(100, 999)} {rng.randint(100, 999)} {rng.randint(100, 999)}"
        elif name == "telephone":
            value = text = f"{rng.choice(['514', '418', '450', '819', '581'])}-555-{rng.randint(0, 9999):04d}"
        elif "code_postal" in name:
            value = text = _postal(rng)
        elif "adresse" in name:
            apt = f", app. {rng.randint(1, 12)}" if rng.random() < 0.3 else ""
            value = text = f"{rng.randint(10, 9999)}, {rng.choice(STREETS)}{apt}"
        elif "ville" in name:
            value = text = rng.choice(CITIES)
        elif name == "courriel":
            value = text = f"{_ascii(prenom)}.{_ascii(nom)}@exemple.qc.ca".lower()
        elif name == "institution":
            value = text = rng.choice(BANKS)
        elif name == "entrepreneur":
            value = text = rng.choice(CONTRACTORS)
        elif name == "licence_rbq":
            value = text = f"{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}-{rng.randint(10, 99)}"
        elif name == "description":
            value = text = rng.choice(DESCRIPTIONS)
        else:
            value = text = f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)}"
        printed[name] = text
        truth[name] = value if text is not None else (False if ftype == "checkbox" else None)
    return printed, truth


def _ascii(s: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", s) if c.isascii() and c.isalnum())


# ----------------------------------------------------------------------------------------------- outputs


def write_templates() -> None:
    for proc in EXAMPLE_SCHEMAS:
        spec = load_spec(proc)
        out = SCHEMAS / spec["template"]["file"]
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(form_pdf(spec, None))
        print(f"wrote {out.relative_to(ROOT)}")


class SampleWriter:
    """Writes sample files and collects their truth entries."""

    def __init__(self, out: Path, seed: int):
        self.out, self.rng, self.truth = out, random.Random(seed), []
        out.mkdir(parents=True, exist_ok=True)

    def filled(self, proc: str) -> tuple[dict, bytes, dict]:
        spec = load_spec(proc)
        printed, truth = fake_values(spec, self.rng)
        return spec, form_pdf(spec, printed, self.rng.choice(VALUE_FONTS)), truth

    def entry(self, source: str, pages: list[int], proc: str, kind: str, truth: dict) -> None:
        self.truth.append({"source": source, "pages": pages, "procedure": proc, "kind": kind, "fields": truth})

    def single(self, proc: str, kind: str, stem: str, dpi: int | None = None) -> Path:
        """One filled form, each page its own scan when the form has one page (multi-page forms: TIFF)."""
        spec, pdf, truth = self.filled(proc)
        dpi = dpi or (200 if kind in ("fax", "lowres", "noisy") else 300)
        pages = [degrade(p, self.rng, kind, dpi) for p in rasterize(pdf, dpi)]
        category = "clean" if kind == "clean" else "degraded"
        if len(pages) == 1:
            data, ext = encode(pages[0], kind)
        else:
            data, ext = encode_multipage(pages, "tiff" if kind == "fax" else "pdf", dpi), (".tif" if kind == "fax" else ".pdf")
        path = self.out / category / f"{stem}{ext}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.entry(str(path.relative_to(self.out)), list(range(1, len(pages) + 1)), proc, category, truth)
        return path

    def save_truth(self) -> None:
        self.truth.sort(key=lambda e: (e["source"], e["pages"][0]))
        (self.out / TRUTH_NAME).write_text(json.dumps(self.truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def write_samples(out: Path, seed: int = 2101) -> None:
    w = SampleWriter(out, seed)
    short = {"qc-changement-adresse": "adresse", "qc-permis-construction": "permis", "qc-aide-financiere": "aide"}
    for proc in EXAMPLE_SCHEMAS:
        for i in range(3):
            w.single(proc, "clean", f"{short[proc]}-{i + 1:02d}", dpi=300 if i < 2 else 200)
        for kind in ("skew", "noisy", "jpeg", "fax"):
            w.single(proc, kind, f"{short[proc]}-{kind}")

    # An archive file with several forms back to back and an instruction page: a multi-page TIFF.
    pages: list[np.ndarray] = []
    for proc in ("qc-changement-adresse", "qc-aide-financiere"):
        spec, pdf, truth = w.filled(proc)
        first = len(pages) + 1
        pages += [degrade(p, w.rng, "lowres", 200) for p in rasterize(pdf, 200)]
        w.entry("degraded/lot-mixte.tif", list(range(first, len(pages) + 1)), proc, "degraded", truth)
        if proc == "qc-changement-adresse":
            pages += [degrade(p, w.rng, "lowres", 200) for p in rasterize(instructions_pdf(), 200)]
    (out / "degraded").mkdir(parents=True, exist_ok=True)
    (out / "degraded" / "lot-mixte.tif").write_bytes(encode_multipage(pages, "tiff", 200))

    # A born-digital PDF (text layer, no scan): read with pdfplumber, no OCR.
    spec, pdf, truth = w.filled("qc-permis-construction")
    (out / "clean" / "permis-numerique.pdf").write_bytes(pdf)
    w.entry("clean/permis-numerique.pdf", [1], "qc-permis-construction", "clean", truth)

    # A zip archive from a clerk's upload: read member by member.
    members = []
    for proc in ("qc-changement-adresse", "qc-permis-construction"):
        spec, pdf, truth = w.filled(proc)
        data, ext = encode(degrade(rasterize(pdf, 300)[0], w.rng, "clean", 300), "clean")
        name = f"envoi/{short[proc]}-zip{ext}"
        members.append((name, data))
        w.entry(f"envoi.zip!{name}", [1], proc, "clean", truth)
    with zipfile.ZipFile(out / "envoi.zip", "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(name, data)
    w.save_truth()
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"wrote {len(w.truth)} form instances to {out} ({size / 1e6:.1f} MB)")


def write_batch(out: Path, count: int, seed: int, kinds: list[str]) -> None:
    """A larger generated set for tests and benchmarks: `count` single forms cycling procedures and kinds."""
    w = SampleWriter(out, seed)
    for i in range(count):
        proc = EXAMPLE_SCHEMAS[i % len(EXAMPLE_SCHEMAS)]
        kind = kinds[(i // len(EXAMPLE_SCHEMAS)) % len(kinds)]
        w.single(proc, kind, f"{i:05d}-{proc}-{kind}")
    w.save_truth()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("templates")
    s = sub.add_parser("samples")
    s.add_argument("--out", type=Path, default=ROOT / "samples")
    s.add_argument("--seed", type=int, default=2101)
    b = sub.add_parser("batch")
    b.add_argument("--out", type=Path, required=True)
    b.add_argument("--count", type=int, default=30)
    b.add_argument("--seed", type=int, default=7)
    b.add_argument("--kinds", default="clean,skew,noisy,jpeg,fax,lowres")
    args = ap.parse_args(argv)
    if args.cmd == "templates":
        write_templates()
    elif args.cmd == "samples":
        write_samples(args.out, args.seed)
    else:
        write_batch(args.out, args.count, args.seed, args.kinds.split(","))
    return 0


if __name__ == "__main__":
    sys.exit(main())
