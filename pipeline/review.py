"""Reviewing records: the queue, holds, corrections, and a record's page as the review station shows it.

Nothing here knows HTTP: `web/` calls these functions. A correction goes through the same normalization and
validation as ingestion; a decision writes a new version of the record (the earlier one kept under
`versions/<id>/r<revision>.json`) and its row of the counting index (`index/reviews/`), so that `demat stats`
counts the record once, in its new status, at once.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass
from typing import Any, Literal

import cv2
import numpy as np

from .inputs import load
from .inputs.preprocess import rotate, turn
from .reading.templates import WORK_DPI, TemplateCache
from .record import ACCEPTED, NEEDS_REVIEW, REJECTED, doubted, doubtful_code, now_iso, rule_problems
from .schemas.fields import normalize
from .schemas.schema import FieldSpec, LoadedSchema
from .storage import index
from .storage.store import Store

RECORD_ID = re.compile(r"^[0-9a-f]{32}-p[0-9]{3}$")
HOLD_SECONDS = 300  # a record opened by a reviewer is theirs this long; "Next" skips it meanwhile
Decision = Literal["accept", "reject"]


class Conflict(Exception):
    """The record changed since it was opened: nothing was saved."""


def load_record(store: Store, record_id: str) -> dict[str, Any] | None:
    """The record, or None for an id that is not a record id (no path of a URL reaches the store unchecked)."""
    if not RECORD_ID.match(record_id or ""):
        return None
    try:
        return json.loads(store.get(f"records/{record_id}.json"))
    except KeyError:
        return None


# ------------------------------------------------------------------------------------------------ the queue


@dataclass(frozen=True)
class QueueItem:
    id: str
    procedure: str | None
    batch: str | None
    ingested_at: str | None
    quality: bool = False  # an accepted record drawn for a second look


DEFAULT_QUALITY_SHARE = 0.02
SETTINGS_KEY = "settings/review.json"


def settings(store: Store) -> dict[str, Any]:
    """The review settings an administrator sets (`demat settings`): the quality share, 0..1."""
    try:
        data = json.loads(store.get(SETTINGS_KEY))
    except KeyError:
        data = {}
    return {"quality_share": float(data.get("quality_share", DEFAULT_QUALITY_SHARE))}


def set_quality_share(store: Store, share: float) -> None:
    if not 0.0 <= share <= 1.0:
        raise ValueError("the quality share is between 0 and 1")
    store.put(SETTINGS_KEY, json.dumps({**settings(store), "quality_share": share}).encode(),
              content_type="application/json")


def drawn_for_quality(record_id: str, share: float) -> bool:
    """Whether an accepted record is drawn for a second look: by its id, so the same records always are."""
    return int(hashlib.sha256(record_id.encode()).hexdigest()[:8], 16) < share * 2**32


def queue(store: Store, sees, *, procedure: str | None = None, batch: str | None = None, kind: str | None = None
          ) -> list[QueueItem]:
    """Records waiting for review that `sees(procedure)` allows, oldest first (from the counting index), then the
    accepted records drawn for a second look that no one has looked at yet (quality sampling). `kind`: only
    records waiting for that kind of doubt (`record.REVIEW_KINDS`)."""
    table = index.read(store, ["id", "procedure", "status", "batch", "ingested_at", "revision", "review_kinds"])
    share = settings(store)["quality_share"]
    items = []
    for r in table.to_pylist():
        if not sees(r["procedure"]) or (procedure is not None and r["procedure"] != procedure) \
                or (batch is not None and r["batch"] != batch):
            continue
        if r["status"] == NEEDS_REVIEW:
            if kind is None or kind in (r["review_kinds"] or "").split(","):
                items.append(QueueItem(r["id"], r["procedure"], r["batch"], r["ingested_at"]))
        elif (kind is None and r["status"] == ACCEPTED and not r["revision"] and share
              and drawn_for_quality(r["id"], share)):
            items.append(QueueItem(r["id"], r["procedure"], r["batch"], r["ingested_at"], True))
    return sorted(items, key=lambda i: (i.quality, i.ingested_at or "", i.id))


def _hold_key(record_id: str) -> str:
    return f"holds/{record_id}.json"


def holder(store: Store, record_id: str, now: float | None = None) -> str | None:
    """Who holds the record now (a hold older than HOLD_SECONDS has expired)."""
    try:
        hold = json.loads(store.get(_hold_key(record_id)))
    except KeyError:
        return None
    return hold["by"] if hold["until"] > (now or time.time()) else None


_HOLDS = threading.Lock()


def hold(store: Store, record_id: str, user: str, now: float | None = None) -> bool:
    """Hold the record for `user`; False when another reviewer holds it."""
    now = now or time.time()
    with _HOLDS:
        other = holder(store, record_id, now)
        if other not in (None, user):
            return False
        store.put(_hold_key(record_id), json.dumps({"by": user, "until": now + HOLD_SECONDS}).encode(),
                  content_type="application/json")
        return True


def release(store: Store, record_id: str, user: str) -> None:
    with _HOLDS:
        if holder(store, record_id) == user:
            store.delete(_hold_key(record_id))


def next_item(store: Store, sees, user: str, **filters: str | None) -> QueueItem | None:
    """The oldest record no one else holds, now held for `user`."""
    for item in queue(store, sees, **filters):
        if hold(store, item.id, user):
            return item
    return None


# ------------------------------------------------------------------------------------------- corrections


def input_text(spec: FieldSpec, field: dict[str, Any]) -> str:
    """What the review form shows in a field's input: its value as a person types it."""
    value = field.get("value")
    if spec.type in ("checkbox", "signature"):
        return "X" if value else ""
    if value is None:
        return field.get("text") or ""
    return str(value)


