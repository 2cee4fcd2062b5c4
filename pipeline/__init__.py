"""demat: turn archives of scanned paper forms into validated, structured records.

`pipeline` is the library: plain typed functions, no orchestration framework, no web. Its subpackages stand in
layers, each importing only those below it (tests/test_layout.py checks it):

- `errors`: the typed errors;
- `inputs/`: files and archives become pages;
- `schemas/`: what a procedure is, loaded strictly; normalization by type; AcroForm import;
- `reading/`: templates, identification, registration, the OCR engine, zones, fields;
- `record`: a form instance's record and its status;
- `storage/`: stores, their layout, the counting index, the counts;
- `process` (the story of one document), `preview`, `evaluate`.

The Prefect glue and the command line live in `flows/`.
"""

import logging

__version__ = "0.1.0"

# pypdf (filled form fields, the importer, repairing PDFs pdfminer cannot page) logs its parser's recoveries
# ("Token exceeds maximum length", "parsing for Object Streams") through logging's last-resort handler: repairs it
# makes on its own are not the user's concern.
logging.getLogger("pypdf").setLevel(logging.ERROR)
# pdfminer likewise warns of what it repairs on damaged PDFs ("Invalid MediaBox in /Page, defaulting to US Letter").
logging.getLogger("pdfminer").setLevel(logging.ERROR)
