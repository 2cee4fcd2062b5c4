"""demat: turn archives of scanned paper forms into validated, structured records.

`pipeline` is the library: one stage per module, plain typed functions, no orchestration framework.
The Prefect glue lives in `flows/`.
"""

__version__ = "0.1.0"
