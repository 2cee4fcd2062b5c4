"""Typed errors. Each carries structured arguments and renders as one line for the user.

Two families:
- `DematError` subclasses end a command (exit 1): bad schema, missing path, unreachable store.
- `DocumentError` subclasses end one document: it becomes a `rejected` record with `reason` and the batch goes on.
Field validation problems are neither: they are data in the record.
"""

from __future__ import annotations


class DematError(Exception):
    """A problem that stops the command; `str()` is the one line shown to the user."""


class InputPathError(DematError):
    def __init__(self, path: str, why: str = "no such file or folder"):
        self.path, self.why = path, why
        super().__init__(f"{path}: {why}")


class SchemaError(DematError):
    """One or more problems in schema files, each already formatted as FILE:LINE: message."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class StoreError(DematError):
    def __init__(self, where: str, why: str):
        self.where, self.why = where, why
        super().__init__(f"store {where}: {why}")


class SetupError(DematError):
    """The command's options or environment cannot work together (e.g. Dask workers with a local-folder store)."""

    def __init__(self, option: str, why: str):
        self.option, self.why = option, why
        super().__init__(f"{option}: {why}")


class ToolError(DematError):
    """An external program is missing, too old, failed, or timed out."""

    def __init__(self, tool: str, why: str):
        self.tool, self.why = tool, why
        super().__init__(f"{tool}: {why}")


class DocumentError(Exception):
    """This document cannot be digitized; `reason` goes into the rejected record."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


class UnsupportedInput(DocumentError):
    pass


class CorruptInput(DocumentError):
    pass


class UnsafeInput(DocumentError):
    """Oversized canvas, decompression bomb, archive member escaping its folder."""


class ToolFailure(DocumentError):
    """An external tool crashed, failed or ran out of time on one document's input (Tesseract's floating-point
    exception on one faxed zone): that document's failure, never the batch's. `where` names the stage and the
    field once a caller knows it: "tesseract crashed (signal 8) reading field objet_asso"."""

    def __init__(self, tool: str, why: str, where: str = ""):
        self.tool, self.why, self.where = tool, why, where
        super().__init__(self.what + (f" {where}" if where else ""))

    @property
    def what(self) -> str:
        """The failure without its place: "tesseract crashed (signal 8)"."""
        return f"{self.tool} {self.why}"

    def at(self, where: str) -> "ToolFailure":
        """The same failure, placed: each caller that knows more adds it ("identifying the form", "on page 2")."""
        return ToolFailure(self.tool, self.why, f"{self.where} {where}" if self.where else where)


class StageFailure(DocumentError):
    """A stage raised on one document's input (a library's failure on odd data, a bug): recorded, named."""
