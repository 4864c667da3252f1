"""Learning regression test for 9.4: on the masked-character task a bidirectional GRU, which sees
both sides of the gap, must clearly beat a one-directional GRU, which sees only the left side.

Measured (k=5, 64 hidden units, 20 000 training windows, 5 epochs of Adam, 5 000 held-out
windows): one-directional 0.44 held-out accuracy, bidirectional 0.65. The assertions leave room
for other seeds and library versions. About 15 s of CPU time on one core.
"""
import pytest
import torch

import d2lutil as d2l
from d2lutil.rnn import MaskedCharRNN, load_data_masked_chars

pytestmark = pytest.mark.usefixtures("one_thread")


def held_out_accuracy(bidirectional: bool) -> float:
    generator = d2l.set_seed(0)
    train_iter, test_iter, vocab = load_data_masked_chars(5, 128, 20000, 5000, generator)
    net = MaskedCharRNN(len(vocab), 64, bidirectional)
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
    loss = torch.nn.CrossEntropyLoss()
    for _ in range(5):
        for X, y in train_iter:
            optimizer.zero_grad()
            loss(net(X), y).backward()
            optimizer.step()
    return d2l.evaluate_accuracy_gpu(net, test_iter)


def test_bidirectional_beats_one_directional_on_masked_characters():
    uni, bi = held_out_accuracy(False), held_out_accuracy(True)
    most_frequent = 0.19                                    # share of spaces: always guessing ' '
    assert uni > most_frequent + 0.15, f"one-directional model learnt too little: {uni:.3f}"
    assert bi > uni + 0.12, f"bidirectional {bi:.3f} should clearly beat one-directional {uni:.3f}"
