"""The repository location is named in one place (course.toml) and every copy agrees with it.

Badges, the Colab install cell, README links and d2lutil/datasets.py repeat the location;
scripts/set_repository.py rewrites them all for a fork. These tests fail if a copy drifts.
"""
import importlib.util
import re
import shutil
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("set_repository", ROOT / "scripts" / "set_repository.py")
set_repository = importlib.util.module_from_spec(spec)
spec.loader.exec_module(set_repository)

GITHUB_NAMES = re.compile(r"(?:github\.com|colab\.research\.google\.com/github|mybinder\.org/v2/gh)/"
                          r"([A-Za-z0-9-]+/[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)")
IGNORED = {"zalandoresearch/fashion-mnist", "d2l-ai/d2l-zh", "d2l-ai/d2l-en"}


def locations_in(text: str) -> set[str]:
    """Every OWNER/NAME a GitHub, Colab or Binder URL in ``text`` points at (except data sources)."""
    return {name.removesuffix(".git") for name in GITHUB_NAMES.findall(text)} - IGNORED


def check_agreement(root: Path) -> None:
    repository = set_repository.read_repository(root)
    name, branch = repository["name"], repository["branch"]
    for path in set_repository.files_naming_the_repository(root):
        text = path.read_text(encoding="utf-8")
        assert locations_in(text) <= {name}, f"{path.name} names {locations_in(text) - {name}}, course.toml {name}"
        assert name in text, f"{path.name} does not name the repository {name}"
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        opening = nb.cells[0].source
        assert f"colab.research.google.com/github/{name}/blob/{branch}/notebooks/{path.name}" in opening, path.name
        assert f"mybinder.org/v2/gh/{name}/{branch}?labpath=notebooks/{path.name}" in opening, path.name
        first_code = next(c for c in nb.cells if c.cell_type == "code")
        assert f'"https://github.com/{name}"' in first_code.source, f"{path.name}: Colab cell clones elsewhere"


def test_every_copy_agrees_with_course_toml():
    check_agreement(ROOT)


def test_set_repository_rewrites_every_copy(tmp_path):
    for part in ("README.md", "course.toml", "notebooks", "d2lutil/datasets.py"):
        target = tmp_path / part
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if (ROOT / part).is_dir() else shutil.copy)(ROOT / part, target)
    old = set_repository.read_repository(tmp_path)["name"]
    changed = set_repository.set_repository("alice/my-course", "teaching", tmp_path)
    assert len(changed) == 3 + len(list((tmp_path / "notebooks").glob("*.ipynb")))
    assert set_repository.read_repository(tmp_path) == {"name": "alice/my-course", "branch": "teaching"}
    check_agreement(tmp_path)
    for path in set_repository.files_naming_the_repository(tmp_path):
        assert old not in path.read_text(encoding="utf-8"), path.name


def test_a_drifted_copy_is_caught(tmp_path):
    (tmp_path / "notebooks").mkdir()
    shutil.copy(ROOT / "course.toml", tmp_path)
    shutil.copy(ROOT / "notebooks" / "06_2_conv_layer.ipynb", tmp_path / "notebooks")
    (tmp_path / "d2lutil").mkdir()
    shutil.copy(ROOT / "d2lutil" / "datasets.py", tmp_path / "d2lutil")
    name = set_repository.read_repository(tmp_path)["name"]
    (tmp_path / "README.md").write_text(f"https://github.com/{name} and https://github.com/bob/stale-fork")
    with pytest.raises(AssertionError, match="bob/stale-fork"):
        check_agreement(tmp_path)


@pytest.mark.parametrize("name, branch, message", [("no-slash", "main", "OWNER/NAME"),
                                                   ("alice/course", "bad branch", "branch")])
def test_bad_locations_are_refused(name, branch, message, tmp_path):
    with pytest.raises(ValueError, match=message):
        set_repository.set_repository(name, branch, tmp_path)
