"""Identification among many schemas: look-alike versions of one form, real forms of several countries,
instruction pages that match none. Each scan must go to the right procedure, version and template page."""

from __future__ import annotations

import json
import random
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from conftest import REALFORMS, ROOT

sys.path.insert(0, str(ROOT / "tools"))

from make_samples import (  # noqa: E402
    degrade,
    encode,
    fake_values,
    form_pdf,
    instructions_pdf,
    load_spec,
    lookalike,
    rasterize,
)

from pipeline.evaluate import score  # noqa: E402
from pipeline.inputs.sources import discover  # noqa: E402
from pipeline.process import Context, digitize  # noqa: E402
from pipeline.schemas.schema import load_schemas  # noqa: E402
from pipeline.storage.store import LocalStore  # noqa: E402

REALDATA_FORMS = ROOT.parent / "shared" / "realdata" / "forms"
PROC = "qc-changement-adresse"


def _with_two_versions(folder: Path) -> tuple[dict, dict]:
    """schemas/ copied into `folder`, plus version 2 of the change-of-address form (its own template)."""
    shutil.copytree(ROOT / "schemas", folder, dirs_exist_ok=True)
    v1 = load_spec(PROC)
    v2 = lookalike(v1)
    data = {k: v for k, v in v2.items() if not k.startswith("_")}
    data["template"] = {"file": f"templates/{PROC}-v2.pdf"}
    (folder / f"{PROC}-v2.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (folder / "templates" / f"{PROC}-v2.pdf").write_bytes(form_pdf(v2, None))
    return v1, v2


def _scan(spec: dict, rng: random.Random, kind: str, folder: Path, stem: str, truth: list) -> None:
    printed, values = fake_values(spec, rng)
    dpi = 200 if kind == "fax" else 300
    page = degrade(rasterize(form_pdf(spec, printed), dpi)[0], rng, kind, dpi)
    data, ext = encode(page, kind)
    (folder / f"{stem}{ext}").write_bytes(data)
    truth.append({"source": f"{stem}{ext}", "pages": [1], "procedure": spec["procedure"], "kind": kind,
                  "fields": values, "version": spec["version"]})


def _digitize(schemas: Path, scans: Path, store: Path) -> list[dict]:
    ctx = Context(load_schemas(schemas), LocalStore(store), "ident")
    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(lambda r: digitize(r, ctx), discover([str(scans)])))
    return [r for o in outcomes for r in o.records]


def _by_source(records: list[dict]) -> dict[str, dict]:
    return {r["source"]["name"]: r for r in records}


@pytest.mark.slow
def test_two_versions_of_a_form_loaded_at_once_each_scan_matched_to_its_own(tmp_path):
    """Versions 1 and 2 share title, code and keywords; v2 moved its address blocks. Each scan must be read
    with its own version (recorded in the record), and its fields read from the right places."""
    v1, v2 = _with_two_versions(tmp_path / "schemas")
    scans = tmp_path / "scans"
    scans.mkdir()
    rng, truth = random.Random(41), []
    for spec in (v1, v2):
        for kind in ("clean", "skew", "fax"):
            _scan(spec, rng, kind, scans, f"v{spec['version']}-{kind}", truth)
    records = _by_source(_digitize(tmp_path / "schemas", scans, tmp_path / "store"))
    for t in truth:
        rec = records[t["source"]]
        assert (rec["procedure"], rec["schema_version"]) == (PROC, t["version"]), t["source"]
    s = score(records.values(), truth)["all"]
    assert s.accuracy >= 0.9, s.misses  # the wrong version would read the swapped address blocks: ~70%


