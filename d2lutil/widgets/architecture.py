"""Architecture explorer (sections 7.1-7.7): a network's layers, output shapes, parameters and FLOPs.

``layer_table`` walks the top-level layers (or blocks) of an ``nn.Sequential`` the way the book
prints AlexNet, VGG, NiN and GoogLeNet, and counts each layer's floating-point operations with
``torch.utils.flop_counter.FlopCounterMode``. That counter sees matrix multiplications and
convolutions (2 FLOPs per multiply-add) and ignores cheap element-wise work such as ReLU, pooling
and additions, which is why it is close to, not equal to, every operation the CPU performs.

Other sections add their networks to ``ARCHITECTURES`` (name -> builder(input_size, width)).
"""
from __future__ import annotations

from typing import Callable

import ipywidgets as widgets
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from .. import convnets
from ..validation import scaled_channels
from .common import interactive


def _vgg11(input_size: int, width: float) -> nn.Module:
    arch = [(n, scaled_channels(c, width)) for n, c in convnets.VGG11_ARCH]
    return convnets.vgg(arch, input_size, hidden=scaled_channels(4096, width))


ARCHITECTURES: dict[str, Callable[[int, float], nn.Module]] = {
    "LeNet": lambda input_size, width: convnets.lenet(),
    "AlexNet": lambda input_size, width: convnets.alexnet(width, input_size),
    "VGG-11": _vgg11,
    "NiN": lambda input_size, width: convnets.nin(width),
    "GoogLeNet": lambda input_size, width: convnets.googlenet(width),
    "LeNet-BN": lambda input_size, width: convnets.lenet_bn(),
    "ResNet-18": lambda input_size, width: convnets.resnet18(
        tuple(scaled_channels(c, width) for c in (64, 128, 256, 512))),
    "DenseNet": lambda input_size, width: convnets.densenet(scaled_channels(64, width), scaled_channels(32, width)),
}
"""Networks offered by the explorer: builder(input_size, width) returns a model for one-channel
images of that size, with every channel count multiplied by ``width`` (builders may ignore either)."""


def layer_table(net: nn.Module, input_shape) -> list[dict]:
    """Feed a zero tensor of ``input_shape`` through ``net``'s top-level layers, one row per layer.

    Each row is a dict with ``name`` (class name of the layer or block), ``output_shape``,
    ``params`` (number of parameters) and ``flops`` (counted by FlopCounterMode for that layer on
    this input). A network built under ``torch.device("meta")`` works too (no weights are
    allocated). Raises ValueError naming the layer when the input does not fit it.
    """
    if not isinstance(net, nn.Sequential):
        raise ValueError(f"net must be an nn.Sequential (its layers are walked in order), got {type(net).__name__}")
    shape = tuple(input_shape)
    if len(shape) != 4 or min(shape) < 1:
        raise ValueError(f"input_shape must be (batch, channels, height, width) with positive sizes, got {shape}")
    was_training = net.training
    net.eval()
    # build the input where the weights are: on the "meta" device this counts shapes and FLOPs
    # of very large networks without allocating their weights
    device = next((p.device for p in net.parameters()), torch.device("cpu"))
    X, rows = torch.zeros(shape, device=device), []
    with torch.no_grad():
        for i, layer in enumerate(net):
            counter = FlopCounterMode(display=False)
            try:
                with counter:
                    Y = layer(X)
            except RuntimeError as err:
                net.train(was_training)
                raise ValueError(f"input_size={shape[2]}x{shape[3]} does not fit: layer {i} ({type(layer).__name__}) "
                                 f"cannot take its {tuple(X.shape)} input (too small for its window, or the "
                                 f"wrong size for a fixed fully connected layer)") from err
            rows.append({"name": type(layer).__name__, "output_shape": tuple(Y.shape),
                         "params": sum(p.numel() for p in layer.parameters()),
                         "flops": counter.get_total_flops()})
            X = Y
    net.train(was_training)
    return rows


def format_layer_table(rows: list[dict]) -> str:
    """The rows of :func:`layer_table` as an aligned text table with a total line."""
    lines = [f"{'layer':<18s}{'output shape':<22s}{'parameters':>13s}{'MFLOPs':>12s}"]
    for row in rows:
        lines.append(f"{row['name']:<18s}{str(row['output_shape']):<22s}{row['params']:>13,d}"
                     f"{row['flops'] / 1e6:>12.1f}")
    total_params = sum(r["params"] for r in rows)
    total_flops = sum(r["flops"] for r in rows)
    lines.append(f"{'total':<40s}{total_params:>13,d}{total_flops / 1e6:>12.1f}")
    return "\n".join(lines)


def architecture_summary(name: str, input_size: int, width: float = 1.0) -> str:
    """Build ``ARCHITECTURES[name]`` for (1, 1, input_size, input_size) images and tabulate it.

    Returns the table, or a one-line message when the name is unknown or the input is too small.
    """
    if name not in ARCHITECTURES:
        return f"Unknown architecture {name!r}; choose one of {', '.join(ARCHITECTURES)}"
    try:
        with torch.device("meta"):  # shapes and FLOPs only: no weights are allocated (VGG-11 would take 500 MB)
            net = ARCHITECTURES[name](input_size, width)
        rows = layer_table(net, (1, 1, input_size, input_size))
    except ValueError as err:
        return f"{name}: {err}"
    header = f"{name}, width x{width:g}, input (1, 1, {input_size}, {input_size})"
    return header + "\n" + format_layer_table(rows)


def architecture_explorer(name: str = "AlexNet", input_size: int = 224) -> widgets.interactive:
    """Choose a network, an input size and a channel width; see its layer table.

    The widget's ``result`` is the text it printed (the table or the message).
    """
    def show(name, input_size, width):
        text = architecture_summary(name, input_size, width)
        print(text)
        return text

    return interactive(
        show, name=widgets.Dropdown(options=list(ARCHITECTURES), value=name, description="model"),
        input_size=widgets.IntSlider(value=input_size, min=1, max=256, description="input size",
                                     continuous_update=False),
        width=widgets.Dropdown(options=[1.0, 0.5, 0.25, 0.125], value=1.0, description="width"))
