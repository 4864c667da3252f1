"""Unit tests for d2lutil.widgets.pooling: pool_image and the pooling explorer widget."""
import matplotlib.pyplot as plt
import pytest
import torch
from torch import nn

from d2lutil.widgets.pooling import draw_pooling, pool_image, pooling_explorer


def test_max_and_avg_match_the_book_example():
    X = torch.arange(9.0).reshape(3, 3)
    assert torch.equal(pool_image(X, "max", 2, 1), torch.tensor([[4.0, 5.0], [7.0, 8.0]]))
    assert torch.equal(pool_image(X, "avg", 2, 1), torch.tensor([[2.0, 3.0], [5.0, 6.0]]))


@pytest.mark.parametrize("mode, layer", [("max", nn.MaxPool2d), ("avg", nn.AvgPool2d)])
@pytest.mark.parametrize("window, stride, padding", [(2, 2, 0), (3, 2, 1), (3, 1, 1), (5, 3, 2), (1, 1, 0)])
def test_matches_nn_pooling(mode, layer, window, stride, padding):
    X = torch.randn(28, 28, generator=torch.Generator().manual_seed(0))
    expected = layer(window, stride, padding)(X[None, None])[0, 0]
    assert torch.allclose(pool_image(X, mode, window, stride, padding), expected)


def test_accepts_channel_first_uint8_image():
    X = torch.arange(16, dtype=torch.uint8).reshape(1, 4, 4)
    out = pool_image(X, "max", 2, 2)
    assert out.dtype == torch.float32
    assert out.tolist() == [[5.0, 7.0], [13.0, 15.0]]


@pytest.mark.parametrize("kwargs, message", [
    (dict(mode="min"), "mode must be one of"),
    (dict(window=0), "window must be at least 1, got 0"),
    (dict(window=2, stride=0), "stride must be at least 1"),
    (dict(window=3, padding=2), "padding must be at most half the window"),
    (dict(window=4, padding=-1), "padding must be non-negative"),
    (dict(window=9, padding=0), r"kernel_size \(9, 9\) is larger than the padded input \(8, 8\)"),
])
def test_bad_settings_name_the_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        pool_image(torch.zeros(8, 8), **kwargs)


def test_rejects_images_with_several_channels():
    with pytest.raises(ValueError, match=r"image must be \(H, W\) or \(1, H, W\)"):
        pool_image(torch.zeros(3, 8, 8))


def test_draw_pooling_titles_show_sizes():
    fig = draw_pooling(torch.zeros(1, 8, 8), torch.zeros(4, 4), "demo")
    assert [ax.get_title() for ax in fig.axes] == ["input 8x8", "pooled 4x4"]
    plt.close(fig)


def small_explorer():
    images = torch.randint(0, 256, (3, 1, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    return pooling_explorer(images, torch.tensor([0, 1, 9]))


def test_explorer_reports_what_it_showed():
    w = small_explorer()
    assert w.result == "t-shirt: (28, 28) -> (14, 14) with max pooling, window 2, stride 2, padding 0"
    controls = {c.description: c for c in w.children[:-1]}
    controls["image"].value = 2
    controls["mode"].value = "avg"
    controls["window"].value = 3
    controls["padding"].value = 1
    assert w.result == "ankle boot: (28, 28) -> (14, 14) with avg pooling, window 3, stride 2, padding 1"
    plt.close("all")


@pytest.mark.parametrize("name, value, message", [
    ("stride", 0, "stride must be at least 1"),
    ("padding", 2, "padding must be at most half the window"),
    ("window", 30, "is larger than the padded input"),
])
def test_explorer_gives_a_message_for_bad_settings(name, value, message):
    w = small_explorer()
    controls = {c.description: c for c in w.children[:-1]}
    controls[name].value = value
    assert w.result.startswith("Cannot pool with these settings:")
    assert message in w.result
    plt.close("all")


def test_explorer_defaults_to_the_fashion_mnist_test_set():
    w = pooling_explorer()
    assert w.children[0].max == 9999
    assert w.result.startswith("ankle boot: (28, 28) -> (14, 14)")  # test image 0 is an ankle boot
    plt.close("all")