def doubtful(spec: FieldSpec, field: dict[str, Any]) -> bool:
    """What the station shows as doubtful: a field with an error, read below its confidence, or a code of letters
    and digits the record was held for (until a person confirms it: confidence 1.0)."""
    confidence = float(field.get("confidence") or 0)
    return (bool(field.get("errors")) or confidence < spec.min_confidence
            or doubtful_code(spec, field.get("value"), field.get("text") or "", confidence))


def apply(schema: LoadedSchema, record: dict[str, Any], typed: dict[str, str], *, by: str, at: str
          ) -> tuple[dict[str, Any], dict[str, str]]:
    """The record with the values typed where they differ from what it shows; the problems of those that do not
    validate (field -> message). Nothing is written."""
    new = copy.deepcopy(record)
    problems: dict[str, str] = {}
    specs = {f.name: f for f in schema.spec.fields}
    for name, text in typed.items():
        spec = specs.get(name)
        old = record["fields"].get(name)
        if spec is None or old is None:
            continue
        if " ".join(text.split()) == " ".join(input_text(spec, old).split()):
            continue
        norm = normalize(spec, text, date_order=schema.spec.date_order)
        if norm.errors:
            problems[name] = norm.errors[0]
            continue
        new["fields"][name] = {"value": norm.value, "text": old.get("text", ""), "confidence": 1.0, "errors": [],
                               "review": {"by": by, "at": at, "was": old.get("value")}}
    return new, problems


