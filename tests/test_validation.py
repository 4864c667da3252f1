"""Unit tests for d2lutil.validation: each check returns the value it accepts and raises, naming the
argument, for the values it refuses. (tests/test_errors.py checks the messages learners see through the
public helpers that call these.)"""
import numpy as np
import pytest
import torch

from d2lutil.validation import (
    check_choice,
    check_index_range,
    check_int,
    check_number,
    check_tensor,
    scaled_channels,
    to_pair,
)


@pytest.mark.parametrize("value", [3, np.int64(3), torch.tensor(3).item()])
def test_check_int_returns_a_python_int(value):
    result = check_int("n", value, minimum=1)
    assert result == 3 and type(result) is int


@pytest.mark.parametrize("value, error, words", [
    (2.0, TypeError, "n must be an integer, got 2.0 (float)"),
    (True, TypeError, "n must be an integer, got True (bool)"),
    ("2", TypeError, "n must be an integer"),
    (0, ValueError, "n must be at least 1, got 0"),
    (11, ValueError, "n must be at most 10, got 11"),
])
def test_check_int_refuses(value, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        check_int("n", value, minimum=1, maximum=10)


def test_check_number_accepts_ints_and_floats():
    assert check_number("lr", 1) == 1.0
    assert check_number("lr", 0.0, minimum=0) == 0.0


@pytest.mark.parametrize("value, kwargs, error, words", [
    ("0.1", {}, TypeError, "lr must be a number"),
    (False, {}, TypeError, "lr must be a number"),
    (float("nan"), {}, ValueError, "lr must be a finite number, got nan"),
    (float("inf"), {}, ValueError, "lr must be a finite number, got inf"),
    (0.0, {"positive": True}, ValueError, "lr must be greater than 0, got 0.0"),
    (-1.0, {"minimum": 0}, ValueError, "lr must be at least 0, got -1.0"),
])
def test_check_number_refuses(value, kwargs, error, words):
    with pytest.raises(error, match=words):
        check_number("lr", value, **kwargs)


def test_check_choice_lists_the_choices():
    assert check_choice("kind", "max", ("max", "avg")) == "max"
    with pytest.raises(ValueError, match="kind must be one of 'max', 'avg', got 'mean'"):
        check_choice("kind", "mean", ("max", "avg"))


def test_check_tensor_checks_type_dimensions_and_dtype():
    X = torch.zeros(2, 3)
    assert check_tensor("X", X, ndim=2, floating=True) is X
    with pytest.raises(TypeError, match=r"X must be a torch.Tensor, got ndarray \(convert it with torch.tensor"):
        check_tensor("X", np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"X must have 3 dimensions, got shape \(2, 3\)"):
        check_tensor("X", X, ndim=3)
    with pytest.raises(TypeError, match="X must hold floating-point values, got dtype torch.int64"):
        check_tensor("X", X.long(), floating=True)
    with pytest.raises(TypeError, match="X must hold integer ids, got dtype torch.float32"):
        check_tensor("X", X, floating=False)


def test_check_index_range_reports_the_values_found():
    check_index_range("y", torch.tensor([0, 9]), 10, "class labels")
    check_index_range("y", torch.tensor([], dtype=torch.long), 10, "class labels")  # nothing to check
    with pytest.raises(ValueError, match="y holds class labels outside 0..9: found values from -1 to 10"):
        check_index_range("y", torch.tensor([-1, 3, 10]), 10, "class labels")


@pytest.mark.parametrize("channels, width, expected", [(64, 1.0, 64), (64, 0.25, 16), (96, 0.1, 10), (3, 0.01, 1)])
def test_scaled_channels_rounds_and_keeps_at_least_one(channels, width, expected):
    assert scaled_channels(channels, width) == expected


def test_scaled_channels_refuses_a_non_positive_width():
    with pytest.raises(ValueError, match="width must be greater than 0"):
        scaled_channels(64, 0)


@pytest.mark.parametrize("value, expected", [(3, (3, 3)), ((2, 5), (2, 5)), ([1, 4], (1, 4)), (np.int64(2), (2, 2))])
def test_to_pair_accepts_an_int_or_a_pair(value, expected):
    assert to_pair(value, "kernel_size") == expected


@pytest.mark.parametrize("value", [(1, 2, 3), (2.0, 2), "ab", None, 1.5, True, (3, False)])
def test_to_pair_refuses_anything_else(value):
    with pytest.raises(TypeError, match="kernel_size must be an int or a pair of ints"):
        to_pair(value, "kernel_size")


@pytest.mark.parametrize("value, minimum, words", [(0, 1, "must be at least 1, got (0, 0)"),
                                                   ((3, -1), 0, "must be non-negative, got (3, -1)")])
def test_to_pair_enforces_a_minimum_on_both_sides(value, minimum, words):
    with pytest.raises(ValueError, match=words.replace("(", r"\(").replace(")", r"\)")):
        to_pair(value, "padding", minimum=minimum)
    assert to_pair(5, "padding", minimum=minimum) == (5, 5)
