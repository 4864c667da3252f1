"""Recurrent networks of chapters 8-9, in book order: the from-scratch RNN, a wrapper for ``nn.RNN/GRU/LSTM``
and text generation (8.5-8.6); the GRU and LSTM from scratch with their gates (9.1-9.2); the
masked-character task of the bidirectional RNN (9.4).

Layouts: a minibatch ``X`` of token ids is (batch, time); the models turn it into one-hot inputs
(time, batch, vocab) and return logits (time * batch, vocab), time-major, to match ``Y.T.reshape(-1)``.
The from-scratch cells follow the book (``get_*_params``, ``init_*_state``, a step function) so they plug
into ``RNNModelScratch``. ``nn.GRU`` applies the reset gate to ``H W_hh + b_hh`` rather than ``H``
(``gru_reset_after``); ``*_params_from_torch`` copy a PyTorch layer into the from-scratch layout.
"""
from __future__ import annotations

from collections.abc import Callable

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from .text import Vocab, read_book, tokenize
from .validation import check_index_range, check_int, check_number, check_tensor


def one_hot_tokens(X: torch.Tensor, vocab_size: int) -> torch.Tensor:
    """Token ids (batch, time) -> one-hot floats (time, batch, vocab); float ids and (on the CPU) ids
    outside the vocabulary are rejected with a clear error.
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
    """A language model around ``nn.RNN``, ``nn.GRU`` or ``nn.LSTM`` and a linear layer on every step's output."""

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
    """Continue ``prefix`` by ``num_preds`` characters: greedy for ``temperature=0``, else sampled from
    softmax(logits / temperature).
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


def _check_sizes(vocab_size: int, num_hiddens: int) -> None:
    check_int("vocab_size", vocab_size, minimum=1)
    check_int("num_hiddens", num_hiddens, minimum=1)


def _three(num_inputs: int, num_hiddens: int, device) -> tuple[torch.Tensor, ...]:
    """Input weights, hidden weights (both N(0, 0.01^2)) and a zero bias of one gate."""
    return (torch.randn(num_inputs, num_hiddens, device=device) * 0.01,
            torch.randn(num_hiddens, num_hiddens, device=device) * 0.01,
            torch.zeros(num_hiddens, device=device))


def _output_layer(num_hiddens: int, vocab_size: int, device) -> list[torch.Tensor]:
    return [torch.randn(num_hiddens, vocab_size, device=device) * 0.01,
            torch.zeros(vocab_size, device=device)]


def _record(gates: dict | None, **values: torch.Tensor) -> None:
    """Append this time step's gate values to ``gates`` (a dict of lists), if one was given."""
    if gates is not None:
        for name, value in values.items():
            gates.setdefault(name, []).append(value.detach())


# ------------------------------------------------------------------------------------ 9.1 GRU
def get_gru_params(vocab_size: int, num_hiddens: int, device: torch.device) -> list[torch.Tensor]:
    """GRU language-model parameters in the book's order: update gate, reset gate, candidate state
    (W_x*, W_h*, b_* each), output layer W_hq, b_q (11 tensors).
    """
    _check_sizes(vocab_size, num_hiddens)
    return [*_three(vocab_size, num_hiddens, device), *_three(vocab_size, num_hiddens, device),
            *_three(vocab_size, num_hiddens, device), *_output_layer(num_hiddens, vocab_size, device)]


init_gru_state = init_rnn_state  # the GRU's state is one (batch, hidden) tensor, as the RNN's


