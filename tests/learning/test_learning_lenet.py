"""Learning regression test: a short LeNet run must learn, and a run that cannot learn must not pass.

The modern LeNet (ReLU, max pooling) is trained with ``d2l.train_ch6`` -- the loop the notebooks
use -- on the first 10,000 Fashion-MNIST training images for 4 epochs (minibatch 64, lr 0.1)
and scored on the first 2,000 test images. Measured with seeds 0, 1, 2 (torch 2.14 CPU, one
thread): test accuracy 0.803, 0.729, 0.806; with lr = 0 the same run scores 0.100, 0.100, 0.055
(chance is 0.1). The bound 0.6 is well below what a correct loop reaches and far above chance,
so a loop that does not update, updates the wrong way, or mixes up labels fails it.
Each run takes about 10-15 s on a 2-core CPU.
"""
import pytest
import torch

import d2lutil as d2l
from d2lutil.convnets import lenet_modern

MIN_TEST_ACC = 0.6
MAX_CHANCE_ACC = 0.2


pytestmark = pytest.mark.usefixtures("one_thread")


def short_run(lr: float) -> dict:
    gen = d2l.set_seed(0)
    train_iter, _ = d2l.load_data_fashion_mnist(64, num_train=10_000, generator=gen)
    test_x, test_y = d2l.read_fashion_mnist("test")
    test_iter = d2l.ImageBatches(test_x[:2000], test_y[:2000], 500)
    net = lenet_modern()
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)  # lr 0 (a run that cannot learn) needs its own optimizer
    return d2l.train_ch6(net, train_iter, test_iter, 4, lr, torch.device("cpu"), optimizer=optimizer)


def test_short_lenet_run_learns():
    result = short_run(lr=0.1)
    assert result["test_acc"] >= MIN_TEST_ACC, result
    assert result["train_loss"] < 1.0, result  # the loss starts at ln(10) = 2.30


def test_run_that_cannot_learn_stays_near_chance():
    result = short_run(lr=0.0)  # same run, no updates: the bound above must reject it
    assert result["test_acc"] <= MAX_CHANCE_ACC, result
    assert result["train_loss"] > 2.0, result
