"""Learning regression tests for chapter 7.5-7.6: BN-LeNet and a narrow ResNet-18 must learn.

Both are trained with ``d2l.train_ch6`` -- the loop the notebooks use -- on the first 6,000
Fashion-MNIST training images (28 x 28, minibatch 64) and scored on the first 2,000 test images:

* BN-LeNet (``lenet_bn``, the book's 7.5 network): plain SGD, lr 0.3 (as in the notebook's cpu profile), 2 epochs.
* ResNet-18 with stage widths 8, 16, 32, 64 (``resnet18``): SGD with momentum 0.9, lr 0.05, 2 epochs.

Measured (torch 2.14 CPU, one thread, seed 0; the four tests took 13 s on the 2-core machine at
load ~5 and 55 s at load ~17): test accuracy 0.759 (BN-LeNet) and 0.768
(ResNet); the same runs with lr = 0 (one epoch, no update) score 0.152 and 0.090 (chance: 0.1).
The bound MIN_TEST_ACC = 0.6 is well below what a correct loop reaches and far above chance; the
second test checks that the bound really separates a learning loop from one that does not learn.
"""
import pytest
import torch

import d2lutil as d2l
from d2lutil.convnets import lenet_bn, resnet18

MIN_TEST_ACC = 0.6
MAX_CHANCE_ACC = 0.25

SETTINGS = {
    "lenet_bn": dict(build=lenet_bn, lr=0.3, momentum=0.0),
    "resnet18_narrow": dict(build=lambda: resnet18((8, 16, 32, 64)), lr=0.05, momentum=0.9),
}


pytestmark = pytest.mark.usefixtures("one_thread")


def short_run(name: str, lr_scale: float = 1.0, num_epochs: int = 2) -> dict:
    setting = SETTINGS[name]
    gen = d2l.set_seed(0)
    train_iter, _ = d2l.load_data_fashion_mnist(64, num_train=6000, generator=gen)
    test_x, test_y = d2l.read_fashion_mnist("test")
    test_iter = d2l.ImageBatches(test_x[:2000], test_y[:2000], 500)
    net = setting["build"]()
    lr = setting["lr"] * lr_scale
    optimizer = torch.optim.SGD(net.parameters(), lr=lr, momentum=setting["momentum"])
    return d2l.train_ch6(net, train_iter, test_iter, num_epochs, lr, torch.device("cpu"), optimizer=optimizer)


@pytest.mark.parametrize("name", SETTINGS)
def test_short_run_learns(name):
    result = short_run(name)
    assert result["test_acc"] >= MIN_TEST_ACC, result
    assert result["train_loss"] < 1.2, result  # the loss starts near ln(10) = 2.30


@pytest.mark.parametrize("name", SETTINGS)
def test_run_that_cannot_learn_stays_near_chance(name):
    result = short_run(name, lr_scale=0.0, num_epochs=1)  # no updates: the bound above must reject it
    assert result["test_acc"] <= MAX_CHANCE_ACC, result
    assert result["train_loss"] > 2.0, result
