"""Choosing a store by its URL: an explicit registry of store kinds, by URL scheme.

It lives apart from the stores so that each kind imports the interface and nothing imports back.
"""

from __future__ import annotations

import os
from typing import Callable

from ..errors import StoreError
from .store import LocalStore, Store


def _local(url: str) -> Store:
    return LocalStore(url[len("file://"):] if url.startswith("file://") else url)


def _s3(url: str) -> Store:
    from .s3store import S3Store  # the minio SDK is loaded only for an S3 store

    return S3Store.from_url(url)


# Explicit registry of store kinds, by URL scheme.
STORES: dict[str, Callable[[str], Store]] = {"file": _local, "s3": _s3}


def open_store(url: str | None) -> Store:
    url = url or os.environ.get("DEMAT_STORE") or "./demat-data"
    scheme = url.split("://", 1)[0] if "://" in url else "file"
    try:
        factory = STORES[scheme]
    except KeyError:
        raise StoreError(url, f"unknown store scheme {scheme!r} (use a folder, file:// or s3://)") from None
    return factory(url)
