"""Compute profiles, devices and seeds: one switch (``D2L_PROFILE``) scales every notebook to its machine.

``smoke``: every cell in seconds (CI); ``cpu``: meaningful results in minutes on a 2-core laptop;
``full``: the book's settings, for a GPU. Unset: ``full`` with CUDA, else ``cpu``.
"""
from __future__ import annotations

import os
import random
from typing import Any

import numpy as np
import torch

from .validation import check_int

PROFILES = ("smoke", "cpu", "full")


def active_profile() -> str:
    """Return the active profile name, raising a clear error for an unknown one."""
    name = os.environ.get("D2L_PROFILE", "").strip().lower()
    if not name:
        return "full" if torch.cuda.is_available() else "cpu"
    if name not in PROFILES:
        raise ValueError(f"D2L_PROFILE={name!r} is not a known profile; expected one of {', '.join(PROFILES)}")
    return name


def by_profile(*, smoke: dict[str, Any], cpu: dict[str, Any], full: dict[str, Any],
               verbose: bool = True) -> dict[str, Any]:
    """The settings of the active profile (printed); all three must name the same settings."""
    choices = {"smoke": smoke, "cpu": cpu, "full": full}
    for name, cfg in choices.items():
        if not isinstance(cfg, dict):
            raise TypeError(f"by_profile: {name} must be a dict of settings such as dict(lr=0.1), "
                            f"got {type(cfg).__name__}")
    keys = {name: set(cfg) for name, cfg in choices.items()}
    if not keys["smoke"] == keys["cpu"] == keys["full"]:
        raise ValueError(f"by_profile: every profile must set the same keys, got {keys}")
    name = active_profile()
    settings = dict(choices[name])
    if verbose:
        print(f"profile: {name} ({', '.join(f'{k}={v}' for k, v in settings.items())})")
    return settings


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
    """Seed Python, NumPy and torch; return a torch generator seeded the same way for the data iterators."""
    check_int("seed", seed, minimum=0)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)
