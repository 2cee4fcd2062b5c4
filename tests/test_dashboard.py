"""The analysts' dashboard, batch pages and report in a real browser (Debian's Chromium through Playwright), against
`demat web` started as a subprocess over a store holding real ingested scans and three months of history, every
figure checked against `demat stats --format json` on the same store."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from conftest import ROOT, SCHEMAS, add_user, run_demat, start_web
from test_figures import ADDRESS, commit, record
from test_web import log_in

pytestmark = pytest.mark.slow

PERMIS = "qc-permis-construction"
PASSWORDS = {"ana": "ana-mot-de-passe", "zoe": "zoe-mot-de-passe", "marc": "marc-mot-de-passe"}
SCANS = ["clean/permis-01.png", "clean/aide-01.pdf", "clean/adresse-02.png"]


class Office:
    """A store with this month's real scans (batch `courant`) and three earlier months (batch `archives`, reviews by
    two people and one quality check among them), and `demat web` over it."""

    def __init__(self, tmp: Path) -> None:
        from pipeline import review
        from pipeline.schemas.schema import load_schemas
        from pipeline.storage.store import LocalStore

        self.store_dir = tmp / "store"
        self.env = {"DEMAT_STORE": str(self.store_dir), "DEMAT_WEB_SECRET": "dash-secret-" + "y" * 24}
        inbox = tmp / "inbox"
        inbox.mkdir()
        for rel in SCANS:
            (inbox / rel.replace("/", "-")).write_bytes((ROOT / "samples" / rel).read_bytes())
        run_demat("ingest", str(inbox), "--schemas", str(SCHEMAS), "--batch", "courant", env=self.env, check=True)
        store = LocalStore(self.store_dir)
        past = [record(1000 + i, f"2026-{9 + i % 3:02d}-{1 + i % 26:02d}T09:00:00Z",
                       ("accepted", "needs_review", "accepted", "rejected")[i % 4], batch="archives",
                       procedure=(ADDRESS, PERMIS, ADDRESS)[i % 3],
                       doubt="nom" if i % 4 == 1 else None) for i in range(24)]
        commit(store, past)
        schema = next(s for s in load_schemas(SCHEMAS) if s.procedure == ADDRESS)
        waiting = [r for r in past if r["status"] == "needs_review" and r["procedure"] == ADDRESS]
        accepted = [r for r in past if r["status"] == "accepted" and r["procedure"] == ADDRESS]
        for r, who, typed in ((waiting[0], "lea", {"nom": "Dubois"}), (waiting[1], "marc", {}),
                              (accepted[0], "marc", {"nouvelle_ville": "Chicoutimi"})):
            new, problems = review.decide(schema, r, typed, "accept", by=who)
            assert not problems
            review.save(store, new, opened_revision=0)
        for name, role, procs in (("ana", "analyst", "*"), ("zoe", "analyst", PERMIS), ("marc", "clerk", "*")):
            add_user(self.env, name, role, procs, PASSWORDS[name])
        self.proc, self.url = start_web(self.env)

    def stats(self, *args: str) -> list[dict]:
        return json.loads(run_demat("stats", "--format", "json", *args, env=self.env, check=True).stdout)


@pytest.fixture(scope="module")
def office(prefect_server, tmp_path_factory):
    o = Office(tmp_path_factory.mktemp("office"))
    yield o
    o.proc.terminate()
    log, _ = o.proc.communicate(timeout=30)
    assert not any(p in log for p in PASSWORDS.values()) and "dash-secret-" not in log


def signed_in(browser, office, user: str, landing: str = "**/dashboard"):
    page = browser.new_context(locale="fr-CA", viewport={"width": 1300, "height": 900}).new_page()
    log_in(page, office.url, user, PASSWORDS[user])
    page.wait_for_url(landing)
    return page


def marks(page, chart: str) -> list[tuple[str, float]]:
    return [(m.get_attribute("data-series"), float(m.get_attribute("data-value")))
            for m in page.locator(f"#chart-{chart} rect.mark").all()]


def table(page, name: str) -> list[list[str]]:
    return [[c.inner_text() for c in row.locator("td").all()]
            for row in page.locator(f"#table-{name} tbody tr").all()]


STATUS_FR = {"accepted": "accepté", "needs_review": "à vérifier", "rejected": "rejeté"}


def status_rows(stats: list[dict]) -> list[list[str]]:
    return [[r["procedure"] or "(non identifié)", STATUS_FR[r["status"]], str(r["count"])] for r in stats]


def test_an_analyst_sees_the_dashboard_with_the_stores_figures(browser, office):
    page = signed_in(browser, office, "ana")
    by_status = office.stats("--by", "procedure,status")
    assert table(page, "status") == status_rows(by_status)
    drawn = marks(page, "status")
    assert len(drawn) == len(by_status) and sum(v for _, v in drawn) == sum(r["count"] for r in by_status)
    by_month = office.stats("--by", "month")
    accepted = [r for r in office.stats("--by", "month,status") if r["status"] == "accepted"]
    month_marks = marks(page, "months")
    assert sorted(v for s, v in month_marks if s == "reçus") == sorted(r["count"] for r in by_month)
    assert sorted(v for s, v in month_marks if s == "acceptés") == sorted(r["count"] for r in accepted)
    assert sorted(v for s, v in month_marks if s == "vérifiés") == [3]  # three reviews, all this month
    assert page.locator("#total").inner_text().startswith(str(sum(r["count"] for r in by_month)))
    assert page.locator("#reached").inner_text().endswith("ont atteint leur objectif")
    assert {r[0]: r[2] for r in table(page, "reviewers")} and {r[1] for r in table(page, "reviewers")} == {"lea", "marc"}
    assert ["qc-changement-adresse", "nom"] == table(page, "fields")[0][:2]
    whole = next(r for r in office.stats("--quality") if r["field"] == "(all)" and r["procedure"] == ADDRESS)
    assert table(page, "quality") == [[ADDRESS, str(whole["checked"]), str(whole["wrong"]),
                                       f"{100 * (1 - whole['wrong'] / whole['checked']):.1f} %".replace(".", ",")]]
    page.set_viewport_size({"width": 1300, "height": 1500})
    page.screenshot(path=str(ROOT / "docs" / "dashboard.png") if os.environ.get("DEMAT_SCREENSHOT")
                    else str(office.store_dir / "dashboard.png"))
    page.set_viewport_size({"width": 380, "height": 800})  # a small screen: no chart wider than it
    assert page.evaluate("Math.max(...[...document.querySelectorAll('svg.chart')]"
                         ".map(s => s.getBoundingClientRect().right))") <= 380
    page.context.close()


def test_filters_change_the_charts_as_stats_filters_the_counts(browser, office):
    page = signed_in(browser, office, "ana")
    page.select_option("select[name=procedure]", ADDRESS)
    page.fill("input[name=since]", "2026-10-01")
    with page.expect_navigation():
        page.click("#filters button[type=submit]")
    expected = office.stats("--by", "procedure,status", "--procedure", ADDRESS, "--since", "2026-10-01")
    assert table(page, "status") == status_rows(expected)
    assert len(marks(page, "status")) == len(expected) and {s for s, _ in marks(page, "status")} \
        == {STATUS_FR[r["status"]] for r in expected}
    months = office.stats("--by", "month", "--procedure", ADDRESS, "--since", "2026-10-01")
    assert sorted(v for s, v in marks(page, "months") if s == "reçus") == sorted(r["count"] for r in months)
    page.goto(office.url + "/dashboard?batch=archives")
    assert table(page, "status") == status_rows(office.stats("--by", "procedure,status", "--batch", "archives"))
    page.context.close()


def test_an_analyst_reaches_neither_review_pages_nor_another_procedures_figures(browser, office):
    page = signed_in(browser, office, "zoe")
    assert table(page, "status") == status_rows(office.stats("--by", "procedure,status", "--procedure", PERMIS))
    assert {o for o in page.locator("select[name=procedure] option").all_inner_texts()} == {"Toutes", PERMIS}
    for path in (f"/dashboard?procedure={ADDRESS}", f"/dashboard/status.csv?procedure={ADDRESS}",
                 "/dashboard/nothing.csv", "/batches/no-such-batch"):
        assert page.goto(office.url + path).status == 404, path
        assert page.locator("h1").inner_text() == "Page introuvable"
    for path in ("/queue", "/group", "/upload", "/records/" + "0" * 32 + "-p001"):
        assert page.goto(office.url + path).status == 403, path
    page.goto(office.url + "/batches/courant")
    assert page.locator("#records tbody td:nth-child(2)").all_inner_texts() == [PERMIS] * sum(
        r["count"] for r in office.stats("--by", "status", "--batch", "courant", "--procedure", PERMIS))
    assert page.locator("#runs").count() == 0  # run totals span the procedures she does not see
    page.context.close()
    clerk = signed_in(browser, office, "marc", "**/queue")
    assert clerk.goto(office.url + "/dashboard").status == 403
    clerk.context.close()


def test_the_tables_behind_the_charts_download_as_csv_and_parquet(browser, office):
    page = signed_in(browser, office, "ana")
    answer = page.request.get(office.url + f"/dashboard/status.csv?procedure={ADDRESS}")
    assert answer.status == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text())))
    assert [{k: (int(v) if k == "count" else v) for k, v in r.items()} for r in rows] \
        == office.stats("--by", "procedure,status", "--procedure", ADDRESS)
    answer = page.request.get(office.url + "/dashboard/months.parquet")
    months = pq.read_table(io.BytesIO(answer.body())).to_pylist()
    assert [(m["month"], m["ingested"]) for m in months] == [(r["month"], r["count"]) for r in office.stats("--by", "month")]
    page.context.close()


def test_a_batch_page_shows_its_runs_rate_flow_run_and_records(browser, office):
    page = signed_in(browser, office, "ana")
    page.goto(office.url + "/dashboard")
    with page.expect_navigation():
        page.click("#table-batches a:text-is('courant')")
    runs = [[c.inner_text() for c in r.locator("td").all()] for r in page.locator("#runs tbody tr").all()]
    assert len(runs) == 1 and runs[0][1] == str(len(SCANS)) and float(runs[0][4]) > 0
    link = page.locator("#runs a")
    assert link.count() == 1 and "/runs/flow-run/" in link.get_attribute("href")
    records = page.locator("#records tbody tr").count()
    assert records == sum(r["count"] for r in office.stats("--by", "status", "--batch", "courant"))
    page.context.close()


def test_the_report_opens_with_no_network_and_the_pdf_holds_the_same_tables(browser, office, tmp_path):
    import pdfplumber

    html, pdf = tmp_path / "rapport.html", tmp_path / "rapport.pdf"
    for out in (html, pdf):
        run_demat("report", "--month", "2026-10", "--schemas", str(SCHEMAS), "-o", str(out), env=office.env,
                  check=True)
    october = office.stats("--by", "procedure,status", "--since", "2026-10-01", "--until", "2026-11-01")
    ctx = browser.new_context(offline=True)
    asked: list[str] = []
    ctx.route("**/*", lambda route: (asked.append(route.request.url), route.continue_()
                                     if route.request.url.startswith("file://") else route.abort()))
    page = ctx.new_page()
    page.goto(html.as_uri())
    assert asked == [html.as_uri()]  # the file alone: no style sheet, script, font or image fetched
    # no record ingested in October was reviewed: no chart of reviews; some were doubtful: where review goes
    assert [f.get_attribute("id") for f in page.locator("figure.chart-box").all()] \
        == ["chart-status", "chart-months", "chart-goals", "chart-fields"]
    assert table(page, "status") == status_rows(october)
    assert sum(v for _, v in marks(page, "status")) == sum(r["count"] for r in october)
    ctx.close()
    with pdfplumber.open(pdf) as doc:
        tables = [t for p in doc.pages for t in p.extract_tables() if t and t[0][:3] == ["Procédure", "Statut", "Dossiers"]]
    assert [row for t in tables for row in t[1:]] == status_rows(october)
    for bad in (("-o", str(tmp_path / "r.txt")), ("--month", "2026-13", "-o", str(html)),
                ("--month", "2026-10", "--since", "2026-01-01", "-o", str(html))):
        proc = run_demat("report", *bad, env=office.env)
        assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
