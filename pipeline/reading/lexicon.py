"""Words a value may hold, and how common each is. A hand reader reads a name one letter wrong where a person
would not: a person knows "SAINTE" and reads no "SAWTE". The words are French's of `wordfreq` (its "large" list:
subtitles, news, encyclopedias, books and the web, with each word's frequency), those at least FLOOR common on its
Zipf scale (about 100,000 words in small letters, the names of people and places it holds among them). Nothing of
the benches' lists is taken from them.

`hand.with_known_words` reads a doubtful word as a known word near it where the line reader, weighing how common
the word is, finds that nearly as likely. For print, `extract` takes of two renderings' readings that disagree the
one with fewer unknown words (`unknown`), writes a word with the marks of its commonest spelling (`marked`: an
accent a scan smeared, "Quebec", or read as another, "Ëve"), reads a g whose tail a scan closed into a q
(`unconfused`), and doubts a word whose accents no spelling of its letters bears (`odd_marks`). The lexicon alone
never makes a value sure.
"""

from __future__ import annotations

import functools
import re
import unicodedata

WORD = re.compile(r"[^\W\d_]{3,}")  # a word the lexicon may know: three letters or more, no digit
FRENCH = set("àâçéèêëîïôùûÿ")  # the marked letters of French: the only marks `marked` puts back ("Muller" is a
# name, however the lexicon spells "Müller")
PARTS = re.compile(r"[^\w]+|_")  # what parts the words of a value: spaces, hyphens, apostrophes, punctuation
NEAR = 2  # edits (a letter changed, added or dropped) at most between a word read and a known word
FLOOR = 2.0  # Zipf frequency (log10 of a word's uses per billion words) of the rarest known word: "désilets" 2.0,
# "émond" 2.2; below it, misspellings and strays ("êve" 1.0, "ïlé")
MORE_COMMON = 0.0  # Zipf: a known word read without the marks of a spelling this much commoner is that spelling
# ("Quebec" 3.6, "Québec" 5.3; "Marie" 5.0 stays, "marié" 4.3). Set on the tuning hands: 0.3 (twice as common)
# read 64.7 % of their fields, 0 64.9 %


@functools.lru_cache(maxsize=1)
def _frequencies() -> dict[str, float]:
    """The known words in small letters, with their Zipf frequency (empty where wordfreq is not installed)."""
    import math

    try:
        from wordfreq import get_frequency_dict
    except ImportError:
        return {}
    out = {}
    for w, f in get_frequency_dict("fr", wordlist="large").items():
        z = math.log10(f * 1e9)
        if z >= FLOOR and WORD.fullmatch(w):
            out[w] = z
    return out


@functools.lru_cache(maxsize=1)
def _words() -> tuple[frozenset[str], tuple[str, ...]]:
    words = sorted(_frequencies())
    return frozenset(words), tuple(words)


def frequency(word: str) -> float:
    """How common a known word is (Zipf: log10 of its uses per billion words), FLOOR or more; 0 for an unknown
    one."""
    return _frequencies().get(word.lower(), 0.0)


def available() -> bool:
    return bool(_words()[0])


def words() -> tuple[str, ...]:
    """Every known word, in small letters, sorted (empty where the French model is not installed)."""
    return _words()[1]


def known(word: str) -> bool:
    return word.lower() in _words()[0]


@functools.lru_cache(maxsize=4096)
def near(word: str) -> tuple[str, ...]:
    """The known words (small letters) within NEAR edits of `word` (one for a word of four letters or fewer,
    which has too many neighbours), the nearest first."""
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    choices = words()
    if not choices:
        return ()
    most = NEAR if len(word) > 4 else 1
    found = process.extract(word.lower(), choices, scorer=Levenshtein.distance, score_cutoff=most, limit=None)
    return tuple(w for w, _, _ in sorted(found, key=lambda f: (f[1], abs(len(f[0]) - len(word)), f[0])))


def unknown(text: str) -> int:
    """How many words of `text` the lexicon does not know, of those of three letters or more that are not all
    capitals (a code or an acronym it need not know). 0 where the French model is not installed."""
    if not available():
        return 0
    return sum(not known(w) for w in PARTS.split(text) if WORD.fullmatch(w) and not w.isupper())


def french(text: str) -> bool:
    """Whether every marked letter of `text` is one French writes (FRENCH): "Müller" is a name French spells
    "Muller", and a ü Tesseract reads there is noise over a u."""
    return all(c in FRENCH for c in text.lower() if _unmarked(c) != c)


@functools.lru_cache(maxsize=1)
def _by_letters() -> dict[str, tuple[str, ...]]:
    """The known words by their letters without marks ("nimes": "nîmes")."""
    out: dict[str, list[str]] = {}
    for w in words():
        out.setdefault(_unmarked(w), []).append(w)
    return {k: tuple(v) for k, v in out.items()}


