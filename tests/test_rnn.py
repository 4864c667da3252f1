"""Unit tests for d2lutil.rnn: the scratch RNN and its equivalence with nn.RNN, the nn.RNN/GRU/LSTM
wrapper, predict_ch8, the scratch GRU and LSTM (checked against nn.GRU / nn.LSTM), and the masked-character
task of 9.4 with the nn.GRU facts the deep-RNN notebook (9.3) builds on."""
import matplotlib.pyplot as plt
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import d2lutil
from d2lutil.rnn import MASK, MaskedCharRNN, load_data_masked_chars, masked_char_windows

CPU = torch.device("cpu")
V, H = 28, 16


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def vocab():
    return d2lutil.load_corpus_time_machine(max_tokens=10)[1]


def scratch_model(vocab_size=V, num_hiddens=H):
    return d2lutil.RNNModelScratch(vocab_size, num_hiddens, CPU, d2lutil.get_params,
                                   d2lutil.init_rnn_state, d2lutil.rnn)


def test_get_params_shapes_and_scale():
    torch.manual_seed(0)
    W_xh, W_hh, b_h, W_hq, b_q = d2lutil.get_params(V, 512, CPU)
    assert W_xh.shape == (V, 512) and W_hh.shape == (512, 512) and b_h.shape == (512,)
    assert W_hq.shape == (512, V) and b_q.shape == (V,)
    assert torch.equal(b_h, torch.zeros(512)) and torch.equal(b_q, torch.zeros(V))
    assert 0.009 < float(W_hh.std()) < 0.011
    assert abs(float(W_hh.mean())) < 0.001
    assert all(p.device == CPU for p in (W_xh, W_hh, b_h, W_hq, b_q))


def test_init_rnn_state():
    state = d2lutil.init_rnn_state(3, H, CPU)
    assert isinstance(state, tuple) and len(state) == 1
    assert torch.equal(state[0], torch.zeros(3, H))


def test_rnn_step_formula():
    g = torch.Generator().manual_seed(0)
    params = [torch.randn(s, generator=g) for s in [(5, 4), (4, 4), (4,), (4, 5), (5,)]]
    W_xh, W_hh, b_h, W_hq, b_q = params
    inputs = torch.randn(3, 2, 5, generator=g)  # (time, batch, vocab)
    H0 = torch.randn(2, 4, generator=g)
    out, (H_last,) = d2lutil.rnn(inputs, (H0,), params)
    assert out.shape == (3 * 2, 5)
    h = H0
    for t in range(3):
        h = torch.tanh(inputs[t] @ W_xh + h @ W_hh + b_h)
        assert torch.allclose(out[2 * t:2 * t + 2], h @ W_hq + b_q)
    assert torch.allclose(H_last, h)


def test_scratch_model_output_shape_and_parameters():
    torch.manual_seed(0)
    net = scratch_model()
    assert len(list(net.parameters())) == 5
    X = torch.randint(0, V, (2, 5))
    Y, state = net(X, net.begin_state(2, CPU))
    assert Y.shape == (5 * 2, V)
    assert state[0].shape == (2, H)


def test_scratch_model_rejects_non_2d_input():
    net = scratch_model()
    with pytest.raises(ValueError, match=r"X must be \(batch, time\) token indices, got shape \(5,\)"):
        net(torch.zeros(5, dtype=torch.long), net.begin_state(1, CPU))


def test_scratch_model_equals_nn_rnn_with_copied_weights():
    torch.manual_seed(0)
    layer = nn.RNN(V, H)
    ref = d2lutil.RNNModel(layer, V)
    net = scratch_model()
    with torch.no_grad():
        for p in ref.parameters():  # make the biases non-zero so the copy is really tested
            p.uniform_(-0.5, 0.5)
        new = [layer.weight_ih_l0.T, layer.weight_hh_l0.T, layer.bias_ih_l0 + layer.bias_hh_l0,
               ref.linear.weight.T, ref.linear.bias]
        for p, value in zip(net.params, new):
            p.copy_(value)
    X = torch.randint(0, V, (3, 7), generator=torch.Generator().manual_seed(1))
    Y_scratch, (H_scratch,) = net(X, net.begin_state(3, CPU))
    Y_ref, H_ref = ref(X, ref.begin_state(3, CPU))
    assert Y_scratch.shape == Y_ref.shape == (7 * 3, V)
    assert torch.allclose(Y_scratch, Y_ref, atol=1e-5)
    assert torch.allclose(H_scratch, H_ref[0], atol=1e-5)
    # time-major: rows 0..B-1 belong to step 0, and match Y.T.reshape(-1) in the training loop
    Y1, _ = ref(X[:, :1], ref.begin_state(3, CPU))
    assert torch.allclose(Y_ref[:3], Y1, atol=1e-6)


