"""Unit tests for d2lutil.metrics: Timer and Accumulator."""
import math
import types

import pytest
import torch

import d2lutil
from d2lutil import metrics


@pytest.fixture
def fake_clock(monkeypatch):
    """Replace the clock Timer reads with one the test advances by hand."""
    clock = types.SimpleNamespace(now=100.0)
    monkeypatch.setattr(metrics, "time", types.SimpleNamespace(perf_counter=lambda: clock.now))
    return clock


def test_timer_records_intervals(fake_clock):
    timer = d2lutil.Timer()  # starts on creation
    fake_clock.now += 1.5
    assert timer.stop() == pytest.approx(1.5)
    timer.start()
    fake_clock.now += 2.0
    assert timer.stop() == pytest.approx(2.0)
    fake_clock.now += 5.0  # time between stop and start is not counted
    timer.start()
    fake_clock.now += 0.5
    timer.stop()
    assert timer.times == pytest.approx([1.5, 2.0, 0.5])
    assert timer.sum() == pytest.approx(4.0)
    assert timer.avg() == pytest.approx(4.0 / 3)
    assert timer.cumsum() == pytest.approx([1.5, 3.5, 4.0])


def test_timer_without_records():
    timer = d2lutil.Timer()
    assert timer.times == []
    assert timer.avg() == 0.0
    assert timer.sum() == 0
    assert timer.cumsum() == []


def test_timer_measures_real_time():
    timer = d2lutil.Timer()
    elapsed = timer.stop()
    assert 0 <= elapsed < 5


def test_accumulator_sums_numbers():
    acc = d2lutil.Accumulator(3)
    acc.add(1, 2.5, 3)
    acc.add(4, 0.5, True)
    assert [acc[0], acc[1], acc[2]] == [5.0, 3.0, 4.0]
    assert all(isinstance(acc[i], float) for i in range(3))


def test_accumulator_keeps_tensors_as_tensors_and_detaches():
    acc = d2lutil.Accumulator(2)
    w = torch.tensor(2.0, requires_grad=True)
    acc.add(w * 3, 10)
    acc.add(torch.tensor(1.5), torch.tensor(5))
    assert torch.is_tensor(acc.data[0])
    assert not acc.data[0].requires_grad
    assert acc[0] == pytest.approx(7.5)
    assert acc[1] == 15.0
    assert isinstance(acc[0], float)


def test_accumulator_reset():
    acc = d2lutil.Accumulator(2)
    acc.add(torch.tensor(3.0), 4)
    acc.reset()
    assert acc.data == [0.0, 0.0]
    assert acc[0] == 0.0 and acc[1] == 0.0


def test_accumulator_wrong_number_of_values():
    acc = d2lutil.Accumulator(2)
    with pytest.raises(ValueError, match=r"Accumulator.add expected 2 values, got 3"):
        acc.add(1, 2, 3)
    with pytest.raises(ValueError, match=r"expected 2 values, got 1"):
        acc.add(1)
    assert acc.data == [0.0, 0.0]  # a failed add changes nothing


@pytest.mark.parametrize("n", [0, -1])
def test_accumulator_needs_a_slot(n):
    with pytest.raises(ValueError, match=rf"n >= 1 slots, got n={n}"):
        d2lutil.Accumulator(n)


def test_accumulator_index_out_of_range():
    acc = d2lutil.Accumulator(1)
    with pytest.raises(IndexError):
        acc[1]


def test_accumulator_nan_is_reported_not_hidden():
    acc = d2lutil.Accumulator(1)
    acc.add(torch.tensor(float("nan")))
    assert math.isnan(acc[0])
