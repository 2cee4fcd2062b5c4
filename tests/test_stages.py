"""Stages on real images with real Tesseract: deskew, registration, identification, OCR CLI."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from conftest import ROOT, SAMPLES, SCHEMAS, run_demat

from pipeline.inputs.load import image_pages
from pipeline.inputs.preprocess import estimate_skew, is_blank, rotate
from pipeline.reading.identify import rank
from pipeline.reading.register import align, warp
from pipeline.reading.templates import TemplateCache
from pipeline.schemas.schema import load_schemas


@pytest.fixture(scope="module")
def schemas():
    return load_schemas(SCHEMAS)


@pytest.fixture(scope="module")
def address_template(schemas):
    s = next(x for x in schemas if x.procedure == "qc-changement-adresse")
    return s, TemplateCache().get(s, 1)


def _clean_page() -> np.ndarray:
    return next(image_pages((SAMPLES / "clean" / "adresse-01.png").read_bytes())).image


@pytest.mark.parametrize("angle", [-3.0, -0.7, 1.2, 2.5])
def test_deskew_finds_the_rotation(angle):
    page = rotate(_clean_page(), angle)
    assert estimate_skew(page) == pytest.approx(-angle, abs=0.15)


def test_registration_aligns_a_rotated_shifted_noisy_page(address_template):
    schema, tpl = address_template
    page = _clean_page()
    h, w = page.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), 2.0, 0.98)
    m[:, 2] += (35, -20)
    moved = cv2.warpAffine(page, m, (w, h), borderValue=250)
    moved = np.clip(moved + np.random.default_rng(1).normal(0, 10, moved.shape), 0, 255).astype(np.uint8)
    a = align(moved, tpl)
    assert a.ok and a.method == "orb-homography" and a.residual_px < 2.0
    # a point of the template maps back where it belongs: check the title rule's left end
    back = warp(moved, a, tpl)
    diff = np.mean(np.abs(back.astype(int) - tpl.image.astype(int)) > 100)
    assert diff < 0.03


def test_registration_gives_the_same_transform_in_any_thread_after_any_work(address_template):
    """Feature matching looks features up in hash tables drawn at random: they are drawn alike every time, so a
    page aligns the same alone or in a batch, whatever the thread did before (OpenCV's random state is a
    thread's)."""
    from concurrent.futures import ThreadPoolExecutor

    _, tpl = address_template
    page = rotate(_clean_page(), 1.2)

    def after_other_work(draws: int):
        cv2.randu(np.zeros((draws + 1, 7), np.uint8), 0, 255)  # uses the thread's random state, as other work may
        return align(page, tpl).matrix

    with ThreadPoolExecutor(3) as pool:
        matrices = list(pool.map(after_other_work, [0, 1, 5, 17, 100, 3]))
    assert all(m == matrices[0] for m in matrices)


def test_a_page_crowded_with_writing_is_aligned_on_more_of_its_features(address_template):
    """Pen strokes all over a page (2,500 of them) hold more corners than the form's print: its 5,000 strongest
    features match the template nowhere, so `align_any` looks again with four times as many, and the print is
    among them."""
    from pipeline.reading.register import align_any

    _, tpl = address_template
    page = _clean_page().copy()
    rng = np.random.default_rng(3)
    h, w = page.shape
    for _ in range(2500):
        x, y = rng.uniform(0, w - 40), rng.uniform(0, h - 40)
        cv2.polylines(page, [np.int32(np.c_[x + rng.uniform(0, 36, 4), y + rng.uniform(0, 30, 4)])], False, 0, 3)
    assert not align(page, tpl).ok
    (a,) = align_any(page, [tpl])
    assert a.ok and a.inliers > 100 and a.residual_px < 2.0


def test_a_page_the_wrong_way_up_is_not_looked_at_again(address_template, monkeypatch):
    """A page turned a quarter matches its form by the hundreds of features, in a transform refused for the turn:
    it is to be turned, not looked at again on more features (which costs a second or so a page)."""
    from pipeline.reading import register

    _, tpl = address_template
    counts: list[int] = []
    plain = register.align
    monkeypatch.setattr(register, "align",
                        lambda *a, **k: counts.append(k.get("count", register.FEATURES)) or plain(*a, **k))
    (a,) = register.align_any(np.rot90(_clean_page()).copy(), [tpl])
    assert not a.ok and a.refused >= register.CROWDED_MATCHES and counts == [register.FEATURES]


def test_a_page_named_by_its_words_is_looked_at_closer_and_once(address_template, monkeypatch):
    """A page that aligns to nothing is looked at again on more features, and where its words named the form on
    more still; aligned by its look, then by its words, it meets the same template pages again, and what was found
    is kept: each template page is aligned once at each count."""
    from pipeline.reading import register

    _, tpl = address_template
    counts: list[int] = []
    plain = register.align
    monkeypatch.setattr(register, "align",
                        lambda *a, **k: counts.append(k.get("count", register.FEATURES)) or plain(*a, **k))
    noise = (np.random.default_rng(0).random((1650, 1275)) * 255).astype(np.uint8)
    seen: register.Features = {}
    (first,) = register.align_any(noise, [tpl], features=seen)
    (again,) = register.align_any(noise, [tpl], register.NAMED_FEATURES, seen)
    assert not first.ok and not again.ok
    assert counts == [register.FEATURES, *register.NAMED_FEATURES], counts


def test_registration_reports_failure_on_a_foreign_page(address_template):
    _, tpl = address_template
    rng = np.random.default_rng(0)
    noise = (rng.random((3300, 2550)) * 255).astype(np.uint8)
    a = align(noise, tpl)
    assert not a.ok and a.reason


def test_identification_by_keywords_tolerates_ocr_slips(schemas):
    best = rank("AVIS DE CHANGEMENT D ADRESSF SQ-2101 Gouvernement", schemas)
    assert best and best[0].schema.procedure == "qc-changement-adresse"
    assert rank("Guide pour remplir le formulaire", schemas) == []


def test_blank_detection():
    assert is_blank(np.full((3300, 2550), 250, np.uint8))
    assert not is_blank(_clean_page())


def test_a_printed_form_scanned_at_100_dpi_is_not_blank():
    """FUNSD's scans (~90 dpi) were judged at a quarter of their resolution, their print averaged to grey: 13 of
    199 printed, filled forms were rejected as blank pages. A blank page with specks at that resolution still is."""
    from pipeline.inputs import load

    funsd = ROOT.parent / "shared" / "realdata" / "funsd" / "testing_data" / "images" / "85201976.png"
    page = next(iter(load.pages(funsd.read_bytes(), "image/png")))
    assert page.dpi < 100 and not is_blank(page.image, page.dpi)
    rng = np.random.default_rng(3)
    specks = np.full((1000, 760), 245, np.uint8)
    specks[rng.integers(0, 1000, 300), rng.integers(0, 760, 300)] = 0
    assert is_blank(specks, 90)


def test_ocr_command_json(tmp_path):
    out = run_demat("ocr", str(SAMPLES / "degraded" / "adresse-skew.jpg"), "--format", "json", check=True)
    words = json.loads(out.stdout)
    texts = {w["text"] for w in words}
    assert "changement" in texts and "SQ-2101" in texts
    assert all(set(w) >= {"page", "box", "text", "confidence"} for w in words)


def test_ocr_command_text_and_bad_file(tmp_path):
    out = run_demat("ocr", str(SAMPLES / "clean" / "permis-numerique.pdf"), check=True)
    assert "Demande de permis de construction" in out.stdout
    bad = tmp_path / "x.png"
    bad.write_bytes(b"nope")
    res = run_demat("ocr", str(bad))
    assert res.returncode == 1 and "Traceback" not in res.stderr


def test_concurrent_pdf_rendering_is_safe():
    """PDFium is not thread-safe; the wrapper serializes it. Without that, this crashes the process."""
    from concurrent.futures import ThreadPoolExecutor

    from pipeline.inputs import pdfium

    pdfs = [(SAMPLES / "clean" / "aide-01.pdf").read_bytes(), (SCHEMAS / "templates" / "qc-aide-financiere.pdf").read_bytes()]

    def work(i: int) -> tuple[int, int]:
        return pdfium.render(pdfs[i % 2], i % 2, 72, max_pixels=10**8).shape

    with ThreadPoolExecutor(8) as pool:
        shapes = list(pool.map(work, range(64)))
    assert len(set(shapes)) >= 1 and all(h > 700 for h, _ in shapes)


def test_threads_asking_for_one_template_page_share_one_rendering(schemas):
    """Documents read side by side start on the same forms: the page is rendered once, the others wait for it."""
    from concurrent.futures import ThreadPoolExecutor

    cache = TemplateCache()
    schema = schemas[0]
    with ThreadPoolExecutor(8) as pool:
        pages = list(pool.map(lambda _: cache.get(schema, 1), range(8)))
    assert all(p is pages[0] for p in pages) and pages[0].descriptors is not None


@pytest.mark.parametrize("turn_code,expected", [(cv2.ROTATE_90_CLOCKWISE, 270), (cv2.ROTATE_180, 180),
                                                (cv2.ROTATE_90_COUNTERCLOCKWISE, 90)])
def test_pages_scanned_sideways_or_upside_down_are_read_like_upright_ones(tmp_path, turn_code, expected):
    from pipeline.inputs.sources import DocRef
    from pipeline.process import Context, digitize
    from pipeline.storage.store import LocalStore

    truth = next(t for t in json.loads((SAMPLES / ".truth.json").read_text()) if t["source"] == "clean/adresse-01.png")
    page = cv2.rotate(_clean_page(), turn_code)
    path = tmp_path / "turned.png"
    cv2.imwrite(str(path), page)
    ctx = Context(load_schemas(SCHEMAS), LocalStore(tmp_path / "store"), "t")
    rec = digitize(DocRef(str(path), None, "turned.png"), ctx).records[0]
    assert rec["procedure"] == "qc-changement-adresse"
    assert rec["alignment"][0]["turned_deg"] == expected
    got = {k: v["value"] for k, v in rec["fields"].items()}
    right = sum(got[k] == v for k, v in truth["fields"].items())
    assert right >= len(truth["fields"]) - 1, {k: (v, got[k]) for k, v in truth["fields"].items() if got[k] != v}


def test_registration_leaves_an_upside_down_page_to_be_turned(address_template):
    """ORB matches an upside-down page too, but a half-turn fitted by the homography is less precise than the
    exact turn: alignment refuses it, and the page is turned upright and aligned again."""
    _, tpl = address_template
    page = _clean_page()
    assert align(page, tpl).ok
    upside_down = align(cv2.rotate(page, cv2.ROTATE_180), tpl)
    assert not upside_down.ok and "rejected" in upside_down.reason


def test_every_page_of_a_form_fed_upside_down_is_turned_exactly(tmp_path):
    """Page 2 of a form follows page 1 (a continuation page, aligned to the template's next page): it must be
    turned like page 1, not aligned through a half-turn homography."""
    from PIL import Image

    from pipeline.inputs.load import pages as load_pages
    from pipeline.inputs.sources import DocRef
    from pipeline.process import Context, digitize
    from pipeline.storage.store import LocalStore

    src = SAMPLES / "clean" / "aide-01.pdf"
    truth = next(t for t in json.loads((SAMPLES / ".truth.json").read_text()) if t["source"] == "clean/aide-01.pdf")
    images = [p.image if hasattr(p, "image") else p.render(300) for p in load_pages(src.read_bytes(), "application/pdf")]
    path = tmp_path / "upside-down.tif"
    frames = [Image.fromarray(cv2.rotate(im, cv2.ROTATE_180)) for im in images]
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(300, 300))
    ctx = Context(load_schemas(SCHEMAS), LocalStore(tmp_path / "store"), "t")
    rec = digitize(DocRef(str(path), None, "upside-down.tif"), ctx).records[0]
    assert [a["turned_deg"] for a in rec["alignment"]] == [180, 180]
    assert all(a["residual_px"] < 1.5 for a in rec["alignment"]), rec["alignment"]
    got = {k: v["value"] for k, v in rec["fields"].items()}
    right = sum(got[k] == v for k, v in truth["fields"].items())
    assert right >= len(truth["fields"]) - 1, {k: (v, got[k]) for k, v in truth["fields"].items() if got[k] != v}