@pytest.mark.parametrize("cls", [nn.RNN, nn.GRU])
def test_rnn_model_begin_state_tensor(cls):
    net = d2lutil.RNNModel(cls(V, H), V)
    state = net.begin_state(batch_size=4, device=CPU)
    assert torch.is_tensor(state) and state.shape == (1, 4, H)
    assert torch.equal(state, torch.zeros(1, 4, H))
    assert net.begin_state().shape == (1, 1, H)


def test_rnn_model_begin_state_lstm_tuple():
    net = d2lutil.RNNModel(nn.LSTM(V, H, num_layers=2), V)
    state = net.begin_state(batch_size=3, device=CPU)
    assert isinstance(state, tuple) and len(state) == 2
    assert all(s.shape == (2, 3, H) and not s.any() for s in state)
    assert state[0] is not state[1]  # separate tensors: h and c must not alias


@pytest.mark.parametrize("cls", [nn.GRU, nn.LSTM])
def test_rnn_model_bidirectional_and_deep(cls):
    net = d2lutil.RNNModel(cls(V, H, num_layers=3, bidirectional=True), V)
    assert net.num_directions == 2 and net.num_hiddens == H
    assert net.linear.in_features == 2 * H
    state = net.begin_state(batch_size=2)
    first = state[0] if isinstance(state, tuple) else state
    assert first.shape == (6, 2, H)
    X = torch.randint(0, V, (2, 5))
    Y, new_state = net(X, state)
    assert Y.shape == (5 * 2, V)
    new_first = new_state[0] if isinstance(new_state, tuple) else new_state
    assert new_first.shape == (6, 2, H)


def test_rnn_model_rejects_batch_first():
    time_major = r"rnn_layer must be a time-major nn.RNN, nn.GRU or nn.LSTM \(batch_first=False\)"
    with pytest.raises(ValueError, match=time_major):
        d2lutil.RNNModel(nn.GRU(V, H, batch_first=True), V)
    with pytest.raises(ValueError, match="batch_first"):
        d2lutil.RNNModel(nn.RNN(V, H, batch_first=True), V)


# ---- predict_ch8 ----

@pytest.fixture
def gru_net():
    torch.manual_seed(0)
    return d2lutil.RNNModel(nn.GRU(V, 32), V)


def test_predict_greedy_is_deterministic(gru_net, vocab):
    out1 = d2lutil.predict_ch8("time traveller", 20, gru_net, vocab, CPU)
    torch.manual_seed(123)  # greedy decoding does not touch the random state
    out2 = d2lutil.predict_ch8("time traveller", 20, gru_net, vocab, CPU)
    assert out1 == out2
    assert out1.startswith("time traveller") and len(out1) == len("time traveller") + 20
    assert set(out1) <= set(vocab.idx_to_token)
    assert d2lutil.predict_ch8("t", 0, gru_net, vocab, CPU) == "t"


def test_predict_greedy_follows_argmax(gru_net, vocab):
    out = d2lutil.predict_ch8("ab", 3, gru_net, vocab, CPU)
    state = gru_net.begin_state(1, CPU)
    idx = [vocab["a"], vocab["b"]]
    with torch.no_grad():
        _, state = gru_net(torch.tensor([[idx[0]]]), state)
        for _ in range(3):
            logits, state = gru_net(torch.tensor([[idx[-1]]]), state)
            idx.append(int(logits.argmax()))
    assert out == "".join(vocab.to_tokens(idx))


def test_predict_sampling_uses_the_generator(gru_net, vocab):
    def sample(seed, global_seed):
        torch.manual_seed(global_seed)  # the global random state must not matter
        return d2lutil.predict_ch8("the", 40, gru_net, vocab, CPU, temperature=1.0,
                                   generator=torch.Generator().manual_seed(seed))
    a, b, c = sample(1, 100), sample(1, 200), sample(2, 100)
    assert a == b
    assert a != c
    # an untrained net may sample <unk> (index 0), which is five characters long
    assert a.startswith("the") and len(a.replace("<unk>", "?")) == 43
    # an untrained net's logits are nearly flat: temperature 1 samples many different characters
    assert len(set(a[3:])) > 10


