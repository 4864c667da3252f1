"""Clocks for the benchmarks: wall and CPU time of a run, the CPU share of *other* processes during it
(the machine-load guard), a timing wrapper around a loader, matrix-product rates and Markdown tables.

Two PyTorch threads on two cores slow down 10x or more when anything else runs, so every figure is
kept beside the share of the CPUs that other processes used meanwhile.
"""
from __future__ import annotations

import math
import os
import resource
import time

import torch


def clocks() -> tuple[float, float, float]:
    """Wall time, CPU seconds of this process and its reaped children (DataLoader workers), and the busy CPU
    seconds of the whole machine (from /proc/stat; NaN without it)."""
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    try:
        with open("/proc/stat") as f:
            ticks = [int(v) for v in f.readline().split()[1:9]]  # user nice system idle iowait irq softirq steal
        machine = (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")
    except OSError:
        machine = float("nan")
    return time.perf_counter(), sum(u.ru_utime + u.ru_stime for u in usage), machine


def others_share(start: tuple, end: tuple) -> float:
    """Share of all CPUs that other processes used between two :func:`clocks` readings (0 when quiet)."""
    wall, ours, machine = (e - s for e, s in zip(end, start))
    share = (machine - ours) / (wall * (os.cpu_count() or 1))
    return share if math.isnan(share) else max(0.0, share)


def wait_until_quiet(max_busy: float, timeout: float) -> None:
    """Sleep until other processes use at most ``max_busy`` of the CPUs over 1 s, or ``timeout`` s pass."""
    deadline, waited = time.perf_counter() + timeout, False
    while timeout > 0:
        start = clocks()
        time.sleep(1.0)
        share = others_share(start, clocks())
        if not share > max_busy or time.perf_counter() > deadline:
            break
        waited = True
    if waited:
        print(f"    (waited for a quiet machine: other processes now at {100 * share:.0f}% CPU)", flush=True)


def record(start: tuple, end: tuple, items: int, **extra) -> dict:
    """A run timed by two :func:`clocks` readings: items/s, seconds, CPU seconds, items, and ``extra``."""
    seconds = end[0] - start[0]
    return {"rate": items / seconds, "seconds": seconds, "cpu_s": end[1] - start[1], "items": items, **extra}


class TimedBatches:
    """Pass minibatches through, keeping (start clocks, end clocks, images or tokens) for each pass.

    A pass starts before the inner iterator (and any DataLoader workers) exists and ends after the
    consumer's last loop body, so both sides of a comparison are timed the same way. ``max_batches``
    cuts a pass short; a DataLoader's workers are then shut down inside it, as at an epoch's end.
    """

    def __init__(self, inner, max_batches: int | None = None) -> None:
        self.inner, self.max_batches, self.passes = inner, max_batches, []

    def __len__(self) -> int:
        return min(len(self.inner), self.max_batches or len(self.inner))

    def __iter__(self):
        start, count, it = clocks(), 0, iter(self.inner)
        for i, (X, y) in enumerate(it):
            count += X.numel() if X.dim() == 2 else X.shape[0]  # tokens (RNN) or images
            yield X, y
            if i + 1 == self.max_batches:
                getattr(it, "_shutdown_workers", lambda: None)()
                break
        self.passes.append((start, clocks(), count))  # the workers are joined by now: their CPU time counts


def matmul_gflops(n: int, k: int, m: int, seconds: float) -> float:
    """GFLOP/s of back-to-back (n x k) @ (k x m) products: the best of 3 runs of ``seconds`` each."""
    a, b, best = torch.randn(n, k), torch.randn(k, m), 0.0
    for run in range(4):  # run 0 warms up
        reps, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            torch.mm(a, b)
            reps += 1
        if run:
            best = max(best, 2 * n * k * m * reps / (time.perf_counter() - start) / 1e9)
    return best


def table(header: str, rows: list[tuple], left: int = 1) -> str:
    """A Markdown table from 'a | b | ...' and rows; the columns after the first ``left`` are right-aligned."""
    columns = header.split(" | ")
    lines = [columns, ["---"] * left + ["---:"] * (len(columns) - left), *rows]
    return "\n".join("| " + " | ".join(map(str, line)) + " |" for line in lines)
