"""Convolution basics: cross-correlation from scratch and the output-shape arithmetic."""
from __future__ import annotations

import torch

from .validation import check_int, check_tensor, to_pair


def conv_output_shape(input_size, kernel_size, padding=0, stride=1) -> tuple[int, int]:
    """Output (height, width) of a convolution or pooling window sliding over an input.

    Per dimension: ``floor((n + 2p - k) / s) + 1``, with ``p`` padding on each side.
    Raises ``ValueError`` for a stride below 1, negative padding, or a kernel larger than
    the padded input.
    """
    n, k = to_pair(input_size, "input_size"), to_pair(kernel_size, "kernel_size")
    p, s = to_pair(padding, "padding"), to_pair(stride, "stride")
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
    check_tensor("X", X, ndim=2)
    check_tensor("K", K, ndim=2)
    h, w = K.shape
    if h > X.shape[0] or w > X.shape[1]:
        raise ValueError(f"kernel K {tuple(K.shape)} is larger than X {tuple(X.shape)}")
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
    for layer in layers:
        if not isinstance(layer, (tuple, list)) or len(layer) != 2:
            raise ValueError(f"each entry of layers must be a (kernel_size, stride) pair, got {layer!r}")
        k = check_int("kernel_size", layer[0], minimum=1)
        s = check_int("stride", layer[1], minimum=1)
        field += (k - 1) * jump
        jump *= s
    return field


def conv2d_cost(in_channels: int, out_channels: int, input_size, kernel_size, padding=0, stride=1,
                batch_size: int = 1, bias: bool = True) -> dict:
    """Shapes, parameter count and multiply-adds of one ``nn.Conv2d`` layer, from its settings alone.

    Each output element is a dot product of length ``c_i * k_h * k_w``, so the forward pass does
    ``macs = batch * c_o * o_h * o_w * c_i * k_h * k_w`` multiply-adds (``2 * macs`` FLOPs, the
    count ``torch.utils.flop_counter`` reports; the bias adds are left out, as there). Returns the
    output shape and the element counts of input, output and parameters, to turn into bytes.
    """
    for name, value in (("in_channels", in_channels), ("out_channels", out_channels),
                        ("batch_size", batch_size)):
        check_int(name, value, minimum=1)
    n_h, n_w = to_pair(input_size, "input_size")
    k_h, k_w = to_pair(kernel_size, "kernel_size")
    o_h, o_w = conv_output_shape((n_h, n_w), (k_h, k_w), padding, stride)
    weights = out_channels * in_channels * k_h * k_w
    return {"output_shape": (batch_size, out_channels, o_h, o_w),
            "macs": batch_size * out_channels * o_h * o_w * in_channels * k_h * k_w,
            "params": weights + (out_channels if bias else 0),
            "input_numel": batch_size * in_channels * n_h * n_w,
            "output_numel": batch_size * out_channels * o_h * o_w}
