"""Fixtures shared by the unit tests (the project-wide set-up is in the top-level conftest.py)."""
import fcntl
import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def close_figures():
    """Every test starts without the figures of the tests before it."""
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def one_thread():
    """Tiny tensors: one thread is faster and does not fight other processes for the cores."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def widgets7_venv() -> Path:
    """A venv with Colab's ipywidgets 7.7.1 that shares the running environment's torch.

    Made once by scripts/make_widgets7_env.sh (about 40 s; a lock keeps two test workers from
    making it at the same time) and kept in .venv-widgets7, which git ignores.
    """
    target = ROOT / ".venv-widgets7"
    with open(ROOT / ".venv-widgets7.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / "bin" / "python").is_file():
            subprocess.run(["bash", str(ROOT / "scripts" / "make_widgets7_env.sh"), sys.prefix, str(target)],
                           check=True, capture_output=True, text=True)
    return target
