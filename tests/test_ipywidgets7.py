"""The widgets under Colab's ipywidgets 7.7.1: their unit tests and the notebooks that use them.

Colab ships ipywidgets 7.7.1 and upgrading it there breaks widget rendering, so the course must
work with it as well as with ipywidgets 8. The run happens in a second environment that shares
this one's torch (see the ``widgets7_venv`` fixture).
"""
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIDGET_NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").glob("*.ipynb")
                          if "from d2lutil import widgets" in p.read_text(encoding="utf-8"))


def test_widget_tests_and_widget_notebooks_pass_under_ipywidgets_7(widgets7_venv):
    python = widgets7_venv / "bin" / "python"
    version = subprocess.run([str(python), "-c", "import ipywidgets; print(ipywidgets.__version__)"],
                             capture_output=True, text=True, check=True).stdout.strip()
    assert version == "7.7.1", f"the second environment has ipywidgets {version}, not Colab's 7.7.1"
    unit_tests = sorted(str(p) for p in (ROOT / "tests").glob("test_widgets*.py"))
    run = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "-o", "addopts=",
         "--nbval", "--nbval-current-env", "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"),
         "--nbval-kernel-startup-timeout", "300", *unit_tests, *map(str, WIDGET_NOTEBOOKS)],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, f"under ipywidgets 7.7.1:\n{run.stdout[-6000:]}\n{run.stderr[-2000:]}"
