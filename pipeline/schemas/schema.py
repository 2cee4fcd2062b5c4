"""Schemas: one YAML file per procedure (form), loaded strictly.

Every problem in every file is reported at once as `FILE:LINE: message`; an invalid schema is never half-loaded.
Zones are boxes `[x0, y0, x1, y1]` in template units with the origin at the top-left of the page: PDF points
(1/72 in) for a PDF template, pixels for an image template.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic import Field as PField

from ..errors import SchemaError

FieldType = Literal["text", "integer", "decimal", "money", "date", "checkbox", "radio", "enum", "postal_code",
                    "email", "phone", "sin", "ramq", "siret", "siren", "signature"]
IDENT = r"^[a-z][a-z0-9_]*$"
PROCEDURE_ID = r"^[a-z0-9][a-z0-9_.-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OcrHints(_Strict):
    mode: Literal["line", "block", "word"] = "line"
    # How far to read beyond the zone, in template units (the zone is then the value's area, as an AcroForm
    # widget is); without it the crop stays a few pixels inside the zone (the zone is a drawn box).
    pad: Annotated[float, PField(ge=0, le=50)] | None = None
    whitelist: Annotated[str, PField(pattern=r"^\S+$")] | None = None
    lang: str | None = None


class RadioOption(_Strict):
    value: str
    zone: tuple[float, float, float, float]


class Anchor(_Strict):
    """The value is found next to a printed label (found by OCR or in the text layer), wherever it is."""

    label: Annotated[str, PField(min_length=1)]
    side: Literal["right", "below"] = "right"
    # the value's area, in template units: by default to the page's right margin on the label's line (right),
    # or one line under the label as wide as the page's right margin (below)
    width: Annotated[float, PField(gt=0)] | None = None
    height: Annotated[float, PField(gt=0)] | None = None
    gap: Annotated[float, PField(ge=0)] = 2.0


Entity = Literal["person", "place", "organization"]


class RamqHolder(_Strict):
    surname: str | None = None
    given_name: str | None = None
    birth_date: str | None = None
    sex: str | None = None  # a field whose value is F or M (the month of women's numbers is +50)


class FieldSpec(_Strict):
    name: Annotated[str, PField(pattern=IDENT)]
    label: str | None = None
    pdf_field: str | None = None  # the AcroForm field's fully qualified name, for imported schemas
    comb: Annotated[int, PField(ge=1, le=200)] | None = None  # one character per box, this many boxes
    max_length: Annotated[int, PField(ge=1)] | None = None  # characters at most (an AcroForm MaxLen)
    min_length: Annotated[int, PField(ge=1)] | None = None
    min: float | str | None = None  # numbers, or dates as YYYY-MM-DD
    max: float | str | None = None
    holder: "RamqHolder | None" = None  # ramq: the fields naming the card holder, to check the number against
    options: list[RadioOption] | None = None  # radio groups: one box per option
    page: Annotated[int, PField(ge=1)] = 1
    # Where the value is: a fixed `zone`; or `anchor`, next to a printed label; or `regex`, a regular
    # expression over the page's text (or the zone's text, with a zone) whose group `value`, or first group,
    # or whole match is the value. `entity` keeps only the person, place or organization name found (spaCy)
    # in what the zone or anchor gives.
    zone: tuple[float, float, float, float] | None = None
    anchor: Anchor | None = None
    regex: str | None = None
    entity: Entity | None = None
    type: FieldType = "text"
    required: bool = False
    pattern: str | None = None
    values: list[str] | None = None
    min_confidence: Annotated[float, PField(ge=0, le=1)] = 0.75
    # Written by hand (true) or typed (false); unset, each page tells (reading/extract.py `_handwritten`)
    hand: bool | None = None
    # A date's order where the form asks for its own ("Date de naissance (aaaa-mm-jj)"); unset, the schema's
    date_order: Literal["dmy", "mdy", "ymd"] | None = None
    ocr: OcrHints = OcrHints()

    @field_validator("zone")
    @classmethod
    def _zone(cls, zone: tuple[float, float, float, float] | None) -> tuple[float, float, float, float] | None:
        if zone is None:
            return zone
        x0, y0, x1, y1 = zone
        if not (x1 > x0 and y1 > y0):
            raise ValueError("zone must be [x0, y0, x1, y1] with x1 > x0 and y1 > y0")
        return zone

    @field_validator("pattern", "regex")
    @classmethod
    def _pattern(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"does not compile as a regular expression: {exc}") from None
        return pattern

    @property
    def located(self) -> bool:
        """Found on the page's words (by its label or a regex over the page), not read from a fixed zone."""
        return self.anchor is not None or (self.regex is not None and self.zone is None)

    @model_validator(mode="after")
    def _check(self) -> "FieldSpec":
        if self.type == "enum" and not self.values:
            raise ValueError("an enum field needs `values`")
        if self.type == "radio" and not self.options:
            raise ValueError("a radio field needs `options` (value and zone of each box)")
        if self.zone is None and self.anchor is None and self.regex is None:
            raise ValueError("a field needs `zone`, `anchor` or `regex` to say where its value is")
        if self.zone is not None and self.anchor is not None:
            raise ValueError("a field has either a fixed `zone` or an `anchor`, not both")
        if self.type in ("checkbox", "radio", "signature") and self.zone is None:
            raise ValueError(f"a {self.type} field needs a `zone` (it is read from the ink in its box)")
        if self.entity is not None and self.type != "text":
            raise ValueError("`entity` applies to text fields")
        compiled = re.compile(self.regex) if self.regex is not None else None
        if compiled is not None and compiled.groups > 1 and "value" not in compiled.groupindex:
            raise ValueError("a `regex` with several groups must name the value's group `(?P<value>...)`")
        return self


