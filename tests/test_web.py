"""The review station in a real browser: Debian's Chromium driven by Playwright, against `demat web` started as a
subprocess on the samples' records, on a local store and on an S3 store (moto's server over HTTP)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, SCHEMAS, add_user, run_demat, start_web

pytestmark = pytest.mark.slow

PASSWORDS = {"marie": "marie-mot-de-passe", "paul": "paul-mot-de-passe", "lea": "lea-mot-de-passe"}
# Enough records to review for every test, through either engine (the API engine sends fewer to review)
SUBSET = ["clean/adresse-01.png", "clean/adresse-02.png", "clean/permis-01.png", "degraded/adresse-noisy.jpg",
          "degraded/permis-noisy.jpg", "degraded/adresse-skew.jpg", "clean/aide-01.pdf", "degraded/adresse-fax.tif",
          "clean/adresse-03.png", "degraded/permis-skew.jpg", "clean/aide-02.pdf", "degraded/adresse-jpeg.jpg"]


class Station:
    """`demat web` on a store holding the subset's records, with three accounts."""

    def __init__(self, tmp: Path, env: dict[str, str]) -> None:
        self.env = {**env, "DEMAT_WEB_SECRET": "test-secret-" + "x" * 24}
        inbox = tmp / "inbox"
        inbox.mkdir()
        for rel in SUBSET:
            shutil.copy(ROOT / "samples" / rel, inbox / rel.replace("/", "-"))
        run_demat("ingest", str(inbox), "--schemas", str(SCHEMAS), "--batch", "lot", env=self.env, check=True)
        for name, role, procs in (("marie", "clerk", "*"), ("paul", "clerk", "qc-permis-construction"),
                                  ("lea", "clerk", "*")):
            add_user(self.env, name, role, procs, PASSWORDS[name])
        self.proc, self.url = start_web(self.env)

    def stop(self) -> str:
        self.proc.terminate()
        out, _ = self.proc.communicate(timeout=30)
        return out

    def demat(self, *args: str) -> subprocess.CompletedProcess:
        return run_demat(*args, env=self.env, check=True)

    def stats(self) -> dict[str, int]:
        rows = json.loads(self.demat("stats", "--by", "status", "--format", "json").stdout)
        return {r["status"]: r["count"] for r in rows}

    def record(self, rid: str) -> dict:
        return next(r for r in map(json.loads, self.demat("records").stdout.splitlines()) if r["id"] == rid)

    def to_review(self) -> list[dict]:
        out = self.demat("records", "--status", "needs_review").stdout.splitlines()
        return sorted((json.loads(line) for line in out), key=lambda r: (r["ingested_at"], r["id"]))


