"""Unit tests for d2lutil.gated: the from-scratch GRU and LSTM, checked against nn.GRU / nn.LSTM."""
import matplotlib.pyplot as plt
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import d2lutil
from d2lutil import gated

CPU = torch.device("cpu")
V, H = 28, 16


@pytest.fixture(scope="module")
def vocab():
    return d2lutil.load_corpus_time_machine(max_tokens=10)[1]


def random_batch(batch=3, steps=6, seed=1):
    return torch.randint(0, V, (batch, steps), generator=torch.Generator().manual_seed(seed))


# ------------------------------------------------------------------------------- parameters
def test_gru_params_shapes_and_init():
    torch.manual_seed(0)
    params = gated.get_gru_params(V, 64, CPU)
    assert len(params) == 11
    shapes = [(V, 64), (64, 64), (64,)] * 3 + [(64, V), (V,)]
    assert [tuple(p.shape) for p in params] == shapes
    for bias in (params[2], params[5], params[8], params[10]):
        assert torch.equal(bias, torch.zeros_like(bias))
    assert 0.008 < float(params[1].std()) < 0.012


def test_lstm_params_shapes_and_init():
    torch.manual_seed(0)
    params = gated.get_lstm_params(V, 64, CPU)
    assert len(params) == 14
    shapes = [(V, 64), (64, 64), (64,)] * 4 + [(64, V), (V,)]
    assert [tuple(p.shape) for p in params] == shapes
    assert all(torch.equal(params[i], torch.zeros(64)) for i in (2, 5, 8, 11))


@pytest.mark.parametrize("fn", [gated.get_gru_params, gated.get_lstm_params])
@pytest.mark.parametrize("vocab_size, num_hiddens, name", [(0, 4, "vocab_size"), (4, -1, "num_hiddens"),
                                                           (4, 2.5, "num_hiddens")])
def test_params_reject_bad_sizes(fn, vocab_size, num_hiddens, name):
    with pytest.raises((TypeError, ValueError), match=name):
        fn(vocab_size, num_hiddens, CPU)


def test_init_states():
    (h,) = gated.init_gru_state(3, H, CPU)
    assert torch.equal(h, torch.zeros(3, H))
    h, c = gated.init_lstm_state(3, H, CPU)
    assert torch.equal(h, torch.zeros(3, H)) and torch.equal(c, torch.zeros(3, H))
    assert h is not c


# --------------------------------------------------------------------------- cell formulas
def test_gru_one_step_by_hand():
    torch.manual_seed(0)
    params = [torch.randn_like(p) for p in gated.get_gru_params(V, H, CPU)]
    W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h, W_hq, b_q = params
    X, H0 = torch.randn(1, 2, V), torch.randn(2, H)
    Z = torch.sigmoid(X[0] @ W_xz + H0 @ W_hz + b_z)
    R = torch.sigmoid(X[0] @ W_xr + H0 @ W_hr + b_r)
    H1 = Z * H0 + (1 - Z) * torch.tanh(X[0] @ W_xh + (R * H0) @ W_hh + b_h)
    Y, (H_out,) = gated.gru(X, (H0,), params)
    assert torch.allclose(H_out, H1, atol=1e-6)
    assert torch.allclose(Y, H1 @ W_hq + b_q, atol=1e-5)


def test_gru_update_gate_one_copies_the_state():
    """A huge update-gate bias makes Z = 1: the state passes through unchanged, whatever the input."""
    params = gated.get_gru_params(V, H, CPU)
    params[2] = torch.full((H,), 100.0)
    H0 = torch.randn(2, H)
    _, (H_out,) = gated.gru(torch.randn(5, 2, V), (H0,), params)
    assert torch.allclose(H_out, H0)


def test_lstm_forget_one_input_zero_keeps_the_cell():
    params = gated.get_lstm_params(V, H, CPU)
    params[2] = torch.full((H,), -100.0)  # input gate closed
    params[5] = torch.full((H,), 100.0)   # forget gate open
    C0 = torch.randn(2, H)
    _, (H_out, C_out) = gated.lstm(torch.randn(4, 2, V), (torch.zeros(2, H), C0), params)
    assert torch.allclose(C_out, C0)
    assert torch.all(H_out.abs() <= 1)


def test_gates_are_recorded_per_step():
    torch.manual_seed(0)
    record = {}
    gated.gru(torch.randn(5, 2, V), gated.init_gru_state(2, H, CPU), gated.get_gru_params(V, H, CPU), gates=record)
    assert set(record) == {"update", "reset"} and len(record["update"]) == 5
    assert record["reset"][0].shape == (2, H)
    record = {}
    gated.lstm(torch.randn(3, 2, V), gated.init_lstm_state(2, H, CPU), gated.get_lstm_params(V, H, CPU),
               gates=record)
    assert set(record) == {"input", "forget", "output", "cell"} and len(record["cell"]) == 3
    assert all(0 < float(g.min()) and float(g.max()) < 1 for name in ("input", "forget", "output")
               for g in record[name])


