"""Bad input gets a clear error: each row is a mistake a learner makes, the exception it raises and
the words of its message that name the argument, what was expected, or the fix.
"""
import math

import numpy as np
import pytest
import torch
from torch import nn

import d2lutil as d2l
from d2lutil import datasets

# ---- models, training, recurrent networks, profiles, devices (d2lutil's model-side modules) ----

CPU = torch.device("cpu")
load_fm = d2l.load_data_fashion_mnist


def images(n=8, size=28, labels=None):
    """One batch of n random images with labels 0..9 (or the given labels)."""
    y = torch.arange(n) % 10 if labels is None else torch.tensor(labels)
    return [(torch.rand(n, 1, size, size), y)]


def tiny_classifier():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 10))


def train6(**changes):
    """train_ch6 on one random batch, with some arguments changed."""
    args = dict(net=tiny_classifier(), train_iter=images(), test_iter=images(), num_epochs=1, lr=0.1,
                device=CPU, verbose=False)
    args.update(changes)
    return lambda: d2l.train_ch6(**args)


def vocab28():
    return d2l.load_corpus_time_machine(max_tokens=2000)[1]


def rnn_lm(vocab_size=28):
    return d2l.RNNModel(nn.RNN(vocab_size, 8), vocab_size)


def train8(net=None, **changes):
    """train_ch8 on a few batches of The Time Machine, with some arguments changed."""
    corpus, vocab = d2l.load_corpus_time_machine(max_tokens=2000)
    args = dict(net=net or rnn_lm(), train_iter=d2l.SeqDataLoader(corpus, 4, 10), vocab=vocab, lr=1,
                num_epochs=1, device=CPU, verbose=False)
    args.update(changes)
    return lambda: d2l.train_ch8(**args)


def tokens(*ids):
    return torch.tensor([list(ids)])


