"""Unit tests for d2lutil.conv: corr2d, conv_output_shape, receptive_field and conv2d_cost."""
import itertools
import re

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import d2lutil
from d2lutil.conv import conv2d_cost

# ---- corr2d ----

def test_corr2d_book_example():
    X = torch.arange(9.0).reshape(3, 3)
    K = torch.arange(4.0).reshape(2, 2)
    assert torch.equal(d2lutil.corr2d(X, K), torch.tensor([[19.0, 25.0], [37.0, 43.0]]))


def test_corr2d_integer_inputs_keep_integer_dtype():
    Y = d2lutil.corr2d(torch.arange(9).reshape(3, 3), torch.arange(4).reshape(2, 2))
    assert Y.dtype == torch.int64
    assert Y.tolist() == [[19, 25], [37, 43]]


@pytest.mark.parametrize("x_shape, k_shape", [((7, 9), (3, 2)), ((5, 5), (5, 5)), ((4, 6), (1, 1)),
                                              ((6, 8), (1, 2))])
def test_corr2d_matches_conv2d(x_shape, k_shape):
    g = torch.Generator().manual_seed(0)
    X = torch.randn(x_shape, generator=g, dtype=torch.float64)
    K = torch.randn(k_shape, generator=g, dtype=torch.float64)
    expected = F.conv2d(X[None, None], K[None, None])[0, 0]
    Y = d2lutil.corr2d(X, K)
    assert Y.shape == expected.shape
    assert torch.allclose(Y, expected)


def test_corr2d_edge_detector_from_the_book():
    X = torch.ones((6, 8))
    X[:, 2:6] = 0
    Y = d2lutil.corr2d(X, torch.tensor([[1.0, -1.0]]))
    expected = torch.zeros(6, 7)
    expected[:, 1], expected[:, 5] = 1, -1
    assert torch.equal(Y, expected)
    assert torch.equal(d2lutil.corr2d(X.t(), torch.tensor([[1.0, -1.0]])), torch.zeros(8, 5))


def test_corr2d_is_differentiable_in_the_kernel():
    X = torch.arange(9.0).reshape(3, 3)
    K = torch.ones(2, 2, requires_grad=True)
    d2lutil.corr2d(X, K).sum().backward()
    # dY/dK[a, b] summed over outputs = sum of the windows' entries at (a, b)
    assert torch.equal(K.grad, torch.tensor([[0 + 1 + 3 + 4, 1 + 2 + 4 + 5], [3 + 4 + 6 + 7, 4 + 5 + 7 + 8.0]]))


@pytest.mark.parametrize("X, K", [(torch.ones(3), torch.ones(2, 2)), (torch.ones(3, 3), torch.ones(2)),
                                  (torch.ones(1, 3, 3), torch.ones(2, 2))])
def test_corr2d_rejects_non_2d(X, K):
    with pytest.raises(ValueError, match=r"(X|K) must have 2 dimensions, got shape"):
        d2lutil.corr2d(X, K)


@pytest.mark.parametrize("K", [torch.ones(4, 4), torch.ones(4, 1), torch.ones(1, 4)])
def test_corr2d_rejects_kernel_larger_than_input(K):
    message = f"kernel_size {tuple(K.shape)} is larger than the padded input (3, 3)"
    with pytest.raises(ValueError, match=re.escape(message)):
        d2lutil.corr2d(torch.ones(3, 3), K)


# ---- conv_output_shape ----

@pytest.mark.parametrize("n, k, p, s", [
    (n, k, p, s) for n, k, p, s in itertools.product([1, 5, 8], [1, 2, 3, 5], [0, 1, 2], [1, 2, 3])
    if k <= n + 2 * p])
def test_conv_output_shape_matches_nn_conv2d(n, k, p, s):
    conv = nn.Conv2d(1, 1, kernel_size=k, padding=p, stride=s, bias=False)
    with torch.no_grad():
        expected = tuple(conv(torch.zeros(1, 1, n, n)).shape[2:])
    assert d2lutil.conv_output_shape(n, k, p, s) == expected


def test_conv_output_shape_rectangular_pairs():
    conv = nn.Conv2d(1, 1, kernel_size=(5, 3), padding=(2, 0), stride=(3, 4))
    with torch.no_grad():
        expected = tuple(conv(torch.zeros(1, 1, 11, 13)).shape[2:])
    assert d2lutil.conv_output_shape((11, 13), (5, 3), (2, 0), (3, 4)) == expected == (4, 3)
    assert d2lutil.conv_output_shape([11, 13], [5, 3], [2, 0], [3, 4]) == (4, 3)
    assert d2lutil.conv_output_shape(torch.Size([28, 28]), 5, 2) == (28, 28)


def test_conv_output_shape_pooling_in_lenet():
    assert d2lutil.conv_output_shape(28, 5, 2) == (28, 28)
    assert d2lutil.conv_output_shape(28, 2, 0, 2) == (14, 14)
    assert d2lutil.conv_output_shape(14, 5) == (10, 10)
    assert d2lutil.conv_output_shape(10, 2, 0, 2) == (5, 5)


@pytest.mark.parametrize("stride", [0, -1, (1, 0)])
def test_conv_output_shape_bad_stride(stride):
    with pytest.raises(ValueError, match=r"stride must be at least 1"):
        d2lutil.conv_output_shape(5, 3, stride=stride)


@pytest.mark.parametrize("padding", [-1, (0, -2)])
def test_conv_output_shape_negative_padding(padding):
    with pytest.raises(ValueError, match=r"padding must be non-negative"):
        d2lutil.conv_output_shape(5, 3, padding=padding)


