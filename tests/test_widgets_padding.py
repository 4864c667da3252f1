"""Unit tests for d2lutil.widgets.padding: every window of a padded, strided convolution."""
import itertools

import matplotlib.pyplot as plt
import pytest
import torch
import torch.nn.functional as F

from d2lutil.widgets.padding import (
    describe_positions,
    draw_kernel_positions,
    kernel_positions,
    padding_explorer,
    torch_output_shape,
)


def controls(widget):
    """The explorer's sliders by description (the last child is the output area)."""
    return {c.description: c for c in widget.children if hasattr(c, "min")}


def test_book_example_stride_two():
    info = kernel_positions(8, 3, padding=1, stride=2)
    assert info["padded_shape"] == (10, 10)
    assert info["output_shape"] == (4, 4)
    assert info["corners"][:5] == [(0, 0), (0, 2), (0, 4), (0, 6), (2, 0)]
    assert info["skipped_rows"] == [] and info["skipped_cols"] == []


def test_book_example_rectangular_settings():
    info = kernel_positions((8, 8), (3, 5), padding=(0, 1), stride=(3, 4))
    assert info["output_shape"] == (2, 2)
    assert info["corners"] == [(0, 0), (0, 4), (3, 0), (3, 4)]
    assert info["skipped_rows"] == [6, 7]          # windows cover rows 0..5 only
    assert info["skipped_cols"] == []


def test_stride_larger_than_kernel_skips_input():
    info = kernel_positions(7, 1, padding=0, stride=3)
    assert info["skipped_rows"] == [1, 2, 4, 5]
    assert "never inside a window" in describe_positions(info)


FITTING = [(n, k, p, s) for n, k, p, s in itertools.product([1, 4, 7], [1, 2, 3], [0, 1, 2], [1, 2, 3])
           if k <= n + 2 * p]


@pytest.mark.parametrize("n, k, p, s", FITTING)
def test_windows_match_unfold(n, k, p, s):
    """The corners are exactly the windows F.unfold extracts (same count, same order)."""
    info = kernel_positions((n, n + 1), k, p, s)
    x = F.pad(torch.arange(float(n * (n + 1))).reshape(1, 1, n, n + 1) + 1, (p, p, p, p))
    cols = F.unfold(x, k, stride=s)                    # one column per window
    first = cols[0, 0]                                 # top-left element of every window
    expected = torch.tensor([float(x[0, 0, r, c]) for r, c in info["corners"]])
    assert torch.equal(first, expected)
    assert info["output_shape"] == torch_output_shape((n, n + 1), k, p, s)


@pytest.mark.parametrize("args, word", [((4, 7, 1, 1), "larger than the padded input"),
                                        ((8, 3, 1, 0), "stride"), ((8, 3, -1, 1), "padding")])
def test_bad_settings_raise_naming_the_problem(args, word):
    with pytest.raises(ValueError, match=word):
        kernel_positions(*args)


def test_draw_returns_figure_with_two_panels():
    fig = draw_kernel_positions(kernel_positions((5, 6), (2, 3), (1, 0), (2, 1)))
    assert len(fig.axes) == 2
    assert fig.axes[1].get_title() == "output 3x4"
    plt.close(fig)


def test_explorer_default_shows_book_stride_example():
    w = padding_explorer()
    assert w.result.startswith("padded input 10x10, kernel 3x3: 16 windows -> output 4x4")
    assert w.result.endswith("F.conv2d agrees: 4x4")
    plt.close("all")


def test_explorer_follows_slider_changes():
    w = padding_explorer()
    c = controls(w)
    c["kernel h"].value, c["kernel w"].value = 3, 5
    c["padding h"].value, c["padding w"].value = 0, 1
    c["stride h"].value, c["stride w"].value = 3, 4
    assert "-> output 2x2" in w.result
    assert "input rows [6, 7] are never inside a window" in w.result
    assert "F.conv2d agrees: 2x2" in w.result
    plt.close("all")


@pytest.mark.parametrize("name, value, word", [("stride w", 0, "stride must be at least 1"),
                                               ("padding h", -1, "padding must be non-negative"),
                                               ("kernel h", 7, "larger than the padded input")])
def test_explorer_reports_bad_settings_as_message(name, value, word):
    w = padding_explorer()
    c = controls(w)
    if name == "kernel h":
        c["input h"].value, c["padding h"].value = 3, 0
    c[name].value = value
    assert w.result.startswith("No convolution with these settings")
    assert word in w.result
    c[name].value = 1 if name != "padding h" else 0    # recovers once the setting is fixed
    assert "-> output" in w.result
    plt.close("all")
