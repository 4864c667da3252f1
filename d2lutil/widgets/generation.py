"""Widgets for text generation with a trained character-level language model: greedy decoding
versus sampling at a temperature."""
from __future__ import annotations

import ipywidgets as widgets
import torch

from ..rnn import check_prefix, predict_ch8
from .common import interactive


def generate(net, vocab, prefix: str, num_preds: int, temperature: float = 0.0, seed: int = 0,
             device: torch.device = torch.device("cpu")) -> str:
    """Continue ``prefix`` by ``num_preds`` characters; the same ``seed`` gives the same sample."""
    prefix = check_prefix(prefix.lower(), vocab)
    generator = torch.Generator().manual_seed(seed)
    return predict_ch8(prefix, num_preds, net, vocab, device, temperature, generator)


def next_char_probs(net, vocab, prefix: str, temperature: float = 1.0, k: int = 5,
                    device: torch.device = torch.device("cpu")) -> list[tuple[str, float]]:
    """The ``k`` most likely next characters after ``prefix`` and their probabilities,
    softmax(logits / temperature); ``temperature=0`` puts all the mass on the top one."""
    prefix = check_prefix(prefix.lower(), vocab)
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    state = net.begin_state(batch_size=1, device=device)
    with torch.no_grad():
        X = torch.tensor([vocab[list(prefix)]], device=device)
        logits, _ = net(X, state)
        logits = logits[-1].cpu()  # the prediction after the last prefix character
    if temperature == 0:
        probs = torch.zeros_like(logits)
        probs[logits.argmax()] = 1.0
    else:
        probs = torch.softmax(logits / temperature, dim=0)
    top = probs.topk(min(k, len(probs)))
    return [(vocab.idx_to_token[int(i)], float(p)) for p, i in zip(top.values, top.indices)]


def generation_explorer(net, vocab, device: torch.device = torch.device("cpu"),
                        prefix: str = "time traveller") -> widgets.interactive:
    """A text box for the prefix and sliders for length, temperature and random seed."""
    def show(prefix, num_preds, temperature, seed):
        try:
            text = generate(net, vocab, prefix, num_preds, temperature, seed, device)
            top = next_char_probs(net, vocab, prefix, temperature, 5, device)
        except ValueError as err:
            message = f"Cannot generate: {err}"
            print(message)
            return message
        mode = "greedy" if temperature == 0 else f"sampling at temperature {temperature:.2f}"
        print(f"{mode}:\n{text}\n\nnext-character probabilities after the prefix:")
        for ch, p in top:
            print(f"  {ch!r:>5} {p:6.3f} {'#' * round(40 * p)}")
        return text

    return interactive(
        show, prefix=widgets.Text(value=prefix, description="prefix", continuous_update=False),
        num_preds=widgets.IntSlider(value=50, min=0, max=300, description="length",
                                    continuous_update=False),
        temperature=widgets.FloatSlider(value=0.0, min=0.0, max=2.0, step=0.05,
                                        description="temperature", continuous_update=False),
        seed=widgets.IntSlider(value=0, min=0, max=99, description="seed",
                               continuous_update=False))
