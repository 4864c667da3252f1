"""Unit tests for d2lutil.models: the book's LeNet and the modernised LeNet."""
import pytest
import torch
from torch import nn

from d2lutil.models import lenet, lenet_modern

# The book's shape walk for a (1, 1, 28, 28) input (section 6.6).
EXPECTED_SHAPES = [(1, 6, 28, 28), (1, 6, 28, 28), (1, 6, 14, 14), (1, 16, 10, 10), (1, 16, 10, 10),
                   (1, 16, 5, 5), (1, 400), (1, 120), (1, 120), (1, 84), (1, 84), (1, 10)]


@pytest.mark.parametrize("build", [lenet, lenet_modern])
def test_layer_by_layer_shapes(build):
    X = torch.rand(1, 1, 28, 28)
    shapes = []
    for layer in build():
        X = layer(X)
        shapes.append(tuple(X.shape))
    assert shapes == EXPECTED_SHAPES


@pytest.mark.parametrize("build", [lenet, lenet_modern])
def test_parameter_count(build):
    # conv1 6*25+6, conv2 16*6*25+16, fc 400*120+120, 120*84+84, 84*10+10
    expected = 156 + 2416 + 48120 + 10164 + 850
    assert sum(p.numel() for p in build().parameters()) == expected == 61706


def test_book_lenet_uses_sigmoid_and_average_pooling():
    kinds = {type(m) for m in lenet()}
    assert nn.Sigmoid in kinds and nn.AvgPool2d in kinds
    assert nn.ReLU not in kinds and nn.MaxPool2d not in kinds


def test_modern_lenet_uses_relu_and_max_pooling():
    kinds = {type(m) for m in lenet_modern()}
    assert nn.ReLU in kinds and nn.MaxPool2d in kinds
    assert nn.Sigmoid not in kinds and nn.AvgPool2d not in kinds


def test_each_call_builds_fresh_weights():
    a, b = lenet(), lenet()
    assert a[0].weight is not b[0].weight
    assert not torch.equal(a[0].weight, b[0].weight)


@pytest.mark.parametrize("build", [lenet, lenet_modern])
def test_batch_of_images_gives_ten_scores_each(build):
    assert build()(torch.rand(5, 1, 28, 28)).shape == (5, 10)


def test_wrong_input_size_fails_before_the_first_layer():
    # without the check the flatten would give 576 features, not 400, deep inside the network
    with pytest.raises(ValueError, match=r"LeNet was built for 28x28 images, got 32x32: resize them"):
        lenet()(torch.rand(1, 1, 32, 32))
