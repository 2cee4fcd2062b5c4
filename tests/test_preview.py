"""Schema preview pictures and the JSON Schemas published for editors and downstream systems."""

from __future__ import annotations

import json

import numpy as np
from conftest import SAMPLES, SCHEMAS, run_demat
from PIL import Image


def test_preview_draws_every_zone_over_the_template(tmp_path):
    out = tmp_path / "p.png"
    run_demat("schema", "preview", str(SCHEMAS / "qc-changement-adresse.yaml"), "-o", str(out), check=True)
    img = np.asarray(Image.open(out).convert("RGB")).astype(int)
    blue = (img[..., 2] > 180) & (img[..., 0] < 60)  # text zones are outlined in blue
    green = (img[..., 1] > 110) & (img[..., 0] < 40) & (img[..., 2] < 40)  # checkboxes in green
    assert blue.sum() > 2000 and green.sum() > 100


def test_preview_over_a_scan_aligns_it(tmp_path):
    out = tmp_path / "scan.png"
    res = run_demat("schema", "preview", str(SCHEMAS / "qc-changement-adresse.yaml"), "--scan",
                    str(SAMPLES / "degraded" / "adresse-skew.jpg"), "-o", str(out), check=True)
    assert out.is_file() and "wrote" in res.stdout


def test_preview_errors_are_one_line(tmp_path):
    bad = run_demat("schema", "preview", str(SCHEMAS / "qc-changement-adresse.yaml"), "--page", "3")
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1


def test_committed_schema_json_is_in_step_with_the_model():
    from pipeline.preview import schema_model_json

    committed = json.loads((SCHEMAS / "schema.json").read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(schema_model_json()))
    assert "fields" in committed["properties"] and committed["additionalProperties"] is False


