"""Widget for sections 9.1 and 9.2: type a passage and watch a trained GRU's or LSTM's gates."""
from __future__ import annotations

import ipywidgets as widgets
import torch

from ..rnn import gate_activations, show_gates
from ..validation import check_choice
from .common import explorer, int_slider

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
    check_choice("name", name, gates)
    means = gates[name].mean(dim=1)
    hi, lo = int(means.argmax()), int(means.argmin())
    return (f"{name} gate over {len(text)} characters: mean {means.mean():.3f}; most open at "
            f"position {hi} ({text[hi]!r}, {means[hi]:.3f}), most closed at position {lo} "
            f"({text[lo]!r}, {means[lo]:.3f})")


def gate_explorer(net, vocab, text: str = "the time traveller for so it will be convenient to speak of him"
                  ) -> widgets.interactive:
    """A text box, a gate menu and a units slider; shows the heatmap of the chosen gate of ``net``
    (a trained GRU or LSTM language model, as ``gate_activations`` accepts it)."""
    probe = gate_activations(net, "a", vocab)
    names = [n for n in probe if n != "cell"]
    num_hiddens = probe[names[0]].shape[1]

    def show(text, gate, num_units):
        text = check_passage(text, vocab)
        gates = gate_activations(net, text, vocab)
        show_gates(gates, text, names=[gate], num_units=num_units, figsize_per_row=(10.0, 2.2))
        return gate_summary(gates, text, gate)

    return explorer(
        show, "Cannot show the gates",
        text=widgets.Text(value=text, description="text", continuous_update=False,
                          layout=widgets.Layout(width="90%")),
        gate=widgets.Dropdown(options=names, value=names[0], description="gate"),
        num_units=int_slider("units", 1, num_hiddens, min(32, num_hiddens)))
