"""Object stores: one small interface, implementations chosen by URL scheme through an explicit registry.

- a folder path or `file://` URL: `LocalStore` (the embedded default, `./demat-data`)
- `s3://BUCKET[/PREFIX]`: S3-compatible object storage (MinIO in production), see `pipeline.storage.s3store`;
  `pipeline.storage.open.open_store` chooses one by URL

Keys are `/`-separated relative names (`records/<id>.json`). Writes are atomic: a reader never sees half an
object. The S3 store retries transient failures itself; the flow's commit task retries as a whole.
"""

from __future__ import annotations

import os
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Iterator

from ..errors import StoreError


class Store(ABC):
    url: str  # printable: never holds a secret

    @abstractmethod
    def put(self, key: str, data: bytes, *, content_type: str = "application/octet-stream",
            metadata: dict[str, str] | None = None) -> None: ...

    @abstractmethod
    def get(self, key: str) -> bytes:
        """The object's bytes; raises KeyError when it does not exist."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def list(self, prefix: str) -> Iterator[str]:
        """Keys under a prefix (recursive), in lexical order."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove an object; no error when it is already gone."""

    def check(self) -> None:
        """Raise StoreError when the store cannot be used (called once before a batch)."""


def check_key(key: str) -> str:
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"invalid store key {key!r}")
    return key


class LocalStore(Store):
    def __init__(self, root: str | Path):
        self.root = Path(root).expanduser().absolute()
        self.url = str(self.root)

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    def check(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = tempfile.NamedTemporaryFile(dir=self.root, prefix=".probe-", delete=True)
            probe.close()
        except OSError as exc:
            raise StoreError(self.url, f"not writable ({exc.strerror or exc})") from exc

    def put(self, key, data, *, content_type="application/octet-stream", metadata=None) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise KeyError(key) from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def list(self, prefix: str) -> Iterator[str]:
        base = self.root.joinpath(*[p for p in prefix.split("/") if p])
        if not base.exists():
            return iter(())
        keys = (p.relative_to(self.root).as_posix() for p in base.rglob("*") if p.is_file())
        return iter(sorted(k for k in keys if not k.rsplit("/", 1)[-1].startswith(".")))
