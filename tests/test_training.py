"""Unit tests for d2lutil.training: Timer and Accumulator, accuracy, evaluation, gradient clipping
and the training loops.

The image loop runs on a slice of the real Fashion-MNIST data (no synthetic stand-in); the
language-model loops run on the first 3,000 characters of The Time Machine.
"""
import math
import types

import pytest
import torch
from torch import nn

import d2lutil
from d2lutil import training

CPU = torch.device("cpu")
pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture
def ticking_clock(monkeypatch):
    """Every read of the Timer's clock advances it by `tick` seconds."""
    clock = types.SimpleNamespace(now=0.0, tick=0.5)

    def perf_counter():
        clock.now += clock.tick
        return clock.now
    monkeypatch.setattr(training, "time", types.SimpleNamespace(perf_counter=perf_counter))
    return clock


# ---- accuracy and evaluation ----

def test_accuracy_counts_correct_predictions():
    y_hat = torch.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    y = torch.tensor([1, 1, 1, 0])
    result = d2lutil.accuracy(y_hat, y)
    assert torch.is_tensor(result) and result.dim() == 0
    assert int(result) == 3
    assert int(d2lutil.accuracy(y_hat, 1 - y)) == 1


def identity_classifier():
    """argmax of the input: class k wins when feature k is largest. A dropout layer in front
    checks that evaluation runs in eval mode."""
    linear = nn.Linear(3, 3, bias=False)
    with torch.no_grad():
        linear.weight.copy_(torch.eye(3))
    return nn.Sequential(nn.Dropout(0.99), linear)


def test_evaluate_accuracy_exact_fraction():
    X1 = torch.tensor([[1.0, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0], [0, 5, 1]])
    y1 = torch.tensor([0, 1, 2, 1, 2])              # 3 of 5 correct
    X2 = torch.tensor([[0.0, 0, 2], [3, 1, 0], [0, 1, 0]])
    y2 = torch.tensor([2, 0, 0])                    # 2 of 3 correct
    net = identity_classifier()
    net.train()
    assert d2lutil.evaluate_accuracy_gpu(net, [(X1, y1), (X2, y2)]) == 5 / 8
    assert d2lutil.evaluate_accuracy_gpu(net, [(X1, y1)], device=CPU) == 3 / 5
    assert d2lutil.evaluate_accuracy_gpu(net, iter([(X2, y2)])) == 2 / 3


def test_evaluate_accuracy_empty_iterator_message():
    with pytest.raises(ValueError, match="no batches"):
        d2lutil.evaluate_accuracy_gpu(identity_classifier(), [])


def filled_cnn():
    """A conv net with every parameter set to 100, so that untouched parameters are easy to spot."""
    net = nn.Sequential(nn.Conv2d(1, 6, 5), nn.BatchNorm2d(6), nn.Flatten(), nn.Linear(6 * 24 * 24, 10))
    with torch.no_grad():
        for p in net.parameters():
            p.fill_(100.0)
    return net


def test_init_cnn_xavier_only_for_linear_and_conv():
    net = filled_cnn()
    torch.manual_seed(0)
    assert d2lutil.init_cnn(net) is net
    conv, bn, _, linear = net
    conv_bound = math.sqrt(6 / (1 * 25 + 6 * 25))
    lin_bound = math.sqrt(6 / (6 * 24 * 24 + 10))
    assert float(conv.weight.detach().abs().max()) <= conv_bound
    assert float(linear.weight.detach().abs().max()) <= lin_bound
    assert float(linear.weight.detach().std()) == pytest.approx(lin_bound / math.sqrt(3), rel=0.05)
    assert torch.all(bn.weight == 100.0)       # other layers untouched
    assert torch.all(conv.bias == 100.0)       # biases untouched


