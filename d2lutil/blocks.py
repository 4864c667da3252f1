"""Building blocks of the modern CNNs (sections 7.5-7.7) that later notebooks reuse.

Names and signatures follow the book: ResNet's ``Residual`` (7.6) and DenseNet's
``conv_block``, ``DenseBlock`` and ``transition_block`` (7.7). The notebooks of 7.6 and 7.7 write
these classes themselves (they are the lesson) and check that their copy matches this one; the
whole networks built from them live in :mod:`d2lutil.models`.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class Residual(nn.Module):
    """ResNet's residual block: two 3x3 conv + BN layers, then ReLU(F(X) + X).

    ``use_1x1conv`` adds a 1x1 convolution (with ``strides``) on the shortcut so that X can be
    added when the block changes the number of channels or halves the resolution.
    """

    def __init__(self, input_channels: int, num_channels: int, use_1x1conv: bool = False,
                 strides: int = 1) -> None:
        super().__init__()
        if not use_1x1conv and (input_channels != num_channels or strides != 1):
            raise ValueError(f"use_1x1conv must be True when the block changes channels "
                             f"({input_channels} -> {num_channels}) or strides ({strides}) != 1")
        self.conv1 = nn.Conv2d(input_channels, num_channels, kernel_size=3, padding=1, stride=strides)
        self.conv2 = nn.Conv2d(num_channels, num_channels, kernel_size=3, padding=1)
        self.conv3 = (nn.Conv2d(input_channels, num_channels, kernel_size=1, stride=strides)
                      if use_1x1conv else None)
        self.bn1 = nn.BatchNorm2d(num_channels)
        self.bn2 = nn.BatchNorm2d(num_channels)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3 is not None:
            X = self.conv3(X)
        return F.relu(Y + X)


def conv_block(input_channels: int, num_channels: int) -> nn.Sequential:
    """DenseNet's BN-ReLU-Conv(3x3) unit (the "pre-activation" order of later ResNets)."""
    return nn.Sequential(nn.BatchNorm2d(input_channels), nn.ReLU(),
                         nn.Conv2d(input_channels, num_channels, kernel_size=3, padding=1))


class DenseBlock(nn.Module):
    """``num_convs`` conv blocks; each one's output is concatenated to its input on channels.

    The output has ``input_channels + num_convs * num_channels`` channels (``num_channels`` is
    the growth rate).
    """

    def __init__(self, num_convs: int, input_channels: int, num_channels: int) -> None:
        super().__init__()
        if num_convs < 1:
            raise ValueError(f"num_convs must be at least 1, got {num_convs}")
        self.net = nn.Sequential(*[conv_block(num_channels * i + input_channels, num_channels)
                                   for i in range(num_convs)])

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        for blk in self.net:
            X = torch.cat((X, blk(X)), dim=1)
        return X


def transition_block(input_channels: int, num_channels: int) -> nn.Sequential:
    """DenseNet's transition: BN-ReLU, a 1x1 conv to ``num_channels``, 2x2 average pooling."""
    return nn.Sequential(nn.BatchNorm2d(input_channels), nn.ReLU(),
                         nn.Conv2d(input_channels, num_channels, kernel_size=1),
                         nn.AvgPool2d(kernel_size=2, stride=2))
