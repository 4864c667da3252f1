"""The reference for the benchmarks: the book's own helpers, PyPI ``d2l==0.17.6`` (PyTorch).

The wheel is fetched with ``pip download --no-deps`` into the benchmark's cache (git-ignored), its
SHA-256 checked, and ``d2l/torch.py`` imported by path: the project never depends on ``d2l``. The
book's data comes from the course's ``data/`` files (the same bytes), laid out where its loaders look.
"""
from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import subprocess
import sys
import types
import zipfile
from pathlib import Path

import torch

import d2lutil

D2L_WHEEL = "d2l-0.17.6-py3-none-any.whl"
D2L_SHA256 = "2698f034d892e02de47ed100e22f114de0c93252c851bf492cf5088bd7c96e25"


def import_book_d2l(cache: Path, wheel: Path | None) -> tuple[types.ModuleType, list[str]]:
    """The book's d2l/torch.py imported by path from the wheel (``pip download`` into ``cache`` unless
    ``wheel``), and the names of the modules stubbed while importing it.

    pandas and requests, imported at its top for Kaggle data and downloads (unused here), get bare
    stubs if missing; torchvision comes first because torch._dynamo looks pandas up when it loads.
    """
    cached = cache / D2L_WHEEL
    if wheel:
        cache.mkdir(parents=True, exist_ok=True)
        cached.write_bytes(wheel.read_bytes())
    elif not cached.is_file():
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                        "d2l==0.17.6", "-d", str(cache)], check=True)
    if hashlib.sha256(cached.read_bytes()).hexdigest() != D2L_SHA256:
        cached.unlink()
        raise SystemExit(f"{cached}: not d2l 0.17.6 (sha256 should be {D2L_SHA256}); removed it, run again")
    (cache / "d2l_torch.py").write_bytes(zipfile.ZipFile(cached).read("d2l/torch.py"))
    import torchvision  # noqa: F401
    stubbed = [name for name in ("pandas", "requests") if importlib.util.find_spec(name) is None]
    sys.modules.update({name: types.ModuleType(name) for name in stubbed})
    spec = importlib.util.spec_from_file_location("d2l_ref", cache / "d2l_torch.py")
    d2l = sys.modules["d2l_ref"] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(d2l)
    for name in stubbed:
        del sys.modules[name]
    return d2l, stubbed


@contextlib.contextmanager
def in_book_layout(cache: Path):
    """Run the body in ``cache/cwd``, whose ``../data`` holds the course's data laid out as the book expects.

    torchvision extracts the Fashion-MNIST ``.gz`` files it finds in ``FashionMNIST/raw`` (their MD5
    matching) without downloading; the book's ``download`` finds The Time Machine by its SHA-1.
    """
    raw, old = cache / "data" / "FashionMNIST" / "raw", os.getcwd()
    raw.mkdir(parents=True, exist_ok=True)
    (cache / "cwd").mkdir(exist_ok=True)
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
                 "t10k-labels-idx1-ubyte.gz", "timemachine.txt"):
        target = cache / "data" / name if name.endswith(".txt") else raw / name
        if not target.is_file():
            target.write_bytes(d2lutil.data_file(name).read_bytes())  # data_file checks the SHA-256
    os.chdir(cache / "cwd")
    try:
        yield
    finally:
        os.chdir(old)


# The book's from-scratch RNN of section 8.5, which d2l/torch.py does not contain; kept as the book has it.
def book_get_params(vocab_size, num_hiddens, device):
    """The book's RNN parameters: W_xh, W_hh, b_h, W_hq, b_q."""
    def normal(shape):
        return torch.randn(size=shape, device=device) * 0.01
    params = [normal((vocab_size, num_hiddens)), normal((num_hiddens, num_hiddens)),
              torch.zeros(num_hiddens, device=device), normal((num_hiddens, vocab_size)),
              torch.zeros(vocab_size, device=device)]
    return [param.requires_grad_(True) for param in params]


def book_init_rnn_state(batch_size, num_hiddens, device):
    """The book's initial hidden state: zeros."""
    return (torch.zeros((batch_size, num_hiddens), device=device), )


def book_rnn(inputs, state, params):
    """The book's forward pass: one tanh step per time step, then the output layer."""
    W_xh, W_hh, b_h, W_hq, b_q = params
    H, = state
    outputs = []
    for X in inputs:
        H = torch.tanh(torch.mm(X, W_xh) + torch.mm(H, W_hh) + b_h)
        outputs.append(torch.mm(H, W_hq) + b_q)
    return torch.cat(outputs, dim=0), (H,)
