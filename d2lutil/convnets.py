"""The networks of chapters 6-7 and their blocks, in book order (LeNet to DenseNet).

Each builder returns a fresh ``nn.Sequential`` that checks its input images before the first layer does.
A ``width`` multiplier (1.0 = the book's network) lets the cpu profile train a thinner copy of a design.
"""
from __future__ import annotations

import functools

import torch
from torch import nn
from torch.nn import functional as F

from .validation import check_int, check_tensor, scaled_channels


class ExpectImages:
    """Forward pre-hook: the input must be a float batch (batch, ``channels``, h, w) of ``size`` x ``size``
    images, or at least ``min_size`` a side. ``shrink``: how many times the network shrinks an image before
    its last batch normalisation (which in training needs more than one value per channel). A class, not a
    closure, so that ``torch.save(net)`` works.
    """

    def __init__(self, name: str, channels: int = 1, size: int | None = None, min_size: int = 1,
                 shrink: int | None = None) -> None:
        self.name, self.channels, self.size, self.min_size, self.shrink = name, channels, size, min_size, shrink

    def __call__(self, module: nn.Module, args: tuple) -> None:
        X = check_tensor("X", args[0], floating=True)
        if X.dim() != 4 or X.shape[1] != self.channels:
            hint = ": for one image, add the batch dimension with X.unsqueeze(0)" if X.dim() == 3 else ""
            raise ValueError(f"{self.name} expects images shaped (batch, {self.channels}, height, width), "
                             f"got shape {tuple(X.shape)}{hint}")
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
    """Attach an :class:`ExpectImages` check to ``net`` (walking its layers bypasses it) and return ``net``."""
    net.register_forward_pre_hook(ExpectImages(name, channels, size, min_size, shrink))
    return net


def _check_positive_ints(name: str, values, length: int | None = None) -> tuple[int, ...]:
    """``values`` as a tuple of ``length`` (default: one or more) positive integers."""
    values = tuple(values)
    if not values or (length is not None and len(values) != length):
        raise ValueError(f"{name} must hold {length or 'one or more'} positive integers, got {values!r}")
    return tuple(check_int(f"{name}[{i}]", v, minimum=1) for i, v in enumerate(values))


def _with_classifier(features: nn.Sequential, name: str, input_size: int, hidden: int, num_classes: int,
                     dropout: float) -> nn.Sequential:
    """``features`` followed by AlexNet's and VGG's head: two ``hidden``-unit layers with dropout."""
    check_int("input_size (image height = width)", input_size, minimum=1)
    X = torch.zeros(1, 1, input_size, input_size)
    with torch.no_grad():  # the number of flattened features, found by running one image through
        for i, layer in enumerate(features):
            try:
                X = layer(X)
            except RuntimeError as err:
                raise ValueError(f"input_size={input_size} is too small for {name}: layer {i} "
                                 f"({type(layer).__name__}) gets a {tuple(X.shape[2:])} input") from err
    head = [nn.Linear(X.numel(), hidden), nn.ReLU(), nn.Dropout(p=dropout),
            nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(p=dropout), nn.Linear(hidden, num_classes)]
    return expect_images(nn.Sequential(*features, *head), name, size=input_size)


def lenet(activation: type[nn.Module] = nn.Sigmoid, pool: type[nn.Module] = nn.AvgPool2d) -> nn.Sequential:
    """LeNet-5 (6.6) for 28x28 images: the first convolution pads by 2 to stand in for the original 32x32."""
    net = expect_images(nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), activation(), pool(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), activation(), pool(kernel_size=2, stride=2), nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), activation(),
        nn.Linear(120, 84), activation(),
        nn.Linear(84, 10)), "LeNet", size=28)
    net.memory_format = torch.channels_last  # train_ch6 trains it channels-last on a CPU (faster convolutions)
    return net


def lenet_modern() -> nn.Sequential:
    """LeNet with ReLU instead of sigmoid and max pooling instead of average; otherwise the same."""
    return lenet(nn.ReLU, nn.MaxPool2d)


