"""Unit tests for d2lutil.profiles: the compute profile from D2L_PROFILE, devices and seeds."""
import random

import numpy as np
import pytest
import torch

import d2lutil
from d2lutil import profiles

# ---- profiles ----

SETTINGS = dict(smoke=dict(num_epochs=1, lr=0.1), cpu=dict(num_epochs=5, lr=0.2),
                full=dict(num_epochs=10, lr=0.9))


def test_profiles_constant_lists_the_three_profiles():
    assert profiles.PROFILES == ("smoke", "cpu", "full")
    assert d2lutil.PROFILES is profiles.PROFILES


@pytest.mark.parametrize("name", ["smoke", "cpu", "full"])
def test_active_profile_reads_the_environment(monkeypatch, name):
    monkeypatch.setenv("D2L_PROFILE", name)
    assert d2lutil.active_profile() == name


def test_active_profile_ignores_case_and_surrounding_spaces(monkeypatch):
    monkeypatch.setenv("D2L_PROFILE", "  SMoke \n")
    assert d2lutil.active_profile() == "smoke"


@pytest.mark.parametrize("cuda, expected", [(False, "cpu"), (True, "full")])
def test_active_profile_default_depends_on_cuda(monkeypatch, cuda, expected):
    monkeypatch.delenv("D2L_PROFILE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    assert d2lutil.active_profile() == expected


def test_active_profile_empty_variable_means_default(monkeypatch):
    monkeypatch.setenv("D2L_PROFILE", "   ")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert d2lutil.active_profile() == "cpu"


def test_unknown_profile_is_rejected_with_the_valid_names(monkeypatch):
    monkeypatch.setenv("D2L_PROFILE", "turbo")
    with pytest.raises(ValueError, match=r"D2L_PROFILE must be one of 'smoke', 'cpu', 'full', got 'turbo'"):
        d2lutil.active_profile()
    # by_profile goes through the same check
    with pytest.raises(ValueError, match=r"D2L_PROFILE must be one of .*got 'turbo'"):
        d2lutil.by_profile(**SETTINGS)


@pytest.mark.parametrize("name", ["smoke", "cpu", "full"])
def test_by_profile_picks_the_active_settings(monkeypatch, capsys, name):
    monkeypatch.setenv("D2L_PROFILE", name)
    settings = d2lutil.by_profile(**SETTINGS)
    assert settings == SETTINGS[name]
    out = capsys.readouterr().out
    expected = ", ".join(f"{k}={v}" for k, v in SETTINGS[name].items())
    assert out == f"profile: {name} ({expected})\n"


def test_by_profile_returns_a_copy(monkeypatch):
    monkeypatch.setenv("D2L_PROFILE", "cpu")
    smoke, cpu, full = dict(a=1), dict(a=2), dict(a=3)
    settings = d2lutil.by_profile(smoke=smoke, cpu=cpu, full=full, verbose=False)
    settings["a"] = 99
    assert cpu == {"a": 2}


def test_by_profile_quiet(monkeypatch, capsys):
    monkeypatch.setenv("D2L_PROFILE", "smoke")
    assert d2lutil.by_profile(**SETTINGS, verbose=False) == SETTINGS["smoke"]
    assert capsys.readouterr().out == ""


def test_by_profile_rejects_mismatched_keys(monkeypatch):
    monkeypatch.setenv("D2L_PROFILE", "smoke")
    with pytest.raises(ValueError, match=r"every profile must set the same keys.*'full': \{'b'\}"):
        d2lutil.by_profile(smoke=dict(a=1), cpu=dict(a=2), full=dict(b=3))


def test_by_profile_checks_keys_even_if_active_profile_is_fine(monkeypatch):
    # the mismatch is in a profile that is not active: still an error (notebooks must read the same)
    monkeypatch.setenv("D2L_PROFILE", "full")
    with pytest.raises(ValueError, match="same keys"):
        d2lutil.by_profile(smoke=dict(a=1, extra=0), cpu=dict(a=2), full=dict(a=3))


def test_by_profile_requires_keyword_arguments():
    with pytest.raises(TypeError):
        d2lutil.by_profile(dict(a=1), dict(a=2), dict(a=3))


# ---- devices and seeds ----

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
