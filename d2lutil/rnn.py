"""Recurrent networks of chapters 8-9: the from-scratch RNN, GRU and LSTM, a wrapper for ``nn.RNN/GRU/LSTM``,
text generation, gate activations and the masked-character task of the bidirectional RNN (9.4).

Layouts: token ids ``X`` are (batch, time); the models one-hot them to (time, batch, vocab) and return
logits (time * batch, vocab), time-major, to match ``Y.T.reshape(-1)``.
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

State = tuple[torch.Tensor, ...]


def one_hot_tokens(X: torch.Tensor, vocab_size: int) -> torch.Tensor:
    """Token ids (batch, time) -> one-hot floats (time, batch, vocab); on the CPU, ids are range-checked."""
    check_tensor("X", X, floating=False)
    if X.dim() != 2:
        raise ValueError(f"X must be (batch, time) token indices, got shape {tuple(X.shape)}")
    if X.device.type == "cpu":
        check_index_range("X", X, vocab_size, "token ids")
    return F.one_hot(X.T.long(), vocab_size).float()


def check_vocab_matches(net: nn.Module, vocab: Vocab) -> None:
    """The model must predict over exactly the tokens of ``vocab`` (else text comes out as <unk>)."""
    size = getattr(net, "vocab_size", None)
    if size is not None and size != len(vocab):
        raise ValueError(f"the model has vocab_size={size} but vocab has {len(vocab)} tokens: "
                         "build the model with vocab_size=len(vocab) of the vocabulary you train on")


def check_prefix(prefix: str, vocab: Vocab) -> str:
    """``prefix`` must be a non-empty string of tokens that ``vocab`` knows (no <unk> inputs)."""
    if not isinstance(prefix, str) or not prefix:
        raise ValueError(f"prefix must be a non-empty string, got {prefix!r}")
    unknown = sorted({ch for ch in prefix if ch not in vocab.token_to_idx})
    if unknown:
        hint = " (try prefix.lower())" if prefix.lower() != prefix else ""
        raise ValueError(f"prefix {prefix!r} holds characters the vocabulary does not have: {unknown}{hint}")
    return prefix


def _lm_params(num_blocks: int, vocab_size: int, num_hiddens: int, device: torch.device) -> list[torch.Tensor]:
    """``num_blocks`` times (W_x*, W_h*, b_*), then the output layer W_hq, b_q; weights N(0, 0.01^2), biases 0."""
    check_int("vocab_size", vocab_size, minimum=1)
    check_int("num_hiddens", num_hiddens, minimum=1)

    def normal(*shape: int) -> torch.Tensor:
        return torch.randn(*shape, device=device) * 0.01

    params = []
    for _ in range(num_blocks):
        params += [normal(vocab_size, num_hiddens), normal(num_hiddens, num_hiddens),
                   torch.zeros(num_hiddens, device=device)]
    return params + [normal(num_hiddens, vocab_size), torch.zeros(vocab_size, device=device)]


def get_params(vocab_size: int, num_hiddens: int, device: torch.device) -> list[torch.Tensor]:
    """Parameters of a one-layer RNN language model: W_xh, W_hh, b_h, W_hq, b_q."""
    return _lm_params(1, vocab_size, num_hiddens, device)


def init_rnn_state(batch_size: int, num_hiddens: int, device: torch.device) -> State:
    """The zero hidden state, as a 1-tuple (an LSTM's state has two tensors)."""
    return (torch.zeros((batch_size, num_hiddens), device=device),)


def rnn(inputs: torch.Tensor, state: State, params: list[torch.Tensor]) -> tuple[torch.Tensor, State]:
    """Run H_t = tanh(X_t W_xh + H_{t-1} W_hh + b_h) over ``inputs``; returns every step's logits and (H,)."""
    W_xh, W_hh, b_h, W_hq, b_q = params
    H, = state
    outputs = []
    for X in inputs:
        H = torch.tanh(X @ W_xh + H @ W_hh + b_h)
        outputs.append(H @ W_hq + b_q)
    return torch.cat(outputs, dim=0), (H,)


class RNNModelScratch(nn.Module):
    """A recurrent language model built from plain tensors and a step function (``rnn``, ``gru``, ``lstm``)."""

    def __init__(self, vocab_size: int, num_hiddens: int, device: torch.device,
                 get_params: Callable, init_state: Callable, forward_fn: Callable) -> None:
        super().__init__()
        self.vocab_size, self.num_hiddens = vocab_size, num_hiddens
        self.params = nn.ParameterList(get_params(vocab_size, num_hiddens, device))
        self.init_state, self.forward_fn = init_state, forward_fn

    def forward(self, X: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        return self.forward_fn(one_hot_tokens(X, self.vocab_size), state, list(self.params))

    def begin_state(self, batch_size: int, device: torch.device) -> State:
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


def predict_ch8(prefix: str, num_preds: int, net: nn.Module, vocab: Vocab, device: torch.device,
                temperature: float = 0.0, generator: torch.Generator | None = None) -> str:
    """Continue ``prefix`` by ``num_preds`` characters: greedy for ``temperature=0``, else sampled from
    softmax(logits / temperature)."""
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


def _record(gates: dict | None, **values: torch.Tensor) -> None:
    """Append this time step's gate values to ``gates`` (a dict of lists), if one was given."""
    if gates is not None:
        for name, value in values.items():
            gates.setdefault(name, []).append(value.detach())


def get_gru_params(vocab_size: int, num_hiddens: int, device: torch.device) -> list[torch.Tensor]:
    """The book's 11 GRU tensors: (W_x*, W_h*, b_*) of the update gate, reset gate, candidate; W_hq, b_q."""
    return _lm_params(3, vocab_size, num_hiddens, device)


init_gru_state = init_rnn_state  # the GRU's state is one (batch, hidden) tensor, as the RNN's


def gru(inputs: torch.Tensor, state: State, params: list[torch.Tensor],
        gates: dict | None = None) -> tuple[torch.Tensor, State]:
    """Run a GRU over ``inputs``; returns every step's logits and (H,); records Z, R into ``gates`` if given.

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


def gru_reset_after(inputs: torch.Tensor, state: State, params: list[torch.Tensor],
                    gates: dict | None = None) -> tuple[torch.Tensor, State]:
    """:func:`gru` as ``nn.GRU`` computes it; ``params`` must be the 12 tensors of ``gru_params_from_torch``."""
    if len(params) != 12:
        raise ValueError(f"gru_reset_after expects 12 parameters (see gru_params_from_torch), got {len(params)}")
    return gru(inputs, state, params, gates)


def get_lstm_params(vocab_size: int, num_hiddens: int, device: torch.device) -> list[torch.Tensor]:
    """The book's 14 LSTM tensors: (W_x*, W_h*, b_*) of the input, forget, output gates, candidate; W_hq, b_q."""
    return _lm_params(4, vocab_size, num_hiddens, device)


def init_lstm_state(batch_size: int, num_hiddens: int, device: torch.device) -> State:
    """The zero state of an LSTM: hidden state H and memory cell C, both (batch, hidden)."""
    H = torch.zeros((batch_size, num_hiddens), device=device)
    return H, H.clone()


def lstm(inputs: torch.Tensor, state: State, params: list[torch.Tensor],
         gates: dict | None = None) -> tuple[torch.Tensor, State]:
    """Run the LSTM over ``inputs``; returns every step's logits and (H, C); records the gates if asked."""
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


def _torch_chunks(layer: nn.RNNBase, kind: type, num_chunks: int, linear: nn.Linear):
    """Transposed per-gate weights and biases of a one-layer, one-direction PyTorch layer, and the linear's."""
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
    """Copy an ``nn.GRU`` (rows [reset | update | new]) and its ``nn.Linear`` into ``gru_reset_after``'s 12
    tensors; the two biases of each gate add up, but the candidate's stay apart (R scales only b_hh)."""
    (w_i, w_h, b_i, b_h), out = _torch_chunks(layer, nn.GRU, 3, linear)
    r, z, n = 0, 1, 2
    return [w_i[z], w_h[z], b_i[z] + b_h[z], w_i[r], w_h[r], b_i[r] + b_h[r],
            w_i[n], w_h[n], b_i[n], b_h[n], *out]


def lstm_params_from_torch(layer: nn.LSTM, linear: nn.Linear) -> list[torch.Tensor]:
    """Copy an ``nn.LSTM`` (rows [input | forget | cell | output]) and the ``nn.Linear`` into ``lstm``'s 14 tensors."""
    (w_i, w_h, b_i, b_h), out = _torch_chunks(layer, nn.LSTM, 4, linear)
    i, f, g, o = 0, 1, 2, 3
    return [p for k in (i, f, o, g) for p in (w_i[k], w_h[k], b_i[k] + b_h[k])] + out


def gate_activations(net: nn.Module, text: str, vocab: Vocab) -> dict[str, torch.Tensor]:
    """Feed ``text`` (batch of one, zero state) to a GRU or LSTM language model; each gate's (time, hidden) values.

    ``net``: an ``RNNModel`` around ``nn.GRU``/``nn.LSTM`` or an ``RNNModelScratch`` running ``gru``,
    ``gru_reset_after`` or ``lstm``. Gates: "update", "reset"; or "input", "forget", "output" and "cell".
    """
    if not isinstance(text, str) or not text:
        raise ValueError("text must be a non-empty string")
    layer = getattr(net, "rnn", None)
    if isinstance(layer, nn.GRU):
        params, step = gru_params_from_torch(layer, net.linear), gru_reset_after
    elif isinstance(layer, nn.LSTM):
        params, step = lstm_params_from_torch(layer, net.linear), lstm
    elif getattr(net, "forward_fn", None) in (gru, gru_reset_after, lstm):
        params, step = [p.detach() for p in net.params], net.forward_fn
    else:
        raise ValueError("net must be an RNNModel around nn.GRU/nn.LSTM or an RNNModelScratch "
                         "running gru, gru_reset_after or lstm")
    init_state = init_lstm_state if step is lstm else init_gru_state
    W_x = params[0]  # (vocab, hidden)
    X = F.one_hot(torch.tensor(vocab[list(text)], device=W_x.device), W_x.shape[0]).float()
    gates: dict[str, list[torch.Tensor]] = {}
    with torch.no_grad():
        step(X[:, None, :], init_state(1, W_x.shape[1], W_x.device), params, gates=gates)
    return {name: torch.cat(values, dim=0).cpu() for name, values in gates.items()}


def show_gates(gates: dict[str, torch.Tensor], text: str, names: list[str] | None = None, num_units: int = 32,
               figsize_per_row: tuple[float, float] = (10.0, 1.8)):
    """Heatmaps of the first ``num_units`` units of each gate in ``names`` (default: all but the cell)
    against the characters of ``text``, on a shared 0..1 colour scale; returns an array of the Axes."""
    names = [n for n in gates if n != "cell"] if names is None else list(names)
    if not names or not set(names) <= set(gates):
        raise ValueError(f"names must be some of {sorted(gates)}, got {names!r}")
    check_int("num_units", num_units, minimum=1)
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


MASK = "<mask>"  # the token that hides the middle character of a window (9.4)


def masked_char_windows(corpus, k: int, mask_idx: int, centers) -> tuple[torch.Tensor, torch.Tensor]:
    """Windows ``corpus[c-k : c+k+1]`` for each centre ``c`` with the middle set to ``mask_idx``; returns (X, y)."""
    check_int("k", k, minimum=1)
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
    """(train_iter, test_iter, vocab) of windows of 2k + 1 characters whose middle one is ``<mask>`` (index 1);
    train windows come from the first ``train_fraction`` of the book, test windows from the rest."""
    if not 0 < train_fraction < 1:
        raise ValueError(f"train_fraction must be between 0 and 1, got {train_fraction}")
    for name, value in (("k", k), ("batch_size", batch_size), ("num_train", num_train), ("num_test", num_test)):
        check_int(name, value, minimum=1)
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
    return DataLoader(train, batch_size, shuffle=True, generator=g), DataLoader(test, batch_size), vocab


class MaskedCharRNN(nn.Module):
    """Classify the masked middle character of a window from the GRU output there: one-directional, that
    output has read only the left half; bidirectional, both halves."""

    def __init__(self, vocab_size: int, num_hiddens: int, bidirectional: bool, num_layers: int = 1) -> None:
        super().__init__()
        self.vocab_size = vocab_size
        self.rnn = nn.GRU(vocab_size, num_hiddens, num_layers, bidirectional=bidirectional)
        self.linear = nn.Linear(num_hiddens * (2 if bidirectional else 1), vocab_size)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        inputs = one_hot_tokens(X, self.vocab_size)  # (time, batch, vocab)
        if X.shape[1] % 2 != 1:
            raise ValueError(f"X must be (batch, 2k+1) token indices, got shape {tuple(X.shape)}")
        Y, _ = self.rnn(inputs)  # (time, batch, directions * hidden)
        return self.linear(Y[X.shape[1] // 2])