def test_init_cnn_kaiming_scales_for_relu_and_zeroes_biases():
    net = filled_cnn()
    torch.manual_seed(0)
    d2lutil.init_cnn(net, "kaiming")
    conv, bn, _, linear = net
    # He: std = sqrt(2 / fan_in)
    assert float(linear.weight.detach().std()) == pytest.approx(math.sqrt(2 / (6 * 24 * 24)), rel=0.05)
    assert float(conv.weight.detach().std()) == pytest.approx(math.sqrt(2 / 25), rel=0.25)
    assert torch.all(conv.bias == 0) and torch.all(linear.bias == 0)
    assert torch.all(bn.weight == 100.0)


def test_init_cnn_matches_applying_xavier_layer_by_layer():
    """train_ch6's default initialisation draws the same numbers as the book's net.apply(init)."""
    torch.manual_seed(0)
    expected = filled_cnn()
    for layer in (expected[0], expected[3]):
        nn.init.xavier_uniform_(layer.weight)
    torch.manual_seed(0)
    got = d2lutil.init_cnn(filled_cnn())
    assert all(torch.equal(a, b) for a, b in zip(expected.parameters(), got.parameters()))


# ---- train_ch6 on real Fashion-MNIST ----

@pytest.fixture(scope="module")
def fashion_slice():
    (X, y), (Xt, yt) = d2lutil.read_fashion_mnist("train"), d2lutil.read_fashion_mnist("test")
    return X[:512].clone(), y[:512].clone(), Xt[:256].clone(), yt[:256].clone()


def tiny_iters(fashion_slice, seed=0):
    X, y, Xt, yt = fashion_slice
    g = torch.Generator().manual_seed(seed)
    return (d2lutil.ImageBatches(X, y, 64, shuffle=True, generator=g),
            d2lutil.ImageBatches(Xt, yt, 128))


def tiny_net():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 10))


def test_train_ch6_returns_sane_metrics(fashion_slice, capsys):
    d2lutil.set_seed(0)
    net = tiny_net()
    train_iter, test_iter = tiny_iters(fashion_slice)
    result = d2lutil.train_ch6(net, train_iter, test_iter, num_epochs=1, lr=0.1, device=CPU)
    assert set(result) == {"train_loss", "train_acc", "test_acc", "examples_per_sec", "seconds", "history"}
    assert result["history"] == [{"epoch": 1, "train_loss": result["train_loss"],
                                  "train_acc": result["train_acc"], "test_acc": result["test_acc"]}]
    assert all(math.isfinite(v) for k, v in result.items() if k != "history")
    assert 0 < result["train_loss"] < 2.5
    assert 0 <= result["train_acc"] <= 1 and 0 <= result["test_acc"] <= 1
    assert result["test_acc"] > 0.3  # better than chance (0.1) after one pass
    assert result["test_acc"] == d2lutil.evaluate_accuracy_gpu(net, test_iter)
    assert 100 < result["examples_per_sec"] < 1e9
    out = capsys.readouterr().out
    assert f"test acc {result['test_acc']:.3f}" in out and "examples/sec on cpu" in out


def test_train_ch6_is_reproducible(fashion_slice):
    results = []
    for _ in range(2):
        d2lutil.set_seed(0)
        net = tiny_net()
        results.append(d2lutil.train_ch6(net, *tiny_iters(fashion_slice), 2, 0.1, CPU, verbose=False))
        results[-1]["weights"] = net[1].weight.detach().clone()
    assert results[0]["history"] == results[1]["history"]
    assert torch.equal(results[0]["weights"], results[1]["weights"])


def test_train_ch6_examples_per_sec_counts_training_time(fashion_slice, ticking_clock):
    # Timer: creation, then start/stop once per epoch, each clock read 0.5 s later
    result = d2lutil.train_ch6(tiny_net(), *tiny_iters(fashion_slice), num_epochs=2, lr=0.1, device=CPU)
    assert result["examples_per_sec"] == pytest.approx(512 * 2 / (2 * 0.5))
    assert result["seconds"] == pytest.approx(2 * 0.5)