def test_predict_low_temperature_is_close_to_greedy(vocab):
    torch.manual_seed(0)
    net = d2lutil.RNNModel(nn.GRU(V, 32), V)
    with torch.no_grad():
        net.linear.weight.zero_()
        net.linear.bias.copy_(torch.arange(V, dtype=torch.float32))  # always prefer the last token
    greedy = d2lutil.predict_ch8("a", 10, net, vocab, CPU)
    cold = d2lutil.predict_ch8("a", 10, net, vocab, CPU, temperature=0.01,
                               generator=torch.Generator().manual_seed(0))
    assert greedy == cold == "a" + vocab.idx_to_token[V - 1] * 10


def test_predict_with_scratch_model(vocab):
    torch.manual_seed(0)
    net = scratch_model()
    out = d2lutil.predict_ch8("time ", 7, net, vocab, CPU)
    assert len(out) == 12 and out.startswith("time ")


def test_predict_with_lstm_state(vocab):
    torch.manual_seed(0)
    net = d2lutil.RNNModel(nn.LSTM(V, 8), V)
    assert len(d2lutil.predict_ch8("it", 5, net, vocab, CPU, temperature=0.7,
                                   generator=torch.Generator().manual_seed(0))) == 7


def test_predict_bad_arguments(gru_net, vocab):
    with pytest.raises(ValueError, match="prefix must be a non-empty string, got ''"):
        d2lutil.predict_ch8("", 5, gru_net, vocab, CPU)
    with pytest.raises(ValueError, match=r"temperature must be at least 0, got -0.5"):
        d2lutil.predict_ch8("a", 5, gru_net, vocab, CPU, temperature=-0.5)
    with pytest.raises(ValueError, match=r"num_preds must be at least 0, got -1"):
        d2lutil.predict_ch8("a", -1, gru_net, vocab, CPU)


# ---- the scratch RNN computes what nn.RNN computes; nn.RNN output layouts (8.6) ----

T, B = 6, 3


def scratch_params_from(rnn_layer: nn.RNN, linear: nn.Linear):
    """nn.RNN computes x W_ih^T + b_ih + h W_hh^T + b_hh; the scratch RNN x W_xh + h W_hh + b_h."""
    return [rnn_layer.weight_ih_l0.detach().T, rnn_layer.weight_hh_l0.detach().T,
            (rnn_layer.bias_ih_l0 + rnn_layer.bias_hh_l0).detach(),
            linear.weight.detach().T, linear.bias.detach()]


@pytest.fixture
def models():
    torch.manual_seed(0)
    concise = d2lutil.RNNModel(nn.RNN(V, H), V)
    params = scratch_params_from(concise.rnn, concise.linear)
    scratch = d2lutil.RNNModelScratch(V, H, torch.device("cpu"), lambda *a: [p.clone() for p in params],
                                  d2lutil.init_rnn_state, d2lutil.rnn)
    X = torch.randint(0, V, (B, T), generator=torch.Generator().manual_seed(1))
    return scratch, concise, X


def test_same_weights_same_outputs(models):
    scratch, concise, X = models
    h0 = torch.randn(B, H)
    y_s, (h_s,) = scratch(X, (h0,))
    y_c, h_c = concise(X, h0[None])
    assert y_s.shape == y_c.shape == (T * B, V)
    assert torch.allclose(y_s, y_c, atol=1e-6)
    assert torch.allclose(h_s, h_c[0], atol=1e-6)


def test_same_gradients(models):
    scratch, concise, X = models
    Y = torch.randint(0, V, (B, T), generator=torch.Generator().manual_seed(2))
    for net in (scratch, concise):
        y_hat, _ = net(X, net.begin_state(B, torch.device("cpu")))
        F.cross_entropy(y_hat, Y.T.reshape(-1)).backward()
    grad_W_xh = scratch.params[0].grad
    assert torch.allclose(grad_W_xh, concise.rnn.weight_ih_l0.grad.T, atol=1e-6)
    # both biases of nn.RNN receive the gradient of the one scratch bias
    assert torch.allclose(scratch.params[2].grad, concise.rnn.bias_hh_l0.grad, atol=1e-6)


def test_one_hot_times_matrix_is_a_row_lookup():
    W = torch.randn(V, H)
    idx = torch.tensor([3, 0, 6])
    assert torch.equal(F.one_hot(idx, V).float() @ W, W[idx])


