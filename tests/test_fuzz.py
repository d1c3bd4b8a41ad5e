"""Mutation fuzzing of every reader, small budget for CI (``make fuzz`` runs the long version):
each mutated fixture (built from examples/ by tests/formats.py, mutated by a plan drawn by
hypothesis, derandomized) must give a Document or a ReadError, in a forked child with a memory
limit, within the harness's time bound (a case beyond it is a hang and fails with its plan).

The regression tests below build, in the test, each hostile file found (issue 14)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "fuzz"))
import harness

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CASES = {"text": 25, "docx": 25, "xlsx": 25, "html": 25, "pdf": 12}


def plans(reader: str):
    unit = st.floats(0, 1, exclude_max=True, allow_nan=False)
    return st.lists(st.tuples(st.sampled_from(harness.FOR_READER[reader]), unit, unit), min_size=1, max_size=3)


@pytest.mark.parametrize("reader", harness.READERS)
def test_mutated_files_give_a_document_or_a_read_error(reader, tmp_path_factory):
    harness.seed(reader)  # built before the children fork
    workdir = tmp_path_factory.mktemp(f"fuzz-{reader}")

    @settings(max_examples=CASES[reader], derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(plan=plans(reader))
    def case(plan):
        outcome, detail = harness.run_case(reader, plan, workdir)
        assert outcome in ("read", "typed"), f"{reader} {outcome} for plan {plan}:\n{detail}"

    case()


@pytest.mark.parametrize("reader", harness.READERS)
def test_unmutated_seed_is_read(reader, tmp_path):
    """The seeds themselves read back (else every mutation would only test the refusal)."""
    outcome, detail = harness.run_case(reader, [], tmp_path)
    assert outcome == "read", detail
