"""What erased rules and dotted leaders leave behind is dropped from a zone's words; the value's words are not.

The words below are Tesseract's, as read from real CERFA forms scanned noisy or as a fax (bench/realforms.py).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from pipeline.reading.ocr import _without_specks, clean_crop, remove_rules
from pipeline.reading.tesseract import Word


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


# ----------------------------------------------------------------- rules broken into steps by a fax

def _page_with_rule(stepped: bool) -> np.ndarray:
    """A 600 x 90 crop: a stem standing on an underline, a hyphen at mid-height, and the underline itself, drawn
    whole or broken into steps and dashes like a fax binarizes a thin line."""
    img = np.full((90, 600), 255, np.uint8)
    img[20:62, 20:28] = 0  # a letter's stem, standing on the rule
    img[40:44, 100:118] = 0  # a hyphen
    if not stepped:
        img[62:65, :] = 0
        return img
    for x in range(0, 600, 120):  # long runs a step apart, and short dashes between them
        y = 62 if (x // 120) % 2 else 64
        img[y:y + 3, x:x + 90] = 0
        img[y + 1:y + 3, x + 96:x + 112] = 0
    return img


def test_the_dashes_of_a_stepped_rule_go_with_it():
    out = remove_rules(_page_with_rule(stepped=True))
    band = out[56:70]
    stem = np.zeros(600, bool)
    stem[17:31] = True
    assert not (band[:, ~stem] < 128).any()  # no dash left along the rule
    assert (out[20:60, 20:28] < 128).all()  # the letter stands
    assert (out[40:44, 100:118] < 128).all()  # the hyphen, away from the rule, stays


def test_a_hyphen_beside_a_short_run_is_not_a_rule_remnant():
    img = np.full((70, 600), 255, np.uint8)
    img[30:34, 40:110] = 0  # a 70-px horizontal run inside a value: long enough for rule removal, but no rule
    img[30:34, 130:146] = 0  # a hyphen on the same row
    out = remove_rules(img)
    assert (out[30:34, 130:146] < 128).all()


def test_a_comb_fields_boxes_hold_characters_not_the_dots_of_their_border():
    from pipeline.reading.extract import Reading, _joined
    from pipeline.schemas.schema import FieldSpec

    comb = FieldSpec(name="siren", page=1, zone=(0, 0, 250, 18), comb=14)
    assert _joined(comb, Reading("8 4 3 4 7 8 3 9 9 7 4 0.", 0.9)).text == "843478399740"
    assert _joined(FieldSpec(name="ville", page=1, zone=(0, 0, 250, 18)), Reading("St. Louis.", 0.9)).text == "St. Louis."


def test_a_dotted_rule_with_no_long_run_left_goes():
    """A fax can leave a thin rule as dashes only, none long enough for rule removal: found as a thin band of
    flat pieces, it goes; the letter standing on it stays."""
    img = np.full((70, 600), 255, np.uint8)
    img[15:58, 20:28] = 0  # a letter's stem, down to the rule
    for x in range(0, 600, 18):
        img[58:61, x:x + 12] = 0
    out = remove_rules(img)
    assert not (out[56:64, 40:] < 128).any()
    assert (out[15:56, 20:28] < 128).all()


def test_full_stops_on_a_line_of_text_are_not_a_dotted_rule():
    """The feet of a line of letters, joined across their small gaps, make a thin band too, as a dotted rule does;
    but its ink belongs to tall letters, and the full stops beside them (prenom.nom@exemple.qc.ca) stay."""
    img = np.full((70, 600), 255, np.uint8)
    for x in range(20, 560, 24):
        if x == 260:
            img[45:50, 262:267] = 0  # a full stop where a letter would be
            continue
        img[20:50, x:x + 4] = 0  # a stem ...
        img[47:50, x:x + 20] = 0  # ... and its foot, 4 px from the next letter's
    out = remove_rules(img)
    assert (out[45:50, 262:267] < 128).all()


def test_the_ends_of_a_boxs_border_at_the_crops_corners_go_and_the_digits_stay():
    """A crop read a little beyond its box holds the broken ends of the box's border at its corners; on the noisy
    1040 four such dots framing "142" were read with it as one word, "a"."""
    from pipeline.reading import tesseract
    from pipeline.reading.ocr import clean_crop

    img = np.full((58, 92), 255, np.uint8)
    cv2.putText(img, "142", (16, 42), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 3)
    digits = img < 128
    for y, x in ((0, 0), (0, 88), (50, 0), (50, 88)):  # 4 x 8 px ends of the box's vertical borders
        img[y:y + 8, x:x + 4] = 0
    out = remove_rules(img)
    assert not (out[:, :6] < 128).any() and not (out[:, -6:] < 128).any()
    assert np.array_equal(out[:, 6:-6] < 128, digits[:, 6:-6])
    assert [w.text for w in tesseract.image_to_words(clean_crop(out), psm=7)] == ["142"]


def test_a_comma_the_crops_foot_cuts_is_no_border_end():
    """CNESST 8504 drawn by a viewer low in its box, faxed: the crop's foot cut the comma of "Théberge, Lévis" to 4 by
    9 pixels, which went as a border's end, and both renderings read "Amélie Théberge Lévis", the record's field at
    0.92. A thin piece on the foot alone, right after a letter and low beside it, is a comma: it stays."""
    from pipeline.reading.extract import zone_language
    from pipeline.reading.ocr import ZoneJob, read_zones, whitened, without_stray_marks

    raw = remove_rules(cv2.imread(str(CROPS / "fax_8504_comma_at_crop_foot.png"), cv2.IMREAD_GRAYSCALE))
    raw, binarized = without_stray_marks(raw, clean_crop(raw))
    lang = zone_language("fra+eng")
    for rendering in (binarized, whitened(cv2.medianBlur(raw, 3))):
        assert "Théberge, Lévis" in read_zones([ZoneJob("n", rendering, lang, None, False)])["n"].text


def test_print_too_small_to_read_is_not_an_empty_zone():
    """CERFA 11580 sizes a value to fit a field 9 pt tall: 4-pt letters, under the glyph size of an ink test. The
    zone is not empty (the field goes to review); a dotted leader's dots or a noisy blank are."""
    from PIL import Image, ImageDraw, ImageFont

    from pipeline.reading.ocr import clean_crop, has_ink, mark_heights, small_print

    tiny = Image.new("L", (400, 40), 255)
    ImageDraw.Draw(tiny).text((10, 8), "Lyon Nancy", fill=0, font=ImageFont.load_default(size=17))  # 4 pt
    clean = clean_crop(np.array(tiny))
    assert not has_ink(clean) and small_print(mark_heights(clean))
    leader = np.full((40, 400), 255, np.uint8)
    for x in range(10, 390, 12):
        leader[24:31, x:x + 5] = 0  # dots 7 px tall
    rng = np.random.default_rng(1)
    noisy = np.clip(rng.normal(235, 25, (40, 400)), 0, 255).astype(np.uint8)
    for blank in (leader, noisy):
        assert not small_print(mark_heights(clean_crop(blank)))


