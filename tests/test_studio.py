"""The schema studio in a real browser (Debian's Chromium through Playwright) against `demat web` as a subprocess:
an agency proposes a schema from a blank form, moves a zone, renames and retypes a field, sees the loader's error
for a bad regex next to its field, tries a filled scan, publishes; `demat ingest` then reads with the published
schema. Another agency cannot open it; a clerk cannot open the studio."""

from __future__ import annotations

import json
import re
import shutil

import pytest
import yaml
from conftest import ROOT, SCHEMAS, add_user, read_records, run_demat, start_web
from playwright.sync_api import expect

from pipeline.evaluate import iou
from test_web import log_in

pytestmark = pytest.mark.slow

PASSWORDS = {"agnes": "agnes-mot-de-passe", "bruno": "bruno-mot-de-passe", "marc": "marc-mot-de-passe"}
PROCEDURE = "qc-adresse"
BLANK = SCHEMAS / "templates" / "qc-changement-adresse.pdf"  # the blank form, printed text and boxes only
FILLED = ROOT / "samples" / "clean" / "adresse-02.png"
NOM_ZONE = (48, 150, 300, 174)  # where the example schema reads the family name


@pytest.fixture(scope="module")
def agency(prefect_server, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("studio")
    schemas = tmp / "schemas"
    (schemas / "templates").mkdir(parents=True)
    for name in ("qc-permis-construction.yaml", "templates/qc-permis-construction.pdf"):
        shutil.copyfile(SCHEMAS / name, schemas / name)
    env = {"DEMAT_STORE": str(tmp / "store"), "DEMAT_WEB_SECRET": "studio-secret-" + "z" * 24}
    for name, role, procs in (("agnes", "agency", PROCEDURE), ("bruno", "agency", "qc-permis-construction"),
                              ("marc", "clerk", "*")):
        add_user(env, name, role, procs, PASSWORDS[name])
    proc, url = start_web(env, schemas)
    yield {"url": url, "schemas": schemas, "env": env, "tmp": tmp}
    proc.terminate()
    log, _ = proc.communicate(timeout=30)
    assert not any(p in log for p in PASSWORDS.values()) and "studio-secret-" not in log
    assert "Traceback" not in log, log


def signed_in(browser, agency, user: str):
    page = browser.new_context(locale="fr-CA", viewport={"width": 1400, "height": 1000}).new_page()
    log_in(page, agency["url"], user, PASSWORDS[user])
    return page


def zone_of(page, row: str) -> list[float]:
    return [float(v) for v in page.input_value(f'[name="f.{row}.zone"]').split(",")]


def test_an_agency_makes_a_schema_from_a_blank_form_and_ingest_uses_it(browser, agency):
    page = signed_in(browser, agency, "agnes")
    page.wait_for_url("**/studio")
    page.fill("#procedure", PROCEDURE)
    page.set_input_files("#blank", str(BLANK))
    with page.expect_navigation():
        page.click("#propose")
    assert f"/studio/{PROCEDURE}" in page.url
    zones = page.locator(".studio-zone")
    assert zones.count() >= 15, zones.count()

    # The field proposed where the family name is written: moved by dragging, renamed, retyped, required.
    rows = page.locator(".studio-row")
    row = next(r.get_attribute("data-row") for r in rows.all()
               if iou(zone_of(page, r.get_attribute("data-row")), NOM_ZONE) > 0.7)
    before = zone_of(page, row)
    zone = page.locator(f'.studio-zone[data-row="{row}"]')
    box = zone.bounding_box()
    figure = page.locator('.studio-page[data-page="1"]').bounding_box()
    scale = 612 / figure["width"]  # points per screen pixel (a Letter page)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 20, box["y"] + box["height"] / 2 + 10, steps=5)
    page.mouse.up()
    after = zone_of(page, row)
    assert after[0] - before[0] == pytest.approx(20 * scale, abs=1.5)
    assert after[1] - before[1] == pytest.approx(10 * scale, abs=1.5)
    zone.focus()  # and back with the keyboard: Shift+arrows move by 10 points, arrows by 1
    for key in ["Shift+ArrowLeft"] + ["ArrowLeft"] * round(after[0] - before[0] - 10) + ["ArrowUp"] * round(after[1] - before[1]):
        page.keyboard.press(key)
    moved = zone_of(page, row)
    assert abs(moved[0] - before[0]) <= 1.5 and abs(moved[1] - before[1]) <= 1.5

    page.fill(f'[name="f.{row}.name"]', "nom_famille")
    page.select_option(f'[name="f.{row}.type"]', "text")
    page.check(f'[name="f.{row}.required"]')

    # A bad regular expression: the strict loader's words appear next to that field, before anything is saved.
    page.fill(f'[name="f.{row}.pattern"]', "^[A-Z(")
    errors = page.locator(f"#errors-{row} li")
    errors.first.wait_for()
    assert "regular expression" in errors.first.inner_text()
    page.screenshot(path=str(ROOT / "docs" / "studio.png"))
    assert page.locator("#status").inner_text() != ""
    with page.expect_response(lambda r: r.request.method == "POST" and r.status == 422):
        page.click("#publish")  # refused while the draft has errors
    assert "regular expression" in page.locator(f"#errors-{row}").inner_text()
    page.fill(f'[name="f.{row}.pattern"]', r"^[A-ZÉ][a-zé' -]+$")
    expect(page.locator(f"#errors-{row} li")).to_have_count(0)

    # Try a filled scan: each field's crop, what was read and its value.
    expect(page.locator("#studio")).to_have_attribute("data-checked", "ok")
    page.set_input_files("#scans", str(FILLED))
    with page.expect_navigation():
        page.click("#try-go")
    tried = page.locator('.tried tr[data-field="nom_famille"]')
    assert tried.locator(".value").inner_text() == "Lapointe"
    assert tried.locator("img.crop").count() == 1

    with page.expect_navigation():
        page.click("#publish")
    assert page.locator("#saved").is_visible()
    published = agency["schemas"] / f"{PROCEDURE}.yaml"
    data = yaml.safe_load(published.read_text(encoding="utf-8"))
    nom = next(f for f in data["fields"] if f["name"] == "nom_famille")
    assert nom["required"] is True and nom["pattern"] == r"^[A-ZÉ][a-zé' -]+$"
    assert iou(nom["zone"], NOM_ZONE) > 0.9
    assert run_demat("schema", "check", str(published)).returncode == 0

    inbox = agency["tmp"] / "inbox"
    inbox.mkdir()
    shutil.copyfile(FILLED, inbox / FILLED.name)
    store = agency["tmp"] / "read"
    run_demat("ingest", str(inbox), "--schemas", str(agency["schemas"]), "--store", str(store), check=True)
    (record,) = read_records(store)
    assert record["procedure"] == PROCEDURE and record["schema_version"] == 1
    assert record["fields"]["nom_famille"]["value"] == "Lapointe"


def test_another_agency_and_a_clerk_cannot_open_it(browser, agency):
    page = signed_in(browser, agency, "bruno")
    page.wait_for_url("**/studio")
    assert PROCEDURE not in page.locator("main").inner_text()
    for path in (f"/studio/{PROCEDURE}", f"/studio/{PROCEDURE}/pages/1.png"):
        assert page.goto(agency["url"] + path).status == 404
    assert page.goto(agency["url"] + "/studio/../../etc/passwd").status == 404
    # a blank form for a procedure not granted is refused, and nothing is written
    page.goto(agency["url"] + "/studio")
    page.fill("#procedure", "qc-autre")
    page.set_input_files("#blank", str(BLANK))
    with page.expect_navigation():
        page.click("#propose")
    assert "pas attribuée" in page.locator(".problem").inner_text()
    assert not (agency["schemas"] / ".studio" / "qc-autre").exists()
    clerk = signed_in(browser, agency, "marc")
    assert clerk.goto(agency["url"] + "/studio").status == 403


def test_publishing_over_read_records_makes_a_new_version_and_keeps_the_old(browser, agency):
    """After records were read with version 1 (the first test ingested into the web's store too), publishing
    again writes version 2 and keeps version 1 for those records."""
    inbox = agency["tmp"] / "inbox2"
    inbox.mkdir()
    shutil.copyfile(FILLED, inbox / FILLED.name)
    run_demat("ingest", str(inbox), "--schemas", str(agency["schemas"]), env=agency["env"], check=True)
    page = signed_in(browser, agency, "agnes")
    page.goto(agency["url"] + f"/studio/{PROCEDURE}")
    page.fill('[name="title"]', "Avis de changement d'adresse (studio)")
    with page.expect_navigation():
        page.click("#publish")
    assert "version 2" in page.locator("#saved").inner_text()
    schemas = agency["schemas"]
    old = yaml.safe_load((schemas / f"{PROCEDURE}.v1.yaml").read_text(encoding="utf-8"))
    new = yaml.safe_load((schemas / f"{PROCEDURE}.yaml").read_text(encoding="utf-8"))
    assert old["version"] == 1 and new["version"] == 2 and new["title"].endswith("(studio)")
    assert (schemas / old["template"]["file"]).is_file() and (schemas / new["template"]["file"]).is_file()
    out = run_demat("schema", "check", str(schemas), check=True).stdout
    assert re.search(rf"{PROCEDURE} v1", out) and re.search(rf"{PROCEDURE} v2", out)
    assert json.loads(run_demat("stats", "--format", "json", env=agency["env"], check=True).stdout)
