"""Execute every notebook in one profile and write a table of what each one costs and reports.

    python scripts/course_report.py --profile cpu            # writes reports/course-cpu.{md,csv}
    python scripts/course_report.py --profile smoke --jobs 2

For each notebook: wall time, the kernel's peak memory, and the headline numbers it printed
(the last test accuracy, perplexity, examples/s and tokens/s found in its outputs). Notebooks
are executed from copies, so the committed outputs are not touched; to refresh those, use
scripts/run_notebooks.py. The goals checked: each notebook under 3 minutes and 1.5 GB in the
cpu profile, and the whole smoke run under 5 minutes.
"""
from __future__ import annotations

import argparse
import csv
import os
import platform
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from run_notebooks import ROOT, execute

# train_ch6 prints "loss L, train acc A, test acc T" and then "N examples/sec on DEVICE": matching
# the pair skips other lines that quote an accuracy (such as the book's results printed beside ours).
TRAIN_CH6_RESULT = re.compile(r"test acc ([0-9.]+|nan)\s*\n\s*[0-9.]+ examples/sec")
HEADLINES = {
    "test_acc": re.compile(r"test acc(?:uracy)?[ :=]+([0-9.]+)"),
    "perplexity": re.compile(r"(?<!held-out )perplexity[ :=]+([0-9.]+)"),
    "held_out_perplexity": re.compile(r"held-out perplexity[ :=]+([0-9.]+)"),
    "examples_per_sec": re.compile(r"([0-9.]+) examples/sec"),
    "tokens_per_sec": re.compile(r"([0-9.]+) tokens/sec"),
}
GOALS = {"cpu": (180.0, 1536.0)}  # seconds, MB per notebook
SMOKE_TOTAL_GOAL = 300.0


def printed_text(nb) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", "") if out.get("output_type") == "stream"
                         else out.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def headline_numbers(nb) -> dict[str, str]:
    text = printed_text(nb)
    found = {}
    for key, pattern in HEADLINES.items():
        values = pattern.findall(text)
        found[key] = values[-1].rstrip(".") if values else ""
    trained = TRAIN_CH6_RESULT.findall(text)
    if trained:
        found["test_acc"] = trained[-1].rstrip(".")
    return found


def run_one(path: Path, profile: str, timeout: int) -> dict:
    try:
        wall, peak, nb = execute(path, profile, timeout, save=False)
        row = {"notebook": path.name, "profile": profile, "wall_s": f"{wall:.1f}",
               "peak_rss_mb": f"{peak:.0f}", "status": "ok", **headline_numbers(nb)}
    except Exception as err:  # a failed notebook is a row in the report, not a crash
        print(f"{path.name}: {type(err).__name__}: {str(err)[-1500:]}", flush=True)
        row = {"notebook": path.name, "profile": profile, "wall_s": "", "peak_rss_mb": "",
               "status": f"failed: {type(err).__name__}", **{k: "" for k in HEADLINES}}
    goal = GOALS.get(profile)
    if goal and row["status"] == "ok":
        row["within_goal"] = "yes" if float(row["wall_s"]) <= goal[0] and float(row["peak_rss_mb"]) <= goal[1] else "NO"
    else:
        row["within_goal"] = ""
    print(f"{row['notebook']}: {row['status']} {row['wall_s']} s {row['peak_rss_mb']} MB", flush=True)
    return row


def machine_description() -> str:
    """The processor (or GPU) the notebooks ran on, for the report's header."""
    import torch

    if torch.cuda.is_available():
        return f"GPU {torch.cuda.get_device_name(0)}, torch {torch.__version__}"
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"CPU {cpu}, {os.cpu_count()} cores, torch {torch.__version__}"


def write_report(rows: list[dict], profile: str, total: float, jobs: int, out_dir: Path) -> None:
    """Write the table as markdown and CSV (called after every notebook, so a cut-off run keeps its rows)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = sorted(rows, key=lambda r: r["notebook"])
    fields = list(rows[0])
    with open(out_dir / f"course-{profile}.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    lines = [f"# Course report: `{profile}` profile", "",
             f"Made by `python scripts/course_report.py --profile {profile} --jobs {jobs}` on "
             f"{time.strftime('%Y-%m-%d')} on {machine_description()}; whole run {total:.0f} s with {jobs} "
             f"notebook(s) at a time, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}.", "",
             "`test_acc` is the last `train_ch6` result a notebook printed (else the last test accuracy it "
             "printed); the other numbers are the last of their kind in the outputs.", "",
             "| " + " | ".join(fields) + " |", "|" + " --- |" * len(fields)]
    lines += ["| " + " | ".join(str(r[k]) for k in fields) + " |" for r in rows]
    if profile in GOALS:
        wall, mem = GOALS[profile]
        missed = [r["notebook"] for r in rows if r["within_goal"] != "yes"]
        lines += ["", f"Goal: each notebook under {wall:.0f} s and {mem:.0f} MB. "
                  + ("All met." if not missed else f"Not met by: {', '.join(missed)}.")]
    if profile == "smoke":
        lines += ["", f"Goal: the whole smoke run under {SMOKE_TOTAL_GOAL:.0f} s: "
                  + ("met." if total <= SMOKE_TOTAL_GOAL else "NOT met.")]
    (out_dir / f"course-{profile}.md").write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    parser.add_argument("--profile", default="cpu", choices=["smoke", "cpu", "full"])
    parser.add_argument("--jobs", type=int, default=1, help="notebooks run at the same time")
    parser.add_argument("--timeout", type=int, default=1200, help="seconds per cell")
    parser.add_argument("--out", type=Path, default=ROOT / "reports")
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in (args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb")))]
    start = time.perf_counter()
    if args.jobs > 1 and "OMP_NUM_THREADS" not in os.environ:
        # Kernels running side by side must share the cores: with every kernel using all of them,
        # waiting threads spin and a notebook can run many times slower than it does alone.
        os.environ["OMP_NUM_THREADS"] = str(max(1, (os.cpu_count() or 1) // args.jobs))
    rows = []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(run_one, path, args.profile, args.timeout) for path in paths]
        for future in as_completed(futures):
            rows.append(future.result())
            write_report(rows, args.profile, time.perf_counter() - start, args.jobs, args.out)
    total = time.perf_counter() - start
    write_report(rows, args.profile, total, args.jobs, args.out)
    print(f"total {total:.0f} s; report in {args.out}/course-{args.profile}.md")
    return 0 if all(r["status"] == "ok" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