def test_train_ch6_quiet_mode_neither_plots_nor_prints(fashion_slice, capsys, monkeypatch):
    monkeypatch.setattr(training, "Animator", None)  # any plotting attempt would fail
    result = d2lutil.train_ch6(tiny_net(), *tiny_iters(fashion_slice), 2, 0.1, CPU, verbose=False)
    assert capsys.readouterr().out == ""
    assert [h["epoch"] for h in result["history"]] == [1, 2]


def test_train_ch6_stops_when_the_loss_diverges(fashion_slice):
    X, y, Xt, yt = fashion_slice
    X = X.float()
    X[256:] = float("nan")  # batches 17-32 of 32 hold nan images
    train_iter = [(X[i:i + 16], y[i:i + 16]) for i in range(0, 512, 16)]
    # the loss is read back every 32 // 5 = 6 batches: at 6, 12, 18, ...
    with pytest.raises(FloatingPointError,
                       match=r"loss became nan in epoch 1, batches 13-18 \(lr=0\.1\).*smaller learning rate"):
        d2lutil.train_ch6(tiny_net(), train_iter, [(Xt, yt)], 2, 0.1, CPU, verbose=False)


def test_train_ch6_too_large_lr_is_stopped(fashion_slice):
    """The book's GoogLeNet run printed 'loss nan ... test acc 0.100'; here it stops instead."""
    d2lutil.set_seed(0)
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
    with pytest.raises(FloatingPointError, match=r"became (nan|inf) in epoch 1, batch \d \(lr=1e\+10\)"):
        d2lutil.train_ch6(net, *tiny_iters(fashion_slice), 3, 1e10, CPU, verbose=False)


def test_train_ch6_init_flag_and_custom_optimizer(fashion_slice):
    torch.manual_seed(0)
    net = tiny_net()
    with torch.no_grad():
        net[1].weight.fill_(0.01)
    frozen = torch.optim.SGD(net.parameters(), lr=0.0)
    d2lutil.train_ch6(net, *tiny_iters(fashion_slice), 1, lr=10.0, device=CPU, optimizer=frozen, init=None)
    assert torch.all(net[1].weight == 0.01)    # the given optimizer (lr 0) was used, weights kept
    d2lutil.train_ch6(net, *tiny_iters(fashion_slice), 1, lr=10.0, device=CPU, optimizer=frozen)
    assert not torch.all(net[1].weight == 0.01)  # re-initialised (xavier by default)


def test_train_ch6_rejects_zero_epochs(fashion_slice):
    with pytest.raises(ValueError, match=r"num_epochs must be at least 1, got 0"):
        d2lutil.train_ch6(tiny_net(), *tiny_iters(fashion_slice), 0, 0.1, CPU, verbose=False)


# ---- gradient clipping and state detaching ----

def test_grad_clipping_scales_large_gradients():
    net = nn.Linear(3, 2)
    grads = [torch.full((2, 3), 3.0), torch.tensor([4.0, -4.0])]
    for p, g in zip(net.parameters(), grads):
        p.grad = g.clone()
    norm_before = math.sqrt(sum(float((g ** 2).sum()) for g in grads))
    d2lutil.grad_clipping(net, 1.0)
    norm_after = math.sqrt(sum(float((p.grad ** 2).sum()) for p in net.parameters()))
    assert norm_after <= 1.0 + 1e-6
    assert norm_after == pytest.approx(1.0, rel=1e-4)
    for p, g in zip(net.parameters(), grads):  # direction kept
        assert torch.allclose(p.grad, g / norm_before, atol=1e-6)


def test_grad_clipping_leaves_small_gradients_unchanged():
    net = nn.Linear(3, 2)
    small = [torch.full((2, 3), 0.01), torch.tensor([0.02, -0.03])]
    for p, g in zip(net.parameters(), small):
        p.grad = g.clone()
    d2lutil.grad_clipping(net, 1.0)
    for p, g in zip(net.parameters(), small):
        assert torch.equal(p.grad, g)


def test_grad_clipping_for_objects_with_params():
    w = torch.zeros(4, requires_grad=True)
    frozen = torch.zeros(2)  # requires_grad=False: skipped
    w.grad = torch.full((4,), 10.0)
    holder = types.SimpleNamespace(params=[w, frozen])
    d2lutil.grad_clipping(holder, 2.0)
    assert float(w.grad.norm()) == pytest.approx(2.0, rel=1e-4)


