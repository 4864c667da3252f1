"""Build hook: copy the two books of data/ into the wheel as d2lutil/data/.

Everything else about the package is in pyproject.toml. A wheel (``pip install .`` or
``pip install git+...``) has no repository around it, so it carries the books (< 1 MB); the
Fashion-MNIST files (30 MB) stay out: see d2lutil/datasets.py for where they are looked for.
An editable install reads the repository's data/ directly and copies nothing.
"""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

BUNDLED_BOOKS = ("timemachine.txt", "war_of_the_worlds.txt")


class BuildPyWithBooks(build_py):
    """The usual build_py, then the books into build/lib/d2lutil/data/."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        target = Path(self.build_lib) / "d2lutil" / "data"
        target.mkdir(parents=True, exist_ok=True)
        for name in BUNDLED_BOOKS:
            shutil.copyfile(Path(__file__).parent / "data" / name, target / name)


setup(cmdclass={"build_py": BuildPyWithBooks})