def test_a_letters_bottom_below_the_rule_it_is_typed_on_stays():
    """CERFA 13969 types its values on its lines: the rule crosses "b" and "o" just above their bottoms. The bowls'
    bottoms below the rule are letter, not rule remnant ("Dubois" was read "Duhois")."""
    from PIL import Image, ImageDraw, ImageFont

    im = Image.new("L", (360, 80), 255)
    ImageDraw.Draw(im).text((10, 60), "Dubois", font=ImageFont.load_default(size=40), fill=30, anchor="ls")
    img = np.array(im)
    rule = 55  # a 3-px antialiased rule, its top 5 px above the baseline
    for y, level in ((rule, 150), (rule + 1, 20), (rule + 2, 150)):
        img[y] = np.minimum(img[y], level)
    below = img[rule + 3:, 60:] < 128  # the bottoms of "ubois" under the rule
    out = clean_crop(remove_rules(img))
    kept = np.count_nonzero((out[rule + 3:, 60:] < 128) & below)
    assert below.sum() > 50 and kept >= 0.75 * below.sum()  # 91 % kept; 44 % when the bridges were cut
    assert not (out[rule:rule + 3, 300:] < 128).any()  # the rule itself goes


def _comb(digits: str, boxes: int = 14, side: int = 59, height: int = 67) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """A comb field as a fax leaves it once its rules are erased: each box's character, pieces of the boxes'
    borders by the separators and along the foot, and an "L" of side and foot in the last box."""
    from PIL import Image, ImageDraw, ImageFont

    from pipeline.reading.extract import comb_insides

    im = Image.new("L", (boxes * side, height), 255)
    draw = ImageDraw.Draw(im)
    font = ImageFont.load_default(size=40)
    for i, d in enumerate(digits):
        draw.text((i * side + side / 2, height / 2), d, font=font, fill=20, anchor="mm")
    img = np.array(im)
    for i in range(boxes - 1):
        img[3:9, i * side + 8:i * side + 14] = 0  # what is left of the top border after a separator
        img[59:62, i * side + 26:i * side + 38] = 0  # ... and of the bottom one
    last = (boxes - 1) * side
    img[29:64, last + 51:last + 54] = 0  # the last box's right side and the right half of its foot, an "L"
    img[61:64, last + 34:last + 54] = 0  # (as on a faxed CERFA 13969)
    return img, comb_insides(0, side, boxes)