@pytest.fixture(scope="module")
def station(prefect_server, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("web")
    s = Station(tmp, {"DEMAT_STORE": str(tmp / "store")})
    yield s
    log = s.stop()
    for secret in list(PASSWORDS.values()) + ["test-secret-"]:
        assert secret not in log  # no password or secret ever reaches the log


def post_by_key(page, key: str):
    """Press a key that submits a form; wait for the answer to the POST and the page it leads to."""
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.keyboard.press(key)
    if answer.value.status in (301, 302, 303):
        page.wait_for_url(lambda url: url != answer.value.url)
    page.wait_for_load_state()
    return answer.value


def log_in(page, url: str, user: str, password: str) -> None:
    """Sign in through the login page, with the keyboard."""
    page.goto(url + "/login")
    page.fill("input[name=user]", user)
    page.fill("input[name=password]", password)
    post_by_key(page, "Enter")


def new_page(browser, station, user: str | None = "marie"):
    ctx = browser.new_context(locale="fr-CA", viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    if user:
        log_in(page, station.url, user, PASSWORDS[user])
        page.wait_for_url("**/queue")
    return page


def test_pages_need_a_session_and_a_wrong_password_is_refused(browser, station):
    page = new_page(browser, station, None)
    for path in ("/queue", "/records/" + "0" * 32 + "-p001", "/"):
        page.goto(station.url + path)
        assert "/login" in page.url and page.locator("h1").inner_text() == "Connexion"
    page.fill("input[name=user]", "marie")
    page.fill("input[name=password]", "pas-le-bon-mot")
    assert post_by_key(page, "Enter").status == 401
    assert page.locator(".problem").inner_text() == "Nom d'utilisateur ou mot de passe incorrect."
    page.fill("input[name=password]", PASSWORDS["marie"])
    post_by_key(page, "Enter")
    page.wait_for_url("**/queue")
    assert "dossier(s) à vérifier" in page.locator("#count").inner_text()
    cookie = next(c for c in page.context.cookies() if c["name"] == "demat_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    page.context.close()


def test_a_clerk_corrects_a_field_with_the_keyboard_and_accepts(browser, station):
    before = station.stats()
    page = new_page(browser, station)
    page.keyboard.press("Alt+n")  # the queue's "Next"
    page.wait_for_url("**/records/*")
    rid = page.url.rsplit("/", 1)[1]
    record = next(r for r in station.to_review() if r["id"] == rid)
    first = page.locator(".field.doubtful").first.get_attribute("data-field")
    assert page.evaluate("document.activeElement.id") == f"f-{first}"  # the first doubtful field has the focus
    page.screenshot(path=str(ROOT / "docs" / "review-station.png") if os.environ.get("DEMAT_SCREENSHOT")
                    else str(Path(station.env["DEMAT_STORE"]) / "record.png"))
    typed = {}
    for _ in range(page.locator(".field.doubtful").count()):
        name = page.evaluate("document.activeElement.name")
        if not name or not name.startswith("f."):
            break
        spec_type = page.evaluate("document.activeElement.type")
        if spec_type == "text" and name[2:] in ("nom", "prenom", "courriel") and not typed:
            value = "jean.tremblay@exemple.qc.ca" if name == "f.courriel" else "Tremblay-Côté"
            page.keyboard.press("Control+a")
            page.keyboard.type(value)
            typed[name[2:]] = value
        page.keyboard.press("Enter")  # confirms, moves to the next doubtful field
    assert post_by_key(page, "Control+Enter").status == 303
    page.wait_for_url(lambda url: rid not in url)  # on to the next record, or the queue
    saved = station.record(rid)
    assert saved["status"] == "accepted" and saved["reviewed_by"] == "marie" and saved["revision"] == 1
    for name, value in typed.items():
        f = saved["fields"][name]
        assert f["value"] == value and f["review"]["was"] == record["fields"][name]["value"]
        assert f["text"] == record["fields"][name]["text"]  # the OCR's reading is kept
    kept = Path(station.env["DEMAT_STORE"]) / "versions" / rid / "r0000.json"
    assert json.loads(kept.read_text())["status"] == "needs_review"
    after = station.stats()
    assert after["accepted"] == before["accepted"] + 1 and after["needs_review"] == before["needs_review"] - 1
    # The README's DuckDB query counts the reviewed record once, in its new status, as demat stats does.
    import duckdb

    sql = re.search(r"^```sql\n(.*?)^```", (ROOT / "README.md").read_text(), re.M | re.S).group(1)
    sql = sql.replace("'demat-data/", f"'{station.env['DEMAT_STORE']}/")
    counted: dict[str, int] = {}
    for _, status, n in duckdb.sql(sql).fetchall():
        counted[status] = counted.get(status, 0) + n
    assert counted == after
    page.context.close()


def test_an_invalid_value_is_refused_with_its_message_and_nothing_is_saved(browser, station):
    rid = next(r["id"] for r in station.to_review() if r["procedure"] == "qc-changement-adresse")
    page = new_page(browser, station)
    page.goto(f"{station.url}/records/{rid}")
    page.fill("#f-date_naissance", "31/02/2019")
    assert post_by_key(page, "Control+Enter").status == 422
    assert page.locator(".field.invalid").get_attribute("data-field") == "date_naissance"
    assert page.locator("#message").inner_text() == "Corrigez les champs signalés : rien n'a été enregistré."
    assert page.input_value("#f-date_naissance") == "31/02/2019"  # what was typed stays
    assert station.record(rid)["status"] == "needs_review" and "revision" not in station.record(rid)
    page.fill("#f-date_naissance", "3 juin 1989")  # typed as a person writes it, stored normalized
    assert post_by_key(page, "Control+Enter").status == 303
    saved = station.record(rid)
    assert saved["status"] == "accepted" and saved["fields"]["date_naissance"]["value"] == "1989-06-03"
    page.context.close()


def test_two_browsers_on_one_record_the_second_gets_the_conflict(browser, station):
    rid = station.to_review()[0]["id"]
    first, second = new_page(browser, station, "marie"), new_page(browser, station, "lea")
    first.goto(f"{station.url}/records/{rid}")
    second.goto(f"{station.url}/records/{rid}")
    assert "Ce dossier est ouvert par marie." in second.locator(".problem").first.inner_text()
    first.fill("#reason", "Formulaire en double")
    assert post_by_key(first, "Enter").status == 303  # Enter in the reason rejects
    assert station.record(rid)["status"] == "rejected"
    assert post_by_key(second, "Control+Enter").status == 409
    assert "modifié par quelqu'un d'autre" in second.locator("#message").inner_text()
    saved = station.record(rid)
    assert saved["status"] == "rejected" and saved["errors"] == ["Formulaire en double"] and saved["revision"] == 1
    first.context.close()
    second.context.close()


def test_the_queue_filters_by_the_kind_of_doubt(browser, station):
    waiting = station.to_review()
    page = new_page(browser, station)
    page.select_option("select[name=kind]", "confidence")
    with page.expect_navigation():
        page.click("text=Filtrer")
    listed = [a.get_attribute("href").rsplit("/", 1)[1] for a in page.locator("table.queue tbody a").all()]
    expected = [r["id"] for r in waiting if any("confidence" in e for e in r["errors"])]
    assert listed and sorted(listed) == sorted(expected)
    assert f"{len(expected)} dossier(s) à vérifier" == page.locator("#count").inner_text()
    page.context.close()


def test_a_clerk_without_the_procedure_gets_404_by_url(browser, station):
    rid = next(r["id"] for r in station.to_review() if r["procedure"] != "qc-permis-construction")
    page = new_page(browser, station, "paul")
    answer = page.goto(f"{station.url}/records/{rid}")
    assert answer.status == 404 and page.locator("h1").inner_text() == "Page introuvable"
    assert page.goto(f"{station.url}/records/{rid}/pages/1.png").status == 404
    assert page.goto(f"{station.url}/records/{rid}/fields/nom.png").status == 404
    page.goto(station.url + "/queue")
    assert all(cell.inner_text() == "qc-permis-construction"
               for cell in page.locator("table.queue tbody tr td:nth-child(2)").all())
    page.context.close()


def test_ids_with_a_path_in_them_are_404(browser, station):
    page = new_page(browser, station)
    for rid in ("..%2F..%2Fusers%2Fmarie", "..%2Fusers%2Fmarie.json", "%2e%2e%2Fusers%2Fmarie", "x" * 40):
        assert page.request.get(f"{station.url}/records/{rid}").status == 404, rid
    page.context.close()


def test_a_post_without_its_csrf_token_is_refused(browser, station):
    rid = station.to_review()[0]["id"]
    page = new_page(browser, station)
    answer = page.request.post(f"{station.url}/records/{rid}", form={"action": "accept", "revision": "0"})
    assert answer.status == 403 and "Le formulaire a expiré" in answer.text()
    answer = page.request.post(f"{station.url}/records/{rid}",
                               form={"action": "accept", "revision": "0", "csrf": "forged"})
    assert answer.status == 403
    assert station.record(rid)["status"] == "needs_review"
    page.context.close()


def test_a_value_holding_a_script_shows_as_text(browser, station):
    rec = next(r for r in station.to_review() if r["procedure"] == "qc-changement-adresse")
    path = Path(station.env["DEMAT_STORE"]) / "records" / f"{rec['id']}.json"
    data = json.loads(path.read_text())
    evil = "<script>alert(1)</script>"
    data["fields"]["nom"].update({"value": evil, "text": evil, "confidence": 0.3})
    data["errors"].append(f"field nom: {evil}")
    path.write_text(json.dumps(data))
    page = new_page(browser, station)
    page.goto(f"{station.url}/records/{rec['id']}")
    page.wait_for_timeout(300)
    assert page.dialogs == []
    assert page.input_value("#f-nom") == evil
    assert evil in page.locator(".reasons").inner_text()
    assert "<script>alert(1)</script>" not in page.content().replace("&lt;", "<").split("<main>")[0]
    page.context.close()


def test_a_fields_suggestion_is_shown_and_taken_with_alt_c(browser, station):
    """A value that did not validate, with the candidate one doubtful character gives (as the reading stores it)."""
    rec = next(r for r in station.to_review() if r["procedure"] == "qc-changement-adresse")
    path = Path(station.env["DEMAT_STORE"]) / "records" / f"{rec['id']}.json"
    data = json.loads(path.read_text())
    data["fields"]["date_naissance"].update({"value": None, "text": "13/O2/199O", "confidence": 0.5,
                                             "candidate": "13/02/1990", "errors": ["not a date"]})
    path.write_text(json.dumps(data))
    page = new_page(browser, station)
    page.goto(f"{station.url}/records/{rec['id']}")
    button = page.locator('[data-field="date_naissance"] .candidate')
    assert "Proposition « 13/02/1990 »" in button.inner_text()
    page.focus("#f-date_naissance")
    assert page.input_value("#f-date_naissance") == "13/O2/199O"
    page.keyboard.press("Alt+c")
    assert page.input_value("#f-date_naissance") == "13/02/1990"
    page.context.close()


def test_group_verification_confirms_a_checkbox_across_records_and_flips_the_odd_one(browser, station):
    waiting = [r for r in station.to_review() if r["procedure"] == "qc-changement-adresse"]
    assert waiting
    page = new_page(browser, station)
    page.goto(f"{station.url}/group")
    page.click("text=qc-changement-adresse · Régie de l'assurance maladie")
    cells = page.locator(".cell")
    assert cells.count() == len(waiting)
    flipped = cells.first.get_attribute("data-record")
    was = next(r for r in waiting if r["id"] == flipped)["fields"]["aviser_ramq"]["value"]
    assert page.evaluate("document.activeElement.name") == f"v.{flipped}"
    page.keyboard.press("Space")  # the odd one out
    assert post_by_key(page, "Control+Enter").status == 303
    assert page.locator("#done").inner_text() == f"{len(waiting)} dossier(s) confirmé(s)."
    for r in waiting:
        f = station.record(r["id"])["fields"]["aviser_ramq"]
        assert f["confidence"] == 1.0 and f["errors"] == []
        if r["id"] == flipped:
            assert f["value"] is (not was) and f["review"] == {"by": "marie", "at": f["review"]["at"], "was": was}
        else:
            assert f["value"] == r["fields"]["aviser_ramq"]["value"] and "review" not in f
    page.context.close()


def test_a_clerk_uploads_files_and_sees_the_batch_read(browser, station, tmp_path):
    bad = tmp_path / "coupé.pdf"
    bad.write_bytes(b"%PDF-1.7 truncated")
    page = new_page(browser, station)
    page.click("text=Déposer des documents")
    page.fill("input[name=batch]", "depot-web")
    page.set_input_files("#files", [str(ROOT / "samples" / "clean" / "permis-03.png"), str(bad)])
    with page.expect_navigation():
        page.click("#send")
    page.wait_for_selector("#summary", timeout=300_000)  # the page refreshes itself while the flow reads
    assert "Lot depot-web lu : 2 document(s)" in page.locator("#summary").inner_text()
    got = {r["source"]["name"]: r for r in map(json.loads, station.demat("records").stdout.splitlines())
           if r["batch"] == "depot-web"}
    assert got["coupé.pdf"]["status"] == "rejected" and got["permis-03.png"]["procedure"] == "qc-permis-construction"
    page.click("#to-batch")
    assert "batch=depot-web" in page.url
    page.context.close()


def test_quality_sampling_queues_accepted_records_and_measures_their_wrong_fields(browser, station):
    accepted = [r for r in map(json.loads, station.demat("records", "--status", "accepted").stdout.splitlines())
                if "revision" not in r]
    assert accepted
    schema_text = {"qc-changement-adresse": "nouvelle_ville", "qc-permis-construction": "nom_demandeur",
                   "qc-aide-financiere": "nom"}
    station.demat("settings", "--quality-share", "1")
    try:
        page = new_page(browser, station)
        assert page.locator("table.queue .quality").count() >= len(accepted)  # each drawn for a second look
        rid, name = accepted[0]["id"], schema_text[accepted[0]["procedure"]]
        page.goto(f"{station.url}/records/{rid}")
        assert page.locator("#second-look").is_visible()
        page.fill(f"#f-{name}", "Trois-Rivières")  # what the second look finds wrong
        assert post_by_key(page, "Control+Enter").status == 303
        saved = station.record(rid)
        assert saved["quality_check"]["changed"] == [name] and saved["revision"] == 1
        rows = json.loads(station.demat("stats", "--quality", "--format", "json").stdout)
        field = next(r for r in rows if r["field"] == name)
        total = next(r for r in rows if r["field"] == "(all)")
        assert (field["checked"], field["wrong"], field["rate"]) == (1, 1, 1.0)
        assert total["checked"] == len(saved["fields"]) and total["wrong"] == 1
        page.goto(station.url + "/queue")  # looked at: out of the queue
        assert rid not in page.content()
        page.context.close()
    finally:
        station.demat("settings", "--quality-share", "0.02")


def test_the_same_review_on_an_s3_store(browser, prefect_server, moto_s3, tmp_path):
    import uuid

    s = Station(tmp_path, moto_s3.env(f"web-{uuid.uuid4().hex[:8]}"))
    try:
        before = s.stats()
        page = new_page(browser, s)
        page.goto(s.url + "/queue?kind=confidence")  # a record whose values all validate: Enter through, accept
        with page.expect_navigation():
            page.click("#next")
        page.wait_for_url("**/records/*")
        rid = page.url.rsplit("/", 1)[1]
        assert page.locator("img.scan").first.evaluate("i => i.complete && i.naturalWidth > 1000")
        while page.evaluate("(document.activeElement.name || '').startsWith('f.')"):
            page.keyboard.press("Enter")
        assert post_by_key(page, "Control+Enter").status == 303
        assert s.record(rid)["status"] == "accepted"
        after = s.stats()
        assert after["accepted"] == before["accepted"] + 1
        # an invalid value refused, a post without its token refused, a second browser's stale save refused
        other = next(r["id"] for r in s.to_review() if r["procedure"] == "qc-changement-adresse")
        page.goto(f"{s.url}/records/{other}")  # opened first: held by this reviewer, whatever the queue held
        late = new_page(browser, s, "lea")
        late.goto(f"{s.url}/records/{other}")
        page.fill("#f-date_naissance", "31/02/2019")
        assert post_by_key(page, "Control+Enter").status == 422
        assert page.request.post(f"{s.url}/records/{other}", form={"action": "accept", "revision": "0"}).status == 403
        page.fill("#f-date_naissance", "1989-06-03")
        assert post_by_key(page, "Control+Enter").status == 303
        assert post_by_key(late, "Control+Enter").status == 409
        assert s.record(other)["fields"]["date_naissance"]["value"] == "1989-06-03"
        paul = new_page(browser, s, "paul")
        assert paul.goto(f"{s.url}/records/{other}").status == 404
        for p in (page, late, paul):
            p.context.close()
    finally:
        s.stop()