def test_bidirectional_layouts():
    torch.manual_seed(0)
    layer = nn.RNN(V, H, num_layers=2, bidirectional=True)
    X = torch.randn(T, B, V)
    output, h_n = layer(X)
    assert output.shape == (T, B, 2 * H) and h_n.shape == (2 * 2, B, H)
    assert torch.equal(output[-1, :, :H], h_n[-2])  # forward direction ends at the last step
    assert torch.equal(output[0, :, H:], h_n[-1])   # backward direction ends at the first step
    assert not torch.allclose(output[-1, :, H:], h_n[-1])


def test_batch_first_only_transposes():
    torch.manual_seed(0)
    layer = nn.RNN(V, H)
    layer_bf = nn.RNN(V, H, batch_first=True)
    layer_bf.load_state_dict(layer.state_dict())
    X = torch.randn(T, B, V)
    out, h = layer(X)
    out_bf, h_bf = layer_bf(X.transpose(0, 1))
    assert torch.allclose(out_bf.transpose(0, 1), out, atol=1e-6)
    assert torch.allclose(h_bf, h, atol=1e-6)  # h_n stays (layers, batch, hidden)


def test_train_epoch_theta_none_and_bad_theta():
    g = d2lutil.set_seed(0)
    corpus = torch.randint(0, V, (400,), generator=g)
    data = d2lutil.SeqDataLoader(corpus, 4, 5, generator=g)
    net = d2lutil.RNNModel(nn.RNN(V, H), V)
    loss = nn.CrossEntropyLoss()
    updater = torch.optim.SGD(net.parameters(), lr=0.1)
    ppl, speed = d2lutil.train_epoch_ch8(net, data, loss, updater, torch.device("cpu"), False, theta=None)
    assert ppl > 1 and speed > 0
    with pytest.raises(ValueError, match="theta"):
        d2lutil.train_epoch_ch8(net, data, loss, updater, torch.device("cpu"), False, theta=0)


def test_clipping_bounds_the_update():
    torch.manual_seed(0)
    net = d2lutil.RNNModel(nn.RNN(V, H), V)
    for p in net.parameters():
        p.grad = torch.full_like(p, 10.0)
    d2lutil.grad_clipping(net, 1.0)
    total = torch.sqrt(sum((p.grad ** 2).sum() for p in net.parameters()))
    assert total == pytest.approx(1.0, rel=1e-5)


def test_train_ch8_with_held_out(capsys):
    g = d2lutil.set_seed(0)
    corpus, vocab = d2lutil.load_corpus_time_machine()
    train_iter = d2lutil.SeqDataLoader(corpus[:2000], 8, 10, generator=g)
    held_out = d2lutil.SeqDataLoader(corpus[-1000:], 8, 10, generator=g)
    net = d2lutil.RNNModel(nn.RNN(len(vocab), 16), len(vocab))
    result = d2lutil.train_ch8(net, train_iter, vocab, 1.0, 2, torch.device("cpu"), held_out_iter=held_out)
    out = capsys.readouterr().out
    assert "held-out perplexity" in out and out.splitlines()[1].startswith("time traveller")
    assert 1 < result["perplexity"] < 40 and result["tokens_per_sec"] > 0
    assert 1 < result["held_out_perplexity"] < 100


# ---- masked characters (9.4) and nn.GRU facts (9.3) ----

def test_windows_hide_the_middle_and_keep_it_as_label():
    corpus = torch.arange(10, 30)
    X, y = masked_char_windows(corpus, 2, mask_idx=1, centers=[2, 5, 17])
    assert X.tolist() == [[10, 11, 1, 13, 14], [13, 14, 1, 16, 17], [25, 26, 1, 28, 29]]
    assert y.tolist() == [12, 15, 27]
    assert corpus[5] == 15                                  # the corpus itself is not changed


def test_windows_accept_lists_and_empty_centers():
    X, y = masked_char_windows([4, 5, 6], 1, 0, [1])
    assert X.tolist() == [[4, 0, 6]] and y.tolist() == [5]
    X, y = masked_char_windows([4, 5, 6], 1, 0, [])
    assert X.shape == (0, 3) and y.shape == (0,)


