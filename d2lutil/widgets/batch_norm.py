"""Widget for batch normalisation (section 7.5): move one input, watch the whole batch move.

In training mode a batch-norm layer normalises each example with the mean and variance *of its
minibatch*, so changing one example changes every example's output. In evaluation mode the
statistics are fixed, so each output depends on its own input only.
"""
from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch

from .common import interactive

MODES = ("train", "eval")


def normalize_batch(x: torch.Tensor, mean: float | None = None, var: float | None = None,
                    eps: float = 1e-5) -> tuple[torch.Tensor, float, float]:
    """Normalise a 1-D batch of one feature; return (outputs, mean used, variance used).

    Without ``mean``/``var`` it uses the batch's own mean and biased variance (training mode);
    with them it uses those fixed statistics (evaluation mode). gamma = 1, beta = 0.
    """
    if x.dim() != 1 or len(x) < 2:
        raise ValueError(f"x must be a 1-D batch of at least 2 values, got shape {tuple(x.shape)}")
    if (mean is None) != (var is None):
        raise ValueError("mean and var must be given together (evaluation) or both left out (training)")
    if var is not None and var < 0:
        raise ValueError(f"var must be non-negative, got {var}")
    x = x.float()
    if mean is None:
        mean, var = x.mean().item(), x.var(unbiased=False).item()
    return (x - mean) / (var + eps) ** 0.5, float(mean), float(var)


def draw_batch_norm(x: torch.Tensor, y: torch.Tensor, moved: int, title: str = ""):
    """Inputs (top) and normalised outputs (bottom) of the batch; the moved example in red."""
    fig, (ax_in, ax_out) = plt.subplots(2, 1, figsize=(6, 3.2), sharex=False)
    idx = range(len(x))
    for ax, values, name in ((ax_in, x, "input x"), (ax_out, y, "output (x - mean) / std")):
        colors = ["tab:red" if i == moved else "tab:blue" for i in idx]
        ax.bar(list(idx), values.tolist(), color=colors)
        ax.axhline(0, color="gray", lw=0.5)
        ax.set_ylabel(name, fontsize=8)
        ax.set_xticks(list(idx))
    ax_out.set_ylim(-3.5, 3.5)
    ax_out.set_xlabel("example in the minibatch", fontsize=8)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig


def batch_norm_explorer(batch: torch.Tensor | None = None) -> widgets.interactive:
    """Slide one example's input and see every normalised output of the batch.

    ``batch`` is a 1-D tensor of inputs (default: 8 seeded values). The ``mode`` control
    switches between batch statistics (train) and the statistics of the original batch frozen
    (eval). The widget's ``result`` is the summary line it printed.
    """
    if batch is None:
        batch = torch.randn(8, generator=torch.Generator().manual_seed(0)) + 2.0
    batch = batch.float()
    _, frozen_mean, frozen_var = normalize_batch(batch)

    def show(index, value, mode):
        if not 0 <= index < len(batch):
            message = f"index must be between 0 and {len(batch) - 1}, got {index}"
            print(message)
            return message
        x = batch.clone()
        x[index] = value
        if mode == "train":
            y, mean, var = normalize_batch(x)
        else:
            y, mean, var = normalize_batch(x, frozen_mean, frozen_var)
        others = torch.cat([y[:index], y[index + 1:]])
        summary = (f"{mode}: mean {mean:.3f}, std {var ** 0.5:.3f}; example {index} -> {y[index]:.3f}; "
                   f"the other outputs span [{others.min():.3f}, {others.max():.3f}]")
        print(summary)
        draw_batch_norm(x, y, index, title=f"mode = {mode}")
        plt.show()
        return summary

    return interactive(
        show,
        index=widgets.IntSlider(value=0, min=0, max=len(batch) - 1, description="example",
                                continuous_update=False),
        value=widgets.FloatSlider(value=float(batch[0]), min=-10.0, max=10.0, step=0.25,
                                  description="its input", continuous_update=False),
        mode=widgets.Dropdown(options=list(MODES), value="train", description="mode"))
