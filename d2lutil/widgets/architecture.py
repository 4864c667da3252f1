"""Architecture explorer (sections 7.1-7.7): a network's layers, output shapes, parameters and FLOPs.
FLOPs are counted by ``FlopCounterMode``: matrix products and convolutions (2 per multiply-add) only."""
from __future__ import annotations

from typing import Callable

import ipywidgets as widgets
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from .. import convnets
from ..validation import scaled_channels
from .common import explorer, int_slider

# name -> builder(input_size, width) of a net for one-channel images; width scales every channel count
ARCHITECTURES: dict[str, Callable[[int, float], nn.Module]] = {
    "LeNet": lambda input_size, width: convnets.lenet(),
    "AlexNet": lambda input_size, width: convnets.alexnet(width, input_size),
    "VGG-11": lambda input_size, width: convnets.vgg(
        [(n, scaled_channels(c, width)) for n, c in convnets.VGG11_ARCH], input_size,
        hidden=scaled_channels(4096, width)),
    "NiN": lambda input_size, width: convnets.nin(width),
    "GoogLeNet": lambda input_size, width: convnets.googlenet(width),
    "LeNet-BN": lambda input_size, width: convnets.lenet_bn(),
    "ResNet-18": lambda input_size, width: convnets.resnet18(
        tuple(scaled_channels(c, width) for c in (64, 128, 256, 512))),
    "DenseNet": lambda input_size, width: convnets.densenet(scaled_channels(64, width), scaled_channels(32, width)),
}


def layer_table(net: nn.Module, input_shape) -> list[dict]:
    """Feed zeros of ``input_shape`` through ``net``'s top-level layers: one row per layer with its
    ``name``, ``output_shape``, ``params`` and ``flops``. Works on a net built on the "meta" device."""
    if not isinstance(net, nn.Sequential):
        raise ValueError(f"net must be an nn.Sequential (its layers are walked in order), got {type(net).__name__}")
    shape = tuple(input_shape)
    if len(shape) != 4 or min(shape) < 1:
        raise ValueError(f"input_shape must be (batch, channels, height, width) with positive sizes, got {shape}")
    was_training = net.training
    net.eval()
    device = next((p.device for p in net.parameters()), torch.device("cpu"))  # where the weights are
    X, rows = torch.zeros(shape, device=device), []
    with torch.no_grad():
        for i, layer in enumerate(net):
            counter = FlopCounterMode(display=False)
            try:
                with counter:
                    X = layer(X)  # on failure X is still the layer's input, for the message
            except RuntimeError as err:
                net.train(was_training)
                raise ValueError(f"input_size={shape[2]}x{shape[3]} does not fit: layer {i} ({type(layer).__name__}) "
                                 f"cannot take its {tuple(X.shape)} input (too small for its window, or the "
                                 f"wrong size for a fixed fully connected layer)") from err
            rows.append({"name": type(layer).__name__, "output_shape": tuple(X.shape),
                         "params": sum(p.numel() for p in layer.parameters()),
                         "flops": counter.get_total_flops()})
    net.train(was_training)
    return rows


def format_layer_table(rows: list[dict]) -> str:
    """The rows of :func:`layer_table` as an aligned text table with a total line."""
    lines = [f"{'layer':<18s}{'output shape':<22s}{'parameters':>13s}{'MFLOPs':>12s}"]
    lines += [f"{row['name']:<18s}{str(row['output_shape']):<22s}{row['params']:>13,d}"
              f"{row['flops'] / 1e6:>12.1f}" for row in rows]
    params, flops = sum(row["params"] for row in rows), sum(row["flops"] for row in rows)
    lines.append(f"{'total':<40s}{params:>13,d}{flops / 1e6:>12.1f}")
    return "\n".join(lines)


def architecture_summary(name: str, input_size: int, width: float = 1.0) -> str:
    """``ARCHITECTURES[name]`` tabulated for (1, 1, input_size, input_size) images, or a one-line
    message when the name is unknown or the input is too small."""
    if name not in ARCHITECTURES:
        return f"Unknown architecture {name!r}; choose one of {', '.join(ARCHITECTURES)}"
    try:
        with torch.device("meta"):  # shapes and FLOPs only: no weights are allocated (VGG-11 would take 500 MB)
            net = ARCHITECTURES[name](input_size, width)
        rows = layer_table(net, (1, 1, input_size, input_size))
    except ValueError as err:
        return f"{name}: {err}"
    return f"{name}, width x{width:g}, input (1, 1, {input_size}, {input_size})\n" + format_layer_table(rows)


def architecture_explorer(name: str = "AlexNet", input_size: int = 224) -> widgets.interactive:
    """Choose a network, an input size and a channel width; ``.result`` is the printed table or message."""
    return explorer(
        architecture_summary, "Cannot build this network",
        name=widgets.Dropdown(options=list(ARCHITECTURES), value=name, description="model"),
        input_size=int_slider("input size", 1, 256, input_size),
        width=widgets.Dropdown(options=[1.0, 0.5, 0.25, 0.125], value=1.0, description="width"))