@pytest.mark.parametrize("k, centers, error, match", [
    (0, [3], ValueError, "k must be at least 1, got 0"), (2.0, [3], TypeError, r"k must be an integer, got 2\.0"),
    (2, [1], ValueError, r"centers must lie in \[k, len\(corpus\) - k\)"), (2, [8], ValueError, "centers must lie"),
    (2, [[3]], ValueError, "1-D")])
def test_windows_bad_input(k, centers, error, match):
    with pytest.raises(error, match=match):
        masked_char_windows(torch.arange(10), k, 0, centers)


def test_load_data_split_vocab_and_determinism():
    g = torch.Generator().manual_seed(1)
    train_iter, test_iter, vocab = load_data_masked_chars(3, 16, 100, 40, generator=g)
    assert vocab[MASK] == 1 and vocab.idx_to_token[:2] == ["<unk>", MASK] and len(vocab) == 29
    X, y = next(iter(train_iter))
    assert X.shape == (16, 7) and y.shape == (16,)
    assert (X[:, 3] == 1).all() and (y != 1).all() and (X[:, [0, 1, 2, 4, 5, 6]] != 1).all()
    assert len(train_iter.dataset) == 100 and len(test_iter.dataset) == 40
    again = load_data_masked_chars(3, 16, 100, 40, generator=torch.Generator().manual_seed(1))
    assert torch.equal(test_iter.dataset.tensors[0], again[1].dataset.tensors[0])


def test_load_data_test_windows_come_from_the_last_part():
    tokens_before = load_data_masked_chars(2, 8, 50, 50, train_fraction=0.5)
    train_X = tokens_before[0].dataset.tensors[0]
    test_X = tokens_before[1].dataset.tensors[0]
    # a window of 5 characters almost never repeats by chance; overlap would mean shared text
    shared = {tuple(r) for r in train_X.tolist()} & {tuple(r) for r in test_X.tolist()}
    assert len(shared) <= 2


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(train_fraction=1.0), ValueError, "train_fraction must be between 0 and 1"),
    (dict(batch_size=0), ValueError, "batch_size must be at least 1"),
    (dict(num_train=-5), ValueError, "num_train must be at least 1"),
    (dict(num_test=2.5), TypeError, "num_test must be an integer"), (dict(k=2.0), TypeError, "k must be an integer")])
def test_load_data_bad_input(kwargs, error, match):
    args = dict(k=2, batch_size=8, num_train=10, num_test=10)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        load_data_masked_chars(**args)


def test_one_directional_model_ignores_the_right_half():
    torch.manual_seed(0)
    X = torch.randint(2, 29, (4, 7))
    X[:, 3] = 1
    changed = X.clone()
    changed[:, 4:] = torch.randint(2, 29, (4, 3))
    uni, bi = MaskedCharRNN(29, 8, False), MaskedCharRNN(29, 8, True)
    assert uni(X).shape == (4, 29) and bi(X).shape == (4, 29)
    assert torch.equal(uni(X), uni(changed))              # only the left context reaches the middle
    assert not torch.allclose(bi(X), bi(changed))         # the right-to-left direction sees it
    assert bi.linear.in_features == 16 and uni.linear.in_features == 8


def test_model_bad_input():
    net = MaskedCharRNN(29, 8, True)
    with pytest.raises(ValueError, match=r"\(batch, 2k\+1\)"):
        net(torch.zeros(3, 4, dtype=torch.long))
    with pytest.raises(ValueError, match="X must be"):
        net(torch.zeros(5, dtype=torch.long))


def test_gru_gate_layout_and_layer_two_width():
    """PyTorch stacks the GRU gates as [r | z | n] and layer 2 reads the H features of layer 1."""
    torch.manual_seed(0)
    gru = nn.GRU(5, 4, num_layers=2)
    assert gru.weight_ih_l0.shape == (12, 5) and gru.weight_ih_l1.shape == (12, 4)
    x, h = torch.randn(1, 3, 5), torch.zeros(2, 3, 4)
    W_ir, W_iz, W_in = gru.weight_ih_l0.chunk(3)
    b_ir, b_iz, b_in = gru.bias_ih_l0.chunk(3)
    b_hr, b_hz, b_hn = gru.bias_hh_l0.chunk(3)
    r = torch.sigmoid(x[0] @ W_ir.T + b_ir + b_hr)         # h = 0, so W_hh drops out
    z = torch.sigmoid(x[0] @ W_iz.T + b_iz + b_hz)
    n = torch.tanh(x[0] @ W_in.T + b_in + r * b_hn)
    _, h_n = gru(x, h)
    assert torch.allclose(h_n[0], (1 - z) * n, atol=1e-6)