class Rule(_Strict):
    """A rule across fields. kind: order (each date/number of `fields` not before the previous one), requires
    (when `if` is ticked or filled, every field of `then` must be filled), sum (`total` equals the sum of `of`)."""

    kind: Literal["order", "requires", "sum"]
    fields: list[str] | None = None
    if_: str | None = PField(default=None, alias="if")
    then: list[str] | None = None
    total: str | None = None
    of: list[str] | None = None
    message: str | None = None
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _shape(self) -> "Rule":
        need = {"order": ("fields",), "requires": ("if_", "then"), "sum": ("total", "of")}[self.kind]
        missing = [n.rstrip("_") for n in need if getattr(self, n) in (None, [])]
        if missing:
            raise ValueError(f"a `{self.kind}` rule needs {', '.join(f'`{m}`' for m in missing)}")
        return self

    def names(self) -> list[str]:
        return [n for n in (self.fields or []) + [self.if_ or ""] + (self.then or []) + [self.total or ""]
                + (self.of or []) if n]


class Identify(_Strict):
    keywords: Annotated[list[str], PField(min_length=1)]
    min_score: Annotated[float, PField(gt=0, le=1)] = 0.5


class TemplateSpec(_Strict):
    file: str
    dpi: Annotated[int, PField(ge=50, le=1200)] = 300  # for image templates: pixels per inch


class Expected(_Strict):
    """The volume an agency expects to digitize for the procedure, and by when: the analysts' goal."""

    count: Annotated[int, PField(ge=1)]
    by: dt.date


class Schema(_Strict):
    procedure: Annotated[str, PField(pattern=PROCEDURE_ID)]
    title: str
    version: Annotated[int, PField(ge=1)]
    language: str = "fra+eng"
    date_order: Literal["dmy", "mdy", "ymd"] = "dmy"
    identify: Identify
    template: TemplateSpec
    fields: Annotated[list[FieldSpec], PField(min_length=1)]
    rules: list[Rule] = []
    expected: Expected | None = None


@dataclass(frozen=True)
class TemplateInfo:
    path: Path
    kind: Literal["pdf", "image"]
    page_sizes: tuple[tuple[float, float], ...]  # template units (pt for PDF, px for image)
    units_per_inch: float  # 72 for PDF, the image dpi for images