def alexnet(width: float = 1.0, input_size: int = 224, hidden: int | None = None, num_classes: int = 10,
            dropout: float = 0.5) -> nn.Sequential:
    """AlexNet (7.1) for one-channel images of at least 65 pixels; ``hidden`` defaults to 4096 x ``width``."""
    c = [scaled_channels(n, width) for n in (96, 256, 384, 384, 256)]
    features = nn.Sequential(
        nn.Conv2d(1, c[0], kernel_size=11, stride=4, padding=1), nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(c[0], c[1], kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(c[1], c[2], kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(c[2], c[3], kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(c[3], c[4], kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Flatten())
    hidden = scaled_channels(4096, width) if hidden is None else hidden
    return _with_classifier(features, "AlexNet", input_size, hidden, num_classes, dropout)


VGG11_ARCH = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))
"""VGG-11's convolutional part: (number of 3x3 convolutions, output channels) per block."""


def vgg_block(num_convs: int, in_channels: int, out_channels: int) -> nn.Sequential:
    """``num_convs`` 3x3 convolutions (padding 1) with ReLU, then a 2x2 max pool of stride 2."""
    layers = []
    for _ in range(check_int("num_convs", num_convs, minimum=1)):
        layers += [nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1), nn.ReLU()]
        in_channels = out_channels
    return nn.Sequential(*layers, nn.MaxPool2d(kernel_size=2, stride=2))


def vgg(conv_arch=VGG11_ARCH, input_size: int = 224, hidden: int = 4096, num_classes: int = 10,
        dropout: float = 0.5) -> nn.Sequential:
    """VGG (7.2): one :func:`vgg_block` per ``(num_convs, out_channels)`` of ``conv_arch``, then AlexNet's
    head. Each block halves the image, so the input needs at least ``2 ** len(conv_arch)`` pixels.
    """
    if len(conv_arch) == 0:
        raise ValueError("conv_arch must list at least one (num_convs, out_channels) block")
    in_channels = [1] + [c for _, c in conv_arch]
    blocks = [vgg_block(n, c_in, c_out) for (n, c_out), c_in in zip(conv_arch, in_channels)]
    features = nn.Sequential(*blocks, nn.Flatten())
    return _with_classifier(features, "VGG", input_size, hidden, num_classes, dropout)


def nin_block(in_channels: int, out_channels: int, kernel_size: int, stride: int, padding: int) -> nn.Sequential:
    """A NiN block (7.3): one convolution, then two 1x1 convolutions (an MLP on every pixel), each with ReLU."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU())


def nin(width: float = 1.0, num_classes: int = 10, dropout: float = 0.5) -> nn.Sequential:
    """Network in Network (7.3): the last block outputs one channel per class and global average pooling
    turns each into a class score, with no fully connected layer; inputs of at least 67 pixels.
    """
    c = [scaled_channels(n, width) for n in (96, 256, 384)]
    return expect_images(nn.Sequential(
        nin_block(1, c[0], kernel_size=11, stride=4, padding=0), nn.MaxPool2d(3, stride=2),
        nin_block(c[0], c[1], kernel_size=5, stride=1, padding=2), nn.MaxPool2d(3, stride=2),
        nin_block(c[1], c[2], kernel_size=3, stride=1, padding=1), nn.MaxPool2d(3, stride=2),
        nn.Dropout(dropout),
        nin_block(c[2], num_classes, kernel_size=3, stride=1, padding=1),
        nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten()), "NiN", min_size=67)


class Inception(nn.Module):
    """The Inception block (7.4): four paths that keep height and width, concatenated on channels: a 1x1
    conv (``c1``); 1x1 then 3x3 (``c2``); 1x1 then 5x5 (``c3``); a 3x3 max pool then 1x1 (``c4``).
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
    """GoogLeNet (7.4): stem stages b1, b2, then 2, 5 and 2 Inception blocks with max pools between and
    global average pooling at the end. Every window is padded, so any input size runs (the book: 96x96).
    """
    s = functools.partial(scaled_channels, width=width)
    b1 = nn.Sequential(nn.Conv2d(1, s(64), kernel_size=7, stride=2, padding=3), nn.ReLU(),
                       nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    b2 = nn.Sequential(nn.Conv2d(s(64), s(64), kernel_size=1), nn.ReLU(),
                       nn.Conv2d(s(64), s(192), kernel_size=3, padding=1), nn.ReLU(),
                       nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    stages, in_channels = [], s(192)
    for k, stage in enumerate(GOOGLENET_INCEPTIONS):
        blocks = []
        for c1, c2, c3, c4 in stage:
            blocks.append(Inception(in_channels, s(c1), (s(c2[0]), s(c2[1])), (s(c3[0]), s(c3[1])), s(c4)))
            in_channels = blocks[-1].out_channels
        last = k == len(GOOGLENET_INCEPTIONS) - 1
        blocks += [nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten()] if last else [nn.MaxPool2d(3, stride=2, padding=1)]
        stages.append(nn.Sequential(*blocks))
    return expect_images(nn.Sequential(b1, b2, *stages, nn.Linear(in_channels, num_classes)), "GoogLeNet")


def lenet_bn() -> nn.Sequential:
    """LeNet with batch normalisation after every conv and hidden layer (7.5), unpadded as in the book."""
    return expect_images(nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5), nn.BatchNorm2d(6), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.BatchNorm2d(16), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 4 * 4, 120), nn.BatchNorm1d(120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.BatchNorm1d(84), nn.Sigmoid(),
        nn.Linear(84, 10)), "LeNet-BN", size=28)


class Residual(nn.Module):
    """ResNet's residual block (7.6): two 3x3 conv + BN layers, then ReLU(F(X) + X). ``use_1x1conv`` puts a
    1x1 convolution (with ``strides``) on the shortcut, needed when the block changes channels or resolution.
    """

    def __init__(self, input_channels: int, num_channels: int, use_1x1conv: bool = False,
                 strides: int = 1) -> None:
        super().__init__()
        if not use_1x1conv and (input_channels != num_channels or strides != 1):
            raise ValueError(f"use_1x1conv must be True when the block changes channels "
                             f"({input_channels} -> {num_channels}) or strides ({strides}) != 1")
        self.conv1 = nn.Conv2d(input_channels, num_channels, kernel_size=3, padding=1, stride=strides)
        self.conv2 = nn.Conv2d(num_channels, num_channels, kernel_size=3, padding=1)
        self.conv3 = nn.Conv2d(input_channels, num_channels, kernel_size=1, stride=strides) if use_1x1conv else None
        self.bn1 = nn.BatchNorm2d(num_channels)
        self.bn2 = nn.BatchNorm2d(num_channels)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3 is not None:
            X = self.conv3(X)
        return F.relu(Y + X)


def resnet_stem(in_channels: int, num_channels: int) -> nn.Sequential:
    """ResNet's and DenseNet's first stage: 7x7 conv (stride 2), BN, ReLU, 3x3 max pool (stride 2)."""
    return nn.Sequential(nn.Conv2d(in_channels, num_channels, kernel_size=7, stride=2, padding=3),
                         nn.BatchNorm2d(num_channels), nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2, padding=1))


