"""Pieces shared by the widgets."""
from __future__ import annotations

import ipywidgets as widgets


def int_slider(description: str, low: int, high: int, value: int) -> widgets.IntSlider:
    """An integer slider that recomputes only when released (drawing is slower than dragging)."""
    return widgets.IntSlider(value=value, min=low, max=high, description=description,
                             continuous_update=False)
