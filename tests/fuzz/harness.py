"""Mutation fuzzing of the readers: seed files built from examples/ (tests/formats.py), mutated
by a plan of byte/zip/XML/number mutations, each case read in a forked child under a memory
limit and a time bound checked by the parent.

Outcomes: ``read`` (a Document), ``typed`` (ReadError), ``crash`` (any other exception escaping
a reader), ``hang`` (beyond the time bound), ``blowup`` (MemoryError or killed by the memory
limit). The readers are called without :func:`jixiao.readers.read`'s batch wrapper
(:func:`read_unwrapped`), so an exception a reader lets escape is seen as a crash.
"""

from __future__ import annotations

import io
import os
import pickle
import random
import resource
import select
import signal
import sys
import time
import traceback
import zipfile
from functools import cache
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))
EXAMPLE = TESTS.parent / "examples" / "project_2023_示例区图书馆免费开放.txt"
READERS = ("text", "docx", "xlsx", "html", "pdf")
TIME_BOUND = 10.0  # seconds per case
MEMORY_BUDGET = 1024 * 1024 * 1024  # bytes of address space a case may add


def read_unwrapped(path: Path):
    """:func:`jixiao.readers.read` without its catch-all (``_guarded``): the same dispatch by format."""
    from jixiao.readers import _read

    return _read(Path(path))


# ------------------------------------------------------------------------------------------
# seeds


@cache
def seed(reader: str) -> bytes:
    """The unmutated file for ``reader``, built from the example report."""
    import tempfile

    import formats

    from jixiao.readers.text import read_text

    doc = read_text(EXAMPLE)
    if reader == "text":
        return EXAMPLE.read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"seed.{reader}"
        if reader == "docx":
            formats.write_docx(doc, out)
        elif reader == "xlsx":
            formats.write_xlsx(doc, out, titles=True)
        elif reader == "html":
            formats.write_html(doc, out)
        elif reader == "pdf":
            return _seed_pdf()
        return out.read_bytes()


def _seed_pdf() -> bytes:
    from pdf_fixtures import minimal_pdf, text_op

    ops = b"".join(text_op(72, 780 - 16 * i, f"Line {i}: budget 120.00, executed 116.40, rate 97.00%") for i in range(20))
    grid = b"".join(b"72 %d 400 0 re S\n" % (400 - 20 * k) for k in range(6)) + \
        b"".join(b"%d 300 0 100 re S\n" % (72 + 100 * k) for k in range(5))
    cells = b"".join(text_op(76 + 100 * c, 385 - 20 * r, f"c{r}{c} {r * 10 + c}.5") for r in range(5) for c in range(4))
    return minimal_pdf([ops + grid + cells, ops])


# ------------------------------------------------------------------------------------------
# mutations: a plan is a list of (name, a, b) with a, b in [0, 1) choosing where and how much


def _at(data: bytes | bytearray, a: float) -> int:
    return min(len(data) - 1, int(a * len(data))) if data else 0


def flip(data: bytes, a: float, b: float) -> bytes:
    out = bytearray(data)
    if out:
        out[_at(out, a)] ^= 1 << int(b * 8)
    return bytes(out)


def garbage(data: bytes, a: float, b: float) -> bytes:
    i = _at(data, a)
    rnd = random.Random(int(b * 1e9))
    return data[:i] + bytes(rnd.randrange(256) for _ in range(1 + int(b * 64))) + data[i + 1 + int(b * 64):]


def truncate(data: bytes, a: float, b: float) -> bytes:
    return data[:max(1, _at(data, a))]


def repeat(data: bytes, a: float, b: float) -> bytes:
    """A slice repeated many times (long rows, many cells, big strings)."""
    i = _at(data, a)
    n = 1 + int(b * 200)
    chunk = data[i:i + n]
    return data[:i] + chunk * (1 + int(200_000 / max(1, n) * b)) + data[i:]


def huge_number(data: bytes, a: float, b: float) -> bytes:
    import re

    nums = [m for m in re.finditer(rb"\d+(?:\.\d+)?", data)]
    if not nums:
        return data
    m = nums[min(len(nums) - 1, int(a * len(nums)))]
    big = b"9" * (20 + int(b * 5000))
    return data[:m.start()] + big + data[m.end():]


