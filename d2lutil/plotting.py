"""The book's plotting helpers: static plots, image grids, and an Animator that redraws in place.

Labels are English on purpose: CJK glyphs need fonts that many machines lack.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import torch


def use_svg_display() -> None:
    """Draw inline figures as SVG (sharp, but its text changes between runs; the course uses PNG)."""
    from matplotlib_inline import backend_inline
    backend_inline.set_matplotlib_formats("svg")


def set_figsize(figsize: tuple[float, float] = (3.5, 2.5)) -> None:
    """Set the default figure size in inches."""
    plt.rcParams["figure.figsize"] = figsize


def set_axes(axes: plt.Axes, xlabel=None, ylabel=None, xlim=None, ylim=None,
             xscale="linear", yscale="linear", legend=None) -> None:
    """Label, scale and limit one matplotlib Axes, and draw its grid (and legend, if given)."""
    axes.set(xlabel=xlabel, ylabel=ylabel, xscale=xscale, yscale=yscale, xlim=xlim, ylim=ylim)
    if legend:
        axes.legend(legend)
    axes.grid(True)


def _curves(v) -> list[list]:
    """``v`` as a list of curves, each a list of numbers: a 1-D list, tuple, array or tensor is one curve."""
    flat_list = isinstance(v, (list, tuple)) and not (v and hasattr(v[0], "__len__"))
    curves = [v] if flat_list or getattr(v, "ndim", None) == 1 else v
    return [c.detach().cpu().tolist() if torch.is_tensor(c) else list(c) for c in curves]


def _is_sequence(v) -> bool:
    """True for lists, tuples, arrays and tensors with at least one dimension (not 0-d tensors)."""
    return hasattr(v, "__len__") and getattr(v, "ndim", 1) != 0


def plot(X, Y=None, xlabel=None, ylabel=None, legend=None, xlim=None, ylim=None,
         xscale="linear", yscale="linear", fmts=("-", "m--", "g-.", "r:"),
         figsize=(3.5, 2.5), axes: plt.Axes | None = None) -> plt.Axes:
    """Plot one or several curves from lists, arrays or tensors; return the Axes so a caller can add to it.

    Without ``Y``, ``X`` holds the y values and x is 0, 1, 2, ...; one x may serve several curves.
    """
    X, Y = ([], X) if Y is None else (X, Y)
    X, Y = _curves(X), _curves(Y)
    if len(X) != len(Y):
        X = X * len(Y)
    if axes is None:
        _, axes = plt.subplots(figsize=figsize)
    for x, y, fmt in zip(X, Y, fmts * len(Y)):
        axes.plot(x or list(range(len(y))), y, fmt)
    set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend)
    return axes


def show_images(imgs, num_rows: int, num_cols: int, titles: list[str] | None = None, scale: float = 1.5):
    """Show a grid of images (tensors (H, W) or (1, H, W), or arrays); return the Axes."""
    if len(imgs) > num_rows * num_cols:
        raise ValueError(f"{len(imgs)} images do not fit in a {num_rows}x{num_cols} grid")
    figsize = (num_cols * scale, num_rows * scale)
    axes = plt.subplots(num_rows, num_cols, figsize=figsize, squeeze=False)[1].flatten()
    for ax in axes:
        ax.axis("off")
    for i, (ax, img) in enumerate(zip(axes, imgs)):
        ax.imshow(img.detach().cpu().squeeze().numpy() if torch.is_tensor(img) else img, cmap="gray")
        if titles:
            ax.set_title(titles[i], fontsize=8)
    return axes


class Animator:
    """Plot curves that grow during training, redrawn in place in the notebook.

    The figure is shown once through a display handle that each ``add`` updates, so it neither flickers nor
    wipes the cell's printed output. Outside a notebook (scripts, tests, Agg) it only records the points.
    """

    def __init__(self, xlabel=None, ylabel=None, legend=None, xlim=None, ylim=None,
                 xscale="linear", yscale="linear", fmts=("-", "m--", "g-.", "r:"),
                 figsize=(3.5, 2.5)) -> None:
        self.fig, self.axes = plt.subplots(figsize=figsize)
        plt.close(self.fig)  # we display it ourselves; keep the inline backend from showing it again
        self.config = dict(xlabel=xlabel, ylabel=ylabel, legend=legend, xlim=xlim, ylim=ylim,
                           xscale=xscale, yscale=yscale, fmts=fmts)
        self.X, self.Y, self.handle = None, None, None

    def add(self, x, y) -> None:
        """Append one point per curve (``y`` may be a number or a list; None skips a curve)."""
        ys = list(y) if _is_sequence(y) else [y]
        xs = list(x) if _is_sequence(x) else [x] * len(ys)
        if self.X is None:
            self.X, self.Y = [[] for _ in ys], [[] for _ in ys]
        if len(ys) != len(self.Y):
            raise ValueError(f"Animator.add got {len(ys)} values, expected {len(self.Y)}")
        for x_values, y_values, a, b in zip(self.X, self.Y, xs, ys):
            if a is not None and b is not None:
                x_values.append(float(a))
                y_values.append(float(b))
        self.draw()

    def draw(self) -> None:
        """Redraw the curves and refresh the displayed picture (only inside a notebook)."""
        self.axes.cla()
        plot(self.X or [[]], self.Y or [[]], axes=self.axes, **self.config)
        from IPython import get_ipython  # installed with ipywidgets
        if not hasattr(get_ipython(), "kernel") or plt.get_backend().lower() == "agg":
            return  # only a Jupyter kernel with a display backend can show and update the figure
        from IPython.display import display
        if self.handle is None:
            self.handle = display(self.fig, display_id=True)
        else:
            self.handle.update(self.fig)
