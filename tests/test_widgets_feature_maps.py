"""Unit tests for d2lutil.widgets.feature_maps: layer_outputs and the feature-map explorer."""
import matplotlib.pyplot as plt
import pytest
import torch
from torch import nn

from d2lutil.convnets import lenet
from d2lutil.widgets.feature_maps import draw_feature_maps, feature_map_explorer, layer_outputs


def test_layer_outputs_names_and_shapes():
    torch.manual_seed(0)
    net = lenet()
    outputs = layer_outputs(net, torch.rand(2, 1, 28, 28))
    assert [name for name, _ in outputs][:3] == ["0 Conv2d", "1 Sigmoid", "2 AvgPool2d"]
    assert len(outputs) == len(net)
    assert outputs[2][1].shape == (2, 6, 14, 14)
    assert outputs[-1][1].shape == (2, 10)


def test_layer_outputs_last_equals_the_network_output():
    torch.manual_seed(0)
    net, X = lenet(), torch.rand(3, 1, 28, 28)
    with torch.no_grad():
        assert torch.allclose(layer_outputs(net, X)[-1][1], net(X))


@pytest.mark.parametrize("training", [True, False])
def test_layer_outputs_runs_in_eval_mode_and_restores_the_mode(training):
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Dropout(0.5), nn.Flatten()).train(training)
    X = torch.rand(1, 1, 5, 5)
    first, second = layer_outputs(net, X)[-1][1], layer_outputs(net, X)[-1][1]
    assert torch.equal(first, second)  # dropout off: the same input gives the same output
    assert net.training == training


def test_layer_outputs_bad_input():
    with pytest.raises(ValueError, match="net must be an nn.Sequential"):
        layer_outputs(nn.Linear(2, 2), torch.rand(1, 1, 2, 2))
    with pytest.raises(ValueError, match=r"X must be a batch \(B, C, H, W\)"):
        layer_outputs(lenet(), torch.rand(28, 28))


def test_draw_feature_maps_grid_and_bars():
    fig = draw_feature_maps(torch.rand(6, 14, 14), "conv")
    assert sum(ax.get_title().startswith("ch ") for ax in fig.axes) == 6
    plt.close(fig)
    fig = draw_feature_maps(torch.rand(16, 5, 5), max_maps=4)
    assert sum(ax.get_title().startswith("ch ") for ax in fig.axes) == 4
    plt.close(fig)
    fig = draw_feature_maps(torch.rand(84), "fc")
    assert len(fig.axes[0].patches) == 84
    plt.close(fig)
    with pytest.raises(ValueError, match=r"fmap must be \(C, H, W\) or \(N,\)"):
        draw_feature_maps(torch.rand(2, 3, 4, 5))


def test_explorer_reports_layer_and_prediction():
    torch.manual_seed(0)
    net = lenet()
    images = torch.rand(4, 1, 28, 28)
    w = feature_map_explorer(net, images, torch.tensor([2, 4, 0, 1]))
    assert w.result.startswith("image 0 (true pullover, predicted ")
    assert "layer 0 Conv2d: output shape (6, 28, 28)" in w.result
    slider, dropdown = w.children[0], w.children[1]
    assert slider.max == 3 and len(dropdown.options) == len(net)
    slider.value, dropdown.value = 1, "5 AvgPool2d"
    assert w.result.startswith("image 1 (true coat, predicted ")
    assert "layer 5 AvgPool2d: output shape (16, 5, 5)" in w.result
    dropdown.value = "9 Linear"
    assert "output shape (84,)" in w.result
    plt.close("all")


def test_explorer_rejects_an_empty_batch():
    with pytest.raises(ValueError, match="images must be a non-empty batch"):
        feature_map_explorer(lenet(), torch.rand(0, 1, 28, 28))
