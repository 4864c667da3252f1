"""Open the course in JupyterLab on your own copy of the notebooks, which git ignores.

    python scripts/open_course.py [--no-lab]

The first start copies notebooks/ to my-notebooks/; later starts add notebooks the course has
gained since (after a `git pull`) and leave every notebook already there, with your edits, as it
is. JupyterLab then opens my-notebooks/. Your work never conflicts with an update of the course,
and links between notebooks keep working because the file names are the same.
To start one notebook afresh, delete your copy and start again.
"""
import argparse
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "notebooks"
PERSONAL = ROOT / "my-notebooks"


def add_missing_notebooks(course: Path = COURSE, personal: Path = PERSONAL) -> list[str]:
    """Copy each course notebook that ``personal`` lacks; never overwrite one; return the names copied."""
    if not course.is_dir():
        raise FileNotFoundError(f"course notebooks folder {course} not found: run this from a clone of the course")
    personal.mkdir(exist_ok=True)
    copied = []
    for notebook in sorted(course.glob("*.ipynb")):
        target = personal / notebook.name
        if not target.exists():
            shutil.copy2(notebook, target)
            copied.append(notebook.name)
    return copied


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-lab", action="store_true", help="only bring my-notebooks/ up to date")
    args = parser.parse_args()
    copied = add_missing_notebooks()
    print(f"{PERSONAL.relative_to(ROOT)}/: {len(copied)} notebooks added"
          + (f" ({', '.join(copied)})" if 0 < len(copied) <= 5 else "") + "; your edited notebooks are kept")
    if args.no_lab:
        return 0
    lab = [sys.executable, "-m", "jupyter", "lab", str(PERSONAL)]
    os.execv(sys.executable, lab)  # replace this process: Ctrl+C stops JupyterLab directly


if __name__ == "__main__":
    sys.exit(main())
