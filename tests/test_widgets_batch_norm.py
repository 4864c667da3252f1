"""Unit tests for d2lutil.widgets.batch_norm: normalize_batch and the batch-norm explorer."""
import matplotlib.pyplot as plt
import pytest
import torch
from torch import nn

from d2lutil.widgets.batch_norm import batch_norm_explorer, draw_batch_norm, normalize_batch


def test_training_mode_matches_nn_batchnorm1d():
    x = torch.randn(8, generator=torch.Generator().manual_seed(0)) * 3 + 1
    y, mean, var = normalize_batch(x)
    expected = nn.BatchNorm1d(1)(x[:, None])[:, 0]
    assert torch.allclose(y, expected, atol=1e-5)
    assert mean == pytest.approx(x.mean().item()) and var == pytest.approx(x.var(unbiased=False).item())


def test_eval_mode_uses_the_given_statistics():
    y, mean, var = normalize_batch(torch.tensor([1.0, 3.0, 5.0]), mean=1.0, var=4.0, eps=0.0)
    assert y.tolist() == [0.0, 1.0, 2.0] and (mean, var) == (1.0, 4.0)


@pytest.mark.parametrize("kwargs, message", [
    (dict(x=torch.zeros(1)), "x must be a 1-D batch of at least 2 values"),
    (dict(x=torch.zeros(2, 2)), "x must be a 1-D batch of at least 2 values"),
    (dict(x=torch.zeros(3), mean=0.0), "mean and var must be given together"),
    (dict(x=torch.zeros(3), mean=0.0, var=-1.0), "var must be non-negative"),
])
def test_bad_input_names_the_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        normalize_batch(**kwargs)


def test_draw_has_two_panels_with_one_bar_per_example():
    fig = draw_batch_norm(torch.arange(5.0), torch.zeros(5), moved=2)
    assert len(fig.axes) == 2 and all(len(ax.patches) == 5 for ax in fig.axes)
    plt.close("all")


def test_explorer_train_mode_moves_every_output(monkeypatch):
    monkeypatch.setattr(plt, "show", lambda: plt.close("all"))
    batch = torch.tensor([0.0, 1.0, 2.0, 3.0])
    w = batch_norm_explorer(batch)
    index, value, mode = w.children[:3]
    first = w.result
    assert first.startswith("train: mean 1.500")
    value.value = 10.0
    assert w.result.startswith("train: mean 4.000") and w.result != first
    mode.value = "eval"  # frozen statistics of the original batch: mean 1.5
    assert w.result.startswith("eval: mean 1.500")
    assert "the other outputs span [-0.447, 1.342]" in w.result  # 1, 2, 3 normalised with std 1.118


def test_equal_inputs_give_zeros_not_nan(monkeypatch):
    monkeypatch.setattr(plt, "show", lambda: plt.close("all"))
    w = batch_norm_explorer(torch.tensor([0.0, 1.0, 1.0]))  # moving example 0 to 1 makes all equal
    w.children[1].value = 1.0
    assert "std 0.000" in w.result and "nan" not in w.result
    assert "example 0 -> 0.000" in w.result


def test_explorer_rejects_a_batch_of_one():
    with pytest.raises(ValueError, match="x must be a 1-D batch of at least 2 values"):
        batch_norm_explorer(torch.tensor([1.0]))
