"""Hand print read a character at a time (`pipeline/reading/hand.py`), each from a real crop of the hand-print
bench (`bench/handprint.py`: the real forms written in Debian's handwriting fonts, which no reader is trained on,
scanned at 300 dpi), where Tesseract alone misread the value."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import REALFORMS, ROOT, SCHEMAS
from pipeline.reading import hand, lexicon
from pipeline.reading.extract import (
    DISAGREE_CONFIDENCE,
    HAND_DOUBT,
    Reading,
    _agreeing,
    _hand_read,
    _line_read,
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
    the hand reading kept when Tesseract's is doubtful and the hand reader surer, Tesseract's otherwise;
    on a typed page, Tesseract's text always (first tries replaced a fax's "Fontaine" by "F()ntaine")."""
    spec = next(f for f in adresse.spec.fields if f.name == "nouvelle_ville")

    def weigh(tess, both, icr, by_hand=True):
        return _with_hand(spec, adresse, tess, icr, _agreeing(spec, adresse, both, icr), by_hand)

    tess = Reading("Lonqueuil", 0.5)
    other = Reading("Longueuil", 0.45)
    agree = weigh(tess, (tess, other), Reading("Longueuil", 0.93))
    assert agree == Reading("Longueuil", 0.93)
    hand_wins = weigh(tess, (tess, tess), Reading("Longueuil", 0.6))
    assert hand_wins.text == "Longueuil" and hand_wins.confidence <= DISAGREE_CONFIDENCE
    assert weigh(tess, (tess, tess), Reading("Longueuil", 0.4)) == tess  # the surer reader's
    sure = Reading("Montréal", 0.96)
    doubted = weigh(sure, (sure, sure), Reading("Montral", 0.95))
    assert doubted.text == "Montréal" and doubted.confidence <= DISAGREE_CONFIDENCE
    kept = weigh(sure, (sure, sure), Reading("Mowtrél", 0.2))
    assert kept == sure
    assert weigh(sure, (sure, sure), None) == sure
    assert weigh(tess, (tess, tess), Reading("Longueuil", 0.6), by_hand=False) == tess


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


def test_the_line_reader_ships_with_the_library_and_reads_without_a_training_library():
    m = hand.line_model()
    assert m is not None and m.classes[0] == hand.TOUCHING and " " in m.classes  # the blank first, then a space
    assert set(DIGITS + "ABCÉÈÊÀÇÔabcéèêàçô-'") <= set(m.classes)
    assert hand.LINE_MODEL.stat().st_size < 2_000_000  # a small model, committed


def test_how_likely_a_text_is_sums_every_way_the_steps_spell_it():
    """Two steps, classes (blank, "a", "b"): "a" is spelt "a a", "a -" or "- a"; "ab" only "a b"; "" is "- -".
    "aa" needs a blank between its two a's: three steps at least."""
    p = np.array([[0.2, 0.5, 0.3], [0.1, 0.6, 0.3]])
    steps = hand.Steps(p, "~ab")
    expect = {"a": 0.5 * 0.6 + 0.5 * 0.1 + 0.2 * 0.6, "ab": 0.5 * 0.3, "": 0.2 * 0.1,
              "b": 0.3 * 0.3 + 0.3 * 0.1 + 0.2 * 0.3}
    got = steps.log_likelihoods(list(expect))
    assert np.allclose(np.exp(got), list(expect.values()))
    assert steps.log_likelihood("aa") == float("-inf") and steps.log_likelihood("c") == float("-inf")
    assert steps.best().text == "a"


