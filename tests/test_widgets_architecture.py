"""Unit tests for d2lutil.widgets.architecture: layer tables, FLOP counts and the explorer."""
import pytest
import torch
from torch import nn

from d2lutil.convnets import alexnet, lenet, nin
from d2lutil.widgets.architecture import (
    ARCHITECTURES,
    architecture_explorer,
    architecture_summary,
    format_layer_table,
    layer_table,
)


def test_layer_table_shapes_params_and_flops_of_a_small_net():
    net = nn.Sequential(nn.Conv2d(1, 4, kernel_size=3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 5 * 5, 10))
    rows = layer_table(net, (2, 1, 5, 5))
    assert [r["name"] for r in rows] == ["Conv2d", "ReLU", "Flatten", "Linear"]
    assert [r["output_shape"] for r in rows] == [(2, 4, 5, 5), (2, 4, 5, 5), (2, 100), (2, 10)]
    assert [r["params"] for r in rows] == [40, 0, 0, 1010]
    # 2 FLOPs per multiply-add: conv 2*B*Cout*H*W*Cin*k*k, linear 2*B*in*out
    assert rows[0]["flops"] == 2 * 2 * 4 * 25 * 9
    assert rows[3]["flops"] == 2 * 2 * 100 * 10
    assert rows[1]["flops"] == 0


def test_alexnet_table_matches_the_book():
    rows = layer_table(alexnet(), (1, 1, 224, 224))
    assert rows[0]["output_shape"] == (1, 96, 54, 54)
    assert rows[12]["output_shape"] == (1, 256, 5, 5)
    assert rows[13]["output_shape"] == (1, 6400)
    assert sum(r["params"] for r in rows) == 46_764_746


def test_layer_table_restores_training_mode():
    net = nin(0.125)
    net.train()
    layer_table(net, (1, 1, 96, 96))
    assert net.training


def test_too_small_input_is_a_clear_error():
    with pytest.raises(ValueError, match=r"input_size=60x60 does not fit: layer 5 \(MaxPool2d\).*too small"):
        layer_table(nin(0.125), (1, 1, 60, 60))
    with pytest.raises(ValueError, match=r"input_size=32x32 does not fit: layer 7 \(Linear\)"):
        layer_table(lenet(), (1, 1, 32, 32))


@pytest.mark.parametrize("net, shape, message", [
    (nn.Conv2d(1, 1, 3), (1, 1, 8, 8), "net must be an nn.Sequential"),
    (nn.Sequential(nn.ReLU()), (1, 8, 8), "input_shape must be"),
    (nn.Sequential(nn.ReLU()), (1, 1, 0, 8), "input_shape must be"),
])
def test_bad_arguments(net, shape, message):
    with pytest.raises(ValueError, match=message):
        layer_table(net, shape)


def test_format_layer_table_has_total_line():
    net = nn.Sequential(nn.Flatten(), nn.Linear(4, 3))
    text = format_layer_table(layer_table(net, (1, 1, 2, 2)))
    lines = text.splitlines()
    assert lines[0].split() == ["layer", "output", "shape", "parameters", "MFLOPs"]
    assert lines[-1].split() == ["total", "15", "0.0"]


def test_registry_builders_run_at_their_book_sizes():
    for name, size in [("AlexNet", 224), ("VGG-11", 224), ("NiN", 224), ("GoogLeNet", 96), ("LeNet", 28)]:
        net = ARCHITECTURES[name](size, 0.125 if name != "LeNet" else 1.0).eval()
        with torch.no_grad():
            assert net(torch.zeros(1, 1, size, size)).shape == (1, 10)


def test_summary_messages():
    assert architecture_summary("AlexNet", 224).splitlines()[-1].split()[:2] == ["total", "46,764,746"]
    assert "too small for AlexNet" in architecture_summary("AlexNet", 64)
    assert "too small for VGG" in architecture_summary("VGG-11", 16, 0.125)
    assert architecture_summary("ResNet-1000", 96).startswith("Unknown architecture 'ResNet-1000'")


def test_explorer_reports_what_it_showed():
    w = architecture_explorer("NiN", 96)
    w.children[2].value = 0.125
    assert w.result.startswith("NiN, width x0.125, input (1, 1, 96, 96)")
    w.children[1].value = 40
    assert "too small" in w.result
    w.children[0].value = "GoogLeNet"
    assert w.result.startswith("GoogLeNet, width x0.125, input (1, 1, 40, 40)")
