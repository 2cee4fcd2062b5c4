"""Compare records with a ground-truth file (as written by tools/make_samples.py): field accuracy, and how many
fields of accepted records are wrong. Used by the tests and the benchmarks."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable

from .record import doubted as record_doubted


def same(expected: Any, got: Any) -> bool:
    if isinstance(expected, float) or isinstance(got, float):
        try:
            return math.isclose(float(expected), float(got), abs_tol=0.005)
        except (TypeError, ValueError):
            return False
    if isinstance(expected, str) and isinstance(got, str):
        return " ".join(expected.split()) == " ".join(got.split())
    return expected == got


@dataclass
class Score:
    fields: int = 0
    correct: int = 0
    accepted_fields: int = 0
    accepted_wrong: int = 0
    instances: int = 0
    found: int = 0
    identified: int = 0
    accepted: int = 0
    checkboxes: int = 0  # fields whose truth is true/false
    checkboxes_correct: int = 0
    extra: int = 0  # records beyond the form instances of their sources (a page of no form counted as a record)
    doubted: int = 0  # fields a person is shown as doubtful (`record.doubted`): what review costs, field by field
    misses: list[str] = field(default_factory=list)

    @property
    def to_review(self) -> float:
        """Doubtful fields a person looks at, per form instance."""
        return self.doubted / self.instances if self.instances else 0.0

    @property
    def checkbox_accuracy(self) -> float:
        return self.checkboxes_correct / self.checkboxes if self.checkboxes else 1.0

    @property
    def straight_through(self) -> float:
        return self.accepted / self.instances if self.instances else 0.0

    @property
    def accuracy(self) -> float:
        return self.correct / self.fields if self.fields else 0.0

    @property
    def false_accept_rate(self) -> float:
        return self.accepted_wrong / self.accepted_fields if self.accepted_fields else 0.0


def score(records: Iterable[dict[str, Any]], truth: list[dict[str, Any]]) -> dict[str, Score]:
    """Scores per truth `kind` (clean, degraded) and overall ("all")."""
    by_source: dict[tuple[str, int], dict[str, Any]] = {}
    per_name: dict[str, int] = {}
    for r in records:
        pages = r["source"].get("pages") or [0]
        by_source[(r["source"]["name"], pages[0])] = r
        per_name[r["source"]["name"]] = per_name.get(r["source"]["name"], 0) + 1
    instances: dict[str, int] = {}
    for t in truth:
        instances[t["source"]] = instances.get(t["source"], 0) + 1
    out: dict[str, Score] = {}
    counted: set[str] = set()
    for t in truth:
        extra = 0 if t["source"] in counted else max(0, per_name.get(t["source"], 0) - instances[t["source"]])
        counted.add(t["source"])
        for kind in (t["kind"], "all"):
            s = out.setdefault(kind, Score())
            rec = by_source.get((t["source"], t["pages"][0]))
            s.extra += extra
            if extra and kind != "all":
                s.misses.append(f"{t['source']}: {extra} record(s) more than its form instances")
            s.instances += 1
            s.fields += len(t["fields"])
            if rec is None:
                s.misses.append(f"{t['source']} p{t['pages'][0]}: no record")
                continue
            s.found += 1
            if rec.get("procedure") != t["procedure"]:
                s.misses.append(f"{t['source']}: identified as {rec.get('procedure')}")
                continue
            s.identified += 1
            accepted = rec["status"] == "accepted"
            s.accepted += accepted
            doubted = set(record_doubted(rec))
            s.doubted += sum(name in doubted for name in t["fields"])
            for name, expected in t["fields"].items():
                got = rec["fields"].get(name, {}).get("value")
                ok = same(expected, got)
                s.correct += ok
                if isinstance(expected, bool):
                    s.checkboxes += 1
                    s.checkboxes_correct += ok
                if accepted:
                    s.accepted_fields += 1
                    s.accepted_wrong += not ok
                if not ok and kind != "all":
                    read = rec["fields"].get(name, {})
                    s.misses.append(f"{t['source']} {name}: expected {expected!r}, got {got!r} "
                                    f"(read {read.get('text')!r}, confidence {read.get('confidence', 0):.2f})"
                                    + (" ACCEPTED" if accepted else ""))
    return out


# ------------------------------------------------------------------ proposed zones against the imported ones

BOXES = ("checkbox", "radio")


def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Intersection over union of two boxes (x0, y0, x1, y1); 0 when they do not overlap."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


@dataclass
class ZoneScore:
    targets: int = 0  # the imported schema's zones (each option of a radio group is one)
    proposed: int = 0
    matched: int = 0
    typed: int = 0  # matched zones whose proposed type is the imported one (a checkbox for a radio option)
    elsewhere: int = 0  # proposed on pages where the imported schema has no field
    pairs: dict[str, str] = field(default_factory=dict)  # imported field (`name=value`: a radio option) -> proposed

    @property
    def recall(self) -> float:
        return self.matched / self.targets if self.targets else 0.0

    @property
    def precision(self) -> float:
        return self.matched / self.proposed if self.proposed else 0.0

    @property
    def types(self) -> float:
        return self.typed / self.matched if self.matched else 0.0


def _kind(f: dict[str, Any]) -> str:
    kind = f.get("type", "text")
    return "box" if kind in BOXES else kind


def match_zones(imported: list[dict[str, Any]], proposed: list[dict[str, Any]], min_iou: float = 0.5) -> ZoneScore:
    """Pair zones one to one, best overlap first (same page, IoU >= min_iou): recall of the imported zones,
    precision of the proposed ones, share of paired fields whose type agrees."""
    targets = []
    for f in imported:
        if f.get("type") == "radio" and f.get("options"):
            targets += [(f"{f['name']}={o['value']}", f.get("page", 1), tuple(o["zone"]), "box") for o in f["options"]]
        else:
            targets.append((f["name"], f.get("page", 1), tuple(f["zone"]), _kind(f)))
    # Pages where the import reads no field (a second copy of the form whose widgets repeat the first's) are left
    # out: their proposals are counted apart, as `elsewhere`.
    pages = {t[1] for t in targets}
    got = [(f["name"], f.get("page", 1), tuple(f["zone"]), _kind(f)) for f in proposed
           if f.get("zone") and f.get("page", 1) in pages]
    pairs = sorted(((iou(t[2], g[2]), i, j) for i, t in enumerate(targets) for j, g in enumerate(got)
                    if t[1] == g[1]), reverse=True)
    s = ZoneScore(targets=len(targets), proposed=len(got),
                  elsewhere=sum(1 for f in proposed if f.get("page", 1) not in pages))
    done_t: set[int] = set()
    done_g: set[int] = set()
    for overlap, i, j in pairs:
        if overlap < min_iou:
            break
        if i in done_t or j in done_g:
            continue
        done_t.add(i)
        done_g.add(j)
        s.matched += 1
        s.typed += targets[i][3] == got[j][3]
        s.pairs[targets[i][0]] = got[j][0]
    return s
