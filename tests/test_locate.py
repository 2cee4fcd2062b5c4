"""Fields located beyond fixed zones: next to a printed label (anchor), by a regex over the page text, and named
entities (spaCy fr_core_news_sm) within what a label isolates. On born-digital PDFs whose layout moves, and on
skewed scans read by the real Tesseract."""

from __future__ import annotations

import io
import random
import sys

import pytest
import yaml
from conftest import ROOT
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

sys.path.insert(0, str(ROOT / "tools"))

from make_samples import degrade, encode, rasterize  # noqa: E402

from pipeline.inputs.sources import discover  # noqa: E402
from pipeline.process import Context, digitize  # noqa: E402
from pipeline.reading.entities import EntityModel  # noqa: E402
from pipeline.reading.extract import Reading  # noqa: E402
from pipeline.reading.locate import (  # noqa: E402
    PageWord,
    anchor_zone,
    find_label,
    locate_fields,
    refine,
    words_in,
)
from pipeline.schemas.schema import FieldSpec, load_schemas  # noqa: E402
from pipeline.storage.store import LocalStore  # noqa: E402

SCHEMA = {
    "procedure": "qc-attestation-residence",
    "title": "Attestation de résidence",
    "version": 1,
    "identify": {"keywords": ["Attestation de résidence", "AR-100"]},
    "template": {"file": "attestation.pdf"},
    "fields": [
        {"name": "dossier", "regex": r"dossier\s*:?\s*(AR-\d{4}-\d{6})", "required": True},
        {"name": "demandeur", "anchor": {"label": "Nom du demandeur :"}, "entity": "person", "required": True},
        {"name": "municipalite", "anchor": {"label": "Municipalité :", "width": 200}, "required": True},
        {"name": "date_arrivee", "anchor": {"label": "Résident depuis le", "side": "below", "width": 150},
         "type": "date", "required": True},
    ],
}
VALUES = {"dossier": "AR-2024-001234", "demandeur": "Marie Tremblay", "municipalite": "Sherbrooke",
          "date_arrivee": "2019-06-03"}