def decide(schema: LoadedSchema, record: dict[str, Any], typed: dict[str, str], decision: Decision, *, by: str,
           reason: str = "") -> tuple[dict[str, Any] | None, dict[str, str]]:
    """The record's next version, or None and the problems (field -> message; "" for the record) that stop it.
    Accepting asks every field to be valid and every rule kept: what the reviewer did not change is taken as
    confirmed, as it shows."""
    at = now_iso()
    new, problems = apply(schema, record, typed, by=by, at=at)
    if problems:
        return None, problems
    if decision == "accept":
        for spec in schema.spec.fields:
            field = new["fields"].get(spec.name)
            if field is None or "review" in field:
                continue
            norm = normalize(spec, input_text(spec, field), date_order=schema.spec.date_order)
            if norm.errors:
                problems[spec.name] = norm.errors[0]
            else:
                field["errors"] = []
        for name, problem in rule_problems(schema.spec, new["fields"]):
            problems.setdefault(name if name in new["fields"] else "", problem)
        if problems:
            return None, problems
        new["status"], new["errors"] = ACCEPTED, []
    else:
        if not reason.strip():
            return None, {"": "a rejected record needs its reason"}
        new["status"], new["errors"] = REJECTED, [" ".join(reason.split())]
    if record["status"] == ACCEPTED and not record.get("revision"):  # a second look at an accepted record
        changed = sorted(n for n, f in new["fields"].items() if "review" in f and "review" not in record["fields"][n])
        new["quality_check"] = {"by": by, "at": at, "fields": len(new["fields"]), "changed": changed}
    _next_version(record, new, by, at)
    return new, {}


def _next_version(record: dict[str, Any], new: dict[str, Any], by: str, at: str) -> None:
    """Stamp `new` as the reviewed version after `record`; the fields that sent it to review stay named."""
    new["revision"] = int(record.get("revision") or 0) + 1
    new["reviewed_by"], new["reviewed_at"] = by, at
    new["doubted"] = doubted(record)


def quality(store: Store) -> list[dict[str, Any]]:
    """The measured wrong-field rate of accepted records: per procedure and field, how many second looks saw the
    field and how many changed it. Read from the records reviewed (the index's rows of revision 1 and more)."""
    table = index.read(store, ["id", "revision"])
    seen: dict[tuple[str, str], list[int]] = {}
    for row in table.to_pylist():
        if not row["revision"]:
            continue
        record = load_record(store, row["id"])
        check = (record or {}).get("quality_check")
        if not check:
            continue
        for name in record["fields"]:
            counts = seen.setdefault((record["procedure"], name), [0, 0])
            counts[0] += 1
            counts[1] += name in check["changed"]
    rows = [{"procedure": p, "field": f, "checked": n, "wrong": w, "rate": round(w / n, 4)}
            for (p, f), (n, w) in sorted(seen.items())]
    for p in sorted({r["procedure"] for r in rows}):
        n = sum(r["checked"] for r in rows if r["procedure"] == p)
        w = sum(r["wrong"] for r in rows if r["procedure"] == p)
        rows.append({"procedure": p, "field": "(all)", "checked": n, "wrong": w, "rate": round(w / n, 4)})
    return rows


def confirm_field(schema: LoadedSchema, record: dict[str, Any], name: str, text: str, *, by: str
                  ) -> tuple[dict[str, Any] | None, str]:
    """The record with one field confirmed as `text` by a person (group verification): the field is then sure,
    its reasons gone; the record is accepted when nothing else in it is doubtful. (None, problem) when `text`
    does not validate."""
    spec = next((f for f in schema.spec.fields if f.name == name), None)
    old = record["fields"].get(name)
    if spec is None or old is None:
        return None, "no such field"
    norm = normalize(spec, text, date_order=schema.spec.date_order)
    if norm.errors:
        return None, norm.errors[0]
    at = now_iso()
    new = copy.deepcopy(record)
    field = {"value": norm.value, "text": old.get("text", ""), "confidence": 1.0, "errors": []}
    if norm.value != old.get("value"):
        field["review"] = {"by": by, "at": at, "was": old.get("value")}
    new["fields"][name] = field
    new["errors"] = [e for e in record.get("errors") or [] if not e.startswith(f"field {name}:")]
    if not new["errors"] and new["status"] == NEEDS_REVIEW:
        new["status"] = ACCEPTED
    _next_version(record, new, by, at)
    return new, ""


