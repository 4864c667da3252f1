"""Build the course site: the committed notebooks with their stored outputs, as static HTML.

    python scripts/build_site.py [OUT_DIR]        (default: build/site)

Nothing is executed. The notebooks are staged next to site/index.md, widget outputs of notebooks
without saved widget state become a short note (instead of an empty box or the text repr
"interactive(children=..."), MathJax is copied in so formulas render offline, and Sphinx builds
the HTML. Warnings (for example a link to a notebook that does not exist) fail the build.
"""
import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mathjax  # django-static-mathjax: MathJax 3 as files, from PyPI
import nbformat

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_NOTE = (
    '<p class="widget-note">这里是一个交互小部件。静态网页不运行代码：'
    "点击本页顶部的 Colab 或 Binder 徽章，或在自己的 JupyterLab 中运行本节，就可以拖动它。</p>"
)
CHAPTERS = {"06": "6 卷积神经网络", "07": "7 现代卷积神经网络", "08": "8 循环神经网络", "09": "9 现代循环神经网络"}
MATHJAX_PARTS = ("tex-chtml.js", "input/tex/extensions", "output/chtml/fonts/woff-v2")


def has_widget_state(nb: nbformat.NotebookNode) -> bool:
    """True when the notebook stores the widgets' state, so a page can draw them without a kernel."""
    return bool(nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state"))


def replace_widget_outputs(nb: nbformat.NotebookNode) -> int:
    """Turn each widget output into a note saying where the widget runs; return how many changed.

    Without saved state a static page has nothing to draw for a widget, and its text/plain
    fallback is the unreadable "interactive(children=(...".
    """
    changed = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if WIDGET_VIEW in output.get("data", {}):
                output["data"] = {"text/html": WIDGET_NOTE}
                changed += 1
    return changed


def stage_notebook(source: Path, target: Path) -> None:
    """Copy one notebook; widget outputs become a note unless the notebook saved widget state."""
    nb = nbformat.read(source, as_version=4)
    if not has_widget_state(nb):
        replace_widget_outputs(nb)
    nbformat.write(nb, target)


def copy_mathjax(static_dir: Path) -> None:
    """Copy the parts of MathJax 3 that the pages load (the TeX-to-HTML bundle and its fonts)."""
    es5 = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    for part in MATHJAX_PARTS:
        source, target = es5 / part, static_dir / "mathjax" / part
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copy(source, target)


def table_of_contents(names: list[str]) -> str:
    """One toctree per chapter, notebooks in file-name order (each section, then its solutions)."""
    unknown = [name for name in names if name[:3] not in {prefix + "_" for prefix in CHAPTERS}]
    if unknown:
        raise ValueError(f"notebooks {unknown} start with no chapter number of {sorted(CHAPTERS)}: "
                         "name them like 06_2_conv_layer.ipynb or add the chapter to CHAPTERS")
    blocks = []
    for prefix, caption in CHAPTERS.items():
        entries = [f"notebooks/{Path(name).stem}" for name in sorted(names) if name.startswith(prefix + "_")]
        if entries:
            blocks.append("```{toctree}\n:caption: " + caption + "\n:maxdepth: 1\n\n" + "\n".join(entries) + "\n```\n")
    return "\n".join(blocks)


def stage(stage_dir: Path, notebooks: list[Path]) -> None:
    """Lay out the Sphinx source: site/index.md with the table of contents, and the notebooks."""
    index = (SITE / "index.md").read_text(encoding="utf-8")
    toc = table_of_contents([path.name for path in notebooks])
    (stage_dir / "index.md").write_text(index + "\n" + toc, encoding="utf-8")
    (stage_dir / "notebooks").mkdir()
    for source in notebooks:
        stage_notebook(source, stage_dir / "notebooks" / source.name)


def build(out_dir: Path, notebooks: list[Path] | None = None) -> subprocess.CompletedProcess:
    """Stage ``notebooks`` (default: all of notebooks/) in a temporary folder, build the site into ``out_dir``.

    sphinx-build writes the pages; MathJax is then copied in so formulas render offline.

    Returns the finished process (its output holds Sphinx's log); the build fails, with a
    non-zero return code, on any warning.
    """
    with tempfile.TemporaryDirectory(prefix="course-site-") as stage_dir:
        stage(Path(stage_dir), notebooks or sorted((ROOT / "notebooks").glob("*.ipynb")))
        result = subprocess.run(
            [sys.executable, "-m", "sphinx", "-b", "html", "-c", str(SITE), "-W", "--keep-going", "-q",
             "-d", str(Path(stage_dir) / ".doctrees"), stage_dir, str(out_dir)],
            capture_output=True, text=True)
    copy_mathjax(out_dir / "_static")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", nargs="?", type=Path, default=ROOT / "build" / "site",
                        help="folder for the HTML (default: build/site)")
    args = parser.parse_args()
    start = time.monotonic()
    result = build(args.out_dir)
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    print(f"site {'built' if result.returncode == 0 else 'FAILED'} in {time.monotonic() - start:.0f} s: "
          f"{args.out_dir / 'index.html'}")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
