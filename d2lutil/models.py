"""Network definitions the notebooks train more than once (chapter 6; chapter 7 adds more).

Each function builds a fresh ``nn.Sequential`` so that its layers can be indexed and walked
one by one (the shape walk of section 6.6, the feature-map widget).
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from .blocks import DenseBlock, Residual, transition_block
from .validation import check_int, check_number, check_tensor, scaled_channels


class ExpectImages:
    """Forward pre-hook that checks a network's input before its first layer trips over it.

    The input must be a float batch (batch, ``channels``, height, width) of ``size`` x ``size``
    images (networks with a fixed fully connected layer) or at least ``min_size`` pixels a side.
    ``shrink``: how many times the network shrinks an image before its last batch normalisation,
    which in training mode needs more than one value per channel. A picklable object, not a
    closure, so that ``torch.save(net)`` keeps working.
    """

    def __init__(self, name: str, channels: int = 1, size: int | None = None, min_size: int = 1,
                 shrink: int | None = None) -> None:
        self.name, self.channels, self.size, self.min_size = name, channels, size, min_size
        self.shrink = shrink

    def __call__(self, module: nn.Module, args: tuple) -> None:
        X = check_tensor("X", args[0], floating=True)
        expected = f"(batch, {self.channels}, height, width)"
        if X.dim() == 3:
            raise ValueError(f"{self.name} expects a batch of images {expected}, got one image of shape "
                             f"{tuple(X.shape)}: add the batch dimension with X.unsqueeze(0)")
        if X.dim() != 4 or X.shape[1] != self.channels:
            raise ValueError(f"{self.name} expects images shaped {expected}, got shape {tuple(X.shape)}")
        h, w = X.shape[2:]
        if self.size is not None and (h, w) != (self.size, self.size):
            raise ValueError(f"{self.name} was built for {self.size}x{self.size} images, got {h}x{w}: resize "
                             f"them (load_data_fashion_mnist(..., resize={self.size})) or build it for {h}x{w}")
        if min(h, w) < self.min_size:
            raise ValueError(f"{self.name} needs images of at least {self.min_size}x{self.min_size} pixels, "
                             f"got {h}x{w}: resize them (load_data_fashion_mnist(..., resize={self.min_size}))")
        if self.shrink and module.training and X.shape[0] * -(-h // self.shrink) * -(-w // self.shrink) < 2:
            raise ValueError(f"{self.name} shrinks a {h}x{w} image to 1x1 before its last batch normalisation, "
                             f"which in training mode needs more than one value per channel: use batches of "
                             f"at least 2 images (got {X.shape[0]}), larger images, or net.eval() first")


def expect_images(net: nn.Module, name: str, channels: int = 1, size: int | None = None,
                  min_size: int = 1, shrink: int | None = None) -> nn.Module:
    """Attach an :class:`ExpectImages` check to ``net`` and return ``net``.

    Walking the layers one by one (``for layer in net``) bypasses the check, as it should.
    """
    net.register_forward_pre_hook(ExpectImages(name, channels, size, min_size, shrink))
    return net


def lenet(activation: type[nn.Module] = nn.Sigmoid, pool: type[nn.Module] = nn.AvgPool2d) -> nn.Sequential:
    """LeNet-5 as in the book (section 6.6): sigmoid activations and average pooling.

    Input (B, 1, 28, 28); the first convolution pads by 2 so that the 28x28 Fashion-MNIST
    images play the role of LeNet's original 32x32 digits. Output: 10 class scores.
    ``activation`` and ``pool`` swap the two choices that :func:`lenet_modern` modernises.
    """
    net = expect_images(nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), activation(),
        pool(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), activation(),
        pool(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), activation(),
        nn.Linear(120, 84), activation(),
        nn.Linear(84, 10)), "LeNet", size=28)
    net.memory_format = torch.channels_last  # train_ch6 trains it channels-last on a CPU (faster convolutions)
    return net


def lenet_modern() -> nn.Sequential:
    """LeNet with today's defaults: ReLU instead of sigmoid and max pooling instead of average.

    Same layer sizes and shapes as :func:`lenet`, so the two differ only in those two choices.
    """
    return lenet(nn.ReLU, nn.MaxPool2d)


# --- Chapter 7.5-7.7: LeNet with batch normalisation, ResNet-18, DenseNet -------------------


def lenet_bn() -> nn.Sequential:
    """The book's LeNet with batch normalisation after every conv and hidden FC layer (7.5).

    Input (B, 1, 28, 28), no padding on the first convolution (as in the book's 7.5), so the
    flattened features are 16 x 4 x 4 = 256. The layers are ``nn.BatchNorm2d``/``nn.BatchNorm1d``
    (the notebook of 7.5 builds the same network with its from-scratch ``BatchNorm``).
    """
    return expect_images(nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5), nn.BatchNorm2d(6), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.BatchNorm2d(16), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(),
        nn.Linear(16 * 4 * 4, 120), nn.BatchNorm1d(120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.BatchNorm1d(84), nn.Sigmoid(),
        nn.Linear(84, 10)), "LeNet-BN", size=28)


def _check_positive_ints(name: str, values, length: int | None = None) -> tuple[int, ...]:
    values = tuple(values)
    if not values or (length is not None and len(values) != length) or any(
            isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in values):
        count = f"{length} " if length is not None else ""
        raise ValueError(f"{name} must be {count}positive integers, got {values!r}")
    return values


def resnet_stem(in_channels: int, num_channels: int) -> nn.Sequential:
    """The first stage of ResNet and DenseNet: 7x7 conv (stride 2), BN, ReLU, 3x3 max pool
    (stride 2), so the image shrinks 4 times before the first block."""
    return nn.Sequential(nn.Conv2d(in_channels, num_channels, kernel_size=7, stride=2, padding=3),
                         nn.BatchNorm2d(num_channels), nn.ReLU(),
                         nn.MaxPool2d(kernel_size=3, stride=2, padding=1))


def resnet18(widths=(64, 128, 256, 512), in_channels: int = 1, num_classes: int = 10) -> nn.Sequential:
    """ResNet-18 as in the book (7.6): a 7x7 stem, four stages of two residual blocks, global pooling.

    ``widths`` are the channels of the four stages (the book: 64, 128, 256, 512; the cpu
    profile uses narrower ones). The stem divides the size by 4 and stages 2-4 halve it each
    before global average pooling, so a batch of one small image ends in 1x1 maps, which batch
    normalisation cannot train on (a clear error says so).
    """
    w = _check_positive_ints("widths", widths, 4)
    b1 = resnet_stem(in_channels, w[0])

    def stage(c_in: int, c_out: int, first: bool) -> nn.Sequential:
        if first:  # the stem already halved the size twice and set the channels
            return nn.Sequential(Residual(c_in, c_out), Residual(c_out, c_out))
        return nn.Sequential(Residual(c_in, c_out, use_1x1conv=True, strides=2), Residual(c_out, c_out))

    net = nn.Sequential(b1, stage(w[0], w[0], True), stage(w[0], w[1], False),
                        stage(w[1], w[2], False), stage(w[2], w[3], False),
                        nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(w[3], num_classes))
    return expect_images(net, "ResNet-18", in_channels, shrink=32)


def densenet(num_channels: int = 64, growth_rate: int = 32, num_convs_in_dense_blocks=(4, 4, 4, 4),
             in_channels: int = 1, num_classes: int = 10) -> nn.Sequential:
    """DenseNet as in the book (7.7): ResNet's stem, dense blocks joined by transition blocks.

    Each dense block adds ``num_convs * growth_rate`` channels; each transition halves the
    channels and the resolution. The book: 64 stem channels, growth rate 32, four blocks of 4.
    """
    check_int("num_channels", num_channels, minimum=1)
    check_int("growth_rate", growth_rate, minimum=1)
    convs = _check_positive_ints("num_convs_in_dense_blocks", num_convs_in_dense_blocks)
    layers = [resnet_stem(in_channels, num_channels)]
    for i, num_convs in enumerate(convs):
        layers.append(DenseBlock(num_convs, num_channels, growth_rate))
        num_channels += num_convs * growth_rate
        if i != len(convs) - 1:
            layers.append(transition_block(num_channels, num_channels // 2))
            num_channels //= 2
    layers += [nn.BatchNorm2d(num_channels), nn.ReLU(), nn.AdaptiveAvgPool2d((1, 1)),
               nn.Flatten(), nn.Linear(num_channels, num_classes)]
    min_size = 4 * 2 ** (len(convs) - 1) - 3  # the stem's output must survive the transitions' halvings
    return expect_images(nn.Sequential(*layers), "DenseNet", in_channels, min_size=min_size)


# ---------------------------------------------------------------------------------------------
# Chapter 7.1-7.4: AlexNet, VGG, NiN, GoogLeNet. Every builder takes a channel ``width``
# multiplier (1.0 = the book's network) so that the CPU profile can train a thinner copy of the
# same architecture; AlexNet and VGG also take ``input_size`` because their first fully connected
# layer has to know how many features the convolutional part hands it.

def _flat_features(features: nn.Module, input_size: int, name: str) -> int:
    """Length of the flattened output of ``features`` for a (1, 1, input_size, input_size) image.

    Raises ValueError when the image is too small for the architecture (some window would be
    larger than its input), instead of PyTorch's shape error deep inside a layer.
    """
    if not isinstance(input_size, int) or input_size < 1:
        raise ValueError(f"input_size must be a positive int (image height = width), got {input_size!r}")
    X = torch.zeros(1, 1, input_size, input_size)
    with torch.no_grad():
        for i, layer in enumerate(features):
            try:
                X = layer(X)
            except RuntimeError as err:
                raise ValueError(f"input_size={input_size} is too small for {name}: layer {i} "
                                 f"({type(layer).__name__}) gets a {tuple(X.shape[2:])} input") from err
    return X.numel()


def alexnet(width: float = 1.0, input_size: int = 224, hidden: int | None = None, num_classes: int = 10,
            dropout: float = 0.5) -> nn.Sequential:
    """AlexNet as in the book (section 7.1), for one-channel (Fashion-MNIST) images.

    Five convolutions (96, 256, 384, 384, 256 channels, times ``width``), three max pools, then
    two fully connected layers of ``hidden`` units (default 4096 times ``width``) with dropout.
    With the defaults and a 224x224 input the first linear layer has 6400 inputs, exactly the
    book's network. The input must be at least 65 pixels (three 3x3 pools of stride 2 after a
    stride-4 convolution).
    """
    hidden = scaled_channels(4096, width) if hidden is None else hidden
    c = [scaled_channels(n, width) for n in (96, 256, 384, 384, 256)]
    features = nn.Sequential(
        nn.Conv2d(1, c[0], kernel_size=11, stride=4, padding=1), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(c[0], c[1], kernel_size=5, padding=2), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(c[1], c[2], kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(c[2], c[3], kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(c[3], c[4], kernel_size=3, padding=1), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Flatten())
    n_flat = _flat_features(features, input_size, "AlexNet")
    return expect_images(nn.Sequential(
        *features,
        nn.Linear(n_flat, hidden), nn.ReLU(), nn.Dropout(p=dropout),
        nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(p=dropout),
        nn.Linear(hidden, num_classes)), "AlexNet", size=input_size)


VGG11_ARCH = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))
"""VGG-11's convolutional part: (number of 3x3 convolutions, output channels) per block."""