# ------------------------------------------------------------ equivalence with nn.GRU / nn.LSTM
def scratch_from(concise, convert, init, step):
    params = convert(concise.rnn, concise.linear)
    return d2lutil.RNNModelScratch(V, H, CPU, lambda *_: params, init, step)


@pytest.mark.parametrize("seed", [0, 1])
def test_scratch_gru_equals_nn_gru(seed):
    torch.manual_seed(seed)
    concise = d2lutil.RNNModel(nn.GRU(V, H), V)
    with torch.no_grad():  # non-zero biases everywhere, so that their placement matters
        for p in concise.parameters():
            p.add_(torch.randn_like(p) * 0.3)
    scratch = scratch_from(concise, gated.gru_params_from_torch, gated.init_gru_state, gated.gru_reset_after)
    X = random_batch()
    Y1, h1 = concise(X, concise.begin_state(3))
    Y2, (h2,) = scratch(X, scratch.begin_state(3, CPU))
    assert torch.allclose(Y1, Y2, atol=1e-5)
    assert torch.allclose(h1[0], h2, atol=1e-6)


def test_book_gru_formula_differs_from_nn_gru():
    """The book multiplies R * H before W_hh; nn.GRU multiplies R * (H W_hn + b_hn)."""
    torch.manual_seed(0)
    concise = d2lutil.RNNModel(nn.GRU(V, H), V)
    p = gated.gru_params_from_torch(concise.rnn, concise.linear)
    book = p[:8] + [p[8] + p[9]] + p[10:]
    X = F.one_hot(random_batch().T, V).float()
    Y_book, _ = gated.gru(X, gated.init_gru_state(3, H, CPU), book)
    Y_torch, _ = concise(random_batch(), concise.begin_state(3))
    assert (Y_book - Y_torch).abs().max() > 1e-3


def test_gru_reset_after_equals_book_when_reset_gate_is_one():
    """With R = 1 and b_hh = 0 both formulas are the same model."""
    torch.manual_seed(0)
    book = [torch.randn_like(p) * 0.3 for p in gated.get_gru_params(V, H, CPU)]
    book[5] = torch.full((H,), 100.0)  # reset gate saturates at 1
    after = book[:9] + [torch.zeros(H)] + book[9:]
    X, state = torch.randn(4, 2, V), gated.init_gru_state(2, H, CPU)
    assert torch.allclose(gated.gru(X, state, book)[0], gated.gru_reset_after(X, state, after)[0], atol=1e-5)


def test_gru_params_from_torch_gate_order():
    layer, linear = nn.GRU(V, H), nn.Linear(H, V)
    params = gated.gru_params_from_torch(layer, linear)
    W_ir, W_iz, W_in = layer.weight_ih_l0.detach().chunk(3)
    b_ir, b_iz, b_in = layer.bias_ih_l0.detach().chunk(3)
    b_hr, b_hz, b_hn = layer.bias_hh_l0.detach().chunk(3)
    assert torch.equal(params[0], W_iz.T) and torch.equal(params[3], W_ir.T) and torch.equal(params[6], W_in.T)
    assert torch.equal(params[2], b_iz + b_hz) and torch.equal(params[5], b_ir + b_hr)
    assert torch.equal(params[8], b_in) and torch.equal(params[9], b_hn)
    assert torch.equal(params[10], linear.weight.detach().T)
    params[0].add_(1.0)  # a copy: changing it leaves the layer alone
    assert not torch.equal(params[0], layer.weight_ih_l0.detach().chunk(3)[1].T)


@pytest.mark.parametrize("seed", [0, 1])
def test_scratch_lstm_equals_nn_lstm(seed):
    torch.manual_seed(seed)
    concise = d2lutil.RNNModel(nn.LSTM(V, H), V)
    scratch = scratch_from(concise, gated.lstm_params_from_torch, gated.init_lstm_state, gated.lstm)
    X = random_batch()
    Y1, (h1, c1) = concise(X, concise.begin_state(3))
    Y2, (h2, c2) = scratch(X, scratch.begin_state(3, CPU))
    assert torch.allclose(Y1, Y2, atol=1e-5)
    assert torch.allclose(h1[0], h2, atol=1e-6) and torch.allclose(c1[0], c2, atol=1e-6)


def test_lstm_params_from_torch_gate_order():
    layer, linear = nn.LSTM(V, H), nn.Linear(H, V)
    params = gated.lstm_params_from_torch(layer, linear)
    W_ii, W_if, W_ig, W_io = layer.weight_ih_l0.detach().chunk(4)
    b = (layer.bias_ih_l0 + layer.bias_hh_l0).detach().chunk(4)
    assert torch.equal(params[0], W_ii.T) and torch.equal(params[3], W_if.T)
    assert torch.equal(params[6], W_io.T) and torch.equal(params[9], W_ig.T)
    assert torch.allclose(params[8], b[3]) and torch.allclose(params[11], b[2])


