"""Unit tests for d2lutil.rnn: the scratch RNN, the nn.RNN/GRU/LSTM wrapper and predict_ch8."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import d2lutil

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
    with pytest.raises(ValueError, match=r"rnn_layer must be a time-major nn.RNN, nn.GRU or nn.LSTM \(batch_first=False\)"):
        d2lutil.RNNModel(nn.GRU(V, H, batch_first=True), V)


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
