"""The schema studio's work, without HTTP: drafts of a procedure's schema, edited, checked with the strict loader,
tried on filled scans, and published where `ingest` reads schemas.

A draft lives in `<schemas>/.studio/<procedure>/` (a folder `load_schemas` skips): `draft.yaml` and its template
under `templates/`. It starts from a blank form (`propose`) or from the published schema. Publishing writes
`<schemas>/<procedure>.yaml` and its template; when records were read with the published version, the draft is
published as the next version and the earlier file is kept as `<procedure>.v<N>.yaml`, so those records keep the
schema they were read with.
"""

from __future__ import annotations

import copy
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .propose import build_schema
from .schemas.acroform import dump
from .schemas.schema import PROCEDURE_ID, FieldType, LoadedSchema, parse_schema

STUDIO = ".studio"
DRAFT = "draft.yaml"
TYPES: tuple[str, ...] = FieldType.__args__  # type: ignore[attr-defined]
EDITED = ("name", "label", "type", "required", "pattern", "comb", "values", "page", "zone")


class StudioError(Exception):
    """What the agency asked cannot be done (a bad procedure id, an unreadable blank form): said in one line."""


def _folder(schemas_dir: Path, procedure: str) -> Path:
    if not re.match(PROCEDURE_ID, procedure) or len(procedure) > 80:
        raise StudioError(f"procedure id {procedure!r}: lower case letters, digits, . _ - only")
    return schemas_dir / STUDIO / procedure


def draft_path(schemas_dir: Path, procedure: str) -> Path:
    return _folder(schemas_dir, procedure) / DRAFT


def has_draft(schemas_dir: Path, procedure: str) -> bool:
    return draft_path(schemas_dir, procedure).is_file()


def drafts(schemas_dir: Path) -> list[str]:
    root = schemas_dir / STUDIO
    return sorted(p.parent.name for p in root.glob(f"*/{DRAFT}")) if root.is_dir() else []


def from_blank(schemas_dir: Path, blank: Path, procedure: str, lang: str = "fra+eng") -> tuple[dict[str, Any], int]:
    """A new draft proposed from a blank form; its data and how many fields were found."""
    folder = _folder(schemas_dir, procedure)
    if folder.exists():
        shutil.rmtree(folder)
    data, template, _ = build_schema(blank, procedure, lang)
    (folder / "templates").mkdir(parents=True)
    (folder / data["template"]["file"]).write_bytes(template)
    write_draft(schemas_dir, data)
    return data, len(data["fields"])


def from_published(schemas_dir: Path, schema: LoadedSchema) -> dict[str, Any]:
    """A draft copied from the published schema (its file and template)."""
    folder = _folder(schemas_dir, schema.procedure)
    data = yaml.safe_load(schema.path.read_text(encoding="utf-8"))
    (folder / "templates").mkdir(parents=True, exist_ok=True)
    name = Path(data["template"]["file"]).name
    shutil.copyfile(schema.template.path, folder / "templates" / name)
    data["template"]["file"] = f"templates/{name}"
    write_draft(schemas_dir, data)
    return data


def template_file(schemas_dir: Path, procedure: str, draft: dict[str, Any]) -> Path | None:
    """The draft's template PDF; None unless it lies in the draft's folder (no path from a draft reaches further)."""
    folder = _folder(schemas_dir, procedure)
    path = folder / str((draft.get("template") or {}).get("file", ""))
    if path.suffix.lower() != ".pdf" or not path.resolve().is_relative_to(folder.resolve()) or not path.is_file():
        return None
    return path


def read_draft(schemas_dir: Path, procedure: str) -> dict[str, Any]:
    return yaml.safe_load(draft_path(schemas_dir, procedure).read_text(encoding="utf-8"))


def write_draft(schemas_dir: Path, data: dict[str, Any]) -> None:
    draft_path(schemas_dir, data["procedure"]).write_text(dump(data), encoding="utf-8")


def discard(schemas_dir: Path, procedure: str) -> None:
    shutil.rmtree(_folder(schemas_dir, procedure), ignore_errors=True)


# ------------------------------------------------------------------------------------------------- editing


def _number(text: str) -> float | int | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None
    return int(value) if value.is_integer() else round(value, 1)


