"""Widget for sections 9.1 and 9.2: type a passage and watch a trained GRU's or LSTM's gates.

``gate_summary`` condenses one gate's activations into a sentence (where it is most open and
most closed); ``gate_explorer`` wraps ``gate_activations`` and ``show_gates`` in a text box, a
gate menu and a slider for the number of hidden units shown.
"""
from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch

from ..rnn import gate_activations, show_gates
from .common import interactive

MAX_CHARS = 120


def check_passage(text: str, vocab) -> str:
    """Lower-case ``text`` and make sure the model knows every character (1..MAX_CHARS of them)."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("text must contain at least one character")
    text = text.lower()
    if len(text) > MAX_CHARS:
        raise ValueError(f"text must be at most {MAX_CHARS} characters, got {len(text)}")
    unknown = sorted({c for c in text if c not in vocab.token_to_idx})
    if unknown:
        raise ValueError(f"text may only use the vocabulary's characters (letters and spaces), not {unknown}")
    return text


def gate_summary(gates: dict[str, torch.Tensor], text: str, name: str) -> str:
    """One sentence on gate ``name``: its mean, and the characters where it is most open/closed."""
    if name not in gates:
        raise ValueError(f"name must be one of {sorted(gates)}, got {name!r}")
    means = gates[name].mean(dim=1)
    hi, lo = int(means.argmax()), int(means.argmin())
    return (f"{name} gate over {len(text)} characters: mean {means.mean():.3f}; most open at "
            f"position {hi} ({text[hi]!r}, {means[hi]:.3f}), most closed at position {lo} "
            f"({text[lo]!r}, {means[lo]:.3f})")


def gate_explorer(net, vocab, text: str = "the time traveller for so it will be convenient to speak of him"
                  ) -> widgets.interactive:
    """A text box, a gate menu and a units slider; shows the heatmap of the chosen gate.

    ``net`` is what ``gate_activations`` accepts (a trained GRU or LSTM language model).
    The function behind the widget returns the summary sentence (or the error message).
    """
    probe = gate_activations(net, "a", vocab)
    names = [n for n in probe if n != "cell"]
    num_hiddens = probe[names[0]].shape[1]

    def show(text, gate, num_units):
        try:
            text = check_passage(text, vocab)
            gates = gate_activations(net, text, vocab)
            summary = gate_summary(gates, text, gate)
        except ValueError as err:
            message = f"Cannot show the gates: {err}"
            print(message)
            return message
        print(summary)
        show_gates(gates, text, names=[gate], num_units=num_units, figsize_per_row=(10.0, 2.2))
        plt.show()
        return summary

    return interactive(
        show,
        text=widgets.Text(value=text, description="text", continuous_update=False,
                          layout=widgets.Layout(width="90%")),
        gate=widgets.Dropdown(options=names, value=names[0], description="gate"),
        num_units=widgets.IntSlider(value=min(32, num_hiddens), min=1, max=num_hiddens,
                                    description="units", continuous_update=False))
