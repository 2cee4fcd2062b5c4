"""What erased rules and dotted leaders leave behind is dropped from a zone's words; the value's words are not.

The words below are Tesseract's, as read from real CERFA forms scanned noisy or as a fax (bench/realforms.py).
"""

from __future__ import annotations

from pipeline.ocr import _without_specks
from pipeline.tesseract import Word


def words(*spec: tuple[str, float, int]) -> list[Word]:
    out, x = [], 10
    for text, conf, height in spec:
        out.append(Word(text, x, 60 - height, 30 * len(text), height, conf, 1, 10101))
        x += 30 * len(text) + 20
    return out


def kept(*spec: tuple[str, float, int]) -> str:
    return " ".join(w.text for w in _without_specks(words(*spec)))


def test_flat_remnants_of_a_dotted_line_are_dropped():
    assert kept(("Tours", 0.96, 40), ("Garcia", 0.95, 40), ("eee", 0.29, 5)) == "Tours Garcia"
    assert kept(("Rennes", 0.97, 40), ("Brest.", 0.8, 39), ("RARE", 0.32, 4)) == "Rennes Brest."
    assert kept(("Nancy", 0.96, 55), ("Reais", 0.0, 6)) == "Nancy"  # long, but read with no confidence
    assert kept(("Girard", 0.96, 60), ("Lille", 0.93, 60), ("PERS", 0.2, 15)) == "Girard Lille"


def test_remnants_go_even_when_no_word_is_read_solidly():
    assert kept(("RouxBernad", 0.31, 42), ("a", 0.2, 4), ("ee", 0.3, 4), ("a", 0.27, 4)) == "RouxBernad"


def test_a_real_word_given_a_flat_box_stays():
    # Tesseract sometimes boxes a word read over a dotted line by the dots: long words, or well read ones, stay
    assert kept(("Fournier", 0.95, 50), ("Laurent", 0.49, 4)) == "Fournier Laurent"
    assert kept(("Roux", 0.9, 44), ("Nancy.", 0.5, 5)) == "Roux Nancy."


def test_short_doubtful_words_go_only_beside_solid_ones():
    assert kept(("Laurent", 0.96, 59), ("Moreau", 0.55, 59), ("L", 0.3, 40)) == "Laurent Moreau"
    assert kept(("7", 0.5, 40)) == "7"  # a lone doubtful digit is all the zone has: it stays (and goes to review)


def test_lowercase_words_of_a_sentence_are_not_flat():
    # x-height words ("en", "vers", "cour") are over half as tall as words with capitals and ascenders
    assert kept(("Agrandissement", 0.95, 42), ("vers", 0.93, 24), ("la", 0.92, 33), ("cour", 0.94, 24),
                ("en", 0.9, 23)) == "Agrandissement vers la cour en"
