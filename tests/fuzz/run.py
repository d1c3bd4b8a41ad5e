"""``make fuzz``: long mutation runs of every reader (see :mod:`harness`).

    python tests/fuzz/run.py [--cases 5000] [--readers text,docx,...] [--seed 0] [--time-bound 10]

Prints per reader: cases / read / typed errors / crashes / hangs / memory blow-ups, and for each
failing case its reader, seed and plan (re-run one with ``--readers R --seed S --cases 1``).
Exit code 1 when any case crashed, hung or blew up."""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=5000)
    ap.add_argument("--readers", default=",".join(harness.READERS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--time-bound", type=float, default=harness.TIME_BOUND)
    args = ap.parse_args()
    bad: list[str] = []
    rows = []
    with tempfile.TemporaryDirectory(prefix="jixiao-fuzz-") as tmp:
        for reader in args.readers.split(","):
            harness.seed(reader)  # built once, before the children fork
            counts = dict.fromkeys(("read", "typed", "crash", "hang", "blowup"), 0)
            start = time.monotonic()
            for k in range(args.cases):
                s = args.seed + k
                plan = harness.random_plan(reader, random.Random(f"{reader}:{s}"))
                outcome, detail = harness.run_case(reader, plan, Path(tmp), args.time_bound)
                counts[outcome] += 1
                if outcome in ("crash", "hang", "blowup"):
                    bad.append(f"{reader} seed {s} {outcome}: plan {plan}\n{detail}")
            rows.append((reader, args.cases, counts, time.monotonic() - start))
            print(f"{reader}: done in {rows[-1][3]:.0f} s", file=sys.stderr, flush=True)
    print(f"{'reader':8} {'cases':>6} {'read':>6} {'typed':>6} {'crashes':>8} {'hangs':>6} {'blow-ups':>9} {'s':>6}")
    for reader, n, c, secs in rows:
        print(f"{reader:8} {n:6d} {c['read']:6d} {c['typed']:6d} {c['crash']:8d} {c['hang']:6d} {c['blowup']:9d} {secs:6.0f}")
    for line in bad:
        print(line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
