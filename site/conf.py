"""Sphinx configuration of the course site (built by scripts/build_site.py, never executed).

The pages are the committed notebooks with their stored outputs (myst-nb, execution off), in the
README's reading order (site/index.md). The repository location comes from course.toml.
"""
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest depends on tomli on Python 3.10
    import tomli as tomllib

SITE = Path(__file__).resolve().parent
REPOSITORY = tomllib.loads((SITE.parent / "course.toml").read_text(encoding="utf-8"))["repository"]

project = "动手学深度学习：卷积与循环神经网络"
author = "d2l-zh course contributors"
language = "zh_CN"
extensions = ["myst_nb"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

# Pages show what the committed notebooks stored; nothing runs while building.
nb_execution_mode = "off"
myst_enable_extensions = ["dollarmath", "amsmath"]
# Links such as [解答](06_2_conv_layer_solutions.ipynb) must point at a page of the site.
myst_heading_anchors = 3
suppress_warnings = ["myst.header"]  # notebooks start at "#" and use "###" without "##" in places

# scripts/build_site.py copies MathJax into the site's _static/: pages render formulas offline too.
mathjax_path = "mathjax/tex-chtml.js"

# Chinese search: jieba splits the text into words; the course's own terms are kept whole.
html_search_language = "zh"
html_search_options = {"dict": str(SITE / "search_terms.txt")}

html_title = "卷积与循环神经网络"
html_theme = "sphinx_book_theme"
html_theme_options = {
    "repository_url": f"https://github.com/{REPOSITORY['name']}",
    "repository_branch": REPOSITORY["branch"],
    "path_to_docs": "",
    "use_repository_button": True,
    "launch_buttons": {
        "colab_url": "https://colab.research.google.com",
        "binderhub_url": "https://mybinder.org",
        "notebook_interface": "jupyterlab",
    },
}


def use_the_english_stemmer_for_chinese(app, exception) -> None:
    """Work around Sphinx 9.0's Chinese search: its language_data.js ends with
    "window.Stemmer = ChineseStemmer;", a class that does not exist (zh search stems Latin words with
    the English stemmer), so the search page stops with a ReferenceError and finds nothing.
    sphinx-doc/sphinx issue 14229, fixed by pull request 14416; a no-op once Sphinx writes it right."""
    path = Path(app.outdir, "_static", "language_data.js")
    if exception is None and path.is_file():
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("window.Stemmer = ChineseStemmer;", "window.Stemmer = EnglishStemmer;"),
                        encoding="utf-8")


def setup(app):
    app.connect("build-finished", use_the_english_stemmer_for_chinese)
