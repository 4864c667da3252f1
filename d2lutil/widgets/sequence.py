"""Widgets for sequence models: an autoregressive MLP on a noisy sine wave and how its k-step-ahead
predictions degrade (8.1), and which corpus positions land in which minibatch (8.3)."""
from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from matplotlib.patches import Rectangle
from torch import nn

from ..text import seq_data_iter_random, seq_data_iter_sequential
from ..validation import check_choice, check_int, check_number
from .common import explorer, int_slider

METHODS = ("random", "sequential")


# ---------------------------------------------------------------- 8.1 autoregressive model
def sine_series(T: int = 1000, noise: float = 0.2, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Times 1..T and the series x_t = sin(0.01 t) + N(0, noise^2), from a seeded generator."""
    check_int("T", T, minimum=2)
    check_number("noise", noise, minimum=0)
    generator = torch.Generator().manual_seed(seed)
    time = torch.arange(1, T + 1, dtype=torch.float32)
    return time, torch.sin(0.01 * time) + noise * torch.randn(T, generator=generator)


def ar_dataset(x: torch.Tensor, tau: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Features (T - tau, tau) = the ``tau`` previous values, labels (T - tau, 1) = the next one."""
    if not isinstance(tau, int) or not 1 <= tau < len(x):
        raise ValueError(f"tau must be an integer in 1..{len(x) - 1} (shorter than the series), got {tau!r}")
    features = torch.stack([x[i:len(x) - tau + i] for i in range(tau)], dim=1)
    return features, x[tau:].reshape(-1, 1)


def ar_mlp(tau: int, num_hiddens: int = 10) -> nn.Sequential:
    """The book's model: Linear(tau, 10) - ReLU - Linear(10, 1), Xavier-uniform weights."""
    net = nn.Sequential(nn.Linear(tau, num_hiddens), nn.ReLU(), nn.Linear(num_hiddens, 1))
    for linear in (net[0], net[2]):
        nn.init.xavier_uniform_(linear.weight)
    return net


def train_ar_mlp(features: torch.Tensor, labels: torch.Tensor, n_train: int = 600,
                 num_epochs: int = 5, lr: float = 0.01, batch_size: int = 16, seed: int = 0,
                 net: nn.Module | None = None) -> tuple[nn.Module, list[float]]:
    """Train ``net`` (default ``ar_mlp``) with MSE and Adam on the first ``n_train`` examples, repeatably
    (``seed`` seeds the net and the shuffling); return it and the training MSE after each epoch."""
    if not 1 <= n_train <= len(features):
        raise ValueError(f"n_train must be in 1..{len(features)}, got {n_train}")
    torch.manual_seed(seed)
    net = net if net is not None else ar_mlp(features.shape[1])
    data = torch.utils.data.TensorDataset(features[:n_train], labels[:n_train])
    loader = torch.utils.data.DataLoader(data, batch_size, shuffle=True,
                                         generator=torch.Generator().manual_seed(seed))
    loss, optimizer = nn.MSELoss(), torch.optim.Adam(net.parameters(), lr)
    losses = []
    for _ in range(num_epochs):
        for X, y in loader:
            optimizer.zero_grad()
            loss(net(X), y).backward()
            optimizer.step()
        with torch.no_grad():
            losses.append(loss(net(features[:n_train]), labels[:n_train]).item())
    return net, losses


def k_step_predictions(net: nn.Module, x: torch.Tensor, tau: int, max_steps: int) -> torch.Tensor:
    """Predictions 1..max_steps steps ahead, (len(x) - tau - max_steps + 1, max_steps): row j starts from
    x[j : j + tau], column k - 1 predicts x[j + tau + k - 1], feeding its own predictions back in."""
    rows = len(x) - tau - max_steps + 1
    if max_steps < 1 or rows < 1:
        raise ValueError(f"max_steps must be in 1..{len(x) - tau} for this series and tau={tau}, got {max_steps}")
    values = torch.zeros(rows, tau + max_steps)
    values[:, :tau] = torch.stack([x[i:i + rows] for i in range(tau)], dim=1)
    with torch.no_grad():
        for i in range(tau, tau + max_steps):
            values[:, i] = net(values[:, i - tau:i]).reshape(-1)
    return values[:, tau:]


def k_step_mse(x: torch.Tensor, preds: torch.Tensor, tau: int, k: int) -> float:
    """Mean squared error of the k-step-ahead column of ``k_step_predictions`` against x."""
    if not 1 <= k <= preds.shape[1]:
        raise ValueError(f"k must be in 1..{preds.shape[1]}, got {k}")
    target = x[tau + k - 1:tau + k - 1 + preds.shape[0]]
    return float(((preds[:, k - 1] - target) ** 2).mean())


def ar_explorer(T: int = 1000, max_steps: int = 64, seed: int = 0) -> widgets.interactive:
    """Sliders for tau (past values seen) and k (steps ahead); plots the k-step predictions. One model
    is trained per tau (the book's settings, a fraction of a second) and cached."""
    time, x = sine_series(T, seed=seed)
    cache: dict[int, torch.Tensor] = {}

    def show(tau, k):
        if tau not in cache:
            features, labels = ar_dataset(x, tau)
            net, _ = train_ar_mlp(features, labels, n_train=min(600, len(features)), seed=seed)
            cache[tau] = k_step_predictions(net, x, tau, max_steps)
        preds = cache[tau]
        mse = k_step_mse(x, preds, tau, k)
        _, ax = plt.subplots(figsize=(6, 2.8))
        ax.plot(time, x, color="0.75", lw=0.8, label="data")
        ax.plot(time[tau + k - 1:tau + k - 1 + len(preds)], preds[:, k - 1], color="tab:red", lw=1.2,
                label=f"{k}-step preds")
        ax.set(xlabel="time", ylabel="x", xlim=(1, T))
        ax.legend(loc="upper right")
        return f"tau={tau}, k={k}: MSE of the {k}-step-ahead predictions {mse:.4f}"

    return explorer(show, "Cannot predict with these settings", tau=int_slider("tau", 1, 32, 4),
                    k=int_slider("k", 1, max_steps, 1))


# ---------------------------------------------------------------- 8.3 minibatch partitioning
def partition_positions(num_tokens: int, batch_size: int, num_steps: int, method: str = "random",
                        seed: int = 0) -> list[torch.Tensor]:
    """The inputs X of the minibatches ``seq_data_iter_<method>`` makes of the corpus 0, 1, ...,
    num_tokens - 1: each token *is* its position, so X shows which positions were read."""
    check_choice("method", method, METHODS)
    check_int("num_tokens", num_tokens, minimum=2)
    data_iter = seq_data_iter_random if method == "random" else seq_data_iter_sequential
    generator = torch.Generator().manual_seed(seed)
    return [X for X, _ in data_iter(list(range(num_tokens)), batch_size, num_steps, generator)]


def batch_of_position(num_tokens: int, batches: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """For every corpus position: the minibatch that reads it as input and the row it sits in
    (-1 in both for positions no minibatch reads)."""
    batch_idx = torch.full((num_tokens,), -1, dtype=torch.long)
    row_idx = torch.full((num_tokens,), -1, dtype=torch.long)
    for b, X in enumerate(batches):
        batch_idx[X] = b
        row_idx[X] = torch.arange(len(X))[:, None]  # row r of X reads the positions X[r]
    return batch_idx, row_idx


def draw_partition(num_tokens: int, batches: list[torch.Tensor], width: int = 25) -> plt.Figure:
    """One numbered square per position (wrapped every ``width``), coloured by minibatch (grey: unused);
    a thick left edge marks where a subsequence starts."""
    batch_idx, _ = batch_of_position(num_tokens, batches)
    starts = {int(X[r, 0]) for X in batches for r in range(X.shape[0])}
    n_lines = -(-num_tokens // width)
    fig, ax = plt.subplots(figsize=(0.3 * min(width, num_tokens) + 0.4, 0.3 * n_lines + 0.6))
    colours = plt.get_cmap("tab10")
    for p in range(num_tokens):
        r, c = divmod(p, width)
        face = "0.88" if batch_idx[p] < 0 else colours(int(batch_idx[p]) % 10)
        ax.add_patch(Rectangle((c, n_lines - 1 - r), 1, 1, facecolor=face, edgecolor="white"))
        if p in starts:
            ax.plot([c, c], [n_lines - 1 - r, n_lines - r], color="black", lw=2.5)
        ax.text(c + 0.5, n_lines - 0.5 - r, str(p), ha="center", va="center", fontsize=6)
    ax.set(xlim=(0, min(width, num_tokens)), ylim=(0, n_lines), aspect="equal")
    ax.axis("off")
    ax.set_title("colour = minibatch, grey = not read, bar = subsequence start", fontsize=8)
    return fig


def describe_partition(num_tokens: int, batches: list[torch.Tensor]) -> str:
    """Text summary: the start positions of the rows of each minibatch and the unused positions."""
    batch_idx, _ = batch_of_position(num_tokens, batches)
    lines = [f"batch {b}: rows start at {[int(s) for s in X[:, 0]]}" for b, X in enumerate(batches)]
    unused = [p for p in range(num_tokens) if batch_idx[p] < 0]
    lines.append(f"{len(batches)} minibatches; {len(unused)} of {num_tokens} positions unused as input: {unused}")
    return "\n".join(lines)


def partition_explorer() -> widgets.interactive:
    """Corpus length, batch size, num_steps, method and seed; shows which position goes where."""
    def show(num_tokens, batch_size, num_steps, method, seed):
        batches = partition_positions(num_tokens, batch_size, num_steps, method, seed)
        draw_partition(num_tokens, batches)
        return describe_partition(num_tokens, batches)

    return explorer(
        show, "Cannot partition", num_tokens=int_slider("tokens", 2, 200, 35),
        batch_size=int_slider("batch", 1, 16, 2), num_steps=int_slider("num_steps", 1, 20, 5),
        method=widgets.Dropdown(options=list(METHODS), value="random", description="method"),
        seed=int_slider("seed", 0, 9, 0))
