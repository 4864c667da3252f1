"""Plotting helpers: static plots, image grids, and an Animator that updates in place.

Labels are English on purpose: CJK glyphs need fonts that many machines lack.
"""
from __future__ import annotations

from collections.abc import Sequence

import matplotlib
import matplotlib.pyplot as plt
import torch


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (where figures can be displayed and updated)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def use_svg_display() -> None:
    """Draw inline figures as SVG (sharp, but its text changes between runs; the course uses PNG)."""
    from matplotlib_inline import backend_inline
    backend_inline.set_matplotlib_formats("svg")


def set_figsize(figsize: tuple[float, float] = (3.5, 2.5)) -> None:
    """Set the default figure size in inches."""
    plt.rcParams["figure.figsize"] = figsize


def set_axes(axes, xlabel=None, ylabel=None, xlim=None, ylim=None,
             xscale="linear", yscale="linear", legend=None) -> None:
    """Label, scale and limit one matplotlib Axes."""
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_xscale(xscale)
    axes.set_yscale(yscale)
    axes.set_xlim(xlim)
    axes.set_ylim(ylim)
    if legend:
        axes.legend(legend)
    axes.grid(True)


def _is_sequence(v) -> bool:
    """True for lists, tuples, arrays and tensors with at least one dimension (not 0-d tensors)."""
    return hasattr(v, "__len__") and getattr(v, "ndim", 1) != 0


def _as_list(v):
    if torch.is_tensor(v):
        return v.detach().cpu().tolist()
    return list(v)


def plot(X, Y=None, xlabel=None, ylabel=None, legend=None, xlim=None, ylim=None,
         xscale="linear", yscale="linear", fmts=("-", "m--", "g-.", "r:"),
         figsize=(3.5, 2.5), axes=None):
    """Plot one or several curves. ``X`` and ``Y`` may be lists, arrays or tensors.

    With ``Y`` omitted, ``X`` holds the y values and x is 0, 1, 2, ...
    Returns the Axes so a caller can add to it.
    """
    def has_one_axis(v):
        return (hasattr(v, "ndim") and v.ndim == 1) or (
            isinstance(v, (list, tuple)) and (not v or not hasattr(v[0], "__len__")))

    if Y is None:
        X, Y = [[]] * (1 if has_one_axis(X) else len(X)), X
    if has_one_axis(X):
        X = [X]
    if has_one_axis(Y):
        Y = [Y]
    if len(X) != len(Y):
        X = X * len(Y)
    if axes is None:
        _, axes = plt.subplots(figsize=figsize)
    for x, y, fmt in zip(X, Y, fmts * len(Y)):
        y = _as_list(y)
        x = _as_list(x) if len(x) else list(range(len(y)))
        axes.plot(x, y, fmt)
    set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend)
    return axes


def show_images(imgs, num_rows: int, num_cols: int, titles: Sequence[str] | None = None,
                scale: float = 1.5):
    """Show a grid of images (tensors (H, W) or (1, H, W), or arrays). Returns the Axes."""
    if len(imgs) > num_rows * num_cols:
        raise ValueError(f"{len(imgs)} images do not fit in a {num_rows}x{num_cols} grid")
    figsize = (num_cols * scale, num_rows * scale)
    _, axes = plt.subplots(num_rows, num_cols, figsize=figsize, squeeze=False)
    axes = axes.flatten()
    for i, (ax, img) in enumerate(zip(axes, imgs)):
        if torch.is_tensor(img):
            img = img.detach().cpu().squeeze().numpy()
        ax.imshow(img, cmap="gray")
        ax.axis("off")
        if titles:
            ax.set_title(titles[i], fontsize=8)
    for ax in axes[len(imgs):]:
        ax.axis("off")
    return axes


class Animator:
    """Plot curves that grow during training, redrawn in place in the notebook.

    The figure is shown once through a display handle and each ``add`` replaces that picture,
    so it neither flickers nor wipes the cell's printed output (JupyterLab, VS Code, Colab).
    Outside a notebook (scripts, tests, Agg) it only records the points.
    The caller decides how often to ``add``; the training loops here do it a few times per epoch.
    """

    def __init__(self, xlabel=None, ylabel=None, legend=None, xlim=None, ylim=None,
                 xscale="linear", yscale="linear", fmts=("-", "m--", "g-.", "r:"),
                 figsize=(3.5, 2.5)) -> None:
        self.fig, self.axes = plt.subplots(figsize=figsize)
        plt.close(self.fig)  # we display it ourselves; keep the inline backend from showing it again
        self.config = dict(xlabel=xlabel, ylabel=ylabel, xlim=xlim, ylim=ylim,
                           xscale=xscale, yscale=yscale, legend=legend)
        self.fmts = fmts
        self.X: list[list[float]] | None = None
        self.Y: list[list[float]] | None = None
        self.handle = None

    def add(self, x, y) -> None:
        """Append one point per curve (``y`` may be a number or a list; None skips a curve)."""
        ys = list(y) if _is_sequence(y) else [y]
        xs = list(x) if _is_sequence(x) else [x] * len(ys)
        if self.X is None:
            self.X, self.Y = [[] for _ in ys], [[] for _ in ys]
        if len(ys) != len(self.Y):
            raise ValueError(f"Animator.add got {len(ys)} values, expected {len(self.Y)}")
        for i, (a, b) in enumerate(zip(xs, ys)):
            if a is not None and b is not None:
                self.X[i].append(float(a))
                self.Y[i].append(float(b))
        self.draw()

    def draw(self) -> None:
        """Redraw the curves and refresh the displayed picture (only inside a notebook)."""
        self.axes.cla()
        for x, y, fmt in zip(self.X or [], self.Y or [], self.fmts * 4):
            self.axes.plot(x, y, fmt)
        set_axes(self.axes, **self.config)
        if not _in_notebook() or matplotlib.get_backend().lower() == "agg":
            return
        from IPython.display import display
        if self.handle is None:
            self.handle = display(self.fig, display_id=True)
        else:
            self.handle.update(self.fig)
