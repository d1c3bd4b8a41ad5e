"""Instructions per .docx review, counted by valgrind: a measure a busy or shared machine does not move.

Wall-clock ratios on this machine vary by up to 40% from one minute to the next (other jobs, a shared
host), which hides a 5% change. valgrind's callgrind counts the instructions executed instead: run the
same loop of ``review_file`` over the .docx fixtures with 0 and with ``N`` rounds, and the difference
divided by ``N`` × files is the cost of one review, start-up and imports excluded. Both loops run, after
their warm-up, with the garbage-collector settings of a batch worker (``gc.freeze()`` and
``batch.GC_THRESHOLD``, as :func:`jixiao.batch._adopt_conversions` sets them), the same for docling. With ``--docling
PYTHON`` (a venv that has docling, see bench_readers.bench_docling) docling's
``DocumentConverter().convert`` on the same files is counted the same way, and the ratio printed.

    .venv/bin/python bench/bench_instructions.py [--rounds N] [--docling /path/to/venv/bin/python]

About 1 minute for jixiao (valgrind runs Python some 50× slower), 3 for docling. Needs valgrind
(Debian's ``valgrind``); prints why and exits 0 without it. A benchmark, never a test.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "tests")]

LOOP = {
    "jixiao": """
import gc, sys
from pathlib import Path
from jixiao.batch import GC_THRESHOLD
from jixiao.review import review_file
files = sorted(Path(sys.argv[1]).glob("*.docx"))
for f in files: review_file(f)
gc.freeze(); gc.set_threshold(*GC_THRESHOLD)
for _ in range(int(sys.argv[2])):
    for f in files: review_file(f)
""",
    "docling": """
import gc, sys, warnings
warnings.filterwarnings("ignore")
from pathlib import Path
from docling.document_converter import DocumentConverter
from jixiao.batch import GC_THRESHOLD
files = sorted(Path(sys.argv[1]).glob("*.docx"))
conv = DocumentConverter()
for f in files: conv.convert(str(f))
gc.freeze(); gc.set_threshold(*GC_THRESHOLD)
for _ in range(int(sys.argv[2])):
    for f in files: conv.convert(str(f))
""",
}


def instructions(python: str, loop: str, folder: Path, rounds: int) -> int:
    """Instructions valgrind counted for ``loop`` run by ``python`` over ``folder`` for ``rounds``."""
    script = folder / "loop.py"
    script.write_text(loop, "utf-8")
    got = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", python, str(script),
                          str(folder), str(rounds)], capture_output=True, text=True, check=True)
    return int(re.search(r"Collected : (\d+)", got.stderr).group(1))


def per_review(python: str, loop: str, folder: Path, files: int, rounds: int) -> float:
    return (instructions(python, loop, folder, rounds) - instructions(python, loop, folder, 0)) / (rounds * files)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--docling", help="a Python that can import docling (and jixiao)")
    args = ap.parse_args()
    if shutil.which("valgrind") is None:
        print("valgrind not installed (apt-get install valgrind): instruction counts skipped")
        return
    from bench_readers import sources
    from formats import write_docx

    from jixiao.readers import read

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i, src in enumerate(sources()):
            write_docx(read(src), folder / f"{i:02d}_{src.stem[:16]}.docx")
        files = len(list(folder.glob("*.docx")))
        ours = per_review(sys.executable, LOOP["jixiao"], folder, files, args.rounds)
        print(f"jixiao review_file: {ours / 1e6:.1f} M instructions per .docx ({files} files, {args.rounds} rounds)")
        if args.docling:
            theirs = per_review(args.docling, LOOP["docling"], folder, files, max(1, args.rounds // 3))
            print(f"docling DocumentConverter().convert: {theirs / 1e6:.1f} M instructions per .docx; "
                  f"docling / jixiao = {theirs / ours:.1f}× (arithmetic means; target >= 10×)")


if __name__ == "__main__":
    main()