def test_a_comb_whose_boxes_the_form_does_not_print_is_known(tmp_path):
    """CERFA 14411 sets its dates 16 cells apart without drawing a cell, and prints its registration number's
    boxes as light grey ticks; CERFA 13753 prints its SIRET's boxes."""
    from pipeline.reading.extract import comb_printed
    from pipeline.reading.templates import TemplateCache
    from pipeline.schemas.acroform import write_schema

    for form in (REALFORMS / "cerfa_13753_04.pdf",
                 REALFORMS.parent / "realdata" / "forms" / "cerfa_14411_01_rattachement_ayants_droit.pdf"):
        write_schema(form, tmp_path)
    cache = TemplateCache()
    printed = {f.name: comb_printed(f, cache.get(s, f.page)) for s in load_schemas(tmp_path) for f in s.spec.fields
               if f.comb}
    assert printed["num_siret"] and printed["n_immatriculation"]
    assert not printed["date_naissance_ou_n_immatr1"] and not printed["date_demande"]


@pytest.mark.parametrize("name, expected, tesseract", [
    ("hand_1040_quebec", "QUÉBEC", "GUÉBEL"),
    ("hand_11580_hopital_joined", "HÔPITAL DE MONTRÉAL", "MOPITAL DE MOTRÉAL"),
])
def test_a_line_is_read_whole_by_the_line_reader(name, expected, tesseract):
    """Crops as the extractor hands them to the hand reader (the form's print dropped out, binarized), from the
    hand-print bench's clean scans, where Tesseract misread the value ("HÔPITAL DE MONTRÉAL": "MOPITAL DE
    MOTRÉAL", that crop read alone). (The 1040's "CHICOUTIMI", which Tesseract read "CHICOU TIM", the line reader
    of 1.3 MB read right; this one reads "CHICOVTIMI" before the lexicon is asked.)"""
    spec = FieldSpec(name="f", zone=(0, 0, 1, 1))
    read = _line_read(spec, crop(name))
    assert read.text == expected and read.text != tesseract, read
    assert 0 < read.confidence < 1


def test_a_date_is_read_with_digits_and_a_combs_code_with_capitals():
    """CERFA 14411's date of birth written by hand in its 16 unprinted cells, "14071961": a hand does not write one
    character a cell it cannot see, and the glyph classifier given one cell at a time read "AV"; the line reader
    reads it whole, as a line, a comb or a date. (Read with every character, the line reader before this one took
    the 7 for a p and the 0 for a small o, "14op196/".) A date is written with digits and separators
    (extract.hand_characters), and a comb's characters are capitals, as forms ask."""
    from pipeline.reading.extract import COMB_CHARACTERS, DATE_CHARACTERS, hand_characters

    schema = load_schemas(SCHEMAS)[0]
    line = FieldSpec(name="f", zone=(0, 0, 1, 1))
    comb = FieldSpec(name="f", zone=(0, 0, 1, 1), comb=16)
    date = FieldSpec(name="f", zone=(0, 0, 1, 1), type="date", comb=16)
    image = crop("hand_14411_date_unprinted_comb")
    assert _line_read(line, image, schema).text == "14071961"
    assert _line_read(comb, image, schema).text == "14071961"
    read = _line_read(date, image, schema)
    assert read.text == "14071961" and 0 < read.confidence < 1, read
    assert hand_characters(date) == DATE_CHARACTERS and hand_characters(comb) == COMB_CHARACTERS
    assert not any(c.islower() for c in COMB_CHARACTERS)
    assert hand_characters(comb, typed=True) is None and hand_characters(line) is None


