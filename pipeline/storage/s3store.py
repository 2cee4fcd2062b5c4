"""S3-compatible object storage (MinIO in production) through the `minio` SDK.

    s3://BUCKET[/PREFIX]   endpoint: DEMAT_S3_ENDPOINT (e.g. http://127.0.0.1:9000; https:// for TLS)
                           credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, else MINIO_ROOT_USER /
                           MINIO_ROOT_PASSWORD (optional AWS_SESSION_TOKEN, DEMAT_S3_REGION)

The bucket is created if missing. Objects carry their content type and metadata. Originals larger than
`part_size` are uploaded in parts. Transient failures (connection refused or reset, timeouts, 5xx) are retried
with exponential backoff; a store still unreachable after that raises StoreError naming the endpoint, never a
credential. An endpoint that has not answered yet in this process (its first call, the bucket's check) gets
`first_attempts` (~2 s): a command against a stopped store says so at once; once it has answered, an outage is
waited out over `attempts` (~15 s), by every store opened on it in the process (the batch's workers').
"""

from __future__ import annotations

import io
import os
import time
from typing import Callable, Iterator, TypeVar
from urllib.parse import urlparse

import urllib3
from minio import Minio
from minio.error import S3Error, ServerError

from ..errors import StoreError
from .store import Store, check_key

T = TypeVar("T")

TRANSIENT = (urllib3.exceptions.HTTPError, ServerError, ConnectionError, TimeoutError, OSError)
MISSING = ("NoSuchKey", "NoSuchObject", "ResourceNotFound")


def _endpoint() -> tuple[str, bool]:
    raw = os.environ.get("DEMAT_S3_ENDPOINT", "").strip()
    if not raw:
        raise StoreError("s3", "DEMAT_S3_ENDPOINT is not set (e.g. http://127.0.0.1:9000)")
    u = urlparse(raw if "://" in raw else f"http://{raw}")
    if u.scheme not in ("http", "https") or not u.hostname:
        raise StoreError("s3", f"DEMAT_S3_ENDPOINT must be http(s)://HOST[:PORT], got scheme {u.scheme!r}")
    host = u.hostname + (f":{u.port}" if u.port else "")
    return host, u.scheme == "https"


def _credentials() -> tuple[str | None, str | None, str | None]:
    access = os.environ.get("AWS_ACCESS_KEY_ID") or os.environ.get("MINIO_ROOT_USER")
    secret = os.environ.get("AWS_SECRET_ACCESS_KEY") or os.environ.get("MINIO_ROOT_PASSWORD")
    return access, secret, os.environ.get("AWS_SESSION_TOKEN")


