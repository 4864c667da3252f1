"""Unit tests for d2lutil.plotting (headless: the root conftest selects Agg)."""
import sys
import types

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

import d2lutil


@pytest.fixture
def in_a_kernel(monkeypatch):
    """Make the Animator believe it runs inside a Jupyter kernel."""
    import IPython
    monkeypatch.setattr(IPython, "get_ipython", lambda: types.SimpleNamespace(kernel=object()))


def test_backend_is_headless():
    from IPython import get_ipython
    assert matplotlib.get_backend().lower() == "agg"
    assert not hasattr(get_ipython(), "kernel")  # not a Jupyter kernel: an Animator only records


def test_use_svg_display_selects_svg(monkeypatch):
    from matplotlib_inline import backend_inline
    calls = []
    monkeypatch.setattr(backend_inline, "set_matplotlib_formats", lambda *fmts: calls.append(fmts))
    d2lutil.use_svg_display()
    assert calls == [("svg",)]


def test_set_figsize(monkeypatch):
    monkeypatch.setitem(plt.rcParams, "figure.figsize", [6.4, 4.8])
    d2lutil.set_figsize((5, 3))
    assert list(plt.rcParams["figure.figsize"]) == [5, 3]
    d2lutil.set_figsize()
    assert list(plt.rcParams["figure.figsize"]) == [3.5, 2.5]


def test_set_axes_applies_every_setting():
    _, ax = plt.subplots()
    ax.plot([1, 2, 3], [1, 10, 100])
    ax.plot([1, 2, 3], [2, 20, 200])
    d2lutil.set_axes(ax, "epoch", "loss", [1, 3], [1, 300], "linear", "log", ["a", "b"])
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"
    assert ax.get_xlim() == (1, 3) and ax.get_ylim() == pytest.approx((1, 300))
    assert ax.get_xscale() == "linear" and ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    assert ax.xaxis.get_gridlines()[0].get_visible()


def test_set_axes_without_legend():
    _, ax = plt.subplots()
    ax.plot([0, 1])
    d2lutil.set_axes(ax)
    assert ax.get_legend() is None
    assert ax.get_xlabel() == ""


def test_plot_single_curve_from_y_only():
    ax = d2lutil.plot(torch.tensor([3.0, 1.0, 2.0]))
    assert isinstance(ax, matplotlib.axes.Axes)
    (line,) = ax.get_lines()
    assert list(line.get_xdata()) == [0, 1, 2]
    assert list(line.get_ydata()) == [3.0, 1.0, 2.0]


def test_plot_shared_x_several_curves_with_legend_and_formats():
    x = np.arange(5)
    ax = d2lutil.plot(x, [x ** 2, 2 * x, [1, 1, 1, 1, 1]], "x", "f(x)", legend=["sq", "lin", "one"])
    lines = ax.get_lines()
    assert len(lines) == 3
    assert all(list(line.get_xdata()) == list(range(5)) for line in lines)
    assert list(lines[0].get_ydata()) == [0, 1, 4, 9, 16]
    assert [line.get_linestyle() for line in lines] == ["-", "--", "-."]
    assert lines[1].get_color() == "m"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["sq", "lin", "one"]
    assert ax.get_xlabel() == "x" and ax.get_ylabel() == "f(x)"


def test_plot_tensors_with_grad_and_separate_x():
    x = torch.linspace(0, 1, 4)
    y = (x * torch.tensor(2.0, requires_grad=True))
    ax = d2lutil.plot([x, x], [y, y + 1])
    assert len(ax.get_lines()) == 2
    assert list(ax.get_lines()[1].get_ydata()) == pytest.approx((y.detach() + 1).tolist())


def test_plot_list_of_y_lists_without_x():
    ax = d2lutil.plot([[1, 2, 3], [3, 2, 1]])
    lines = ax.get_lines()
    assert len(lines) == 2
    assert list(lines[1].get_xdata()) == [0, 1, 2]


def test_plot_draws_into_given_axes():
    _, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    out = d2lutil.plot([1, 2], [3, 4], axes=ax, xscale="log")
    assert out is ax
    assert len(ax.get_lines()) == 2
    assert ax.get_xscale() == "log"


def test_plot_figsize():
    ax = d2lutil.plot([1, 2], figsize=(4, 2))
    assert tuple(ax.figure.get_size_inches()) == (4, 2)


