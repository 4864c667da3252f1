"""Unit tests for d2lutil.widgets.common: the sliders, ``explorer`` and ``draw_cells`` every widget uses."""
import matplotlib.pyplot as plt

from d2lutil.widgets.common import draw_cells, explorer, float_slider, int_slider


def test_sliders_recompute_only_when_released():
    slider = int_slider("k", 1, 5, 3)
    assert (slider.min, slider.max, slider.value, slider.description) == (1, 5, 3, "k")
    assert not slider.continuous_update
    assert not float_slider("lr", 0.0, 1.0, 0.5, step=0.1).continuous_update


def show_square(n: int) -> str:
    """A stand-in for a widget's drawing function: refuses negative n as the real ones refuse bad settings."""
    if n < 0:
        raise ValueError(f"n must be at least 0, got {n}")
    return f"{n} squared is {n * n}"


def test_explorer_has_drawn_its_default_view_and_follows_the_slider(capsys):
    widget = explorer(show_square, "cannot square", n=int_slider("n", -3, 3, 2))
    assert widget.result == "2 squared is 4"  # already there, on ipywidgets 7 and 8 alike
    widget.children[0].value = 3
    assert widget.result == "3 squared is 9"
    assert "3 squared is 9" in capsys.readouterr().out


def test_explorer_prints_a_value_error_as_a_message():
    widget = explorer(show_square, "cannot square", n=int_slider("n", -3, 3, 2))
    widget.children[0].value = -1
    assert widget.result == "cannot square: n must be at least 0, got -1"


def test_draw_cells_draws_one_square_per_cell_row_zero_on_top():
    _, ax = plt.subplots()
    draw_cells(ax, 2, 3, "grid", lambda r, c: {"facecolor": "black" if (r, c) == (0, 0) else "white"})
    assert len(ax.patches) == 6
    black = [p for p in ax.patches if p.get_facecolor()[:3] == (0.0, 0.0, 0.0)]
    assert [p.get_xy() for p in black] == [(0, 1)]  # row 0, column 0: the top-left square
    assert ax.get_xlim() == (0, 3) and ax.get_ylim() == (0, 2) and ax.get_title() == "grid"
