"""Unit tests for d2lutil.cnn.conv2d_cost: a conv layer's cost from its shapes (section 6.4)."""
import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from d2lutil.cnn import conv2d_cost


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
