"""Import a fillable PDF form (AcroForm) as a working schema.

One schema field per form field: its zone from the widget rectangle, checkboxes as checkbox fields, radio groups
with one zone per option, comb fields (MaxLen + comb flag) recorded with their number of boxes, choice fields as
enums. Readable names come from the tooltip (/TU) or the partial name; the fully qualified name is kept as
`pdf_field`. Types are guessed from names and tooltips where clear (dates, postal codes, amounts, e-mail,
counts). Identification keywords are the form's printed title and number. The template is the blank form,
keeping only the pages that hold fields.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import yaml

from ..errors import InputPathError
from ..inputs.formfields import (
    FF_COMB,
    FF_MULTILINE,
    FF_PUSHBUTTON,
    Widget,
    inherited,
    widgets,
)
from .fields import without_accents

DIGITS = "0123456789"
FR_POSTAL_CODE, DIGITS_ONLY, SIREN_OR_SIRET = r"^\d{5}$", r"^\d+$", r"^(\d{9}|\d{14})$"  # patterns of digit fields


def slug(text: str) -> str:
    text = re.sub(r"\[\d+\]", "", text)
    text = re.sub(r"([a-z])([A-Z])", r"\1_\2", text)
    s = re.sub(r"[^a-z0-9]+", "_", without_accents(text).lower()).strip("_")
    if not s or not s[0].isalpha():
        s = f"f_{s}" if s else "field"
    return s[:48].rstrip("_")


# The date masks a form prints or tells in a field's tooltip, and the order each asks for: "(aaaa-mm-jj)",
# "JJ/MM/AAAA", "mm/dd/yyyy"
_SEP = r" ?[-/.]? ?"
DATE_MASKS = ((rf"\b(aaaa|yyyy){_SEP}mm{_SEP}(jj|dd)\b", "ymd"),
              (rf"\b(jj|dd){_SEP}mm{_SEP}(aaaa|yyyy|aa|yy)\b", "dmy"),
              (rf"\bmm{_SEP}(jj|dd){_SEP}(aaaa|yyyy|aa|yy)\b", "mdy"))


def asked_date_order(text: str) -> str | None:
    """The order of a date whose field says how to write it ("Date de naissance (aaaa-mm-jj)": "ymd"), or None."""
    t = without_accents(text).lower()
    return next((order for mask, order in DATE_MASKS if re.search(mask, t)), None)


def guess_type(name: str, tooltip: str, country: str) -> tuple[str, dict[str, Any]]:
    """(type, extra keys) from what the form says of the field; text when it is not clear. A date whose order the
    form asks for (`asked_date_order`) keeps it."""
    t = f" {without_accents(name + ' ' + tooltip).lower().replace('_', ' ')} "
    order = asked_date_order(t)
    if order or re.search(r"\b(date|dat|jj ?/ ?mm|dd ?/ ?mm|mm ?/ ?dd)\b", t) or "naissance" in t and "lieu" not in t:
        return "date", {"date_order": order} if order else {}
    if "postal" in t or re.search(r"\bzip\b", t):
        if country == "CA":
            return "postal_code", {}
        if country == "FR":
            return "text", {"pattern": FR_POSTAL_CODE}
    if "siret" in t and "siren" in t:  # "le numéro SIREN (9 chiffres) ou SIRET (14 chiffres)"
        return "text", {"pattern": SIREN_OR_SIRET}
    if "siret" in t:  # numSIRET
        return "siret", {}
    if "siren" in t:
        return "siren", {}
    if re.search(r"\b(courriel|e-?mail|mel)\b", t):
        return "email", {}
    if re.search(r"\b(en toutes lettres|en lettres|in words)\b", t):  # an amount written out in words
        return "text", {}
    if re.search(r"\b(montant|somme|amount|total|euros?|dollars?)\b|[$€]", t):
        return "decimal", {}
    if re.search(r"\b(nombre|nbre|nb|number of)\b", t):
        return "integer", {}
    return "text", {}


def _country(text: str) -> str:
    t = without_accents(text).lower()
    if "quebec" in t or "canada" in t:
        return "CA"
    if "cerfa" in t or "republique francaise" in t:
        return "FR"
    if "internal revenue service" in t or "department of the treasury" in t:
        return "US"
    return ""


def title_and_number(pdf: bytes) -> tuple[str, str, str]:
    """The printed title (the largest words on page 1, in reading order), the form number, and page 1's text."""
    import pdfplumber

    from ..inputs.load import plumber_bytes

    with pdfplumber.open(io.BytesIO(plumber_bytes(pdf))) as doc:
        page = doc.pages[0].dedupe_chars()  # fake bold: each letter printed twice, slightly offset
        text = page.extract_text() or ""
        words = [w for w in page.extract_words(extra_attrs=["size"])
                 if any(c.isalnum() for c in w["text"]) and not any("\ue000" <= c <= "\uf8ff" for c in w["text"])]
    number = ""
    m = re.search(r"N\s*[°o]\s*(\d{5}\s*\*\s*\d{2})", text, re.IGNORECASE)
    if m:
        number = re.sub(r"\s+", "", m.group(1))
    elif m := re.search(r"\bmod[eè]le\s+(\d[\dA-Z.-]{1,9})\b", text, re.IGNORECASE):
        number = m.group(1)  # "modèle 160" (Luxembourg)
    else:  # a form code printed big: W-9, SQ-2101, or a number printed big (the 1040)
        biggest = max((w["size"] for w in words), default=0)
        codes = [w for w in words if re.fullmatch(r"[A-Z]{1,4}-?\d[\dA-Z-]{0,8}", w["text"])
                 or (re.fullmatch(r"\d{3,5}", w["text"]) and w["size"] >= 0.8 * biggest)]
        if codes:
            number = max(codes, key=lambda w: w["size"])["text"]
    words = [w for w in words if w["text"] != number]
    if not words:
        return "", number, text
    top = max(w["size"] for w in words)
    anchor = min((w for w in words if w["size"] == top), key=lambda w: (w["top"], w["x0"]))
    near = [w for w in words if w["size"] >= min(top * 0.7, 12) and abs(w["top"] - anchor["top"]) < 3 * top]
    near.sort(key=lambda w: (round(w["top"] / (top / 2)), w["x0"]))
    return " ".join(w["text"] for w in near[:8])[:80], number, text


