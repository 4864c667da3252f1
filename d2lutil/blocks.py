"""Building blocks of the modern CNNs (sections 7.5-7.7) that later notebooks reuse.

Names and signatures follow the book: the from-scratch ``batch_norm``/``BatchNorm`` (7.5),
ResNet's ``Residual`` (7.6) and DenseNet's ``conv_block``, ``DenseBlock`` and
``transition_block`` (7.7). Whole networks built from them live in :mod:`d2lutil.models`.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def batch_norm(X: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor,
               moving_mean: torch.Tensor, moving_var: torch.Tensor, eps: float,
               momentum: float, training: bool = True
               ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Batch normalisation of ``X`` (B, C) or (B, C, H, W); return (Y, new mean, new var).

    Training: normalise with the minibatch mean and *biased* variance (divide by n), and move
    the running estimates as ``new = momentum * old + (1 - momentum) * batch`` (the book's
    convention; PyTorch's ``momentum=0.1`` is this with ``momentum=0.9``), using the
    *unbiased* variance (divide by n - 1) for the running variance, exactly as ``nn.BatchNorm``.
    Inference (``training=False``): normalise with the running estimates, which are returned
    unchanged.
    """
    if X.dim() not in (2, 4):
        raise ValueError(f"X must be 2-D (batch, features) or 4-D (batch, channels, h, w), "
                         f"got shape {tuple(X.shape)}")
    if not 0.0 <= momentum <= 1.0:
        raise ValueError(f"momentum must be in [0, 1] (book convention: weight of the old "
                         f"estimate), got {momentum}")
    if not training:
        X_hat = (X - moving_mean) / torch.sqrt(moving_var + eps)
        return gamma * X_hat + beta, moving_mean, moving_var
    dims = (0,) if X.dim() == 2 else (0, 2, 3)
    n = X.numel() // X.shape[1]
    if n < 2:
        raise ValueError(f"training needs more than one value per channel, got X of shape "
                         f"{tuple(X.shape)}")
    mean = X.mean(dim=dims, keepdim=True)
    var = ((X - mean) ** 2).mean(dim=dims, keepdim=True)  # biased: used to normalise
    X_hat = (X - mean) / torch.sqrt(var + eps)
    with torch.no_grad():
        unbiased = var * n / (n - 1)  # unbiased: what nn.BatchNorm stores as running_var
        moving_mean = momentum * moving_mean + (1.0 - momentum) * mean
        moving_var = momentum * moving_var + (1.0 - momentum) * unbiased
    return gamma * X_hat + beta, moving_mean, moving_var


class BatchNorm(nn.Module):
    """The book's from-scratch batch-norm layer: ``num_dims`` is 2 (after Linear) or 4 (after Conv2d).

    Learnable scale ``gamma`` (ones) and shift ``beta`` (zeros); running mean and variance are
    buffers (zeros and ones), so ``.to(device)`` and ``state_dict`` handle them like
    ``nn.BatchNorm``. ``momentum=0.9`` here equals ``momentum=0.1`` in ``nn.BatchNorm``.
    """

    def __init__(self, num_features: int, num_dims: int, eps: float = 1e-5,
                 momentum: float = 0.9) -> None:
        super().__init__()
        if num_dims not in (2, 4):
            raise ValueError(f"num_dims must be 2 (fully connected) or 4 (convolution), got {num_dims}")
        shape = (1, num_features) if num_dims == 2 else (1, num_features, 1, 1)
        self.eps, self.momentum = eps, momentum
        self.gamma = nn.Parameter(torch.ones(shape))
        self.beta = nn.Parameter(torch.zeros(shape))
        self.register_buffer("moving_mean", torch.zeros(shape))
        self.register_buffer("moving_var", torch.ones(shape))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        Y, self.moving_mean, self.moving_var = batch_norm(
            X, self.gamma, self.beta, self.moving_mean, self.moving_var,
            eps=self.eps, momentum=self.momentum, training=self.training)
        return Y


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
