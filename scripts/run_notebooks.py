"""Execute course notebooks top to bottom, save them with their outputs, and record them in the report.

This is the one way committed outputs are made (never hand-saved from JupyterLab). One execution
writes both the notebook and its row in reports/course-<profile>.{md,csv}, so they cannot disagree:

    python scripts/run_notebooks.py                                # every notebook, cpu profile
    python scripts/run_notebooks.py notebooks/06_2*.ipynb
    python scripts/run_notebooks.py --profile full --jobs 3 --no-save   # a GPU report run, outputs untouched

While a notebook runs, the script measures the share of all CPUs used by *other* processes. A run
that competed for the cores prints throughputs and times that a learner would read as facts, so
above ``--max-others`` (default 10%) the notebook is not saved and the busiest other processes are
named. Widget state is saved with the outputs, so widgets show before a kernel runs.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from course_report import failed_row, machine_description, make_row, update_report

ROOT = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory of a process (Linux ``VmHWM``); NaN where /proc is not available."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return float("nan")
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))
    return int(kib) / 1024


def machine_busy_seconds() -> float:
    """CPU seconds all processes have spent since boot (first line of /proc/stat)."""
    with open("/proc/stat") as f:
        user, nice, system, _idle, _iowait, irq, softirq, steal = ([int(v) for v in f.readline().split()[1:]]
                                                                   + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / TICK


def processes() -> dict[int, tuple[str, int, float]]:
    """Every process as pid -> (name, parent pid, CPU seconds including its reaped children)."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        name, rest = raw[raw.index("(") + 1: raw.rindex(")")], raw[raw.rindex(")") + 2:].split()
        utime, stime, cutime, cstime = (int(v) for v in rest[11:15])
        table[int(entry.name)] = (name, int(rest[1]), (utime + stime + cutime + cstime) / TICK)
    return table


def tree(table: dict, root: int) -> set[int]:
    """``root`` and all its descendants in a process table."""
    members, grew = {root}, True
    while grew:
        children = {pid for pid, (_, parent, _) in table.items() if parent in members} - members
        members |= children
        grew = bool(children)
    return members


class LoadMonitor:
    """Share of all CPUs that processes other than this script and its kernel used during a run."""

    def __init__(self) -> None:
        self.start_time, self.start_busy, self.start_table = time.perf_counter(), machine_busy_seconds(), processes()
        self.ours: set[int] = {os.getpid()}
        self.ours_cpu: dict[int, float] = {}

    def record(self, kernel_pid: int) -> None:
        """Note the kernel's process tree and its CPU time so far (call while the kernel lives)."""
        table = processes()
        members = tree(table, kernel_pid) | {os.getpid()}
        self.ours |= members
        self.ours_cpu.update({pid: table[pid][2] for pid in members if pid in table})

    def finish(self) -> tuple[float, list[str]]:
        """Return (others' share of all CPUs, the three busiest other processes as 'name (N s)')."""
        wall, busy, table = time.perf_counter() - self.start_time, machine_busy_seconds(), processes()
        self.ours_cpu.update({pid: table[pid][2] for pid in self.ours if pid in table})
        self.ours_seconds = sum(cpu - self.start_table.get(pid, ("", 0, 0.0))[2] for pid, cpu in self.ours_cpu.items())
        others = max(0.0, (busy - self.start_busy - self.ours_seconds) / (wall * (os.cpu_count() or 1)))
        used = {pid: cpu - self.start_table.get(pid, ("", 0, 0.0))[2]
                for pid, (_, _, cpu) in table.items() if pid not in self.ours}
        busiest = sorted(used, key=used.get, reverse=True)[:3]
        return others, [f"{table[pid][0]} ({used[pid]:.0f} s)" for pid in busiest if used[pid] >= 1]


def execute(path: Path, profile: str, timeout: int):
    """Run one notebook; return (wall seconds, kernel peak RSS in MB, others' CPU share, busiest, notebook)."""
    nb = nbformat.read(path, as_version=4)
    os.environ["D2L_PROFILE"] = profile
    peak = [float("nan")]
    monitor = LoadMonitor()

    def after_cell(**_):  # VmHWM only grows, so reading it after each cell keeps the maximum
        pid = client.km.provisioner.process.pid
        peak[0] = peak_rss_mb(pid)
        monitor.record(pid)

    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                            store_widget_state=True, on_cell_executed=after_cell,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    wall = time.perf_counter() - start
    others, busiest = monitor.finish()
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nb.metadata.get("language_info", {}).pop("version", None)
    nb.metadata["d2l_run"] = {"profile": profile, "wall_s": round(wall, 1), "others_cpu_pct": round(100 * others, 1),
                              "machine": machine_description()}
    return wall, peak[0], others, busiest, nb


def run_one(path: Path, profile: str, timeout: int, save: bool, max_others: float) -> dict:
    """Execute one notebook; save it if asked and the machine was quiet; return its report row."""
    try:
        wall, peak, others, busiest, nb = execute(path, profile, timeout)
    except Exception as err:  # report every notebook, then fail
        print(f"{path.name}: FAILED: {type(err).__name__}: {str(err)[-2000:]}", flush=True)
        return failed_row(path.name, profile, err)
    row = make_row(path.name, profile, wall, peak, others, nb)
    line = f"{path.name}: {wall:.1f} s, kernel peak RSS {peak:.0f} MB, other processes {100 * others:.1f}% of CPUs"
    if save and others > max_others:
        print(f"{line}\n  NOT SAVED: the machine was busy (busiest others: {', '.join(busiest) or 'short-lived'}); "
              f"stop them and run this notebook again", flush=True)
        return {**row, "status": "not saved: machine busy"}
    if save:
        nbformat.write(nb, path)
    print(line, flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    parser.add_argument("--profile", default="cpu", choices=["smoke", "cpu", "full"])
    parser.add_argument("--timeout", type=int, default=1200, help="seconds per cell")
    parser.add_argument("--no-save", action="store_true", help="leave the notebooks as they are (report only)")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks at a time (only with --no-save)")
    parser.add_argument("--max-others", type=float, default=0.10,
                        help="largest share of all CPUs other processes may use during a saved run")
    parser.add_argument("--out", type=Path, default=ROOT / "reports", help="folder of the course report")
    args = parser.parse_args(argv)
    if args.jobs > 1 and not args.no_save:
        parser.error("--jobs > 1 needs --no-save: saved outputs must come from one notebook at a time")
    if args.jobs > 1 and "OMP_NUM_THREADS" not in os.environ:
        # Kernels side by side must share the cores, or their waiting threads spin and slow every one down.
        os.environ["OMP_NUM_THREADS"] = str(max(1, (os.cpu_count() or 1) // args.jobs))
    paths = [p.resolve() for p in (args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb")))]
    rows = []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(run_one, p, args.profile, args.timeout, not args.no_save, args.max_others)
                   for p in paths]
        for future in as_completed(futures):
            rows.append(future.result())
            update_report([r for r in rows if r["status"] == "ok"], args.profile, args.jobs, args.out,
                          saved=not args.no_save)
    return 0 if all(r["status"] == "ok" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
