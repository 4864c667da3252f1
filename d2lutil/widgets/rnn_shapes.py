"""Widget for the shapes of ``nn.RNN/GRU/LSTM`` outputs with several layers and two directions. All is
measured: the layer runs on a random input, and each claim of equal slices is checked by ``torch.equal``."""
from __future__ import annotations

import ipywidgets as widgets
import torch
from torch import nn

from ..validation import check_choice
from .common import explorer

CELLS = {"RNN": nn.RNN, "GRU": nn.GRU, "LSTM": nn.LSTM}


def rnn_shapes(num_layers: int, bidirectional: bool, hidden_size: int, batch_first: bool,
               cell: str = "GRU", input_size: int = 4, num_steps: int = 5,
               batch_size: int = 3, seed: int = 0) -> dict:
    """Run a small recurrent layer; return its ``shapes`` (input, output, h_n, an LSTM's c_n),
    ``num_directions``, h_n's ``layout`` and ``checks``: ``(claim, holds)`` pairs such as
    ``("output[-1, :, :H] == h_n[-2]  (...)", True)``, each checked with ``torch.equal``."""
    check_choice("cell", cell, CELLS)
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
    states = dict(zip(("h_n", "c_n"), state)) if cell == "LSTM" else {"h_n": state}
    shapes = {name: tuple(t.shape) for name, t in {"input": X, "output": output, **states}.items()}
    h_n, H, D = states["h_n"], hidden_size, 2 if bidirectional else 1
    steps = output.transpose(0, 1) if batch_first else output  # (time, batch, D * H) either way

    def claim(t: int, half: str, i: int, note: str) -> tuple[str, bool]:
        """Is half ":H" (left-to-right) or "H:" (right-to-left) of step t's output equal to h_n[i]?"""
        index = f":, {t}, {half}" if batch_first else f"{t}, :, {half}"
        features = steps[t][:, :H] if half == ":H" else steps[t][:, H:]
        return f"output[{index}] == h_n[{i}]  ({note})", torch.equal(features, h_n[i])

    checks = [claim(-1, ":H", -D, "top layer, left-to-right, last step")]
    if bidirectional:
        checks += [claim(0, "H:", -1, "top layer, right-to-left, ends at step 0"),
                   claim(-1, "H:", -1, "a common mistake")]
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
    Layers and hidden size go down to 0 on purpose: the widget then says why PyTorch refuses them."""
    def show(cell, num_layers, hidden_size, bidirectional, batch_first):
        return describe_rnn_shapes(rnn_shapes(num_layers, bidirectional, hidden_size, batch_first, cell=cell))

    return explorer(
        show, "No such layer", cell=widgets.Dropdown(options=list(CELLS), value="GRU", description="cell"),
        num_layers=widgets.IntSlider(value=2, min=0, max=4, description="num_layers"),
        hidden_size=widgets.IntSlider(value=3, min=0, max=8, description="hidden_size"),
        bidirectional=widgets.Checkbox(value=True, description="bidirectional"),
        batch_first=widgets.Checkbox(value=False, description="batch_first"))