def gru(inputs: torch.Tensor, state: tuple[torch.Tensor], params, gates: dict | None = None):
    """Run a GRU over ``inputs`` (time, batch, vocab); returns the logits and the final state ``(H,)``.

    With the book's 11 tensors: H~ = tanh(X W_xh + (R * H) W_hh + b_h); with the 12 of
    ``gru_params_from_torch`` it computes ``nn.GRU``'s H~ = tanh(X W_xh + b_h + R * (H W_hh + b_hh)).
    """
    if len(params) not in (11, 12):
        raise ValueError(f"gru expects 11 parameters (get_gru_params) or 12 (gru_params_from_torch), "
                         f"got {len(params)}")
    W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h, *b_hh, W_hq, b_q = params
    H, = state
    outputs = []
    for X in inputs:
        Z = torch.sigmoid(X @ W_xz + H @ W_hz + b_z)
        R = torch.sigmoid(X @ W_xr + H @ W_hr + b_r)
        if b_hh:  # reset after the hidden-to-hidden product, as nn.GRU
            H_tilda = torch.tanh(X @ W_xh + b_h + R * (H @ W_hh + b_hh[0]))
        else:
            H_tilda = torch.tanh(X @ W_xh + (R * H) @ W_hh + b_h)
        H = Z * H + (1 - Z) * H_tilda
        outputs.append(H @ W_hq + b_q)
        _record(gates, update=Z, reset=R)
    return torch.cat(outputs, dim=0), (H,)


def gru_reset_after(inputs: torch.Tensor, state: tuple[torch.Tensor], params, gates: dict | None = None):
    """The GRU as ``nn.GRU`` computes it (see :func:`gru`): ``params`` must be the 12 tensors of
    ``gru_params_from_torch``, whose extra candidate bias ``b_hh`` the reset gate multiplies."""
    if len(params) != 12:
        raise ValueError(f"gru_reset_after expects 12 parameters (see gru_params_from_torch), got {len(params)}")
    return gru(inputs, state, params, gates)


# ----------------------------------------------------------------------------------- 9.2 LSTM
def get_lstm_params(vocab_size: int, num_hiddens: int, device: torch.device) -> list[torch.Tensor]:
    """LSTM language-model parameters in the book's order: input, forget, output gates, candidate cell
    (W_x*, W_h*, b_* each), output layer W_hq, b_q (14 tensors).
    """
    _check_sizes(vocab_size, num_hiddens)
    gate_params = [p for _ in range(4) for p in _three(vocab_size, num_hiddens, device)]
    return gate_params + _output_layer(num_hiddens, vocab_size, device)


def init_lstm_state(batch_size: int, num_hiddens: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """The zero state of an LSTM: hidden state H and memory cell C, both (batch, hidden)."""
    return (torch.zeros((batch_size, num_hiddens), device=device),
            torch.zeros((batch_size, num_hiddens), device=device))


def lstm(inputs: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor], params, gates: dict | None = None):
    """Run the LSTM over ``inputs`` (time, batch, vocab); returns the logits and the final state ``(H, C)``."""
    W_xi, W_hi, b_i, W_xf, W_hf, b_f, W_xo, W_ho, b_o, W_xc, W_hc, b_c, W_hq, b_q = params
    H, C = state
    outputs = []
    for X in inputs:
        I = torch.sigmoid(X @ W_xi + H @ W_hi + b_i)
        F_ = torch.sigmoid(X @ W_xf + H @ W_hf + b_f)
        O = torch.sigmoid(X @ W_xo + H @ W_ho + b_o)
        C_tilda = torch.tanh(X @ W_xc + H @ W_hc + b_c)
        C = F_ * C + I * C_tilda
        H = O * torch.tanh(C)
        outputs.append(H @ W_hq + b_q)
        _record(gates, input=I, forget=F_, output=O, cell=C)
    return torch.cat(outputs, dim=0), (H, C)


# ------------------------------------------------------------------- copying PyTorch's weights
def _torch_chunks(layer: nn.RNNBase, kind: type, num_chunks: int, linear: nn.Linear):
    """Transposed per-gate weights and biases of a one-layer, one-direction PyTorch layer."""
    if not isinstance(layer, kind):
        raise ValueError(f"layer must be an nn.{kind.__name__}, got {type(layer).__name__}")
    if layer.num_layers != 1 or layer.bidirectional or not layer.bias or getattr(layer, "proj_size", 0):
        raise ValueError("layer must have num_layers=1, bidirectional=False, bias=True (and no proj_size)")
    if not isinstance(linear, nn.Linear) or linear.in_features != layer.hidden_size:
        raise ValueError(f"linear must be an nn.Linear with in_features={layer.hidden_size}")
    tensors = (layer.weight_ih_l0.T, layer.weight_hh_l0.T, layer.bias_ih_l0, layer.bias_hh_l0)
    chunks = [t.detach().clone().chunk(num_chunks, dim=-1) for t in tensors]
    return chunks, [linear.weight.detach().T.clone(), linear.bias.detach().clone()]