def test_test_windows_do_not_depend_on_the_number_of_training_windows():
    small = load_data_masked_chars(2, 8, 10, 30, generator=torch.Generator().manual_seed(3))
    large = load_data_masked_chars(2, 8, 500, 30, generator=torch.Generator().manual_seed(3))
    assert torch.equal(small[1].dataset.tensors[0], large[1].dataset.tensors[0])


# ---- GRU and LSTM from scratch (9.1-9.2) ----

def random_batch(batch=3, steps=6, seed=1):
    return torch.randint(0, V, (batch, steps), generator=torch.Generator().manual_seed(seed))


# ------------------------------------------------------------------------------- parameters
@pytest.mark.parametrize("fn, num_blocks", [(d2lutil.get_params, 1), (d2lutil.get_gru_params, 3),
                                            (d2lutil.get_lstm_params, 4)])
def test_params_shapes_and_init(fn, num_blocks):
    """(W_x*, W_h*, b_*) per gate or candidate, then W_hq, b_q; weights N(0, 0.01^2), biases zero."""
    torch.manual_seed(0)
    params = fn(V, 64, CPU)
    assert [tuple(p.shape) for p in params] == [(V, 64), (64, 64), (64,)] * num_blocks + [(64, V), (V,)]
    biases = params[2:-2:3] + params[-1:]
    assert all(torch.equal(b, torch.zeros_like(b)) for b in biases)
    assert 0.008 < float(params[1].std()) < 0.012


def test_params_follow_the_books_draw_order():
    """Same seed, same tensors as the book's code: W_x*, W_h* of each block, then W_hq."""
    torch.manual_seed(0)
    gru_params = d2lutil.get_gru_params(V, H, CPU)
    torch.manual_seed(0)
    expected = []
    for _ in range(3):
        expected += [torch.randn(V, H) * 0.01, torch.randn(H, H) * 0.01, torch.zeros(H)]
    expected += [torch.randn(H, V) * 0.01, torch.zeros(V)]
    assert all(torch.equal(p, e) for p, e in zip(gru_params, expected, strict=True))


@pytest.mark.parametrize("fn", [d2lutil.get_params, d2lutil.get_gru_params, d2lutil.get_lstm_params])
@pytest.mark.parametrize("vocab_size, num_hiddens, name", [(0, 4, "vocab_size"), (4, -1, "num_hiddens"),
                                                           (4, 2.5, "num_hiddens")])
def test_params_reject_bad_sizes(fn, vocab_size, num_hiddens, name):
    with pytest.raises((TypeError, ValueError), match=name):
        fn(vocab_size, num_hiddens, CPU)


def test_init_states():
    (h,) = d2lutil.init_gru_state(3, H, CPU)
    assert torch.equal(h, torch.zeros(3, H))
    h, c = d2lutil.init_lstm_state(3, H, CPU)
    assert torch.equal(h, torch.zeros(3, H)) and torch.equal(c, torch.zeros(3, H))
    assert h is not c


# --------------------------------------------------------------------------- cell formulas
def test_gru_one_step_by_hand():
    torch.manual_seed(0)
    params = [torch.randn_like(p) for p in d2lutil.get_gru_params(V, H, CPU)]
    W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h, W_hq, b_q = params
    X, H0 = torch.randn(1, 2, V), torch.randn(2, H)
    Z = torch.sigmoid(X[0] @ W_xz + H0 @ W_hz + b_z)
    R = torch.sigmoid(X[0] @ W_xr + H0 @ W_hr + b_r)
    H1 = Z * H0 + (1 - Z) * torch.tanh(X[0] @ W_xh + (R * H0) @ W_hh + b_h)
    Y, (H_out,) = d2lutil.gru(X, (H0,), params)
    assert torch.allclose(H_out, H1, atol=1e-6)
    assert torch.allclose(Y, H1 @ W_hq + b_q, atol=1e-5)


def test_gru_update_gate_one_copies_the_state():
    """A huge update-gate bias makes Z = 1: the state passes through unchanged, whatever the input."""
    params = d2lutil.get_gru_params(V, H, CPU)
    params[2] = torch.full((H,), 100.0)
    H0 = torch.randn(2, H)
    _, (H_out,) = d2lutil.gru(torch.randn(5, 2, V), (H0,), params)
    assert torch.allclose(H_out, H0)