def group(store: Store, schemas: list[LoadedSchema], sees, procedure: str, name: str, *, limit: int = 60
          ) -> list[dict[str, Any]]:
    """Records of the queue of one procedure that hold field `name`, the doubtful ones first, for group
    verification: each as its record."""
    out = []
    for item in queue(store, sees, procedure=procedure):
        if item.quality:  # a second look is a look at the whole record
            continue
        record = load_record(store, item.id)
        if record is not None and name in record["fields"]:
            out.append(record)
    specs = {s.procedure: {f.name: f for f in s.spec.fields} for s in schemas}
    out.sort(key=lambda r: not doubtful(specs[procedure][name], r["fields"][name]) if procedure in specs else False)
    return out[:limit]


_SAVES = threading.Lock()


def save(store: Store, new: dict[str, Any], *, opened_revision: int) -> None:
    """Write the new version: the one it replaces first (kept under versions/), then the record, then its index
    row. A crash in between leaves the old version counted, or the new one, never both. Raises Conflict when the
    record changed since it was opened at `opened_revision`."""
    rid = new["id"]
    with _SAVES:
        current = load_record(store, rid)
        if current is None or int(current.get("revision") or 0) != opened_revision:
            raise Conflict(rid)
        store.put(f"versions/{rid}/r{opened_revision:04d}.json", json.dumps(current, ensure_ascii=False,
                                                                            indent=1).encode(),
                  content_type="application/json")
        store.put(f"records/{rid}.json", json.dumps(new, ensure_ascii=False, indent=1).encode(),
                  content_type="application/json", metadata={"status": new["status"]})
        index.write_review(store, new)
    release(store, rid, new.get("reviewed_by") or "")


# -------------------------------------------------------------------------------------------- its pages


def aligned_page(store: Store, record: dict[str, Any], schema: LoadedSchema, n: int,
                 templates: TemplateCache) -> np.ndarray | None:
    """The record's n-th page (1-based, of its own pages) in the template's frame at WORK_DPI, as it was read:
    the original page, turned, deskewed and warped with the record's alignment. Nothing is read again."""
    pages = record.get("alignment") or []
    if not 1 <= n <= len(pages) or "matrix" not in pages[n - 1]:
        return None
    info = pages[n - 1]
    data = store.get(record["source"]["original"])
    page = next((p for p in load.pages(data, record["source"]["media_type"]) if p.number == info["page"]), None)
    if page is None:
        return None
    tpl = templates.get(schema, info["template_page"])
    if isinstance(page, load.TextPage):
        image = page.render(WORK_DPI)
    else:
        image = rotate(turn(page.image, int(info.get("turned_deg") or 0)), float(info.get("skew_deg") or 0))
    th, tw = tpl.image.shape
    return cv2.warpPerspective(image, np.array(info["matrix"], dtype=np.float64), (tw, th),
                               flags=cv2.INTER_LINEAR, borderValue=255)


def zone_box(spec: FieldSpec, schema: LoadedSchema, templates: TemplateCache) -> tuple[int, int, int, int] | None:
    """A field's zone in WORK_DPI pixels of its template page (the union of a radio group's options)."""
    zones = [o.zone for o in spec.options or []] or ([spec.zone] if spec.zone else [])
    if not zones:
        return None
    k = templates.get(schema, spec.page).px_per_unit
    return (int(min(z[0] for z in zones) * k), int(min(z[1] for z in zones) * k),
            int(max(z[2] for z in zones) * k), int(max(z[3] for z in zones) * k))


def crop(image: np.ndarray, box: tuple[int, int, int, int], margin: int = 12) -> np.ndarray:
    x0, y0, x1, y1 = box
    h, w = image.shape[:2]
    return image[max(0, y0 - margin):min(h, y1 + margin), max(0, x0 - margin):min(w, x1 + margin)]


def png(image: np.ndarray, width: int | None = None) -> bytes:
    if width and image.shape[1] > width:
        f = width / image.shape[1]
        image = cv2.resize(image, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".png", image)
    assert ok
    return buf.tobytes()
