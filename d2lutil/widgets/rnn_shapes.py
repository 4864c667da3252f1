"""Widget for the shapes of ``nn.RNN/GRU/LSTM`` outputs with several layers and two directions.

Everything shown is measured: the layer is built and run on a small random input, and each claim
about which slices hold the same numbers is checked with ``torch.equal``.
"""
from __future__ import annotations

import ipywidgets as widgets
import torch
from torch import nn

from .common import interactive

CELLS = {"RNN": nn.RNN, "GRU": nn.GRU, "LSTM": nn.LSTM}


def rnn_shapes(num_layers: int, bidirectional: bool, hidden_size: int, batch_first: bool,
               cell: str = "GRU", input_size: int = 4, num_steps: int = 5,
               batch_size: int = 3, seed: int = 0) -> dict:
    """Run a small recurrent layer and report its shapes and which slices are equal.

    Returns ``shapes`` (name -> shape tuple for input, output, h_n and, for an LSTM, c_n) and
    ``checks``: a list of ``(claim, holds)`` pairs, each claim an indexing expression such as
    ``output[-1, :, :H] == h_n[-2]`` and ``holds`` the result of ``torch.equal``. Raises
    ``ValueError`` naming the argument when a setting is impossible.
    """
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
    for name, value in (("num_layers", num_layers), ("hidden_size", hidden_size),
                        ("input_size", input_size), ("num_steps", num_steps),
                        ("batch_size", batch_size)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    torch.manual_seed(seed)
    layer = CELLS[cell](input_size, hidden_size, num_layers, bidirectional=bidirectional,
                        batch_first=batch_first)
    shape = (batch_size, num_steps, input_size) if batch_first else (num_steps, batch_size, input_size)
    X = torch.randn(shape)
    with torch.no_grad():
        output, state = layer(X)
    h_n, c_n = state if cell == "LSTM" else (state, None)
    shapes = {"input": tuple(X.shape), "output": tuple(output.shape), "h_n": tuple(h_n.shape)}
    if c_n is not None:
        shapes["c_n"] = tuple(c_n.shape)
    H, D = hidden_size, 2 if bidirectional else 1

    def at(t: int, part: str):  # the output at time step t, sliced along the feature axis
        return (output[:, t, :] if batch_first else output[t]), (
            f"output[:, {t}, {part}]" if batch_first else f"output[{t}, :, {part}]")

    last, last_text = at(-1, ":H")
    checks = [(f"{last_text} == h_n[{-D}]  (top layer, left-to-right, last step)",
               torch.equal(last[:, :H], h_n[-D]))]
    if bidirectional:
        first, first_text = at(0, "H:")
        wrong, wrong_text = at(-1, "H:")
        checks += [(f"{first_text} == h_n[-1]  (top layer, right-to-left, ends at step 0)",
                    torch.equal(first[:, H:], h_n[-1])),
                   (f"{wrong_text} == h_n[-1]  (a common mistake)", torch.equal(wrong[:, H:], h_n[-1]))]
    layout = (f"h_n[l * {D} + d] holds layer l (0 = bottom) in direction d" if D == 2
              else "h_n[l] holds layer l (0 = bottom)")
    return {"shapes": shapes, "checks": checks, "num_directions": D, "layout": layout}


def describe_rnn_shapes(info: dict) -> str:
    """The result of ``rnn_shapes`` as lines of text: shapes first, then each checked claim."""
    lines = [f"{name:6s} {tuple(shape)}" for name, shape in info["shapes"].items()]
    lines.append(info["layout"] + (" (0: left-to-right, 1: right-to-left)" if info["num_directions"] == 2 else ""))
    lines += [f"{'True ' if holds else 'False'}  {claim}" for claim, holds in info["checks"]]
    return "\n".join(lines)


def rnn_shapes_explorer() -> widgets.interactive:
    """Controls for cell type, layers, directions, hidden size and batch_first; prints the shapes.

    The number of layers and the hidden size go down to 0 on purpose: the widget then says why
    PyTorch refuses them instead of raising.
    """
    def show(cell, num_layers, hidden_size, bidirectional, batch_first):
        try:
            text = describe_rnn_shapes(rnn_shapes(num_layers, bidirectional, hidden_size,
                                                  batch_first, cell=cell))
        except ValueError as err:
            text = f"No such layer: {err}"
        print(text)
        return text

    return interactive(
        show,
        cell=widgets.Dropdown(options=list(CELLS), value="GRU", description="cell"),
        num_layers=widgets.IntSlider(value=2, min=0, max=4, description="num_layers"),
        hidden_size=widgets.IntSlider(value=3, min=0, max=8, description="hidden_size"),
        bidirectional=widgets.Checkbox(value=True, description="bidirectional"),
        batch_first=widgets.Checkbox(value=False, description="batch_first"))
