"""demat: turn archives of scanned paper forms into validated, structured records.

`pipeline` is the library: one stage per module, plain typed functions, no orchestration framework.
The Prefect glue lives in `flows/`.
"""

import logging

__version__ = "0.1.0"

# pypdf (filled form fields, the importer, repairing PDFs pdfminer cannot page) logs its parser's recoveries
# ("Token exceeds maximum length", "parsing for Object Streams") through logging's last-resort handler: repairs it
# makes on its own are not the user's concern.
logging.getLogger("pypdf").setLevel(logging.ERROR)