def edited(draft: dict[str, Any], top: dict[str, str], rows: list[dict[str, str]]) -> dict[str, Any]:
    """The draft with the studio form's values: title and keywords, and one row per field (`orig`: the index
    of the draft field it edits, empty for a zone drawn in the studio; `delete` to drop it). Keys the studio does
    not show (OCR hints, radio options, anchors...) are kept as they were. Values are taken as typed: the strict
    loader says what is wrong with them."""
    out = copy.deepcopy(draft)
    if "title" in top:
        out["title"] = top["title"].strip()
    if "keywords" in top:
        out.setdefault("identify", {})["keywords"] = [k.strip() for k in top["keywords"].split(";") if k.strip()]
    fields: list[dict[str, Any]] = []
    old = draft.get("fields") or []
    for row in rows:
        if row.get("delete"):
            continue
        orig = row.get("orig", "")
        f = copy.deepcopy(old[int(orig)]) if orig.isdigit() and int(orig) < len(old) else {}
        f["name"] = row.get("name", "").strip()
        for key in ("label", "pattern"):
            value = row.get(key, "")
            if value.strip():
                f[key] = value.strip() if key == "label" else value
            else:
                f.pop(key, None)
        kind = row.get("type", "text")
        if kind and kind != "text":
            f["type"] = kind
        else:
            f.pop("type", None)
        if row.get("required"):
            f["required"] = True
        else:
            f.pop("required", None)
        comb = _number(row.get("comb", ""))
        if comb is not None:
            f["comb"] = comb
        else:
            f.pop("comb", None)
        values = [v.strip() for v in row.get("values", "").split(";") if v.strip()]
        if values:
            f["values"] = values
        else:
            f.pop("values", None)
        page = _number(row.get("page", ""))
        f["page"] = page if page is not None else f.get("page", 1)
        zone = [_number(v) for v in row.get("zone", "").split(",")] if row.get("zone", "").strip() else []
        if zone:
            before = f.get("zone")
            f["zone"] = zone if None not in zone and len(zone) == 4 else row["zone"]  # the loader says what is wrong
            if f.get("options") and isinstance(before, list) and isinstance(f["zone"], list):
                f["options"] = _options_moved(f["options"], before, f["zone"])
        order = {k: i for i, k in enumerate(("name", "label", "type", "page", "zone"))}
        fields.append(dict(sorted(f.items(), key=lambda kv: order.get(kv[0], 99))))
    out["fields"] = fields
    return out


def _options_moved(options: list[dict[str, Any]], before: list[float], after: list[float]) -> list[dict[str, Any]]:
    """A radio group's boxes carried along when its zone (their union) is moved or resized in the studio."""
    bw, bh = max(before[2] - before[0], 1e-6), max(before[3] - before[1], 1e-6)
    sx, sy = (after[2] - after[0]) / bw, (after[3] - after[1]) / bh

    def moved(z: list[float]) -> list[float]:
        return [round(after[0] + (z[0] - before[0]) * sx, 1), round(after[1] + (z[1] - before[1]) * sy, 1),
                round(after[0] + (z[2] - before[0]) * sx, 1), round(after[1] + (z[3] - before[1]) * sy, 1)]

    return [{**o, "zone": moved(o["zone"])} if isinstance(o.get("zone"), list) else o for o in options]


@dataclass
class Checked:
    schema: LoadedSchema | None
    fields: dict[int, list[str]] = field(default_factory=dict)  # field index -> problems
    general: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.schema is not None


def check(schemas_dir: Path, data: dict[str, Any]) -> Checked:
    """The draft through the same strict loader as `demat schema check`, each problem put next to its field."""
    procedure = str(data.get("procedure") or "")
    path = draft_path(schemas_dir, procedure)
    text = dump(data)
    schema, problems = parse_schema(text, path)
    if schema is not None:
        return Checked(schema)
    spans = _field_lines(text)
    out = Checked(None)
    for p in problems:
        m = re.match(r"^.*?:(\d+): (.*)$", p)
        line, msg = (int(m.group(1)), m.group(2)) if m else (0, p)
        msg = re.sub(r"^fields\.(\d+)\.", "", msg)
        i = next((i for i, (a, b) in enumerate(spans) if a <= line <= b), None)
        (out.fields.setdefault(i, []) if i is not None else out.general).append(msg)
    return out


def _field_lines(text: str) -> list[tuple[int, int]]:
    """The 1-based line span of each field in a schema's text."""
    root = yaml.compose(text)
    if root is None or not hasattr(root, "value"):
        return []
    for key, value in root.value:
        if key.value == "fields" and isinstance(value, yaml.SequenceNode):
            return [(n.start_mark.line + 1, max(n.start_mark.line + 1, n.end_mark.line)) for n in value.value]
    return []


# ------------------------------------------------------------------------------------------------ publishing


