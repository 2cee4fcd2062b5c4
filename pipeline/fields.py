"""Normalize and validate field values by type.

`normalize(field, text)` turns the raw text read into the value stored in the record, plus the list of problems
found. Problems are data, never exceptions. Each type says what it normalizes to:

| type     | record value                      |
|----------|-----------------------------------|
| text     | string, whitespace collapsed      |
| integer  | JSON integer                      |
| decimal  | JSON number (French or English format read) |
| date     | "YYYY-MM-DD"                      |
| checkbox | true / false                      |
| radio    | the value of the one option ticked, null when none |
| enum     | one of the allowed values, exactly as the schema writes it |
| postal_code | Canadian postal code "A1A 1A1" |
| email    | lower-case address, OCR's stray spaces removed |
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable

from .schema import FieldSpec

# OCR confusions that are safe to fix where the type says the text is a number.
DIGIT_FIXES = str.maketrans({"O": "0", "o": "0", "Q": "0", "D": "0", "l": "1", "I": "1", "|": "1", "i": "1",
                             "S": "5", "s": "5", "B": "8", "Z": "2", "z": "2", "G": "6", "g": "9"})

MONTHS = {
    "JANVIER": 1, "JANV": 1, "JAN": 1, "JANUARY": 1,
    "FEVRIER": 2, "FEVR": 2, "FEV": 2, "FEB": 2, "FEBRUARY": 2,
    "MARS": 3, "MAR": 3, "MARCH": 3,
    "AVRIL": 4, "AVR": 4, "APR": 4, "APRIL": 4,
    "MAI": 5, "MAY": 5,
    "JUIN": 6, "JUN": 6, "JUNE": 6,
    "JUILLET": 7, "JUIL": 7, "JUL": 7, "JULY": 7,
    "AOUT": 8, "AUG": 8, "AUGUST": 8,
    "SEPTEMBRE": 9, "SEPT": 9, "SEP": 9, "SEPTEMBER": 9,
    "OCTOBRE": 10, "OCT": 10, "OCTOBER": 10,
    "NOVEMBRE": 11, "NOV": 11, "NOVEMBER": 11,
    "DECEMBRE": 12, "DEC": 12, "DECEMBER": 12,
}


@dataclass
class Normalized:
    value: Any
    errors: list[str] = field(default_factory=list)


def collapse(text: str) -> str:
    return " ".join(text.split())


def _strip_accents_upper(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).upper()


def _text(text: str, spec: FieldSpec, ctx: dict) -> Normalized:
    # OCR puts spaces around hyphens in compound names ("Saint -Jérôme"); a form never does.
    return Normalized(re.sub(r"(?<=\w) ?- ?(?=\w)", "-", collapse(text)).strip(" |_"))


def _integer(text: str, spec: FieldSpec, ctx: dict) -> Normalized:
    raw = re.sub(r"[\s.,'\u00a0\u202f]", "", text).translate(DIGIT_FIXES)
    if re.fullmatch(r"[-+]?\d+", raw):
        return Normalized(int(raw))
    return Normalized(None, [f"not a whole number: {collapse(text)!r}"])


def parse_decimal(text: str) -> float | None:
    """Read `1 234,56 $`, `$1,234.56`, `1234.56`, `1 234` as a number; None when it is not one."""
    s = text.replace("\u00a0", " ").replace("\u202f", " ")
    s = re.sub(r"(?i)\s*(\$|CAD|EUR|€)\s*", "", s).strip()
    s = s.translate(DIGIT_FIXES)
    s = re.sub(r"(?<=\d)[\s'](?=\d{3}\b)", "", s)  # thousands separated by spaces or apostrophes
    s = s.replace(" ", "")
    if re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?", s):  # 1,234.56
        s = s.replace(",", "")
    elif re.fullmatch(r"[-+]?\d{1,3}(\.\d{3})+(,\d+)?", s):  # 1.234,56
        s = s.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"[-+]?\d+,\d{1,2}", s):  # 1234,56
        s = s.replace(",", ".")
    if re.fullmatch(r"[-+]?\d+(\.\d+)?", s):
        return float(s)
    return None


def _decimal(text: str, spec: FieldSpec, ctx: dict) -> Normalized:
    v = parse_decimal(text)
    if v is None:
        return Normalized(None, [f"not a number: {collapse(text)!r}"])
    return Normalized(v)


def parse_date(text: str, order: str = "dmy") -> dt.date | None:
    s = collapse(_strip_accents_upper(text))
    s = re.sub(r"(?<=\d)\s*([/.\-])\s*(?=\d)", r"\1", s)
    s = re.sub(r"^(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})$", r"\1/\2/\3", s)  # a separator lost to a space
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", s)
    try:
        if m:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        m = re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{2,4})", s)
        if m:
            a, b, y = int(m[1]), int(m[2]), int(m[3])
            y = y + (2000 if y < 50 else 1900) if y < 100 else y
            d, mo = (a, b) if order != "mdy" else (b, a)
            return dt.date(y, mo, d)
        m = re.fullmatch(r"(\d{1,2})(?:ER)?\s+([A-Z]+)\.?\s+(\d{2,4})", s)
        if m and m[2] in MONTHS:
            y = int(m[3])
            y = y + (2000 if y < 50 else 1900) if y < 100 else y
            return dt.date(y, MONTHS[m[2]], int(m[1]))
        m = re.fullmatch(r"([A-Z]+)\.?\s+(\d{1,2}),?\s+(\d{4})", s)
        if m and m[1] in MONTHS:
            return dt.date(int(m[3]), MONTHS[m[1]], int(m[2]))
        m = re.fullmatch(r"(\d{2})(\d{2})(\d{4})", s)  # 03062019 (digits only, separators lost)
        if m:
            a, b = int(m[1]), int(m[2])
            d, mo = (a, b) if order != "mdy" else (b, a)
            return dt.date(int(m[3]), mo, d)
    except ValueError:
        return None
    return None


def _date(text: str, spec: FieldSpec, ctx: dict) -> Normalized:
    d = parse_date(text, ctx.get("date_order", "dmy"))
    if d is None:
        return Normalized(None, [f"not a date: {collapse(text)!r}"])
    return Normalized(d.isoformat())


def _enum(text: str, spec: FieldSpec, ctx: dict) -> Normalized:
    allowed = spec.values or []
    key = _strip_accents_upper(collapse(text))
    keys = {_strip_accents_upper(v): v for v in allowed}
    if key in keys:
        return Normalized(keys[key])
    close = difflib.get_close_matches(key, list(keys), n=1, cutoff=0.75)
    if close:
        return Normalized(keys[close[0]])
    return Normalized(None, [f"{collapse(text)!r} is not one of: {', '.join(allowed)}"])


LETTER_FIXES = str.maketrans({"0": "O", "1": "L", "5": "S", "8": "B", "2": "Z", "6": "G"})
POSTAL_LETTERS = set("ABCEGHJKLMNPRSTVWXYZ")


def _postal_code(text: str, spec: FieldSpec, ctx: dict) -> Normalized:
    raw = re.sub(r"[^0-9A-Za-z]", "", text).upper()
    if len(raw) == 6:
        fixed = "".join(c.translate(LETTER_FIXES) if i % 2 == 0 else c.translate(DIGIT_FIXES)
                        for i, c in enumerate(raw))
        if all((c in POSTAL_LETTERS) if i % 2 == 0 else c.isdigit() for i, c in enumerate(fixed)) and fixed[0] not in "WZ":
            return Normalized(f"{fixed[:3]} {fixed[3:]}")
    return Normalized(None, [f"not a Canadian postal code: {collapse(text)!r}"])


EMAIL = re.compile(r"[a-z0-9._%+'-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}")


def _email(text: str, spec: FieldSpec, ctx: dict) -> Normalized:
    raw = re.sub(r"\s+", "", text).lower().replace("(at)", "@")
    if EMAIL.fullmatch(raw):
        return Normalized(raw)
    return Normalized(None, [f"not an email address: {collapse(text)!r}"])


def _radio(text: str, spec: FieldSpec, ctx: dict) -> Normalized:
    chosen = [t for t in text.split("|") if t]
    allowed = [o.value for o in spec.options or []]
    if len(chosen) > 1:
        return Normalized(None, [f"more than one option ticked: {', '.join(chosen)}"])
    if chosen[0] not in allowed:
        return Normalized(None, [f"{chosen[0]!r} is not one of: {', '.join(allowed)}"])
    return Normalized(chosen[0])


def _checkbox(text: str, spec: FieldSpec, ctx: dict) -> Normalized:
    return Normalized(text.strip().lower() in ("1", "true", "x", "yes", "oui", "on"))


NORMALIZERS: dict[str, Callable[[str, FieldSpec, dict], Normalized]] = {
    "text": _text,
    "integer": _integer,
    "decimal": _decimal,
    "date": _date,
    "enum": _enum,
    "checkbox": _checkbox,
    "radio": _radio,
    "postal_code": _postal_code,
    "email": _email,
}


def normalize(spec: FieldSpec, text: str, *, date_order: str = "dmy") -> Normalized:
    """Value and problems for one field's raw text. Empty text gives null (an error only when required)."""
    if spec.type != "checkbox" and not collapse(text):
        return Normalized(None, ["required field is empty"] if spec.required else [])
    out = NORMALIZERS[spec.type](text, spec, {"date_order": date_order})
    limit = spec.max_length or spec.comb
    if limit and isinstance(out.value, str) and len(out.value) > limit:
        out.errors.append(f"{len(out.value)} characters, more than the {limit} the form allows")
    if out.value is not None and spec.pattern and isinstance(out.value, str):
        if not re.search(spec.pattern, str(out.value)):
            out.errors.append(f"{out.value!r} does not match the pattern {spec.pattern}")
    return out
