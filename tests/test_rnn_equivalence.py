"""The from-scratch RNN (d2lutil.rnn) computes what nn.RNN computes, given the same weights;
and the layouts of nn.RNN's outputs are what the notebook of section 8.6 says they are."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import d2lutil as d2l

V, H, T, B = 7, 5, 6, 3


def scratch_params_from(rnn_layer: nn.RNN, linear: nn.Linear):
    """nn.RNN computes x W_ih^T + b_ih + h W_hh^T + b_hh; the scratch RNN x W_xh + h W_hh + b_h."""
    return [rnn_layer.weight_ih_l0.detach().T, rnn_layer.weight_hh_l0.detach().T,
            (rnn_layer.bias_ih_l0 + rnn_layer.bias_hh_l0).detach(),
            linear.weight.detach().T, linear.bias.detach()]


@pytest.fixture
def models():
    torch.manual_seed(0)
    concise = d2l.RNNModel(nn.RNN(V, H), V)
    params = scratch_params_from(concise.rnn, concise.linear)
    scratch = d2l.RNNModelScratch(V, H, torch.device("cpu"), lambda *a: [p.clone() for p in params],
                                  d2l.init_rnn_state, d2l.rnn)
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


def test_rnn_model_rejects_batch_first():
    with pytest.raises(ValueError, match="batch_first"):
        d2l.RNNModel(nn.RNN(V, H, batch_first=True), V)


def test_train_epoch_theta_none_and_bad_theta():
    g = d2l.set_seed(0)
    corpus = torch.randint(0, V, (400,), generator=g)
    data = d2l.SeqDataLoader(corpus, 4, 5, generator=g)
    net = d2l.RNNModel(nn.RNN(V, H), V)
    loss = nn.CrossEntropyLoss()
    updater = torch.optim.SGD(net.parameters(), lr=0.1)
    ppl, speed = d2l.train_epoch_ch8(net, data, loss, updater, torch.device("cpu"), False, theta=None)
    assert ppl > 1 and speed > 0
    with pytest.raises(ValueError, match="theta"):
        d2l.train_epoch_ch8(net, data, loss, updater, torch.device("cpu"), False, theta=0)


def test_clipping_bounds_the_update():
    torch.manual_seed(0)
    net = d2l.RNNModel(nn.RNN(V, H), V)
    for p in net.parameters():
        p.grad = torch.full_like(p, 10.0)
    d2l.grad_clipping(net, 1.0)
    total = torch.sqrt(sum((p.grad ** 2).sum() for p in net.parameters()))
    assert total == pytest.approx(1.0, rel=1e-5)


def test_train_ch8_with_held_out(capsys):
    g = d2l.set_seed(0)
    corpus, vocab = d2l.load_corpus_time_machine()
    train_iter = d2l.SeqDataLoader(corpus[:2000], 8, 10, generator=g)
    held_out = d2l.SeqDataLoader(corpus[-1000:], 8, 10, generator=g)
    net = d2l.RNNModel(nn.RNN(len(vocab), 16), len(vocab))
    result = d2l.train_ch8(net, train_iter, vocab, 1.0, 2, torch.device("cpu"), held_out_iter=held_out)
    out = capsys.readouterr().out
    assert "held-out perplexity" in out and out.splitlines()[1].startswith("time traveller")
    assert 1 < result["perplexity"] < 40 and result["tokens_per_sec"] > 0
    assert 1 < result["held_out_perplexity"] < 100
