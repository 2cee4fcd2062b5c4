"""Pictures and machine-readable descriptions of schemas: a preview of every zone over the template page (or over
a scan aligned to it), the schema language as JSON Schema, and the JSON Schema of the records a schema produces."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .reading.templates import WORK_DPI, TemplateCache
from .schemas.schema import LoadedSchema, Schema

COLOURS = {"checkbox": (0, 140, 0), "radio": (0, 140, 0), "signature": (150, 0, 150), "text": (0, 70, 220)}
NUMERIC = {"integer", "decimal", "money"}


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    import reportlab

    vera = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"
    try:
        return ImageFont.truetype(str(vera), size)
    except OSError:
        return ImageFont.load_default()


def preview(schema: LoadedSchema, page: int = 1, scan: np.ndarray | None = None, *, scale: float = 0.5) -> Image.Image:
    """The template page (or `scan`, aligned to it) with every field's zone and name drawn over it."""
    from .inputs.preprocess import deskew
    from .reading.register import align, warp

    templates = TemplateCache()
    tpl = templates.get(schema, page)
    base = tpl.image
    note = ""
    if scan is not None:
        upright, _ = deskew(scan)
        a = align(upright, tpl)
        base = warp(upright, a, tpl)
        note = f"scan aligned: {a.method}, residual {a.residual_px:.2f} px" if a.ok else f"NOT aligned: {a.reason}"
    img = Image.fromarray(cv2.resize(base, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)).convert("RGB")
    draw = ImageDraw.Draw(img)
    k = tpl.px_per_unit * scale
    font = _font(max(10, int(11 * scale * WORK_DPI / 150)))
    zones = _anchored_zones(schema, page, base, tpl.px_per_unit)
    unplaced = []
    for f in schema.fields_on(page):
        colour = COLOURS.get(f.type, (200, 80, 0) if f.type in NUMERIC or f.type == "date" else COLOURS["text"])
        zone = f.zone or zones.get(f.name)
        if zone is None:  # a regex over the whole page, or a label not found on this page
            unplaced.append(f"{f.name}: " + (f"regex {f.regex}" if f.anchor is None else f"label {f.anchor.label!r} not found"))
            continue
        boxes = [o.zone for o in f.options] if f.options else [zone]
        for x0, y0, x1, y1 in boxes:
            draw.rectangle([x0 * k, y0 * k, x1 * k, y1 * k], outline=colour, width=2 if f.zone else 1)
        x0, y0 = zone[0] * k, zone[1] * k
        how = f", right of {f.anchor.label!r}" if f.anchor and f.anchor.side == "right" else \
            f", under {f.anchor.label!r}" if f.anchor else ""
        tag = f"{f.name}{'*' if f.required else ''} ({f.type}{f', comb {f.comb}' if f.comb else ''}{how})"
        tw = draw.textlength(tag, font=font)
        draw.rectangle([x0, y0 - font.size - 2, x0 + tw + 4, y0], fill=(255, 255, 255))
        draw.text((x0 + 2, y0 - font.size - 2), tag, fill=colour, font=font)
    head = f"{schema.procedure} v{schema.spec.version}, page {page}/{schema.pages}: {len(schema.fields_on(page))} fields"
    draw.text((8, 6), head + (f"; {note}" if note else ""), fill=(200, 0, 0), font=font)
    for i, line in enumerate(unplaced):
        draw.text((8, img.height - (len(unplaced) - i) * (font.size + 4) - 6), line, fill=(120, 0, 160), font=font)
    return img


def _anchored_zones(schema: LoadedSchema, page: int, image: np.ndarray, px_per_unit: float) -> dict[str, tuple]:
    """Where the anchored fields' values would be read on this image (template units)."""
    from .reading.locate import anchor_zone, find_label, ocr_words

    anchored = [f for f in schema.fields_on(page) if f.anchor is not None]
    if not anchored:
        return {}
    words = ocr_words(image, px_per_unit, lang=schema.spec.language)
    out = {}
    for f in anchored:
        box = find_label(words, f.anchor.label)
        if box is not None:
            out[f.name] = anchor_zone(f, box, schema.template.page_sizes[page - 1])
    return out


def schema_model_json() -> dict[str, Any]:
    """The schema language itself, for editors (YAML language servers read JSON Schema)."""
    out = Schema.model_json_schema(by_alias=True)
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    out["title"] = "demat procedure schema"
    return out


VALUE_TYPES: dict[str, dict[str, Any]] = {
    "text": {"type": "string"}, "integer": {"type": "integer"}, "decimal": {"type": "number"},
    "money": {"type": "number"}, "date": {"type": "string", "format": "date"}, "checkbox": {"type": "boolean"},
    "signature": {"type": "boolean"}, "email": {"type": "string", "format": "email"},
    "postal_code": {"type": "string", "pattern": "^[A-Z][0-9][A-Z] [0-9][A-Z][0-9]$"},
    "phone": {"type": "string", "pattern": "^[0-9]{3}-[0-9]{3}-[0-9]{4}$"},
    "sin": {"type": "string", "pattern": "^[0-9]{3} [0-9]{3} [0-9]{3}$"},
    "ramq": {"type": "string", "pattern": "^[A-Z]{4}[0-9]{8}$"},
    "siret": {"type": "string", "pattern": "^[0-9]{14}$"}, "siren": {"type": "string", "pattern": "^[0-9]{9}$"},
}


def record_json_schema(schema: LoadedSchema) -> dict[str, Any]:
    """JSON Schema of the records this schema produces, so downstream systems can validate them."""
    fields = {}
    for f in schema.spec.fields:
        if f.type == "enum":
            value: dict[str, Any] = {"enum": list(f.values or [])}
        elif f.type == "radio":
            value = {"enum": [o.value for o in f.options or []]}
        else:
            value = dict(VALUE_TYPES[f.type])
        nullable = {"anyOf": [value, {"type": "null"}]} if f.type not in ("checkbox", "signature") else value
        fields[f.name] = {
            "type": "object", "title": f.label or f.name, "additionalProperties": False,
            "required": ["value", "text", "confidence", "errors"],
            "properties": {"value": nullable, "text": {"type": "string"},
                           "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                           "errors": {"type": "array", "items": {"type": "string"}},
                           "review": {"type": "object", "required": ["by", "at", "was"],
                                      "properties": {"by": {"type": "string"}, "at": {"type": "string"}, "was": {}}}},
        }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"demat:record:{schema.procedure}:{schema.spec.version}",
        "title": f"{schema.spec.title} (demat record, schema v{schema.spec.version})",
        "type": "object",
        "required": ["id", "procedure", "schema_version", "status", "fields", "errors", "source", "batch", "ingested_at"],
        "properties": {
            "id": {"type": "string"}, "procedure": {"const": schema.procedure},
            "schema_version": {"const": schema.spec.version},
            "status": {"enum": ["accepted", "needs_review", "rejected"]},
            "fields": {"type": "object", "properties": fields, "required": list(fields), "additionalProperties": False},
            "errors": {"type": "array", "items": {"type": "string"}},
            "source": {"type": "object", "required": ["name", "sha256", "pages", "media_type"],
                       "properties": {"name": {"type": "string"}, "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                                      "pages": {"type": "array", "items": {"type": "integer"}},
                                      "media_type": {"type": "string"}, "original": {"type": "string"}}},
            "alignment": {"type": "array"}, "batch": {"type": "string"},
            "ingested_at": {"type": "string", "format": "date-time"},
            "revision": {"type": "integer", "minimum": 0},
            "reviewed_by": {"type": "string"}, "reviewed_at": {"type": "string", "format": "date-time"},
        },
    }