@pytest.mark.slow
def test_identification_among_eleven_schemas_with_real_forms_and_an_instruction_page(tmp_path):
    """The 3 example schemas, a look-alike version 2, and the 8 real fillable forms of ../shared imported
    unedited (CERFA x4, CNESST, IRS W-9 and 1040, Luxembourg 160): 12 schemas. One scan of each form and an
    instruction page in one batch: every form goes to its procedure and version, the instruction page to none."""
    from fill_forms import write_scan

    from pipeline.schemas.acroform import write_schema

    schemas = tmp_path / "schemas"
    v1, v2 = _with_two_versions(schemas)
    scans = tmp_path / "scans"
    scans.mkdir()
    rng, truth = random.Random(7), []
    forms = sorted(REALFORMS.glob("*.pdf")) + sorted(REALDATA_FORMS.glob("*.pdf"))
    assert len(forms) >= 8
    for form in forms:
        path, _ = write_schema(form, schemas)
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        truth.append(write_scan(form, spec, rng, "clean", scans, f"{form.stem}.tif") | {"version": 1})
    for spec in (v1, v2):
        _scan(spec, rng, "skew", scans, f"adresse-v{spec['version']}", truth)
    page = degrade(rasterize(instructions_pdf(), 200)[0], rng, "lowres", 200)
    (scans / "guide.png").write_bytes(encode(page, "clean")[0])
    loaded = load_schemas(schemas)
    assert len(loaded) >= 12 and len({s.procedure for s in loaded}) >= 11

    records = _digitize(schemas, scans, tmp_path / "store")
    by_source = _by_source(records)
    wrong = [(t["source"], by_source.get(t["source"], {}).get("procedure"), t["procedure"]) for t in truth
             if (by_source.get(t["source"], {}).get("procedure"), by_source.get(t["source"], {}).get("schema_version"))
             != (t["procedure"], t["version"])]
    assert not wrong, wrong
    # every page of a multi-page form is in its one record, in template order
    for t in truth:
        assert by_source[t["source"]]["source"]["pages"] == t["pages"], t["source"]
    guide = by_source["guide.png"]
    assert guide["status"] == "rejected" and "not identified" in guide["errors"][0], json.dumps(guide)[:300]


def test_a_form_printed_twice_on_its_pages_is_read_in_page_order():
    """CERFA 14411 prints the same form on its two pages ("volet 1", "volet 2"): a faxed first page matched both
    template pages alike (0.644 and 0.653 of their print found). Among pages of one form that agree within a tie,
    the page that follows the previous one wins, or else the form's first."""
    from types import SimpleNamespace

    from pipeline.process import PageResult, _most_agreeing

    form = SimpleNamespace(pages=2)
    p1, p2 = (form, 1, "alignment 1"), (form, 2, "alignment 2")
    assert _most_agreeing([(0.644, p1), (0.653, p2)], None) is p1
    after_first = PageResult(1, "form", form, 1)
    assert _most_agreeing([(0.653, p1), (0.644, p2)], after_first) is p2
    assert _most_agreeing([(0.80, p1), (0.70, p2)], after_first) is p1  # not a tie: the print decides
    other = SimpleNamespace(pages=1)
    assert _most_agreeing([(0.644, p1), (0.653, (other, 1, "a"))], None)[0] is other  # another form: no tie


@pytest.mark.slow
def test_the_forms_own_instruction_pages_are_no_record_of_their_own(tmp_path):
    """The W-9 prints "Form W-9" atop its instruction pages: they were identified as the W-9 by their words,
    failed to align, and each became a record to review (6 records for one form). Beside a page that is the form,
    a page named like it that aligns to none of its pages is a page of no form."""
    from PIL import Image

    from pipeline.schemas.acroform import write_schema

    schemas = tmp_path / "schemas"
    write_schema(REALFORMS / "fw9.pdf", schemas)
    scans = tmp_path / "scans"
    scans.mkdir()
    pages = [Image.fromarray(p) for p in rasterize((REALFORMS / "fw9.pdf").read_bytes(), 200)[:3]]
    pages[0].save(scans / "w9-and-instructions.tif", save_all=True, append_images=pages[1:], dpi=(200, 200),
                  compression="tiff_lzw")
    pages[1].save(scans / "instructions-alone.tif", dpi=(200, 200), compression="tiff_lzw")
    by_source = {}
    for r in _digitize(schemas, scans, tmp_path / "store"):
        by_source.setdefault(r["source"]["name"], []).append(r)
    (record,) = by_source["w9-and-instructions.tif"]
    assert record["source"]["pages"] == [1] and record["procedure"] == "w-9"
    # With no page that is the form, a page named like it still goes to a person: the form may be the page.
    (alone,) = by_source["instructions-alone.tif"]
    assert alone["status"] in ("needs_review", "rejected")
