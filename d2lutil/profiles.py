"""Compute profiles, devices and seeds. One switch, ``D2L_PROFILE``, scales every notebook to its machine:
``smoke`` runs every cell in seconds (CI), ``cpu`` gives meaningful results in minutes on a 2-core laptop,
``full`` uses the book's settings (for a GPU). Unset, it is ``full`` with CUDA, else ``cpu``.
"""
from __future__ import annotations

import os
import random
from typing import Any

import numpy as np
import torch

from .validation import check_choice, check_int

PROFILES = ("smoke", "cpu", "full")


def active_profile() -> str:
    """The active profile's name, from ``D2L_PROFILE`` (case and surrounding spaces ignored)."""
    name = os.environ.get("D2L_PROFILE", "").strip().lower()
    if not name:
        return "full" if torch.cuda.is_available() else "cpu"
    return check_choice("D2L_PROFILE", name, PROFILES)


def by_profile(*, smoke: dict[str, Any], cpu: dict[str, Any], full: dict[str, Any],
               verbose: bool = True) -> dict[str, Any]:
    """A copy of the active profile's settings (printed); all three must name the same settings."""
    choices = {"smoke": smoke, "cpu": cpu, "full": full}
    for name, settings in choices.items():
        if not isinstance(settings, dict):
            raise TypeError(f"by_profile: {name} must be a dict of settings such as dict(lr=0.1), "
                            f"got {type(settings).__name__}")
    keys = {name: set(settings) for name, settings in choices.items()}
    if not keys["smoke"] == keys["cpu"] == keys["full"]:
        raise ValueError(f"by_profile: every profile must set the same keys, got {keys}")
    name = active_profile()
    if verbose:
        print(f"profile: {name} ({', '.join(f'{k}={v}' for k, v in choices[name].items())})")
    return dict(choices[name])


def try_all_gpus() -> list[torch.device]:
    """Every available GPU (CUDA, else Apple ``mps``), or ``[cpu]`` when there is none."""
    gpus = [torch.device(f"cuda:{i}") for i in range(torch.cuda.device_count())]
    if not gpus and torch.backends.mps.is_available():
        gpus = [torch.device("mps")]
    return gpus or [torch.device("cpu")]


def try_gpu(i: int = 0) -> torch.device:
    """GPU ``i`` of :func:`try_all_gpus` if it exists, else the CPU."""
    check_int("i", i, minimum=0)
    gpus = try_all_gpus()
    return gpus[i] if i < len(gpus) else torch.device("cpu")


def set_seed(seed: int = 0) -> torch.Generator:
    """Seed Python, NumPy and torch; return a torch generator seeded the same way for the data iterators."""
    check_int("seed", seed, minimum=0)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)
