"""Schemas proposed from blank forms (`demat schema propose`), and the studio's drafts without a browser: what the
strict loader says is put next to its field; a draft's folder is never read as a published schema."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import ROOT, SCHEMAS, run_demat
from PIL import Image

from pipeline import propose, studio
from pipeline.evaluate import match_zones
from pipeline.inputs import pdfium
from pipeline.schemas import acroform
from pipeline.schemas.schema import load_schemas

REALFORMS = ROOT.parent / "shared" / "realforms"


def scan_of(pdf: bytes, path: Path, dpi: int = 300, skew: float = 0.0) -> Path:
    """The PDF's pages as a grayscale TIFF scan (no text layer, no fillable field left to read)."""
    pages = [Image.fromarray(pdfium.render(pdf, i, dpi, max_pixels=10**9)) for i in range(len(pdfium.page_sizes(pdf)))]
    if skew:
        pages = [p.rotate(skew, resample=Image.BICUBIC, fillcolor=255) for p in pages]
    pages[0].save(path, "TIFF", dpi=(dpi, dpi), save_all=True, append_images=pages[1:])
    return path


@pytest.mark.parametrize("skew", [0.0, 1.2])
def test_a_scanned_blank_form_gives_the_fields_a_fillable_pdf_declares(tmp_path, skew):
    """CERFA 13753 printed blank and scanned: the proposal finds the zones of its AcroForm (which it never sees),
    and the result passes `demat schema check`."""
    form = REALFORMS / "cerfa_13753_04.pdf"
    imported, template, _ = acroform.build_schema(form)
    scan = scan_of(template, tmp_path / "blank.tif", skew=skew)
    out = run_demat("schema", "propose", str(scan), "-o", str(tmp_path / "out"), "--procedure", "cerfa-13753")
    assert out.returncode == 0, out.stderr
    proposed = yaml.safe_load((tmp_path / "out" / "cerfa-13753.yaml").read_text(encoding="utf-8"))
    score = match_zones(imported["fields"], proposed["fields"])
    assert score.recall >= 0.8 and score.precision >= 0.7, (score.recall, score.precision)
    assert score.types >= 0.8
    assert run_demat("schema", "check", str(tmp_path / "out")).returncode == 0
    kinds = {f.get("type", "text") for f in proposed["fields"]}
    assert "checkbox" in kinds and any(f.get("comb") for f in proposed["fields"])
    assert "13753*04" in proposed["identify"]["keywords"]


def test_labels_name_and_type_the_fields_of_a_born_digital_blank(tmp_path):
    """The example address-change form (a PDF with a text layer and no fields): every field of its hand-written
    schema is proposed, named after its printed label, typed from it."""
    path, _ = propose.write_schema(SCHEMAS / "templates" / "qc-changement-adresse.pdf", tmp_path, "qc-adresse")
    proposed = yaml.safe_load(path.read_text(encoding="utf-8"))
    written = yaml.safe_load((SCHEMAS / "qc-changement-adresse.yaml").read_text(encoding="utf-8"))
    score = match_zones(written["fields"], proposed["fields"])
    assert score.recall == 1.0
    by_name = {f["name"]: f for f in proposed["fields"]}
    assert by_name["nom_de_famille"]["label"] == "Nom de famille"
    assert by_name["courriel"]["type"] == "email" and by_name["code_postal"]["type"] == "postal_code"
    assert by_name["date_de_naissance_jj_mm_aaaa"]["type"] == "date"
    assert by_name["date_de_naissance_jj_mm_aaaa"]["date_order"] == "dmy"  # the order its label asks for
    assert by_name["date_de_la_signature_jj_mm_aaaa"]["type"] == "date"  # a date, though it names a signature
    assert by_name["telephone"]["type"] == "phone"
    assert sum(f.get("type") == "checkbox" for f in proposed["fields"]) == 3


def test_a_page_without_anything_to_fill_proposes_nothing(tmp_path):
    page = np.full((1100, 850), 255, np.uint8)
    page[100:130, 100:700] = 0  # a black band: print, not a box or a line to write on
    buf = io.BytesIO()
    Image.fromarray(page).save(buf, "PNG", dpi=(100, 100))
    (tmp_path / "plain.png").write_bytes(buf.getvalue())
    schema, _, notes = propose.build_schema(tmp_path / "plain.png")
    assert schema["fields"] == [] and notes == ["page 1: nothing to fill found"]
    out = run_demat("schema", "propose", str(tmp_path / "nope.png"), "-o", str(tmp_path / "o"))
    assert out.returncode == 1 and out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


@pytest.fixture
def workshop(tmp_path):
    schemas = tmp_path / "schemas"
    shutil.copytree(SCHEMAS, schemas)
    return schemas


