"""Tests for d2lutil.widgets.generation: greedy/temperature generation and its widget."""
import pytest
import torch
from torch import nn

import d2lutil as d2l
from d2lutil.widgets import generate, generation_explorer, next_char_probs


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    _, vocab = d2l.load_corpus_time_machine(max_tokens=100)
    net = d2l.RNNModel(nn.RNN(len(vocab), 16), len(vocab))
    return net, vocab


def test_greedy_is_deterministic_and_keeps_the_prefix(model):
    net, vocab = model
    a = generate(net, vocab, "Time Traveller", 20, temperature=0.0, seed=0)
    b = generate(net, vocab, "time traveller", 20, temperature=0.0, seed=5)
    assert a == b and a.startswith("time traveller") and len(a) == len("time traveller") + 20


def test_sampling_repeats_with_the_seed_and_varies_without(model):
    net, vocab = model
    s0 = generate(net, vocab, "the", 40, temperature=1.0, seed=0)
    assert s0 == generate(net, vocab, "the", 40, temperature=1.0, seed=0)
    others = {generate(net, vocab, "the", 40, temperature=1.0, seed=s) for s in range(1, 5)}
    assert others - {s0}


def test_next_char_probs_sum_and_temperature(model):
    net, vocab = model
    probs = next_char_probs(net, vocab, "the", temperature=1.0, k=len(vocab))
    assert sum(p for _, p in probs) == pytest.approx(1.0, abs=1e-5)
    assert [p for _, p in probs] == sorted((p for _, p in probs), reverse=True)
    cold = next_char_probs(net, vocab, "the", temperature=0.2, k=1)[0]
    hot = next_char_probs(net, vocab, "the", temperature=5.0, k=1)[0]
    assert cold[0] == probs[0][0] and cold[1] > probs[0][1] > hot[1]
    greedy = next_char_probs(net, vocab, "the", temperature=0.0, k=2)
    assert greedy[0] == (probs[0][0], 1.0) and greedy[1][1] == 0.0


def test_next_char_matches_greedy_generation(model):
    net, vocab = model
    top = next_char_probs(net, vocab, "time", temperature=0.0, k=1)[0][0]
    assert generate(net, vocab, "time", 1) == "time" + top


@pytest.mark.parametrize("kwargs, name", [(dict(prefix=""), "prefix"), (dict(prefix="time 2"), "prefix"),
                                          (dict(temperature=-1.0), "temperature"), (dict(k=0), "k")])
def test_bad_arguments(model, kwargs, name):
    net, vocab = model
    args = dict(prefix="the", temperature=1.0, k=3) | kwargs
    with pytest.raises(ValueError, match=name):
        next_char_probs(net, vocab, **args)


def test_widget_drives_generation(model):
    net, vocab = model
    w = generation_explorer(net, vocab)
    prefix, length, temperature, seed = w.children[:4]
    length.value = 10
    assert w.result == generate(net, vocab, "time traveller", 10)
    temperature.value, seed.value = 1.0, 3
    assert w.result == generate(net, vocab, "time traveller", 10, 1.0, 3)
    prefix.value = "Hello!"
    assert w.result.startswith("Cannot generate") and "prefix" in w.result
