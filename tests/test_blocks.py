"""Unit tests for d2lutil.blocks (Residual, DenseNet blocks) and the chapter-7.5-7.7 models."""
import pytest
import torch
from torch import nn

from d2lutil.blocks import DenseBlock, Residual, conv_block, transition_block
from d2lutil.models import densenet, lenet_bn, resnet18

count = lambda m: sum(p.numel() for p in m.parameters())


def test_residual_keeps_shape_and_halves_with_1x1conv():
    X = torch.rand(4, 3, 6, 6)
    assert Residual(3, 3)(X).shape == (4, 3, 6, 6)
    assert Residual(3, 6, use_1x1conv=True, strides=2)(X).shape == (4, 6, 3, 3)


def test_residual_with_zero_weights_is_identity_on_nonnegative_input():
    blk = Residual(3, 3)
    with torch.no_grad():
        for p in blk.parameters():
            p.zero_()
    X = torch.rand(2, 3, 5, 5)
    assert torch.equal(blk(X), X)


def test_residual_parameter_count():
    # two 3x3 convs (with bias) + two BN (gamma, beta) + optional 1x1 conv
    assert count(Residual(4, 4)) == 2 * (4 * 4 * 9 + 4) + 2 * 2 * 4
    assert count(Residual(4, 8, use_1x1conv=True, strides=2)) == (4 * 8 * 9 + 8) + (8 * 8 * 9 + 8) + 2 * 2 * 8 + (4 * 8 + 8)


@pytest.mark.parametrize("kwargs", [dict(input_channels=3, num_channels=6), dict(input_channels=3, num_channels=3, strides=2)])
def test_residual_without_1x1conv_rejects_shape_changes(kwargs):
    with pytest.raises(ValueError, match="use_1x1conv must be True"):
        Residual(**kwargs)


def test_conv_block_is_bn_relu_conv():
    kinds = [type(m) for m in conv_block(3, 5)]
    assert kinds == [nn.BatchNorm2d, nn.ReLU, nn.Conv2d]


def test_dense_block_concatenates_and_keeps_input():
    blk = DenseBlock(2, 3, 10)
    X = torch.randn(4, 3, 8, 8)
    Y = blk(X)
    assert Y.shape == (4, 23, 8, 8)
    assert torch.equal(Y[:, :3], X)


def test_dense_block_rejects_zero_convs():
    with pytest.raises(ValueError, match="num_convs must be at least 1"):
        DenseBlock(0, 3, 10)


def test_transition_block_halves_size_and_sets_channels():
    assert transition_block(23, 10)(torch.rand(4, 23, 8, 8)).shape == (4, 10, 4, 4)


# --- whole models: output (B, 10) at the cpu-profile and the book's input sizes -----------

@pytest.mark.parametrize("build, size", [
    (lenet_bn, 28),
    (lambda: resnet18(), 96), (lambda: resnet18((16, 32, 64, 128)), 32), (lambda: resnet18((8, 16, 32, 64)), 32),
    (lambda: densenet(), 96), (lambda: densenet(32, 16), 32), (lambda: densenet(16, 8), 32),
])
def test_models_output_ten_scores(build, size):
    net = build().eval()
    assert net(torch.rand(3, 1, size, size)).shape == (3, 10)


def test_book_parameter_counts():
    assert count(lenet_bn()) == 44_878
    assert count(resnet18()) == 11_178_378
    assert count(densenet()) == 758_226


def test_resnet18_stage_shapes_at_96():
    X = torch.rand(1, 1, 96, 96)
    shapes = []
    for layer in resnet18():
        X = layer(X)
        shapes.append(tuple(X.shape))
    assert shapes[:5] == [(1, 64, 24, 24), (1, 64, 24, 24), (1, 128, 12, 12), (1, 256, 6, 6), (1, 512, 3, 3)]


def test_densenet_channels_follow_the_book():
    X = torch.rand(1, 1, 96, 96)
    channels = []
    for layer in densenet():
        X = layer(X)
        if X.dim() == 4:
            channels.append(X.shape[1])
    assert channels[:8] == [64, 192, 96, 224, 112, 240, 120, 248]


def test_lenet_bn_uses_batch_norm_after_each_hidden_layer():
    kinds = [type(m) for m in lenet_bn()]
    assert kinds.count(nn.BatchNorm2d) == 2 and kinds.count(nn.BatchNorm1d) == 2


@pytest.mark.parametrize("widths", [(64, 128, 256), (64, 0, 256, 512), (64, 128, 256, 1.5)])
def test_resnet18_rejects_bad_widths(widths):
    with pytest.raises(ValueError, match="widths must be 4 positive integers"):
        resnet18(widths)


@pytest.mark.parametrize("kwargs, message", [
    (dict(growth_rate=0), "growth_rate must be at least 1, got 0"),
    (dict(num_channels=-1), "num_channels must be at least 1, got -1"),
    (dict(num_convs_in_dense_blocks=()), "num_convs_in_dense_blocks must be positive integers"),
    (dict(num_convs_in_dense_blocks=(4, 0)), "num_convs_in_dense_blocks must be positive integers"),
])
def test_densenet_rejects_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        densenet(**kwargs)


@pytest.mark.parametrize("name, size, width", [("LeNet-BN", 28, 1.0), ("ResNet-18", 96, 0.125), ("ResNet-18", 32, 0.25),
                                               ("DenseNet", 96, 0.125), ("DenseNet", 32, 0.5)])
def test_architecture_explorer_registry_entries(name, size, width):
    from d2lutil.widgets.architecture import ARCHITECTURES
    net = ARCHITECTURES[name](size, width).eval()
    with torch.no_grad():
        assert net(torch.zeros(1, 1, size, size)).shape == (1, 10)
