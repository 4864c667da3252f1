"""Learning regression test: the from-scratch RNN of section 8.5 must actually learn.

An untrained model (or one whose updates do nothing) has a training perplexity of about 28,
the vocabulary size: it spreads its bets evenly. After 100 epochs on the first 10,000
characters of The Time Machine a working model is below 8 (measured: about 5.7, seed 0). The
bound sits between the two, so a broken forward pass, backward pass, state handling or update
fails the test. About 20-30 s on one core.
"""
import pytest
import torch
from torch import nn

import d2lutil as d2l

BOUND = 8.0
EPOCHS, HIDDENS, LR = 100, 256, 2.0


pytestmark = pytest.mark.usefixtures("one_thread")


def train(lr, num_epochs, seed=0):
    g = d2l.set_seed(seed)
    train_iter, vocab = d2l.load_data_time_machine(32, 35, generator=g)
    device = torch.device("cpu")
    net = d2l.RNNModelScratch(len(vocab), HIDDENS, device, d2l.get_params, d2l.init_rnn_state, d2l.rnn)
    updater = torch.optim.SGD(net.parameters(), lr=lr)
    loss = nn.CrossEntropyLoss()
    for _ in range(num_epochs):
        ppl, _ = d2l.train_epoch_ch8(net, train_iter, loss, updater, device, use_random_iter=False)
    return net, vocab, ppl


def test_untrained_model_cannot_reach_the_bound():
    _, vocab, ppl = train(lr=0.0, num_epochs=3)
    assert ppl > BOUND
    assert abs(ppl - len(vocab)) < 2, f"an untrained model should be near uniform (28), got {ppl:.2f}"


def test_scratch_rnn_learns_the_time_machine():
    net, vocab, ppl = train(lr=LR, num_epochs=EPOCHS)
    assert ppl < BOUND, f"training perplexity {ppl:.2f} after {EPOCHS} epochs, expected < {BOUND}"
    prefix = "time traveller"
    text = d2l.predict_ch8(prefix, 30, net, vocab, torch.device("cpu"))
    continuation = text[len(prefix):]
    assert text.startswith(prefix) and len(continuation) == 30
    assert len(set(continuation)) >= 4, f"degenerate continuation {continuation!r}"
    assert " " in continuation, f"a trained model separates words: {continuation!r}"
