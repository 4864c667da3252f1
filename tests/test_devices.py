"""Unit tests for d2lutil.devices: device selection and seeding."""
import random

import numpy as np
import pytest
import torch

import d2lutil


@pytest.fixture
def no_accelerator(monkeypatch):
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)


def test_try_gpu_returns_cpu_without_accelerator(no_accelerator):
    assert d2lutil.try_gpu() == torch.device("cpu")
    assert d2lutil.try_gpu(3) == torch.device("cpu")


def test_try_all_gpus_returns_cpu_list_without_accelerator(no_accelerator):
    assert d2lutil.try_all_gpus() == [torch.device("cpu")]


def test_on_this_machine_the_device_is_usable():
    dev = d2lutil.try_gpu()
    assert torch.zeros(2, device=dev).device.type == dev.type
    assert all(isinstance(d, torch.device) for d in d2lutil.try_all_gpus())
    if not torch.cuda.is_available() and not torch.backends.mps.is_available():
        assert dev == torch.device("cpu")
        assert d2lutil.try_all_gpus() == [torch.device("cpu")]


def test_try_gpu_with_two_cuda_devices(monkeypatch):
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert d2lutil.try_gpu() == torch.device("cuda:0")
    assert d2lutil.try_gpu(1) == torch.device("cuda:1")
    assert d2lutil.try_gpu(2) == torch.device("cpu")
    assert d2lutil.try_all_gpus() == [torch.device("cuda:0"), torch.device("cuda:1")]


def test_mps_is_used_only_for_gpu_zero(monkeypatch):
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert d2lutil.try_gpu(0) == torch.device("mps")
    assert d2lutil.try_gpu(1) == torch.device("cpu")
    assert d2lutil.try_all_gpus() == [torch.device("mps")]


def test_set_seed_repeats_torch_numpy_and_python():
    d2lutil.set_seed(123)
    first = (torch.rand(5), np.random.rand(3), random.random())
    d2lutil.set_seed(123)
    second = (torch.rand(5), np.random.rand(3), random.random())
    assert torch.equal(first[0], second[0])
    assert np.array_equal(first[1], second[1])
    assert first[2] == second[2]
    d2lutil.set_seed(124)
    assert not torch.equal(torch.rand(5), first[0])


def test_set_seed_returns_a_generator_seeded_the_same_way():
    g = d2lutil.set_seed(7)
    assert isinstance(g, torch.Generator)
    expected = torch.rand(4, generator=torch.Generator().manual_seed(7))
    assert torch.equal(torch.rand(4, generator=g), expected)
    # the returned generator is independent of the global one
    g2 = d2lutil.set_seed(7)
    torch.rand(100)
    assert torch.equal(torch.rand(4, generator=g2), expected)


def test_set_seed_default_is_zero():
    d2lutil.set_seed()
    a = torch.rand(3)
    d2lutil.set_seed(0)
    assert torch.equal(torch.rand(3), a)
