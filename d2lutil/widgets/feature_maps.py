"""Widget for what a trained CNN computes (section 6.6): the feature maps of every layer."""
from __future__ import annotations

import math

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from torch import nn

from ..datasets import get_fashion_mnist_labels
from .common import interactive


def layer_outputs(net: nn.Sequential, X: torch.Tensor) -> list[tuple[str, torch.Tensor]]:
    """Feed ``X`` through ``net`` layer by layer; return ``(name, output)`` for every layer.

    Names read like ``"3 Conv2d"`` (index in the Sequential, then the layer's class). The network
    is run in eval mode (then put back in the mode it was in) without gradients, on the device
    of its parameters; outputs come back on the CPU.
    """
    if not isinstance(net, nn.Sequential):
        raise ValueError(f"net must be an nn.Sequential (its layers are walked in order), got {type(net).__name__}")
    if X.dim() != 4:
        raise ValueError(f"X must be a batch (B, C, H, W), got shape {tuple(X.shape)}")
    device = next(net.parameters()).device
    outputs, was_training = [], net.training
    net.eval()
    with torch.no_grad():
        X = X.to(device)
        for i, layer in enumerate(net):
            X = layer(X)
            outputs.append((f"{i} {type(layer).__name__}", X.cpu()))
    net.train(was_training)
    return outputs


def draw_feature_maps(fmap: torch.Tensor, title: str = "", max_maps: int = 16):
    """Draw one example's layer output: a grid of channels (C, H, W), or a bar per unit (N,)."""
    if fmap.dim() == 1:
        fig, ax = plt.subplots(figsize=(6, 2))
        ax.bar(range(len(fmap)), fmap.tolist())
        ax.set_xlabel("unit")
        ax.set_title(title, fontsize=9)
        return fig
    if fmap.dim() != 3:
        raise ValueError(f"fmap must be (C, H, W) or (N,), got shape {tuple(fmap.shape)}")
    n = min(len(fmap), max_maps)
    cols = min(n, 8)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(1.2 * cols, 1.3 * rows + 0.3), squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k < n:
            ax.imshow(fmap[k].numpy(), cmap="viridis")
            ax.set_title(f"ch {k}", fontsize=7)
    fig.suptitle(title, fontsize=9)
    return fig


def feature_map_explorer(net: nn.Sequential, images: torch.Tensor, labels: torch.Tensor | None = None
                         ) -> widgets.interactive:
    """Slider for a test image, dropdown for a layer of ``net``; shows that layer's feature maps.

    ``images`` is a float tensor (N, 1, H, W) as the network expects it. The title gives the true
    and the predicted class; ``result`` is the summary line.
    """
    if images.dim() != 4 or len(images) == 0:
        raise ValueError(f"images must be a non-empty batch (N, C, H, W), got shape {tuple(images.shape)}")
    names = [name for name, _ in layer_outputs(net, images[:1])]

    def show(index, layer):
        outputs = layer_outputs(net, images[index:index + 1])
        fmap = dict(outputs)[layer][0]
        pred = get_fashion_mnist_labels([outputs[-1][1][0].argmax()])[0]
        true = get_fashion_mnist_labels([labels[index]])[0] if labels is not None else "?"
        summary = (f"image {index} (true {true}, predicted {pred}); layer {layer}: output shape "
                   f"{tuple(fmap.shape)}, values {fmap.min():.3f} .. {fmap.max():.3f}")
        print(summary)
        draw_feature_maps(fmap, f"{layer}, image {index}: true {true}, pred {pred}")
        plt.show()
        return summary

    return interactive(
        show, index=widgets.IntSlider(value=0, min=0, max=len(images) - 1, description="image",
                                      continuous_update=False),
        layer=widgets.Dropdown(options=names, value=names[0], description="layer"))