MODEL_ERRORS = [
    # training loops
    ("train_ch6 lr=0", train6(lr=0), ValueError, r"lr must be greater than 0, got 0"),
    ("train_ch6 lr=nan", train6(lr=math.nan), ValueError, r"lr must be a finite number, got nan"),
    ("train_ch6 1.5 epochs", train6(num_epochs=1.5), TypeError, r"num_epochs must be an integer, got 1.5"),
    ("train_ch6 empty data", train6(train_iter=[]), ValueError, r"train_iter is empty"),
    ("train_ch6 init=True", train6(init=True), TypeError, r"use init='xavier' instead of True"),
    ("train_ch6 init name", train6(init="he"), ValueError,
     r"init must be one of 'xavier', 'kaiming', None, got 'he'"),
    ("train_ch6 label 12", train6(train_iter=images(3, labels=[0, 12, 3])), ValueError,
     r"labels y holds class labels outside 0\.\.9: found values from 0 to 12"),
    ("train_ch6 all-nan batch", train6(train_iter=[(torch.full((4, 1, 28, 28), math.nan), torch.arange(4))]),
     FloatingPointError, r"loss became nan in epoch 1, batch 1 \(lr=0\.1\).*smaller learning rate"),
    ("init_cnn kind", lambda: d2l.init_cnn(tiny_classifier(), "he"), ValueError,
     r"kind must be one of 'xavier', 'kaiming', got 'he'"),
    ("train_ch8 lr=0", train8(lr=0), ValueError, r"lr must be greater than 0, got 0"),
    ("train_ch8 1.5 epochs", train8(num_epochs=1.5), TypeError, r"num_epochs must be an integer, got 1.5"),
    ("train_ch8 wrong vocabulary", train8(net=rnn_lm(20)), ValueError,
     r"the model has vocab_size=20 but vocab has 28 tokens"),
    ("grad_clipping theta=-1", lambda: d2l.grad_clipping(rnn_lm(), -1), ValueError,
     r"theta must be greater than 0, got -1"),
    # recurrent models and text generation
    ("RNNModel float input", lambda: rnn_lm()(torch.rand(1, 5), None), TypeError,
     r"X must hold integer ids, got dtype torch.float32"),
    ("RNNModel token 40 of 28", lambda: rnn_lm()(tokens(1, 40), None), ValueError,
     r"X holds token ids outside 0\.\.27: found values from 1 to 40"),
    ("RNNModel input size", lambda: d2l.RNNModel(nn.RNN(10, 16), 28), ValueError,
     r"rnn_layer has input_size=10 but vocab_size=28.*input_size=vocab_size"),
    ("predict_ch8 unknown characters", lambda: d2l.predict_ch8("Time!?", 5, rnn_lm(), vocab28(), CPU), ValueError,
     r"prefix 'Time!\?' holds characters the vocabulary does not have: \['!', '\?', 'T'\] \(try prefix\.lower"),
    ("predict_ch8 temperature nan", lambda: d2l.predict_ch8("time", 5, rnn_lm(), vocab28(), CPU, math.nan),
     ValueError, r"temperature must be a finite number, got nan"),
    ("predict_ch8 wrong vocabulary", lambda: d2l.predict_ch8("time", 5, rnn_lm(30), vocab28(), CPU), ValueError,
     r"the model has vocab_size=30 but vocab has 28 tokens"),
    # profiles and devices
    ("by_profile non-dict", lambda: d2l.by_profile(smoke=[1], cpu={}, full={}), TypeError,
     r"by_profile: smoke must be a dict of settings"),
    ("set_seed('abc')", lambda: d2l.set_seed("abc"), TypeError, r"seed must be an integer, got 'abc' \(str\)"),
    ("try_gpu(-1)", lambda: d2l.try_gpu(-1), ValueError, r"i must be at least 0, got -1"),
    # convolution arithmetic
    ("corr2d numpy", lambda: d2l.corr2d(np.ones((3, 3)), torch.ones(2, 2)), TypeError,
     r"X must be a torch\.Tensor, got ndarray \(convert it with torch\.tensor"),
    ("receptive_field [(3,)]", lambda: d2l.receptive_field([(3,)]), ValueError,
     r"each entry of layers must be a \(kernel_size, stride\) pair, got \(3,\)"),
    # networks check their input before the first layer
    ("lenet on 32x32", lambda: d2l.lenet()(torch.rand(2, 1, 32, 32)), ValueError,
     r"LeNet was built for 28x28 images, got 32x32: resize them"),
    ("lenet without batch", lambda: d2l.lenet()(torch.rand(1, 28, 28)), ValueError,
     r"add the batch dimension with X\.unsqueeze\(0\)"),
    ("lenet on uint8 images", lambda: d2l.lenet()(torch.zeros(2, 1, 28, 28, dtype=torch.uint8)), TypeError,
     r"X must hold floating-point values, got dtype torch\.uint8"),
    ("resnet18 on one 8x8 image", lambda: d2l.resnet18((4, 4, 4, 4))(torch.rand(1, 1, 8, 8)), ValueError,
     r"ResNet-18 shrinks a 8x8 image to 1x1 .*use batches of at least 2 images \(got 1\)"),
    ("densenet on 28 px", lambda: d2l.densenet(8, 4)(torch.rand(2, 1, 28, 28)), ValueError,
     r"DenseNet needs images of at least 29x29 pixels, got 28x28"),
    ("nin on 28 px", lambda: d2l.nin(0.125)(torch.rand(2, 1, 28, 28)), ValueError,
     r"NiN needs images of at least 67x67 pixels, got 28x28"),
    ("alexnet at another size", lambda: d2l.alexnet(0.125, 68)(torch.rand(2, 1, 96, 96)), ValueError,
     r"AlexNet was built for 68x68 images, got 96x96"),
    ("googlenet on 3 channels", lambda: d2l.googlenet(0.125)(torch.rand(2, 3, 96, 96)), ValueError,
     r"GoogLeNet expects images shaped \(batch, 1, height, width\), got shape \(2, 3, 96, 96\)"),
]


@pytest.mark.parametrize("call, error, message", [row[1:] for row in MODEL_ERRORS],
                         ids=[row[0] for row in MODEL_ERRORS])
def test_model_side_errors_name_the_problem(call, error, message):
    torch.manual_seed(0)
    with pytest.raises(error, match=message):
        call()


# ---- data files, Fashion-MNIST, text (d2lutil's data-side modules) ----

VOCAB = d2l.Vocab(d2l.tokenize(["abc d"], "char"))  # 6 tokens: <unk>, then the characters