def test_a_comb_fields_characters_are_read_out_of_their_boxes():
    from pipeline.reading.extract import packed_comb
    from pipeline.reading.ocr import ZoneJob, read_zones

    img, boxes = _comb("130216617")
    packed = packed_comb(img, boxes)
    n, _ = cv2.connectedComponents(255 - clean_crop(packed), connectivity=8)
    assert n - 1 == 9  # the nine digits, none of the borders' pieces, nothing for the five empty boxes
    assert packed.shape[1] < img.shape[1] // 2
    read = read_zones([ZoneJob("siren", clean_crop(packed), "fra+eng", None, False)])["siren"]
    assert "".join(read.text.split()) == "130216617"
    assert not packed_comb(np.full_like(img, 255), boxes).min() < 255  # an empty comb stays empty


def _label_and_value(value_x: int, value: str = "Dijon") -> tuple[np.ndarray, np.ndarray]:
    """A blank form's label "OBJET :" inside a field (the template) and a scan of it filled: the scan is a
    200-dpi one upscaled, so its print is blurred, and aligned 2 px off the template; the value begins at
    `value_x`."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=40)
    tpl = Image.new("L", (700, 80), 255)
    ImageDraw.Draw(tpl).text((10, 55), "OBJET :", font=font, fill=20, anchor="ls")
    page = Image.new("L", (700, 80), 255)
    ImageDraw.Draw(page).text((12, 57), "OBJET :", font=font, fill=20, anchor="ls")
    page = np.array(page)
    page = cv2.GaussianBlur(cv2.resize(cv2.resize(page, (467, 53)), (700, 80)), (5, 5), 0)
    filled = Image.fromarray(page)
    ImageDraw.Draw(filled).text((value_x, 56), value, font=font, fill=30, anchor="ls")
    return np.array(tpl), np.array(filled)


def _dropped_out(tpl: np.ndarray, page: np.ndarray) -> np.ndarray:
    """The field's crop as it is read, set back in place on the page (the crop is inset from the zone)."""
    from pipeline.reading.extract import TEXT_INSET_PX as inset
    from pipeline.reading.extract import _field_crop, dropout_grow
    from pipeline.reading.templates import TemplatePage
    from pipeline.schemas.schema import FieldSpec

    template = TemplatePage(tpl, tpl, (), None, 1.0, tpl)
    crop = _field_crop(page, template, FieldSpec(name="objet", zone=(0, 0, 700, 80)), dropout_grow(200))
    out = np.full_like(page, 255)
    out[inset:inset + crop.shape[0], inset:inset + crop.shape[1]] = clean_crop(crop)
    return out


