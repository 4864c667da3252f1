"""Devices and seeds: where tensors live, and how a run is made repeatable."""
from __future__ import annotations

import random

import numpy as np
import torch

from .validation import check_int


def try_gpu(i: int = 0) -> torch.device:
    """Return GPU ``i`` if it exists (CUDA, or Apple ``mps`` for i=0), else the CPU."""
    check_int("i", i, minimum=0)
    if torch.cuda.device_count() > i:
        return torch.device(f"cuda:{i}")
    if i == 0 and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def try_all_gpus() -> list[torch.device]:
    """Return every available GPU, or ``[cpu]`` when there is none."""
    gpus = [torch.device(f"cuda:{i}") for i in range(torch.cuda.device_count())]
    if not gpus and torch.backends.mps.is_available():
        gpus = [torch.device("mps")]
    return gpus or [torch.device("cpu")]


def set_seed(seed: int = 0) -> torch.Generator:
    """Seed Python, NumPy and torch, and return a torch generator seeded the same way.

    Pass the returned generator to the data iterators so their shuffling repeats too.
    """
    check_int("seed", seed, minimum=0)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)
