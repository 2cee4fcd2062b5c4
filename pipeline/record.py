"""Build records (the contract's JSON) from field readings, and decide their status."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field, replace
from typing import Any

from .reading.extract import Reading
from .schemas.fields import normalize
from .schemas.schema import LoadedSchema

ACCEPTED, NEEDS_REVIEW, REJECTED = "accepted", "needs_review", "rejected"


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def unique_stamp() -> str:
    """A compact UTC time plus a random suffix, for run ids and file names: 20261129T031359Z-1a2b3c."""
    import uuid

    return now_iso().replace(":", "").replace("-", "") + "-" + uuid.uuid4().hex[:6]


def record_id(source_key: str, first_page: int) -> str:
    """Stable: the same source content and form instance (its first page) always give the same id."""
    return f"{source_key[:32]}-p{first_page:03d}"


def source_key(sha256: str, member_hint: str = "") -> str:
    """The identity of a document: its content hash (plus what it is inside an archive when its bytes are unknown)."""
    if not member_hint:
        return sha256
    return hashlib.sha256(f"{sha256}!{member_hint}".encode()).hexdigest()


@dataclass
class SourceInfo:
    name: str
    sha256: str
    media_type: str
    key: str  # source_key
    original: str  # store key of the original bytes


@dataclass
class PageInfo:
    number: int
    template_page: int
    alignment: dict[str, Any]


@dataclass
class Instance:
    """One form instance found in a source: a schema and the pages that hold it."""

    schema: LoadedSchema
    pages: list[PageInfo] = field(default_factory=list)
    readings: dict[str, Reading] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def _source_json(src: SourceInfo, pages: list[int]) -> dict[str, Any]:
    return {"name": src.name, "sha256": src.sha256, "pages": pages, "media_type": src.media_type,
            "original": src.original}


# A code that mixes letters and digits (a plate, a file number) cannot be checked by a word list or a type, and
# its O/0, I/1/l, S/5, B/8, Z/2, G/6 are what OCR confuses most: it is accepted only when read very surely.
CODE_CONFIDENCE = 0.95
CONFUSABLE = re.compile(r"[O0Il1S5B8Z2G6]")


SHORT_CODE = re.compile(r"(?=.*[A-Z])[A-Z0-9]{2,5}")  # a short run of capitals (and digits): a code, its digits
# perhaps read as letters


def code_like(spec: Any, value: Any, text: str) -> bool:
    """A free text value holding a word of letters and digits with a confusable character, or a short word of
    capitals with one (the W-9's exemption code "5A" read "SA"); or a postal code the normalizer had to mend (an 8
    read where a letter stands, made a B: a guess)."""
    if not isinstance(value, str) or spec.values:
        return False
    if spec.type == "postal_code":
        return re.sub(r"\s", "", text).upper() != re.sub(r"\s", "", value)
    if spec.type != "text" or spec.pattern:
        return False
    return any(((re.search(r"[A-Za-z]", w) and re.search(r"\d", w)) or SHORT_CODE.fullmatch(w))
               and CONFUSABLE.search(w) for w in value.split())


def doubtful_code(spec: Any, value: Any, text: str, confidence: float) -> bool:
    """A code of letters and digits (see code_like) read below CODE_CONFIDENCE: held for a person to look at."""
    return confidence < CODE_CONFIDENCE and code_like(spec, value, text)


def form_record(inst: Instance, src: SourceInfo, batch: str) -> dict[str, Any]:
    spec = inst.schema.spec
    fields: dict[str, Any] = {}
    review: list[str] = list(inst.errors)
    for f in spec.fields:
        reading = inst.readings.get(f.name)
        if reading is None:
            fields[f.name] = {"value": None, "text": "", "confidence": 0.0,
                              "errors": ["required field is on a missing page"] if f.required else []}
            continue
        norm = normalize(f, reading.text, date_order=spec.date_order)
        if reading.problem:  # the text read is kept, but it gives no value
            norm = replace(norm, value=None, errors=[reading.problem])
        fields[f.name] = {"value": norm.value, "text": " ".join(reading.text.split()),
                          "confidence": reading.confidence, "errors": norm.errors}
        if reading.candidate and norm.value is None:
            # one doubtful character read otherwise gives a valid value: shown to the reviewer, not taken
            fields[f.name]["candidate"] = reading.candidate
            norm.errors.append(f"read otherwise, one character gives {reading.candidate!r}, which is valid")
        if norm.errors:
            review.append(f"field {f.name}: {norm.errors[0]}")
        elif reading.confidence < f.min_confidence:
            review.append(f"field {f.name}: confidence {reading.confidence:.2f} below {f.min_confidence:.2f}")
        elif doubtful_code(f, norm.value, reading.text, reading.confidence):
            review.append(f"field {f.name}: confidence {reading.confidence:.2f} below {CODE_CONFIDENCE:.2f} for a "
                          "code of letters and digits")
    for field_name, problem in rule_problems(spec, fields):
        target = fields[field_name]["errors"] if field_name in fields else review
        target.append(problem)
        review.append(f"field {field_name}: {problem}" if field_name in fields else problem)
    first = inst.pages[0].number
    return {
        "id": record_id(src.key, first),
        "procedure": spec.procedure,
        "schema_version": spec.version,
        "status": NEEDS_REVIEW if review else ACCEPTED,
        "fields": fields,
        "errors": review,
        "source": _source_json(src, [p.number for p in inst.pages]),
        "alignment": [{"page": p.number, "template_page": p.template_page, **p.alignment} for p in inst.pages],
        "batch": batch,
        "ingested_at": now_iso(),
    }


def rule_problems(spec: Any, fields: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, message) for every cross-field rule broken, and RAMQ numbers that disagree with their holder."""
    from .schemas.fields import ramq_holder_problems

    v = {name: f["value"] for name, f in fields.items()}
    out: list[tuple[str, str]] = []
    for rule in spec.rules:
        if rule.kind == "order":
            present = [(n, v[n]) for n in rule.fields or [] if v.get(n) is not None]
            for (a, va), (b, vb) in zip(present, present[1:]):
                if str(vb) < str(va) if isinstance(va, str) else vb < va:
                    out.append((b, rule.message or f"{b} ({vb}) is before {a} ({va})"))
        elif rule.kind == "requires" and v.get(rule.if_) not in (None, False, ""):
            for n in rule.then or []:
                if v.get(n) in (None, ""):
                    out.append((n, rule.message or f"required because {rule.if_} is filled"))
        elif rule.kind == "sum" and v.get(rule.total) is not None:
            parts = [v.get(n) or 0 for n in rule.of or []]
            if abs(sum(parts) - v[rule.total]) > 0.005:
                out.append((rule.total, rule.message or f"{v[rule.total]} is not the sum of {', '.join(rule.of or [])} "
                                                         f"({round(sum(parts), 2)})"))
    for f in spec.fields:
        if f.type == "ramq" and f.holder and v.get(f.name):
            h = f.holder
            for problem in ramq_holder_problems(v[f.name], v.get(h.surname) if h.surname else None,
                                                v.get(h.given_name) if h.given_name else None,
                                                v.get(h.birth_date) if h.birth_date else None,
                                                v.get(h.sex) if h.sex else None):
                out.append((f.name, problem))
    return out