def test_what_a_blurred_scan_leaves_of_a_label_inside_the_field_is_not_read():
    """CERFA 13969 prints "OBJET :" inside the field, and the value follows it. On a 200-dpi scan the label's blur
    reaches beyond what is dropped out; its pieces were read as a word before the value ("JET Dijon Brest")."""
    tpl, page = _label_and_value(value_x=220)
    label = (tpl < 128).any(axis=0).nonzero()[0].max() + 8
    out = _dropped_out(tpl, page)
    assert not (out[:, :label] < 128).any()  # nothing of the label is left (814 px of it were)
    value = page[:, 220:] < 128
    assert np.count_nonzero((out[:, 220:] < 128) & value) >= 0.9 * value.sum()  # the value is whole


def test_a_value_typed_over_the_label_keeps_its_letters_there():
    """A viewer that ignores the form's indent types the value over the label: the letters lying on it are the
    value's, not the label's remains, and stay."""
    tpl, page = _label_and_value(value_x=14, value="Tours Garcia")
    out = _dropped_out(tpl, page)
    label = (tpl < 128).any(axis=0).nonzero()[0].max()
    assert np.count_nonzero(out[:, :label] < 128) > 500  # "Tours" (and the strokes it shares with the label)


def test_the_steps_of_a_faxed_rule_do_not_stay_glued_to_the_digits_typed_on_it():
    """A fax binarizes a thin rule into a staircase: the rows of its long runs go, and the rows either side hold
    its steps, which stayed glued to the feet of the digits typed on it: CERFA 13969's postal code "91726" was
    read "91226", and here "91726" was read "21726"."""
    from PIL import Image, ImageDraw, ImageFont

    from pipeline.reading.ocr import ZoneJob, read_zones

    im = Image.new("L", (420, 70), 255)
    ImageDraw.Draw(im).text((60, 44), "91726", font=ImageFont.load_default(size=40), fill=0, anchor="ls")
    img = np.array(im)
    for i, x in enumerate(range(0, 420, 45)):  # 3 px thick, a pixel lower every other step, its edge ragged
        y = 44 + i % 2
        img[y:y + 3, x:x + 45] = 0
        img[y + 3 if i % 2 == 0 else y - 1, x + 5:x + 40] = 0
    img = np.where(img < 128, 0, 255).astype(np.uint8)
    out = clean_crop(remove_rules(img))
    digits = np.flatnonzero((img[:43] < 128).any(axis=0))
    below = np.flatnonzero((out[43:] < 128).any(axis=0))
    assert below.size < 200 and below.min() >= digits.min() - 2 and below.max() <= digits.max() + 2  # their feet
    assert np.count_nonzero(out[43:] < 128) < 120  # 500 px of steps stayed
    assert read_zones([ZoneJob("code_postal", out, "fra+eng", None, False)])["code_postal"].text == "91726"


CROPS = Path(__file__).parent / "crops"


def _both_readings(crop: str | np.ndarray) -> dict[str, str]:
    """A field crop (or the name of one in tests/crops), its rules erased, read by real Tesseract in both renderings
    the extractor reads (binarized and cleaned; grayscale)."""
    from pipeline.reading.ocr import ZoneJob, read_zones

    if isinstance(crop, str):
        crop = cv2.imread(str(CROPS / f"{crop}.png"), cv2.IMREAD_GRAYSCALE)
    erased = remove_rules(crop)
    read = read_zones([ZoneJob("binarized", clean_crop(erased), "fra+eng", None, False),
                       ZoneJob("gray", cv2.medianBlur(erased, 3), "fra+eng", None, False)])
    return {k: t.text for k, t in read.items()}


def test_the_feet_of_letters_a_fax_joined_on_a_rule_are_not_taken_for_its_steps():
    """Beside a faxed rule, a run as long as a step can be the joined feet of letters standing on it ("ou" of
    "Tours": 29 px). Erased as a step, it opened the "o". The crops are CERFA 13969 fields as the extractor cuts them
    (aligned, the form's print dropped out, the rule kept) from fax scans made by bench/realforms.py (--seed 31).
    Each read alone, the binarized rendering of the first was read "Taurs Martin" before, both renderings of the
    second "Gitard Brest". Both renderings the extractor reads must read each right."""
    for name, value in {"fax_tours_martin": "Tours Martin", "fax_girard_brest": "Girard Brest"}.items():
        assert _both_readings(name) == {"binarized": value, "gray": value}, name


