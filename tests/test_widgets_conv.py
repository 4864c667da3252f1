"""Unit tests for d2lutil.widgets (the conv module): the cross-correlation window explorer,
driven headless. The other widget modules have their own test_widgets_<topic>.py files."""
import ipywidgets
import pytest
import torch
import torch.nn.functional as F
from matplotlib.patches import Rectangle

import d2lutil.widgets.conv as conv_module
from d2lutil import widgets


@pytest.fixture
def explorer():
    w = widgets.corr2d_explorer()
    names = ("input", "kernel", "padding", "stride", "step")
    sliders = dict(zip(names, w.children[:5]))
    return w, sliders


# ---- corr2d_window ----

def test_window_first_and_wrap_around():
    # 6x6 input, padding 1 (8x8 padded), kernel 3, stride 2 -> 3x3 outputs
    info = widgets.corr2d_window(6, 3, 1, 2, 0)
    assert info == {"padded_shape": (8, 8), "output_shape": (3, 3), "position": (0, 0),
                    "rows": (0, 3), "cols": (0, 3)}
    assert widgets.corr2d_window(6, 3, 1, 2, 4)["position"] == (1, 1)
    assert widgets.corr2d_window(6, 3, 1, 2, 4)["rows"] == (2, 5)
    last = widgets.corr2d_window(6, 3, 1, 2, 8)
    assert last["position"] == (2, 2) and last["rows"] == (4, 7) and last["cols"] == (4, 7)
    assert widgets.corr2d_window(6, 3, 1, 2, 9)["position"] == (0, 0)      # wraps around
    assert widgets.corr2d_window(6, 3, 1, 2, 10)["position"] == (0, 1)
    assert widgets.corr2d_window(6, 3, 1, 2, 99)["position"] == divmod(99 % 9, 3)


@pytest.mark.parametrize("n, k, p, s", [(6, 3, 1, 2), (5, 2, 0, 1), (7, 3, 2, 3), (4, 4, 0, 1)])
def test_window_positions_reproduce_conv2d(n, k, p, s):
    g = torch.Generator().manual_seed(0)
    X, K = torch.randn(n, n, generator=g), torch.randn(k, k, generator=g)
    Y = F.conv2d(X[None, None], K[None, None], padding=p, stride=s)[0, 0]
    Xp = F.pad(X, (p, p, p, p))
    oh, ow = Y.shape
    for step in range(oh * ow):
        info = widgets.corr2d_window(n, k, p, s, step)
        assert info["output_shape"] == (oh, ow)
        assert info["padded_shape"] == tuple(Xp.shape)
        (r0, r1), (c0, c1) = info["rows"], info["cols"]
        i, j = info["position"]
        assert r1 - r0 == k and c1 - c0 == k and r1 <= Xp.shape[0] and c1 <= Xp.shape[1]
        assert torch.allclose((Xp[r0:r1, c0:c1] * K).sum(), Y[i, j], atol=1e-5)


def test_window_errors():
    with pytest.raises(ValueError, match=r"step must be non-negative, got -1"):
        widgets.corr2d_window(6, 3, 1, 2, -1)
    with pytest.raises(ValueError, match=r"kernel_size \(6, 6\) is larger than the padded input \(1, 1\)"):
        widgets.corr2d_window(1, 6, 0, 1, 0)
    with pytest.raises(ValueError, match="stride must be at least 1"):
        widgets.corr2d_window(6, 3, 0, 0, 0)


# ---- drawing ----

def test_draw_window_picture():
    info = widgets.corr2d_window(4, 3, 1, 1, 5)  # padded 6x6, output 4x4, position (1, 1)
    fig = widgets.draw_corr2d_window(info, padding=1)
    ax_in, ax_out = fig.axes
    in_cells = [p for p in ax_in.patches if isinstance(p, Rectangle) and p.get_width() == 1 and p.get_fill()]
    assert len(in_cells) == 36
    grey = [p for p in in_cells if p.get_facecolor()[0] < 0.9]
    assert len(grey) == 36 - 16                     # the padding ring
    window = [p for p in ax_in.patches if not p.get_fill()]
    assert len(window) == 1
    assert (window[0].get_x(), window[0].get_width(), window[0].get_height()) == (1, 3, 3)
    assert window[0].get_y() == 6 - 4               # rows 1..3 drawn from the top
    assert len(ax_out.patches) == 16 + 1            # output grid + highlighted cell
    assert (ax_out.patches[-1].get_x(), ax_out.patches[-1].get_y()) == (1, 4 - 1 - 1)


# ---- the interactive explorer ----

def test_explorer_layout(explorer):
    w, sliders = explorer
    assert isinstance(w, ipywidgets.interactive)
    assert all(isinstance(s, ipywidgets.IntSlider) for s in sliders.values())
    assert isinstance(w.children[5], ipywidgets.Output)
    assert [s.description for s in sliders.values()] == ["input", "kernel", "padding", "stride", "step"]
    assert [s.value for s in sliders.values()] == [6, 3, 1, 2, 0]
    assert (sliders["kernel"].min, sliders["kernel"].max) == (1, 6)
    assert sliders["stride"].min == 1 and sliders["padding"].min == 0


def test_explorer_initial_summary(explorer):
    w, _ = explorer
    assert w.result == ("output shape 3x3; output[0, 0] = sum(K * window rows 0..2, cols 0..2 "
                        "of the padded input)")


def test_explorer_output_shape_follows_stride(explorer):
    w, sliders = explorer
    shapes = {}
    for stride in (1, 2, 3, 4):
        sliders["stride"].value = stride
        shapes[stride] = w.result.split(";")[0]
    assert shapes == {1: "output shape 6x6", 2: "output shape 3x3", 3: "output shape 2x2",
                      4: "output shape 2x2"}


def test_explorer_step_moves_the_window(explorer):
    w, sliders = explorer
    sliders["step"].value = 4
    assert "output[1, 1]" in w.result and "rows 2..4, cols 2..4" in w.result
    sliders["step"].value = 10  # wraps around the 9 positions
    assert "output[0, 1]" in w.result and "rows 0..2, cols 2..4" in w.result


def test_explorer_reports_impossible_settings_instead_of_raising(explorer):
    w, sliders = explorer
    sliders["padding"].value = 0
    sliders["input"].value = 1
    sliders["kernel"].value = 6
    assert w.result.startswith("Cannot slide this kernel:")
    assert "kernel_size (6, 6) is larger than the padded input (1, 1)" in w.result
    # and it recovers when the setting becomes possible again
    sliders["kernel"].value = 1
    assert w.result.startswith("output shape 1x1")


def test_explorer_draws_a_figure(explorer, monkeypatch):
    w, sliders = explorer
    drawn = []
    monkeypatch.setattr(conv_module, "draw_corr2d_window", lambda info, padding: drawn.append((info, padding)))
    sliders["padding"].value = 2
    assert len(drawn) == 1
    info, padding = drawn[0]
    assert padding == 2 and info["padded_shape"] == (10, 10) and info["output_shape"] == (4, 4)