def test_lstm_forget_one_input_zero_keeps_the_cell():
    params = d2lutil.get_lstm_params(V, H, CPU)
    params[2] = torch.full((H,), -100.0)  # input gate closed
    params[5] = torch.full((H,), 100.0)   # forget gate open
    C0 = torch.randn(2, H)
    _, (H_out, C_out) = d2lutil.lstm(torch.randn(4, 2, V), (torch.zeros(2, H), C0), params)
    assert torch.allclose(C_out, C0)
    assert torch.all(H_out.abs() <= 1)


def test_gates_are_recorded_per_step():
    torch.manual_seed(0)
    record = {}
    d2lutil.gru(torch.randn(5, 2, V), d2lutil.init_gru_state(2, H, CPU), d2lutil.get_gru_params(V, H, CPU),
                gates=record)
    assert set(record) == {"update", "reset"} and len(record["update"]) == 5
    assert record["reset"][0].shape == (2, H)
    record = {}
    d2lutil.lstm(torch.randn(3, 2, V), d2lutil.init_lstm_state(2, H, CPU), d2lutil.get_lstm_params(V, H, CPU),
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
    scratch = scratch_from(concise, d2lutil.gru_params_from_torch, d2lutil.init_gru_state, d2lutil.gru_reset_after)
    X = random_batch()
    Y1, h1 = concise(X, concise.begin_state(3))
    Y2, (h2,) = scratch(X, scratch.begin_state(3, CPU))
    assert torch.allclose(Y1, Y2, atol=1e-5)
    assert torch.allclose(h1[0], h2, atol=1e-6)


def test_book_gru_formula_differs_from_nn_gru():
    """The book multiplies R * H before W_hh; nn.GRU multiplies R * (H W_hn + b_hn)."""
    torch.manual_seed(0)
    concise = d2lutil.RNNModel(nn.GRU(V, H), V)
    p = d2lutil.gru_params_from_torch(concise.rnn, concise.linear)
    book = p[:8] + [p[8] + p[9]] + p[10:]
    X = F.one_hot(random_batch().T, V).float()
    Y_book, _ = d2lutil.gru(X, d2lutil.init_gru_state(3, H, CPU), book)
    Y_torch, _ = concise(random_batch(), concise.begin_state(3))
    assert (Y_book - Y_torch).abs().max() > 1e-3


def test_gru_reset_after_equals_book_when_reset_gate_is_one():
    """With R = 1 and b_hh = 0 both formulas are the same model."""
    torch.manual_seed(0)
    book = [torch.randn_like(p) * 0.3 for p in d2lutil.get_gru_params(V, H, CPU)]
    book[5] = torch.full((H,), 100.0)  # reset gate saturates at 1
    after = book[:9] + [torch.zeros(H)] + book[9:]
    X, state = torch.randn(4, 2, V), d2lutil.init_gru_state(2, H, CPU)
    assert torch.allclose(d2lutil.gru(X, state, book)[0], d2lutil.gru_reset_after(X, state, after)[0], atol=1e-5)


def test_gru_params_from_torch_gate_order():
    layer, linear = nn.GRU(V, H), nn.Linear(H, V)
    params = d2lutil.gru_params_from_torch(layer, linear)
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
    scratch = scratch_from(concise, d2lutil.lstm_params_from_torch, d2lutil.init_lstm_state, d2lutil.lstm)
    X = random_batch()
    Y1, (h1, c1) = concise(X, concise.begin_state(3))
    Y2, (h2, c2) = scratch(X, scratch.begin_state(3, CPU))
    assert torch.allclose(Y1, Y2, atol=1e-5)
    assert torch.allclose(h1[0], h2, atol=1e-6) and torch.allclose(c1[0], c2, atol=1e-6)


def test_lstm_params_from_torch_gate_order():
    layer, linear = nn.LSTM(V, H), nn.Linear(H, V)
    params = d2lutil.lstm_params_from_torch(layer, linear)
    W_ii, W_if, W_ig, W_io = layer.weight_ih_l0.detach().chunk(4)
    b = (layer.bias_ih_l0 + layer.bias_hh_l0).detach().chunk(4)
    assert torch.equal(params[0], W_ii.T) and torch.equal(params[3], W_if.T)
    assert torch.equal(params[6], W_io.T) and torch.equal(params[9], W_ig.T)
    assert torch.allclose(params[8], b[3]) and torch.allclose(params[11], b[2])


@pytest.mark.parametrize("layer, convert, message", [
    (nn.LSTM(V, H), d2lutil.gru_params_from_torch, "nn.GRU"),
    (nn.GRU(V, H), d2lutil.lstm_params_from_torch, "nn.LSTM"),
    (nn.GRU(V, H, num_layers=2), d2lutil.gru_params_from_torch, "num_layers=1"),
    (nn.LSTM(V, H, bidirectional=True), d2lutil.lstm_params_from_torch, "bidirectional"),
    (nn.GRU(V, H, bias=False), d2lutil.gru_params_from_torch, "bias=True"),
])
def test_from_torch_rejects_unsupported_layers(layer, convert, message):
    with pytest.raises(ValueError, match=message):
        convert(layer, nn.Linear(layer.hidden_size, V))


def test_from_torch_rejects_mismatched_linear():
    with pytest.raises(ValueError, match="linear"):
        d2lutil.gru_params_from_torch(nn.GRU(V, H), nn.Linear(H + 1, V))


def test_gru_reset_after_rejects_book_params():
    with pytest.raises(ValueError, match="12 parameters"):
        d2lutil.gru_reset_after(torch.zeros(1, 1, V), d2lutil.init_gru_state(1, H, CPU),
                                d2lutil.get_gru_params(V, H, CPU))


# ---------------------------------------------------------------------------- training works
def test_scratch_gru_learns_a_little():
    gen = d2lutil.set_seed(0)
    train_iter, vocab = d2lutil.load_data_time_machine(8, 10, max_tokens=800, generator=gen)
    net = d2lutil.RNNModelScratch(len(vocab), 32, CPU, d2lutil.get_gru_params, d2lutil.init_gru_state, d2lutil.gru)
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
    gates = d2lutil.gate_activations(net, "time traveller", vocab)
    assert set(gates) == names
    assert all(g.shape == (14, H) for g in gates.values())
    for name in names - {"cell"}:
        assert 0 < float(gates[name].min()) and float(gates[name].max()) < 1


def test_gate_activations_match_a_manual_run(vocab):
    """The recorded last hidden state must agree with running the concise model itself."""
    torch.manual_seed(0)
    net = d2lutil.RNNModel(nn.LSTM(len(vocab), H), len(vocab))
    gates = d2lutil.gate_activations(net, "abc", vocab)
    _, (h, c) = net(torch.tensor([vocab[list("abc")]]), net.begin_state(1))
    assert torch.allclose(gates["cell"][-1], c[0, 0], atol=1e-6)
    assert torch.allclose(gates["output"][-1] * torch.tanh(gates["cell"][-1]), h[0, 0], atol=1e-6)


def test_gate_activations_of_scratch_model(vocab):
    net = d2lutil.RNNModelScratch(len(vocab), H, CPU, d2lutil.get_gru_params, d2lutil.init_gru_state, d2lutil.gru)
    gates = d2lutil.gate_activations(net, "hello", vocab)
    assert gates["update"].shape == (5, H)


def test_gate_activations_bad_input(vocab):
    rnn = d2lutil.RNNModel(nn.RNN(len(vocab), H), len(vocab))
    with pytest.raises(ValueError, match="net must be"):
        d2lutil.gate_activations(rnn, "abc", vocab)
    gru_net = d2lutil.RNNModel(nn.GRU(len(vocab), H), len(vocab))
    with pytest.raises(ValueError, match="text"):
        d2lutil.gate_activations(gru_net, "", vocab)


def test_show_gates_draws_one_row_per_gate(vocab):
    gates = d2lutil.gate_activations(d2lutil.RNNModel(nn.LSTM(len(vocab), H), len(vocab)), "the time", vocab)
    axes = d2lutil.show_gates(gates, "the time", num_units=8)
    assert len(axes) == 3  # the memory cell is left out by default
    assert axes[0].images[0].get_array().shape == (8, 8)
    plt.close("all")


@pytest.mark.parametrize("kwargs, message", [(dict(names=["nope"]), "names"), (dict(num_units=0), "num_units"),
                                             (dict(text="too long text"), "characters")])
def test_show_gates_bad_input(vocab, kwargs, message):
    gates = d2lutil.gate_activations(d2lutil.RNNModel(nn.GRU(len(vocab), H), len(vocab)), "abc", vocab)
    kwargs.setdefault("text", "abc")
    with pytest.raises(ValueError, match=message):
        d2lutil.show_gates(gates, **kwargs)
