"""Legacy Word files (.doc, .wps, .rtf) through LibreOffice headless, then the .docx reader.

LibreOffice starts in 1–3 s, so a batch converts all its legacy files in **one** soffice call
(:func:`converted`, used by :func:`jixiao.batch.run`); a single file read on its own is
converted alone. Inputs are copied into a private temporary folder first, so nothing (not even a
LibreOffice lock file) is ever written next to the user's files; the temporary folder, with its
own LibreOffice profile, is removed afterwards.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path
from typing import Iterable, Iterator

from .document import Document, ReadError

INSTALL_HINT = ("读取 .doc/.wps/.rtf 需要 LibreOffice，但本机未安装。请安装后重试："
                "Debian/Ubuntu 上运行 `sudo apt-get install libreoffice-writer-nogui`，"
                "或在 Word/WPS 中另存为 .docx")
TIMEOUT_FIRST = 120  # seconds: starting LibreOffice cold
TIMEOUT_PER_FILE = 30

_cache: dict[str, Path | None] = {}  # original path → converted .docx (inside an open batch)


def soffice() -> str | None:
    """Path of the LibreOffice binary, or None."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return None


def convert(paths: Iterable[Path], to: str, outdir: Path) -> dict[Path, Path | None]:
    """Convert ``paths`` to format ``to`` (``docx``, ``pdf``, ``xlsx``, ``doc`` …) with one
    LibreOffice run; returns {input: output path, or None when that file failed}. Inputs are
    copied into ``outdir`` first (under numbered names) and never touched. Raises ReadError
    (naming the first file) when LibreOffice is absent or the run times out."""
    paths = list(paths)
    if not paths:
        return {}
    binary = soffice()
    if binary is None:
        raise ReadError(str(paths[0]), INSTALL_HINT)
    src_dir, out_dir = outdir / "in", outdir / "out"
    src_dir.mkdir(parents=True, exist_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    copies: dict[Path, Path] = {}
    for i, p in enumerate(paths):
        copy = src_dir / f"f{i:05d}{p.suffix.lower() or '.bin'}"
        shutil.copyfile(p, copy)
        copies[p] = copy
    profile = (outdir / "profile").resolve().as_uri()
    cmd = [binary, "--headless", "--norestore", "--nolockcheck", "--nodefault", f"-env:UserInstallation={profile}",
           "--convert-to", to, "--outdir", str(out_dir), *map(str, copies.values())]
    env = dict(os.environ, HOME=str(outdir))  # LibreOffice writes under $HOME when it can
    try:
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False,
                       timeout=TIMEOUT_FIRST + TIMEOUT_PER_FILE * len(paths))
    except subprocess.TimeoutExpired:
        raise ReadError(str(paths[0]), "LibreOffice 转换超时（文件可能已损坏、受密码保护或过于复杂）") from None
    ext = to.split(":")[0]
    out: dict[Path, Path | None] = {}
    for p, copy in copies.items():
        target = out_dir / f"{copy.stem}.{ext}"
        out[p] = target if target.exists() and target.stat().st_size > 0 else None
    return out


@contextlib.contextmanager
def converted(paths: Iterable[Path]) -> Iterator[None]:
    """Within this block, :func:`read_via_office` finds ``paths`` already converted (one
    LibreOffice run for all of them). Files LibreOffice is absent for are left to fail one by
    one with the install hint."""
    paths = [Path(p) for p in paths]
    if not paths or soffice() is None:
        yield
        return
    with tempfile.TemporaryDirectory(prefix="jixiao-lo-") as tmp:
        try:
            result = convert(paths, "docx", Path(tmp))
        except ReadError:
            result = {}
        for p, out in result.items():
            _cache[str(p)] = out
        try:
            yield
        finally:
            for p in result:
                _cache.pop(str(p), None)


def read_via_office(path: Path, fmt: str) -> Document:
    """Read a .doc/.wps/.rtf: refuse an encrypted Word file, convert to .docx with LibreOffice
    (or take the batch's conversion), read that with the .docx reader. The Document keeps the
    original path and ``format`` (``doc`` or ``rtf``)."""
    from .docx import read_docx

    if fmt == "doc" and _word_encrypted(path):
        raise ReadError(str(path), "文件受密码保护（已加密），无法读取；请提供未加密的文件")
    key = str(path)
    if key in _cache:
        target = _cache[key]
        if target is None:
            raise ReadError(str(path), "LibreOffice 无法转换此文件（可能已损坏或受密码保护）")
        return _finish(read_docx(target), path, fmt)
    if soffice() is None:
        raise ReadError(str(path), INSTALL_HINT)
    with tempfile.TemporaryDirectory(prefix="jixiao-lo-") as tmp:
        target = convert([path], "docx", Path(tmp))[path]
        if target is None:
            raise ReadError(str(path), "LibreOffice 无法转换此文件（可能已损坏或受密码保护）")
        return _finish(read_docx(target), path, fmt)


def _finish(doc: Document, path: Path, fmt: str) -> Document:
    doc.path, doc.format, doc.encoding = str(path), fmt, fmt
    return doc


def _word_encrypted(path: Path) -> bool:
    """The FIB's fEncrypted flag (bit 8 of the flags word at offset 10 of the WordDocument
    stream; [MS-DOC] 2.5.2)."""
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            if not ole.exists("WordDocument"):
                return False
            head = ole.openstream("WordDocument").read(12)
    except (OSError, ValueError):
        return False
    return len(head) >= 12 and bool(struct.unpack_from("<H", head, 10)[0] & 0x0100)
