"""Pieces shared by the widgets."""
from __future__ import annotations

import ipywidgets as widgets


def int_slider(description: str, low: int, high: int, value: int) -> widgets.IntSlider:
    """An integer slider that recomputes only when released (drawing is slower than dragging)."""
    return widgets.IntSlider(value=value, min=low, max=high, description=description,
                             continuous_update=False)


def interactive(function, **controls) -> widgets.interactive:
    """``widgets.interactive`` that has already drawn its default view, in ipywidgets 7 and 8 alike.

    ipywidgets 8 calls ``function`` when the widget is built; 7 (Colab's) only when it is displayed,
    so ``.result`` would stay None until then.
    """
    widget = widgets.interactive(function, **controls)
    if int(widgets.__version__.split(".")[0]) < 8:
        widget.update()
    return widget
