"""Upload intake for the web app: store uploaded files by content and decide which are reports.

Framework-free: the web layer passes ``(filename, binary stream)`` pairs (e.g. FastAPI
``UploadFile.filename`` / ``UploadFile.file``) to :func:`intake` and gets back the accepted
reports and the rejected files, each rejection with a reason in Chinese naming the file.

* Files are stored in a :class:`BlobStore` under ``root/ab/<sha256 hex>``. No name from the
  upload (nor from a zip member) is ever used as a path; names are kept for display only.
* The format is decided by the content (:func:`jixiao.readers.sniff`), never by the suffix.
* A zip archive that is not an Office/OpenDocument file is expanded, one level deep, each member
  under the same per-file limits plus zip-bomb checks; member names are decoded the way Windows
  and macOS zip tools write them (UTF-8 flag, else UTF-8 or GBK bytes mislabelled as cp437).
* Bad content never raises: it becomes a :class:`Rejected`. Only programming errors and
  server-side I/O failures (disk full, unreadable store) propagate.
"""

from __future__ import annotations

import codecs
import contextlib
import lzma
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Self

from ..config import size_text
from ..readers import ReadError, sniff
from ..readers import text as text_reader
from ..store.blobs import CHUNK, BlobStore, IntakeError

__all__ = ["ACCEPTED_FORMATS", "Accepted", "BlobStore", "IntakeError", "Limits", "Rejected", "display_name",
           "intake"]

ACCEPTED_FORMATS = frozenset({"docx", "xlsx", "doc", "xls", "rtf", "pdf", "html", "text"})

MAX_NAME_CHARS = 200  # display names are cut to this many characters
BOMB_FLOOR = 1024 * 1024  # members smaller than this (uncompressed bytes) are never called bombs
UNNAMED = "未命名"

