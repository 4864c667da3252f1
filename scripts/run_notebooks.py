"""Execute course notebooks top to bottom and save them with their outputs.

Committed notebooks come only from this script (never hand-saved from JupyterLab), so their
outputs are one clean run in a known profile:

    python scripts/run_notebooks.py                      # every notebook, cpu profile
    python scripts/run_notebooks.py notebooks/6.2*.ipynb --profile smoke

For each notebook it prints the wall time and the kernel's peak memory (resident set size).
Widget state and timing metadata are dropped before saving, to keep diffs small (widget state
is still collected while running: nbclient needs it to route Output-widget messages).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory of a process (Linux ``VmHWM``); NaN where /proc is not available."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return float("nan")
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))
    return int(kib) / 1024


def execute(path: Path, profile: str, timeout: int, save: bool = True):
    """Run one notebook; return (wall seconds, kernel peak RSS in MB, executed notebook).

    With ``save`` the notebook is written back in place with its new outputs.
    """
    nb = nbformat.read(path, as_version=4)
    os.environ["D2L_PROFILE"] = profile
    peak = [float("nan")]

    def record_peak(**_):  # VmHWM only grows, so reading it after each cell keeps the maximum
        peak[0] = peak_rss_mb(client.km.provisioner.process.pid)

    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                            on_cell_executed=record_peak,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    wall = time.perf_counter() - start
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nb.metadata.get("language_info", {}).pop("version", None)
    if save:
        nbformat.write(nb, path)
    return wall, peak[0], nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    parser.add_argument("--profile", default="cpu", choices=["smoke", "cpu", "full"])
    parser.add_argument("--timeout", type=int, default=1200, help="seconds per cell")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    failed = 0
    for path in paths:
        try:
            wall, peak, _ = execute(path.resolve(), args.profile, args.timeout)
            print(f"{path.name}: {wall:.1f} s, kernel peak RSS {peak:.0f} MB ({args.profile})", flush=True)
        except Exception as err:  # report every notebook, then fail
            failed += 1
            print(f"{path.name}: FAILED: {type(err).__name__}: {str(err)[-2000:]}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
