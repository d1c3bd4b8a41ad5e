"""Files kept by content: ``root/ab/<sha256 hex>`` (``ab`` = its first two hex digits).

No name or path from an upload is ever used on disk; names are kept in the database for display.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from ..config import size_text

__all__ = ["CHUNK", "BlobStore", "IntakeError"]

CHUNK = 1024 * 1024  # bytes read from a stream at a time
_SHA256 = re.compile(r"[0-9a-f]{64}")


class IntakeError(Exception):
    """A stream exceeded the byte limit given to :meth:`BlobStore.put_stream`.

    ``read``: bytes read before giving up (always ``limit + 1`` or more); ``limit``: the limit.
    """

    def __init__(self, read: int, limit: int):
        self.read = read
        self.limit = limit
        super().__init__(f"超过 {size_text(limit)} 上限")


class BlobStore:
    """Uploaded files stored by content: ``root/ab/<sha256 hex>``; never a name from the upload.

    ``ab`` is the first two hex digits of the hash. Temporary files (``root/.incoming-*``) exist
    only while :meth:`put_stream` runs and are removed on every failure. Creates ``root`` (with
    parents) if missing.
    """

    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def put_stream(self, stream: BinaryIO, max_bytes: int) -> tuple[str, int]:
        """Store everything ``stream`` yields; returns ``(sha256 hex, size in bytes)``.

        The data is hashed while it is written to a temporary file in ``root``, fsynced, then
        moved into place with ``os.replace``; storing content that is already there is a no-op
        (the existing blob is kept). Raises :class:`IntakeError` as soon as more than
        ``max_bytes`` bytes have been read (nothing is stored); ValueError for a negative
        ``max_bytes``; whatever the stream raises on read, and OSError when the store cannot be
        written, in both cases leaving no temporary file behind.
        """
        sha, size, _created = self.put(stream, max_bytes)
        return sha, size

    def path(self, sha256: str) -> Path:
        """``root/ab/<sha256>`` (which may not exist); ValueError unless ``sha256`` is 64
        lowercase hex digits."""
        if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a lowercase sha256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def exists(self, sha256: str) -> bool:
        """Whether the blob is stored; ValueError as for :meth:`path`."""
        return self.path(sha256).is_file()

    def put(self, stream: BinaryIO, max_bytes: int, sync: bool = True) -> tuple[str, int, bool]:
        """:meth:`put_stream`, also telling whether this call created the blob (False when the
        same content was already stored). ``sync=False`` leaves out the fsyncs: the caller makes
        the blob durable with :meth:`sync` before anything refers to it (one sync for a group of
        blobs is cheaper than one each)."""
        if max_bytes < 0:
            raise ValueError("max_bytes must be >= 0")
        fd, tmp_name = tempfile.mkstemp(prefix=".incoming-", dir=self.root)
        tmp = Path(tmp_name)
        try:
            digest = hashlib.sha256()
            size = 0
            with os.fdopen(fd, "wb") as out:
                while True:
                    chunk = stream.read(min(CHUNK, max_bytes - size + 1))
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > max_bytes:
                        raise IntakeError(size, max_bytes)
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                if sync:
                    os.fsync(out.fileno())
            sha = digest.hexdigest()
            final = self.path(sha)
            if final.is_file():
                tmp.unlink()
                return sha, size, False
            final.parent.mkdir(exist_ok=True)
            os.replace(tmp, final)
            if sync:
                _fsync_dir(final.parent)
            return sha, size, True
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise

    def sync(self, sha256s: Iterable[str]) -> None:
        """Make the blobs ``sha256s`` (stored with ``put(..., sync=False)``) durable: fsync each
        file, then each folder they were moved into. Raises OSError when a blob is missing or
        cannot be synced; ValueError as for :meth:`path`."""
        folders = set()
        for sha in sha256s:
            p = self.path(sha)
            fd = os.open(p, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            folders.add(p.parent)
        for folder in sorted(folders):
            _fsync_dir(folder)

    def discard(self, sha256: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(sha256).unlink()



def _fsync_dir(directory: Path) -> None:
    """Make a rename durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
