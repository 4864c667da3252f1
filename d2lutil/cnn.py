"""Convolution basics: cross-correlation from scratch and the output-shape arithmetic."""
from __future__ import annotations

import torch


def _pair(value, name: str) -> tuple[int, int]:
    """Accept an int or a pair of ints and return a pair, or raise naming the argument."""
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, int) for v in pair):
        raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
    return pair


def conv_output_shape(input_size, kernel_size, padding=0, stride=1) -> tuple[int, int]:
    """Output (height, width) of a convolution or pooling window sliding over an input.

    Per dimension: ``floor((n + 2p - k) / s) + 1``, with ``p`` padding on each side.
    Raises ``ValueError`` for a stride below 1, negative padding, or a kernel larger than
    the padded input.
    """
    n, k = _pair(input_size, "input_size"), _pair(kernel_size, "kernel_size")
    p, s = _pair(padding, "padding"), _pair(stride, "stride")
    if min(n) < 1 or min(k) < 1:
        raise ValueError(f"input_size {n} and kernel_size {k} must be positive")
    if min(s) < 1:
        raise ValueError(f"stride must be at least 1, got {s}")
    if min(p) < 0:
        raise ValueError(f"padding must be non-negative, got {p}")
    padded = (n[0] + 2 * p[0], n[1] + 2 * p[1])
    if k[0] > padded[0] or k[1] > padded[1]:
        raise ValueError(f"kernel_size {k} is larger than the padded input {padded}")
    return tuple((padded[i] - k[i]) // s[i] + 1 for i in range(2))


def corr2d(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """2-D cross-correlation of a matrix ``X`` with a kernel ``K`` (no padding, stride 1).

    Written as the two loops of the definition: each output element is the sum of an
    elementwise product of ``K`` with the window of ``X`` below it.
    """
    if X.dim() != 2 or K.dim() != 2:
        raise ValueError(f"corr2d expects 2-D X and K, got shapes {tuple(X.shape)} and {tuple(K.shape)}")
    h, w = K.shape
    out_h, out_w = conv_output_shape(tuple(X.shape), (h, w))
    Y = torch.zeros((out_h, out_w), dtype=torch.result_type(X, K))
    for i in range(out_h):
        for j in range(out_w):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y


def receptive_field(layers: list[tuple[int, int]]) -> int:
    """Receptive field (in input pixels, per side) of one output of stacked conv/pool layers.

    ``layers`` lists ``(kernel_size, stride)`` from input to output. Each layer widens the field
    by ``(k - 1)`` times the product of the strides below it.
    """
    field, jump = 1, 1
    for k, s in layers:
        if k < 1 or s < 1:
            raise ValueError(f"kernel_size and stride must be at least 1, got ({k}, {s})")
        field += (k - 1) * jump
        jump *= s
    return field