def test_grad_clipping_scratch_model():
    torch.manual_seed(0)
    net = d2lutil.RNNModelScratch(28, 8, CPU, d2lutil.get_params, d2lutil.init_rnn_state, d2lutil.rnn)
    for p in net.parameters():
        p.grad = torch.ones_like(p) * 5
    d2lutil.grad_clipping(net, 0.5)
    total = math.sqrt(sum(float((p.grad ** 2).sum()) for p in net.parameters()))
    assert total == pytest.approx(0.5, rel=1e-4)


def test_detach_state_tensor_and_tuple():
    w = torch.ones(2, 3, requires_grad=True)
    h = w * 2
    out = d2lutil.detach_state(h)
    assert torch.is_tensor(out) and not out.requires_grad and torch.equal(out, h)
    pair = d2lutil.detach_state((w * 3, w * 4))
    assert isinstance(pair, tuple) and len(pair) == 2
    assert all(not s.requires_grad for s in pair)
    assert torch.equal(pair[1], torch.full((2, 3), 4.0))
    assert h.requires_grad  # the original is untouched


# ---- language models ----

@pytest.fixture(scope="module")
def char_vocab():
    return d2lutil.load_data_time_machine(16, 20, max_tokens=3000)[1]


def lm_data(seed=0, use_random_iter=False):
    loader, _ = d2lutil.load_data_time_machine(16, 20, use_random_iter=use_random_iter, max_tokens=3000,
                                               generator=torch.Generator().manual_seed(seed))
    return loader


def rnn_lm(kind="rnn", seed=0):
    torch.manual_seed(seed)
    if kind == "scratch":
        return d2lutil.RNNModelScratch(28, 32, CPU, d2lutil.get_params, d2lutil.init_rnn_state, d2lutil.rnn)
    layer = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[kind](28, 32)
    return d2lutil.RNNModel(layer, 28)


@pytest.mark.parametrize("kind", ["rnn", "scratch", "lstm"])
def test_untrained_perplexity_is_about_vocab_size(kind):
    ppl = d2lutil.evaluate_perplexity(rnn_lm(kind), lm_data(), CPU)
    assert 10 < ppl < 40


def test_evaluate_perplexity_of_a_known_model():
    # a model that always predicts the uniform distribution has perplexity exactly V
    class Uniform(nn.Module):
        def forward(self, X, state):
            return torch.zeros(X.numel(), 28), state

        def begin_state(self, batch_size, device):
            return torch.zeros(1)
    assert d2lutil.evaluate_perplexity(Uniform(), lm_data(), CPU) == pytest.approx(28.0, rel=1e-5)


def test_evaluate_perplexity_empty_iterator():
    with pytest.raises(ValueError, match=r"evaluate_perplexity: data_iter yielded no batches"):
        d2lutil.evaluate_perplexity(rnn_lm(), [], CPU)


@pytest.mark.parametrize("mode", [True, False])
def test_evaluate_perplexity_keeps_the_training_mode(mode):
    net = rnn_lm("lstm")
    net.train(mode)
    d2lutil.evaluate_perplexity(net, lm_data(), CPU)
    assert net.training is mode


def test_train_epoch_ch8_empty_iterator_message():
    net = rnn_lm()
    with pytest.raises(ValueError, match="no batches"):
        d2lutil.train_epoch_ch8(net, [], nn.CrossEntropyLoss(), torch.optim.SGD(net.parameters(), lr=1),
                                CPU, False)


def counting_begin_state(net):
    calls = []
    original = net.begin_state

    def begin_state(*args, **kwargs):
        calls.append(kwargs.get("batch_size", args[0] if args else None))
        return original(*args, **kwargs)
    net.begin_state = begin_state
    return calls