_SEP = re.compile(r"[/\\]")
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OTHER_ARCHIVES = ((b"Rar!\x1a\x07", "RAR"), (b"7z\xbc\xaf\x27\x1c", "7z"), (b"\x1f\x8b", "gzip"),
                   (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"))
_JUNK_NAMES = frozenset({"thumbs.db", "desktop.ini", "__macosx"})
_ZIP_OPEN_ERRORS = (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError)  # bad central directory
# reading a member: bad data, bad header offsets (OSError/ValueError on seek), a local header's
# name in broken UTF-8 (UnicodeDecodeError), unsupported methods
_MEMBER_READ_ERRORS = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, NotImplementedError, OSError,
                       ValueError)


@dataclass(frozen=True)
class Limits:
    """Limits of one upload (one :func:`intake` call). Sizes in bytes.

    ``max_file_bytes``: one report (a plain upload or an unpacked zip member).
    ``max_files``: files considered per upload, counted after zip expansion (an archive itself
    does not count, its members do; skipped junk such as ``__MACOSX`` does not count).
    ``max_total_bytes``: all files stored in one upload, uncompressed (an archive's own bytes do
    not count, its unpacked members do); an archive upload may itself be at most this large.
    ``max_zip_members``: entries in one archive's central directory, directories included.
    ``max_zip_ratio``: uncompressed/compressed size above which a member of more than 1 MiB is
    treated as a zip bomb.
    Raises ValueError for a negative value (or a zero ``max_zip_ratio``).
    """

    max_file_bytes: int = 50 * 1024 * 1024
    max_files: int = 200
    max_total_bytes: int = 500 * 1024 * 1024
    max_zip_members: int = 1000
    max_zip_ratio: int = 100

    def __post_init__(self) -> None:
        for name in ("max_file_bytes", "max_files", "max_total_bytes", "max_zip_members"):
            if getattr(self, name) < 0:
                raise ValueError(f"Limits.{name} must be >= 0")
        if self.max_zip_ratio < 1:
            raise ValueError("Limits.max_zip_ratio must be >= 1")


@dataclass
class Accepted:
    """A report kept for review. ``name``: display name only (sanitised basename from the upload
    or the zip member); ``sha256``: the blob in the store; ``size``: bytes; ``format``: one of
    :data:`ACCEPTED_FORMATS` as decided by :func:`jixiao.readers.sniff`."""

    name: str
    sha256: str
    size: int
    format: str


@dataclass
class Rejected:
    """A file not kept. ``name``: display name; ``reason``: in Chinese, starting with the file's
    name (and the archive it came from, for a zip member)."""

    name: str
    reason: str


def intake(uploads: Iterable[tuple[str, BinaryIO]], store: BlobStore,
           limits: Limits = Limits()) -> tuple[list[Accepted], list[Rejected]]:
    """Store and classify one upload's files; returns ``(accepted, rejected)`` in upload order.

    ``uploads``: ``(filename, binary stream)`` pairs; the filename is only displayed, the stream
    is read from its current position to its end (or until a limit is hit). Zip archives are
    expanded (their members are listed instead of the archive). Blobs of rejected files that this
    call created are deleted before returning, unless an accepted file has the same content.
    Once ``max_files`` or ``max_total_bytes`` is exceeded every remaining file is rejected
    unread. Bad content never raises; OSError from the store or the upload streams does.
    """
    run = _Intake(store, limits)
    try:
        for filename, stream in uploads:
            run.upload(filename, stream)
    finally:
        run.cleanup()
    return run.accepted, run.rejected


# -- display names -----------------------------------------------------------------------------

def display_name(raw: str | bytes | None) -> str:
    """A name safe to show: the last path component (``/`` or ``\\``), without control, format
    or surrogate characters, NFC-normalised, at most 200 characters (the suffix kept); ``未命名``
    when nothing is left."""
    if raw is None:
        return UNNAMED
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    base = _SEP.split(raw)[-1]
    base = unicodedata.normalize("NFC", "".join(
        ch for ch in base if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Zl", "Zp")))
    base = base.strip()
    if base in ("", ".", ".."):
        return UNNAMED
    if len(base) > MAX_NAME_CHARS:
        stem, dot, suffix = base.rpartition(".")
        if dot and stem and 0 < len(suffix) <= 16:
            base = base[:MAX_NAME_CHARS - len(suffix) - 1].rstrip() + "." + suffix
        else:
            base = base[:MAX_NAME_CHARS].rstrip()
    return base


def member_name(info: zipfile.ZipInfo) -> str:
    """A zip member's full name as its creator meant it: UTF-8 when flag 0x800 is set; otherwise
    zipfile's cp437 reading is undone and the bytes decoded as UTF-8 (macOS, 7-Zip) or GB18030/GBK
    (Chinese Windows), falling back to cp437."""
    name = info.filename
    if info.flag_bits & 0x800:
        return name
    try:
        raw = name.encode("cp437")
    except UnicodeEncodeError:
        return name
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return name


# -- the intake run ----------------------------------------------------------------------------

@dataclass
class _Intake:
    store: BlobStore
    limits: Limits
    accepted: list[Accepted] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    files_seen: int = 0
    total_bytes: int = 0
    stop: str | None = None  # once set, every remaining file is rejected with this reason
    created: set[str] = field(default_factory=set)  # blobs this run wrote
    first_by_hash: dict[str, str] = field(default_factory=dict)  # accepted sha -> label

    def upload(self, filename: str, stream: BinaryIO) -> None:
        name = display_name(filename)
        if self.stop is None and self.files_seen >= self.limits.max_files:
            self.stop = self._files_reason()
        if self.stop is not None:
            self.reject(name, self.stop)
            return
        head = _read_head(stream, 4)
        zip_like = head.startswith(b"PK")
        if not zip_like and not self.gate(name, None):
            return
        remaining = self.limits.max_total_bytes - self.total_bytes
        cap = self.limits.max_total_bytes if zip_like else min(self.limits.max_file_bytes, remaining)
        try:
            sha, size, created = self.store.put(_Prefixed(head, stream), cap)
        except IntakeError:
            if zip_like:
                self.reject(name, f"文件过大（超过 {size_text(cap)}），未处理")
            elif remaining < self.limits.max_file_bytes:
                self.stop = self._total_reason()
                self.reject(name, self.stop)
            else:
                self.reject(name, self._too_large(None))
            return
        if created:
            self.created.add(sha)
        path = self.store.path(sha)
        if zip_like and _is_archive(path):
            self.expand(name, path)
            return
        if zip_like and not self.gate(name, None):
            return
        self.file(name, None, sha, size)

    def expand(self, archive: str, path: Path) -> None:
        """List an archive's members, each stored and classified like an upload."""
        try:
            zf = zipfile.ZipFile(path)
        except _ZIP_OPEN_ERRORS as exc:
            self.reject(archive, f"压缩包已损坏，无法打开（{exc}）")
            return
        with zf:
            infos = zf.infolist()
            if len(infos) > self.limits.max_zip_members:
                self.reject(archive, f"压缩包内有 {len(infos)} 个条目，超过上限 {self.limits.max_zip_members} 个，"
                                     "疑似压缩炸弹；未解压")
                return
            listed = 0
            for info in infos:
                full = member_name(info)
                if _skip_member(info, full):
                    continue
                listed += 1
                self.member(zf, info, display_name(full), archive)
        if listed == 0:
            self.reject(archive, "压缩包中没有可审阅的文件")

    def member(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, archive: str) -> None:
        if not self.gate(name, archive):
            return
        if info.flag_bits & 0x1:
            self.reject(name, "已加密（zip 密码保护），无法解压；请提供未加密的文件", archive)
            return
        if (info.file_size > BOMB_FLOOR
                and info.file_size > self.limits.max_zip_ratio * max(info.compress_size, 1)):
            self.reject(name, f"压缩比异常（{size_text(info.compress_size)} 解压后 {size_text(info.file_size)}），"
                              "疑似压缩炸弹；未解压", archive)
            return
        if not self.fits(name, info.file_size, archive):
            return
        # zipfile never yields more than the declared file_size (and checks the CRC), so the
        # checks above bound what is written; the cap is a second line of defence
        cap = min(self.limits.max_file_bytes, self.limits.max_total_bytes - self.total_bytes)
        try:
            with _MemberReader(zf, info) as src:
                sha, size, created = self.store.put(src, cap)
        except IntakeError:
            self.reject(name, self._too_large(None), archive)
            return
        except _BadMember as exc:
            self.reject(name, f"无法解压，压缩包可能已损坏（{exc}）", archive)
            return
        if created:
            self.created.add(sha)
        if _is_archive(self.store.path(sha)):
            self.reject(name, "是压缩包中嵌套的压缩包，不予展开；请解压后上传其中的报告", archive)
            return
        self.file(name, archive, sha, size)

    def gate(self, name: str, archive: str | None) -> bool:
        """Count one more file; False (and the file rejected) once ``max_files`` is exceeded."""
        if self.stop is None and self.files_seen >= self.limits.max_files:
            self.stop = self._files_reason()
        if self.stop is not None:
            self.reject(name, self.stop, archive)
            return False
        self.files_seen += 1
        return True

    def fits(self, name: str, size: int, archive: str | None) -> bool:
        """False (and the file rejected) when ``size`` exceeds the per-file or remaining total
        limit; exceeding the total stops the upload."""
        if size > self.limits.max_file_bytes:
            self.reject(name, self._too_large(size), archive)
            return False
        if self.total_bytes + size > self.limits.max_total_bytes:
            self.stop = self._total_reason()
            self.reject(name, self.stop, archive)
            return False
        return True

    def file(self, name: str, archive: str | None, sha: str, size: int) -> None:
        """Classify a stored, counted file and accept or reject it."""
        if not self.fits(name, size, archive):
            return
        self.total_bytes += size
        if size == 0:
            self.reject(name, "文件为空", archive)
            return
        fmt, why = _classify(self.store.path(sha), name)
        if why is not None:
            self.reject(name, why, archive)
            return
        first = self.first_by_hash.get(sha)
        if first is not None:
            self.reject(name, f"与 {first} 内容相同", archive)
            return
        self.first_by_hash[sha] = _label(name, archive)
        self.accepted.append(Accepted(name=name, sha256=sha, size=size, format=fmt))

    def reject(self, name: str, why: str, archive: str | None = None) -> None:
        self.rejected.append(Rejected(name=name, reason=f"{_label(name, archive)}：{why}"))

    def cleanup(self) -> None:
        """Delete the blobs this run created that no accepted file uses (archives included)."""
        for sha in self.created - self.first_by_hash.keys():
            self.store.discard(sha)

    def _files_reason(self) -> str:
        return f"超过单次上传文件数上限（{self.limits.max_files} 个），未处理"

    def _total_reason(self) -> str:
        return f"超过单次上传总大小上限（{size_text(self.limits.max_total_bytes)}），未处理"

    def _too_large(self, size: int | None) -> str:
        limit = size_text(self.limits.max_file_bytes)
        if size is None:
            return f"文件过大（超过 {limit} 上限），未处理"
        return f"文件过大（{size_text(size)}，上限 {limit}），未处理"


# -- classification ----------------------------------------------------------------------------

def _classify(path: Path, name: str) -> tuple[str, str | None]:
    """``(format, None)`` for an accepted report, ``("", reason)`` otherwise."""
    with path.open("rb") as fh:
        head = fh.read(8)
    for magic, kind in _OTHER_ARCHIVES:
        if head.startswith(magic):
            return "", f"这是 {kind} 压缩包，仅支持 zip；请解压后上传其中的报告"
    try:
        fmt = sniff(path)
    except ReadError as exc:
        if "zip 压缩包" in exc.reason:  # an OOXML/ODF-looking package that is neither Word nor Excel
            return "", "这是 zip 格式的其他文档，不是 Word/Excel 文件，不支持"
        return "", exc.reason
    except _ZIP_OPEN_ERRORS as exc:
        return "", f"文件已损坏，无法识别格式（{exc}）"
    if fmt == "image":
        return "", "这是图片，不是报告文件；请上传 Word、Excel、PDF、RTF、HTML 或文本格式的报告"
    if fmt == "text":
        problem = _text_problem(path, name)
        if problem is not None:
            return "", f"不是可识别的报告格式（{problem}）"
    if fmt not in ACCEPTED_FORMATS:
        return "", f"不是可识别的报告格式（{fmt}）"
    return fmt, None


def _text_problem(path: Path, name: str) -> str | None:
    """None when ``path`` is text the text reader accepts: a UTF-8/UTF-16 BOM, else all of it
    UTF-8, else all of it GB18030; no NUL character; and a start that looks like Chinese text
    (readers.text's test). Otherwise the reason. Streams the file; memory stays bounded."""
    with path.open("rb") as fh:
        head = fh.read(4)
    boms = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
    bom = next(((len(b), enc) for b, enc in boms if head.startswith(b)), None)
    # readers.text decodes BOM text leniently (errors="replace") and the rest strictly
    tries = [(bom[0], bom[1], "replace")] if bom else [(0, "utf-8", "strict"), (0, "gb18030", "strict")]
    for skip, encoding, errors in tries:
        decoder = codecs.getincrementaldecoder(encoding)(errors)
        sample: list[str] = []
        sampled = 0
        try:
            with path.open("rb") as fh:
                fh.seek(skip)
                while True:
                    chunk = fh.read(CHUNK)
                    # without a BOM a NUL byte is a NUL character (UTF-8, GB18030): report it
                    # before a decoding error can hide it (UTF-16 without BOM, binaries)
                    if bom is None and b"\x00" in chunk:
                        return _nul_reason(path, name, False)
                    piece = decoder.decode(chunk, final=not chunk)
                    if "\x00" in piece:
                        return _nul_reason(path, name, bom is not None)
                    if sampled < 4000:
                        sample.append(piece)
                        sampled += len(piece)
                    if not chunk:
                        break
        except UnicodeDecodeError:
            continue
        try:
            # the reader's own verdict on the start of the text (emptiness, printable Chinese)
            text_reader.decode("".join(sample)[:4000].encode("utf-8"), name)
        except ReadError as exc:
            return exc.reason
        return None
    return "无法识别文本编码：既非 UTF-8/带 BOM 的 UTF-16，也非 GB18030/GBK"


def _nul_reason(path: Path, name: str, has_bom: bool) -> str:
    if not has_bom:
        with path.open("rb") as fh:
            head = fh.read(4096)
        if b"\x00" in head:  # then readers.text says whether this is UTF-16 without a BOM
            try:
                text_reader.decode(head, name)
            except ReadError as exc:
                return exc.reason
    return "含二进制内容（NUL 字节），不是文本文件"


def _is_archive(path: Path) -> bool:
    """A zip that is a plain archive: zip magic and no Office/OpenDocument package markers
    (sniff calls those docx/xlsx or names them odt/ppt). An unreadable zip is not an archive:
    sniff then reports it as damaged."""
    with path.open("rb") as fh:
        if fh.read(4) not in _ZIP_MAGIC:
            return False
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except _ZIP_OPEN_ERRORS:
        return False
    package = ("word/document.xml", "xl/workbook.xml", "[Content_Types].xml", "content.xml", "mimetype")
    return not any(n in names for n in package) and not any(n.startswith("ppt/") for n in names)


def _skip_member(info: zipfile.ZipInfo, full: str) -> bool:
    """Directories, macOS resource forks (``__MACOSX``), hidden files or files in hidden folders,
    Windows' Thumbs.db/desktop.ini and Office lock files (``~$…``)."""
    if info.is_dir() or full.endswith(("/", "\\")):
        return True
    parts = [p for p in _SEP.split(full) if p]
    if not parts:
        return True
    if any(p.startswith(".") and p not in (".", "..") for p in parts):
        return True
    if any(p.lower() in _JUNK_NAMES for p in parts):
        return True
    return parts[-1].startswith("~$")


# -- small helpers -----------------------------------------------------------------------------

class _Prefixed:
    """A read-only stream: ``head`` then the rest of ``stream``."""

    def __init__(self, head: bytes, stream: BinaryIO):
        self._head = head
        self._stream = stream

    def read(self, n: int = -1) -> bytes:
        if self._head:
            if n is None or n < 0:
                data, self._head = self._head + (self._stream.read() or b""), b""
                return data
            data, self._head = self._head[:n], self._head[n:]
            return data
        return self._stream.read(n) or b""


class _BadMember(Exception):
    """A zip member could not be read: corrupt archive data, not a failure of the store."""


class _MemberReader:
    """A zip member's data as a stream whose read errors (bad offsets, deflate errors, CRC
    mismatches, unsupported methods) all become :class:`_BadMember`, so that OSError from
    writing the blob stays distinguishable."""

    _ERRORS = _MEMBER_READ_ERRORS

    def __init__(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo):
        self._zf = zf
        self._info = info
        self._src: BinaryIO | None = None

    def __enter__(self) -> Self:
        try:
            self._src = self._zf.open(self._info)
        except self._ERRORS as exc:
            raise _BadMember(str(exc)) from exc
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._src is not None:
            with contextlib.suppress(*self._ERRORS):
                self._src.close()

    def read(self, n: int = -1) -> bytes:
        assert self._src is not None
        try:
            return self._src.read(n)
        except self._ERRORS as exc:
            raise _BadMember(str(exc)) from exc


def _read_head(stream: BinaryIO, n: int) -> bytes:
    head = b""
    while len(head) < n:
        chunk = stream.read(n - len(head))
        if not chunk:
            break
        head += chunk
    return head


def _label(name: str, archive: str | None) -> str:
    return name if archive is None else f"{name}（压缩包 {archive} 内）"
