"""The wheel holds every subpackage, the trusted checksum list and the two books, and a
non-editable install loads data from outside the repository (issue 12).

Built offline with the environment's setuptools (``pip wheel --no-build-isolation``) from a copy
of the sources, installed into a fresh venv that sees this environment's torch through a .pth
line (so torch is not installed again), and run with the working directory outside the repository.
"""
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "LICENSE", "d2lutil",
           "data/timemachine.txt", "data/war_of_the_worlds.txt"]
IN_INSTALLED_COPY = r"""
import os, sys, d2lutil, d2lutil.datasets as df
from d2lutil import widgets
assert os.environ.get("D2L_DATA_DIR") is None
print("package", d2lutil.__file__)
print("book", df.data_file("timemachine.txt"))
print("held-out", len(d2lutil.load_held_out_time_machine(32, 35).corpus))
try:
    d2lutil.read_fashion_mnist("test")
except FileNotFoundError as err:
    print("fashion", err)
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src, out = tmp_path_factory.mktemp("src"), tmp_path_factory.mktemp("wheel")
    for name in SOURCES:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copyfile
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        copy(ROOT / name, src / name, **({"ignore": shutil.ignore_patterns("__pycache__")}
                                         if (ROOT / name).is_dir() else {}))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                    "-q", "-w", str(out), str(src)], check=True, cwd=src)
    return next(out.glob("d2lutil-*.whl"))


def test_wheel_holds_every_module_the_list_and_the_books_only(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "d2lutil").rglob("*.py")}
    assert modules <= names, f"missing from the wheel: {sorted(modules - names)}"
    assert "d2lutil/widgets/__init__.py" in names and "d2lutil/SHA256SUMS" in names
    data = sorted(n for n in names if n.startswith("d2lutil/data/"))
    assert data == ["d2lutil/data/timemachine.txt", "d2lutil/data/war_of_the_worlds.txt"]


def test_installed_wheel_loads_data_outside_the_repository(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               check=True, capture_output=True, text=True).stdout.strip())
    torch_site = Path(__import__("torch").__file__).parent.parent
    (site / "course_env.pth").write_text(f"{torch_site}\n")  # torch, ipywidgets...: not d2lutil's editable finder
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
                    "-q", str(wheel)], check=True)
    env = {k: v for k, v in os.environ.items() if k not in ("D2L_DATA_DIR", "PYTHONPATH")}
    run = subprocess.run([python, "-c", IN_INSTALLED_COPY], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    lines = dict(line.split(" ", 1) for line in run.stdout.splitlines())
    assert lines["package"].startswith(str(site))
    assert lines["book"] == str(site / "d2lutil" / "data" / "timemachine.txt")
    assert lines["held-out"] == "17058"
    fashion = lines["fashion"]
    assert "t10k-images-idx3-ubyte.gz" in fashion and str(site / "d2lutil" / "data") in fashion
    assert "set D2L_DATA_DIR" in fashion and "clone the course repository" in fashion
    env["D2L_DATA_DIR"] = str(ROOT / "data")  # the documented fix
    fixed = subprocess.run([python, "-c", "import d2lutil; print(len(d2lutil.read_fashion_mnist('test')[1]))"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert fixed.stdout.strip() == "10000", fixed.stderr
