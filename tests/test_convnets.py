"""Unit tests for d2lutil.convnets: the chapter 6-7 networks and their blocks, in book order."""
import pytest
import torch
from torch import nn

from d2lutil.convnets import (
    GOOGLENET_INCEPTIONS,
    VGG11_ARCH,
    DenseBlock,
    Inception,
    Residual,
    alexnet,
    conv_block,
    densenet,
    googlenet,
    lenet,
    lenet_bn,
    lenet_modern,
    nin,
    nin_block,
    resnet18,
    transition_block,
    vgg,
    vgg_block,
)

# ---- LeNet (6.6) ----

# The book's shape walk for a (1, 1, 28, 28) input (section 6.6).
EXPECTED_SHAPES = [(1, 6, 28, 28), (1, 6, 28, 28), (1, 6, 14, 14), (1, 16, 10, 10), (1, 16, 10, 10),
                   (1, 16, 5, 5), (1, 400), (1, 120), (1, 120), (1, 84), (1, 84), (1, 10)]


@pytest.mark.parametrize("build", [lenet, lenet_modern])
def test_layer_by_layer_shapes(build):
    X = torch.rand(1, 1, 28, 28)
    shapes = []
    for layer in build():
        X = layer(X)
        shapes.append(tuple(X.shape))
    assert shapes == EXPECTED_SHAPES


@pytest.mark.parametrize("build", [lenet, lenet_modern])
def test_parameter_count(build):
    # conv1 6*25+6, conv2 16*6*25+16, fc 400*120+120, 120*84+84, 84*10+10
    expected = 156 + 2416 + 48120 + 10164 + 850
    assert sum(p.numel() for p in build().parameters()) == expected == 61706


def test_book_lenet_uses_sigmoid_and_average_pooling():
    kinds = {type(m) for m in lenet()}
    assert nn.Sigmoid in kinds and nn.AvgPool2d in kinds
    assert nn.ReLU not in kinds and nn.MaxPool2d not in kinds


def test_modern_lenet_uses_relu_and_max_pooling():
    kinds = {type(m) for m in lenet_modern()}
    assert nn.ReLU in kinds and nn.MaxPool2d in kinds
    assert nn.Sigmoid not in kinds and nn.AvgPool2d not in kinds


def test_each_call_builds_fresh_weights():
    a, b = lenet(), lenet()
    assert a[0].weight is not b[0].weight
    assert not torch.equal(a[0].weight, b[0].weight)


@pytest.mark.parametrize("build", [lenet, lenet_modern])
def test_batch_of_images_gives_ten_scores_each(build):
    assert build()(torch.rand(5, 1, 28, 28)).shape == (5, 10)


def test_wrong_input_size_fails_before_the_first_layer():
    # without the check the flatten would give 576 features, not 400, deep inside the network
    with pytest.raises(ValueError, match=r"LeNet was built for 28x28 images, got 32x32: resize them"):
        lenet()(torch.rand(1, 1, 32, 32))


# ---- AlexNet, VGG, NiN, GoogLeNet (7.1-7.4) ----

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
    (lambda: vgg([(n, c // 4) for n, c in VGG11_ARCH]), 224),
    (lambda: vgg([(n, c // 8) for n, c in VGG11_ARCH], 32, 512), 32),
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
    (lambda: alexnet(input_size=0), r"input_size \(image height = width\) must be at least 1, got 0"),
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


# ---- LeNet-BN, ResNet, DenseNet and their blocks (7.5-7.7) ----

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
    assert num_params(Residual(4, 4)) == 2 * (4 * 4 * 9 + 4) + 2 * 2 * 4
    expected = (4 * 8 * 9 + 8) + (8 * 8 * 9 + 8) + 2 * 2 * 8 + (4 * 8 + 8)
    assert num_params(Residual(4, 8, use_1x1conv=True, strides=2)) == expected


@pytest.mark.parametrize("kwargs", [dict(input_channels=3, num_channels=6),
                                    dict(input_channels=3, num_channels=3, strides=2)])
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
    assert num_params(lenet_bn()) == 44_878
    assert num_params(resnet18()) == 11_178_378
    assert num_params(densenet()) == 758_226


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


@pytest.mark.parametrize("widths, error, message", [
    ((64, 128, 256), ValueError, r"widths must hold 4 positive integers, got \(64, 128, 256\)"),
    ((64, 0, 256, 512), ValueError, r"widths\[1\] must be at least 1, got 0"),
    ((64, 128, 256, 1.5), TypeError, r"widths\[3\] must be an integer, got 1.5"),
])
def test_resnet18_rejects_bad_widths(widths, error, message):
    with pytest.raises(error, match=message):
        resnet18(widths)


@pytest.mark.parametrize("kwargs, message", [
    (dict(growth_rate=0), "growth_rate must be at least 1, got 0"),
    (dict(num_channels=-1), "num_channels must be at least 1, got -1"),
    (dict(num_convs_in_dense_blocks=()), "num_convs_in_dense_blocks must hold one or more positive integers"),
    (dict(num_convs_in_dense_blocks=(4, 0)), r"num_convs_in_dense_blocks\[1\] must be at least 1, got 0"),
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