def _language(text: str) -> str:
    t = f" {without_accents(text).lower()} "
    fr = sum(t.count(f" {w} ") for w in ("le", "la", "les", "de", "des", "du", "et", "votre"))
    en = sum(t.count(f" {w} ") for w in ("the", "of", "and", "your", "to", "for"))
    return "fra+eng" if fr >= en else "eng+fra"


def build_schema(pdf_path: Path, procedure: str | None = None) -> tuple[dict[str, Any], bytes, list[str]]:
    """The schema (as data), the template PDF (pages with fields only) and notes about what was skipped."""
    from pypdf import PdfReader, PdfWriter

    try:
        data = pdf_path.read_bytes()
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise InputPathError(str(pdf_path), "PDF is encrypted; import needs an open form")
        found = widgets(reader)
    except InputPathError:
        raise
    except Exception as exc:
        raise InputPathError(str(pdf_path), f"not a readable PDF form ({type(exc).__name__})") from exc
    if not found:
        raise InputPathError(str(pdf_path), "no fillable form fields (AcroForm) found")
    title, number, text = title_and_number(data)
    country = _country(text)
    pages = sorted({w.page for w in found})
    renumber = {p: i for i, p in enumerate(pages, start=1)}
    heights = {p: float(reader.pages[p - 1].mediabox.height) for p in pages}
    widths = {p: float(reader.pages[p - 1].mediabox.width) for p in pages}

    def zone(w: Widget) -> list[float]:
        x0, y0, x1, y1 = w.rect
        h = heights[w.page]
        return [round(max(0.0, x0), 1), round(max(0.0, h - y1), 1), round(min(widths[w.page], x1), 1),
                round(min(h, h - y0), 1)]

    groups: dict[str, list[Widget]] = {}
    for w in found:
        groups.setdefault(w.qualified, []).append(w)
    fields, notes, used = [], [], set()
    for qualified, ws in groups.items():
        w = ws[0]
        if w.kind == "/Btn" and w.flags & FF_PUSHBUTTON:
            continue
        if all(x.hidden for x in ws):
            # Luxembourg's modèle 160 keeps its computed sub-totals in hidden fields: nothing of them is on paper
            notes.append(f"{qualified}: hidden field (never shown nor printed), not read")
            continue
        ws = [x for x in ws if not x.hidden]
        w = ws[0]
        label = w.tooltip.strip() or re.sub(r"\[\d+\]", "", w.partial)
        base = slug(w.tooltip) if w.tooltip and len(w.tooltip) <= 40 else slug(w.partial)
        name, n = base, 2
        while name in used:
            name, n = f"{base}_{n}", n + 1
        used.add(name)
        f: dict[str, Any] = {"name": name, "label": " ".join(label.split())[:120], "pdf_field": qualified,
                             "page": renumber[w.page], "zone": zone(w)}
        if w.kind == "/Btn" and len({x.on_state for x in ws if x.page == w.page}) > 1:
            options = [{"value": (x.on_state or "/1").lstrip("/"), "zone": zone(x)} for x in ws if x.page == w.page]
            xs = [o["zone"] for o in options]
            f["zone"] = [min(z[0] for z in xs), min(z[1] for z in xs), max(z[2] for z in xs), max(z[3] for z in xs)]
            f.update(type="radio", options=options)
        elif w.kind == "/Btn":
            f["type"] = "checkbox"
        elif w.kind == "/Ch" and w.options:
            f.update(type="enum", values=w.options)
        else:
            ftype, extra = guess_type(w.partial, w.tooltip, country)
            if ftype == "date" and w.max_len is not None and w.max_len < 6:  # a day, month or year box
                ftype, extra = "integer", {}
            if ftype in ("siret", "siren") and w.max_len is not None and w.max_len != (14 if ftype == "siret" else 9):
                ftype, extra = "text", {"pattern": DIGITS_ONLY}  # named so, but not of that length: digits, unchecked
            if ftype != "text":
                f["type"] = ftype
            f.update(extra)
            if w.flags & FF_COMB and w.max_len:
                f["comb"] = w.max_len
            elif w.max_len:
                f["max_length"] = w.max_len
            f["ocr"] = {"pad": 1.0}  # a widget is the value's area: read a little beyond it
            if f.get("type") in ("integer", "siret", "siren") or extra.get("pattern") in (FR_POSTAL_CODE, DIGITS_ONLY,
                                                                                          SIREN_OR_SIRET):
                f["ocr"]["whitelist"] = DIGITS  # a doubtful reading is read again knowing it is digits
            if w.flags & FF_MULTILINE:
                f["ocr"]["mode"] = "block"
        fields.append(f)
        if len(ws) > 1 and f.get("type") != "radio":
            notes.append(f"{qualified}: {len(ws)} widgets; the first (page {w.page}) is read")
    stem = f"cerfa {number}" if country == "FR" and re.fullmatch(r"\d{5}\*\d{2}", number or "") else number
    schema = new_schema(procedure, title, number, stem, pdf_path.stem, text, country, fields)
    writer = PdfWriter()
    for p in pages:
        _unticked(writer.add_page(reader.pages[p - 1]))
    if "/AcroForm" in writer._root_object:  # the template is the blank form: no live fields to confuse renderers
        del writer._root_object["/AcroForm"]
    buf = io.BytesIO()
    writer.write(buf)
    return schema, buf.getvalue(), notes