def test_letters_a_clean_scans_rule_crosses_keep_their_feet_and_the_bottoms_hanging_below_it():
    """On a clean scan, CERFA 13969's rules cross the letters typed on them near their feet. Erasing the rule cut off
    what hangs below it (the bowl of the "b") and left an "L"'s foot a pixel thick, which the median filter took.
    On a page turned and resampled (skewed), the rule's blurred edge leaves pale flat pieces along it, which are not
    taken for a ragged rule. Crops as the extractor cuts them from 300-dpi fills (bench/realforms.py); their
    binarized renderings read before "Moreau l'efebyre", "yon Fournier" and "Lefebvre Duhais"."""
    for name, value in {"clean_moreau_lefebvre": "Moreau Lefebvre", "clean_lyon_fournier": "Lyon Fournier",
                        "skew_lefebvre_dubois": "Lefebvre Dubois"}.items():
        assert _both_readings(name) == {"binarized": value, "gray": value}, name


def test_nothing_of_a_faxed_rule_is_kept_for_the_letters_on_it():
    """A faxed rule's ragged edge leaves flat pieces all along it, under letters and between them: nothing tells a
    letter's bottom from the rule's there, and none of the rule is kept for the letters (pieces of it were read as
    dots and dashes: "Paris.", "SimonNincent")."""
    from pipeline.reading.ocr import _letters_in_rule

    def kept(name: str, rows: slice) -> int:  # rows: the template's rule rows in the crop
        gray = cv2.imread(str(CROPS / f"{name}.png"), cv2.IMREAD_GRAYSCALE)
        _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
        rule = np.zeros(ink.shape, bool)
        rule[rows] = ink[rows] > 0
        return int(np.count_nonzero(_letters_in_rule(np.where(rule, 0, ink).astype(np.uint8), rule, gray)))

    assert kept("fax_tours_martin", slice(42, 45)) == 0
    assert kept("clean_lyon_fournier", slice(44, 47)) > 0  # the clean one's are kept


def test_a_template_rule_drawn_with_one_pixel_breaks_is_a_rule_not_print_to_drop_out():
    """CERFA 13753's rules have a top row broken every 37 px by one white pixel. Taken for print, that row was dropped
    out, and the scan's rule with it as what a blurred label leaves, taking the "t" of "Bonnet" that stands on it:
    the record was accepted with "Bonne Brest" (confidence 0.96). The crops are the field's place on a noisy scan
    made by bench/realforms.py (--seed 71) once aligned, and on the template, as `_field_box` cuts them."""
    from pipeline.reading.extract import DROPOUT_LEVEL, _field_crop, dropout_grow
    from pipeline.reading.extract import TEXT_INSET_PX as inset
    from pipeline.reading.templates import TemplatePage
    from pipeline.schemas.schema import FieldSpec

    def padded(name: str) -> np.ndarray:  # set back in a zone that _field_box insets
        img = cv2.imread(str(CROPS / f"{name}.png"), cv2.IMREAD_GRAYSCALE)
        return cv2.copyMakeBorder(img, inset, inset, inset, inset, cv2.BORDER_CONSTANT, value=255)

    tpl, page = padded("noisy_13753_bonnet_brest_template"), padded("noisy_13753_bonnet_brest")
    printed = tpl < DROPOUT_LEVEL
    rows, cols = np.flatnonzero(printed.any(axis=1)), np.flatnonzero(printed.any(axis=0))
    top = printed[rows[0], cols[0]:cols[-1] + 1]
    assert len(rows) == 2 and 10 < np.count_nonzero(~top) < 40  # a rule two rows thick, its top one with breaks
    zone = (0, 0, tpl.shape[1], tpl.shape[0])
    crop = _field_crop(page, TemplatePage(tpl, tpl, (), None, 1.0, tpl), FieldSpec(name="denomination", zone=zone),
                       dropout_grow(300))
    assert _both_readings(crop) == {"binarized": "Bonnet Brest", "gray": "Bonnet Brest"}


