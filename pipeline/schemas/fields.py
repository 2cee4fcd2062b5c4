"""Normalize and validate field values by type.

`normalize(field, text)` turns the raw text read into the value stored in the record, plus the list of problems
found. Problems are data, never exceptions. Each type says what it normalizes to:

| type     | record value                      |
|----------|-----------------------------------|
| text     | string, whitespace collapsed, stray end punctuation dropped |
| integer  | JSON integer                      |
| decimal  | JSON number (French or English format read) |
| date     | "YYYY-MM-DD"                      |
| checkbox | true / false                      |
| radio    | the value of the one option ticked, null when none |
| enum     | one of the allowed values, exactly as the schema writes it |
| postal_code | Canadian postal code "A1A 1A1" |
| email    | lower-case address, OCR's stray spaces removed |
| money    | JSON number rounded to cents (French or English format) |
| phone    | North American "514-555-0199" |
| sin      | Canadian social insurance number (NAS) "046 454 286", check digit verified |
| ramq     | Québec health-insurance number "TREM85031512", checked against the holder's fields when named |
| siret    | French SIRET, 14 digits, check digit verified |
| siren    | French SIREN, 9 digits, check digit verified |
| signature | true when the zone holds ink |
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
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


def without_accents(text: str) -> str:
    """The text with its accents (and compatibility forms: a ligature) taken off: "Éducation" is "Education"."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _strip_accents_upper(text: str) -> str:
    return without_accents(text).upper()


def _text(text: str, spec: FieldSpec, ctx: dict) -> Normalized:
    # OCR puts spaces around hyphens in compound names ("Saint -Jérôme"); a form never does.
    out = re.sub(r"(?<=\w) ?- ?(?=\w)", "-", collapse(text)).strip(" |_")
    # A speck or a border's remnant beside a value is read as a comma, colon, semicolon, "!" or closing quote after
    # it ("Muller:", "646,", "315!"), or as an opening quote or bracket before it ("‘Lyon", "[789"): no value ends
    # or starts so (a full stop may: "Inc.")
    out = re.sub(r"[\s,;:!’”]+$", "", out)
    return Normalized(re.sub(r"^[‘“\[(]+(?=[^\])]*$)", "", out).strip())


def _integer(text: str, spec: FieldSpec, ctx: dict) -> Normalized:
    raw = re.sub(r"[\s.,'\u00a0\u202f]", "", text).translate(DIGIT_FIXES)
    if re.fullmatch(r"[-+]?\d+", raw):
        return Normalized(int(raw))
    return Normalized(None, [f"not a whole number: {collapse(text)!r}"])


# An amount's last two digits a space after the others, once thousands are joined (a thousands group has three):
# cents whose decimal mark the scan lost ("6183 04" for "6183,04", a comma's few pixels gone under a stamp)
CENTS_APART = re.compile(r"[-+]?\d+ \d{2}")


def _amount_text(text: str) -> str:
    s = text.replace("\u00a0", " ").replace("\u202f", " ")
    s = re.sub(r"(?i)\s*(\$|CAD|EUR|€)\s*", "", s).strip()
    s = s.translate(DIGIT_FIXES)
    return re.sub(r"(?<=\d)[\s'](?=\d{3}\b)", "", s)  # thousands separated by spaces or apostrophes


def decimal_mark_lost(text: str) -> bool:
    """Whether an amount is read with its cents a space apart, their decimal mark lost (see CENTS_APART)."""
    return CENTS_APART.fullmatch(_amount_text(text)) is not None


