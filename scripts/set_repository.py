"""Point the course at another GitHub repository (for forks): one command rewrites every copy.

    python scripts/set_repository.py OWNER/NAME [--branch BRANCH]

course.toml is the one place that names the repository. This script writes the new location
there and rewrites what must repeat it: the Colab and Binder badges and the Colab install cell of
every notebook, the README's links, and d2lutil/datasets.py's REPOSITORY (used by the data
loader's error messages). tests/test_repository_location.py checks that they all agree.
"""
import argparse
import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest depends on tomli on Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
NAME_PATTERN = re.compile(r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$")
BRANCH_PATTERN = re.compile(r"^[A-Za-z0-9._/-]+$")


def read_repository(root: Path = ROOT) -> dict:
    """The repository location from course.toml: {"name": "OWNER/NAME", "branch": "main"}."""
    return tomllib.loads((root / "course.toml").read_text(encoding="utf-8"))["repository"]


def files_naming_the_repository(root: Path) -> list[Path]:
    """Every file that repeats the location (course.toml itself is written separately)."""
    return [root / "README.md", root / "d2lutil" / "datasets.py", *sorted((root / "notebooks").glob("*.ipynb"))]


def rewrite(text: str, old: dict, new: dict) -> str:
    """Replace the old location by the new one in badge, Colab, Binder and clone URLs."""
    pairs = [
        (f"colab.research.google.com/github/{old['name']}/blob/{old['branch']}/",
         f"colab.research.google.com/github/{new['name']}/blob/{new['branch']}/"),
        (f"mybinder.org/v2/gh/{old['name']}/{old['branch']}", f"mybinder.org/v2/gh/{new['name']}/{new['branch']}"),
        (f"github.com/{old['name']}", f"github.com/{new['name']}"),
        (f"`{old['name']}`", f"`{new['name']}`"),
    ]
    for before, after in pairs:
        text = text.replace(before, after)
    return text


def set_repository(name: str, branch: str, root: Path = ROOT) -> list[Path]:
    """Write ``name``/``branch`` into course.toml and every file that repeats them; return the changed files."""
    if not NAME_PATTERN.match(name):
        raise ValueError(f"repository {name!r} is not OWNER/NAME: pass it as on GitHub, e.g. alice/cnn-rnn-notebooks")
    if not BRANCH_PATTERN.match(branch):
        raise ValueError(f"branch {branch!r} holds characters a git branch cannot: pass e.g. main")
    old = read_repository(root)
    new = {"name": name, "branch": branch}
    changed = []
    for path in [root / "course.toml", *files_naming_the_repository(root)]:
        text = path.read_text(encoding="utf-8")
        if path.name == "course.toml":
            updated = text.replace(f'name = "{old["name"]}"', f'name = "{name}"')
            updated = updated.replace(f'branch = "{old["branch"]}"', f'branch = "{branch}"')
        else:
            updated = rewrite(text, old, new)
        if updated != text:
            path.write_text(updated, encoding="utf-8")
            changed.append(path)
    return changed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", help="the new repository, OWNER/NAME as on GitHub")
    parser.add_argument("--branch", default=None, help="the branch badges open (default: keep the current one)")
    args = parser.parse_args()
    try:
        changed = set_repository(args.name, args.branch or read_repository()["branch"])
    except ValueError as error:
        parser.error(str(error))
    print(f"rewrote {len(changed)} files: " + ", ".join(str(p.relative_to(ROOT)) for p in changed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
