"""scripts/open_course.py: the learner's own copy of the notebooks is kept, grows, and is git-ignored."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "open_course.py"


def run(root: Path) -> str:
    result = subprocess.run([sys.executable, str(root / "scripts" / "open_course.py"), "--no-lab"],
                            capture_output=True, text=True, check=True)
    return result.stdout


@pytest.fixture
def course_clone(tmp_path):
    """A git repository laid out like the course, with two notebooks and the course's .gitignore."""
    (tmp_path / "scripts").mkdir()
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "scripts" / "open_course.py").write_bytes(SCRIPT.read_bytes())
    (tmp_path / ".gitignore").write_bytes((ROOT / ".gitignore").read_bytes())
    for name in ("06_1_why_conv.ipynb", "06_2_conv_layer.ipynb"):
        (tmp_path / "notebooks" / name).write_bytes((ROOT / "notebooks" / name).read_bytes())
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(git[:3] + ["init", "-q"], check=True)
    subprocess.run(git + ["add", "."], check=True)
    subprocess.run(git + ["commit", "-q", "-m", "course"], check=True)
    return tmp_path


def git_status(root: Path) -> str:
    return subprocess.run(["git", "-C", str(root), "status", "--porcelain"], capture_output=True, text=True,
                          check=True).stdout


def test_copy_edit_update_keeps_edits_adds_new_notebooks_and_git_stays_clean(course_clone):
    personal = course_clone / "my-notebooks"
    assert "2 notebooks added" in run(course_clone)
    assert sorted(p.name for p in personal.iterdir()) == ["06_1_why_conv.ipynb", "06_2_conv_layer.ipynb"]

    edited = personal / "06_2_conv_layer.ipynb"
    edited.write_text(edited.read_text(encoding="utf-8").replace("图像卷积", "图像卷积（我的笔记）"), encoding="utf-8")
    (course_clone / "notebooks" / "06_3_padding_and_strides.ipynb").write_bytes(
        (ROOT / "notebooks" / "06_3_padding_and_strides.ipynb").read_bytes())  # the course gains a section

    assert "1 notebooks added (06_3_padding_and_strides.ipynb)" in run(course_clone)
    assert "我的笔记" in edited.read_text(encoding="utf-8")
    assert (personal / "06_3_padding_and_strides.ipynb").is_file()
    assert git_status(course_clone) == "?? notebooks/06_3_padding_and_strides.ipynb\n"  # only the course's change


def test_missing_course_folder_is_explained(tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import open_course
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    with pytest.raises(FileNotFoundError, match="course notebooks folder"):
        open_course.add_missing_notebooks(tmp_path / "nowhere", tmp_path / "mine")