def new_schema(procedure: str | None, title: str, number: str, stem: str, fallback: str, text: str, country: str,
               fields: list[dict[str, Any]]) -> dict[str, Any]:
    """A schema made from a form (imported or proposed): its procedure id from the form's number or title, the
    title and number as identification keywords, the language and date order its text suggests."""
    proc = procedure or slug(stem or title or fallback).replace("_", "-")
    return {
        "procedure": proc,
        "title": title or fallback,
        "version": 1,
        "language": _language(text),
        "date_order": "mdy" if country == "US" else "dmy",
        "identify": {"keywords": [k for k in (title, number) if k] or [fallback], "min_score": 0.5},
        "template": {"file": f"templates/{proc}.pdf"},
        "fields": fields,
    }


def write_files(out_dir: Path, schema: dict[str, Any], template: bytes, head: str) -> Path:
    """The schema as YAML (`head` its comment lines) and its template, where `ingest --schemas` reads them."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "templates").mkdir(exist_ok=True)
    (out_dir / schema["template"]["file"]).write_bytes(template)
    path = out_dir / f"{schema['procedure']}.yaml"
    path.write_text(dump(schema, head), encoding="utf-8")
    return path


def dump(schema: dict[str, Any], head: str = "") -> str:
    """A schema's YAML as demat writes it: keys in order, short lists inline, accents as they are."""
    return head + yaml.dump(schema, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120)


def _unticked(page: Any) -> None:
    """The blank form has no box ticked: a box the PDF ships ticked (the 1040's "self-employed", page 2) is
    turned off in the template, or a tick on the scan would be taken for the form's own print."""
    from pypdf.generic import NameObject

    for annot in page.get("/Annots") or []:
        a = annot.get_object()
        if (a.get("/Subtype") == "/Widget" and str(inherited(a, "/FT") or "") == "/Btn"
                and not int(inherited(a, "/Ff") or 0) & FF_PUSHBUTTON and str(a.get("/AS") or "/Off") != "/Off"):
            a[NameObject("/AS")] = NameObject("/Off")


class _Dumper(yaml.SafeDumper):
    pass


def _flow_lists(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    flow = all(isinstance(x, (int, float)) for x in data) or all(isinstance(x, str) and len(x) < 30 for x in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _flow_lists)


def write_schema(pdf_path: Path, out_dir: Path, procedure: str | None = None) -> tuple[Path, list[str]]:
    schema, template, notes = build_schema(pdf_path, procedure)
    head = (f"# Imported by `demat schema import` from {pdf_path.name}: {len(schema['fields'])} fields.\n"
            "# Zones: [x0, y0, x1, y1] in PDF points from the top-left of the template page.\n")
    return write_files(out_dir, schema, template, head), notes