def vgg_block(num_convs: int, in_channels: int, out_channels: int) -> nn.Sequential:
    """``num_convs`` 3x3 convolutions (padding 1) with ReLU, then a 2x2 max pool of stride 2."""
    if num_convs < 1:
        raise ValueError(f"num_convs must be at least 1, got {num_convs}")
    layers = []
    for _ in range(num_convs):
        layers += [nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1), nn.ReLU()]
        in_channels = out_channels
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)


def vgg(conv_arch=VGG11_ARCH, input_size: int = 224, hidden: int = 4096, num_classes: int = 10,
        dropout: float = 0.5) -> nn.Sequential:
    """VGG (section 7.2): one :func:`vgg_block` per ``(num_convs, out_channels)`` in ``conv_arch``,
    then the classifier of AlexNet (two ``hidden``-unit layers with dropout).

    Each block halves height and width, so the input must be at least ``2 ** len(conv_arch)``
    pixels. The book's small VGG divides every channel count by 4: pass
    ``[(n, c // 4) for n, c in VGG11_ARCH]`` and ``hidden=4096``.
    """
    if len(conv_arch) == 0:
        raise ValueError("conv_arch must list at least one (num_convs, out_channels) block")
    blocks, in_channels = [], 1
    for num_convs, out_channels in conv_arch:
        blocks.append(vgg_block(num_convs, in_channels, out_channels))
        in_channels = out_channels
    n_flat = _flat_features(nn.Sequential(*blocks, nn.Flatten()), input_size, "VGG")
    return expect_images(nn.Sequential(
        *blocks, nn.Flatten(),
        nn.Linear(n_flat, hidden), nn.ReLU(), nn.Dropout(p=dropout),
        nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(p=dropout),
        nn.Linear(hidden, num_classes)), "VGG", size=input_size)


