#!/usr/bin/env python3
"""A second way to fill real forms and scan them, sharing nothing with tools/fill_forms.py but the schema it
follows, so that benchmarks stop measuring one fill tool:

- `viewer`: the values written into the AcroForm only (`/V`, `/AS`, no appearance of text fields,
  `NeedAppearances`), drawn by PDFium as a viewer draws a filled form it opens;
- `typed`: the form's fields removed (a flattened, printed form) and the values typed onto the page, one font and
  size per document (Helvetica, Times, Courier and the TrueType fonts this machine has: DejaVu, Liberation),
  boxes ticked with a check mark, a cross or an X of several sizes, comb fields one character per box;
- `hand`: the form printed blank and the values written on it by hand (`Hand`: a handwriting font of Debian's, each
  character drawn on its own with its own turn, rise and spacing, one slant, ink and pen per document, capitals in
  four documents of ten), boxes ticked with a drawn check mark or cross. Used by bench/handprint.py.

Values are Québec and French names and places with accents on capitals, hyphens and apostrophes. Every page of the
form is scanned, instructions included, under one scanner profile (`PROFILES`). Tuning and measuring use different
seeds (see bench/unseen.py).

    python tools/type_forms.py SCHEMA.yaml FORM.pdf OUT_DIR [--path viewer|typed|hand] [--profiles clean,...]
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


DATE_FORMATS = {"dmy": "%d/%m/%Y", "mdy": "%m/%d/%Y", "ymd": "%Y-%m-%d"}


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
        fmt = DATE_FORMATS[f.get("date_order") or date_order]  # as the field asks, else the form
        if f.get("comb") and f["comb"] != 10:
            fmt = fmt.replace("/", "").replace("-", "")
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


def _string_width(s: str, font: str, size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return stringWidth(s, font, size)


def _values(schema: dict, rng: random.Random, width, size: float) -> tuple[dict, dict]:
    """Values for every field, each fitting its zone; `width(text, size)` is how wide the text comes out."""
    typed, truth = {}, {}
    for f in schema["fields"]:
        x0, _, x1, _ = f["zone"]
        fits = (lambda s, w=x1 - x0: width(s, size) <= w - 5)  # noqa: E731
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


# ------------------------------------------------------------------------------------------------ by hand

# Debian's handwriting fonts (fonts-dkg-handwriting, fonts-breip, fonts-humor-sans, fonts-bwht,
# fonts-comic-neue): kept out of any training or tuning of a reader, so that a bench on them stays independent.
HAND_FONTS = ("truetype/fifthhorseman/dkg.ttf", "truetype/fifthhorseman/dkgIt.ttf", "truetype/breip/Breip.ttf",
              "truetype/humor-sans/Humor-Sans.ttf",
              "opentype/bwht/BecauseWeBuild-Regular.otf", "opentype/bwht/BecauseWeConnect-Regular.otf",
              "opentype/bwht/BecauseWeCreate-Regular.otf", "opentype/bwht/BecauseWeLearn-Regular.otf",
              "opentype/bwht/BecauseWeMentor-Regular.otf", "opentype/bwht/BecauseWeOrganize-Regular.otf",
              "opentype/comic-neue/ComicNeue-Regular.otf")


def hand_fonts() -> list[Path]:
    """The handwriting fonts this machine has (`bash scripts/bootstrap.sh --bench` installs them)."""
    return [Path("/usr/share/fonts") / p for p in HAND_FONTS if (Path("/usr/share/fonts") / p).exists()]


class Hand:
    """One person's hand print: a font, a size, a slant, an ink, a pen; each character drawn on its own with its
    own small turn, rise and spacing, and the accents a font lacks drawn as strokes, as people write them."""

    def __init__(self, font: Path, dpi: int, rng: random.Random):
        from fontTools.ttLib import TTFont
        from PIL import ImageFont

        self.path, self.k, self.rng = font, dpi / 72, rng
        self.cmap = set(TTFont(str(font)).getBestCmap())
        self.size = rng.uniform(10, 13.5)  # points
        self.slant = rng.uniform(-0.12, 0.22)  # forward slant is the common one
        self.ink = rng.uniform(10, 70)
        self.pen = rng.choice([0, 0, 1])  # a wider pen: the strokes dilated by a pixel
        self.tick = rng.choice(["check", "check", "cross"])
        # In capitals, as forms ask ("en majuscules"); BWHT and Humor Sans draw small letters as small capitals.
        self.capitals = font.parent.name in ("bwht", "humor-sans") or rng.random() < 0.4
        self._fonts: dict[int, ImageFont.FreeTypeFont] = {}
        self.font_for = lambda px: self._fonts.setdefault(px, ImageFont.truetype(str(font), px))

    def width(self, text: str, points: float) -> float:
        """How wide `text` may come out at `points`: the font's advance, and the hand's spacing at its widest."""
        f = self.font_for(max(4, round(points * 4)))
        return f.getlength(text) / 4 * 1.1

    def write(self, ink: np.ndarray, zone: tuple[float, ...], text: str, comb: int | None) -> None:
        x0, y0, x1, y1 = (c * self.k for c in zone)
        h = y1 - y0
        px = min(self.size * self.k, 0.78 * h) if h < 30 * self.k else self.size * self.k
        font = self.font_for(max(6, int(px)))
        base = y1 - 0.22 * h if h < 30 * self.k else y0 + px * 1.15
        if comb:
            cell = (x1 - x0) / comb
            for i, ch in enumerate(text[:comb]):
                w = font.getlength(ch)
                self._glyph(ink, font, ch, x0 + cell * (i + 0.5) - w / 2 + self.rng.uniform(-0.08, 0.08) * cell,
                            base + self.rng.uniform(-0.05, 0.05) * px)
            return
        x = x0 + self.rng.uniform(1.5, 4.0) * self.k
        for ch in text:
            self._glyph(ink, font, ch, x, base + self.rng.uniform(-0.04, 0.04) * px)
            x += font.getlength(ch if ord(ch) in self.cmap else _bare(ch)) * self.rng.uniform(0.96, 1.1)

    def _glyph(self, ink: np.ndarray, font, ch: str, x: float, base: float) -> None:
        from PIL import Image, ImageDraw

        bare = ch if ord(ch) in self.cmap else _bare(ch)
        asc, desc = font.getmetrics()
        pad = int(asc * 0.6)
        w = int(font.getlength(bare)) + 2 * pad
        img = Image.new("L", (max(1, w), asc + desc + 2 * pad), 0)
        ImageDraw.Draw(img).text((pad, pad + asc), bare, font=font, fill=255, anchor="ls")
        mask = np.asarray(img, np.float32) / 255
        if bare != ch:
            _accent(mask, ch, pad, pad + asc, font.getlength(bare), asc, self.k)
        oy = pad + asc  # the baseline's left end: the glyph turns and slants about it
        turn = cv2.getRotationMatrix2D((pad, oy), self.rng.uniform(-4, 4), self.rng.uniform(0.94, 1.06))
        shear = np.float32([[1, -self.slant, self.slant * oy], [0, 1, 0], [0, 0, 1]])
        m = (np.vstack([turn, [0, 0, 1]]) @ shear)[:2]
        mask = cv2.warpAffine(mask, m, (mask.shape[1], mask.shape[0]), flags=cv2.INTER_LINEAR)
        if self.pen:
            mask = cv2.dilate(mask, np.ones((2, 2), np.uint8))
        _paste(ink, mask, int(round(x)) - pad, int(round(base)) - oy)

    def tick_box(self, ink: np.ndarray, zone: tuple[float, ...]) -> None:
        x0, y0, x1, y1 = (c * self.k for c in zone)
        w, h = x1 - x0, y1 - y0
        j = lambda: self.rng.uniform(-0.06, 0.06)  # noqa: E731
        if self.tick == "check":
            strokes = [[(0.15 + j(), 0.55 + j()), (0.42 + j(), 0.88 + j()), (0.92 + j(), 0.05 + j())]]
        else:
            strokes = [[(0.12 + j(), 0.12 + j()), (0.88 + j(), 0.88 + j())],
                       [(0.88 + j(), 0.12 + j()), (0.12 + j(), 0.88 + j())]]
        mask = np.zeros(ink.shape, np.uint8)
        for s in strokes:
            pts = np.int32([[x0 + u * w, y0 + v * h] for u, v in s])
            cv2.polylines(mask, [pts], False, 255, max(2, int(0.09 * min(w, h)) + self.pen), cv2.LINE_AA)
        np.maximum(ink, mask.astype(np.float32) / 255, out=ink)


def _bare(ch: str) -> str:
    import unicodedata

    return {"œ": "oe", "Œ": "OE"}.get(ch) or unicodedata.normalize("NFD", ch)[0]


def _accent(mask: np.ndarray, ch: str, x: int, base: int, width: float, asc: int, k: float) -> None:
    """The mark of an accented letter the font lacks, drawn as a hand draws it: above a capital's or a small
    letter's top, or a cedilla below."""
    import unicodedata

    marks = unicodedata.normalize("NFD", ch)[1:]
    rows = np.flatnonzero((mask[:, int(x):int(x + width) + 1] > 0.5).any(axis=1))
    top = (rows[0] if rows.size else base - 0.7 * asc) - 0.12 * asc  # above the letter as drawn
    cx, t = x + width / 2, max(1, int(0.5 * k))
    a = max(3, int(0.16 * asc))
    canvas = (mask * 255).astype(np.uint8)
    for mark in marks:
        y = int(top - 0.35 * a)
        if mark == "\u0301":  # acute
            cv2.line(canvas, (int(cx - a * 0.3), y + a // 2), (int(cx + a * 0.4), y - a // 2), 255, t, cv2.LINE_AA)
        elif mark == "\u0300":  # grave
            cv2.line(canvas, (int(cx - a * 0.4), y - a // 2), (int(cx + a * 0.3), y + a // 2), 255, t, cv2.LINE_AA)
        elif mark == "\u0302":  # circumflex
            hat = np.int32([[cx - a * 0.5, y + a // 2], [cx, y - a // 2], [cx + a * 0.5, y + a // 2]])
            cv2.polylines(canvas, [hat], False, 255, t, cv2.LINE_AA)
        elif mark == "\u0308":  # diaeresis
            for dx in (-0.35, 0.35):
                cv2.circle(canvas, (int(cx + dx * a), y), max(1, t), 255, -1, cv2.LINE_AA)
        elif mark == "\u0327":  # cedilla
            hook = np.int32([[cx, base], [cx + a * 0.3, base + a * 0.5], [cx - a * 0.2, base + a * 0.8]])
            cv2.polylines(canvas, [hook], False, 255, t, cv2.LINE_AA)
    mask[:] = canvas.astype(np.float32) / 255


def _paste(ink: np.ndarray, mask: np.ndarray, x: int, y: int) -> None:
    """`mask` laid on the page's ink coverage at (x, y), clipped to the page."""
    H, W = ink.shape
    h, w = mask.shape
    a0, b0, a1, b1 = max(0, y), max(0, x), min(H, y + h), min(W, x + w)
    if a1 > a0 and b1 > b0:
        part = ink[a0:a1, b0:b1]
        np.maximum(part, mask[a0 - y:a1 - y, b0 - x:b1 - x], out=part)


def hand_page(page: np.ndarray, fields: list[dict], typed: dict, hand: Hand) -> np.ndarray:
    """A rendered blank page (gray, at the hand's dpi) with the values of its fields written by `hand`."""
    ink = np.zeros(page.shape, np.float32)
    for f in fields:
        v = typed[f["name"]]
        if f.get("type") == "radio":
            for o in f["options"]:
                if o["value"] == v:
                    hand.tick_box(ink, o["zone"])
        elif v is True:
            hand.tick_box(ink, f["zone"])
        elif isinstance(v, str) and v:
            hand.write(ink, f["zone"], v, f.get("comb"))
    return np.clip(page * (1 - ink) + hand.ink * ink, 0, 255).astype(np.uint8)


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
                   name: str, hand_font: Path | None = None) -> dict:
    """Fill `form` one way, scan every page under one profile, save it; its truth entry. A `hand` fill writes in
    `hand_font`, or one of `hand_fonts()` drawn at random."""
    from pipeline.inputs import pdfium

    dpi, steps = PROFILES[profile]
    unticked: set[str] = set()
    if fill == "hand":
        hand = Hand(hand_font or rng.choice(hand_fonts()), dpi, rng)
        font = hand.path.stem
        typed, truth = _values(schema, rng, hand.width, hand.size)
        kinds = {f["name"]: f.get("type", "text") for f in schema["fields"]}
        for key, v in typed.items():
            if hand.capitals and isinstance(v, str) and truth[key] == v and kinds[key] not in ("email", "radio"):
                typed[key] = truth[key] = v.upper()
        pdf = typed_pdf(form, schema, {f["name"]: "" for f in schema["fields"]}, rng, "Helvetica", 10)  # blank
    else:
        font, size = _fonts(rng), rng.uniform(8.5, 11.5)
        typed, truth = _values(schema, rng, lambda s, points: _string_width(s, font, points), size)
        pdf = typed_pdf(form, schema, typed, rng, font, size) if fill == "typed" else \
            viewer_pdf(form, schema, typed, unticked)
    truth.update({name: False for name in unticked})
    from pypdf import PdfReader

    count = len(PdfReader(io.BytesIO(pdf)).pages)
    rendered = [pdfium.render(pdf, i, dpi, max_pixels=10**9, forms=fill == "viewer") for i in range(count)]
    if fill == "hand":
        rendered = [hand_page(page, [f for f in schema["fields"] if f.get("page", 1) == i + 1], typed, hand)
                    for i, page in enumerate(rendered)]
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
    ap.add_argument("--path", choices=PATHS + ("hand",), default="typed")
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
