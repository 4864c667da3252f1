"""Widgets for convolution windows: where the kernel sits, and what shape comes out."""
from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
from matplotlib.patches import Rectangle

from ..conv import conv_output_shape
from .common import draw_cells, explorer, int_slider


def corr2d_window(input_size: int, kernel_size: int, padding: int = 0, stride: int = 1,
                  step: int = 0) -> dict:
    """Where the ``step``-th window (row-major, wrapping around) of a cross-correlation lies: padded input
    and output shapes, output ``position`` (i, j), and the padded-input ``rows`` and ``cols`` it covers."""
    out_h, out_w = conv_output_shape(input_size, kernel_size, padding, stride)
    if step < 0:
        raise ValueError(f"step must be non-negative, got {step}")
    i, j = divmod(step % (out_h * out_w), out_w)
    return {"padded_shape": (input_size + 2 * padding,) * 2, "output_shape": (out_h, out_w),
            "position": (i, j), "rows": (i * stride, i * stride + kernel_size),
            "cols": (j * stride, j * stride + kernel_size)}


def draw_corr2d_window(info: dict, padding: int) -> plt.Figure:
    """Picture of the padded input (grey = padding) with the current window, beside the output grid."""
    fig, (ax_in, ax_out) = plt.subplots(1, 2, figsize=(6, 3))
    (ph, pw), (oh, ow) = info["padded_shape"], info["output_shape"]
    inside = range(padding, ph - padding)  # rows and columns of the original input
    draw_cells(ax_in, ph, pw, "padded input (grey = padding)", lambda r, c: {
        "facecolor": "white" if r in inside and c in inside else "0.85", "edgecolor": "0.5"})
    (r0, r1), (c0, c1) = info["rows"], info["cols"]
    ax_in.add_patch(Rectangle((c0, ph - r1), c1 - c0, r1 - r0, fill=False, edgecolor="tab:red", lw=2.5))
    draw_cells(ax_out, oh, ow, "output", lambda r, c: {"facecolor": "white", "edgecolor": "0.5"})
    i, j = info["position"]
    ax_out.add_patch(Rectangle((j, oh - 1 - i), 1, 1, facecolor="tab:red", alpha=0.6))
    return fig


def corr2d_explorer() -> widgets.interactive:
    """Sliders for input size, kernel size, padding, stride and window step; shows the window."""
    def show(input_size, kernel_size, padding, stride, step):
        info = corr2d_window(input_size, kernel_size, padding, stride, step)
        draw_corr2d_window(info, padding)
        (r0, r1), (c0, c1) = info["rows"], info["cols"]
        (out_h, out_w), (i, j) = info["output_shape"], info["position"]
        return (f"output shape {out_h}x{out_w}; output[{i}, {j}] = sum(K * window "
                f"rows {r0}..{r1 - 1}, cols {c0}..{c1 - 1} of the padded input)")

    return explorer(
        show, "Cannot slide this kernel", input_size=int_slider("input", 1, 10, 6),
        kernel_size=int_slider("kernel", 1, 6, 3), padding=int_slider("padding", 0, 3, 1),
        stride=int_slider("stride", 1, 4, 2), step=int_slider("step", 0, 99, 0))
