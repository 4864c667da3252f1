"""The execution script's load monitor tells a quiet run from one that shared the cores."""
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import run_notebooks  # noqa: E402

pytestmark = pytest.mark.skipif(not Path("/proc/stat").exists(), reason="needs Linux /proc to measure CPU use")


def test_own_work_is_counted_as_ours():
    monitor = run_notebooks.LoadMonitor()
    end = time.process_time() + 1.0
    while time.process_time() < end:  # one CPU second of our own work, however busy the machine is
        pass
    monitor.record(os.getpid())
    monitor.finish()
    assert monitor.ours_seconds >= 0.9, f"only {monitor.ours_seconds:.2f} s of our 1 s were counted as ours"


def test_a_busy_neighbour_is_seen_and_named():
    neighbour = subprocess.Popen([sys.executable, "-c",
                                  "import time\nend = time.time() + 4.5\nwhile time.time() < end: pass"])
    monitor = run_notebooks.LoadMonitor()
    time.sleep(4.0)  # long enough for the spinner to gather over 1 s of CPU even beside another test's browser
    others, busiest = monitor.finish()
    neighbour.wait()
    assert others > 0.2 / (os.cpu_count() or 1), f"a process spinning a whole core was not seen ({others:.3f})"
    assert any(name.startswith("python") for name in busiest), busiest


def test_a_run_records_its_machine_in_the_notebook_and_the_row(tmp_path):
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1 + 1)")]), path)
    row = run_notebooks.run_one(path, "smoke", timeout=120, save=True, max_others=1.0)
    saved = nbformat.read(path, as_version=4)
    assert row["status"] == "ok" and row["machine"] == saved.metadata["d2l_run"]["machine"]
    assert row["machine"].endswith(f"torch {torch.__version__}")