@pytest.mark.parametrize("kind", ["rnn", "scratch", "lstm"])
def test_train_epoch_ch8_sequential_carries_state(kind):
    net, data = rnn_lm(kind), lm_data()
    num_batches = len(list(lm_data()))
    calls = counting_begin_state(net)
    before = d2lutil.evaluate_perplexity(net, lm_data(1), CPU)
    updater = torch.optim.SGD(net.parameters(), lr=1)
    ppl, speed = d2lutil.train_epoch_ch8(net, data, nn.CrossEntropyLoss(), updater, CPU, False)
    assert calls[1:] == [16]  # one fresh state for the whole epoch (calls[0] was the evaluation)
    assert math.isfinite(ppl) and 1 < ppl < 40
    assert speed > 0
    assert num_batches >= 5
    for _ in range(3):
        d2lutil.train_epoch_ch8(net, data, nn.CrossEntropyLoss(), updater, CPU, False)
    assert d2lutil.evaluate_perplexity(net, lm_data(1), CPU) < before - 3


def test_train_epoch_ch8_random_restarts_state():
    net = rnn_lm("gru")
    data = lm_data(use_random_iter=True)
    num_batches = len(list(lm_data(use_random_iter=True)))
    calls = counting_begin_state(net)
    updater = torch.optim.SGD(net.parameters(), lr=1)
    ppl, _ = d2lutil.train_epoch_ch8(net, data, nn.CrossEntropyLoss(), updater, CPU, True)
    assert calls == [16] * num_batches
    assert math.isfinite(ppl) and ppl > 1


def test_train_epoch_ch8_tokens_per_second(ticking_clock):
    net, data = rnn_lm(), lm_data()
    num_tokens = sum(Y.numel() for _, Y in lm_data())
    updater = torch.optim.SGD(net.parameters(), lr=1)
    ticking_clock.tick = 0.25  # Timer() reads the clock once, stop() once
    _, speed = d2lutil.train_epoch_ch8(net, data, nn.CrossEntropyLoss(), updater, CPU, False)
    assert speed == pytest.approx(num_tokens / 0.25)


def test_train_epoch_ch8_perplexity_matches_loss():
    # with lr=0 nothing changes, so the reported perplexity is the evaluation of the same batches
    net = rnn_lm()
    updater = torch.optim.SGD(net.parameters(), lr=0.0)
    ppl, _ = d2lutil.train_epoch_ch8(net, lm_data(3), nn.CrossEntropyLoss(), updater, CPU, False)
    assert ppl == pytest.approx(d2lutil.evaluate_perplexity(net, lm_data(3), CPU), rel=1e-5)


def test_train_ch8_learns_and_reports(char_vocab, capsys):
    net = rnn_lm("rnn", seed=1)
    untrained = d2lutil.evaluate_perplexity(net, lm_data(2), CPU)
    result = d2lutil.train_ch8(net, lm_data(), char_vocab, lr=1, num_epochs=5, device=CPU)
    ppl, speed = result["perplexity"], result["tokens_per_sec"]
    assert result["held_out_perplexity"] is None and result["seconds"] > 0
    assert [h["epoch"] for h in result["history"]] == [1, 2, 3, 4, 5]
    assert result["history"][-1] == {"epoch": 5, "perplexity": ppl, "held_out_perplexity": None}
    assert math.isfinite(ppl) and 1 < ppl < untrained
    assert speed > 0
    assert d2lutil.evaluate_perplexity(net, lm_data(2), CPU) < untrained - 3
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"perplexity {ppl:.1f}, {speed:.1f} tokens/sec on cpu"
    assert lines[1].startswith("time traveller")
    assert len(lines[1].replace("<unk>", "?")) == len("time traveller") + 50


def test_train_ch8_custom_prefix_and_random_iter(char_vocab, capsys):
    net = rnn_lm("gru")
    result = d2lutil.train_ch8(net, lm_data(use_random_iter=True), char_vocab, 1, 1, CPU,
                               use_random_iter=True, prefix="the")
    assert math.isfinite(result["perplexity"])
    assert capsys.readouterr().out.splitlines()[1].startswith("the")


