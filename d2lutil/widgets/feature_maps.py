"""Widget for what a trained CNN computes (section 6.6): the feature maps of every layer."""
from __future__ import annotations

import math

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from torch import nn

from ..datasets import get_fashion_mnist_labels
from .common import explorer, int_slider


def layer_outputs(net: nn.Sequential, X: torch.Tensor) -> list[tuple[str, torch.Tensor]]:
    """``(name, output)`` of every layer of ``net`` for input ``X``, names like ``"3 Conv2d"``. Runs in eval
    mode (then restores the mode) without gradients, on the parameters' device; outputs are on the CPU."""
    if not isinstance(net, nn.Sequential):
        raise ValueError(f"net must be an nn.Sequential (its layers are walked in order), got {type(net).__name__}")
    if X.dim() != 4:
        raise ValueError(f"X must be a batch (B, C, H, W), got shape {tuple(X.shape)}")
    outputs, was_training = [], net.training
    net.eval()
    with torch.no_grad():
        X = X.to(next(net.parameters()).device)
        for i, layer in enumerate(net):
            X = layer(X)
            outputs.append((f"{i} {type(layer).__name__}", X.cpu()))
    net.train(was_training)
    return outputs


def draw_feature_maps(fmap: torch.Tensor, title: str = "", max_maps: int = 16) -> plt.Figure:
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
    rows, cols = math.ceil(n / 8), min(n, 8)
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
    """Slider for one of ``images`` (a float batch as ``net`` expects it), dropdown for a layer of ``net``;
    shows that layer's feature maps, titled with the true and the predicted class."""
    if images.dim() != 4 or len(images) == 0:
        raise ValueError(f"images must be a non-empty batch (N, C, H, W), got shape {tuple(images.shape)}")
    names = [name for name, _ in layer_outputs(net, images[:1])]

    def show(index, layer):
        outputs = layer_outputs(net, images[index:index + 1])
        fmap = dict(outputs)[layer][0]
        pred = get_fashion_mnist_labels([outputs[-1][1][0].argmax()])[0]
        true = get_fashion_mnist_labels([labels[index]])[0] if labels is not None else "?"
        draw_feature_maps(fmap, f"{layer}, image {index}: true {true}, pred {pred}")
        return (f"image {index} (true {true}, predicted {pred}); layer {layer}: output shape "
                f"{tuple(fmap.shape)}, values {fmap.min():.3f} .. {fmap.max():.3f}")

    return explorer(show, "Cannot show the feature maps", index=int_slider("image", 0, len(images) - 1, 0),
                    layer=widgets.Dropdown(options=names, value=names[0], description="layer"))
