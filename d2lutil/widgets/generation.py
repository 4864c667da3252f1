"""Widgets for text generation with a trained character-level language model: greedy decoding
versus sampling at a temperature."""
from __future__ import annotations

import ipywidgets as widgets
import torch
import torch.nn.functional as F

from ..rnn import check_prefix, predict_ch8
from ..validation import check_int, check_number
from .common import float_slider, int_slider, interactive


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
    check_number("temperature", temperature, minimum=0)
    check_int("k", k, minimum=1)
    state = net.begin_state(batch_size=1, device=device)
    with torch.no_grad():
        logits, _ = net(torch.tensor([vocab[list(prefix)]], device=device), state)
    logits = logits[-1].cpu()  # the prediction after the last prefix character
    probs = (torch.softmax(logits / temperature, dim=0) if temperature > 0
             else F.one_hot(logits.argmax(), len(logits)).to(logits.dtype))
    top = probs.topk(min(k, len(probs)))
    return [(vocab.idx_to_token[int(i)], float(p)) for p, i in zip(top.values, top.indices)]


def generation_explorer(net, vocab, device: torch.device = torch.device("cpu"),
                        prefix: str = "time traveller") -> widgets.interactive:
    """A text box for the prefix and sliders for length, temperature and seed. Prints the text and the
    next-character probabilities; ``.result`` is the text alone (so ``explorer`` does not fit)."""
    def show(prefix, num_preds, temperature, seed):
        try:
            text = generate(net, vocab, prefix, num_preds, temperature, seed, device)
            top = next_char_probs(net, vocab, prefix, temperature, 5, device)
        except ValueError as err:
            text = f"Cannot generate: {err}"
            print(text)
            return text
        mode = "greedy" if temperature == 0 else f"sampling at temperature {temperature:.2f}"
        print(f"{mode}:\n{text}\n\nnext-character probabilities after the prefix:")
        for ch, p in top:
            print(f"  {ch!r:>5} {p:6.3f} {'#' * round(40 * p)}")
        return text

    return interactive(
        show, prefix=widgets.Text(value=prefix, description="prefix", continuous_update=False),
        num_preds=int_slider("length", 0, 300, 50), temperature=float_slider("temperature", 0.0, 2.0, 0.0),
        seed=int_slider("seed", 0, 99, 0))