def test_conv_output_shape_kernel_larger_than_padded_input():
    with pytest.raises(ValueError, match=r"kernel_size \(6, 6\) is larger than the padded input \(5, 5\)"):
        d2lutil.conv_output_shape(3, 6, padding=1)
    assert d2lutil.conv_output_shape(3, 5, padding=1) == (1, 1)  # exactly fits


@pytest.mark.parametrize("n, k, message", [(0, 3, r"input_size must be at least 1, got \(0, 0\)"),
                                            (5, 0, r"kernel_size must be at least 1, got \(0, 0\)"),
                                            ((5, -1), 1, r"input_size must be at least 1, got \(5, -1\)")])
def test_conv_output_shape_non_positive_sizes(n, k, message):
    with pytest.raises(ValueError, match=message):
        d2lutil.conv_output_shape(n, k)


@pytest.mark.parametrize("kwargs, name", [
    (dict(input_size=(5, 5, 5), kernel_size=3), "input_size"),
    (dict(input_size=5, kernel_size=(3,)), "kernel_size"),
    (dict(input_size=5, kernel_size=3, padding=(1.0, 1)), "padding"),
    (dict(input_size=5, kernel_size=3, stride="22"), "stride"),
])
def test_conv_output_shape_bad_types_name_the_argument(kwargs, name):
    with pytest.raises(TypeError, match=rf"{name} must be an int or a pair of ints"):
        d2lutil.conv_output_shape(**kwargs)


def test_conv_output_shape_float_size_names_the_argument():
    with pytest.raises(TypeError, match=r"input_size must be an int or a pair of ints"):
        d2lutil.conv_output_shape(5.0, 3)


def test_conv_output_shape_accepts_numpy_ints():
    import numpy as np
    assert d2lutil.conv_output_shape(np.int64(5), 3, padding=np.int64(1)) == (5, 5)


# ---- receptive_field ----

def brute_force_receptive_field(layers, size=64):
    """Width of the input region that influences the centre output, found with autograd."""
    x = torch.zeros(1, 1, size, size, requires_grad=True)
    y = x
    for k, s in layers:
        conv = nn.Conv2d(1, 1, k, stride=s, bias=False)
        nn.init.ones_(conv.weight)
        y = conv(y)
    h, w = y.shape[2:]
    y[0, 0, h // 2, w // 2].backward()
    rows = torch.nonzero(x.grad[0, 0].abs().sum(dim=1))
    return int(rows.max() - rows.min() + 1)


@pytest.mark.parametrize("layers", [[(3, 1)], [(3, 1), (3, 1)], [(2, 2), (2, 2)],
                                    [(5, 1), (2, 2), (5, 1), (2, 2)], [(7, 2), (3, 2), (3, 1)],
                                    [(1, 1)]])
def test_receptive_field_matches_autograd(layers):
    assert d2lutil.receptive_field(layers) == brute_force_receptive_field(layers)


def test_receptive_field_known_values():
    assert d2lutil.receptive_field([]) == 1
    assert d2lutil.receptive_field([(3, 1)] * 3) == 7
    assert d2lutil.receptive_field([(5, 1), (2, 2), (5, 1), (2, 2)]) == 16  # LeNet


@pytest.mark.parametrize("layer", [(0, 1), (3, 0), (-1, 2)])
def test_receptive_field_rejects_bad_layers(layer):
    with pytest.raises(ValueError, match=r"(kernel_size|stride) must be at least 1, got -?\d"):
        d2lutil.receptive_field([(3, 1), layer])


# ---- conv2d_cost: a conv layer's cost from its shapes (6.4) ----

def measured_flops(layer, x, backward=False):
    with FlopCounterMode(display=False) as counter:
        y = layer(x)
        if backward:
            y.sum().backward()
    return counter.get_total_flops()


@pytest.mark.parametrize("c_i, c_o, n, k, p, s, b", [(3, 8, (10, 12), 3, 1, 1, 2), (4, 2, 9, (3, 5), (0, 1), (3, 4), 1),
                                                     (2, 6, 7, 1, 0, 2, 3), (1, 1, 5, 5, 0, 1, 1)])
def test_matches_layer_and_flop_counter(c_i, c_o, n, k, p, s, b):
    cost = conv2d_cost(c_i, c_o, n, k, p, s, batch_size=b)
    layer = nn.Conv2d(c_i, c_o, k, stride=s, padding=p)
    n_h, n_w = (n, n) if isinstance(n, int) else n
    x = torch.randn(b, c_i, n_h, n_w, requires_grad=True)
    y = layer(x)
    assert cost["output_shape"] == tuple(y.shape)
    assert cost["params"] == sum(q.numel() for q in layer.parameters())
    assert cost["input_numel"] == x.numel() and cost["output_numel"] == y.numel()
    # FlopCounterMode counts a convolution as 2 FLOPs per multiply-add, bias not counted ...
    assert measured_flops(layer, x) == 2 * cost["macs"]
    # ... and its backward as two convolutions of the same size (grad of input, grad of weight).
    assert measured_flops(layer, x, backward=True) == 3 * 2 * cost["macs"]


def test_macs_by_hand():
    cost = conv2d_cost(64, 128, 56, 3, padding=1, bias=False)
    assert cost["macs"] == 128 * 56 * 56 * 64 * 3 * 3
    assert cost["params"] == 128 * 64 * 9


@pytest.mark.parametrize("kwargs, word", [(dict(in_channels=0), "in_channels"),
                                          (dict(out_channels=-2), "out_channels"),
                                          (dict(batch_size=1.5), "batch_size"),
                                          (dict(stride=0), "stride"),
                                          (dict(kernel_size=9), "larger than the padded input")])
def test_bad_input_names_the_argument(kwargs, word):
    args = dict(in_channels=3, out_channels=4, input_size=6, kernel_size=3)
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=word):
        conv2d_cost(**args)