def rejected_record(src: SourceInfo, reason: str, batch: str, pages: list[int] | None = None) -> dict[str, Any]:
    return {
        "id": record_id(src.key, 0),
        "procedure": None,
        "schema_version": None,
        "status": REJECTED,
        "fields": {},
        "errors": [reason],
        "source": _source_json(src, pages or []),
        "batch": batch,
        "ingested_at": now_iso(),
    }


REVIEW_KINDS = ("confidence", "invalid", "required", "alignment", "tool", "other")


def doubted(record: dict[str, Any]) -> list[str]:
    """The fields that sent the record to review when it was read: named by its errors (`field NAME: ...`), and
    kept in the record as `doubted` once a review has cleared those errors."""
    if "doubted" in record:
        return list(record["doubted"])
    names = {e[len("field "):].split(":", 1)[0] for e in record.get("errors") or [] if e.startswith("field ")}
    return sorted(n for n in names if n in (record.get("fields") or {}))


def review_kinds(record: dict[str, Any]) -> list[str]:
    """What kinds of doubt sent a record to review, for the queue's filter: a field read with low confidence,
    a value that does not validate, a required field empty, a page not aligned, a tool that failed, other."""
    if record.get("status") != NEEDS_REVIEW:
        return []
    kinds = set()
    for e in record.get("errors") or []:
        if "crashed" in e or "timed out" in e:
            kinds.add("tool")
        elif "could not be aligned" in e:
            kinds.add("alignment")
        elif "required" in e or "missing" in e:
            kinds.add("required")
        elif "confidence" in e:
            kinds.add("confidence")
        elif e.startswith("field "):
            kinds.add("invalid")
        else:
            kinds.add("other")
    return [k for k in REVIEW_KINDS if k in kinds]
