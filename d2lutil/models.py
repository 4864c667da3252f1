"""Network definitions the notebooks train more than once (chapter 6; chapter 7 adds more).

Each function builds a fresh ``nn.Sequential`` so that its layers can be indexed and walked
one by one (the shape walk of section 6.6, the feature-map widget).
"""
from __future__ import annotations

from torch import nn


def lenet() -> nn.Sequential:
    """LeNet-5 as in the book (section 6.6): sigmoid activations and average pooling.

    Input (B, 1, 28, 28); the first convolution pads by 2 so that the 28x28 Fashion-MNIST
    images play the role of LeNet's original 32x32 digits. Output: 10 class scores.
    """
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, 10))


def lenet_modern() -> nn.Sequential:
    """LeNet with today's defaults: ReLU instead of sigmoid and max pooling instead of average.

    Same layer sizes and shapes as :func:`lenet`, so the two differ only in those two choices.
    """
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.ReLU(),
        nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.ReLU(),
        nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))


# --- Chapter 7.5-7.7: LeNet with batch normalisation, ResNet-18, DenseNet -------------------


def lenet_bn(scratch: bool = False) -> nn.Sequential:
    """The book's LeNet with batch normalisation after every conv and hidden FC layer (7.5).

    Input (B, 1, 28, 28), no padding on the first convolution (as in the book's 7.5), so the
    flattened features are 16 x 4 x 4 = 256. ``scratch=True`` uses the from-scratch
    :class:`d2lutil.blocks.BatchNorm`, otherwise ``nn.BatchNorm2d``/``nn.BatchNorm1d``.
    """
    from .blocks import BatchNorm

    def bn(num_features: int, num_dims: int) -> nn.Module:
        if scratch:
            return BatchNorm(num_features, num_dims=num_dims)
        return nn.BatchNorm2d(num_features) if num_dims == 4 else nn.BatchNorm1d(num_features)

    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5), bn(6, 4), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), bn(16, 4), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(),
        nn.Linear(16 * 4 * 4, 120), bn(120, 2), nn.Sigmoid(),
        nn.Linear(120, 84), bn(84, 2), nn.Sigmoid(),
        nn.Linear(84, 10))


def _check_widths(name: str, widths, length: int) -> tuple[int, ...]:
    widths = tuple(widths)
    if len(widths) != length or any(not isinstance(w, int) or w < 1 for w in widths):
        raise ValueError(f"{name} must be {length} positive integers, got {widths!r}")
    return widths


def resnet18(widths=(64, 128, 256, 512), in_channels: int = 1, num_classes: int = 10) -> nn.Sequential:
    """ResNet-18 as in the book (7.6): a 7x7 stem, four stages of two residual blocks, global pooling.

    ``widths`` are the channels of the four stages (the book: 64, 128, 256, 512; the cpu
    profile uses narrower ones). Works for any input of at least 32 x 32 pixels: the stem
    divides the size by 4 and stages 2-4 halve it each, before global average pooling.
    """
    from .blocks import Residual

    w = _check_widths("widths", widths, 4)
    b1 = nn.Sequential(nn.Conv2d(in_channels, w[0], kernel_size=7, stride=2, padding=3),
                       nn.BatchNorm2d(w[0]), nn.ReLU(),
                       nn.MaxPool2d(kernel_size=3, stride=2, padding=1))

    def stage(c_in: int, c_out: int, first: bool) -> nn.Sequential:
        if first:  # the stem already halved the size twice and set the channels
            return nn.Sequential(Residual(c_in, c_out), Residual(c_out, c_out))
        return nn.Sequential(Residual(c_in, c_out, use_1x1conv=True, strides=2), Residual(c_out, c_out))

    return nn.Sequential(b1, stage(w[0], w[0], True), stage(w[0], w[1], False),
                         stage(w[1], w[2], False), stage(w[2], w[3], False),
                         nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(w[3], num_classes))


def densenet(num_channels: int = 64, growth_rate: int = 32, num_convs_in_dense_blocks=(4, 4, 4, 4),
             in_channels: int = 1, num_classes: int = 10) -> nn.Sequential:
    """DenseNet as in the book (7.7): ResNet's stem, dense blocks joined by transition blocks.

    Each dense block adds ``num_convs * growth_rate`` channels; each transition halves the
    channels and the resolution. The book: 64 stem channels, growth rate 32, four blocks of 4.
    """
    from .blocks import DenseBlock, transition_block

    if num_channels < 1 or growth_rate < 1:
        raise ValueError(f"num_channels and growth_rate must be positive, got {num_channels}, {growth_rate}")
    convs = tuple(num_convs_in_dense_blocks)
    if not convs or any(not isinstance(n, int) or n < 1 for n in convs):
        raise ValueError(f"num_convs_in_dense_blocks must be positive integers, got {convs!r}")
    layers = [nn.Sequential(nn.Conv2d(in_channels, num_channels, kernel_size=7, stride=2, padding=3),
                            nn.BatchNorm2d(num_channels), nn.ReLU(),
                            nn.MaxPool2d(kernel_size=3, stride=2, padding=1))]
    for i, num_convs in enumerate(convs):
        layers.append(DenseBlock(num_convs, num_channels, growth_rate))
        num_channels += num_convs * growth_rate
        if i != len(convs) - 1:
            layers.append(transition_block(num_channels, num_channels // 2))
            num_channels //= 2
    layers += [nn.BatchNorm2d(num_channels), nn.ReLU(), nn.AdaptiveAvgPool2d((1, 1)),
               nn.Flatten(), nn.Linear(num_channels, num_classes)]
    return nn.Sequential(*layers)
