"""The analysts' dashboard and report, drawn from `pipeline.figures`: the charts of a set of figures, the same
charts and tables written as one self-contained HTML file (styles and charts inline) or as a PDF."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Callable

from markupsafe import Markup

from pipeline import charts
from pipeline.figures import ALL, TABLES, UNIDENTIFIED, Figures
from pipeline.schemas.schema import LoadedSchema

from . import i18n

HERE = Path(__file__).parent
STATUSES = ("accepted", "needs_review", "rejected")
STATUS_COLORS = {"accepted": charts.PALETTE[0], "needs_review": charts.PALETTE[2], "rejected": charts.PALETTE[1]}
# The tables shown (and printed) under the charts, in this order
SHOWN = ("status", "goals", "backlog", "reviewers", "fields", "quality", "batches")
CHART_MONTHS, CHART_DAYS = 36, 60  # the latest months and days drawn (their tables hold them all)


def expected(schemas: list[LoadedSchema]) -> dict[str, Any]:
    """The goals the schemas set: procedure -> figures.Goal (the newest version of a schema speaks)."""
    from pipeline.figures import Goal

    out: dict[str, Any] = {}
    for s in sorted(schemas, key=lambda s: s.spec.version):
        if s.spec.expected is not None:
            out[s.procedure] = Goal(s.spec.expected.count, s.spec.expected.by.isoformat())
    return out


def chart_set(fig: Figures, t: Callable[..., str]) -> list[tuple[str, charts.Chart]]:
    """(table name, chart) of every chart the figures call for; a chart with nothing to draw is left out."""
    out = []
    status = fig.tables["status"]
    if status:
        procs = sorted({r["procedure"] or "" for r in status})
        names = {s: t("st_" + s) for s in STATUSES}
        values = {(r["procedure"] or "", names[r["status"]]): r["count"] for r in status if r["status"] in names}
        out.append(("status", charts.hbars(t("ch_status"), [p or t("unidentified") for p in procs],
                                           list(names.values()),
                                           {(k[0] or t("unidentified"), k[1]): v for k, v in values.items()},
                                           colors={names[s]: STATUS_COLORS[s] for s in STATUSES})))
    months = fig.tables["months"][-CHART_MONTHS:]
    if months:
        series = {"ingested": t("m_ingested"), "accepted": t("m_accepted"), "reviewed": t("m_reviewed")}
        out.append(("months", charts.columns(t("ch_months"), [m["month"] or "?" for m in months],
                                             list(series.values()),
                                             {(m["month"] or "?", label): m[key] for m in months
                                              for key, label in series.items()})))
    goals = fig.tables["goals"]
    if goals:
        done, to_go = t("g_done"), t("g_to_go")
        out.append(("goals", charts.hbars(t("ch_goals"), [g["procedure"] for g in goals], [done, to_go],
                                          {**{(g["procedure"], done): g["digitized"] for g in goals},
                                           **{(g["procedure"], to_go): max(0, g["expected"] - g["digitized"])
                                              for g in goals}},
                                          colors={done: charts.PALETTE[0], to_go: charts.PALETTE[3]})))
    reviewed = fig.tables["reviewers"]
    if reviewed:
        days = sorted({r["day"] for r in reviewed})[-CHART_DAYS:]
        reviewed = [r for r in reviewed if r["day"] >= days[0]]
        who = sorted({r["reviewer"] for r in reviewed})
        out.append(("reviewers", charts.columns(t("ch_reviewers"), days, who,
                                                {(r["day"], r["reviewer"]): r["reviewed"] for r in reviewed},
                                                stacked=True)))
    fields = fig.tables["fields"]
    if fields:
        doubtful, corrected = t("f_doubtful"), t("f_corrected")
        one = len({r["procedure"] for r in fields}) == 1
        labels = [r["field"] if one else f"{r['field']} · {r['procedure']}" for r in fields]
        out.append(("fields", charts.hbars(t("ch_fields"), labels, [doubtful, corrected],
                                           {**{(lab, doubtful): r["doubtful"] for lab, r in zip(labels, fields)},
                                            **{(lab, corrected): r["corrected"] for lab, r in zip(labels, fields)}})))
    return out


def cell(column: str, value: Any, t: Callable[..., str], lang: str) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return t("yes") if value else t("no")
    if column in ("share", "accuracy"):
        return f"{100 * value:.1f} %".replace(".", ",") if lang == "fr" else f"{value:.1%}"
    if column == "procedure" and value in (ALL, UNIDENTIFIED):
        return t("all") if value == ALL else t("unidentified")
    if isinstance(value, float) and lang == "fr":
        return f"{value:g}".replace(".", ",")
    if column == "status":
        return t("st_" + value) if value in STATUSES else str(value)
    if column in ("first", "last"):
        return str(value)[:16].replace("T", " ")
    return str(value)


def tables(fig: Figures, t: Callable[..., str], lang: str) -> list[dict[str, Any]]:
    """The tables shown under the charts: name, title, column titles, rows of cells as text."""
    return [{"name": name, "title": t("tb_" + name), "columns": [t("col_" + c) for c in TABLES[name]],
             "rows": [[cell(c, r.get(c), t, lang) for c in TABLES[name]] for r in fig.tables[name]]}
            for name in SHOWN]


def report_html(fig: Figures, lang: str, *, title: str, period: str) -> str:
    """The report as one HTML file: no script, no link, no external file; charts as inline SVG."""
    from .app import ENV

    t = i18n.translator(lang)
    css = (HERE / "static" / "report.css").read_text(encoding="utf-8")
    return ENV.get_template("report.html").render(
        t=t, lang=lang, title=title, period=period, fig=fig, css=Markup(css),
        charts=[(name, c.title, Markup(charts.svg(c))) for name, c in chart_set(fig, t)], tables=tables(fig, t, lang),
        made=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))


def report_pdf(fig: Figures, lang: str, *, title: str, period: str) -> bytes:
    """The same report as a PDF (ReportLab): its charts, then its tables as tables."""
    import io

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
    from xml.sax.saxutils import escape

    t = i18n.translator(lang)
    styles = getSampleStyleSheet()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, title=title, leftMargin=1.6 * cm, rightMargin=1.6 * cm,
                            topMargin=1.5 * cm, bottomMargin=1.5 * cm)
    width = A4[0] - 3.2 * cm
    story: list[Any] = [Paragraph(escape(title), styles["Title"]), Paragraph(escape(period), styles["Normal"]),
                        Paragraph(escape(t("total_records", n=fig.total)), styles["Normal"]), Spacer(1, 8)]
    for _, c in chart_set(fig, t):
        story.append(KeepTogether([Paragraph(escape(c.title), styles["Heading3"]), charts.drawing(c, width)]))
    for tb in tables(fig, t, lang):
        head = [Paragraph(f"<b>{escape(c)}</b>", styles["BodyText"]) for c in tb["columns"]]
        body = [[Paragraph(escape(v), styles["BodyText"]) for v in row] for row in tb["rows"]]
        table = Table([head] + body, repeatRows=1)
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                                   ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf3")),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story += [Paragraph(escape(tb["title"]), styles["Heading3"]),
                  table if body else Paragraph(escape(t("nothing")), styles["Normal"]), Spacer(1, 6)]
    doc.build(story)
    return buf.getvalue()
