"""Pieces shared by the widgets: slider makers, a grid of cells to draw on, and ``explorer``, which
turns a function that draws a figure and returns its summary into a widget."""
from __future__ import annotations

import functools
from typing import Callable

import ipywidgets as widgets
import matplotlib.pyplot as plt
from matplotlib.patches import Rectangle


def int_slider(description: str, low: int, high: int, value: int) -> widgets.IntSlider:
    """An integer slider that recomputes only when released (drawing is slower than dragging)."""
    return widgets.IntSlider(value=value, min=low, max=high, description=description,
                             continuous_update=False)


def float_slider(description: str, low: float, high: float, value: float,
                 step: float = 0.05) -> widgets.FloatSlider:
    """A float slider that recomputes only when released."""
    return widgets.FloatSlider(value=value, min=low, max=high, step=step, description=description,
                               continuous_update=False)


def interactive(function: Callable, **controls) -> widgets.interactive:
    """``widgets.interactive`` that has already drawn its default view: ipywidgets 8 calls ``function``
    when the widget is built, 7 (Colab's) only when it is displayed (``.result`` stays None until then)."""
    widget = widgets.interactive(function, **controls)
    if int(widgets.__version__.split(".")[0]) < 8:
        widget.update()
    return widget


def explorer(show: Callable[..., str], error_prefix: str, **controls) -> widgets.interactive:
    """An :func:`interactive` around ``show``, which may draw a figure and returns a summary to print
    above it. A ValueError (settings that cannot work) prints ``"<error_prefix>: <error>"`` instead of a
    traceback. The printed text is the widget's ``.result``."""
    @functools.wraps(show)  # keeps show's signature, which pairs its arguments with the controls
    def run(**settings) -> str:
        try:
            text = show(**settings)
        except ValueError as err:
            text = f"{error_prefix}: {err}"
        print(text)
        plt.show()
        return text

    return interactive(run, **controls)


def draw_cells(ax: plt.Axes, height: int, width: int, title: str, style: Callable[[int, int], dict]) -> None:
    """Fill ``ax`` with a height x width grid of unit squares, row 0 on top; ``style(row, col)``
    gives each square's ``Rectangle`` keywords."""
    for r in range(height):
        for c in range(width):
            ax.add_patch(Rectangle((c, height - 1 - r), 1, 1, **style(r, c)))
    ax.set(xlim=(0, width), ylim=(0, height), aspect="equal")
    ax.axis("off")
    ax.set_title(title, fontsize=9)
