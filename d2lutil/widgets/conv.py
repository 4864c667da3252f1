"""Widgets for convolution windows: where the kernel sits, and what shape comes out."""
from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
from matplotlib.patches import Rectangle

from ..conv import conv_output_shape
from .common import int_slider, interactive


def corr2d_window(input_size: int, kernel_size: int, padding: int = 0, stride: int = 1,
                  step: int = 0) -> dict:
    """Where the ``step``-th window of a cross-correlation lies (row-major order over outputs).

    Returns the padded input shape, the output shape, the output position ``(i, j)`` and the
    padded-input rows and columns the window covers. Steps past the last window wrap around.
    """
    out_h, out_w = conv_output_shape(input_size, kernel_size, padding, stride)
    if step < 0:
        raise ValueError(f"step must be non-negative, got {step}")
    step %= out_h * out_w
    i, j = divmod(step, out_w)
    return {"padded_shape": (input_size + 2 * padding,) * 2, "output_shape": (out_h, out_w),
            "position": (i, j), "rows": (i * stride, i * stride + kernel_size),
            "cols": (j * stride, j * stride + kernel_size)}


def _draw_grid(ax, shape, title, inner=None):
    """Draw a grid of cells; cells outside ``inner`` (padding) are shaded grey."""
    h, w = shape
    for r in range(h):
        for c in range(w):
            is_pad = inner is not None and not (inner[0] <= r < inner[1] and inner[0] <= c < inner[1])
            ax.add_patch(Rectangle((c, h - 1 - r), 1, 1, facecolor="0.85" if is_pad else "white",
                                   edgecolor="0.5"))
    ax.set_xlim(0, w)
    ax.set_ylim(0, h)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=9)


def draw_corr2d_window(info: dict, padding: int):
    """Picture of the padded input with the current window, beside the output grid."""
    fig, (ax_in, ax_out) = plt.subplots(1, 2, figsize=(6, 3))
    ph, _ = info["padded_shape"]
    _draw_grid(ax_in, info["padded_shape"], "padded input (grey = padding)", (padding, ph - padding))
    (r0, r1), (c0, c1) = info["rows"], info["cols"]
    ax_in.add_patch(Rectangle((c0, ph - r1), c1 - c0, r1 - r0, fill=False, edgecolor="tab:red", lw=2.5))
    oh, _ = info["output_shape"]
    _draw_grid(ax_out, info["output_shape"], "output")
    i, j = info["position"]
    ax_out.add_patch(Rectangle((j, oh - 1 - i), 1, 1, facecolor="tab:red", alpha=0.6))
    return fig


def corr2d_explorer() -> widgets.interactive:
    """Sliders for input size, kernel size, padding, stride and window step; shows the window."""
    def show(input_size, kernel_size, padding, stride, step):
        try:
            info = corr2d_window(input_size, kernel_size, padding, stride, step)
        except ValueError as err:
            message = f"Cannot slide this kernel: {err}"
            print(message)
            return message
        (r0, r1), (c0, c1) = info["rows"], info["cols"]
        summary = (f"output shape {info['output_shape'][0]}x{info['output_shape'][1]}; "
                   f"output[{info['position'][0]}, {info['position'][1]}] = sum(K * window "
                   f"rows {r0}..{r1 - 1}, cols {c0}..{c1 - 1} of the padded input)")
        print(summary)
        draw_corr2d_window(info, padding)
        plt.show()
        return summary


    return interactive(
        show, input_size=int_slider("input", 1, 10, 6), kernel_size=int_slider("kernel", 1, 6, 3),
        padding=int_slider("padding", 0, 3, 1), stride=int_slider("stride", 1, 4, 2),
        step=int_slider("step", 0, 99, 0))
