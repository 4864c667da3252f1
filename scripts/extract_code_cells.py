"""Write every notebook code cell to its own .py file, so that tools that read source files (the
`duplicates` command, grep, linters) see the notebooks' code cell by cell.

    python scripts/extract_code_cells.py /tmp/cells && duplicates --repo /tmp/cells

A cell becomes ``<notebook>__cell<index>.py``; lines with IPython magics (``%``, ``!``) are left out.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def extract(out_dir: Path, notebooks: Path = NOTEBOOKS) -> int:
    """Write the code cells of ``notebooks/*.ipynb`` into ``out_dir`` (emptied of .py files first); return the count."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.py"):
        old.unlink()
    count = 0
    for path in sorted(notebooks.glob("*.ipynb")):
        for index, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
            if cell["cell_type"] != "code":
                continue
            lines = [line for line in "".join(cell["source"]).splitlines() if not line.lstrip().startswith(("%", "!"))]
            (out_dir / f"{path.stem}__cell{index:03d}.py").write_text("\n".join(lines) + "\n", encoding="utf-8")
            count += 1
    return count


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="folder for the .py files")
    print(f"{extract(parser.parse_args().out_dir)} code cells written")