def read_versions(store, procedure: str) -> set[int]:
    """The versions of a procedure's schema that records in `store` were read with (from the counting index)."""
    from .storage import index

    table = index.read(store, ["id", "procedure", "schema_version"])
    return {int(r["schema_version"]) for r in table.select(["procedure", "schema_version"]).to_pylist()
            if r["procedure"] == procedure and r["schema_version"] is not None}


def publish(schemas_dir: Path, published: list[LoadedSchema], checked: LoadedSchema, read_versions: set[int]
            ) -> Path:
    """Write the checked draft where `ingest` reads schemas. `read_versions`: the versions of this procedure that
    records were read with; if the published version is one of them, the draft becomes the next version and the
    published file is kept beside it."""
    draft = read_draft(schemas_dir, checked.procedure)
    current = next((s for s in sorted(published, key=lambda s: -s.spec.version)
                    if s.procedure == checked.procedure), None)
    version = int(draft.get("version") or 1)
    if current is not None:
        version = max(version, current.spec.version)
        if current.spec.version in read_versions:
            version = current.spec.version + 1  # `current` is the latest version published
            kept = schemas_dir / f"{checked.procedure}.v{current.spec.version}.yaml"
            if current.path != kept.resolve():
                shutil.move(str(current.path), kept)
    draft["version"] = version
    template = checked.template.path
    name = f"{checked.procedure}-v{version}{template.suffix}" if version > 1 else f"{checked.procedure}{template.suffix}"
    (schemas_dir / "templates").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, schemas_dir / "templates" / name)
    draft["template"] = {**(draft.get("template") or {}), "file": f"templates/{name}"}
    out = schemas_dir / f"{checked.procedure}.yaml"
    head = f"# Saved in the schema studio: {len(draft.get('fields') or [])} fields.\n"
    text = dump(draft, head)
    out.write_text(text, encoding="utf-8")
    loaded, problems = parse_schema(text, out)
    if loaded is None:  # cannot happen for a checked draft; never leave a broken file where ingest reads
        out.unlink()
        raise StudioError("; ".join(problems))
    write_draft(schemas_dir, draft)
    return out


# ------------------------------------------------------------------------------------------------ trying


@dataclass(frozen=True)
class TriedField:
    name: str
    label: str
    text: str  # what was read
    value: Any  # what it normalizes to
    confidence: float
    errors: tuple[str, ...]
    crop: bytes  # PNG of the zone on the aligned page, empty when the page was not aligned


@dataclass(frozen=True)
class Tried:
    source: str
    status: str  # accepted, needs_review, rejected, or "" when no record came of it
    reasons: tuple[str, ...]
    fields: tuple[TriedField, ...]


def try_scans(schema: LoadedSchema, files: list[tuple[str, Path]]) -> list[Tried]:
    """Read filled scans with the draft alone, as `ingest` would, into a throwaway store: per record, each
    field's crop, text, value and problems. Nothing is kept."""
    from .inputs.sources import DocRef
    from .process import Context, digitize
    from .review import aligned_page, crop, png, zone_box
    from .storage.store import LocalStore

    work = Path(tempfile.mkdtemp(prefix="demat-try-"))
    out: list[Tried] = []
    try:
        store = LocalStore(work / "store")
        ctx = Context([schema], store, "studio")
        for name, path in files:
            outcome = digitize(DocRef(str(path), None, name), ctx)
            if not outcome.records:
                out.append(Tried(name, "", tuple(outcome.failures) or ("no record",), ()))
            for record in outcome.records:
                pages = [a.get("template_page") for a in record.get("alignment") or []]
                images: dict[int, Any] = {}
                fields = []
                for spec in schema.spec.fields if record.get("procedure") == schema.procedure else []:
                    f = record["fields"].get(spec.name) or {}
                    image = b""
                    box = zone_box(spec, schema, ctx.templates)
                    if box is not None and spec.page in pages:
                        n = pages.index(spec.page) + 1
                        if n not in images:
                            images[n] = aligned_page(store, record, schema, n, ctx.templates)
                        if images[n] is not None:
                            image = png(crop(images[n], box), width=600)
                    fields.append(TriedField(spec.name, spec.label or spec.name, str(f.get("text") or ""),
                                             f.get("value"), float(f.get("confidence") or 0.0),
                                             tuple(str(e) for e in f.get("errors") or ()), image))
                reasons = tuple(str(r) for r in record.get("errors") or ())
                out.append(Tried(f"{name} p{(record['source'].get('pages') or [1])[0]}", record["status"],
                                 reasons, tuple(fields)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out