def test_train_ch8_rejects_zero_epochs(char_vocab):
    with pytest.raises(ValueError, match=r"num_epochs must be at least 1, got 0"):
        d2lutil.train_ch8(rnn_lm(), lm_data(), char_vocab, 1, 0, CPU)


@pytest.fixture
def recorded_clipping(monkeypatch):
    """Record the theta of every grad_clipping call the training loop makes (and still clip)."""
    thetas = []
    original = training.grad_clipping

    def grad_clipping(net, theta):
        thetas.append(theta)
        original(net, theta)
    monkeypatch.setattr(training, "grad_clipping", grad_clipping)
    return thetas


@pytest.mark.parametrize("theta, expected", [(1.0, 1.0), (2.5, 2.5), (None, None)])
def test_train_epoch_ch8_theta(recorded_clipping, theta, expected):
    net, data = rnn_lm(), lm_data()
    num_batches = len(list(lm_data()))
    updater = torch.optim.SGD(net.parameters(), lr=1)
    ppl, _ = d2lutil.train_epoch_ch8(net, data, nn.CrossEntropyLoss(), updater, CPU, False, theta=theta)
    assert math.isfinite(ppl)
    assert recorded_clipping == ([] if expected is None else [expected] * num_batches)


def test_train_epoch_ch8_default_clips_at_one(recorded_clipping):
    net = rnn_lm()
    d2lutil.train_epoch_ch8(net, lm_data(), nn.CrossEntropyLoss(),
                            torch.optim.SGD(net.parameters(), lr=1), CPU, False)
    assert recorded_clipping and set(recorded_clipping) == {1.0}


@pytest.mark.parametrize("theta", [0, -1.0])
def test_train_epoch_ch8_rejects_non_positive_theta(theta):
    net = rnn_lm()
    with pytest.raises(ValueError, match=rf"theta must be greater than 0, got {theta}"):
        d2lutil.train_epoch_ch8(net, lm_data(), nn.CrossEntropyLoss(),
                                torch.optim.SGD(net.parameters(), lr=1), CPU, False, theta=theta)


def test_train_ch8_passes_theta(char_vocab, recorded_clipping):
    d2lutil.train_ch8(rnn_lm(), lm_data(), char_vocab, 1, 1, CPU, theta=0.5)
    assert recorded_clipping and set(recorded_clipping) == {0.5}
    recorded_clipping.clear()
    d2lutil.train_ch8(rnn_lm(), lm_data(), char_vocab, 1, 1, CPU, theta=None)
    assert recorded_clipping == []


def test_train_ch8_held_out_curve(char_vocab, capsys, monkeypatch):
    animators = []

    class RecordingAnimator(d2lutil.Animator):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            animators.append(self)
    monkeypatch.setattr(training, "Animator", RecordingAnimator)
    net = rnn_lm("rnn", seed=2)
    held_out = d2lutil.SeqDataLoader(d2lutil.load_corpus_time_machine(max_tokens=4000)[0][3000:], 16, 20,
                                     generator=torch.Generator().manual_seed(0))
    result = d2lutil.train_ch8(net, lm_data(), char_vocab, 1, 3, CPU, held_out_iter=held_out)
    ppl = result["perplexity"]
    (anim,) = animators
    assert result["held_out_perplexity"] == anim.Y[1][-1]
    assert [h["held_out_perplexity"] for h in result["history"]] == anim.Y[1]
    assert anim.config["legend"] == ["train", "held-out"]
    assert anim.X == [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]
    assert anim.Y[0][-1] == pytest.approx(ppl)
    assert all(math.isfinite(v) and 1 < v < 40 for v in anim.Y[1])
    line = capsys.readouterr().out.splitlines()[0]
    assert line.startswith(f"perplexity {ppl:.1f}, held-out perplexity {anim.Y[1][-1]:.1f}, ")
    # without held-out data: one curve, and the line does not mention it
    animators.clear()
    d2lutil.train_ch8(rnn_lm(), lm_data(), char_vocab, 1, 1, CPU)
    assert animators[0].config["legend"] == ["train"] and len(animators[0].Y) == 1
    assert "held-out" not in capsys.readouterr().out


