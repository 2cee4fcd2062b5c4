"""A Tesseract worker process: the C++ API through tesserocr, models loaded once, reading requests from its parent.

Run by `tess_api.Worker` (`python -c <this file's code> TESSDATA`), never imported by the pipeline: Tesseract
can crash on an input (a floating-point exception, a segmentation fault), and a crash in this process costs the one
request it was reading, not the batch. It imports nothing but tesserocr and the standard library, so it starts in
a fraction of a second.

The protocol, on the process's stdin and stdout (fd 1 is moved away first, so that nothing Tesseract prints can
corrupt it): each message is an 8-byte big-endian length and a pickle.
- `("hello",)` -> `("ok", version, languages)`
- `("read", lang, psm, whitelist, dpi, choices, [(height, width, gray bytes), ...])` -> `("ok", [(tsv, alternatives,
  characters), ...])`, one per image, each read on its own with its page number (1-based) in the TSV's page column.
  With `choices`, `alternatives` lists the doubtful characters' other readings: `(word's left, top, character's
  index in the word, (other character, ...))`, best first; without, it is empty. `characters` gives each word's
  characters' confidences: `(word's left, top, (confidence 0-100 of each character of its text, ...))`
- `("osd", dpi, (height, width, gray bytes))` -> `("ok", (orientation in degrees, confidence))` or `("ok", None)`
- anything that raises -> `("error", message)`
"""

from __future__ import annotations

import os
import pickle
import struct
import sys

HEADER = struct.Struct(">Q")
DOUBT = 90.0  # a character read below this confidence (0-100) has its other candidates reported ...
MAX_CHOICES = 3  # ... at most this many


def _read_exactly(f, n: int) -> bytes:
    data = f.read(n)
    if data is None or len(data) < n:
        raise EOFError
    return data


class Engine:
    def __init__(self, tessdata: str) -> None:
        import tesserocr

        self.tesserocr = tesserocr
        self.tessdata = tessdata
        self.apis: dict[str, object] = {}

    def api(self, lang: str):
        api = self.apis.get(lang)
        if api is None:
            tesserocr = self.tesserocr
            api = tesserocr.PyTessBaseAPI(path=self.tessdata, lang=lang, oem=tesserocr.OEM.DEFAULT)
            self.apis[lang] = api
        return api

    def hello(self) -> tuple:
        _, languages = self.tesserocr.get_languages(self.tessdata)
        return self.tesserocr.tesseract_version().split()[1], sorted(languages)

    def read(self, lang: str, psm: int, whitelist: str | None, dpi: int, choices: bool, images: list) -> list:
        api = self.api(lang)
        api.SetPageSegMode(psm)
        # Every setting is set on every request: the API object is reused, and a request must read as if alone.
        api.SetVariable("tessedit_char_whitelist", whitelist or "")
        # The LSTM's other candidates for each character (the words read are the same with or without them).
        api.SetVariable("lstm_choice_mode", "2" if choices else "0")
        out = []
        for i, (height, width, pixels) in enumerate(images):
            api.SetImageBytes(pixels, width, height, 1, width)
            api.SetSourceResolution(dpi)
            api.Recognize()
            out.append((api.GetTSVText(i), *self.characters(api, choices)))
        api.Clear()
        return out

    def characters(self, api, choices: bool) -> tuple[list, list]:
        """Each word's characters' confidences; with `choices`, for each character read below DOUBT confidence,
        the other characters the LSTM considered, best first."""
        RIL = self.tesserocr.RIL
        found: list = []
        confidences: list = []
        it = api.GetIterator()
        if it is None:
            return found, confidences
        index, word_box, word = 0, None, None
        for symbol in self.tesserocr.iterate_level(it, RIL.SYMBOL):
            if symbol.Empty(RIL.SYMBOL):  # a page with no text still gives one empty element
                continue
            if symbol.IsAtBeginningOf(RIL.WORD):
                index, word_box, word = 0, symbol.BoundingBox(RIL.WORD), []
                if word_box is not None:
                    confidences.append((word_box[0], word_box[1], word))
            text = symbol.GetUTF8Text(RIL.SYMBOL) or ""
            confidence = symbol.Confidence(RIL.SYMBOL)
            if word is not None:
                word.extend([round(confidence, 1)] * len(text))
            if choices and word_box is not None and len(text) == 1 and confidence < DOUBT:
                others = []
                for choice in symbol.GetChoiceIterator():
                    other = choice.GetUTF8Text()
                    if other and other != text and len(other) == 1 and other not in others:
                        others.append(other)
                if others:
                    found.append((word_box[0], word_box[1], index, tuple(others[:MAX_CHOICES])))
            index += len(text)  # the index of the next character in the word's text
        return found, [(left, top, tuple(word)) for left, top, word in confidences]

    def osd(self, dpi: int, image: tuple) -> tuple[int, float] | None:
        api = self.api("osd")
        api.SetPageSegMode(self.tesserocr.PSM.OSD_ONLY)
        api.SetVariable("min_characters_to_try", "10")
        height, width, pixels = image
        api.SetImageBytes(pixels, width, height, 1, width)
        api.SetSourceResolution(dpi)
        found = api.DetectOrientationScript()
        api.Clear()
        if not found:
            return None
        return int(found["orient_deg"]), float(found["orient_conf"])


def serve(tessdata: str) -> None:
    # The protocol's channel is a private copy of stdout; fd 1 goes to stderr, where Tesseract's own prints belong.
    channel = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    inbox = sys.stdin.buffer
    engine = Engine(tessdata)
    while True:
        try:
            (size,) = HEADER.unpack(_read_exactly(inbox, HEADER.size))
            request = pickle.loads(_read_exactly(inbox, size))
        except EOFError:  # the parent closed the pipe or died: nothing more to read
            return
        try:
            kind, *args = request
            result = {"hello": engine.hello, "read": engine.read, "osd": engine.osd}[kind](*args)
            reply = ("ok", result)
        except Exception as exc:  # noqa: BLE001 - returned to the parent, which raises it as a tool failure
            reply = ("error", f"{type(exc).__name__}: {exc}")
        data = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        channel.write(HEADER.pack(len(data)) + data)


if __name__ == "__main__":
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    serve(sys.argv[1])
