"""The book's chapter 6-9 training runs (/work/shared/reference/book-results.md) as data.

Each entry builds the model with the book's settings and gives the 21-build spread the book
reached on a V100: the GPU tests compare a seed-0 run against it, and a CPU smoke test builds
every model at tiny sizes.
"""
from dataclasses import dataclass
from typing import Callable

from torch import nn

import d2lutil as d2l


@dataclass(frozen=True)
class ImageRun:
    build: Callable[[], nn.Module]
    batch_size: int
    resize: int | None
    lr: float
    acc_range: tuple[float, float]  # test accuracy over the book's 21 builds (NiN/DenseNet: above the collapse)
    book_examples_per_sec: float    # the book's printed V100 figure


@dataclass(frozen=True)
class TextRun:
    build: Callable[[int, str], nn.Module]  # (vocabulary size, device) -> model on that device
    lr: float
    ppl_range: tuple[float, float]    # training perplexity over the book's 21 builds
    book_tokens_per_sec: float


def _vgg_small() -> nn.Module:
    return d2l.vgg([(n, c // 4) for n, c in d2l.VGG11_ARCH])


IMAGE_RUNS = {
    "lenet": ImageRun(d2l.lenet, 256, None, 0.9, (0.779, 0.824), 55296.6),
    "alexnet": ImageRun(d2l.alexnet, 128, 224, 0.01, (0.866, 0.885), 3941.8),
    "vgg": ImageRun(_vgg_small, 128, 224, 0.05, (0.900, 0.924), 2463.7),
    "nin": ImageRun(d2l.nin, 128, 224, 0.1, (0.5, 0.879), 3087.6),
    "googlenet": ImageRun(d2l.googlenet, 128, 96, 0.1, (0.850, 0.899), 3265.5),
    "lenet_bn": ImageRun(d2l.lenet_bn, 256, None, 1.0, (0.708, 0.879), 50597.3),
    "resnet18": ImageRun(d2l.resnet18, 256, 96, 0.05, (0.838, 0.922), 5032.7),
    "densenet": ImageRun(d2l.densenet, 256, 96, 0.1, (0.5, 0.918), 5626.3),
}
NUM_EPOCHS_CNN, NUM_EPOCHS_RNN, BATCH_SIZE_RNN, NUM_STEPS = 10, 500, 32, 35


def _scratch(get_params, init_state, forward, num_hiddens):
    return lambda vocab_size, device: d2l.RNNModelScratch(vocab_size, num_hiddens, device, get_params,
                                                          init_state, forward)


def _concise(layer, **kwargs):
    return lambda vocab_size, device: d2l.RNNModel(layer(vocab_size, 256, **kwargs), vocab_size).to(device)


TEXT_RUNS = {
    "rnn_scratch": TextRun(_scratch(d2l.get_params, d2l.init_rnn_state, d2l.rnn, 512), 1, (1.0, 1.2), 67212.6),
    "rnn_concise": TextRun(_concise(nn.RNN), 1, (1.3, 1.4), 404413.8),
    "gru_scratch": TextRun(_scratch(d2l.get_gru_params, d2l.init_gru_state, d2l.gru, 256), 1, (1.0, 1.3), 19911.5),
    "gru_concise": TextRun(_concise(nn.GRU), 1, (1.0, 1.1), 109423.8),
    "lstm_scratch": TextRun(_scratch(d2l.get_lstm_params, d2l.init_lstm_state, d2l.lstm, 256), 1, (1.1, 1.4),
                            17736.0),
    "lstm_concise": TextRun(_concise(nn.LSTM), 1, (1.0, 1.2), 234815.0),
    "deep_lstm": TextRun(_concise(nn.LSTM, num_layers=2), 2, (1.0, 1.0), 186005.7),
    "bi_lstm": TextRun(_concise(nn.LSTM, num_layers=2, bidirectional=True), 1, (1.1, 1.1), 131129.2),
}
