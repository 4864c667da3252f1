"""Unit tests for d2lutil.widgets.gates: the gate-heatmap explorer of sections 9.1 and 9.2."""
import matplotlib.pyplot as plt
import pytest
import torch
from torch import nn

import d2lutil
from d2lutil.rnn import gate_activations
from d2lutil.widgets.gates import MAX_CHARS, check_passage, gate_explorer, gate_summary


@pytest.fixture(scope="module")
def vocab():
    return d2lutil.load_corpus_time_machine(max_tokens=10)[1]


@pytest.fixture(scope="module")
def lstm_net(vocab):
    torch.manual_seed(0)
    return d2lutil.RNNModel(nn.LSTM(len(vocab), 8), len(vocab))


def test_check_passage(vocab):
    assert check_passage("The Time", vocab) == "the time"
    with pytest.raises(ValueError, match="at least one"):
        check_passage("   ", vocab)
    with pytest.raises(ValueError, match="at most"):
        check_passage("a" * (MAX_CHARS + 1), vocab)
    with pytest.raises(ValueError, match=r"\['!', '1'\]"):
        check_passage("hi 1!", vocab)


def test_gate_summary_finds_extremes():
    gates = {"update": torch.tensor([[0.2, 0.4], [0.9, 0.9], [0.1, 0.1]])}
    text = gate_summary(gates, "abc", "update")
    assert "mean 0.433" in text
    assert "most open at position 1 ('b', 0.900)" in text
    assert "most closed at position 2 ('c', 0.100)" in text
    with pytest.raises(ValueError, match="name must be one of"):
        gate_summary(gates, "abc", "forget")


def test_explorer_shows_each_lstm_gate(vocab, lstm_net):
    w = gate_explorer(lstm_net, vocab, text="abc")
    text_box, gate, units = w.children[:3]
    assert list(gate.options) == ["input", "forget", "output"] and units.max == 8
    expected = gate_summary(gate_activations(lstm_net, "abc", vocab), "abc", "input")
    assert w.result == expected
    gate.value = "forget"
    assert w.result.startswith("forget gate over 3 characters")
    text_box.value = "the time"
    assert "over 8 characters" in w.result
    plt.close("all")


def test_explorer_reports_bad_text(vocab, lstm_net):
    w = gate_explorer(lstm_net, vocab)
    w.children[0].value = "hello, world"
    assert w.result.startswith("Cannot show the gates") and "','" in w.result
    w.children[0].value = ""
    assert "at least one character" in w.result
    plt.close("all")


def test_explorer_for_gru(vocab):
    net = d2lutil.RNNModel(nn.GRU(len(vocab), 4), len(vocab))
    w = gate_explorer(net, vocab, text="time")
    assert list(w.children[1].options) == ["update", "reset"]
    w.children[2].value = 2
    assert w.result.startswith("update gate over 4 characters")
    plt.close("all")


def test_explorer_rejects_plain_rnn(vocab):
    with pytest.raises(ValueError, match="net must be"):
        gate_explorer(d2lutil.RNNModel(nn.RNN(len(vocab), 4), len(vocab)), vocab)
