"""The repository passes ``ruff check`` (settings in pyproject.toml), notebooks included."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def ruff_command() -> list[str] | None:
    """``ruff`` next to this Python (the project's venv) or on PATH; None when it is not installed."""
    beside = Path(sys.executable).with_name("ruff")
    found = str(beside) if beside.exists() else shutil.which("ruff")
    return [found] if found else None


def test_ruff_finds_nothing():
    command = ruff_command()
    if command is None:
        pytest.skip("ruff is not installed (pip install -e '.[dev]' installs it)")
    result = subprocess.run([*command, "check", "--output-format", "concise", "."], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, f"ruff check found problems (fix them, or `ruff check --fix`):\n{result.stdout}"


def lines_of(paths) -> int:
    return sum(len(path.read_text(encoding="utf-8").splitlines()) for path in paths)


@pytest.mark.parametrize("folder, budget", [("d2lutil", 1820), ("d2lutil/widgets", 1000)])
def test_d2lutil_stays_within_its_line_budget(folder, budget):
    """d2lutil is read by learners: its core modules (d2lutil/*.py) and widgets/ keep to a line budget, so that
    new code replaces old code instead of piling up (see CONTRIBUTING; lower a budget when the code shrinks)."""
    size = lines_of(sorted((ROOT / folder).glob("*.py")))
    assert size <= budget, f"{folder}/*.py has {size} lines, over its budget of {budget}: simplify before adding"
