"""Convolution basics (chapter 6): cross-correlation from scratch, output shapes, receptive fields, costs."""
import torch

from .validation import check_int, check_tensor, to_pair


def conv_output_shape(input_size, kernel_size, padding=0, stride=1) -> tuple[int, int]:
    """Output (height, width) of a convolution or pooling window: ``floor((n + 2p - k) / s) + 1`` per side."""
    n, k = to_pair(input_size, "input_size", minimum=1), to_pair(kernel_size, "kernel_size", minimum=1)
    p, s = to_pair(padding, "padding", minimum=0), to_pair(stride, "stride", minimum=1)
    padded = (n[0] + 2 * p[0], n[1] + 2 * p[1])
    if k[0] > padded[0] or k[1] > padded[1]:
        raise ValueError(f"kernel_size {k} is larger than the padded input {padded}")
    return tuple((padded[i] - k[i]) // s[i] + 1 for i in range(2))


def corr2d(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """2-D cross-correlation of ``X`` with kernel ``K`` (no padding, stride 1), as the definition's two loops."""
    check_tensor("X", X, ndim=2)
    check_tensor("K", K, ndim=2)
    h, w = K.shape
    Y = torch.zeros(conv_output_shape(tuple(X.shape), (h, w)), dtype=torch.result_type(X, K))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y


def receptive_field(layers: list[tuple[int, int]]) -> int:
    """Receptive field (input pixels per side) of one output of stacked ``(kernel_size, stride)`` layers."""
    field, jump = 1, 1  # jump: input pixels between neighbouring outputs so far, the product of the strides
    for layer in layers:
        if not isinstance(layer, (tuple, list)) or len(layer) != 2:
            raise ValueError(f"each entry of layers must be a (kernel_size, stride) pair, got {layer!r}")
        field += (check_int("kernel_size", layer[0], minimum=1) - 1) * jump
        jump *= check_int("stride", layer[1], minimum=1)
    return field


def conv2d_cost(in_channels: int, out_channels: int, input_size, kernel_size, padding=0, stride=1,
                batch_size: int = 1, bias: bool = True) -> dict:
    """Output shape, params, macs and numels of one ``nn.Conv2d`` (FLOPs = ``2 * macs``, bias left out)."""
    for name, value in (("in_channels", in_channels), ("out_channels", out_channels), ("batch_size", batch_size)):
        check_int(name, value, minimum=1)
    o_h, o_w = conv_output_shape(input_size, kernel_size, padding, stride)
    (n_h, n_w), (k_h, k_w) = to_pair(input_size, "input_size"), to_pair(kernel_size, "kernel_size")
    return {"output_shape": (batch_size, out_channels, o_h, o_w),
            "macs": batch_size * out_channels * o_h * o_w * in_channels * k_h * k_w,
            "params": out_channels * in_channels * k_h * k_w + (out_channels if bias else 0),
            "input_numel": batch_size * in_channels * n_h * n_w,
            "output_numel": batch_size * out_channels * o_h * o_w}
