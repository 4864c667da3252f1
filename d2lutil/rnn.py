"""Recurrent language models: the from-scratch RNN, a wrapper for ``nn.RNN/GRU/LSTM``, and
text generation.

Layouts, because they confuse everyone: a minibatch ``X`` of token indices is (batch, time);
the models turn it into one-hot inputs of shape (time, batch, vocab) and return logits of shape
(time * batch, vocab), time-major, to match ``Y.T.reshape(-1)`` in the training loop.
"""
from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from .validation import check_index_range, check_int, check_number, check_tensor


def one_hot_tokens(X: torch.Tensor, vocab_size: int) -> torch.Tensor:
    """Token ids (batch, time) -> one-hot floats (time, batch, vocab), with clear errors.

    Float input is rejected (``.long()`` would silently truncate it to other ids). Ids outside
    the vocabulary are reported here on the CPU; on a GPU that check would stall every batch.
    """
    check_tensor("X", X, floating=False)
    if X.dim() != 2:
        raise ValueError(f"X must be (batch, time) token indices, got shape {tuple(X.shape)}")
    if X.device.type == "cpu":
        check_index_range("X", X, vocab_size, "token ids")
    return F.one_hot(X.T.long(), vocab_size).float()


def check_vocab_matches(net, vocab) -> None:
    """The model must predict over exactly the tokens of ``vocab`` (else text comes out as <unk>)."""
    size = getattr(net, "vocab_size", None)
    if size is not None and size != len(vocab):
        raise ValueError(f"the model has vocab_size={size} but vocab has {len(vocab)} tokens: "
                         "build the model with vocab_size=len(vocab) of the vocabulary you train on")


def check_prefix(prefix: str, vocab) -> str:
    """``prefix`` must be a non-empty string of tokens that ``vocab`` knows (no <unk> inputs)."""
    if not isinstance(prefix, str) or not prefix:
        raise ValueError(f"prefix must be a non-empty string, got {prefix!r}")
    unknown = sorted({ch for ch in prefix if ch not in vocab.token_to_idx})
    if unknown:
        hint = " (try prefix.lower())" if prefix.lower() != prefix else ""
        raise ValueError(f"prefix {prefix!r} holds characters the vocabulary does not have: {unknown}{hint}")
    return prefix


def get_params(vocab_size: int, num_hiddens: int, device: torch.device) -> list[torch.Tensor]:
    """Parameters of a one-layer RNN language model: W_xh, W_hh, b_h, W_hq, b_q."""
    def normal(shape):
        return torch.randn(size=shape, device=device) * 0.01

    W_xh = normal((vocab_size, num_hiddens))
    W_hh = normal((num_hiddens, num_hiddens))
    b_h = torch.zeros(num_hiddens, device=device)
    W_hq = normal((num_hiddens, vocab_size))
    b_q = torch.zeros(vocab_size, device=device)
    return [W_xh, W_hh, b_h, W_hq, b_q]


def init_rnn_state(batch_size: int, num_hiddens: int, device: torch.device) -> tuple[torch.Tensor]:
    """The zero hidden state, as a 1-tuple (an LSTM's state has two tensors)."""
    return (torch.zeros((batch_size, num_hiddens), device=device),)


def rnn(inputs: torch.Tensor, state: tuple[torch.Tensor], params) -> tuple[torch.Tensor, tuple[torch.Tensor]]:
    """Run the RNN over ``inputs`` (time, batch, vocab): H_t = tanh(X_t W_xh + H_{t-1} W_hh + b_h).

    Returns the logits of every step stacked to (time * batch, vocab) and the final state.
    """
    W_xh, W_hh, b_h, W_hq, b_q = params
    H, = state
    outputs = []
    for X in inputs:
        H = torch.tanh(X @ W_xh + H @ W_hh + b_h)
        outputs.append(H @ W_hq + b_q)
    return torch.cat(outputs, dim=0), (H,)