def parse_decimal(text: str) -> float | None:
    """Read `1 234,56 $`, `$1,234.56`, `1234.56`, `1 234` as a number, and `6183 04` as 6183.04 (CENTS_APART);
    None when it is not one."""
    s = _amount_text(text)
    s = s.replace(" ", ".") if CENTS_APART.fullmatch(s) else s.replace(" ", "")
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
    s = collapse(_strip_accents_upper(text)).strip(" .,;:'_-")  # a dot or dash left by the line it is written on
    s = re.sub(r"(?<=\d)\s*([/.\-])\s*(?=\d)", r"\1", s)
    s = re.sub(r"^(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})$", r"\1/\2/\3", s)  # a separator lost to a space
    s = re.sub(r"^(\d{2})(\d{2})([/.\-])(\d{4})$", r"\1\3\2\3\4", s)  # one of two separators lost: 2906/2018
    s = re.sub(r"^(\d{2})([/.\-])(\d{2})(\d{4})$", r"\1\2\3\2\4", s)  # 29/062018
    s = re.sub(r"^(\d{4})[/.\- ](\d{1,2})[/.\- ](\d{1,2})$", r"\1-\2-\3", s)  # 2019 06 03
    if order == "ymd":
        s = re.sub(r"^(\d{4})(\d{2})(\d{2})$", r"\1-\2-\3", s)  # 20190603 (digits only, separators lost)
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


FORM_YEARS = range(1850, 2100)  # the years of the dates a form holds: a date of another year is a date read wrong
# (a hand's "1978" read "1178" or "2976"), and no value


@functools.lru_cache(maxsize=3)
def written_dates(order: str = "dmy") -> tuple[str, ...]:
    """Every date of FORM_YEARS as a hand writes it in a form's boxes or on its line, in `order`: two digits of
    day and of month and four of year, a slash apart or run together ("05/03/1971", "05031971"; year first, a dash
    apart: "1971-03-05", "19710305"): what a date read wrong may have been (`extract._likeliest_date`). About
    183,000 texts, made once (0.1 s)."""
    day = dt.date(FORM_YEARS.start, 1, 1)
    out = []
    while day.year < FORM_YEARS.stop:
        a, b = (day.day, day.month) if order != "mdy" else (day.month, day.day)
        if order == "ymd":
            out += [f"{day.year:04d}-{day.month:02d}-{day.day:02d}", f"{day.year:04d}{day.month:02d}{day.day:02d}"]
        else:
            out += [f"{a:02d}/{b:02d}/{day.year:04d}", f"{a:02d}{b:02d}{day.year:04d}"]
        day += dt.timedelta(days=1)
    return tuple(out)


def _date(text: str, spec: FieldSpec, ctx: dict) -> Normalized:
    d = parse_date(text, ctx.get("date_order", "dmy"))
    if d is None:
        return Normalized(None, [f"not a date: {collapse(text)!r}"])
    if d.year not in FORM_YEARS:
        return Normalized(None, [f"not a date of a form (years {FORM_YEARS.start}-{FORM_YEARS.stop - 1}): "
                                 f"{collapse(text)!r}"])
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


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _digits(text: str) -> str:
    return re.sub(r"[\s.\-/]", "", text).translate(DIGIT_FIXES)


def _money(text: str, spec: FieldSpec, ctx: dict) -> Normalized:
    out = _decimal(text, spec, ctx)
    return Normalized(round(out.value, 2), out.errors) if out.value is not None else out


def _phone(text: str, spec: FieldSpec, ctx: dict) -> Normalized:
    d = re.sub(r"[\s().\-+]", "", text).translate(DIGIT_FIXES)
    if len(d) == 11 and d[0] == "1":
        d = d[1:]
    if re.fullmatch(r"[2-9]\d{2}[2-9]\d{6}", d):
        return Normalized(f"{d[:3]}-{d[3:6]}-{d[6:]}")
    return Normalized(None, [f"not a North American phone number: {collapse(text)!r}"])


def _sin(text: str, spec: FieldSpec, ctx: dict) -> Normalized:
    d = _digits(text)
    if not re.fullmatch(r"\d{9}", d):
        return Normalized(None, [f"a social insurance number has 9 digits: {collapse(text)!r}"])
    v = f"{d[:3]} {d[3:6]} {d[6:]}"
    return Normalized(v, [] if luhn_ok(d) else [f"{v}: the check digit is wrong"])


def _french_id(length: int, label: str):
    def norm(text: str, spec: FieldSpec, ctx: dict) -> Normalized:
        d = _digits(text)
        if not re.fullmatch(rf"\d{{{length}}}", d):
            return Normalized(None, [f"a {label} has {length} digits: {collapse(text)!r}"])
        return Normalized(d, [] if luhn_ok(d) else [f"{d}: the check digit is wrong"])
    return norm


