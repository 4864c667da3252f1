"""Static checks of every course notebook (no kernel needed).

They keep committed notebooks honest: one clean top-to-bottom run, no errors, no paths of
one machine, small outputs, complete widget state, one import style, and library helpers defined in a
notebook only where it teaches them, next to a check against the library's copy.
"""
import ast
import json
import re
from pathlib import Path

import nbformat
import pytest

import d2lutil

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
MACHINE_PATH = re.compile(r"(/(?:root|work)/|/home/[a-z_][\w-]*/|/tmp/(?!ipykernel)|[A-Z]:\\\\Users\\\\)")
MAX_OUTPUT_BYTES = 1_000_000
MAX_WIDGET_STATE_BYTES = 200_000
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
HELPER_NAMES = {name for name in dir(d2lutil) if not name.startswith("_")}
ALLOWED_IMPORTS = {"import d2lutil as d2l", "from d2lutil import widgets"}


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found under notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_valid_nbformat(path):
    nbformat.validate(nbformat.read(path, as_version=4))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_one_clean_top_to_bottom_run(path):
    nb = nbformat.read(path, as_version=4)
    counts = [c.execution_count for c in code_cells(nb)]
    assert counts == list(range(1, len(counts) + 1)), f"execution counts {counts} are not 1, 2, 3, ..."
    for cell in code_cells(nb):
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if "raises-exception" not in cell.metadata.get("tags", []):
            assert not errors, f"cell {cell.execution_count} stored an error: {errors[0].get('ename')}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_machine_paths_and_small_outputs(path):
    nb = nbformat.read(path, as_version=4)
    saved = nb.metadata.get("widgets", {}).get(WIDGET_STATE)
    if saved is not None:  # GitHub's renderer rejects a widget block without its "state" key
        assert "state" in saved, "saved widget state lacks its 'state' key: re-run scripts/run_notebooks.py"
        assert len(json.dumps(saved)) < MAX_WIDGET_STATE_BYTES, "saved widget state over 200 kB"
    for cell in nb.cells:
        match = MACHINE_PATH.search(cell.source)
        assert not match, f"source holds a machine path {match.group(0)!r}"
        for out in cell.get("outputs", []):
            blob = json.dumps(out)
            assert len(blob) < MAX_OUTPUT_BYTES, f"an output of {len(blob)} bytes"
            match = MACHINE_PATH.search(blob)
            assert not match, f"output holds a machine path {match.group(0)!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_one_import_style(path):
    """Notebooks import the library one way: ``import d2lutil as d2l`` (and ``from d2lutil import widgets``)."""
    source = "\n".join(c.source for c in code_cells(nbformat.read(path, as_version=4)))
    assert re.search(r"^import d2lutil as d2l$", source, re.M), "does not `import d2lutil as d2l`"
    others = [line.strip() for line in source.splitlines()
              if re.match(r"\s*(import d2lutil|from d2lutil)", line) and line.strip() not in ALLOWED_IMPORTS]
    assert not others, f"other d2lutil imports: {others}; use d2l.<name>"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_lesson_code_is_written_not_printed_and_copies_are_checked(path):
    """No cell prints library source; a notebook may define a library helper only where it teaches it,
    and then it must compare its definition with the library's copy (a cell that uses ``d2l.<name>``)."""
    nb = nbformat.read(path, as_version=4)
    source = "\n".join(c.source for c in code_cells(nb))
    assert "getsource" not in source, "prints library source; write the lesson code in the cell instead"
    for cell in code_cells(nb):
        python = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        for node in ast.walk(ast.parse(python)):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in HELPER_NAMES:
                assert re.search(rf"\bd2l\.{node.name}\b", source), (
                    f"defines d2lutil's {node.name} without comparing it with d2l.{node.name}; "
                    f"import it, or add a cell that checks the two agree")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_opening_has_badges_and_colab_setup(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    assert "colab-badge.svg" in nb.cells[0].source and "mybinder.org" in nb.cells[0].source
    assert "google.colab" in code_cells(nb)[0].source, "first code cell must be the Colab-only install"
