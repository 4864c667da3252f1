"""Unit tests for the chapter 7.1-7.4 builders in d2lutil.models: AlexNet, VGG, NiN, GoogLeNet."""
import pytest
import torch
from torch import nn

from d2lutil.models import (GOOGLENET_INCEPTIONS, VGG11_ARCH, Inception, alexnet, googlenet, nin, nin_block,
                            vgg, vgg_block)


def num_params(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


def conv(cin, cout, k):
    """Parameters of a k x k convolution with bias."""
    return cin * cout * k * k + cout


def linear(nin_, nout):
    return nin_ * nout + nout


# (builder, input size) for the book's networks and for the thin CPU-profile variants.
CASES = [
    (lambda: alexnet(), 224), (lambda: alexnet(0.25, 68), 68), (lambda: alexnet(0.125, 96, hidden=256), 96),
    (lambda: vgg([(n, c // 4) for n, c in VGG11_ARCH]), 224), (lambda: vgg([(n, c // 8) for n, c in VGG11_ARCH], 32, 512), 32),
    (lambda: nin(), 224), (lambda: nin(0.25), 68),
    (lambda: googlenet(), 96), (lambda: googlenet(0.25), 32),
]


@pytest.mark.parametrize("build, size", CASES)
def test_output_is_batch_by_ten_classes(build, size):
    net = build().eval()
    with torch.no_grad():
        assert net(torch.zeros(2, 1, size, size)).shape == (2, 10)


def test_alexnet_parameter_count_matches_the_book_network():
    expected = (conv(1, 96, 11) + conv(96, 256, 5) + conv(256, 384, 3) + conv(384, 384, 3) + conv(384, 256, 3)
                + linear(6400, 4096) + linear(4096, 4096) + linear(4096, 10))
    assert num_params(alexnet()) == expected == 46_764_746


def test_vgg11_parameter_count():
    convs = conv(1, 64, 3) + conv(64, 128, 3) + conv(128, 256, 3) + conv(256, 256, 3) + conv(256, 512, 3) \
        + 3 * conv(512, 512, 3)
    expected = convs + linear(512 * 7 * 7, 4096) + linear(4096, 4096) + linear(4096, 10)
    with torch.device("meta"):  # shapes only: no 500 MB of weights to allocate and initialise
        net = vgg()
    assert num_params(net) == expected == 128_806_154


def test_small_vgg_divides_channels_by_four():
    net = vgg([(n, c // 4) for n, c in VGG11_ARCH])
    convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    assert [m.out_channels for m in convs] == [16, 32, 64, 64, 128, 128, 128, 128]
    assert net[6].in_features == 128 * 7 * 7


def test_nin_parameter_count():
    def block(cin, cout, k):
        return conv(cin, cout, k) + 2 * conv(cout, cout, 1)
    expected = block(1, 96, 11) + block(96, 256, 5) + block(256, 384, 3) + block(384, 10, 3)
    assert num_params(nin()) == expected == 1_992_166
    assert not any(isinstance(m, nn.Linear) for m in nin().modules())


def test_googlenet_parameter_count_and_inception_channels():
    assert num_params(googlenet()) == 5_977_530
    block = Inception(192, 64, (96, 128), (16, 32), 32)
    assert block(torch.zeros(1, 192, 12, 12)).shape == (1, 256, 12, 12)
    assert block.out_channels == 256
    last = GOOGLENET_INCEPTIONS[-1][-1]
    assert last[0] + last[1][1] + last[2][1] + last[3] == 1024


def test_googlenet_stage_shapes_at_96():
    X = torch.zeros(1, 1, 96, 96)
    shapes = []
    for stage in googlenet().eval():
        X = stage(X)
        shapes.append(tuple(X.shape))
    assert shapes == [(1, 64, 24, 24), (1, 192, 12, 12), (1, 480, 6, 6), (1, 832, 3, 3), (1, 1024), (1, 10)]


def test_width_multiplies_channels():
    assert alexnet(0.25, 224)[0].out_channels == 24
    assert alexnet(0.25, 224)[14].out_features == 1024
    assert nin(0.5)[0][0].out_channels == 48
    assert nin(0.5)[-3][0].out_channels == 10  # the class channels are never scaled
    assert googlenet(0.5)[0][0].out_channels == 32


def test_blocks():
    assert vgg_block(2, 3, 8)(torch.zeros(1, 3, 16, 16)).shape == (1, 8, 8, 8)
    assert nin_block(3, 8, 5, 1, 2)(torch.zeros(1, 3, 16, 16)).shape == (1, 8, 16, 16)
    assert sum(isinstance(m, nn.Conv2d) for m in nin_block(3, 8, 5, 1, 2)) == 3


@pytest.mark.parametrize("call, message", [
    (lambda: alexnet(input_size=64), "input_size=64 is too small for AlexNet"),
    (lambda: alexnet(input_size=0), "input_size must be a positive int"),
    (lambda: alexnet(width=0), "width must be greater than 0, got 0"),
    (lambda: vgg([(1, 4)] * 5, input_size=16), "input_size=16 is too small for VGG"),
    (lambda: vgg(conv_arch=[]), "conv_arch must list at least one"),
    (lambda: vgg_block(0, 1, 8), "num_convs must be at least 1"),
    (lambda: nin(width=-1), "width must be greater than 0"),
    (lambda: googlenet(width=0), "width must be greater than 0"),
])
def test_bad_arguments_name_what_was_expected(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_minimum_input_sizes():
    alexnet(0.125, 65)
    nin(0.125)(torch.zeros(1, 1, 67, 67))
    with pytest.raises(ValueError, match="NiN needs images of at least 67x67 pixels, got 66x66"):
        nin(0.125)(torch.zeros(1, 1, 66, 66))
    assert googlenet(0.125).eval()(torch.zeros(1, 1, 1, 1)).shape == (1, 10)