def _zip_members(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return [(i, zf.read(i)) for i in zf.infolist()]
    except Exception:
        return None


def _rezip(members) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, body in members:
            zf.writestr(info.filename, body)
    return buf.getvalue()


def member_edit(data: bytes, a: float, b: float) -> bytes:
    """A zip member's XML edited: truncated, nested deep, a number made huge, an index made bad."""
    members = _zip_members(data)
    if not members:
        return flip(data, a, b)
    k = min(len(members) - 1, int(a * len(members)))
    info, body = members[k]
    how = int(b * 6)
    if how == 0:
        body = body[:int(b * len(body))]
    elif how == 1:  # nesting blown up inside the first element that has children
        depth = 100 + int(b * 3000)
        i = body.find(b"><", body.find(b"?>") + 2) + 1 or len(body) // 2
        body = body[:i] + b"<x>" * depth + b"</x>" * depth + body[i:]
    elif how == 2:
        body = huge_number(body, b, a)
    elif how == 3:  # an index or row number made bad, a number cell made no number
        for old, new in ((b'r="1"', b'r="0"'), (b"<v>0</v>", b"<v>-1</v>"), (b"<v>1</v>", b"<v>99999</v>"),
                         (b'w:val="2"', b'w:val="999999"'), (b'colspan="2"', b'colspan="99999"'),
                         (b"<v>8", b"<v>1,08"), (b"<v>9", b"<v>inf9"), (b"5</v>", b"5e999</v>")):
            body = body.replace(old, new, 1)
    elif how == 4:
        body = repeat(body, a, b)
    else:
        body = garbage(body, a, b)
    members[k] = (info, body)
    return _rezip(members)


def zip_header(data: bytes, a: float, b: float) -> bytes:
    """A local or central header field corrupted: CRC, compression method, sizes."""
    import struct

    out = bytearray(data)
    heads = [i for i in range(len(out) - 4) if out[i:i + 2] == b"PK" and out[i + 2:i + 4] in (b"\x03\x04", b"\x01\x02")]
    if not heads:
        return flip(data, a, b)
    h = heads[min(len(heads) - 1, int(a * len(heads)))]
    local = out[h + 2:h + 4] == b"\x03\x04"
    field = int(b * 4)
    off = {0: 14 if local else 16, 1: 8 if local else 10, 2: 18 if local else 20, 3: 22 if local else 24}[field]
    value = {0: 0xDEADBEEF, 1: 99, 2: 7, 3: 0x7FFFFFFF}[field]
    if field == 1:
        struct.pack_into("<H", out, h + off, value)
    elif h + off + 4 <= len(out):
        struct.pack_into("<I", out, h + off, value)
    return bytes(out)


def markup_edit(data: bytes, a: float, b: float) -> bytes:
    """Text formats: deep nesting, a charset made odd, a cell row made huge."""
    how = int(b * 4)
    i = _at(data, a)
    if how == 0:
        depth = 100 + int(b * 2000)
        return data[:i] + b"<table><tr><td>" * depth + b"x" + b"</td></tr></table>" * depth + data[i:]
    if how == 1:
        return data.replace(b'charset="utf-8"', b'charset="undefined"').replace(b"utf-8", b"undefined", 1)
    if how == 2:
        return data[:i] + b"\n\t" + b"\t\n".join([b"x"] * int(1 + b * 50_000)) + data[i:]
    return data[:i] + b"\xff\xfe\x80\x81" + data[i:]


def pdf_edit(data: bytes, a: float, b: float) -> bytes:
    """PDF: a huge string, a stream of zeros, deep arrays, a page tree loop, a broken page dict."""
    import zlib as _z

    how = int(b * 5)
    if how == 0:
        s = b"BT /F1 11 Tf 72 72 Td (" + b"A" * (100_000 + int(a * 2_000_000)) + b") Tj ET\n"
        return data.replace(b"stream\n", b"stream\n" + s, 1).replace(b"/Length ", b"/Length 9", 0)
    if how == 1:
        z = _z.compress(b"\0" * (1_000_000 + int(a * 50_000_000)))
        return data.replace(b"<< /Length", b"<< /Filter /FlateDecode /Length %d /X" % len(z), 1).replace(
            b"stream\n", b"stream\n" + z + b"\nendstream\nendobj\n%", 1)
    if how == 2:
        d = 100 + int(a * 5000)
        return data.replace(b"/MediaBox", b"/Junk " + b"[" * d + b"]" * d + b" /MediaBox", 1)
    if how == 3:
        return data.replace(b"/Kids [", b"/Kids [2 0 R ", 1)
    return data.replace(b"/MediaBox [0 0 595 842]", b"/MediaBox [0 0 (x) /Y]", 1)


MUTATORS = {"flip": flip, "garbage": garbage, "truncate": truncate, "repeat": repeat, "huge_number": huge_number,
            "member_edit": member_edit, "zip_header": zip_header, "markup_edit": markup_edit, "pdf_edit": pdf_edit}
FOR_READER = {
    "text": ("flip", "garbage", "truncate", "repeat", "huge_number", "markup_edit"),
    "docx": ("flip", "truncate", "member_edit", "member_edit", "zip_header"),
    "xlsx": ("flip", "truncate", "member_edit", "member_edit", "zip_header"),
    "html": ("flip", "garbage", "truncate", "repeat", "huge_number", "markup_edit", "markup_edit"),
    "pdf": ("flip", "garbage", "truncate", "huge_number", "pdf_edit", "pdf_edit"),
}


def random_plan(reader: str, rng: random.Random) -> list[tuple[str, float, float]]:
    names = FOR_READER[reader]
    return [(rng.choice(names), rng.random(), rng.random()) for _ in range(rng.choice((1, 1, 2, 3)))]


def mutate(reader: str, plan) -> bytes:
    data = seed(reader)
    for name, a, b in plan:
        data = MUTATORS[name](data, a, b)
    return data or b"\0"


# ------------------------------------------------------------------------------------------
# one case in a child process


def run_case(reader: str, plan, workdir: Path, time_bound: float = TIME_BOUND,
             memory: int = MEMORY_BUDGET) -> tuple[str, str]:
    """(outcome, detail) of reading the mutated file in a forked child (see the module doc)."""
    data = mutate(reader, plan)
    path = workdir / f"case.{ {'text': 'txt'}.get(reader, reader) }"
    path.write_bytes(data)
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(rfd)
        code = 0
        try:
            vm = _vm_size()
            resource.setrlimit(resource.RLIMIT_AS, (vm + memory, vm + memory))
            outcome = _read_one(path)
        except BaseException:  # noqa: BLE001 - reported to the parent
            outcome = ("crash", traceback.format_exc()[-2000:])
        try:
            os.write(wfd, pickle.dumps(outcome))
        except BaseException:
            code = 3
        os._exit(code)
    os.close(wfd)
    chunks: list[bytes] = []
    deadline = time.monotonic() + time_bound
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(rfd)
            return "hang", f"beyond {time_bound:.0f} s"
        ready, _, _ = select.select([rfd], [], [], left)
        if ready:
            chunk = os.read(rfd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    os.close(rfd)
    _, status = os.waitpid(pid, 0)
    if not chunks:
        sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
        return ("blowup" if sig in (signal.SIGKILL, signal.SIGSEGV, signal.SIGABRT) else "crash",
                f"child died (status {status})")
    return pickle.loads(b"".join(chunks))


def _read_one(path: Path) -> tuple[str, str]:
    from jixiao.readers import ReadError

    try:
        doc = read_unwrapped(path)
    except ReadError as exc:
        return "typed", exc.reason[:200]
    except MemoryError:
        return "blowup", "MemoryError"
    except BaseException:  # noqa: BLE001
        return "crash", traceback.format_exc()[-2000:]
    if doc is None or not hasattr(doc, "blocks"):
        return "crash", f"reader returned {type(doc).__name__}"
    return "read", f"{len(doc.blocks)} blocks, {len(doc.notes)} notes"


def _vm_size() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0
