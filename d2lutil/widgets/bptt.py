"""Widgets for backpropagation through time: how the gradient reaching ``h_t`` shrinks or grows
as it travels back from the last step, depending on the spectral radius of ``W_hh``."""
from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch

from ..validation import check_choice, check_int, check_number
from .common import explorer, float_slider, int_slider

ACTIVATIONS = {"tanh": torch.tanh, "identity": lambda x: x}


def scaled_recurrent_matrix(num_hiddens: int, spectral_radius: float,
                            generator: torch.Generator | None = None) -> torch.Tensor:
    """A random Gaussian ``W_hh`` (float64) rescaled so its largest |eigenvalue| is ``spectral_radius``."""
    check_int("num_hiddens", num_hiddens, minimum=1)
    check_number("spectral_radius", spectral_radius, minimum=0)
    W = torch.randn(num_hiddens, num_hiddens, generator=generator, dtype=torch.float64)
    return W * (spectral_radius / torch.linalg.eigvals(W).abs().max())


def rnn_gradient_norms(spectral_radius: float, num_steps: int, num_hiddens: int = 64,
                       activation: str = "tanh", input_scale: float = 0.1,
                       seed: int = 0) -> torch.Tensor:
    """Norms of dL/dh_t for t = 1..num_steps in an RNN h_t = f(h_{t-1} W_hh + x_t), h_0 = 0, float64.

    L = <u, h_T> with a unit vector u, so ||dL/dh_T|| = 1 and entry t is what is left of it after
    travelling back T - t steps. The inputs x_t are Gaussian with standard deviation ``input_scale``.
    """
    check_choice("activation", activation, ACTIVATIONS)
    check_int("num_steps", num_steps, minimum=1)
    check_number("input_scale", input_scale, minimum=0)
    g = torch.Generator().manual_seed(seed)
    W_hh = scaled_recurrent_matrix(num_hiddens, spectral_radius, g)
    X = torch.randn(num_steps, num_hiddens, generator=g, dtype=torch.float64) * input_scale
    u = torch.randn(num_hiddens, generator=g, dtype=torch.float64)
    f, H = ACTIVATIONS[activation], torch.zeros(num_hiddens, dtype=torch.float64, requires_grad=True)
    states = []
    for x in X:
        H = f(H @ W_hh + x)
        H.retain_grad()  # keep dL/dh_t for every step, not only for leaves
        states.append(H)
    (states[-1] @ (u / u.norm())).backward()
    return torch.stack([h.grad.norm() for h in states]).detach()


def plot_gradient_norms(norms: torch.Tensor, spectral_radius: float, activation: str) -> plt.Figure:
    """Semilog plot of ||dL/dh_t|| against t, with |lambda_max|^(T-t) for comparison."""
    T = len(norms)
    t = torch.arange(1, T + 1)
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.semilogy(t, norms, label=f"measured ({activation})")
    if spectral_radius > 0:
        ax.semilogy(t, float(spectral_radius) ** (T - t).double(), "--", label="rho^(T-t)")
    ax.set(xlabel="time step t", ylabel="||dL/dh_t||")
    ax.grid(True)
    ax.legend()
    return fig


def bptt_explorer(num_hiddens: int = 64) -> widgets.interactive:
    """Sliders for the spectral radius of W_hh, the sequence length, the activation and the
    input size (large inputs push tanh into saturation, where its slope is nearly 0)."""
    def show(spectral_radius, num_steps, activation, input_scale):
        norms = rnn_gradient_norms(spectral_radius, num_steps, num_hiddens, activation, input_scale)
        if not torch.isfinite(norms).all():
            return "The gradient overflowed float64: try a smaller radius or fewer steps."
        plot_gradient_norms(norms, spectral_radius, activation)
        return (f"spectral radius {spectral_radius:.2f}, T={num_steps}, {activation}: "
                f"||dL/dh_1|| / ||dL/dh_T|| = {float(norms[0]):.3e}")

    return explorer(
        show, "Cannot compute the gradients", spectral_radius=float_slider("radius", 0.0, 3.0, 1.0),
        num_steps=int_slider("steps T", 1, 300, 50),
        activation=widgets.Dropdown(options=["tanh", "identity"], value="tanh", description="activation"),
        input_scale=float_slider("input std", 0.0, 2.0, 0.1))