@pytest.fixture
def small_fashion(monkeypatch):
    """load_data_fashion_mnist on 100 fake images, so the table does not read 70,000."""
    fake = (torch.zeros(100, 1, 28, 28, dtype=torch.uint8), torch.zeros(100, dtype=torch.long))
    monkeypatch.setattr(datasets, "read_fashion_mnist", lambda split, download=False: fake)


BAD_INPUTS = [  # (id, call, exception, words the message must contain)
    ("bool-batch-size", lambda: load_fm(True), TypeError, "batch_size must be an integer, got True"),
    ("resize-zero", lambda: load_fm(32, resize=0), ValueError, "resize must be at least 1, got (0, 0)"),
    ("resize-negative", lambda: load_fm(32, resize=(28, -3)), ValueError, "got (28, -3)"),
    ("resize-str", lambda: load_fm(32, resize="64"), TypeError, "resize must be an int or a pair of ints, got '64'"),
    ("resize-bool", lambda: load_fm(32, resize=True), TypeError, "resize must be an int or a pair of ints, got True"),
    ("num-train-float", lambda: load_fm(32, num_train=10.5), TypeError, "num_train must be an integer"),
    ("label-negative", lambda: d2l.get_fashion_mnist_labels([-1]), ValueError, "labels holds class ids outside 0..9"),
    ("label-ten", lambda: d2l.get_fashion_mnist_labels([10]), ValueError, "found values from 10 to 10"),
    ("label-bare-int", lambda: d2l.get_fashion_mnist_labels(3), TypeError, "wrap one id in a list: [3]"),
    ("label-float", lambda: d2l.get_fashion_mnist_labels([1.5]), TypeError,
     "labels must be a list or tensor of integer class ids 0..9, got [1.5]"),
    ("tokenize-str", lambda: d2l.tokenize("hello world"), TypeError, "got one str of 11 characters; wrap it in a list"),
    ("tokenize-none", lambda: d2l.tokenize(None), TypeError, "lines must be a list of strings"),
    ("reserved-str", lambda: d2l.Vocab(reserved_tokens="<pad>"), TypeError, "write reserved_tokens=['<pad>']"),
    ("vocab-str", lambda: d2l.Vocab("hello"), TypeError, "tokens must be a list of tokens"),
    ("to-tokens-negative", lambda: VOCAB.to_tokens(-1), ValueError, "indices holds token ids outside 0..5"),
    ("to-tokens-too-big", lambda: VOCAB.to_tokens(999), ValueError, "found values from 999 to 999"),
    ("to-tokens-float", lambda: VOCAB.to_tokens([1.0]), TypeError,
     "indices must hold integer token ids, got dtype torch.float32"),
    ("max-tokens-zero", lambda: d2l.load_corpus_time_machine(max_tokens=0), ValueError,
     "max_tokens must be a positive number of tokens, or None (or -1, as in the book)"),
    ("max-tokens-negative", lambda: d2l.load_data_time_machine(2, 5, max_tokens=-5), ValueError, "got -5"),
    ("corpus-of-str", lambda: d2l.seq_data_iter_random(list("abcdefgh"), 1, 2), TypeError,
     "corpus must hold integer token ids, got ['a', 'b', 'c', 'd', 'e', 'f', ...]; turn tokens into ids"),
    ("corpus-nan", lambda: d2l.seq_data_iter_sequential([1.0, float("nan"), 2.0, 3.0], 1, 1), TypeError,
     "corpus must hold integer token ids, got dtype torch.float32"),
    ("corpus-negative-id", lambda: d2l.SeqDataLoader([3, -1, 2, 5, 6], 1, 2), ValueError,
     "corpus holds negative token ids (smallest -1)"),
    ("seq-bool-num-steps", lambda: d2l.seq_data_iter_sequential(list(range(50)), 2, True), TypeError,
     "num_steps must be an integer, got True"),
    ("fixed-order-random", lambda: d2l.SeqDataLoader(list(range(50)), 2, 5, use_random_iter=True, fixed_order=True),
     ValueError, "fixed_order=True needs sequential sampling"),
]


@pytest.mark.usefixtures("small_fashion")
@pytest.mark.parametrize("call, error, words", [row[1:] for row in BAD_INPUTS], ids=[row[0] for row in BAD_INPUTS])
def test_bad_input_gets_a_clear_error(call, error, words):
    with pytest.raises(error) as err:
        call()  # no next(): iterators check their arguments when they are made
    assert words in str(err.value)