def test_a_date_read_wrong_is_read_as_the_likeliest_date_a_few_edits_from_it():
    """CERFA 14411's date "30/01/1964" in a tuning hand (bench/handprint.py --fonts tuning, clean): the line reader
    reads each slash as a one, "3010111964", which is no date (and the glyph reader made it "30/01/1496", a year
    of no form). Of the dates written within extract.DATE_EDITS edits of it (fields.written_dates), it finds one of
    30 January 1964 likeliest; doubtful all the same."""
    import datetime as dt

    from pipeline.reading.extract import DATE_CHARACTERS, _likeliest_date
    from pipeline.schemas.fields import FORM_YEARS, normalize, parse_date, written_dates

    schema = load_schemas(SCHEMAS)[0]
    image = crop("hand_14411_date_slashes_read_ones")
    steps = hand.line_steps(image == 0, DATE_CHARACTERS)
    read = "".join(steps.best().text.split())
    assert read == "3010111964" and parse_date(read) is None
    assert parse_date(_likeliest_date(steps, read, "dmy")) == dt.date(1964, 1, 30)
    date = FieldSpec(name="f", zone=(0, 0, 1, 1), type="date", comb=16)
    got = _line_read(date, image, schema)
    assert parse_date(got.text) == dt.date(1964, 1, 30) and got.confidence <= DISAGREE_CONFIDENCE, got
    # a year of no form makes no date either
    assert normalize(date, "30/01/1964").value == "1964-01-30"
    assert normalize(date, "30/01/1496").value is None and "1850-2099" in normalize(date, "30/01/1496").errors[0]
    written = written_dates("dmy")
    assert {"05/03/1971", "05031971"} <= set(written) and "1971-03-05" in written_dates("ymd")
    assert len(written) == 2 * sum(366 if dt.date(y, 12, 31).timetuple().tm_yday == 366 else 365
                                   for y in FORM_YEARS)
    assert all(parse_date(w) is not None for w in written[::997])


def test_words_apart_in_the_ink_are_read_apart_and_a_word_in_one_case():
    """CERFA 11580's "HÔPITAL DE MONTRÉAL" in a hand that joins its words: the line reader's best path reads
    "HÔPITALDemoNTRÉAL"; read apart where the ink's words are apart and each word in its likeliest single case,
    "HÔPITAL DE MONTRÉAL"."""
    ink = crop("hand_11580_hopital_joined") == 0
    steps = hand.line_steps(ink)
    assert hand._best_path(steps.p, steps.classes).text == "HÔPITALDemoNTRÉAL"  # no space between two words
    assert steps.best().text == "HÔPITAL DE MONTRÉAL"


def test_a_word_no_lexicon_knows_is_read_as_the_known_word_the_line_reader_finds_nearly_as_likely():
    """Each of the line's unknown words is tried as the known words within two edits of it; the likeliest, where
    the line reader finds it nearly as likely (hand.KNOWN_WORD), is taken. Never sure on the lexicon's say.
    CERFA 11580's "FÉDÉRATION DE SAINT-JÉRÔME" as an earlier line reader read it, its F read P and its J lost
    ("PÉDÉRATION DE SAINT-ÉRÔME"), and "HÔPITAL DE MONTRÉAL" as another read it, "LÔPITAL DE MANTRÉAL", each
    weighed by this one. A word whose letters were read in different cases ("SAInT-JÉRôme") is read in one, each
    part's letters first in one ("Saint-Jérôme"); a line written in capitals is read in capitals throughout where
    the line reader finds that nearly as likely (hand.CAPITALS)."""
    ink = crop("hand_11580_federation") == 0
    steps = hand.line_steps(ink)
    best = hand._best_path(steps.p, steps.classes, steps.spaces)
    assert best.text == "FéDÉRATION DE SAInT-JÉRôme"
    assert steps._cased(best).text == "FÉDÉRATION DE Saint-Jérôme"
    assert steps.best().text == "FÉDÉRATION DE SAINT-JÉRÔME"
    assert hand.with_known_words(steps, "PÉDÉRATION DE SAINT-ÉRÔME") == "FÉDÉRATION DE SAINT-JÉRÔME"
    assert hand.with_known_words(steps, "FÉDÉRATION DE SAINT-JÉRÔME") == "FÉDÉRATION DE SAINT-JÉRÔME"
    reading = _line_read(FieldSpec(name="f", zone=(0, 0, 1, 1)), crop("hand_11580_federation"))
    assert reading.text == "FÉDÉRATION DE SAINT-JÉRÔME" and reading.confidence <= DISAGREE_CONFIDENCE
    mixed = hand.Read("Rue des Érables", (1.0,) * 15)
    assert steps._in_capitals(mixed) == mixed  # no word in capitals: as read
    assert not any(hand._mixed_compound(w) for w in ("Rivière-du-Loup", "Val-d'Or", "D'AMOURS", "O'Neill"))
    hopital = hand.line_steps(crop("hand_11580_hopital_joined") == 0)
    assert hand.with_known_words(hopital, "LÔPITAL DE MANTRÉAL") == "HÔPITAL DE MONTRÉAL"
    assert hand.with_known_words(steps, "RUE") == "RUE"  # a word it knows is left alone


