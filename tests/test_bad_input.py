"""Hostile and broken input: each gives a ReadError naming the file and the reason, before any
large allocation; a batch goes on; nothing is written next to the user's files."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from jixiao.readers import ReadError, read
from ooxml import CONTENT_TYPES, INDICATORS, NS, p, write_docx

CLEAN = Path(__file__).resolve().parents[1] / "examples" / "clean_2024_示例区文化馆.txt"


def test_corrupt_docx(tmp_path):
    good = tmp_path / "good.docx"
    write_docx(good, p("x" * 2000) + INDICATORS)
    bad = tmp_path / "bad.docx"
    bad.write_bytes(good.read_bytes()[:300])
    with pytest.raises(ReadError, match="损坏"):
        read(bad)


def test_docx_without_document_part(tmp_path):
    path = tmp_path / "x.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("word/styles.xml", "<x/>")
    with pytest.raises(ReadError, match="zip 压缩包"):  # no word/document.xml: not a Word file
        read(path)


def _patched(good: Path, out: Path, header: bytes, offset: int, value: int) -> Path:
    """``good`` with a 2-byte field at ``offset`` of every ``header`` record set to ``value``."""
    import struct

    data = bytearray(good.read_bytes())
    at = data.find(header)
    while at >= 0:
        data[at + offset:at + offset + 2] = struct.pack("<H", value)
        at = data.find(header, at + 4)
    out.write_bytes(bytes(data))
    return out


@pytest.mark.parametrize("what, header, offset, message", [
    ("compression method 99", b"PK\x03\x04", 8, "不支持的压缩方式"),  # and the central directory's, below
    ("version needed 25.5", b"PK\x01\x02", 6, "不支持的 zip 格式"),
])
def test_zip_features_python_cannot_read_are_a_read_error(tmp_path, what, header, offset, message):
    """zipfile raises NotImplementedError for these; a batch must get a ReadError naming the file."""
    good = tmp_path / "good.docx"
    write_docx(good, p("x" * 2000) + INDICATORS)
    bad = _patched(good, tmp_path / "bad.docx", header, offset, 99 if offset == 8 else 0xFF)
    if offset == 8:
        bad = _patched(bad, bad, b"PK\x01\x02", 10, 99)
    with pytest.raises(ReadError, match=message) as err:
        read(bad)
    assert "bad.docx" in str(err.value), what


def test_zip_bomb_posing_as_docx(tmp_path):
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        with zf.open("word/document.xml", "w") as fh:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(400):  # 400 MB of zeros, ~400 KB compressed
                fh.write(chunk)
    assert path.stat().st_size < 2 * 1024 * 1024
    with pytest.raises(ReadError, match="压缩炸弹"):
        read(path)


def test_xml_with_external_entities_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("机密")
    xml = (f'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY x SYSTEM "file://{secret}">]>'
           f'<w:document {NS}><w:body>{p("&x;")}</w:body></w:document>')
    path = tmp_path / "xxe.docx"
    write_docx(path, "", document=xml)
    with pytest.raises(ReadError, match="XXE"):
        read(path)


def encrypted(plain: Path) -> Path:
    """``plain`` encrypted with a password, as Office does (an OLE file holding EncryptedPackage)."""
    pytest.importorskip("msoffcrypto", reason="msoffcrypto-tool makes the encrypted fixture")
    from msoffcrypto.format.ooxml import OOXMLFile

    locked = plain.with_name("locked" + plain.suffix)
    with plain.open("rb") as src, locked.open("wb") as dst:
        OOXMLFile(src).encrypt("123456", dst)
    return locked


def test_password_protected_docx(tmp_path):
    plain = tmp_path / "plain.docx"
    write_docx(plain, INDICATORS)
    with pytest.raises(ReadError, match="密码"):
        read(encrypted(plain))


def test_huge_file_is_refused_without_reading(tmp_path):
    path = tmp_path / "huge.pdf"
    with path.open("wb") as fh:  # sparse: 200 MB on paper, nothing on disk
        fh.truncate(200 * 1024 * 1024)
    with pytest.raises(ReadError, match="过大"):
        read(path)


def test_suffix_does_not_decide(tmp_path):
    path = tmp_path / "报告.txt"
    write_docx(path, INDICATORS)
    assert read(path).format == "docx"


def test_password_protected_xlsx(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = "项目支出绩效自评表"
    plain = tmp_path / "plain.xlsx"
    wb.save(plain)
    with pytest.raises(ReadError, match="密码"):
        read(encrypted(plain))


def test_other_zip_is_not_taken_for_a_report(tmp_path):
    path = tmp_path / "材料.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("报告.txt", "x")
    with pytest.raises(ReadError, match="解压"):
        read(path)


def hostile_folder(folder: Path) -> dict[str, str]:
    """One file of each kind of bad input, and the reason each must give."""
    folder.mkdir()
    bomb = folder / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("word/document.xml", b"<" + b"\0" * (300 * 1024 * 1024))
    xxe = folder / "xxe.docx"
    write_docx(xxe, "", document=f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "a"><!ENTITY b "&a;&a;&a;">]>'
                                 f'<w:document {NS}><w:body>{p("&b;")}</w:body></w:document>')
    corrupt = folder / "corrupt.docx"
    write_docx(corrupt, p("x" * 3000) + INDICATORS)
    corrupt.write_bytes(corrupt.read_bytes()[:-200])
    huge = folder / "huge.pdf"
    with huge.open("wb") as fh:
        fh.truncate(200 * 1024 * 1024)
    fake = folder / "fake.pdf"
    fake.write_text("这不是 PDF", "utf-8")
    (folder / CLEAN.name).write_bytes(CLEAN.read_bytes())
    return {"bomb.docx": "压缩炸弹", "xxe.docx": "XXE", "corrupt.docx": "损坏", "huge.pdf": "过大"}


def test_hostile_batch_goes_on_and_leaves_the_folder_untouched(tmp_path):
    from typer.testing import CliRunner

    from jixiao.cli import app

    folder = tmp_path / "提交材料"
    reasons = hostile_folder(folder)
    before = {q: q.stat().st_mtime_ns for q in folder.iterdir()}
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["review", str(folder), "-o", str(out)])
    assert result.exit_code == 1, result.output  # some files unreadable
    records = {Path(r["source"]).name: r for r in map(json.loads, (out / "records.jsonl").read_text("utf-8").splitlines())}
    for name, reason in reasons.items():
        assert reason in records[name]["error"] and name in records[name]["error"], records[name]["error"]
        assert records[name]["report"] is None
    assert records[CLEAN.name]["error"] is None and records[CLEAN.name]["format"] == "text"
    assert records["fake.pdf"]["format"] == "text"  # content decides: a text file named .pdf is read as text
    assert {q: q.stat().st_mtime_ns for q in folder.iterdir()} == before
