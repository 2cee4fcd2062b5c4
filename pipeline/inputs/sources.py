"""Read inputs: files, folders (recursive) and .zip archives, member by member, never unpacked to disk.

Discovery yields small frozen `DocRef`s (what crosses task boundaries); `read` turns one into a `Source` with its
bytes, hash and sniffed media type, enforcing the limits that keep memory bounded (file size, zip bombs,
member names climbing out of the archive).
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterator

from ..errors import (
    CorruptInput,
    DocumentError,
    InputPathError,
    UnsafeInput,
    UnsupportedInput,
)

MAX_DOCUMENT_BYTES = 256 * 1024 * 1024
MAX_ZIP_RATIO = 200  # declared uncompressed / compressed size above which a big member is treated as a bomb
MAX_ZIP_MEMBERS = 100_000

EXTENSIONS = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".pdf": "application/pdf",
    ".zip": "application/zip",
}
SKIPPED_NAMES = {"thumbs.db", "desktop.ini"}


@dataclass(frozen=True)
class DocRef:
    """Where a document is: a file, or a member of a zip file. Small and serializable."""

    path: str
    member: str | None = None
    name: str = ""  # display name: path relative to the input root, `archive.zip!member` for members
    stored: str | None = None  # store key of its bytes, once staged for workers that cannot see `path`


@dataclass(frozen=True)
class Source:
    ref: DocRef
    data: bytes
    sha256: str
    media_type: str  # sniffed from the content; "application/octet-stream" when unknown

    @property
    def name(self) -> str:
        return self.ref.name


def sniff(head: bytes) -> str:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if b"%PDF-" in head[:1024]:
        return "application/pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "application/zip"
    return "application/octet-stream"


def _skipped(name: str) -> bool:
    parts = PurePosixPath(name).parts
    base = parts[-1] if parts else name
    # hidden files and folders (.done/, .git/, .truth.json), system leftovers
    return any(p.startswith(".") and p not in (".", "..") for p in parts) or base.lower() in SKIPPED_NAMES \
        or "__MACOSX" in parts


def discover(paths: list[str]) -> Iterator[DocRef]:
    """Expand input paths into documents, in a stable order. Raises InputPathError for a missing path."""
    for raw in paths:
        root = Path(raw)
        if not root.exists():
            raise InputPathError(raw)
        if root.is_dir():
            files = sorted(p for p in root.rglob("*") if p.is_file() and not _skipped(str(p.relative_to(root))))
            for f in files:
                yield from _expand(f, str(f.relative_to(root)))
        else:
            yield from _expand(root, root.name)


def _expand(path: Path, name: str) -> Iterator[DocRef]:
    if path.suffix.lower() != ".zip":
        yield DocRef(str(path), None, name)
        return
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        yield DocRef(str(path), None, name)  # read() rejects it with the reason
        return
    members = [i for i in infos if not i.is_dir() and not _skipped(i.filename)]
    if len(infos) > MAX_ZIP_MEMBERS or not members:  # read() rejects it with the reason: it is recorded too
        yield DocRef(str(path), None, name)
        return
    for info in members:
        yield DocRef(str(path), info.filename, f"{name}!{info.filename}")


def _why_archive_is_not_read(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "zip archive is damaged: its list of files cannot be read"
    if len(infos) > MAX_ZIP_MEMBERS:
        return f"zip archive holds {len(infos)} files, over the {MAX_ZIP_MEMBERS} limit"
    return "empty archive: no file to read in it"


def check_member_name(member: str) -> None:
    p = PurePosixPath(member.replace("\\", "/"))
    if p.is_absolute() or ".." in p.parts or (len(member) > 1 and member[1] == ":"):
        raise UnsafeInput(f"archive member name {member!r} climbs out of the archive folder")


def read_archive_bytes(ref: DocRef) -> bytes:
    """The bytes of the file itself (for a member: the whole archive); what is kept when a member cannot be."""
    return Path(ref.path).read_bytes()


def from_bytes(ref: DocRef, data: bytes) -> Source:
    return Source(ref, data, hashlib.sha256(data).hexdigest(), sniff(data[:1024]))


def read(ref: DocRef, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> Source:
    """Read one document's bytes. Raises DocumentError (with the reason) when it cannot be read safely."""
    if ref.member is None:
        try:
            size = os.path.getsize(ref.path)
            if size > max_bytes:
                raise UnsafeInput(f"file is {size / 2**20:.0f} MiB, over the {max_bytes / 2**20:.0f} MiB limit")
            data = Path(ref.path).read_bytes()
        except OSError as exc:
            raise CorruptInput(f"cannot read file: {exc.strerror or exc}") from exc
    else:
        data = _read_member(ref, max_bytes)
    return from_bytes(ref, data)


def _read_member(ref: DocRef, max_bytes: int) -> bytes:
    assert ref.member is not None
    try:
        with zipfile.ZipFile(ref.path) as zf:
            info = zf.getinfo(ref.member)
            if info.flag_bits & 0x1:
                raise UnsupportedInput("archive member is encrypted")
            ratio = info.file_size / max(1, info.compress_size)
            if info.file_size > max_bytes or (info.file_size > 16 * 2**20 and ratio > MAX_ZIP_RATIO):
                raise UnsafeInput(
                    f"zip bomb: member expands to {info.file_size / 2**20:.0f} MiB "
                    f"from {info.compress_size / 2**10:.0f} KiB"
                )
            chunks, total = [], 0
            with zf.open(info) as fh:
                while chunk := fh.read(1 << 20):
                    total += len(chunk)
                    if total > max_bytes:  # the declared size lied
                        raise UnsafeInput(f"zip bomb: member expands past the {max_bytes / 2**20:.0f} MiB limit")
                    chunks.append(chunk)
            return b"".join(chunks)
    except DocumentError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, KeyError, EOFError, ValueError) as exc:
        raise CorruptInput(f"archive member cannot be read: {exc}") from exc
    except Exception as exc:  # zlib.error and friends from a damaged stream
        raise CorruptInput(f"archive member cannot be read: {exc}") from exc


def check_type(src: Source) -> None:
    """Reject what demat does not read, and files whose extension lies about their content."""
    suffix = PurePosixPath(src.name).suffix.lower()
    claimed = EXTENSIONS.get(suffix)
    if not src.data:
        raise CorruptInput("empty file (0 bytes)")
    if suffix and claimed is None:
        raise UnsupportedInput(f"unsupported file type {suffix}: demat reads PNG, JPEG, TIFF, PDF and ZIP")
    if src.media_type == "application/octet-stream":
        if claimed:
            raise CorruptInput(f"content is not a valid {suffix} file")
        raise UnsupportedInput("unsupported file type (no extension, unknown content)")
    if claimed and claimed != src.media_type:
        raise UnsupportedInput(f"the name says {suffix} but the content is {src.media_type}")
    if src.media_type == "application/zip" and src.ref.member is None:
        raise CorruptInput(_why_archive_is_not_read(src.data))
    if src.media_type == "application/zip":
        raise UnsupportedInput("nested archive: a zip inside a zip is not read; add it as its own input")