def attestation(values: dict | None, drop: int = 0, name_suffix: str = ", ingénieure",
                town_label: str = "Municipalité :") -> bytes:
    """The form as a PDF: labels at their place, moved down by `drop` points (a later printing), values after
    them (a born-digital letter) or none (the template)."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter)
    top = letter[1]
    c.setFont("Helvetica-Bold", 18)
    c.drawString(60, top - 80, "Attestation de résidence")
    c.setFont("Helvetica-Bold", 11)
    c.drawRightString(552, top - 80, "AR-100")
    c.setFont("Helvetica", 9)
    c.drawString(60, top - 100, "Ministère des Affaires municipales - formulaire d'exemple")
    c.setLineWidth(1.2)
    c.line(60, top - 110, 552, top - 110)
    c.setFont("Helvetica", 12)
    v = values or {}
    rows = [("N° de dossier :", v.get("dossier")), ("Nom du demandeur :", v and f"{v['demandeur']}{name_suffix}"),
            (town_label, v.get("municipalite"))]
    y = top - 160 - drop
    for label, value in rows:
        c.drawString(60, y, label)
        if value:
            c.drawString(60 + c.stringWidth(label, "Helvetica", 12) + 8, y, value)
        y -= 40
    c.drawString(60, y, "Résident depuis le")
    if v:
        c.drawString(60, y - 20, "03/06/2019")
    c.setFont("Helvetica", 9)
    c.drawString(60, 80, "J'atteste que les renseignements ci-dessus sont exacts.")
    c.showPage()
    c.save()
    return buf.getvalue()


@pytest.fixture(scope="module")
def schemas(tmp_path_factory):
    folder = tmp_path_factory.mktemp("located-schemas")
    (folder / "attestation.pdf").write_bytes(attestation(None))
    (folder / "attestation.yaml").write_text(yaml.safe_dump(SCHEMA, allow_unicode=True), encoding="utf-8")
    return folder


def _records(schemas, scans, tmp_path) -> dict[str, dict]:
    ctx = Context(load_schemas(schemas), LocalStore(tmp_path / "store"), "located")
    return {r["source"]["name"]: r for ref in discover([str(scans)]) for r in digitize(ref, ctx).records}


def test_a_label_is_found_fuzzily_and_the_value_read_beside_it():
    words = [PageWord(t, x, 100, x + w, 112, 0.9) for t, x, w in
             [("Municipalite", 60, 80), (":", 142, 4), ("Sherbrooke", 160, 70), ("Code", 300, 30)]]
    box = find_label(words, "Municipalité :")
    assert box is not None and box[0] == 60 and box[2] == 146
    spec = FieldSpec.model_validate({"name": "ville", "anchor": {"label": "Municipalité :", "width": 120}})
    assert words_in(words, anchor_zone(spec, box, (612, 792))).text == "Sherbrooke"  # not "Code", beyond width
    assert find_label(words, "Numéro de téléphone") is None
    found = locate_fields(words, [FieldSpec.model_validate({"name": "tel", "anchor": {"label": "Téléphone"}})],
                          (612, 792))
    assert found["tel"].problem == "label 'Téléphone' not found on the page"


def test_regex_group_and_entity_narrow_a_reading():
    spec = FieldSpec.model_validate({"name": "n", "zone": [0, 0, 10, 10], "regex": r"n[°o]\s*(?P<value>\d+)"})
    assert refine(spec, Reading("Dossier n° 4521 (copie)", 0.9)).text == "4521"
    assert "does not match" in refine(spec, Reading("Dossier", 0.9)).problem
    person = FieldSpec.model_validate({"name": "p", "zone": [0, 0, 10, 10], "entity": "person"})
    model = EntityModel()
    assert refine(person, Reading("Mme Sophie Côté, ingénieure", 0.9), model).text.endswith("Sophie Côté")
    assert "no person name" in refine(person, Reading("12 rue des Pins", 0.9), model).problem


def test_born_digital_pdfs_whose_layout_moves_are_read_by_label_and_regex(schemas, tmp_path):
    scans = tmp_path / "in"
    scans.mkdir()
    for drop in (0, 36, 90):  # later printings moved the block down
        (scans / f"attestation-{drop}.pdf").write_bytes(attestation(VALUES, drop))
    records = _records(schemas, scans, tmp_path)
    assert len(records) == 3
    for name, rec in records.items():
        got = {k: f["value"] for k, f in rec["fields"].items()}
        assert got == VALUES, (name, rec["fields"])
        assert rec["status"] == "accepted", (name, rec["errors"])


@pytest.mark.slow
def test_skewed_scans_are_read_by_label_regex_and_entity(schemas, tmp_path):
    scans = tmp_path / "in"
    scans.mkdir()
    rng = random.Random(5)
    for kind in ("clean", "skew"):
        page = degrade(rasterize(attestation(VALUES), 300)[0], rng, kind, 300)
        data, ext = encode(page, "clean")
        (scans / f"scan-{kind}{ext}").write_bytes(data)
    records = _records(schemas, scans, tmp_path)
    for name, rec in records.items():
        got = {k: f["value"] for k, f in rec["fields"].items()}
        assert got == VALUES, (name, rec["fields"])


def test_a_missing_label_is_a_field_error_and_sends_the_record_to_review(schemas, tmp_path):
    scans = tmp_path / "in"
    scans.mkdir()
    (scans / "renamed.pdf").write_bytes(attestation(VALUES, town_label="Localité :"))  # a renamed label
    rec = next(iter(_records(schemas, scans, tmp_path).values()))
    assert rec["status"] == "needs_review"
    assert rec["fields"]["municipalite"]["value"] is None
    assert "label 'Municipalité :' not found" in rec["fields"]["municipalite"]["errors"][0]
    assert rec["fields"]["dossier"]["value"] == VALUES["dossier"]