def _ramq(text: str, spec: FieldSpec, ctx: dict) -> Normalized:
    raw = re.sub(r"[\s\-]", "", text).upper()
    if len(raw) == 12:
        fixed = "".join(c.translate(LETTER_FIXES) if i < 4 else c.translate(DIGIT_FIXES) for i, c in enumerate(raw))
        if re.fullmatch(r"[A-Z]{4}\d{8}", fixed):
            yy, mm, dd = int(fixed[4:6]), int(fixed[6:8]), int(fixed[8:10])
            month = mm - 50 if mm > 50 else mm
            try:
                dt.date(2000 + yy, month, dd)
            except ValueError:
                return Normalized(fixed, [f"{fixed}: the birth date in the number is impossible"])
            return Normalized(fixed)
    return Normalized(None, [f"a RAMQ number is 4 letters and 8 digits: {collapse(text)!r}"])


def ramq_holder_problems(number: str, surname: Any, given: Any, birth: Any, sex: Any) -> list[str]:
    """Disagreements between a RAMQ number and its holder's name, birth date and sex (those known)."""
    out = []
    letters = lambda s: re.sub(r"[^A-Z]", "", _strip_accents_upper(str(s)))  # noqa: E731
    if surname and letters(surname)[:3].ljust(3, "X") != number[:3]:
        out.append(f"{number}: does not match the surname {surname!r}")
    if given and letters(given)[:1] != number[3]:
        out.append(f"{number}: does not match the given name {given!r}")
    mm = int(number[6:8])
    if birth:
        y, m, d = str(birth).split("-")
        if (y[2:], int(m), d) != (number[4:6], mm - 50 if mm > 50 else mm, number[8:10]):
            out.append(f"{number}: does not match the birth date {birth}")
    if sex and str(sex).upper()[:1] in ("F", "M") and (mm > 50) != (str(sex).upper()[:1] == "F"):
        out.append(f"{number}: the month does not match the holder's sex")
    return out


def _signature(text: str, spec: FieldSpec, ctx: dict) -> Normalized:
    return Normalized(text.strip() == "X")


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
    "money": _money,
    "phone": _phone,
    "sin": _sin,
    "ramq": _ramq,
    "siret": _french_id(14, "SIRET"),
    "siren": _french_id(9, "SIREN"),
    "signature": _signature,
}


def _lt(a: Any, b: Any) -> bool:
    try:
        return float(a) < float(b)
    except (TypeError, ValueError):
        return str(a) < str(b)


def normalize(spec: FieldSpec, text: str, *, date_order: str = "dmy") -> Normalized:
    """Value and problems for one field's raw text. Empty text gives null (an error only when required). A date is
    read in the field's own order, else in `date_order` (the schema's)."""
    if spec.type not in ("checkbox", "signature") and not collapse(text):
        return Normalized(None, ["required field is empty"] if spec.required else [])
    out = NORMALIZERS[spec.type](text, spec, {"date_order": spec.date_order or date_order})
    limit = spec.max_length or spec.comb
    if limit and isinstance(out.value, str) and len(out.value) > limit:
        out.errors.append(f"{len(out.value)} characters, more than the {limit} the form allows")
    if spec.min_length and isinstance(out.value, str) and len(out.value) < spec.min_length:
        out.errors.append(f"{len(out.value)} characters, fewer than {spec.min_length}")
    if out.value is not None and not isinstance(out.value, bool):
        if spec.min is not None and _lt(out.value, spec.min):
            out.errors.append(f"{out.value} is below the minimum {spec.min}")
        if spec.max is not None and _lt(spec.max, out.value):
            out.errors.append(f"{out.value} is above the maximum {spec.max}")
    if out.value is not None and spec.pattern and isinstance(out.value, str):
        if not re.search(spec.pattern, str(out.value)):
            out.errors.append(f"{out.value!r} does not match the pattern {spec.pattern}")
    return out
