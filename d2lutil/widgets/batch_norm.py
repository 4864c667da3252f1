"""Widget for batch normalisation (section 7.5): move one input, watch the whole batch move. Training
mode uses the minibatch's own statistics, so one example moves every output; eval mode's are fixed."""
from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch

from .common import explorer, float_slider, int_slider

MODES = ("train", "eval")


def normalize_batch(x: torch.Tensor, mean: float | None = None, var: float | None = None,
                    eps: float = 1e-5) -> tuple[torch.Tensor, float, float]:
    """Normalise a 1-D batch of one feature (gamma = 1, beta = 0); return (outputs, mean, variance).
    Without ``mean``/``var``: the batch's mean and biased variance (training), else those (evaluation)."""
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


def draw_batch_norm(x: torch.Tensor, y: torch.Tensor, moved: int, title: str = "") -> plt.Figure:
    """Inputs (top) and normalised outputs (bottom) of the batch; the moved example in red."""
    fig, (ax_in, ax_out) = plt.subplots(2, 1, figsize=(6, 3.2))
    examples = range(len(x))
    colors = ["tab:red" if i == moved else "tab:blue" for i in examples]
    for ax, values, name in ((ax_in, x, "input x"), (ax_out, y, "output (x - mean) / std")):
        ax.bar(examples, values.tolist(), color=colors)
        ax.axhline(0, color="gray", lw=0.5)
        ax.set_ylabel(name, fontsize=8)
        ax.set_xticks(examples)
    ax_out.set_ylim(-3.5, 3.5)
    ax_out.set_xlabel("example in the minibatch", fontsize=8)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig


def batch_norm_explorer(batch: torch.Tensor | None = None) -> widgets.interactive:
    """Slide one example's input of ``batch`` (default: 8 seeded values) and see every normalised
    output; mode "eval" uses the statistics of the original batch, frozen."""
    if batch is None:
        batch = torch.randn(8, generator=torch.Generator().manual_seed(0)) + 2.0
    batch = batch.float()
    _, frozen_mean, frozen_var = normalize_batch(batch)

    def show(index, value, mode):
        x = batch.clone()
        x[index] = value
        y, mean, var = normalize_batch(x) if mode == "train" else normalize_batch(x, frozen_mean, frozen_var)
        draw_batch_norm(x, y, index, title=f"mode = {mode}")
        others = torch.cat([y[:index], y[index + 1:]])
        return (f"{mode}: mean {mean:.3f}, std {var ** 0.5:.3f}; example {index} -> {y[index]:.3f}; "
                f"the other outputs span [{others.min():.3f}, {others.max():.3f}]")

    return explorer(
        show, "Cannot normalise", index=int_slider("example", 0, len(batch) - 1, 0),
        value=float_slider("its input", -10.0, 10.0, float(batch[0]), step=0.25),
        mode=widgets.Dropdown(options=list(MODES), value="train", description="mode"))
