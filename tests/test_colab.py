"""The Colab path: each notebook's first code cell, run as on Colab, in an environment like Colab's.

Colab ships its own torch and ipywidgets 7.7.1, and the course must not replace them. The test
builds such an environment cheaply (a fresh venv whose .pth files name the ipywidgets-7 venv made
by the widgets7_venv fixture and then the main .venv, so torch is shared), puts a stand-in
``google.colab`` module in sys.modules, and runs the Colab install cell with two substitutions:
the GitHub URL (from course.toml) becomes a file:// URL of this clone, and /content/course a
temporary folder. Afterwards ``import d2lutil`` and ``from d2lutil import widgets`` must work and
torch and ipywidgets must be the very ones that were there before.
"""
import json
import os
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import nbformat
import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest depends on tomli on Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
REPOSITORY = tomllib.loads((ROOT / "course.toml").read_text(encoding="utf-8"))["repository"]["name"]
CLONE_URL = f"https://github.com/{REPOSITORY}"
CLONE_DIR = "/content/course"


def first_code_cell(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return next(cell.source for cell in nb.cells if cell.cell_type == "code")


def site_packages(venv: Path) -> str:
    """The purelib folder of ``venv`` (asked of its own interpreter)."""
    return subprocess.run([str(venv / "bin" / "python"), "-c",
                           "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()


def test_every_notebook_has_the_same_colab_cell_with_replaceable_locations():
    cells = {path.name: first_code_cell(path) for path in NOTEBOOKS}
    reference = cells[NOTEBOOKS[0].name]
    assert f'"{CLONE_URL}"' in reference and f'"{CLONE_DIR}"' in reference
    different = [name for name, cell in cells.items() if cell != reference]
    assert not different, f"Colab cell differs from {NOTEBOOKS[0].name} in {different}: copy it unchanged"


@pytest.fixture(scope="module")
def colab_like_python(tmp_path_factory, widgets7_venv) -> Path:
    """A fresh venv that sees ipywidgets 7.7.1 first, then the main environment, and not d2lutil."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git clone: the Colab cell clones the course with git")
    venv = tmp_path_factory.mktemp("colab") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    main_site = sysconfig.get_paths()["purelib"]
    Path(site_packages(venv), "colab-preinstalled.pth").write_text(f"{site_packages(widgets7_venv)}\n{main_site}\n")
    return venv / "bin" / "python"


DRIVER = textwrap.dedent('''
    import importlib.util, json, sys, types
    import torch, ipywidgets
    before = {"torch": [torch.__version__, torch.__file__], "ipywidgets": [ipywidgets.__version__, ipywidgets.__file__]}
    had_d2lutil = importlib.util.find_spec("d2lutil") is not None
    sys.modules["google.colab"] = types.ModuleType("google.colab")  # what Colab's runtime has imported
    exec(open(sys.argv[1], encoding="utf-8").read())
    import d2lutil
    from d2lutil import widgets
    explorer = widgets.corr2d_explorer()
    print(json.dumps({"before": before, "had_d2lutil": had_d2lutil, "d2lutil": d2lutil.__file__,
                      "widget": type(explorer).__name__}))
''')
AFTER = ("import json, torch, ipywidgets; print(json.dumps({'torch': [torch.__version__, torch.__file__], "
         "'ipywidgets': [ipywidgets.__version__, ipywidgets.__file__]}))")


def test_colab_cell_installs_d2lutil_and_keeps_colabs_torch_and_ipywidgets(colab_like_python, tmp_path):
    course = tmp_path / "content" / "course"
    cell = first_code_cell(NOTEBOOKS[0]).replace(f'"{CLONE_URL}"', json.dumps(ROOT.as_uri()))
    cell = cell.replace(f'"{CLONE_DIR}"', json.dumps(str(course)))
    (tmp_path / "cell.py").write_text(cell, encoding="utf-8")
    (tmp_path / "driver.py").write_text(DRIVER, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["D2L_PROFILE"] = "smoke"

    run = subprocess.run([str(colab_like_python), "driver.py", "cell.py"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, f"the Colab cell or the imports after it failed:\n{run.stdout}\n{run.stderr}"
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert not report["had_d2lutil"], "d2lutil was importable before the cell: the test proves nothing"
    assert Path(report["d2lutil"]).resolve().is_relative_to(course.resolve())
    assert report["widget"] == "interactive"
    assert report["before"]["ipywidgets"][0] == "7.7.1"

    after = subprocess.run([str(colab_like_python), "-c", AFTER], cwd=tmp_path, env=env,
                           capture_output=True, text=True, check=True)
    assert json.loads(after.stdout) == report["before"], "the Colab cell replaced torch or ipywidgets"
    installed = {p.name.split("-")[0].lower() for p in Path(site_packages(colab_like_python.parent.parent)).iterdir()}
    assert not installed & {"torch", "ipywidgets", "numpy", "matplotlib"}, f"pip installed {installed}"
