"""Compute profiles: one switch that scales every notebook to the machine it runs on.

``D2L_PROFILE`` selects the profile:

* ``smoke`` -- every cell runs in seconds (CI); numbers are not meaningful.
* ``cpu``   -- meaningful results in a few minutes on a 2-core laptop (Binder).
* ``full``  -- the book's settings, meant for a GPU.

Without the variable, the profile is ``full`` when CUDA is available, else ``cpu``.
"""
from __future__ import annotations

import os
from typing import Any

import torch

PROFILES = ("smoke", "cpu", "full")


def active_profile() -> str:
    """Return the active profile name, raising a clear error for an unknown one."""
    name = os.environ.get("D2L_PROFILE", "").strip().lower()
    if not name:
        return "full" if torch.cuda.is_available() else "cpu"
    if name not in PROFILES:
        raise ValueError(
            f"D2L_PROFILE={name!r} is not a known profile; expected one of {', '.join(PROFILES)}"
        )
    return name


def by_profile(*, smoke: dict[str, Any], cpu: dict[str, Any], full: dict[str, Any],
               verbose: bool = True) -> dict[str, Any]:
    """Pick the hyperparameters for the active profile and say which profile that is.

    Each argument is a dict of settings; all three must name the same settings so that a
    notebook reads the same in every profile.
    """
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
        listed = ", ".join(f"{k}={v}" for k, v in settings.items())
        print(f"profile: {name} ({listed})")
    return settings