def test_of_known_words_the_line_reader_finds_about_as_likely_the_commoner_is_taken():
    """CNESST 8504's "2808, rue de l'Hôtel-de-ville" in a tuning hand (bench/handprint.py --fonts tuning, clean):
    the line reader reads "l'Htel", and of the known words near "Htel" finds "Hotel" likelier than "Hôtel" (its
    circumflex is a faint tick), but French writes "hôtel" eleven times as often: a word is weighed by the line
    reader and by how common it is (hand._commonness), as a person reading the hand would."""
    steps = hand.line_steps(crop("hand_8504_hotel") == 0)
    read = steps.best().text
    assert read == "2808, rue de l'Htel-de-ville"
    hotel, plain = (read.replace("Htel", w) for w in ("Hôtel", "Hotel"))
    assert {"hôtel", "hotel"} <= set(lexicon.near("Htel"))
    assert steps.log_likelihood(plain) > steps.log_likelihood(hotel)  # the reader alone would take "Hotel"
    assert lexicon.frequency("hôtel") > lexicon.frequency("hotel") + 1  # ten times as common, and more
    assert hand.with_known_words(steps, read) == hotel


def test_two_words_written_close_are_read_apart_where_the_line_reader_finds_that_nearly_as_likely():
    """A hand that writes its words close leaves no gap for the space ("SOCIÉTÉDE LÉVIS", "RUEDESÉRABLES"): a
    word no lexicon knows is tried as two known words (or a known word and a particle: "de", "du"...) a space
    apart, weighed by the line reader as the known words near it are."""
    hopital = hand.line_steps(crop("hand_11580_hopital_joined") == 0)
    assert hand.with_known_words(hopital, "HÔPITALDE MONTRÉAL") == "HÔPITAL DE MONTRÉAL"
    federation = hand.line_steps(crop("hand_11580_federation") == 0)
    assert hand.with_known_words(federation, "FÉDÉRATION DESAINT-JÉRÔME") == "FÉDÉRATION DE SAINT-JÉRÔME"
    assert hand._split_words("RUESAINT") == ["RUE SAINT"] and hand._split_words("CHICOUTIMI") == []


def test_a_hand_reading_that_is_no_value_of_its_kind_does_not_doubt_a_typed_one():
    """CNESST 8504 drawn by a viewer over a bleed-through: the date "1985-11-08", typed, read so by both of
    Tesseract's renderings at 0.97; the hand reader, sure at 0.99, read its two ones apart as the typeface sets
    them, "1985-1 1-08", which is no date. On a typed page that misreading leaves Tesseract's value sure (it sent
    the record to a person, as 4 more such dates did on seed 2's CNESST forms); on a page written by hand, a sure
    hand reading that disagrees still makes the field doubtful."""
    from test_unseen_fills import _renderings

    spec = FieldSpec(name="d", zone=(0, 0, 1, 1), type="date")
    schema = load_schemas(ROOT / "schemas")[0]
    icr = line_read("bleed_8504_date_ones_apart_by_hand", spec)
    assert icr.text == "1985-1 1-08" and icr.confidence >= HAND_DOUBT, icr
    a, b = _renderings("bleed_8504_date_ones_apart_by_hand")
    assert a.text == b.text == "1985-11-08", (a, b)
    tess = Reading(a.text, max(a.confidence, b.confidence))
    assert _with_hand(spec, schema, tess, icr, [], by_hand=False) == tess
    assert _with_hand(spec, schema, tess, icr, [], by_hand=True).confidence < spec.min_confidence
