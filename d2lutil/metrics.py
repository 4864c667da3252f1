"""Small bookkeeping tools: a stopwatch and running sums."""
from __future__ import annotations

import time

import torch


class Timer:
    """Record several running times."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.start()

    def start(self) -> None:
        self._tik = time.perf_counter()

    def stop(self) -> float:
        """Stop the timer, record the time since ``start`` and return it."""
        self.times.append(time.perf_counter() - self._tik)
        return self.times[-1]

    def avg(self) -> float:
        return sum(self.times) / len(self.times) if self.times else 0.0

    def sum(self) -> float:
        return sum(self.times)

    def cumsum(self) -> list[float]:
        out, total = [], 0.0
        for t in self.times:
            total += t
            out.append(total)
        return out


class Accumulator:
    """Sum ``n`` quantities over many ``add`` calls.

    Values may be Python numbers or 0-d tensors; tensors stay on their device, so adding a
    batch's loss does not force the GPU to synchronise. Reading ``acc[i]`` converts to float.
    """

    def __init__(self, n: int) -> None:
        if n < 1:
            raise ValueError(f"Accumulator needs n >= 1 slots, got n={n}")
        self.data: list = [0.0] * n

    def add(self, *args) -> None:
        if len(args) != len(self.data):
            raise ValueError(f"Accumulator.add expected {len(self.data)} values, got {len(args)}")
        self.data = [a + (b.detach() if torch.is_tensor(b) else float(b))
                     for a, b in zip(self.data, args)]

    def reset(self) -> None:
        self.data = [0.0] * len(self.data)

    def __getitem__(self, idx: int) -> float:
        value = self.data[idx]
        return float(value.item()) if torch.is_tensor(value) else float(value)
