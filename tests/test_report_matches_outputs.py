"""The committed outputs and reports/course-cpu.md come from one quiet run, so they must agree.

A throughput or wall time in a notebook that is more than 2x away from the report's figure for that
notebook means one of them was made separately (or on a busy machine) and a learner would read a
wrong number.
"""
import csv
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import course_report  # noqa: E402

REPORT = ROOT / "reports" / "course-cpu.csv"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MAX_RATIO = 2.0


def report_rows() -> dict[str, dict]:
    with open(REPORT, newline="") as f:
        return {row["notebook"]: row for row in csv.DictReader(f)}


def within(a: float, b: float) -> bool:
    return max(a, b) <= MAX_RATIO * min(a, b)


def test_every_notebook_has_a_report_row():
    missing = [p.name for p in NOTEBOOKS if p.name not in report_rows()]
    assert not missing, f"no row in {REPORT.name} for {missing}: run scripts/run_notebooks.py on them"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_outputs_agree_with_the_report(path):
    row = report_rows().get(path.name)
    if row is None:
        pytest.skip(f"{path.name} has no report row (see test_every_notebook_has_a_report_row)")
    nb = nbformat.read(path, as_version=4)
    run = nb.metadata.get("d2l_run", {})
    assert run.get("profile") == "cpu", "committed outputs must come from a cpu-profile run of run_notebooks.py"
    assert run.get("machine", row["machine"]) == row["machine"], (
        f"the outputs were made on {run['machine']}, the report row on {row['machine']}")
    assert within(float(run["wall_s"]), float(row["wall_s"])), (
        f"notebook ran {run['wall_s']} s, report says {row['wall_s']} s")
    printed = course_report.headline_numbers(nb)
    for key in ("examples_per_sec", "tokens_per_sec"):
        if row[key] or printed[key]:
            assert printed[key] and row[key], f"{key}: notebook prints {printed[key]!r}, report has {row[key]!r}"
            assert within(float(printed[key]), float(row[key])), (
                f"{key}: notebook prints {printed[key]}, report says {row[key]}")


def test_within_ratio_catches_a_busy_machine():
    assert within(4520.0, 3000.0) and not within(4520.0, 44.8)


def test_every_row_names_the_machine_that_ran_it():
    unnamed = [name for name, row in report_rows().items() if not row.get("machine")]
    assert not unnamed, f"rows without a machine in {REPORT.name}: {unnamed}; run scripts/run_notebooks.py on them"