def nin_block(in_channels: int, out_channels: int, kernel_size: int, stride: int, padding: int
              ) -> nn.Sequential:
    """A NiN block (section 7.3): one ordinary convolution, then two 1x1 convolutions, each with ReLU.

    The 1x1 convolutions act like a small MLP applied to every pixel's channel vector.
    """
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU())


def nin(width: float = 1.0, num_classes: int = 10, dropout: float = 0.5) -> nn.Sequential:
    """Network in Network as in the book (section 7.3): no fully connected layer at all.

    The last NiN block outputs one channel per class and global average pooling turns each
    channel into a class score, so the network works for any input of at least 67 pixels.
    """
    c = [scaled_channels(n, width) for n in (96, 256, 384)]
    return expect_images(nn.Sequential(
        nin_block(1, c[0], kernel_size=11, stride=4, padding=0),
        nn.MaxPool2d(3, stride=2),
        nin_block(c[0], c[1], kernel_size=5, stride=1, padding=2),
        nn.MaxPool2d(3, stride=2),
        nin_block(c[1], c[2], kernel_size=3, stride=1, padding=1),
        nn.MaxPool2d(3, stride=2),
        nn.Dropout(dropout),
        nin_block(c[2], num_classes, kernel_size=3, stride=1, padding=1),
        nn.AdaptiveAvgPool2d((1, 1)),
        nn.Flatten()), "NiN", min_size=67)