def resnet18(widths=(64, 128, 256, 512), in_channels: int = 1, num_classes: int = 10) -> nn.Sequential:
    """ResNet-18 (7.6): the stem, four stages of two residual blocks (``widths`` channels), pooling, linear."""
    w = _check_positive_ints("widths", widths, 4)
    stem = resnet_stem(in_channels, w[0])
    stages = [nn.Sequential(Residual(w[0], w[0]), Residual(w[0], w[0]))]  # the stem has halved the image twice
    stages += [nn.Sequential(Residual(c_in, c_out, use_1x1conv=True, strides=2), Residual(c_out, c_out))
               for c_in, c_out in zip(w, w[1:])]
    net = nn.Sequential(stem, *stages, nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(w[3], num_classes))
    return expect_images(net, "ResNet-18", in_channels, shrink=32)


def conv_block(input_channels: int, num_channels: int) -> nn.Sequential:
    """DenseNet's BN-ReLU-Conv(3x3) unit (the "pre-activation" order of later ResNets)."""
    return nn.Sequential(nn.BatchNorm2d(input_channels), nn.ReLU(),
                         nn.Conv2d(input_channels, num_channels, kernel_size=3, padding=1))


class DenseBlock(nn.Module):
    """``num_convs`` conv blocks, each one's output concatenated to its input on channels, so the output has
    ``input_channels + num_convs * num_channels`` channels (``num_channels``: the growth rate).
    """

    def __init__(self, num_convs: int, input_channels: int, num_channels: int) -> None:
        super().__init__()
        self.net = nn.Sequential(*[conv_block(num_channels * i + input_channels, num_channels)
                                   for i in range(check_int("num_convs", num_convs, minimum=1))])

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        for blk in self.net:
            X = torch.cat((X, blk(X)), dim=1)
        return X


def transition_block(input_channels: int, num_channels: int) -> nn.Sequential:
    """DenseNet's transition: BN-ReLU, a 1x1 conv to ``num_channels``, 2x2 average pooling."""
    return nn.Sequential(nn.BatchNorm2d(input_channels), nn.ReLU(),
                         nn.Conv2d(input_channels, num_channels, kernel_size=1), nn.AvgPool2d(kernel_size=2, stride=2))


def densenet(num_channels: int = 64, growth_rate: int = 32, num_convs_in_dense_blocks=(4, 4, 4, 4),
             in_channels: int = 1, num_classes: int = 10) -> nn.Sequential:
    """DenseNet (7.7): ResNet's stem, then dense blocks joined by transitions that halve channels and size."""
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