def test_train_ch8_quiet_mode_and_reproducibility(char_vocab, capsys, monkeypatch):
    monkeypatch.setattr(training, "Animator", None)  # any plotting attempt would fail
    runs = [d2lutil.train_ch8(rnn_lm(seed=3), lm_data(), char_vocab, 1, 2, CPU, verbose=False)["history"]
            for _ in range(2)]
    assert capsys.readouterr().out == ""
    assert runs[0] == runs[1]


def test_train_ch8_stops_when_the_loss_diverges(char_vocab):
    net = rnn_lm()
    with torch.no_grad():
        net.linear.bias.fill_(float("nan"))
    with pytest.raises(FloatingPointError, match=r"perplexity became nan in epoch 1 \(lr=1\).*smaller learning"):
        d2lutil.train_ch8(net, lm_data(), char_vocab, 1, 3, CPU, verbose=False)


def test_evaluate_perplexity_is_deterministic_with_dropout():
    torch.manual_seed(0)
    net = d2lutil.RNNModel(nn.LSTM(28, 16, num_layers=2, dropout=0.5), 28)
    data = lm_data()
    first = d2lutil.evaluate_perplexity(net, data, CPU)
    data = lm_data()
    assert d2lutil.evaluate_perplexity(net, data, CPU) == first


# ---- the book's small helpers: load_array, sgd, evaluate_loss ----

def test_load_array_batches_and_shuffles():
    X, y = torch.arange(10.0).reshape(10, 1), torch.arange(10)
    ordered = [b.tolist() for _, b in d2lutil.load_array((X, y), 4, is_train=False)]
    assert ordered == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    torch.manual_seed(0)
    shuffled = [v for _, b in d2lutil.load_array((X, y), 4) for v in b.tolist()]
    assert sorted(shuffled) == list(range(10)) and shuffled != list(range(10))


def test_sgd_steps_against_the_gradient_and_clears_it():
    w = torch.tensor([1.0, -2.0], requires_grad=True)
    (w ** 2).sum().backward()                  # gradient 2w = [2, -4], summed over a "batch" of 2
    d2lutil.sgd([w], lr=0.5, batch_size=2)     # w - 0.5 * grad / 2
    assert torch.equal(w.detach(), torch.tensor([0.5, -1.0]))
    assert torch.equal(w.grad, torch.zeros(2))


def test_evaluate_loss_is_the_mean_over_examples():
    net = nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        net.weight.fill_(2.0)
    X = torch.tensor([[1.0], [2.0], [3.0]])
    y = torch.tensor([2.0, 3.0, 6.0])          # squared errors 0, 1, 0
    data = d2lutil.load_array((X, y), 2, is_train=False)
    assert d2lutil.evaluate_loss(net, data, nn.MSELoss(reduction="none")) == pytest.approx(1 / 3)


# ---- result tables ----

def test_book_vs_run_aligns_columns(capsys):
    d2lutil.book_vs_run([("test acc", 0.883, 0.8143), ("examples/sec", 4000, 12345.6), ("device", "V100", None)],
                        title="AlexNet")
    assert capsys.readouterr().out.splitlines() == [
        "AlexNet",
        "quantity     | book (V100) | this run",
        "-------------+-------------+---------",
        "test acc     |       0.883 |    0.814",
        "examples/sec |       4,000 |   12,346",
        "device       |        V100 |        -"]


def test_book_vs_run_rejects_rows_that_are_not_triples():
    with pytest.raises(ValueError, match=r"rows must be \(label, book_value, run_value\) triples"):
        d2lutil.book_vs_run([("test acc", 0.883)])


