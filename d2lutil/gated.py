"""Gated recurrent cells from scratch: the GRU (section 9.1) and the LSTM (section 9.2).

The functions follow the book's layout so that they plug into ``RNNModelScratch``:
``get_*_params`` makes the weights, ``init_*_state`` the zero state, and ``gru``/``lstm`` run
the cell over one-hot inputs (time, batch, vocab) and return the logits (time * batch, vocab)
and the final state. Pass a dict as ``gates`` to record every gate activation along the way.

PyTorch's ``nn.GRU`` computes the candidate state slightly differently from the book: the reset
gate multiplies ``H W_hh + b_hh`` instead of ``H`` (``gru_reset_after`` is that variant).
``gru_params_from_torch`` and ``lstm_params_from_torch`` copy a PyTorch layer into the
from-scratch layout, so the two implementations can be compared and their gates inspected.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

from .rnn import init_rnn_state
from .validation import check_int


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


# ---------------------------------------------------------------------------------------- GRU
def get_gru_params(vocab_size: int, num_hiddens: int, device: torch.device) -> list[torch.Tensor]:
    """GRU language-model parameters, in the book's order (11 tensors).

    W_xz, W_hz, b_z (update gate), W_xr, W_hr, b_r (reset gate), W_xh, W_hh, b_h (candidate
    state), W_hq, b_q (output layer). Inputs are one-hot, so ``num_inputs = vocab_size``.
    """
    _check_sizes(vocab_size, num_hiddens)
    return [*_three(vocab_size, num_hiddens, device), *_three(vocab_size, num_hiddens, device),
            *_three(vocab_size, num_hiddens, device), *_output_layer(num_hiddens, vocab_size, device)]


init_gru_state = init_rnn_state  # the GRU's state is one (batch, hidden) tensor, as the RNN's


def gru(inputs: torch.Tensor, state: tuple[torch.Tensor], params, gates: dict | None = None):
    """Run a GRU over ``inputs`` (time, batch, vocab).

    Z = sigmoid(X W_xz + H W_hz + b_z), R = sigmoid(X W_xr + H W_hr + b_r),
    H~ = tanh(X W_xh + (R * H) W_hh + b_h), H = Z * H + (1 - Z) * H~ (the book's 11 tensors).
    Given the 12 tensors of ``gru_params_from_torch`` (``b_hh`` after ``b_h``) it computes
    ``nn.GRU``'s variant instead, H~ = tanh(X W_xh + b_h + R * (H W_hh + b_hh)).
    Returns the stacked logits (time * batch, vocab) and the final state ``(H,)``.
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


# --------------------------------------------------------------------------------------- LSTM
def get_lstm_params(vocab_size: int, num_hiddens: int, device: torch.device) -> list[torch.Tensor]:
    """LSTM language-model parameters, in the book's order (14 tensors).

    W_xi, W_hi, b_i (input gate), W_xf, W_hf, b_f (forget gate), W_xo, W_ho, b_o (output gate),
    W_xc, W_hc, b_c (candidate memory cell), W_hq, b_q (output layer).
    """
    _check_sizes(vocab_size, num_hiddens)
    gate_params = [p for _ in range(4) for p in _three(vocab_size, num_hiddens, device)]
    return gate_params + _output_layer(num_hiddens, vocab_size, device)


def init_lstm_state(batch_size: int, num_hiddens: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """The zero state of an LSTM: hidden state H and memory cell C, both (batch, hidden)."""
    return (torch.zeros((batch_size, num_hiddens), device=device),
            torch.zeros((batch_size, num_hiddens), device=device))


def lstm(inputs: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor], params, gates: dict | None = None):
    """Run the LSTM over ``inputs`` (time, batch, vocab).

    I, F, O = sigmoid(X W_x* + H W_h* + b_*), C~ = tanh(X W_xc + H W_hc + b_c),
    C = F * C + I * C~, H = O * tanh(C). Returns the logits and the final state ``(H, C)``.
    ``gates`` also records the memory cell C under ``"cell"``.
    """
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
    """Copy an ``nn.GRU`` (and the output ``nn.Linear``) into the 12 tensors of ``gru_reset_after``.

    PyTorch stacks the gates as rows [reset | update | new] of ``weight_ih_l0``/``weight_hh_l0``
    and keeps two biases per gate; for the two gates the biases simply add up.
    """
    (w_i, w_h, b_i, b_h), out = _torch_chunks(layer, nn.GRU, 3, linear)
    r, z, n = 0, 1, 2
    return [w_i[z], w_h[z], b_i[z] + b_h[z], w_i[r], w_h[r], b_i[r] + b_h[r],
            w_i[n], w_h[n], b_i[n], b_h[n], *out]


def lstm_params_from_torch(layer: nn.LSTM, linear: nn.Linear) -> list[torch.Tensor]:
    """Copy an ``nn.LSTM`` (and the output ``nn.Linear``) into the 14 tensors of ``lstm``.

    PyTorch stacks the gates as rows [input | forget | cell (g) | output]; the two biases add up.
    """
    (w_i, w_h, b_i, b_h), out = _torch_chunks(layer, nn.LSTM, 4, linear)
    i, f, g, o = 0, 1, 2, 3
    return [p for k in (i, f, o, g) for p in (w_i[k], w_h[k], b_i[k] + b_h[k])] + out


# ------------------------------------------------------------------------ gate activations
def gate_activations(net: nn.Module, text: str, vocab) -> dict[str, torch.Tensor]:
    """Feed ``text`` (batch of one, from the zero state) and return each gate's (time, hidden) values.

    ``net`` is a trained ``RNNModel`` around ``nn.GRU``/``nn.LSTM`` (its weights are copied into
    the from-scratch cell) or an ``RNNModelScratch`` running ``gru``, ``gru_reset_after`` or ``lstm``.
    GRU gates: "update", "reset"; LSTM gates: "input", "forget", "output" (and the memory "cell").
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
    """Heatmaps of gate activations: one row per gate, hidden units (y) against characters (x).

    Shows the first ``num_units`` hidden units of each gate in ``names`` (default: every gate
    except the unbounded memory cell) on a shared 0..1 colour scale. Returns the Axes.
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
