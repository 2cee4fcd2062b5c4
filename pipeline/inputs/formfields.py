"""The fields of a fillable PDF (AcroForm): its widgets, and the values a filled copy holds in them.

Reading a filled form's values belongs with the inputs (a filled PDF is read from its fields, not its page text);
building a schema from a blank form's widgets is `pipeline.schemas.acroform`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any, Iterator

FF_MULTILINE, FF_RADIO, FF_PUSHBUTTON, FF_COMB = 1 << 12, 1 << 15, 1 << 16, 1 << 24
F_HIDDEN, F_NOVIEW = 1 << 1, 1 << 5  # annotation flags of a widget never shown on screen nor printed


@dataclass
class Widget:
    qualified: str
    partial: str
    kind: str  # /Tx /Btn /Ch /Sig
    flags: int
    max_len: int | None
    tooltip: str
    page: int  # 1-based, in the original PDF
    rect: tuple[float, float, float, float]  # PDF user space, bottom-left origin
    on_state: str | None
    options: list[str] = field(default_factory=list)
    value: str = ""  # a text field's filled value (/V)
    state: str = ""  # a button widget's appearance state (/AS): its on-state when ticked, /Off or empty
    hidden: bool = False  # flagged hidden or no-view: its value never shows (a form's computed helpers)


def inherited(obj: Any, key: str) -> Any:
    while obj is not None:
        obj = obj.get_object()
        if key in obj:
            return obj[key]
        obj = obj.get("/Parent")
    return None


def qualified_name(obj: Any) -> tuple[str, str]:
    parts = []
    obj = obj.get_object()
    while obj is not None:
        if "/T" in obj:
            parts.append(str(obj["/T"]))
        parent = obj.get("/Parent")
        obj = parent.get_object() if parent is not None else None
    return ".".join(reversed(parts)), (parts[0] if parts else "")


def widget_annotations(pages: Any) -> Iterator[tuple[Any, str]]:
    """Every widget annotation of these pages (pypdf's), with its field's fully qualified name."""
    for page in pages:
        for annot in page.get("/Annots") or []:
            a = annot.get_object()
            if a.get("/Subtype") == "/Widget":
                yield a, qualified_name(a)[0]


def widgets(reader: Any) -> list[Widget]:
    out = []
    for pno, page in enumerate(reader.pages, start=1):
        box = page.mediabox
        for annot in page.get("/Annots") or []:
            a = annot.get_object()
            if a.get("/Subtype") != "/Widget":
                continue
            qualified, partial = qualified_name(a)
            kind = str(inherited(a, "/FT") or "")
            if not qualified or kind not in ("/Tx", "/Btn", "/Ch"):
                continue
            x0, y0, x1, y1 = (float(v) for v in a["/Rect"])
            rect = (min(x0, x1) - float(box.left), min(y0, y1) - float(box.bottom),
                    max(x0, x1) - float(box.left), max(y0, y1) - float(box.bottom))
            on = None
            if kind == "/Btn":
                states = [str(k) for k in ((a.get("/AP") or {}).get("/N") or {}).keys()]
                on = next((s for s in states if s != "/Off"), None)
            opts = []
            for o in inherited(a, "/Opt") or []:
                o = o.get_object() if hasattr(o, "get_object") else o
                opts.append(str(o[1] if isinstance(o, list) and len(o) > 1 else o))
            max_len = inherited(a, "/MaxLen")
            value = inherited(a, "/V") if kind == "/Tx" else None
            out.append(Widget(qualified, partial, kind, int(inherited(a, "/Ff") or 0),
                              int(max_len) if max_len is not None else None, str(inherited(a, "/TU") or ""),
                              pno, rect, on, opts, str(value) if value is not None else "", str(a.get("/AS") or ""),
                              bool(int(a.get("/F") or 0) & (F_HIDDEN | F_NOVIEW))))
    return out


@dataclass(frozen=True)
class FilledForm:
    """What a filled fillable PDF holds in its fields rather than in its page text, per page (1-based)."""

    # text fields: value, widget rectangle (bottom-left origin), page height
    texts: dict[int, list[tuple[str, tuple[float, float, float, float], float]]]
    # buttons: fully qualified field name -> the on-states of its ticked widgets (empty: nothing ticked)
    buttons: dict[int, dict[str, list[str]]]


def filled_values(pdf: bytes) -> FilledForm:
    """A filled fillable PDF keeps typed values and ticks in its fields: read them there, exactly."""
    from pypdf import PdfReader

    texts: dict[int, list] = {}
    buttons: dict[int, dict[str, list[str]]] = {}
    try:
        reader = PdfReader(io.BytesIO(pdf))
        if reader.is_encrypted or "/AcroForm" not in reader.trailer["/Root"]:
            return FilledForm({}, {})
        for w in widgets(reader):
            if w.hidden:  # what the page does not show is not what the applicant wrote
                continue
            if w.kind == "/Tx" and w.value.strip():
                texts.setdefault(w.page, []).append((w.value, w.rect, float(reader.pages[w.page - 1].mediabox.height)))
            elif w.kind == "/Btn" and not w.flags & FF_PUSHBUTTON:
                ticked = buttons.setdefault(w.page, {}).setdefault(w.qualified, [])
                if w.state and w.state != "/Off":
                    ticked.append(w.state.lstrip("/"))
        return FilledForm(texts, buttons)
    except Exception:  # a damaged form dictionary: read the page as it is drawn
        return FilledForm({}, {})
