"""Compare records with a ground-truth file (as written by tools/make_samples.py): field accuracy, and how many
fields of accepted records are wrong. Used by the tests and the benchmarks."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable


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
    misses: list[str] = field(default_factory=list)

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
