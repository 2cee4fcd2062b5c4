"""Hand print read a character at a time (`pipeline/reading/hand.py`), each from a real crop of the hand-print
bench (`bench/handprint.py`: the real forms written in Debian's handwriting fonts, which no reader is trained on,
scanned at 300 dpi), where Tesseract alone misread the value."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import ROOT, SCHEMAS
from pipeline.reading import hand
from pipeline.reading.extract import (
    DISAGREE_CONFIDENCE,
    Reading,
    _agreeing,
    _hand_read,
    _handwritten,
    _with_hand,
    comb_characters,
    remove_rules,
)
from pipeline.reading.ocr import clean_crop, without_stray_marks
from pipeline.schemas.schema import FieldSpec, load_schemas

CROPS = Path(__file__).parent / "crops"
DIGITS = "0123456789"


def crop(name: str) -> np.ndarray:
    return cv2.imread(str(CROPS / f"{name}.png"), cv2.IMREAD_GRAYSCALE)


def line_read(name: str, spec: FieldSpec) -> Reading | None:
    """A line field's crop (the blank form's print dropped out) read as the extractor reads it as hand print."""
    raw = remove_rules(crop(name))
    _, cleaned = without_stray_marks(raw, clean_crop(raw))
    return _hand_read(spec, cleaned, None)


def test_the_model_ships_with_the_library_and_reads_without_a_training_library():
    assert hand.available()
    m = hand.model()
    assert set(DIGITS + "ABCÉÈÊÀÇÔabcéèêàçô-'") <= set(m.classes) and hand.TOUCHING in m.classes
    assert (ROOT / "pipeline/reading/models/hand.onnx").stat().st_size < 2_000_000  # a small model, committed


def test_a_comb_of_digits_written_by_hand_is_read_box_by_box():
    """CERFA 13969's 14-box SIREN written in BWHT's hand: Tesseract, reading the boxes' digits packed side by side,
    read "3BOUS7306039211"; each box classified on its own, the number comes out whole."""
    spec = FieldSpec(name="siren", zone=(0, 0, 1, 1), comb=14, ocr={"whitelist": DIGITS})
    boxes = [(7, 55), (66, 114), (125, 173), (184, 232), (243, 291), (302, 350), (361, 409), (420, 469), (480, 528),
             (539, 587), (598, 646), (657, 705), (716, 764), (775, 823)]
    chars = comb_characters(remove_rules(crop("hand_13969_siren_comb")), boxes)
    read = _hand_read(spec, np.zeros((1, 1), np.uint8), chars)
    assert read.text == "30457306039211", read
    assert 0.3 < read.confidence < 1


def test_two_digits_that_touch_are_cut_apart():
    """A postal code "56454" whose 5 and 6 were written touching (a tuning hand): one glyph for two characters,
    read as one ("6454") until glyphs wider than a character are cut where the cut reads surer."""
    raw = remove_rules(crop("hand_11580_postcode_touching"))
    _, cleaned = without_stray_marks(raw, clean_crop(raw))
    whole = hand.glyphs(cleaned == 0)
    assert len(whole) == 4  # "56" is one piece of ink
    spec = FieldSpec(name="cp", zone=(0, 0, 1, 1), ocr={"whitelist": DIGITS})
    assert _hand_read(spec, cleaned, None).text == "56454"


@pytest.mark.parametrize("name, expected, tesseract", [
    ("hand_13969_postcode", "42012", "4202"),
    ("hand_1040_amount", "853", "e53"),
])
def test_numbers_written_on_a_line_are_read(name, expected, tesseract):
    spec = FieldSpec(name="n", zone=(0, 0, 1, 1), ocr={"whitelist": DIGITS} if name.endswith("postcode") else {})
    read = line_read(name, spec)
    assert read.text == expected and read.text != tesseract, read


@pytest.fixture(scope="module")
def adresse():
    return next(s for s in load_schemas(SCHEMAS) if s.procedure == "qc-changement-adresse")


def test_two_readers_weighed(adresse):
    """Agreeing, the value is as sure as the surer reader; disagreeing, never confident: on a page written by hand,
    the hand reading kept when Tesseract's is doubtful and the hand reader nearly as sure, Tesseract's otherwise;
    on a typed page, Tesseract's text always (first tries replaced a fax's "Fontaine" by "F()ntaine")."""
    spec = next(f for f in adresse.spec.fields if f.name == "nouvelle_ville")

    def weigh(tess, both, icr, by_hand=True):
        return _with_hand(spec, adresse, tess, icr, _agreeing(spec, adresse, both, icr), by_hand)

    tess = Reading("Lonqueuil", 0.5)
    other = Reading("Longueuil", 0.45)
    agree = weigh(tess, (tess, other), Reading("Longueuil", 0.93))
    assert agree == Reading("Longueuil", 0.93)
    hand_wins = weigh(tess, (tess, tess), Reading("Longueuil", 0.4))
    assert hand_wins.text == "Longueuil" and hand_wins.confidence <= DISAGREE_CONFIDENCE
    sure = Reading("Montréal", 0.96)
    doubted = weigh(sure, (sure, sure), Reading("Montral", 0.95))
    assert doubted.text == "Montréal" and doubted.confidence <= DISAGREE_CONFIDENCE
    kept = weigh(sure, (sure, sure), Reading("Mowtrél", 0.2))
    assert kept == sure
    assert weigh(sure, (sure, sure), None) == sure
    assert weigh(tess, (tess, tess), Reading("Longueuil", 0.4), by_hand=False) == tess


def test_a_page_is_handwritten_when_tesseract_is_sure_of_few_of_its_values_and_the_readers_seldom_agree():
    typed = [Reading("Lyon", 0.96), Reading("Lambert", 0.5), Reading("", 1.0), Reading("2023-02-17", 0.93)]
    unsure = [Reading("Lyon", 0.96), Reading("Lamben", 0.5), Reading("2O23", 0.3)]
    assert not _handwritten(typed, [False] * 4) and not _handwritten([Reading("", 1.0)], [False])
    assert _handwritten(unsure, [False, False, False])
    assert not _handwritten(unsure, [True, False, False])  # a dark typed scan: unsure, but the readers agree


def test_a_number_whose_check_digit_fails_is_read_with_its_least_sure_digit_read_otherwise(adresse):
    """CERFA 13753's SIRET written in dkg's hand: the hand reader read "83350413842700", whose check digit fails; its
    least sure digits read their second likeliest way, one gives a SIRET whose check digit holds, the right one.
    Never confident: a person checks it."""
    spec = FieldSpec(name="siret", zone=(0, 0, 1, 1), comb=14, type="siret", ocr={"whitelist": DIGITS})
    boxes = [(6, 44), (53, 91), (100, 138), (147, 186), (195, 233), (242, 280), (289, 327), (336, 374), (383, 421),
             (430, 468), (477, 516), (525, 563), (572, 610), (619, 657)]
    chars = comb_characters(remove_rules(crop("hand_13753_siret_check_digit")), boxes)
    assert _hand_read(spec, np.zeros((1, 1), np.uint8), chars).text == "83350413842700"
    read = _hand_read(spec, np.zeros((1, 1), np.uint8), chars, adresse)
    assert read.text == "83330413842700" and read.confidence <= DISAGREE_CONFIDENCE