def gru_params_from_torch(layer: nn.GRU, linear: nn.Linear) -> list[torch.Tensor]:
    """Copy an ``nn.GRU`` (rows [reset | update | new]) and the output ``nn.Linear`` into the 12 tensors
    of ``gru_reset_after``; the two biases of each gate add up.
    """
    (w_i, w_h, b_i, b_h), out = _torch_chunks(layer, nn.GRU, 3, linear)
    r, z, n = 0, 1, 2
    return [w_i[z], w_h[z], b_i[z] + b_h[z], w_i[r], w_h[r], b_i[r] + b_h[r],
            w_i[n], w_h[n], b_i[n], b_h[n], *out]


def lstm_params_from_torch(layer: nn.LSTM, linear: nn.Linear) -> list[torch.Tensor]:
    """Copy an ``nn.LSTM`` (rows [input | forget | cell | output]) and the ``nn.Linear`` into ``lstm``'s 14 tensors."""
    (w_i, w_h, b_i, b_h), out = _torch_chunks(layer, nn.LSTM, 4, linear)
    i, f, g, o = 0, 1, 2, 3
    return [p for k in (i, f, o, g) for p in (w_i[k], w_h[k], b_i[k] + b_h[k])] + out


# ------------------------------------------------------------------------ gate activations
def gate_activations(net: nn.Module, text: str, vocab) -> dict[str, torch.Tensor]:
    """Feed ``text`` (batch of one, zero state) and return each gate's (time, hidden) values.

    ``net``: an ``RNNModel`` around ``nn.GRU``/``nn.LSTM`` or an ``RNNModelScratch`` running ``gru``,
    ``gru_reset_after`` or ``lstm``. Gates: "update", "reset"; or "input", "forget", "output" and "cell".
    """
    if not isinstance(text, str) or not text:
        raise ValueError("text must be a non-empty string")
    if isinstance(getattr(net, "rnn", None), nn.GRU):
        params, step = gru_params_from_torch(net.rnn, net.linear), gru_reset_after
    elif isinstance(getattr(net, "rnn", None), nn.LSTM):
        params, step = lstm_params_from_torch(net.rnn, net.linear), lstm
    elif getattr(net, "forward_fn", None) in (gru, gru_reset_after, lstm):
        params, step = [p.detach() for p in net.params], net.forward_fn
    else:
        raise ValueError("net must be an RNNModel around nn.GRU/nn.LSTM or an RNNModelScratch "
                         "running gru, gru_reset_after or lstm")
    device = params[0].device
    num_hiddens = params[1].shape[0]
    init = init_lstm_state if step is lstm else init_gru_state
    X = F.one_hot(torch.tensor(vocab[list(text)], device=device), params[0].shape[0]).float()
    gates: dict[str, list[torch.Tensor]] = {}
    with torch.no_grad():
        step(X[:, None, :], init(1, num_hiddens, device), params, gates=gates)
    return {name: torch.cat(values, dim=0).cpu() for name, values in gates.items()}


def show_gates(gates: dict[str, torch.Tensor], text: str, names=None, num_units: int = 32,
               figsize_per_row: tuple[float, float] = (10.0, 1.8)):
    """Heatmaps of the first ``num_units`` units of each gate in ``names`` (default: all but the cell)
    against the characters, on a shared 0..1 colour scale. Returns the Axes.
    """
    names = [n for n in gates if n != "cell"] if names is None else list(names)
    missing = [n for n in names if n not in gates]
    if missing or not names:
        raise ValueError(f"names must be some of {sorted(gates)}, got {names!r}")
    if not isinstance(num_units, int) or num_units < 1:
        raise ValueError(f"num_units must be a positive integer, got {num_units!r}")
    if len(text) != len(gates[names[0]]):
        raise ValueError(f"text has {len(text)} characters but the gates have {len(gates[names[0]])} steps")
    width, height = figsize_per_row
    fig, axes = plt.subplots(len(names), 1, figsize=(width, height * len(names)), squeeze=False)
    for ax, name in zip(axes[:, 0], names):
        image = ax.imshow(gates[name][:, :num_units].T.numpy(), aspect="auto", cmap="viridis", vmin=0, vmax=1)
        ax.set_ylabel(f"{name}\nunit")
        ax.set_xticks(range(len(text)))
        ax.set_xticklabels(["_" if c == " " else c for c in text], fontsize=7)
    fig.colorbar(image, ax=axes[:, 0].tolist(), fraction=0.02, pad=0.01)
    return axes[:, 0]


