"""Tests for d2lutil.widgets.bptt: spectral radius scaling, gradient norms over time, widget."""
import matplotlib.pyplot as plt
import pytest
import torch

from d2lutil.widgets import bptt_explorer, rnn_gradient_norms, scaled_recurrent_matrix


def test_scaled_matrix_has_the_requested_spectral_radius():
    W = scaled_recurrent_matrix(32, 1.7, torch.Generator().manual_seed(0))
    assert W.shape == (32, 32) and W.dtype == torch.float64
    assert torch.linalg.eigvals(W).abs().max().item() == pytest.approx(1.7, rel=1e-9)


def test_last_step_gradient_is_the_unit_vector():
    norms = rnn_gradient_norms(1.0, 10)
    assert norms.shape == (10,)
    assert norms[-1].item() == pytest.approx(1.0)


def test_identity_activation_follows_the_spectral_radius():
    # For a linear RNN, dL/dh_t = (W_hh^T)^(T-t) u, whose norm grows or shrinks like rho^(T-t).
    T = 60
    for rho in (0.5, 2.0):
        norms = rnn_gradient_norms(rho, T, activation="identity")
        rate = (norms[0] / norms[T // 2]).item() ** (1 / (T // 2))
        assert rate == pytest.approx(rho, rel=0.15)


def test_small_radius_vanishes_large_radius_explodes():
    assert rnn_gradient_norms(0.5, 50)[0] < 1e-10
    assert rnn_gradient_norms(3.0, 50)[0] > 1e3


def test_tanh_damps_compared_with_identity():
    assert rnn_gradient_norms(1.5, 50, activation="tanh")[0] < rnn_gradient_norms(1.5, 50, activation="identity")[0]


def test_seed_makes_it_repeatable():
    assert torch.equal(rnn_gradient_norms(1.2, 20, seed=3), rnn_gradient_norms(1.2, 20, seed=3))


@pytest.mark.parametrize("kwargs, name", [(dict(activation="relu6"), "activation"),
                                          (dict(num_steps=0), "num_steps"),
                                          (dict(input_scale=-1.0), "input_scale")])
def test_bad_arguments_are_named(kwargs, name):
    args = dict(spectral_radius=1.0, num_steps=5) | kwargs
    with pytest.raises(ValueError, match=name):
        rnn_gradient_norms(**args)


def test_bad_matrix_arguments():
    with pytest.raises(ValueError, match="num_hiddens"):
        scaled_recurrent_matrix(0, 1.0)
    with pytest.raises(ValueError, match="spectral_radius"):
        scaled_recurrent_matrix(4, -1.0)


def test_widget_reports_the_ratio():
    w = bptt_explorer(num_hiddens=16)
    radius, steps, activation, scale = w.children[:4]
    radius.value, steps.value, activation.value = 0.5, 20, "identity"
    assert "T=20" in w.result and "identity" in w.result
    ratio = float(w.result.rsplit("=", 1)[1])
    assert ratio < 1e-3
    plt.close("all")


def test_widget_long_identity_run_stays_finite():
    w = bptt_explorer(num_hiddens=16)
    radius, steps, activation, _ = w.children[:4]
    activation.value = "identity"
    radius.value, steps.value = 3.0, 300  # 3^299 is about 1e142: large but finite in float64
    assert "T=300" in w.result
    assert float(w.result.rsplit("=", 1)[1]) > 1e100
    plt.close("all")


def test_widget_bad_radius_is_a_message():
    # the slider cannot go below 0, but the function behind it is also guarded
    with pytest.raises(ValueError, match="spectral_radius"):
        rnn_gradient_norms(-0.5, 5)


@pytest.mark.parametrize("args", [dict(spectral_radius=float("nan"), num_steps=5),
                                  dict(spectral_radius=1.0, num_steps=5, input_scale=float("inf"))])
def test_non_finite_settings_are_refused_not_turned_into_nans(args):
    with pytest.raises(ValueError, match="finite"):
        rnn_gradient_norms(**args)