def test_a_speck_far_past_the_value_goes_and_the_values_own_punctuation_stays():
    """A noise speck 70 px past "Bonnet Dupont" on a noisy CERFA 13969 scan (a crop as the extractor cuts it,
    bench/realforms.py) was read, in the page's montage, as a full stop glued to the value: "Bonnet Dupont.". Marks
    far from every letter go; a full stop, a hyphen, a comma and an accent beside their letters stay."""
    from PIL import Image, ImageDraw, ImageFont

    from pipeline.reading.ocr import without_stray_marks

    def cleaned(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        out, clean = without_stray_marks(gray, clean_crop(gray))
        assert (clean == clean_crop(out)).all()  # the rendering is the crop's
        return out, clean

    erased = remove_rules(cv2.imread(str(CROPS / "noisy_bonnet_dupont_speck.png"), cv2.IMREAD_GRAYSCALE))
    before, after = clean_crop(erased) < 128, cleaned(erased)[1] < 128
    end = 280  # the value's last column ("t" of "Dupont")
    assert before[:, :end].any() and (after[:, :end] == before[:, :end]).all()  # the value is untouched
    assert before[:, end + 40:].any() and not after[:, end + 40:].any()  # the speck was there, and is gone

    img = Image.new("L", (900, 80), 255)
    font = ImageFont.load_default(size=40)
    ImageDraw.Draw(img).text((10, 55), "J. Dupont-Martin, né", font=font, fill=20, anchor="ls")
    written = np.array(img)
    assert (cleaned(written)[0] == written).all()
    cv2.circle(written, (800, 52), 3, 20, -1)  # a speck 380 px past it
    out = cleaned(written)[0]
    assert (out[:, 700:] == 255).all() and (out[:, :700] == written[:, :700]).all()


def _radio_page(ticked: tuple[int, ...], outline: int) -> np.ndarray:
    """Three radio circles 46 px wide; a dot in the `ticked` ones; outlines `outline` px thick."""
    img = np.full((60, 400), 255, np.uint8)
    for i in range(3):
        centre = (30 + 150 * i, 30)
        cv2.circle(img, centre, 20, 0, outline)
        if i in ticked:
            cv2.circle(img, centre, 9, 0, -1)
    return img


def test_a_radio_groups_untouched_circles_thickened_by_a_fax_are_not_second_ticks():
    """A fax thickens the outline of CERFA 13969's radio circles: the untouched ones read 0.03-0.06 of extra ink,
    over the 0.06 that ticks a box on its own, and the group was read "Mademoiselle|Monsieur", no valid value.
    Beside a tick, they are not ticked (the whole group read "A|B|C" here before); two real ticks stay two, and
    a blank group stays blank."""
    from pipeline.reading.extract import (
        CHECK_THRESHOLD,
        extra_ink,
        read_checkbox,
        zone_px,
    )
    from pipeline.reading.templates import TemplatePage
    from pipeline.schemas.schema import FieldSpec, RadioOption

    tpl = _radio_page((), 1)
    template = TemplatePage(tpl, tpl, (), None, 1.0, tpl)
    options = [RadioOption(value=v, zone=(5 + 150 * i, 5, 55 + 150 * i, 55)) for i, v in enumerate("ABC")]
    spec = FieldSpec(name="choice", type="radio", zone=(5, 5, 355, 55), options=options)
    faxed = _radio_page((1,), 7)
    assert extra_ink(faxed, template, zone_px(options[0].zone, template)) >= CHECK_THRESHOLD  # alone, "ticked"
    assert read_checkbox(faxed, template, spec).text == "B"
    assert read_checkbox(_radio_page((0, 1), 7), template, spec).text == "A|B"
    assert read_checkbox(_radio_page((), 5), template, spec).text == ""