# ------------------------------------------------------- 9.4 masked characters (bidirectional RNN)
# Each example is a window of 2k + 1 characters whose middle one is replaced by a mask token. A
# bidirectional RNN meets at the middle having read both halves, a one-directional one only the left.
MASK = "<mask>"


def masked_char_windows(corpus, k: int, mask_idx: int, centers) -> tuple[torch.Tensor, torch.Tensor]:
    """Windows ``corpus[c-k : c+k+1]`` for each centre ``c`` with the middle set to ``mask_idx``; returns (X, y)."""
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive integer (context characters per side), got {k!r}")
    corpus = torch.as_tensor(corpus, dtype=torch.long)
    centers = torch.as_tensor(centers, dtype=torch.long)
    if corpus.dim() != 1 or centers.dim() != 1:
        raise ValueError("corpus and centers must be 1-D sequences of integers")
    if len(centers) and (int(centers.min()) < k or int(centers.max()) >= len(corpus) - k):
        raise ValueError(f"centers must lie in [k, len(corpus) - k) = [{k}, {len(corpus) - k}) "
                         "so that every window fits inside the corpus")
    X = corpus[centers[:, None] + torch.arange(-k, k + 1)]
    y = X[:, k].clone()
    X[:, k] = mask_idx
    return X, y


def load_data_masked_chars(k: int, batch_size: int, num_train: int, num_test: int,
                           generator: torch.Generator | None = None, book: str = "time_machine",
                           train_fraction: float = 0.8) -> tuple[DataLoader, DataLoader, Vocab]:
    """Masked-character minibatches of a book: (train_iter, test_iter, vocab) with ``<mask>`` at index 1.

    Train windows come from the first ``train_fraction`` of the text, test windows from the rest.
    """
    if not 0 < train_fraction < 1:
        raise ValueError(f"train_fraction must be between 0 and 1, got {train_fraction}")
    for name, value in (("batch_size", batch_size), ("num_train", num_train), ("num_test", num_test)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    tokens = tokenize(read_book(book), "char")
    vocab = Vocab(tokens, reserved_tokens=[MASK])
    corpus = torch.tensor([vocab[tok] for line in tokens for tok in line])
    split = int(len(corpus) * train_fraction)
    g = generator if generator is not None else torch.Generator().manual_seed(0)
    # test windows first, so that they do not depend on how many training windows are drawn
    test_c = torch.randint(split + k, len(corpus) - k, (num_test,), generator=g)
    train_c = torch.randint(k, split - k, (num_train,), generator=g)
    train = TensorDataset(*masked_char_windows(corpus, k, vocab[MASK], train_c))
    test = TensorDataset(*masked_char_windows(corpus, k, vocab[MASK], test_c))
    return (DataLoader(train, batch_size, shuffle=True, generator=g),
            DataLoader(test, batch_size), vocab)


class MaskedCharRNN(nn.Module):
    """Classify the middle character of a masked window from the GRU output at the middle position:
    one-directional, that state has read only the left half; bidirectional, both halves.
    """

    def __init__(self, vocab_size: int, num_hiddens: int, bidirectional: bool,
                 num_layers: int = 1) -> None:
        super().__init__()
        self.vocab_size = vocab_size
        self.rnn = nn.GRU(vocab_size, num_hiddens, num_layers, bidirectional=bidirectional)
        self.linear = nn.Linear(num_hiddens * (2 if bidirectional else 1), vocab_size)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        if X.dim() != 2 or X.shape[1] % 2 != 1:
            raise ValueError(f"X must be (batch, 2k+1) token indices, got shape {tuple(X.shape)}")
        Y, _ = self.rnn(one_hot_tokens(X, self.vocab_size))  # (time, batch, D*H)
        return self.linear(Y[X.shape[1] // 2])