class S3Store(Store):
    part_size = 16 * 1024 * 1024  # originals above this are uploaded in parts
    attempts = 6
    first_attempts = 3
    base_delay = 0.5
    _answered: set[str] = set()  # endpoints that answered once in this process: from then on, outages are waited out

    def __init__(self, bucket: str, prefix: str, endpoint: str, secure: bool,
                 access_key: str | None, secret_key: str | None, session_token: str | None = None):
        self.bucket, self.prefix = bucket, prefix.strip("/")
        scheme = "https" if secure else "http"
        self.endpoint = f"{scheme}://{endpoint}"
        self.url = f"s3://{bucket}{'/' + self.prefix if self.prefix else ''} at {self.endpoint}"
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=5, read=120),
            retries=urllib3.Retry(total=0, connect=0, read=0, redirect=3),  # retries are ours, with backoff
            maxsize=16,
        )
        self._client = Minio(endpoint, access_key=access_key, secret_key=secret_key, session_token=session_token,
                             secure=secure, region=os.environ.get("DEMAT_S3_REGION"), http_client=http)
        self._bucket_checked = False

    @classmethod
    def from_url(cls, url: str) -> "S3Store":
        u = urlparse(url)
        if not u.netloc:
            raise StoreError(url, "an S3 store URL is s3://BUCKET[/PREFIX]")
        endpoint, secure = _endpoint()
        access, secret, token = _credentials()
        return cls(u.netloc, u.path, endpoint, secure, access, secret, token)

    # --------------------------------------------------------------------------------------------- plumbing

    def _name(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _call(self, what: str, fn: Callable[[], T], attempts: int | None = None) -> T:
        """Run one S3 operation, retrying transient failures; raise StoreError when it cannot be done."""
        attempts = attempts or self.attempts
        for i in range(attempts):
            try:
                return fn()
            except S3Error as exc:
                if exc.code in MISSING:
                    raise KeyError(what) from None
                raise StoreError(self.url, f"{what}: {exc.code}: {exc.message}") from None
            except TRANSIENT as exc:
                if i == attempts - 1:
                    raise StoreError(self.url, f"unreachable ({_reason(exc)})") from None
                time.sleep(self.base_delay * (2 ** i))
        raise AssertionError("unreachable")

    def _ensure_bucket(self) -> None:
        if self._bucket_checked:
            return

        def ensure() -> None:
            if not self._client.bucket_exists(self.bucket):
                try:
                    self._client.make_bucket(self.bucket)
                except S3Error as exc:
                    if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                        raise

        answered = S3Store._answered  # endpoints that answered in this process (the check before a batch, ...)
        self._call(f"bucket {self.bucket}", ensure, self.attempts if self.endpoint in answered else self.first_attempts)
        answered.add(self.endpoint)
        self._bucket_checked = True

    # -------------------------------------------------------------------------------------------- interface

    def check(self) -> None:
        """Before a batch: a store that does not answer within a few seconds fails fast."""
        self._ensure_bucket()

    def put(self, key, data, *, content_type="application/octet-stream", metadata=None) -> None:
        self._ensure_bucket()
        name = self._name(key)
        meta = {k: _ascii(v) for k, v in (metadata or {}).items() if v != ""}
        part = self.part_size if len(data) > self.part_size else 0
        self._call(f"put {key}", lambda: self._client.put_object(
            self.bucket, name, io.BytesIO(data), len(data), content_type=content_type, metadata=meta or None,
            part_size=part, num_parallel_uploads=1))

    def get(self, key: str) -> bytes:
        self._ensure_bucket()
        name = self._name(key)

        def fetch() -> bytes:
            resp = self._client.get_object(self.bucket, name)
            try:
                return resp.read()
            finally:
                resp.close()
                resp.release_conn()

        return self._call(key, fetch)

    def exists(self, key: str) -> bool:
        self._ensure_bucket()
        name = self._name(key)
        try:
            self._call(key, lambda: self._client.stat_object(self.bucket, name))
            return True
        except KeyError:
            return False

    def delete(self, key: str) -> None:
        self._ensure_bucket()
        name = self._name(key)
        self._call(f"delete {key}", lambda: self._client.remove_object(self.bucket, name))

    def list(self, prefix: str) -> Iterator[str]:
        self._ensure_bucket()
        full = self._name(prefix.rstrip("/")) + "/" if prefix.strip("/") else (self.prefix + "/" if self.prefix else "")
        cut = len(self.prefix) + 1 if self.prefix else 0
        names = self._call(f"list {prefix}", lambda: [o.object_name for o in self._client.list_objects(
            self.bucket, prefix=full, recursive=True)])
        return iter(sorted(n[cut:] for n in names if not n.endswith("/")))

    def metadata(self, key: str) -> dict[str, str]:
        self._ensure_bucket()
        name = self._name(key)
        st = self._call(key, lambda: self._client.stat_object(self.bucket, name))
        meta = {k.lower().removeprefix("x-amz-meta-"): v for k, v in (st.metadata or {}).items()
                if k.lower().startswith("x-amz-meta-")}
        return {"content-type": st.content_type or "", "etag": st.etag or "", **meta}


def _ascii(value: str) -> str:
    """S3 user metadata must be ASCII."""
    return value.encode("ascii", "backslashreplace").decode("ascii")


def _reason(exc: BaseException) -> str:
    text = str(exc)
    for marker in ("Connection refused", "timed out", "Name or service not known", "Connection reset",
                   "Max retries exceeded", "Remote end closed"):
        if marker.lower() in text.lower():
            return marker.lower() if marker != "Max retries exceeded" else "no answer"
    if isinstance(exc, ServerError):
        return f"server error {getattr(exc, 'status_code', '')}".strip()
    return type(exc).__name__