class Inception(nn.Module):
    """The Inception block (section 7.4): four parallel paths concatenated along channels.

    Path 1: 1x1 conv (``c1`` channels). Path 2: 1x1 conv to ``c2[0]``, then 3x3 conv to ``c2[1]``.
    Path 3: 1x1 conv to ``c3[0]``, then 5x5 conv to ``c3[1]``. Path 4: 3x3 max pool, then 1x1 conv
    to ``c4``. All paths keep height and width, so the output has c1 + c2[1] + c3[1] + c4 channels.
    """

    def __init__(self, in_channels: int, c1: int, c2: tuple[int, int], c3: tuple[int, int], c4: int):
        super().__init__()
        self.p1_1 = nn.Conv2d(in_channels, c1, kernel_size=1)
        self.p2_1 = nn.Conv2d(in_channels, c2[0], kernel_size=1)
        self.p2_2 = nn.Conv2d(c2[0], c2[1], kernel_size=3, padding=1)
        self.p3_1 = nn.Conv2d(in_channels, c3[0], kernel_size=1)
        self.p3_2 = nn.Conv2d(c3[0], c3[1], kernel_size=5, padding=2)
        self.p4_1 = nn.MaxPool2d(kernel_size=3, stride=1, padding=1)
        self.p4_2 = nn.Conv2d(in_channels, c4, kernel_size=1)
        self.out_channels = c1 + c2[1] + c3[1] + c4

    def forward(self, x):
        p1 = F.relu(self.p1_1(x))
        p2 = F.relu(self.p2_2(F.relu(self.p2_1(x))))
        p3 = F.relu(self.p3_2(F.relu(self.p3_1(x))))
        p4 = F.relu(self.p4_2(self.p4_1(x)))
        return torch.cat((p1, p2, p3, p4), dim=1)


# The book's nine Inception blocks: (c1, (c2 reduce, c2), (c3 reduce, c3), c4), grouped by stage.
GOOGLENET_INCEPTIONS = (
    ((64, (96, 128), (16, 32), 32), (128, (128, 192), (32, 96), 64)),
    ((192, (96, 208), (16, 48), 64), (160, (112, 224), (24, 64), 64), (128, (128, 256), (24, 64), 64),
     (112, (144, 288), (32, 64), 64), (256, (160, 320), (32, 128), 128)),
    ((256, (160, 320), (32, 128), 128), (384, (192, 384), (48, 128), 128)),
)


def googlenet(width: float = 1.0, num_classes: int = 10) -> nn.Sequential:
    """GoogLeNet as in the book (section 7.4): five stages b1..b5 and a linear classifier.

    b1: 7x7 conv (64) and max pool; b2: 1x1 conv (64), 3x3 conv (192), max pool; b3, b4, b5: 2, 5
    and 2 Inception blocks with max pools in between; b5 ends in global average pooling. Every
    channel count is multiplied by ``width``. All windows are padded, so any input size runs; the
    book uses 96x96.
    """
    def s(channels: int) -> int:
        return scaled_channels(channels, width)

    b1 = nn.Sequential(nn.Conv2d(1, s(64), kernel_size=7, stride=2, padding=3), nn.ReLU(),
                       nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    b2 = nn.Sequential(nn.Conv2d(s(64), s(64), kernel_size=1), nn.ReLU(),
                       nn.Conv2d(s(64), s(192), kernel_size=3, padding=1), nn.ReLU(),
                       nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    stages, in_channels = [], s(192)
    for k, stage in enumerate(GOOGLENET_INCEPTIONS):
        blocks = []
        for c1, c2, c3, c4 in stage:
            block = Inception(in_channels, s(c1), (s(c2[0]), s(c2[1])), (s(c3[0]), s(c3[1])), s(c4))
            blocks.append(block)
            in_channels = block.out_channels
        if k < 2:
            blocks.append(nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
        else:
            blocks += [nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten()]
        stages.append(nn.Sequential(*blocks))
    return expect_images(nn.Sequential(b1, b2, *stages, nn.Linear(in_channels, num_classes)), "GoogLeNet")
