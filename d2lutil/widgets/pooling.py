"""Widget for pooling (section 6.5): max or average pooling of a Fashion-MNIST image."""
from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from ..conv import conv_output_shape
from ..datasets import get_fashion_mnist_labels, read_fashion_mnist
from ..validation import check_choice, check_int
from .common import explorer, int_slider

MODES = ("max", "avg")


def pool_image(image: torch.Tensor, mode: str = "max", window: int = 2, stride: int = 2,
               padding: int = 0) -> torch.Tensor:
    """Pool one image (H, W) or (1, H, W) with a square window into (H', W'), checking the settings first.
    Average pooling counts padded zeros (``count_include_pad=True``); max pooling pads with -inf."""
    check_choice("mode", mode, MODES)
    if image.dim() == 3 and image.shape[0] == 1:
        image = image[0]
    if image.dim() != 2:
        raise ValueError(f"image must be (H, W) or (1, H, W), got shape {tuple(image.shape)}")
    check_int("window", window, minimum=1)
    if padding > window // 2:
        raise ValueError(f"padding must be at most half the window ({window // 2} for window {window}), "
                         f"got {padding}")
    conv_output_shape(tuple(image.shape), window, padding, stride)  # stride, padding, size checks
    pool = F.max_pool2d if mode == "max" else F.avg_pool2d
    return pool(image.float()[None, None], window, stride, padding)[0, 0]


def draw_pooling(image: torch.Tensor, output: torch.Tensor, title: str = "") -> plt.Figure:
    """Input and pooled output side by side, each with its own pixel grid size."""
    fig, (ax_in, ax_out) = plt.subplots(1, 2, figsize=(6, 3))
    for ax, img, name in ((ax_in, image.squeeze(), "input"), (ax_out, output, "pooled")):
        ax.imshow(img.detach().cpu().numpy(), cmap="gray")
        ax.set_title(f"{name} {img.shape[0]}x{img.shape[1]}", fontsize=9)
        ax.axis("off")
    if title:
        fig.suptitle(title, fontsize=9)
    return fig


def pooling_explorer(images: torch.Tensor | None = None, labels: torch.Tensor | None = None
                     ) -> widgets.interactive:
    """Pick a test image (default: the Fashion-MNIST test set), max or average pooling, window,
    stride and padding; see the result."""
    if images is None:
        images, labels = read_fashion_mnist("test")
    images = images.float() / 255 if images.dtype == torch.uint8 else images

    def show(index, mode, window, stride, padding):
        image = images[index]
        output = pool_image(image, mode, window, stride, padding)
        draw_pooling(image, output)
        name = get_fashion_mnist_labels([labels[index]])[0] if labels is not None else f"image {index}"
        return (f"{name}: {tuple(image.shape[-2:])} -> {tuple(output.shape)} with {mode} pooling, "
                f"window {window}, stride {stride}, padding {padding}")

    return explorer(
        show, "Cannot pool with these settings", index=int_slider("image", 0, len(images) - 1, 0),
        mode=widgets.Dropdown(options=list(MODES), value="max", description="mode"),
        window=int_slider("window", 1, 30, 2), stride=int_slider("stride", 0, 8, 2),
        padding=int_slider("padding", 0, 5, 0))