class RNNModelScratch(nn.Module):
    """A recurrent language model built from plain tensors and a step function."""

    def __init__(self, vocab_size: int, num_hiddens: int, device: torch.device,
                 get_params: Callable, init_state: Callable, forward_fn: Callable) -> None:
        super().__init__()
        self.vocab_size, self.num_hiddens = vocab_size, num_hiddens
        self.params = nn.ParameterList(get_params(vocab_size, num_hiddens, device))
        self.init_state, self.forward_fn = init_state, forward_fn

    def forward(self, X: torch.Tensor, state):
        return self.forward_fn(one_hot_tokens(X, self.vocab_size), state, list(self.params))

    def begin_state(self, batch_size: int, device: torch.device):
        return self.init_state(batch_size, self.num_hiddens, device)


class RNNModel(nn.Module):
    """A language model around a PyTorch recurrent layer (``nn.RNN``, ``nn.GRU`` or ``nn.LSTM``).

    The layer's ``output`` (time, batch, directions * hidden) holds the top layer's state at every
    step; a linear layer turns each of those into vocabulary logits.
    """

    def __init__(self, rnn_layer: nn.RNNBase, vocab_size: int) -> None:
        super().__init__()
        if not isinstance(rnn_layer, nn.RNNBase) or rnn_layer.batch_first:
            raise ValueError("rnn_layer must be a time-major nn.RNN, nn.GRU or nn.LSTM (batch_first=False)")
        if rnn_layer.input_size != vocab_size:
            raise ValueError(f"rnn_layer has input_size={rnn_layer.input_size} but vocab_size={vocab_size}: "
                             "the inputs are one-hot vectors, so build the layer with input_size=vocab_size")
        self.rnn, self.vocab_size = rnn_layer, vocab_size
        self.num_hiddens = rnn_layer.hidden_size
        self.num_directions = 2 if rnn_layer.bidirectional else 1
        self.linear = nn.Linear(self.num_hiddens * self.num_directions, vocab_size)

    def forward(self, inputs: torch.Tensor, state):
        Y, state = self.rnn(one_hot_tokens(inputs, self.vocab_size), state)
        return self.linear(Y.reshape(-1, Y.shape[-1])), state

    def begin_state(self, batch_size: int = 1, device: torch.device = torch.device("cpu")):
        shape = (self.num_directions * self.rnn.num_layers, batch_size, self.num_hiddens)
        zeros = torch.zeros(shape, device=device)
        return (zeros, zeros.clone()) if isinstance(self.rnn, nn.LSTM) else zeros


def predict_ch8(prefix: str, num_preds: int, net, vocab, device: torch.device,
                temperature: float = 0.0, generator: torch.Generator | None = None) -> str:
    """Continue ``prefix`` by ``num_preds`` characters.

    ``temperature=0`` picks the most likely character each step (greedy); a positive
    temperature samples from softmax(logits / temperature): below 1 sharper, above 1 more random.
    """
    check_prefix(prefix, vocab)
    check_int("num_preds", num_preds, minimum=0)
    check_number("temperature", temperature, minimum=0)
    check_vocab_matches(net, vocab)
    state = net.begin_state(batch_size=1, device=device)
    outputs = [vocab[prefix[0]]]
    with torch.no_grad():
        for ch in prefix[1:]:  # warm up: feed the prefix, keep its characters
            _, state = net(torch.tensor([[outputs[-1]]], device=device), state)
            outputs.append(vocab[ch])
        for _ in range(num_preds):
            logits, state = net(torch.tensor([[outputs[-1]]], device=device), state)
            if temperature == 0:
                outputs.append(int(logits.argmax(dim=1)))
            else:
                probs = torch.softmax(logits.reshape(-1).cpu() / temperature, dim=0)
                outputs.append(int(torch.multinomial(probs, 1, generator=generator)))
    return "".join(vocab.idx_to_token[i] for i in outputs)