def test_perplexity_table_reports_bits_per_character(capsys):
    results = {"RNN": {"perplexity": 1.04, "held_out_perplexity": 128.0},
               "GRU": {"perplexity": 3.8, "held_out_perplexity": None}}
    d2lutil.perplexity_table(results, book={"RNN": 1.0})
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split(" | ") == ["model", "train perplexity", "held-out perplexity", "held-out bits/char",
                                     "book train perplexity"]
    assert [c.strip() for c in lines[2].split(" | ")] == ["RNN", "1.040", "128.0", "7.000", "1.000"]
    assert [c.strip() for c in lines[3].split(" | ")] == ["GRU", "3.800", "-", "-", "-"]
    d2lutil.perplexity_table(results)
    assert "book" not in capsys.readouterr().out


# ---- Timer and Accumulator ----

@pytest.fixture
def fake_clock(monkeypatch):
    """Replace the clock Timer reads with one the test advances by hand."""
    clock = types.SimpleNamespace(now=100.0)
    monkeypatch.setattr(training, "time", types.SimpleNamespace(perf_counter=lambda: clock.now))
    return clock


def test_timer_records_intervals(fake_clock):
    timer = d2lutil.Timer()  # starts on creation
    fake_clock.now += 1.5
    assert timer.stop() == pytest.approx(1.5)
    timer.start()
    fake_clock.now += 2.0
    assert timer.stop() == pytest.approx(2.0)
    fake_clock.now += 5.0  # time between stop and start is not counted
    timer.start()
    fake_clock.now += 0.5
    timer.stop()
    assert timer.times == pytest.approx([1.5, 2.0, 0.5])
    assert timer.sum() == pytest.approx(4.0)
    assert timer.avg() == pytest.approx(4.0 / 3)
    assert timer.cumsum() == pytest.approx([1.5, 3.5, 4.0])


def test_timer_without_records():
    timer = d2lutil.Timer()
    assert timer.times == []
    assert timer.avg() == 0.0
    assert timer.sum() == 0
    assert timer.cumsum() == []


def test_timer_measures_real_time():
    timer = d2lutil.Timer()
    elapsed = timer.stop()
    assert 0 <= elapsed < 5


def test_accumulator_sums_numbers():
    acc = d2lutil.Accumulator(3)
    acc.add(1, 2.5, 3)
    acc.add(4, 0.5, True)
    assert [acc[0], acc[1], acc[2]] == [5.0, 3.0, 4.0]
    assert all(isinstance(acc[i], float) for i in range(3))


def test_accumulator_keeps_tensors_as_tensors_and_detaches():
    acc = d2lutil.Accumulator(2)
    w = torch.tensor(2.0, requires_grad=True)
    acc.add(w * 3, 10)
    acc.add(torch.tensor(1.5), torch.tensor(5))
    assert torch.is_tensor(acc.data[0])
    assert not acc.data[0].requires_grad
    assert acc[0] == pytest.approx(7.5)
    assert acc[1] == 15.0
    assert isinstance(acc[0], float)


def test_accumulator_reset():
    acc = d2lutil.Accumulator(2)
    acc.add(torch.tensor(3.0), 4)
    acc.reset()
    assert acc.data == [0.0, 0.0]
    assert acc[0] == 0.0 and acc[1] == 0.0


def test_accumulator_wrong_number_of_values():
    acc = d2lutil.Accumulator(2)
    with pytest.raises(ValueError, match=r"Accumulator.add expected 2 values, got 3"):
        acc.add(1, 2, 3)
    with pytest.raises(ValueError, match=r"expected 2 values, got 1"):
        acc.add(1)
    assert acc.data == [0.0, 0.0]  # a failed add changes nothing


@pytest.mark.parametrize("n", [0, -1])
def test_accumulator_needs_a_slot(n):
    with pytest.raises(ValueError, match=rf"n must be at least 1, got {n}"):
        d2lutil.Accumulator(n)


def test_accumulator_index_out_of_range():
    acc = d2lutil.Accumulator(1)
    with pytest.raises(IndexError):
        acc[1]


def test_accumulator_nan_is_reported_not_hidden():
    acc = d2lutil.Accumulator(1)
    acc.add(torch.tensor(float("nan")))
    assert math.isnan(acc[0])