def test_show_images_grid_titles_and_squeeze():
    imgs = [torch.rand(1, 5, 6) for _ in range(3)] + [np.zeros((5, 6))]
    axes = d2lutil.show_images(imgs, 2, 3, titles=["a", "b", "c", "d"], scale=1.0)
    assert len(axes) == 6
    assert [ax.get_title() for ax in axes[:4]] == ["a", "b", "c", "d"]
    assert all(ax.images[0].get_array().shape == (5, 6) for ax in axes[:4])
    np.testing.assert_allclose(axes[0].images[0].get_array(), imgs[0].squeeze().numpy())
    assert all(not ax.images for ax in axes[4:])  # unused cells are blank and hidden
    assert not any(ax.axison for ax in axes)
    assert tuple(axes[0].figure.get_size_inches()) == (3.0, 2.0)


def test_show_images_too_many():
    with pytest.raises(ValueError, match=r"5 images do not fit in a 2x2 grid"):
        d2lutil.show_images([np.zeros((2, 2))] * 5, 2, 2)


class TestAnimator:
    def test_records_points_headless(self):
        anim = d2lutil.Animator(xlabel="epoch", legend=["loss", "acc"], xlim=[1, 3])
        assert anim.X is None
        for epoch in range(1, 4):
            anim.add(epoch, (1.0 / epoch, epoch / 4))
        assert anim.X == [[1, 2, 3], [1, 2, 3]]
        assert anim.Y == [pytest.approx([1, 0.5, 1 / 3]), pytest.approx([0.25, 0.5, 0.75])]
        assert anim.handle is None  # nothing displayed outside a notebook
        assert len(anim.axes.get_lines()) == 2
        assert anim.axes.get_xlabel() == "epoch"
        assert anim.axes.get_xlim() == (1, 3)

    def test_none_skips_a_curve(self):
        anim = d2lutil.Animator()
        anim.add(0.5, (2.0, 0.1, None))
        anim.add(1, (None, None, 0.3))
        assert anim.X == [[0.5], [0.5], [1.0]]
        assert anim.Y == [[2.0], [0.1], [0.3]]

    def test_scalar_y_and_per_curve_x(self):
        anim = d2lutil.Animator()
        anim.add(1, 3.0)
        anim.add(2, [4.0])
        assert anim.X == [[1.0, 2.0]] and anim.Y == [[3.0, 4.0]]
        anim2 = d2lutil.Animator()
        anim2.add([1, 2], [10, 20])
        assert anim2.X == [[1.0], [2.0]]

    def test_rejects_wrong_number_of_values(self):
        anim = d2lutil.Animator()
        anim.add(1, (1.0, 2.0))
        with pytest.raises(ValueError, match=r"Animator.add got 3 values, expected 2"):
            anim.add(2, (1.0, 2.0, 3.0))
        with pytest.raises(ValueError, match=r"got 1 values, expected 2"):
            anim.add(2, 1.0)

    def test_displays_once_then_updates_in_a_notebook(self, monkeypatch, in_a_kernel):
        shown = []

        class Handle:
            def __init__(self):
                self.updates = 0

            def update(self, fig):
                self.updates += 1

        def display(fig, display_id):
            assert display_id is True
            shown.append(fig)
            return Handle()

        monkeypatch.setattr(plt, "get_backend", lambda: "module://matplotlib_inline.backend_inline")
        monkeypatch.setitem(sys.modules, "IPython.display", types.SimpleNamespace(display=display))
        anim = d2lutil.Animator()
        anim.add(1, 1.0)
        anim.add(2, 0.5)
        anim.add(3, 0.25)
        assert shown == [anim.fig]
        assert anim.handle.updates == 2

    def test_agg_backend_never_displays_even_in_a_kernel(self, monkeypatch, in_a_kernel):
        monkeypatch.setitem(sys.modules, "IPython.display", None)  # importing it would fail
        anim = d2lutil.Animator()
        anim.add(1, 1.0)
        assert anim.handle is None

    def test_zero_dim_tensor_value(self):
        # a loss read straight from the model is a 0-d tensor
        anim = d2lutil.Animator()
        anim.add(1, (torch.tensor(0.5), torch.tensor(0.25)))
        assert anim.Y == [[0.5], [0.25]]


# --- Regression tests for bugs found in review ---
# --- and fail, so the marker must be removed together with the fix.

def test_animator_add_accepts_a_zero_dim_tensor():
    anim = d2lutil.Animator()
    anim.add(1, torch.tensor(0.5))
    assert anim.Y == [[0.5]]


def test_plot_accepts_a_tuple_of_numbers():
    ax = d2lutil.plot((1, 2, 3))
    assert len(ax.get_lines()) == 1
