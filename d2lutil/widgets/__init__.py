"""Interactive explorers for the notebooks, one module per topic.

Each widget is a thin ``ipywidgets.interactive`` around a plain function that computes what to
show and returns it (usually as text), so tests can drive a widget by setting its ``.value``s
and reading ``widget.result``. Bad settings are reported as a message, never a traceback. Only
the API shared by ipywidgets 7.7 (Colab) and 8 is used.
"""
from .conv import corr2d_explorer, corr2d_window, draw_corr2d_window
