"""Guards every binary reader goes through: file size, zip containers (bombs, encryption,
corruption) and XML parsing without entities or network (XXE).

All failures raise :class:`ReadError` naming the file and the reason in Chinese, before any
large allocation, so a hostile file costs bounded time and memory and a batch goes on.
"""

from __future__ import annotations

import zipfile
import zlib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from .document import ReadError

if TYPE_CHECKING:
    from lxml import etree

MAX_FILE_BYTES = 100 * 1024 * 1024  # no report is this large; refuse before reading it
MAX_ZIP_MEMBERS = 5000
MAX_UNZIPPED_BYTES = 300 * 1024 * 1024  # declared total of all members
MAX_PART_BYTES = 64 * 1024 * 1024  # one XML part (document.xml, a worksheet)
MAX_RATIO = 200  # compression ratio above which a member of more than 1 MB is a bomb


def check_size(path: Path, limit: int = MAX_FILE_BYTES) -> int:
    """The file's size in bytes; ReadError when it cannot be opened or exceeds ``limit``."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ReadError(str(path), f"无法打开文件：{exc.strerror or exc}") from None
    if size > limit:
        raise ReadError(str(path), f"文件过大（{size / 1024 / 1024:.0f} MB，上限 {limit // 1024 // 1024} MB），"
                                   "不像一份绩效自评报告；未读取")
    if size == 0:
        raise ReadError(str(path), "文件为空")
    return size


def open_zip(path: Path) -> zipfile.ZipFile:
    """Open an OOXML container after checking it is a sound, unencrypted, non-bomb zip."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise ReadError(str(path), "文件已损坏：不是完整的 zip 容器（.docx/.xlsx 本质是 zip），可能下载或拷贝不完整") from None
    except NotImplementedError as exc:  # a zip feature Python cannot read, e.g. "zip file version 25.5"
        raise ReadError(str(path), f"文件已损坏或使用了不支持的 zip 格式（{exc}）") from None
    except OSError as exc:
        raise ReadError(str(path), f"无法打开文件：{exc.strerror or exc}") from None
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_MEMBERS:
        zf.close()
        raise ReadError(str(path), f"zip 容器内有 {len(infos)} 个部件，超出上限，疑似压缩炸弹；未读取")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            zf.close()
            raise ReadError(str(path), "文件已加密（zip 加密），请提供未加密的文件")
        total += info.file_size
        if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            zf.close()
            raise ReadError(str(path), f"部件 {info.filename} 压缩比异常（{info.compress_size} → {info.file_size} 字节），"
                                       "疑似压缩炸弹；未读取")
    if total > MAX_UNZIPPED_BYTES:
        zf.close()
        raise ReadError(str(path), f"解压后共 {total / 1024 / 1024:.0f} MB，超出上限，疑似压缩炸弹；未读取")
    return zf


def read_part(zf: zipfile.ZipFile, name: str, path: Path, limit: int = MAX_PART_BYTES) -> bytes:
    """One member's bytes, reading at most ``limit`` bytes whatever the header claims."""
    try:
        with zf.open(name) as fh:
            data = fh.read(limit + 1)
    except KeyError:
        raise ReadError(str(path), f"文件结构不完整：缺少 {name}") from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error) as exc:  # CRC, truncated, bad deflate
        raise ReadError(str(path), f"文件已损坏：{name} 无法解压（{exc}）") from None
    except NotImplementedError as exc:  # an unknown compression method
        raise ReadError(str(path), f"{name} 使用了不支持的压缩方式，无法解压（{exc}）") from None
    if len(data) > limit:
        raise ReadError(str(path), f"{name} 解压后超过 {limit // 1024 // 1024} MB，疑似压缩炸弹；未读取")
    return data


@cache
def _parser() -> etree.XMLParser:
    """The one XML parser (lxml imported on first use: a text report never needs it)."""
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           remove_comments=True, remove_pis=True)


def parse_xml(data: bytes, path: Path, part: str) -> etree._Element:
    """Parse one XML part with no DTD, no entity expansion and no network access. A part that
    declares a DOCTYPE (the carrier of XXE and billion-laughs attacks; OOXML never needs one) is
    refused."""
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in head or b"<\x00!\x00d\x00o\x00c" in head:
        raise ReadError(str(path), f"{part} 含 DOCTYPE/实体声明（可能是 XXE 攻击），拒绝读取")
    from lxml import etree

    try:
        return etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        msg = exc.msg if hasattr(exc, "msg") else str(exc)
        if "Excessive depth" in msg:  # libxml2's bound, kept (huge_tree=False): no report nests so deep
            from .limits import XML_MAX_DEPTH

            raise ReadError(str(path), f"{part} 的元素嵌套超过 {XML_MAX_DEPTH} 层（例如表格中套表格数十层），"
                                       "不像一份正常的报告；未读取") from None
        raise ReadError(str(path), f"文件已损坏：{part} 不是合法的 XML（{msg}）") from None


def check_parts_for_doctype(zf: zipfile.ZipFile, path: Path) -> None:
    """Refuse a container where any XML part declares a DOCTYPE (for readers, like openpyxl,
    whose own parsing we do not control)."""
    for info in zf.infolist():
        if info.filename.endswith((".xml", ".rels", ".vml")):
            try:
                with zf.open(info) as fh:
                    head = fh.read(4096).lower()
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error, NotImplementedError):
                continue  # unreadable: a part we need says so when it is read (read_part), one we do not, nothing
            if b"<!doctype" in head or b"<!entity" in head:
                raise ReadError(str(path), f"{info.filename} 含 DOCTYPE/实体声明（可能是 XXE 攻击），拒绝读取")