def _unmarked(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


def marked(text: str) -> str:
    """`text` with each word the lexicon does not know written as the commonest known spelling of its letters
    that keeps its marks and may add more (`commonest`: "Nimes" -> "Nîmes", "Societe" -> "Société", "Ëve" ->
    "Ève"), or else as the commonest of any marks ("ançien" -> "ancien", "Thébérge" -> "Théberge"); and each word
    it knows as a spelling that keeps its marks and is commoner than it (MORE_COMMON) ("Quebec" -> "Québec", "Coté"
    -> "Côté"; "Marie" and "Eve" stay). Tesseract loses an accent a blur or a JPEG smears into its letter, reads it
    as another or makes one up, and is sure of the letters all the same. Only marks change, never a letter; a word
    of fewer than three letters stays as read, and so does one whose letters spell no known word (a code, an
    acronym: "NHFAQ", "CNESST") or whose known spelling bears a mark French does not write ("Muller", not
    "Müller"). Words in capitals are read so too ("QUEBEC" -> "QUÉBEC"): hands write names in capitals. A guess
    all the same: a name may be spelled without its accent ("Levesque"), so the reader that calls this keeps the
    value doubtful."""
    if not available():
        return text

    def one(m: re.Match) -> str:
        w = m.group()
        best = commonest(w) or (None if known(w) else commonest(w, keep=False))  # a mark made up: "ançien"
        if best is None or best == w.lower() or (known(w) and frequency(best) < frequency(w) + MORE_COMMON):
            return w  # as read: no other spelling, or its own (its case kept: "BEs" is no "Bes")
        return cased(best, w)

    return WORD.sub(one, text)


def spelled_commonly(text: str) -> bool:
    """Whether `text` has words of three letters or more and writes each as the commonest known spelling of its
    letters ("Forêt de Montréal"; not "Forèt", "Eve" where French writes "Ève", nor a word it does not know)."""
    found = WORD.findall(text)
    return available() and bool(found) and all(known(w) and commonest(w, keep=False) == w.lower() for w in found)


def commonest(word: str, keep: bool = True) -> str | None:
    """The commonest known spelling of `word`'s letters with French's marks (FRENCH) alone; with `keep`, one that
    bears a mark on each letter `word` bears one on, and maybe on more: an accent read as another ("Ëve", "Forèt")
    or lost ("Quebec", "Coté"). None where no such spelling is known."""
    w = word.lower()
    marks = _marked_letters(w)
    spellings = [s for s in _by_letters().get(_unmarked(w), ()) if french(s)
                 and (not keep or all(b for a, b in zip(marks, _marked_letters(s)) if a))]
    return max(spellings, key=lambda s: (frequency(s), s), default=None)


def _marked_letters(word: str) -> tuple[bool, ...]:
    """Which letters of `word` bear a mark."""
    return tuple(_unmarked(c) != c for c in word)


Q_BEFORE_E = re.compile(r"q(?=[eéèêë])")  # French writes a q before a u only; Inuktitut (Quaqtaq, Kangiqsujuaq) has
# no e


def unconfused(text: str) -> str:
    """`text` with each word the lexicon does not know read with a g where Tesseract read its q: at 240 dpi, on a fax
    or through a JPEG, a g's open tail closes into a q's ("Théberqe", "Gaqné", "Saquenay" at 0.84-0.92). A q before
    an e is a g: French writes none, nor do the Inuktitut names of Québec's north (no e). Any other q is a g where
    that makes the one word the lexicon knows ("Gaqné", "Saquenay"). A word it knows ("quai") or of capitals
    stays as read. A guess all the same, as `marked` is: the reader that calls this keeps the value doubtful."""
    if not available():
        return text

    def one(m: re.Match) -> str:
        w = m.group()
        if "q" not in w or w.isupper() or known(w):
            return w
        w = Q_BEFORE_E.sub("g", w)
        if known(w) or "q" not in w:
            return w
        found = {v for i, c in enumerate(w) if c == "q" and known(v := w[:i] + "g" + w[i + 1:])}
        return found.pop() if len(found) == 1 else w

    return WORD.sub(one, text)


# Letters Tesseract reads one for the other, sure, where both renderings of a scan blur them alike ("Égiise" for
# "Église" at 0.93 on a fax, "houlevard" for "boulevard" at 0.92 at 240 dpi)
CONFUSED = frozenset(map(frozenset, ("il", "lt", "ij", "fl", "hb", "db", "ce", "oe", "ao", "nu", "mn", "rt", "vy")))
# Zipf: the known word such a misreading is doubted for is this common. Of wordfreq's French words rarer than the
# lexicon knows (Zipf 1-2, names among them: "Ruello", "Conlie"), 1.2 % are one such letter from a word so common
# (3.0: 2.1 %); any letter rather than one of CONFUSED: 12 %.
MISREAD_COMMON = 3.5


def misread(text: str) -> str | None:
    """The first word of `text` the lexicon does not know that is a common word (MISREAD_COMMON) but for one letter
    read as another Tesseract confuses it with (CONFUSED): "Égiise" ("église"), "houlevard" ("boulevard"). Words in
    capitals (codes, acronyms) are not looked at. None where there is no such word."""
    if not available():
        return None
    for w in WORD.findall(text):
        if w.isupper() or known(w):
            continue
        low = w.lower()
        for k in near(low):
            apart = [(a, b) for a, b in zip(low, k) if a != b]
            if (len(k) == len(low) and len(apart) == 1 and frozenset(apart[0]) in CONFUSED
                    and frequency(k) >= MISREAD_COMMON):
                return k
    return None


def odd_marks(text: str) -> bool:
    """Whether a word of `text` bears marks the lexicon knows it with in none of its spellings of the same letters
    ("Forèt", "Gaètan", "Îlé": it knows "forêt", "gaëtan", "île"): an accent read as another. No value the benches
    fill is so, of 25,812 (bench/unseen.py, seeds 1, 101 and 103)."""
    if not available():
        return False
    for w in WORD.findall(text):
        if not w.isupper() and not known(w) and _unmarked(w) != w and _unmarked(w.lower()) in _by_letters():
            return True
    return False


def cased(word: str, like: str) -> str:
    """A known word (small letters) in the case of the word read: capitals, a capital first, or small."""
    if like.isupper():
        return word.upper()
    return word[:1].upper() + word[1:] if like[:1].isupper() else word
