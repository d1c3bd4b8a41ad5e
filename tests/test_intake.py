"""Upload intake (jixiao.web.intake): content-addressed storage, sniffing by content, zip
expansion with bomb/traversal/encoding handling, limits, duplicates, cleanup of rejected blobs."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path

import pytest

from jixiao.web.intake import (
    Accepted,
    BlobStore,
    IntakeError,
    Limits,
    Rejected,
    display_name,
    intake,
    member_name,
)

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256)) * 16


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stored_files(root: Path) -> set[str]:
    """Every file under ``root``, relative (temporary files included)."""
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def blob_layout(*hashes: str) -> set[str]:
    return {f"{h[:2]}/{h}" for h in hashes}


def run(uploads: list[tuple[str, bytes]], root: Path, limits: Limits | None = None):
    return intake([(name, io.BytesIO(data)) for name, data in uploads], BlobStore(root), limits or Limits())


def only(rejected: list[Rejected], name: str) -> Rejected:
    hits = [r for r in rejected if r.name == name]
    assert len(hits) == 1, rejected
    return hits[0]


def assert_accepted_stored(accepted: list[Accepted], root: Path) -> None:
    for a in accepted:
        blob = root / a.sha256[:2] / a.sha256
        assert blob.is_file()
        assert sha(blob.read_bytes()) == a.sha256
        assert blob.stat().st_size == a.size
    assert stored_files(root) == blob_layout(*(a.sha256 for a in accepted))  # nothing else left


@pytest.fixture
def seeds(seeds_dir) -> list[Path]:
    return sorted(seeds_dir.glob("*.txt"))


@pytest.fixture
def docx_bytes(tmp_path) -> bytes:
    from docx import Document

    doc = Document()
    doc.add_paragraph("2023年度部门整体支出绩效自评报告")
    table = doc.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "指标", "指标值"
    table.cell(1, 0).text, table.cell(1, 1).text = "完成率", "100%"
    path = tmp_path / "built.docx"
    doc.save(path)
    return path.read_bytes()


# -- plain uploads -----------------------------------------------------------------------------

def test_seeds_docx_and_encodings_accepted_by_content(tmp_path, seeds, docx_bytes):
    root = tmp_path / "store"
    text = seeds[0].read_text("utf-8")
    uploads = [
        (seeds[0].name, seeds[0].read_bytes()),
        ("报告.docx", docx_bytes),
        ("gbk报告.doc", text.encode("gb18030")),  # the suffix lies; the content is GBK text
        ("utf16.txt", b"\xff\xfe" + seeds[1].read_text("utf-8").encode("utf-16-le")),
        ("bom.txt", b"\xef\xbb\xbf" + seeds[2].read_bytes()),
    ]
    accepted, rejected = run(uploads, root)
    assert rejected == []
    assert [(a.name, a.format) for a in accepted] == [
        (seeds[0].name, "text"), ("报告.docx", "docx"), ("gbk报告.doc", "text"), ("utf16.txt", "text"),
        ("bom.txt", "text")]
    for a, (_, data) in zip(accepted, uploads):
        assert a.sha256 == sha(data)
        assert a.size == len(data)
    assert_accepted_stored(accepted, root)


def test_streams_from_real_files(tmp_path, seeds):
    root = tmp_path / "store"
    with seeds[3].open("rb") as f1, seeds[4].open("rb") as f2:
        accepted, rejected = intake([("C:\\Users\\x\\003.txt", f1), ("a/b/../004.txt", f2)], BlobStore(root))
    assert rejected == []
    assert [a.name for a in accepted] == ["003.txt", "004.txt"]
    assert [a.sha256 for a in accepted] == [sha(seeds[3].read_bytes()), sha(seeds[4].read_bytes())]
    assert_accepted_stored(accepted, root)


def test_binary_named_txt_is_rejected_and_deleted(tmp_path):
    root = tmp_path / "store"
    accepted, rejected = run([("report.txt", EXE), ("empty.txt", b""), ("english.txt", b"hello world\n" * 50)],
                             root)
    assert accepted == []
    assert only(rejected, "report.txt").reason.startswith("report.txt：不是可识别的报告格式")
    assert only(rejected, "empty.txt").reason == "empty.txt：文件为空"
    assert "不是可识别的报告格式" in only(rejected, "english.txt").reason
    assert stored_files(root) == set()


def test_utf16_without_bom_gets_the_readers_hint(tmp_path, seeds):
    root = tmp_path / "store"
    accepted, rejected = run([("u16.txt", seeds[0].read_text("utf-8").encode("utf-16-le"))], root)
    assert accepted == []
    assert "无 BOM 的 UTF-16" in only(rejected, "u16.txt").reason
    assert stored_files(root) == set()


def test_nul_after_the_first_block_is_still_binary(tmp_path, seeds):
    root = tmp_path / "store"
    data = seeds[0].read_bytes() + b"\x00\x01\x02"
    accepted, rejected = run([("late_nul.txt", data)], root)
    assert accepted == []
    assert "NUL" in only(rejected, "late_nul.txt").reason
    assert stored_files(root) == set()


def test_image_other_archive_odt_ppt_encrypted_rejected_with_reason(tmp_path, docx_bytes):
    root = tmp_path / "store"
    odt = io.BytesIO()
    with zipfile.ZipFile(odt, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", "<office:document-content/>")
    pptx = io.BytesIO()
    with zipfile.ZipFile(pptx, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("ppt/presentation.xml", "<p:presentation/>")
    uploads = [("scan.png", PNG), ("x.rar", b"Rar!\x1a\x07\x00" + b"\x01" * 100), ("a.odt", odt.getvalue()),
               ("b.pptx", pptx.getvalue())]
    try:
        from msoffcrypto.format.ooxml import OOXMLFile
    except ImportError:
        pass
    else:
        locked = io.BytesIO()
        OOXMLFile(io.BytesIO(docx_bytes)).encrypt("123456", locked)
        uploads.append(("locked.docx", locked.getvalue()))
    accepted, rejected = run(uploads, root)
    assert accepted == []
    assert "图片" in only(rejected, "scan.png").reason
    assert "RAR" in only(rejected, "x.rar").reason
    assert "OpenDocument" in only(rejected, "a.odt").reason
    assert "PowerPoint" in only(rejected, "b.pptx").reason
    if len(uploads) == 5:
        assert "密码" in only(rejected, "locked.docx").reason
    for r in rejected:
        assert r.reason.startswith(r.name + "：")
    assert stored_files(root) == set()


def test_duplicate_content_accepted_once(tmp_path, seeds):
    root = tmp_path / "store"
    data = seeds[0].read_bytes()
    accepted, rejected = run([("a.txt", data), ("b.txt", data), ("scan.png", PNG), ("scan2.png", PNG)], root)
    assert [a.name for a in accepted] == ["a.txt"]
    assert only(rejected, "b.txt").reason == "b.txt：与 a.txt 内容相同"
    assert "图片" in only(rejected, "scan2.png").reason
    assert_accepted_stored(accepted, root)


def test_rejected_blob_that_existed_before_is_kept(tmp_path):
    store = BlobStore(tmp_path / "store")
    h, _ = store.put_stream(io.BytesIO(PNG), 1000)
    accepted, rejected = intake([("scan.png", io.BytesIO(PNG))], store)
    assert accepted == [] and len(rejected) == 1
    assert store.exists(h)  # not this upload's to delete


# -- limits ------------------------------------------------------------------------------------

def test_oversize_file_rejected_without_storing(tmp_path, seeds):
    root = tmp_path / "store"
    big = seeds[1].read_bytes()
    small = "小报告，完成率100%。\n".encode()
    accepted, rejected = run([("big.txt", big), ("small.txt", small)], root, Limits(max_file_bytes=1000))
    assert [a.name for a in accepted] == ["small.txt"]
    reason = only(rejected, "big.txt").reason
    assert reason.startswith("big.txt：文件过大") and "1000 字节" in reason
    assert_accepted_stored(accepted, root)


def test_oversize_docx_rejected_after_sniffing(tmp_path, docx_bytes):
    root = tmp_path / "store"
    accepted, rejected = run([("大.docx", docx_bytes)], root, Limits(max_file_bytes=len(docx_bytes) - 1))
    assert accepted == []
    assert only(rejected, "大.docx").reason.startswith("大.docx：文件过大")
    assert stored_files(root) == set()


def test_max_files_rejects_the_rest_unread(tmp_path, seeds):
    root = tmp_path / "store"
    streams = [(p.name, io.BytesIO(p.read_bytes())) for p in seeds[:4]]
    accepted, rejected = intake(streams, BlobStore(root), Limits(max_files=2))
    assert [a.name for a in accepted] == [seeds[0].name, seeds[1].name]
    assert [r.name for r in rejected] == [seeds[2].name, seeds[3].name]
    for r in rejected:
        assert r.reason == f"{r.name}：超过单次上传文件数上限（2 个），未处理"
    assert streams[2][1].tell() == 0 and streams[3][1].tell() == 0
    assert_accepted_stored(accepted, root)


def test_max_files_counts_zip_members(tmp_path, seeds):
    root = tmp_path / "store"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in seeds[:3]:
            zf.write(p, p.name)
    accepted, rejected = run([("all.zip", archive.getvalue()), ("after.txt", seeds[4].read_bytes())], root,
                             Limits(max_files=2))
    assert [a.name for a in accepted] == [seeds[0].name, seeds[1].name]
    assert [r.name for r in rejected] == [seeds[2].name, "after.txt"]
    assert "压缩包 all.zip 内" in rejected[0].reason and "文件数上限" in rejected[0].reason
    assert_accepted_stored(accepted, root)


def test_max_total_bytes_rejects_the_rest(tmp_path, seeds):
    root = tmp_path / "store"
    sizes = [p.stat().st_size for p in seeds[:3]]
    limit = sizes[0] + sizes[1] - 1
    accepted, rejected = run([(p.name, p.read_bytes()) for p in seeds[:3]], root, Limits(max_total_bytes=limit))
    assert [a.name for a in accepted] == [seeds[0].name]
    assert [r.name for r in rejected] == [seeds[1].name, seeds[2].name]
    assert all("总大小上限" in r.reason and r.reason.startswith(r.name) for r in rejected)
    assert_accepted_stored(accepted, root)


# -- zip archives ------------------------------------------------------------------------------

def test_zip_expanded_with_traversal_name_and_junk(tmp_path, seeds):
    root = tmp_path / "store"
    outside = tmp_path / "outside"
    outside.mkdir()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(seeds[0], "报告/部门自评.txt")
        zf.write(seeds[1], "报告/项目自评.txt")
        zf.writestr(zipfile.ZipInfo("报告/空目录/"), b"")
        zf.writestr("../../evil.txt", seeds[2].read_bytes())
        zf.writestr("__MACOSX/报告/._部门自评.txt", b"\x00\x05\x16\x07junk")
        zf.writestr("报告/.DS_Store", b"\x00\x00\x00\x01Bud1")
        zf.writestr("报告/~$部门自评.docx", b"\x00lock")
    accepted, rejected = run([("上传.zip", archive.getvalue())], root / "a" / "b")
    assert rejected == []
    assert [(a.name, a.format) for a in accepted] == [("部门自评.txt", "text"), ("项目自评.txt", "text"),
                                                      ("evil.txt", "text")]
    assert [a.sha256 for a in accepted] == [sha(seeds[i].read_bytes()) for i in range(3)]
    assert_accepted_stored(accepted, root / "a" / "b")  # the archive blob itself was removed
    everything = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert everything == {f"store/a/b/{x}" for x in blob_layout(*(a.sha256 for a in accepted))}
    assert not list(outside.iterdir())


def test_zip_member_name_in_gbk_without_utf8_flag(tmp_path, seeds):
    root = tmp_path / "store"
    gbk = "绩效自评报告.txt".encode("gbk")
    placeholder = b"Q" * (len(gbk) - 4) + b".txt"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(placeholder.decode("ascii"), seeds[0].read_bytes())
    raw = archive.getvalue()
    assert raw.count(placeholder) == 2  # local header and central directory
    raw = raw.replace(placeholder, gbk)
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        info = zf.infolist()[0]
        assert not info.flag_bits & 0x800
        assert member_name(info) == "绩效自评报告.txt"
    accepted, rejected = run([("windows.zip", raw)], root)
    assert rejected == []
    assert [a.name for a in accepted] == ["绩效自评报告.txt"]
    assert_accepted_stored(accepted, root)


def test_zip_bomb_member_rejected_without_unpacking(tmp_path, seeds):
    root = tmp_path / "store"
    archive = io.BytesIO()
    zeros = bytes(1024 * 1024)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(seeds[0], "ok.txt")
        with zf.open("zeros.txt", "w", force_zip64=True) as member:
            for _ in range(200):
                member.write(zeros)
    assert archive.tell() < 1024 * 1024  # 200 MB of zeros, compressed
    accepted, rejected = run([("bomb.zip", archive.getvalue())], root)
    assert [a.name for a in accepted] == ["ok.txt"]
    reason = only(rejected, "zeros.txt").reason
    assert reason.startswith("zeros.txt（压缩包 bomb.zip 内）：") and "压缩炸弹" in reason
    assert_accepted_stored(accepted, root)


def test_zip_member_over_file_limit_and_too_many_members(tmp_path, seeds):
    root = tmp_path / "store"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(seeds[1], "big.txt")
        zf.writestr("small.txt", "小报告，完成率100%。\n")
    accepted, rejected = run([("a.zip", archive.getvalue())], root, Limits(max_file_bytes=1000))
    assert [a.name for a in accepted] == ["small.txt"]
    assert "文件过大" in only(rejected, "big.txt").reason
    accepted, rejected = run([("a.zip", archive.getvalue())], root, Limits(max_zip_members=1))
    assert accepted == []
    assert "条目" in only(rejected, "a.zip").reason
    assert stored_files(root) == blob_layout(sha("小报告，完成率100%。\n".encode()))  # from the first run


def test_nested_zip_docx_member_and_empty_archive(tmp_path, seeds, docx_bytes):
    root = tmp_path / "store"
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.write(seeds[0], "inner.txt")
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("inner.zip", inner.getvalue())
        zf.writestr("自评.docx", docx_bytes)
        zf.writestr("dup.docx", docx_bytes)
    empty = io.BytesIO()
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr(zipfile.ZipInfo("only/dir/"), b"")
    accepted, rejected = run([("outer.zip", outer.getvalue()), ("empty.zip", empty.getvalue()),
                              ("broken.zip", outer.getvalue()[:200])], root)
    assert [(a.name, a.format) for a in accepted] == [("自评.docx", "docx")]
    assert "嵌套的压缩包" in only(rejected, "inner.zip").reason
    assert only(rejected, "dup.docx").reason == "dup.docx（压缩包 outer.zip 内）：与 自评.docx（压缩包 outer.zip 内） 内容相同"
    assert "没有可审阅的文件" in only(rejected, "empty.zip").reason
    assert "损坏" in only(rejected, "broken.zip").reason
    assert_accepted_stored(accepted, root)


# -- BlobStore and names -----------------------------------------------------------------------

def test_blob_store(tmp_path):
    store = BlobStore(tmp_path / "new" / "root")
    data = "报告".encode() * 1000
    h, size = store.put_stream(io.BytesIO(data), len(data))
    assert (h, size) == (sha(data), len(data))
    assert store.path(h) == tmp_path / "new" / "root" / h[:2] / h
    assert store.exists(h) and store.path(h).read_bytes() == data
    assert store.put_stream(io.BytesIO(data), len(data)) == (h, size)  # idempotent
    with pytest.raises(IntakeError):
        store.put_stream(io.BytesIO(data), len(data) - 1)
    assert stored_files(store.root) == blob_layout(h)  # no temporary file left
    for bad in ("", h.upper(), h[:-1], "../" + h[3:], h + "0"):
        with pytest.raises(ValueError):
            store.path(bad)
    with pytest.raises(ValueError):
        store.exists("x" * 64)
    assert store.put_stream(io.BytesIO(b""), 0) == (sha(b""), 0)


def test_failing_stream_leaves_no_temp_file(tmp_path):
    class Broken(io.RawIOBase):
        def readable(self):
            return True

        def readinto(self, b):
            raise OSError(5, "connection reset")

    store = BlobStore(tmp_path)
    with pytest.raises(OSError):
        store.put_stream(Broken(), 100)
    assert stored_files(tmp_path) == set()


@pytest.mark.parametrize(("raw", "expected"), [
    ("C:\\Users\\张三\\报告.docx", "报告.docx"),
    ("../../etc/passwd", "passwd"),
    ("a\x00b\x1b[31m\u202ec.txt", "ab[31mc.txt"),
    ("dir/", "未命名"),
    ("..", "未命名"),
    ("", "未命名"),
    (None, "未命名"),
    ("  \t ", "未命名"),
])
def test_display_name(raw, expected):
    assert display_name(raw) == expected


def test_display_name_is_limited_and_keeps_the_suffix():
    name = display_name("长" * 500 + ".docx")
    assert len(name) == 200 and name.endswith("长.docx")
    assert len(display_name("x" * 500)) == 200
    assert re.fullmatch(r"[^/\\]+", display_name("a/b\\c"))