def test_loader_errors_are_put_next_to_their_field(workshop):
    data, _ = studio.from_blank(workshop, SCHEMAS / "templates" / "qc-changement-adresse.pdf", "qc-adresse")
    rows = [{"orig": str(i), "name": f["name"], "label": f.get("label", ""), "type": f.get("type", "text"),
             "page": str(f["page"]), "zone": ", ".join(str(v) for v in f["zone"])} for i, f in enumerate(data["fields"])]
    rows[2]["pattern"] = "([0-9"
    rows[4]["name"] = "Téléphone"  # not an identifier
    rows[5]["zone"] = "40, 300, 30, 310"  # x1 before x0
    rows[6]["type"] = "enum"  # an enum without values
    rows[7]["delete"] = "1"
    rows.append({"orig": "", "name": "nouveau", "page": "1", "zone": "10, 10, 60, 30", "type": "text"})
    edited = studio.edited(data, {"title": "Avis", "keywords": "changement d'adresse; SQ-2101"}, rows)
    assert len(edited["fields"]) == len(data["fields"])  # one removed, one drawn
    assert edited["identify"]["keywords"] == ["changement d'adresse", "SQ-2101"]
    checked = studio.check(workshop, edited)
    assert not checked.ok
    assert "regular expression" in " ".join(checked.fields[2])
    assert "name" in " ".join(checked.fields[4])
    assert "x1 > x0" in " ".join(checked.fields[5])
    assert "values" in " ".join(checked.fields[6])
    assert set(checked.fields) == {2, 4, 5, 6}
    # the same draft, mended, passes; kept OCR hints of proposed fields survive the edit
    for r in rows:
        r.pop("pattern", None)
    rows[4]["name"], rows[5]["zone"], rows[6]["type"] = "tel", "40, 300, 90, 310", "text"
    mended = studio.edited(data, {}, rows)
    assert studio.check(workshop, mended).ok
    assert mended["fields"][3].get("ocr") == data["fields"][3].get("ocr")


def test_drafts_are_not_published_schemas(workshop):
    before = {s.key for s in load_schemas(workshop)}
    studio.from_blank(workshop, SCHEMAS / "templates" / "qc-changement-adresse.pdf", "qc-adresse")
    assert studio.drafts(workshop) == ["qc-adresse"]
    assert {s.key for s in load_schemas(workshop)} == before  # `.studio/` is skipped by the loader
    with pytest.raises(studio.StudioError):
        studio.draft_path(workshop, "../escape")


def test_moving_a_radio_group_in_the_studio_carries_its_boxes(workshop, tmp_path):
    """A radio group's zone is the union of its boxes: moved or resized in the studio, its boxes follow."""
    path, _ = acroform.write_schema(REALFORMS / "cerfa_13753_04.pdf", tmp_path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["procedure"] = "cerfa-13753"
    (workshop / ".studio" / "cerfa-13753" / "templates").mkdir(parents=True)
    shutil.copy(tmp_path / data["template"]["file"], workshop / ".studio" / "cerfa-13753" / data["template"]["file"])
    i, radio = next((i, f) for i, f in enumerate(data["fields"]) if f.get("type") == "radio")
    rows = [{"orig": str(k), "name": f["name"], "type": f.get("type", "text"), "page": str(f.get("page", 1)),
             "zone": ", ".join(str(v) for v in f["zone"])} for k, f in enumerate(data["fields"])]
    x0, y0, x1, y1 = radio["zone"]
    rows[i]["zone"] = f"{x0 + 10}, {y0 + 5}, {x0 + 10 + 2 * (x1 - x0)}, {y1 + 5}"  # moved, twice as wide
    edited = studio.edited(data, {}, rows)
    moved = edited["fields"][i]
    for old, new in zip(radio["options"], moved["options"]):
        assert new["zone"][0] == pytest.approx(x0 + 10 + 2 * (old["zone"][0] - x0), abs=0.11)
        assert new["zone"][1] == pytest.approx(old["zone"][1] + 5, abs=0.11)
        assert new["zone"][3] - new["zone"][1] == pytest.approx(old["zone"][3] - old["zone"][1], abs=0.11)
    assert studio.check(workshop, edited).ok
    unmoved = studio.edited(data, {}, [{**r, "zone": ", ".join(str(v) for v in data["fields"][int(r["orig"])]["zone"])}
                                       for r in rows])
    assert unmoved["fields"][i]["options"] == radio["options"]


def test_an_amount_column_beside_shaded_boxes_gives_one_field_a_row(tmp_path):
    """The IRS 1040's income lines, scanned blank: an amount cell that spans a shaded box and the next line
    number is that line's field (its last row), and the rules that run into the shaded boxes are lines to write
    on (8b and 9b, the cents of every row), as its AcroForm has them."""
    form = ROOT.parent / "shared" / "realdata" / "forms" / "irs_f1040_2010.pdf"
    imported, template, _ = acroform.build_schema(form)
    top, bottom = 340, 424  # points: lines 7 to 11
    page = pdfium.render(template, 0, 300, max_pixels=10**9)[round(top * 300 / 72):round(bottom * 300 / 72)]
    Image.fromarray(page).save(tmp_path / "lines.png", dpi=(300, 300))
    proposed, _, _ = propose.build_schema(tmp_path / "lines.png")
    inside = [{**f, "zone": [f["zone"][0], f["zone"][1] - top, f["zone"][2], f["zone"][3] - top]}
              for f in imported["fields"] if f.get("page", 1) == 1 and f["zone"][1] >= top and f["zone"][3] <= bottom]
    score = match_zones(inside, proposed["fields"])
    assert len(inside) == 12 and score.recall == 1.0, (len(inside), score.recall, sorted(score.pairs))
