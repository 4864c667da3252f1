"""The argument checks the public helpers share. Each raises a ``TypeError`` or ``ValueError`` that names
the argument, what was expected and what came instead, before torch fails deep inside."""
from __future__ import annotations

import math
import numbers

import torch


def check_int(name: str, value, minimum: int | None = None, maximum: int | None = None) -> int:
    """``value`` must be an integer (not a bool, not a float) from ``minimum`` to ``maximum`` (when given)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum}, got {value}")
    return int(value)


def check_number(name: str, value, minimum: float | None = None, positive: bool = False) -> float:
    """``value`` must be a finite real number; ``positive`` demands > 0, ``minimum`` >= minimum."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r} ({type(value).__name__})")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be greater than 0, got {value}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return float(value)


def check_choice(name: str, value, choices) -> object:
    """``value`` must be one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")
    return value


def check_tensor(name: str, value, ndim: int | None = None, floating: bool | None = None) -> torch.Tensor:
    """``value`` must be a torch tensor, optionally with ``ndim`` dimensions and a (non-)float dtype."""
    if not isinstance(value, torch.Tensor):
        hint = " (convert it with torch.tensor(...) first)" if hasattr(value, "shape") else ""
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}{hint}")
    if ndim is not None and value.dim() != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {tuple(value.shape)}")
    if floating is True and not value.is_floating_point():
        raise TypeError(f"{name} must hold floating-point values, got dtype {value.dtype}")
    if floating is False and value.is_floating_point():
        raise TypeError(f"{name} must hold integer ids, got dtype {value.dtype} (use .long() only on ids)")
    return value


def check_index_range(name: str, ids: torch.Tensor, size: int, what: str) -> None:
    """Every id in ``ids`` must lie in ``[0, size)``; ``what`` names what they index ("labels", "tokens")."""
    if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= size):
        raise ValueError(f"{name} holds {what} outside 0..{size - 1}: found values from "
                         f"{int(ids.min())} to {int(ids.max())}")


def scaled_channels(channels: int, width: float) -> int:
    """Number of channels after a width multiplier (at least 1); ``width`` 1.0 is the book's network."""
    check_number("width", width, positive=True)
    return max(1, int(round(channels * width)))


def to_pair(value, name: str, minimum: int | None = None) -> tuple[int, int]:
    """Accept an int or a pair of ints (each at least ``minimum``, when given) and return a pair."""
    try:
        pair = (value, value) if isinstance(value, numbers.Integral) else tuple(value)
    except TypeError:
        pair = ()
    if len(pair) != 2 or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in pair):
        raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
    if minimum is not None and min(pair) < minimum:
        rule = "non-negative" if minimum == 0 else f"at least {minimum}"
        raise ValueError(f"{name} must be {rule}, got {pair}")
    return int(pair[0]), int(pair[1])
