"""The course site (scripts/build_site.py): built from the committed notebooks, nothing executed.

Builds the whole site once into a temporary folder (Sphinx fails on any warning, such as a link
to a notebook that does not exist) and checks what a reader relies on: every notebook has a page
in reading order, formulas, plots, Colab and Binder links, Chinese search, and no raw widget repr.
"""
import importlib.util
import json
import re
import sys
import time
from pathlib import Path

import nbformat
import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest depends on tomli on Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
spec = importlib.util.spec_from_file_location("build_site", ROOT / "scripts" / "build_site.py")
build_site = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build_site)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    start = time.monotonic()
    result = build_site.build(out)
    print(f"site built in {time.monotonic() - start:.0f} s")
    assert result.returncode == 0, f"sphinx-build failed:\n{result.stdout}\n{result.stderr}"
    return out


def search_index(site: Path) -> dict:
    text = (site / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("(") + 1:text.rindex(")")])


def test_every_notebook_has_a_page_in_reading_order(site):
    index = (site / "index.html").read_text(encoding="utf-8")
    linked = re.findall(r'href="notebooks/([\w]+)\.html"', index)
    assert list(dict.fromkeys(linked)) == [path.stem for path in NOTEBOOKS]
    for path in NOTEBOOKS:
        assert (site / "notebooks" / f"{path.stem}.html").is_file()


def test_pages_have_colab_and_binder_links_to_their_notebook(site):
    repository = tomllib.loads((ROOT / "course.toml").read_text(encoding="utf-8"))["repository"]["name"]
    for path in NOTEBOOKS:
        page = (site / "notebooks" / f"{path.stem}.html").read_text(encoding="utf-8")
        assert f"colab.research.google.com/github/{repository}/blob/main/notebooks/{path.name}" in page, path.name
        assert f"mybinder.org/v2/gh/{repository}/main" in page, path.name


def test_formulas_are_rendered_by_the_bundled_mathjax(site):
    page = (site / "notebooks" / "06_3_padding_and_strides.html").read_text(encoding="utf-8")
    assert 'class="math notranslate nohighlight"' in page
    assert 'src="../_static/mathjax/tex-chtml.js"' in page
    assert (site / "_static" / "mathjax" / "tex-chtml.js").stat().st_size > 100_000
    assert any((site / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))


def test_stored_plots_are_on_the_pages(site):
    page = (site / "notebooks" / "06_6_lenet.html").read_text(encoding="utf-8")
    images = re.findall(r'<img[^>]+src="\.\./(_images/[^"]+\.png)"', page)
    assert images, "no stored plot on the 6.6 page"
    assert all((site / image).stat().st_size > 1000 for image in images)


def test_search_finds_chinese_terms(site):
    index = search_index(site)
    hits = [index[kind].get("汇聚层", []) for kind in ("terms", "titleterms")]  # body text, headings
    docs = {index["docnames"][i] for found in hits for i in ([found] if isinstance(found, int) else found)}
    assert "notebooks/06_5_pooling" in docs
    assert "notebooks/07_1_alexnet" in docs or "notebooks/06_6_lenet" in docs


def test_search_script_defines_the_stemmer_it_uses(site):
    script = (site / "_static" / "language_data.js").read_text(encoding="utf-8")
    stemmer = re.search(r"window\.Stemmer = (\w+);", script).group(1)
    assert f"var {stemmer}=" in script or f"var {stemmer} =" in script, f"{stemmer} is not defined"


def test_no_raw_widget_repr_on_any_page(site):
    for page in (site / "notebooks").glob("*.html"):
        assert "interactive(children=" not in page.read_text(encoding="utf-8"), page.name
    pooling = (site / "notebooks" / "06_5_pooling.html").read_text(encoding="utf-8")
    assert "widget-note" in pooling or "application/vnd.jupyter.widget-state+json" in pooling


def test_widget_outputs_become_a_note_only_without_saved_state():
    nb = nbformat.read(ROOT / "notebooks" / "06_5_pooling.ipynb", as_version=4)
    assert build_site.replace_widget_outputs(nb) >= 1
    assert "interactive(children=" not in json.dumps(nb)
    nb.metadata["widgets"] = {build_site.WIDGET_STATE: {"state": {"model": {}}}}
    assert build_site.has_widget_state(nb)


def test_a_link_to_a_missing_notebook_fails_the_build(tmp_path):
    nb = nbformat.read(ROOT / "notebooks" / "06_1_why_conv.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("见 [不存在的一节](06_9_missing_section.ipynb)。"))
    broken = tmp_path / "06_1_why_conv.ipynb"
    nbformat.write(nb, broken)
    result = build_site.build(tmp_path / "out", [broken])
    assert result.returncode != 0
    assert "06_9_missing_section" in result.stdout + result.stderr


def test_notebook_names_must_carry_a_chapter():
    with pytest.raises(ValueError, match="chapter number"):
        build_site.table_of_contents(["intro.ipynb"])