@pytest.mark.parametrize("layer, convert, message", [
    (nn.LSTM(V, H), gated.gru_params_from_torch, "nn.GRU"),
    (nn.GRU(V, H), gated.lstm_params_from_torch, "nn.LSTM"),
    (nn.GRU(V, H, num_layers=2), gated.gru_params_from_torch, "num_layers=1"),
    (nn.LSTM(V, H, bidirectional=True), gated.lstm_params_from_torch, "bidirectional"),
    (nn.GRU(V, H, bias=False), gated.gru_params_from_torch, "bias=True"),
])
def test_from_torch_rejects_unsupported_layers(layer, convert, message):
    with pytest.raises(ValueError, match=message):
        convert(layer, nn.Linear(layer.hidden_size, V))


def test_from_torch_rejects_mismatched_linear():
    with pytest.raises(ValueError, match="linear"):
        gated.gru_params_from_torch(nn.GRU(V, H), nn.Linear(H + 1, V))


def test_gru_reset_after_rejects_book_params():
    with pytest.raises(ValueError, match="12 parameters"):
        gated.gru_reset_after(torch.zeros(1, 1, V), gated.init_gru_state(1, H, CPU), gated.get_gru_params(V, H, CPU))


# ---------------------------------------------------------------------------- training works
def test_scratch_gru_learns_a_little():
    gen = d2lutil.set_seed(0)
    train_iter, vocab = d2lutil.load_data_time_machine(8, 10, max_tokens=800, generator=gen)
    net = d2lutil.RNNModelScratch(len(vocab), 32, CPU, gated.get_gru_params, gated.init_gru_state, gated.gru)
    loss, updater = nn.CrossEntropyLoss(), torch.optim.SGD(net.parameters(), lr=1)
    first, _ = d2lutil.train_epoch_ch8(net, train_iter, loss, updater, CPU, False)
    for _ in range(10):
        last, _ = d2lutil.train_epoch_ch8(net, train_iter, loss, updater, CPU, False)
    assert last < first


# ------------------------------------------------------------------------- gate activations
@pytest.mark.parametrize("layer, names", [(nn.GRU(V, H), {"update", "reset"}),
                                          (nn.LSTM(V, H), {"input", "forget", "output", "cell"})])
def test_gate_activations_of_concise_models(vocab, layer, names):
    net = d2lutil.RNNModel(layer, len(vocab))
    gates = gated.gate_activations(net, "time traveller", vocab)
    assert set(gates) == names
    assert all(g.shape == (14, H) for g in gates.values())
    for name in names - {"cell"}:
        assert 0 < float(gates[name].min()) and float(gates[name].max()) < 1


def test_gate_activations_match_a_manual_run(vocab):
    """The recorded last hidden state must agree with running the concise model itself."""
    torch.manual_seed(0)
    net = d2lutil.RNNModel(nn.LSTM(len(vocab), H), len(vocab))
    gates = gated.gate_activations(net, "abc", vocab)
    _, (h, c) = net(torch.tensor([vocab[list("abc")]]), net.begin_state(1))
    assert torch.allclose(gates["cell"][-1], c[0, 0], atol=1e-6)
    assert torch.allclose(gates["output"][-1] * torch.tanh(gates["cell"][-1]), h[0, 0], atol=1e-6)


def test_gate_activations_of_scratch_model(vocab):
    net = d2lutil.RNNModelScratch(len(vocab), H, CPU, gated.get_gru_params, gated.init_gru_state, gated.gru)
    gates = gated.gate_activations(net, "hello", vocab)
    assert gates["update"].shape == (5, H)


def test_gate_activations_bad_input(vocab):
    rnn = d2lutil.RNNModel(nn.RNN(len(vocab), H), len(vocab))
    with pytest.raises(ValueError, match="net must be"):
        gated.gate_activations(rnn, "abc", vocab)
    gru_net = d2lutil.RNNModel(nn.GRU(len(vocab), H), len(vocab))
    with pytest.raises(ValueError, match="text"):
        gated.gate_activations(gru_net, "", vocab)


def test_show_gates_draws_one_row_per_gate(vocab):
    gates = gated.gate_activations(d2lutil.RNNModel(nn.LSTM(len(vocab), H), len(vocab)), "the time", vocab)
    axes = gated.show_gates(gates, "the time", num_units=8)
    assert len(axes) == 3  # the memory cell is left out by default
    assert axes[0].images[0].get_array().shape == (8, 8)
    plt.close("all")


@pytest.mark.parametrize("kwargs, message", [(dict(names=["nope"]), "names"), (dict(num_units=0), "num_units"),
                                             (dict(text="too long text"), "characters")])
def test_show_gates_bad_input(vocab, kwargs, message):
    gates = gated.gate_activations(d2lutil.RNNModel(nn.GRU(len(vocab), H), len(vocab)), "abc", vocab)
    kwargs.setdefault("text", "abc")
    with pytest.raises(ValueError, match=message):
        gated.show_gates(gates, **kwargs)
