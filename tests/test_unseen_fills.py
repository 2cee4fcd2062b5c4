"""What fills made by another tool showed (bench/unseen.py, tools/type_forms.py), each from a real crop: accents
kept, dashes typed in comb boxes kept, a light scan's page not taken for blank, a form's instruction pages neither
a record nor turned."""

from __future__ import annotations

import json
import random
import shutil
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml

from conftest import ROOT
from pipeline.inputs.preprocess import is_blank
from pipeline.reading.extract import comb_insides, packed_comb, zone_language
from pipeline.reading.ocr import ZoneJob, clean_crop, read_zones, remove_rules

CROPS = Path(__file__).parent / "crops"
SHARED = ROOT.parent / "shared"


def crop(name: str) -> np.ndarray:
    return cv2.imread(str(CROPS / f"{name}.png"), cv2.IMREAD_GRAYSCALE)


def test_zones_of_a_french_form_read_in_one_montage_keep_their_accents():
    """CERFA 13753 filled by a viewer (PDFium drawing the AcroForm's values), clean 300-dpi scan: its zones, cut as
    the extractor cuts them, read in one montage as the extractor reads them. In "fra+eng", once a number had been
    read best in English, the English model went on: "Émond", "Besançon", "Benoît", "Éric" came out without their
    accents, confident."""
    expected = {"societe": "Société de Lyon", "digits": "06690743915003", "etienne": "Réseau de Saint-Étienne",
                "num": "71", "emond": "Émond", "besancon": "Réseau de Besançon",
                "benoit": "Benoît O'Neill, Rouyn-Noranda", "eric": "Éric St-Pierre, Lévis"}
    lang = zone_language("fra+eng")
    jobs = [ZoneJob(name, clean_crop(remove_rules(crop(f"viewer_13753_{name}"))), lang, None, False)
            for name in expected]
    read = {k: t.text for k, t in read_zones(jobs).items()}
    wrong = {k: (v, read[k]) for k, v in expected.items() if read[k] != v}
    assert len(wrong) <= 1 and not any(k in wrong for k in ("emond", "besancon", "benoit", "eric")), wrong
    assert zone_language("eng") == "eng" and zone_language("eng+fra") == "fra" and zone_language("deu") == "deu"


def test_dashes_typed_in_comb_boxes_are_kept():
    """CERFA 13969's ten-box file number holding "2K-JDV-4G": a dash in a box is no glyph-tall mark, and the boxes
    were packed without it ("2KJDV4G")."""
    image = remove_rules(crop("viewer_13969_comb_dashes"))
    cell = (1689 - 939) / 10  # the zone's ten boxes, in pixels of the aligned page; the crop starts at 938
    packed = packed_comb(image, comb_insides(939 - 938, cell, 10))
    text = read_zones([ZoneJob("n", clean_crop(packed), "fra", None, False)])["n"].text
    assert text.replace(" ", "").startswith("2K-JDV-4"), text


def test_a_light_scans_page_of_faded_print_is_not_blank():
    """Page 2 of an IRS 1040 scanned light (the print faded to grey 130-150 on paper 243), at 75 dpi as blank pages
    are judged: its strokes, averaged with the paper around them, stay above the fixed level once used (160) and
    the page was taken for blank, its 120 fields lost. A blank page of the same scan stays blank."""
    page = crop("light_1040_page2_75dpi")
    assert not is_blank(page, 75)
    paper = np.full_like(page, int(np.median(page)))
    noise = np.random.default_rng(3).normal(0, 5, page.shape)
    assert is_blank(np.clip(paper + noise, 0, 255).astype(np.uint8), 75)


@pytest.mark.slow
def test_a_w9_with_its_instruction_pages_is_one_record_and_no_page_is_turned(tmp_path, monkeypatch):
    """IRS Form W-9 filled by a viewer and scanned with its five pages of instructions: their header names the form,
    but they align to none of its pages. They are pages of no form (no record), and, read upright, they are not
    turned and read again (10 s a page)."""
    sys.path.insert(0, str(ROOT / "tools"))
    from type_forms import write_document

    from pipeline import process
    from pipeline.inputs.sources import DocRef
    from pipeline.schemas.acroform import write_schema
    from pipeline.schemas.schema import load_schemas
    from pipeline.storage.store import LocalStore

    form = SHARED / "realforms" / "fw9.pdf"
    schemas = tmp_path / "schemas"
    path, _ = write_schema(form, schemas)
    schema = yaml.safe_load(path.read_text(encoding="utf-8"))
    truth = write_document(form, schema, "viewer", "clean", random.Random(5), tmp_path, "w9")
    turned = []
    real = process._turns_to_try
    monkeypatch.setattr(process, "_turns_to_try", lambda *a: turned.append(1) or real(*a))
    ctx = process.Context(load_schemas(schemas), LocalStore(tmp_path / "store"), "t")
    out = process.digitize(DocRef(str(tmp_path / truth["source"]), None, truth["source"]), ctx)
    assert out.pages == 6 and turned == []
    assert [(r["procedure"], r["source"]["pages"]) for r in out.records] == [("w-9", [1])]
    got = {k: v["value"] for k, v in out.records[0]["fields"].items()}
    right = sum(got[k] == v for k, v in truth["fields"].items())
    assert right >= len(truth["fields"]) - 2, json.dumps({k: (v, got[k]) for k, v in truth["fields"].items()
                                                          if got[k] != v}, ensure_ascii=False)
    shutil.rmtree(schemas)