@dataclass(frozen=True)
class LoadedSchema:
    """A validated schema with where it came from and its template's geometry."""

    spec: Schema
    path: Path
    template: TemplateInfo

    @property
    def procedure(self) -> str:
        return self.spec.procedure

    @property
    def key(self) -> str:
        return f"{self.spec.procedure}@{self.spec.version}"

    @property
    def pages(self) -> int:
        return len(self.template.page_sizes)

    def fields_on(self, page: int) -> list[FieldSpec]:
        return [f for f in self.spec.fields if f.page == page]


# ---------------------------------------------------------------------------------------------- loading


class _LineLoader(yaml.SafeLoader):
    pass


def _compose(text: str) -> yaml.Node | None:
    return yaml.compose(text, Loader=_LineLoader)


def _node_at(node: yaml.Node | None, loc: tuple[Any, ...]) -> tuple[yaml.Node | None, bool]:
    """Walk a YAML node tree along a pydantic error location; return the deepest node and whether loc's last
    element is a mapping key (so an unknown key points at the key itself)."""
    is_key = False
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            found = None
            for k, v in node.value:
                if k.value == part:
                    found = (k, v)
                    break
            if found is None:
                return node, False
            if part == loc[-1]:
                is_key = True
                key_node, val_node = found
                return (key_node if is_key else val_node), True
            node = found[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            return node, False
    return node, is_key


def _line(node: yaml.Node | None) -> int:
    return node.start_mark.line + 1 if node is not None else 1


def _known_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed where loc points, for did-you-mean suggestions."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        fld = current.model_fields.get(part) if isinstance(current, type) and issubclass(current, BaseModel) else None
        if fld is None:
            return []
        ann = fld.annotation
        for cand in getattr(ann, "__args__", ()) or (ann,):
            if isinstance(cand, type) and issubclass(cand, BaseModel):
                current = cand
                break
            inner = getattr(cand, "__args__", ())
            if inner and isinstance(inner[0], type) and issubclass(inner[0], BaseModel):
                current = inner[0]
                break
        else:
            return []
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _message(err: dict[str, Any], loc: tuple[Any, ...]) -> str:
    where = ".".join(str(p) for p in loc) or "schema"
    if err["type"] == "extra_forbidden":
        key = str(loc[-1])
        close = difflib.get_close_matches(key, _known_keys(Schema, loc), n=1)
        hint = f" (did you mean `{close[0]}`?)" if close else ""
        return f"unknown key `{key}`{hint}"
    if err["type"] == "missing":
        return f"missing required key `{where}`"
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    return f"{where}: {msg}"


def _template_info(schema_path: Path, spec: TemplateSpec) -> TemplateInfo:
    path = (schema_path.parent / spec.file).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"template file not found: {spec.file}")
    if path.suffix.lower() == ".pdf":
        from ..inputs import pdfium

        return TemplateInfo(path, "pdf", tuple(pdfium.page_sizes(path.read_bytes())), 72.0)
    from PIL import Image

    with Image.open(path) as im:
        sizes = tuple((float(im.size[0]), float(im.size[1])) for _ in range(getattr(im, "n_frames", 1)))
    return TemplateInfo(path, "image", sizes, float(spec.dpi))


