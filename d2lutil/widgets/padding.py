"""Widget for padding and stride: every window a kernel visits, and the output shape it gives."""
from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from matplotlib.patches import Rectangle

from ..conv import conv_output_shape
from ..validation import to_pair
from .common import draw_cells, explorer, int_slider

Size = int | tuple[int, int]  # one number for both sides, or (height, width)


def kernel_positions(input_size: Size, kernel_size: Size, padding: Size = 0, stride: Size = 1) -> dict:
    """All windows of a kernel over an input zero-padded on each side: ``corners`` (each window's top-left
    (row, col) in the padded input, row-major), the shapes, and ``skipped_rows``/``skipped_cols``: rows and
    columns of the original input that no window covers (stepped over, or past the last window)."""
    out_h, out_w = conv_output_shape(input_size, kernel_size, padding, stride)
    (n_h, n_w), (k_h, k_w) = to_pair(input_size, "input_size"), to_pair(kernel_size, "kernel_size")
    (p_h, p_w), (s_h, s_w) = to_pair(padding, "padding"), to_pair(stride, "stride")
    rows = [i * s_h for i in range(out_h)]
    cols = [j * s_w for j in range(out_w)]

    def skipped(starts, k, p, n):
        covered = {r for start in starts for r in range(start, start + k)}
        return [r - p for r in range(p, p + n) if r not in covered]

    return {"padded_shape": (n_h + 2 * p_h, n_w + 2 * p_w), "output_shape": (out_h, out_w),
            "corners": [(r, c) for r in rows for c in cols],
            "kernel_shape": (k_h, k_w), "padding": (p_h, p_w),
            "skipped_rows": skipped(rows, k_h, p_h, n_h), "skipped_cols": skipped(cols, k_w, p_w, n_w)}


def torch_output_shape(input_size: Size, kernel_size: Size, padding: Size = 0,
                       stride: Size = 1) -> tuple[int, int]:
    """The output (height, width) that ``F.conv2d`` actually produces, for comparison."""
    (n_h, n_w), (k_h, k_w) = to_pair(input_size, "input_size"), to_pair(kernel_size, "kernel_size")
    y = F.conv2d(torch.zeros(1, 1, n_h, n_w), torch.zeros(1, 1, k_h, k_w),
                 padding=to_pair(padding, "padding"), stride=to_pair(stride, "stride"))
    return tuple(y.shape[-2:])


def describe_positions(info: dict) -> str:
    """One-paragraph text summary of ``kernel_positions``'s result."""
    (ph, pw), (oh, ow), (kh, kw) = info["padded_shape"], info["output_shape"], info["kernel_shape"]
    text = (f"padded input {ph}x{pw}, kernel {kh}x{kw}: {len(info['corners'])} windows "
            f"-> output {oh}x{ow}")
    lost = [f"{name} {values}" for name, values in
            (("rows", info["skipped_rows"]), ("cols", info["skipped_cols"])) if values]
    return text + ("; input " + " and ".join(lost) + " are never inside a window" if lost else "")


def draw_kernel_positions(info: dict) -> plt.Figure:
    """Padded input (grey: padding, hatched: never covered) with a dot at each window's top-left corner,
    the first window outlined in red and the last dashed in blue; the output grid beside it."""
    (ph, pw), (oh, ow) = info["padded_shape"], info["output_shape"]
    (kh, kw), (p_h, p_w) = info["kernel_shape"], info["padding"]
    skipped_r, skipped_c = set(info["skipped_rows"]), set(info["skipped_cols"])

    def input_cell(r, c):
        inside = p_h <= r < ph - p_h and p_w <= c < pw - p_w
        lost = inside and (r - p_h in skipped_r or c - p_w in skipped_c)
        return {"facecolor": "white" if inside else "0.8", "edgecolor": "0.6",
                "hatch": "///" if lost else None}

    fig, (ax_in, ax_out) = plt.subplots(1, 2, figsize=(7, 3.4),
                                        gridspec_kw={"width_ratios": [max(pw, 1), max(ow, 1)]})
    draw_cells(ax_in, ph, pw, "padded input (grey: padding, hatched: never covered)\n"
               "dots: top-left corners of all windows", input_cell)
    for (r, c), style in zip((info["corners"][0], info["corners"][-1]),
                             (dict(edgecolor="tab:red", lw=2.5), dict(edgecolor="tab:blue", lw=2, ls="--"))):
        ax_in.add_patch(Rectangle((c, ph - r - kh), kw, kh, fill=False, **style))
    rows, cols = zip(*info["corners"])
    ax_in.plot([c + 0.5 for c in cols], [ph - r - 0.5 for r in rows], "o", color="tab:red", ms=4)
    draw_cells(ax_out, oh, ow, f"output {oh}x{ow}",
               lambda r, c: {"facecolor": "tab:red", "alpha": 0.25, "edgecolor": "0.4"})
    return fig


def padding_explorer() -> widgets.interactive:
    """Sliders for input, kernel, padding and stride (height and width apart); draws every window.
    Padding -1 and stride 0 are allowed on purpose: the widget then explains why no convolution can."""
    def show(input_h, input_w, kernel_h, kernel_w, padding_h, padding_w, stride_h, stride_w):
        args = ((input_h, input_w), (kernel_h, kernel_w), (padding_h, padding_w), (stride_h, stride_w))
        info = kernel_positions(*args)
        torch_shape = torch_output_shape(*args)
        verdict = "agrees" if torch_shape == info["output_shape"] else "DISAGREES"
        draw_kernel_positions(info)
        return describe_positions(info) + f"; F.conv2d {verdict}: {torch_shape[0]}x{torch_shape[1]}"

    return explorer(
        show, "No convolution with these settings", input_h=int_slider("input h", 1, 12, 8),
        input_w=int_slider("input w", 1, 12, 8), kernel_h=int_slider("kernel h", 1, 7, 3),
        kernel_w=int_slider("kernel w", 1, 7, 3), padding_h=int_slider("padding h", -1, 4, 1),
        padding_w=int_slider("padding w", -1, 4, 1), stride_h=int_slider("stride h", 0, 5, 2),
        stride_w=int_slider("stride w", 0, 5, 2))
