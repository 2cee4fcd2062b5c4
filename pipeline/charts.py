"""Bar charts drawn on the server, with no script and no external file: a chart is a list of shapes, written out as
inline SVG (for the dashboard and the HTML report) or as a ReportLab drawing (for the PDF report).

Every value drawn is one mark (`class="mark"`, its series and value in `data-` attributes and a tooltip); a zero
draws nothing. The series' fills differ in lightness as well as hue, so they stay apart printed in gray, and each
chart carries its legend.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

PALETTE = ("#1d3557", "#c44536", "#f4a261", "#a8dadc", "#6d597a", "#2a9d8f")  # lightness 22, 45, 74, 85, 43, 58
WIDTH = 640
FONT = 12


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    series: str = ""
    value: float | None = None
    label: str = ""  # the tooltip of a mark


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"  # start | middle | end
    size: int = FONT


@dataclass(frozen=True)
class Chart:
    title: str
    width: float
    height: float
    shapes: tuple[Rect | Text, ...]

    @property
    def marks(self) -> int:
        return sum(1 for s in self.shapes if isinstance(s, Rect) and s.value is not None)


def _fmt(v: float) -> str:
    return f"{v:,.0f}".replace(",", " ") if float(v).is_integer() else f"{v:.1f}"


def _cut(s: str, n: int = 26) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


def _legend(series: list[str], colors: dict[str, str], y: float) -> list[Rect | Text]:
    out: list[Rect | Text] = []
    x = 8.0
    for s in series:
        out += [Rect(x, y - 10, 12, 12, colors[s]), Text(x + 17, y, s)]
        x += 30 + 7 * len(s)
    return out


def hbars(title: str, labels: list[str], series: list[str], values: dict[tuple[str, str], float], *,
          colors: dict[str, str] | None = None, unit: str = "") -> Chart:
    """One horizontal bar per label, its series stacked: records per procedure by status, say."""
    colors = colors or {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(series)}
    left, right, row = 190.0, 70.0, 26.0
    totals = [sum(values.get((lab, s), 0) for s in series) for lab in labels]
    top = max(totals, default=0) or 1
    scale = (WIDTH - left - right) / top
    shapes: list[Rect | Text] = _legend(series, colors, 16)
    for i, (lab, total) in enumerate(zip(labels, totals)):
        y = 34 + i * row
        shapes.append(Text(left - 6, y + 15, _cut(lab), "end"))
        x = left
        for s in series:
            v = values.get((lab, s), 0)
            if v:
                shapes.append(Rect(x, y + 3, v * scale, row - 8, colors[s], s, v, f"{lab} — {s} : {_fmt(v)}{unit}"))
                x += v * scale
        shapes.append(Text(x + 5, y + 15, _fmt(total) + unit))
    return Chart(title, WIDTH, 40 + row * max(len(labels), 1), tuple(shapes))


def columns(title: str, categories: list[str], series: list[str], values: dict[tuple[str, str], float], *,
            stacked: bool = False, colors: dict[str, str] | None = None) -> Chart:
    """Vertical bars per category (a month, a day), the series side by side or stacked."""
    colors = colors or {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(series)}
    left, bottom, plot_h, top_pad = 48.0, 36.0, 180.0, 34.0
    if stacked:
        peak = max((sum(values.get((c, s), 0) for s in series) for c in categories), default=0)
    else:
        peak = max((values.get((c, s), 0) for c in categories for s in series), default=0)
    peak = peak or 1
    slot = (WIDTH - left - 10) / max(len(categories), 1)
    bar = max(2.0, min(40.0, (slot - 8) / (1 if stacked else len(series))))
    base = top_pad + plot_h
    shapes: list[Rect | Text] = _legend(series, colors, 16)
    shapes += [Text(left - 6, base + 4, "0", "end"), Text(left - 6, top_pad + 4, _fmt(peak), "end"),
               Rect(left, base, WIDTH - left - 10, 1, "#555555")]
    every = max(1, len(categories) // 12)
    for i, c in enumerate(categories):
        x0 = left + i * slot + (slot - bar * (1 if stacked else len(series))) / 2
        y = base
        for j, s in enumerate(series):
            v = values.get((c, s), 0)
            if not v:
                continue
            h = v / peak * plot_h
            if stacked:
                y -= h
                shapes.append(Rect(x0, y, bar, h, colors[s], s, v, f"{c} — {s} : {_fmt(v)}"))
            else:
                shapes.append(Rect(x0 + j * bar, base - h, bar, h, colors[s], s, v, f"{c} — {s} : {_fmt(v)}"))
        if i % every == 0:
            shapes.append(Text(left + i * slot + slot / 2, base + 16, c, "middle", 11))
    return Chart(title, WIDTH, base + bottom, tuple(shapes))


# ------------------------------------------------------------------------------------------- writers


def svg(chart: Chart) -> str:
    """The chart as an inline SVG element; every text escaped."""
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {chart.width:.0f} {chart.height:.0f}" '
             f'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="{FONT}">'
             f"<title>{escape(chart.title)}</title>"]
    for s in chart.shapes:
        if isinstance(s, Rect):
            if s.value is None:
                parts.append(f'<rect x="{s.x:.1f}" y="{s.y:.1f}" width="{s.w:.1f}" height="{s.h:.1f}" '
                             f'fill="{s.fill}" stroke="#333" stroke-width="0.5"/>')
            else:
                parts.append(f'<rect class="mark" data-series="{escape(s.series)}" data-value="{s.value:g}" '
                             f'x="{s.x:.1f}" y="{s.y:.1f}" width="{s.w:.1f}" height="{s.h:.1f}" fill="{s.fill}" '
                             f'stroke="#333" stroke-width="0.5"><title>{escape(s.label)}</title></rect>')
        else:
            parts.append(f'<text x="{s.x:.1f}" y="{s.y:.1f}" text-anchor="{s.anchor}" font-size="{s.size}">'
                         f"{escape(s.text)}</text>")
    parts.append("</svg>")
    return "".join(parts)


def drawing(chart: Chart, width: float):
    """The chart as a ReportLab drawing `width` points wide (ReportLab counts y upwards)."""
    from reportlab.graphics.shapes import Drawing, Group, String
    from reportlab.graphics.shapes import Rect as RLRect
    from reportlab.lib.colors import HexColor

    k = width / chart.width
    d = Drawing(width, chart.height * k)
    g = Group()
    for s in chart.shapes:
        if isinstance(s, Rect):
            g.add(RLRect(s.x, chart.height - s.y - s.h, s.w, s.h, fillColor=HexColor(s.fill),
                         strokeColor=HexColor("#333333"), strokeWidth=0.5))
        else:
            g.add(String(s.x, chart.height - s.y, s.text, textAnchor=s.anchor, fontSize=s.size,
                         fontName="Helvetica"))
    g.scale(k, k)
    d.add(g)
    return d