def parse_schema(text: str, path: Path) -> tuple[LoadedSchema | None, list[str]]:
    """Validate one schema file's text; return it (or None) and every problem as `FILE:LINE: message`."""
    name = str(path)
    try:
        root = _compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        return None, [f"{name}:{line}: not valid YAML: {getattr(exc, 'problem', exc)}"]
    if not isinstance(data, dict):
        return None, [f"{name}:1: a schema is a mapping of keys (procedure, title, version, ...)"]
    problems: list[tuple[int, str]] = []
    try:
        spec = Schema.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            # pydantic appends the model/union tag for some errors; keep the data path only
            loc = tuple(p for p in loc if not (isinstance(p, str) and p.startswith("function-")))
            node, _ = _node_at(root, loc)
            problems.append((_line(node), _message(err, loc)))
        return None, [f"{name}:{ln}: {msg}" for ln, msg in sorted(problems)]

    try:
        info = _template_info(path, spec.template)
    except Exception as exc:  # missing or unreadable template
        node, _ = _node_at(root, ("template", "file"))
        reason = str(exc) if isinstance(exc, FileNotFoundError) else f"template cannot be read: {exc}"
        return None, [f"{name}:{_line(node)}: {reason}"]

    seen: dict[str, int] = {}
    for i, fld in enumerate(spec.fields):
        node, _ = _node_at(root, ("fields", i, "name"))
        if fld.name in seen:
            problems.append((_line(node), f"duplicate field name `{fld.name}` (first at field {seen[fld.name] + 1})"))
        else:
            seen[fld.name] = i
        if fld.page > len(info.page_sizes):
            pnode, _ = _node_at(root, ("fields", i, "page"))
            problems.append((_line(pnode), f"field `{fld.name}`: page {fld.page} but the template has {len(info.page_sizes)}"))
            continue
        w, h = info.page_sizes[fld.page - 1]
        for zone in [z for z in [fld.zone] if z is not None] + [o.zone for o in fld.options or []]:
            x0, y0, x1, y1 = zone
            if x0 < 0 or y0 < 0 or x1 > w + 0.5 or y1 > h + 0.5:
                znode, _ = _node_at(root, ("fields", i, "zone"))
                problems.append((_line(znode), f"field `{fld.name}`: zone {list(zone)} is outside the page ({w:.0f} x {h:.0f})"))
                break
    names = {f.name for f in spec.fields}
    for i, rule in enumerate(spec.rules):
        for n in rule.names():
            if n not in names:
                node, _ = _node_at(root, ("rules", i))
                close = difflib.get_close_matches(n, sorted(names), n=1)
                hint = f" (did you mean `{close[0]}`?)" if close else ""
                problems.append((_line(node), f"rule {i + 1} names unknown field `{n}`{hint}"))
    for i, fld in enumerate(spec.fields):
        if fld.holder is not None:
            for n in (fld.holder.surname, fld.holder.given_name, fld.holder.birth_date, fld.holder.sex):
                if n and n not in names:
                    node, _ = _node_at(root, ("fields", i, "holder"))
                    problems.append((_line(node), f"field `{fld.name}`: holder names unknown field `{n}`"))
    if problems:
        return None, [f"{name}:{ln}: {msg}" for ln, msg in sorted(problems)]
    return LoadedSchema(spec=spec, path=path.resolve(), template=info), []


def check_files(paths: list[Path]) -> tuple[list[LoadedSchema], list[str]]:
    """Validate schema files; return the good ones and all problems (empty when all are valid)."""
    loaded: list[LoadedSchema] = []
    problems: list[str] = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{path}:1: cannot read: {exc}")
            continue
        schema, errs = parse_schema(text, path)
        problems += errs
        if schema is not None:
            loaded.append(schema)
    seen: dict[str, Path] = {}
    for s in loaded:
        if s.key in seen:
            problems.append(f"{s.path}:1: procedure `{s.procedure}` version {s.spec.version} is also defined in {seen[s.key]}")
        seen.setdefault(s.key, s.path)
    return loaded, problems


def schema_files(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            # hidden folders (the studio's drafts in .studio/, .git) hold no published schema
            out += sorted(q for q in p.rglob("*") if q.suffix.lower() in (".yaml", ".yml") and q.is_file()
                          and not any(part.startswith(".") for part in q.relative_to(p).parts))
        else:
            out.append(p)
    return out


def load_schemas(directory: Path) -> list[LoadedSchema]:
    """Load every schema in a folder; raise SchemaError listing every problem if any file is invalid."""
    if not directory.is_dir():
        raise SchemaError([f"{directory}: schema folder not found"])
    files = schema_files([directory])
    if not files:
        raise SchemaError([f"{directory}: no schema files (*.yaml) found"])
    loaded, problems = check_files(files)
    if problems:
        raise SchemaError(problems)
    return loaded
