"""Benchmark d2lutil against the book's own helpers (d2l 0.17.6, PyTorch) in one process.

Workloads (the book's settings, on the CPU):

1. LeNet (sigmoid / average pooling, section 6.6) for one epoch of Fashion-MNIST, batch 256,
   SGD lr 0.9, trained by ``train_ch6``:
   * ours:       ``d2lutil.load_data_fashion_mnist`` + ``d2lutil.train_ch6``
   * reference:  ``d2l.load_data_fashion_mnist`` (torchvision FashionMNIST, DataLoader with the
                 book's 4 worker processes) + ``d2l.train_ch6``; and the same with 0 workers.
   Rate = training examples / wall time of the training loop, measured identically on both sides
   by a thin wrapper around the training iterator: the clock starts when ``train_ch6`` asks for
   the iterator (so DataLoader worker start-up counts) and stops when the iterator is exhausted
   (after the last minibatch's step and plot update). Evaluation on the test set is excluded.
2. The character-level RNN on The Time Machine (section 8.5 / 8.6): batch 32, 35 steps, the first
   10,000 characters, 512 hidden units, lr 1, gradient clipping 1, sequential minibatches,
   ``--epochs`` epochs of ``train_epoch_ch8`` each, from scratch and with ``nn.RNN``.
   Rate = tokens / wall time of the epochs.

The reference package is fetched at run time into ``benchmarks/.cache`` (git-ignored) with
``pip download --no-deps d2l==0.17.6`` (sha256 checked) and imported by path; the project never
depends on it. Fashion-MNIST and The Time Machine come from the course's ``data/`` folder (the
same bytes the book downloads); they are laid out in the cache where the book's loaders look
(``../data`` relative to their working directory), so no network access is needed for data.

Run from the repository root:  python benchmarks/bench.py          (about 5 minutes on 2 cores)
                               python benchmarks/bench.py --quick  (about 1 minute)
"""
from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import importlib.machinery
import importlib.util
import io
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
import types
import zipfile
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")  # headless: both Animators only record and redraw

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import torch  # noqa: E402
from torch import nn  # noqa: E402

import d2lutil  # noqa: E402

D2L_VERSION = "0.17.6"
D2L_WHEEL = f"d2l-{D2L_VERSION}-py3-none-any.whl"
D2L_WHEEL_SHA256 = "2698f034d892e02de47ed100e22f114de0c93252c851bf492cf5088bd7c96e25"
FASHION_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                 "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
NOTES: list[str] = []


# --------------------------------------------------------------------------------------------
# The reference: d2l 0.17.6, fetched into the cache and imported by path
# --------------------------------------------------------------------------------------------

def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fetch_d2l(cache: Path, wheel: Path | None) -> Path:
    """Return the path of d2l/torch.py of d2l 0.17.6, downloading the wheel if needed."""
    target = cache / f"d2l-{D2L_VERSION}"
    torch_py = target / "d2l" / "torch.py"
    if torch_py.is_file():
        return torch_py
    cache.mkdir(parents=True, exist_ok=True)
    cached_wheel = cache / D2L_WHEEL
    if wheel is not None:
        shutil.copyfile(wheel, cached_wheel)
    elif not cached_wheel.is_file():
        print(f"fetching d2l=={D2L_VERSION} with pip download into {cache} ...", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                        f"d2l=={D2L_VERSION}", "-d", str(cache)], check=True)
    digest = sha256_of(cached_wheel)
    if digest != D2L_WHEEL_SHA256:
        cached_wheel.unlink()
        raise SystemExit(f"{D2L_WHEEL}: sha256 {digest}, expected {D2L_WHEEL_SHA256}; removed it")
    with zipfile.ZipFile(cached_wheel) as z:
        z.extractall(target)
    return torch_py


def import_d2l(torch_py: Path):
    """Import the book's d2l/torch.py as module ``d2l_ref``.

    It imports pandas at the top (used only by the Kaggle chapter); when pandas is missing a
    bare stub stands in while the module is imported and is removed again afterwards.
    torchvision is imported first because torch._dynamo looks pandas up when it loads.
    """
    import torchvision  # noqa: F401

    stubbed = []
    for name in ("pandas", "requests", "IPython", "matplotlib_inline"):
        if importlib.util.find_spec(name) is None:
            stub = types.ModuleType(name)
            stub.__spec__ = importlib.machinery.ModuleSpec(name, None)
            sys.modules[name] = stub
            stubbed.append(name)
    if {"IPython", "matplotlib_inline"} & set(stubbed):
        raise SystemExit("the reference's Animator needs IPython and matplotlib_inline; install them")
    spec = importlib.util.spec_from_file_location("d2l_ref", torch_py)
    d2l = importlib.util.module_from_spec(spec)
    sys.modules["d2l_ref"] = d2l
    try:
        spec.loader.exec_module(d2l)
    finally:
        for name in stubbed:
            del sys.modules[name]
    if stubbed:
        NOTES.append(f"stubbed missing module(s) {', '.join(stubbed)} while importing d2l/torch.py "
                     "(not used by the benchmarked code)")
    return d2l


def prepare_book_data(cache: Path) -> Path:
    """Lay out the course's data where the book's loaders look (``../data``); return the cwd to use.

    torchvision's FashionMNIST(download=True) first checks for the decompressed IDX files in
    ``<root>/FashionMNIST/raw``; when they are there it downloads nothing. The Time Machine is
    found by the book's ``download`` through its SHA-1 in the cache folder ``../data``.
    """
    data = cache / "data"
    raw = data / "FashionMNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for name in FASHION_FILES:
        src = d2lutil.data_file(name)  # checks the SHA-256
        dst = raw / name[:-3]
        if not dst.is_file():
            tmp = dst.with_suffix(".tmp")
            with gzip.open(src, "rb") as fin, open(tmp, "wb") as fout:
                shutil.copyfileobj(fin, fout, 1 << 20)
            os.replace(tmp, dst)
    tm = data / "timemachine.txt"
    if not tm.is_file():
        shutil.copyfile(d2lutil.data_file("timemachine.txt"), tm)
    cwd = cache / "cwd"
    cwd.mkdir(exist_ok=True)
    return cwd


@contextlib.contextmanager
def working_dir(path: Path):
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


# --------------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------------

class TimedBatches:
    """Pass minibatches through, timing each full pass and counting its examples.

    The clock starts when the pass begins (before the inner iterator, and so any DataLoader
    workers, are created) and stops when the pass ends (after the consumer's last loop body).
    ``max_batches`` cuts a pass short (``--quick``); the DataLoader's workers are then shut
    down inside the timed pass, as they are at the natural end of an epoch.
    """

    def __init__(self, inner, max_batches: int | None = None) -> None:
        self.inner, self.max_batches = inner, max_batches
        self.seconds: list[float] = []
        self.items: list[int] = []

    def __len__(self) -> int:
        n = len(self.inner)
        return n if self.max_batches is None else min(n, self.max_batches)

    def __iter__(self):
        start, count = time.perf_counter(), 0
        it = iter(self.inner)
        for i, (X, y) in enumerate(it):
            if self.max_batches is not None and i >= self.max_batches:
                shutdown = getattr(it, "_shutdown_workers", None)
                if shutdown is not None:
                    shutdown()
                break
            count += X.numel() if X.dim() == 2 else X.shape[0]  # tokens (RNN) or images
            yield X, y
        self.seconds.append(time.perf_counter() - start)
        self.items.append(count)


@contextlib.contextmanager
def quiet(enabled: bool):
    """Capture stdout (the reference Animator prints figure reprs and clear-line codes)."""
    buf = io.StringIO()
    if enabled:
        with contextlib.redirect_stdout(buf):
            yield buf
    else:
        yield buf


def seed_all(seed: int) -> None:
    random.seed(seed)
    torch.manual_seed(seed)


def lenet() -> nn.Sequential:
    """The book's LeNet (section 6.6)."""
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, 10))


# The book's from-scratch RNN of section 8.5 (not part of d2l/torch.py), as printed in the book.
def book_get_params(vocab_size, num_hiddens, device):
    num_inputs = num_outputs = vocab_size

    def normal(shape):
        return torch.randn(size=shape, device=device) * 0.01

    W_xh = normal((num_inputs, num_hiddens))
    W_hh = normal((num_hiddens, num_hiddens))
    b_h = torch.zeros(num_hiddens, device=device)
    W_hq = normal((num_hiddens, num_outputs))
    b_q = torch.zeros(num_outputs, device=device)
    params = [W_xh, W_hh, b_h, W_hq, b_q]
    for param in params:
        param.requires_grad_(True)
    return params


def book_init_rnn_state(batch_size, num_hiddens, device):
    return (torch.zeros((batch_size, num_hiddens), device=device), )


def book_rnn(inputs, state, params):
    W_xh, W_hh, b_h, W_hq, b_q = params
    H, = state
    outputs = []
    for X in inputs:
        H = torch.tanh(torch.mm(X, W_xh) + torch.mm(H, W_hh) + b_h)
        Y = torch.mm(H, W_hq) + b_q
        outputs.append(Y)
    return torch.cat(outputs, dim=0), (H,)


def matmul_gflops(n: int, m: int, k: int, seconds: float) -> float:
    """GFLOP/s of repeated (n x k) @ (k x m) products, best of 3 runs of ``seconds`` each."""
    a, b = torch.randn(n, k), torch.randn(k, m)
    for _ in range(3):
        torch.mm(a, b)
    best = 0.0
    for _ in range(3):
        reps, start = 0, time.perf_counter()
        while True:
            torch.mm(a, b)
            reps += 1
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                break
        best = max(best, 2 * n * m * k * reps / elapsed / 1e9)
    return best


# --------------------------------------------------------------------------------------------
# Workloads
# --------------------------------------------------------------------------------------------

LOSS_RE = re.compile(r"loss ([\d.]+), train acc ([\d.]+), test acc ([\d.]+)")


def lenet_variants(d2l, book_cwd: Path, args, dev):
    """Return {name: run()} for the three LeNet variants; loaders are built once each."""
    max_train = args.lenet_batches
    max_test = 10 if args.quick else None
    setup = {}

    start = time.perf_counter()
    ours_train, ours_test = d2lutil.load_data_fashion_mnist(256)
    setup["ours"] = time.perf_counter() - start

    def book_loaders(workers):
        saved = d2l.get_dataloader_workers
        d2l.get_dataloader_workers = (lambda: workers) if workers is not None else saved
        try:
            with working_dir(book_cwd):
                return d2l.load_data_fashion_mnist(256)
        finally:
            d2l.get_dataloader_workers = saved

    start = time.perf_counter()
    ref4 = book_loaders(None)
    setup["ref"] = time.perf_counter() - start
    ref0 = book_loaders(0)
    assert ref4[0].num_workers == 4 and ref0[0].num_workers == 0

    def make(kind, loaders):
        def run(seed):
            train = TimedBatches(loaders[0], max_train)
            test = TimedBatches(loaders[1], max_test)
            seed_all(seed)
            net = lenet()
            with quiet(not args.verbose) as out:
                if kind == "ours":
                    res = d2lutil.train_ch6(net, train, test, 1, 0.9, dev)
                    stats = (res["train_loss"], res["train_acc"], res["test_acc"])
                    own = res["examples_per_sec"]
                else:
                    d2l.train_ch6(net, train, test, 1, 0.9, dev)
            if kind != "ours":
                m = LOSS_RE.search(out.getvalue())
                stats = tuple(float(v) for v in m.groups()) if m else (float("nan"),) * 3
                m = re.search(r"([\d.]+) examples/sec", out.getvalue())
                own = float(m.group(1)) if m else float("nan")
            import matplotlib.pyplot as plt
            plt.close("all")
            return {"rate": train.items[0] / train.seconds[0], "seconds": train.seconds[0],
                    "items": train.items[0], "own_rate": own,
                    "loss": stats[0], "train_acc": stats[1], "test_acc": stats[2]}
        return run

    return {"lenet/ours": make("ours", (ours_train, ours_test)),
            "lenet/ref-4workers": make("ref", ref4),
            "lenet/ref-0workers": make("ref", ref0)}, setup


def rnn_variants(d2l, book_cwd: Path, args, dev):
    """Return {name: run()} for the four RNN variants, and the vocabulary size."""
    num_hiddens, lr, batch_size, num_steps = 512, 1.0, 32, 35
    ours_iter, ours_vocab = d2lutil.load_data_time_machine(batch_size, num_steps)
    with working_dir(book_cwd):
        ref_iter, ref_vocab = d2l.load_data_time_machine(batch_size, num_steps)
    if list(ours_iter.corpus.tolist()) != list(ref_iter.corpus) or \
            ours_vocab.idx_to_token != ref_vocab.idx_to_token:
        NOTES.append("WARNING: d2lutil's and the book's Time Machine corpora differ")
    V = len(ours_vocab)

    def run_epochs(net, data, updater, epoch_fn):
        timed = TimedBatches(data)
        loss = nn.CrossEntropyLoss()
        start = time.perf_counter()
        for _ in range(args.epochs):
            ppl, _ = epoch_fn(net, timed, loss, updater, dev, False)
        seconds = time.perf_counter() - start
        tokens = sum(timed.items)
        return {"rate": tokens / seconds, "seconds": seconds, "items": tokens, "ppl": ppl}

    def ours_scratch(seed):
        seed_all(seed)
        net = d2lutil.RNNModelScratch(V, num_hiddens, dev, d2lutil.get_params,
                                      d2lutil.init_rnn_state, d2lutil.rnn)
        return run_epochs(net, ours_iter, torch.optim.SGD(net.parameters(), lr=lr),
                          d2lutil.train_epoch_ch8)

    def ref_scratch(seed):
        seed_all(seed)
        net = d2l.RNNModelScratch(V, num_hiddens, dev, book_get_params,
                                  book_init_rnn_state, book_rnn)
        updater = lambda batch_size: d2l.sgd(net.params, lr, batch_size)  # noqa: E731 (the book's)
        return run_epochs(net, ref_iter, updater, d2l.train_epoch_ch8)

    def ours_concise(seed):
        seed_all(seed)
        net = d2lutil.RNNModel(nn.RNN(V, num_hiddens), V).to(dev)
        return run_epochs(net, ours_iter, torch.optim.SGD(net.parameters(), lr=lr),
                          d2lutil.train_epoch_ch8)

    def ref_concise(seed):
        seed_all(seed)
        net = d2l.RNNModel(nn.RNN(V, num_hiddens), vocab_size=V).to(dev)
        return run_epochs(net, ref_iter, torch.optim.SGD(net.parameters(), lr), d2l.train_epoch_ch8)

    return {"rnn-scratch/ours": ours_scratch, "rnn-scratch/ref": ref_scratch,
            "rnn-concise/ours": ours_concise, "rnn-concise/ref": ref_concise}, V


def interleaved(variants: dict, repeats: int, seed: int, log) -> dict[str, list[dict]]:
    """Run every variant ``repeats`` times, rotating the order each round."""
    names = list(variants)
    results = {name: [] for name in names}
    for r in range(repeats):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            res = variants[name](seed)
            results[name].append(res)
            extra = {k: round(v, 4) for k, v in res.items() if k in ("loss", "test_acc", "ppl")}
            log(f"  round {r + 1}/{repeats} {name:22s} {res['rate']:10.1f}/s  "
                f"({res['items']} in {res['seconds']:.2f} s) {extra}")
    return results


# --------------------------------------------------------------------------------------------

def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="about 1 minute: 40 LeNet minibatches, 3 RNN epochs, 1 round")
    p.add_argument("--repeats", type=int, help="rounds of each workload (default 2, quick 1)")
    p.add_argument("--epochs", type=int, help="RNN epochs per timed run (default 20, quick 3)")
    p.add_argument("--lenet-batches", type=int, default=None,
                   help="cut the LeNet epoch to this many minibatches (default: all 235; quick 40)")
    p.add_argument("--only", choices=["lenet", "rnn"], help="run one workload only")
    p.add_argument("--threads", type=int, help="torch.set_num_threads (default: torch's choice)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--cache", type=Path, default=REPO / "benchmarks" / ".cache")
    p.add_argument("--d2l-wheel", type=Path, help=f"use this {D2L_WHEEL} instead of pip download")
    p.add_argument("--json", type=Path, help="also write all measurements to this file")
    p.add_argument("--verbose", action="store_true", help="show the training loops' own output")
    args = p.parse_args(argv)
    args.repeats = args.repeats or (1 if args.quick else 2)
    args.epochs = args.epochs or (3 if args.quick else 20)
    if args.quick and args.lenet_batches is None:
        args.lenet_batches = 40
    if args.lenet_batches is not None and args.lenet_batches < 5:
        p.error("--lenet-batches must be at least 5 (the book's train_ch6 plots every n/5 batches)")
    if args.threads:
        torch.set_num_threads(args.threads)

    def log(msg):
        print(msg, flush=True)

    t_total = time.perf_counter()
    dev = torch.device("cpu")
    d2l = import_d2l(fetch_d2l(args.cache, args.d2l_wheel))
    book_cwd = prepare_book_data(args.cache)
    import matplotlib
    log(f"python {platform.python_version()}, torch {torch.__version__}, "
        f"nproc {os.cpu_count()}, torch threads {torch.get_num_threads()}, "
        f"matplotlib backend {matplotlib.get_backend()}, d2l {D2L_VERSION} from {args.cache}")
    log(f"settings: repeats {args.repeats}, RNN epochs {args.epochs}, LeNet minibatches "
        f"{args.lenet_batches or 'all'}, seed {args.seed}")

    # Warm up the kernels both sides share, so the first timed run pays no one-off costs.
    seed_all(args.seed)
    net, X = lenet(), torch.rand(256, 1, 28, 28)
    for _ in range(3):
        net(X).sum().backward()

    results: dict[str, list[dict]] = {}
    extra: dict[str, float] = {}
    if args.only in (None, "lenet"):
        log("LeNet, one epoch of Fashion-MNIST (batch 256, lr 0.9):")
        variants, setup = lenet_variants(d2l, book_cwd, args, dev)
        log(f"  data set-up: ours {setup['ours']:.2f} s, reference {setup['ref']:.2f} s (not timed below)")
        results.update(interleaved(variants, args.repeats, args.seed, log))
    V = None
    if args.only in (None, "rnn"):
        log(f"char RNN on The Time Machine, {args.epochs} epochs per run (batch 32, 35 steps, 512 hidden):")
        variants, V = rnn_variants(d2l, book_cwd, args, dev)
        for name, fn in variants.items():  # warm-up: one short untimed run each
            saved, args.epochs = args.epochs, 1
            fn(args.seed)
            args.epochs = saved
        results.update(interleaved(variants, args.repeats, args.seed, log))
        log("matrix-product rates (same process):")
        extra["mm2048"] = matmul_gflops(2048, 2048, 2048, 0.5 if args.quick else 1.0)
        extra["mm32x512x512"] = matmul_gflops(32, 512, 512, 0.3 if args.quick else 0.5)
        log(f"  torch.mm 2048x2048 @ 2048x2048: {extra['mm2048']:.1f} GFLOP/s; "
            f"32x512 @ 512x512 (one H @ W_hh step): {extra['mm32x512x512']:.1f} GFLOP/s")

    # ---------------------------------------------------------------- report
    def best(name):
        return max(r["rate"] for r in results[name])

    def median(name):
        return statistics.median(r["rate"] for r in results[name])

    rows = []
    if "lenet/ours" in results:
        for ref in ("lenet/ref-4workers", "lenet/ref-0workers"):
            label = "LeNet epoch vs book (4 workers)" if "4" in ref else "LeNet epoch vs book, 0 workers"
            rows.append((label, "examples/s", "lenet/ours", ref))
    if "rnn-scratch/ours" in results:
        rows.append(("RNN from scratch", "tokens/s", "rnn-scratch/ours", "rnn-scratch/ref"))
        rows.append(("RNN concise (nn.RNN)", "tokens/s", "rnn-concise/ours", "rnn-concise/ref"))
    lines = [f"| workload | unit | ours (best) | reference (best) | ratio best | ratio median |",
             "| --- | --- | ---: | ---: | ---: | ---: |"]
    for label, unit, ours, ref in rows:
        lines.append(f"| {label} | {unit} | {best(ours):,.0f} | {best(ref):,.0f} | "
                     f"{best(ours) / best(ref):.2f}x | {median(ours) / median(ref):.2f}x |")
    log("")
    log(f"best of {args.repeats} rounds (ratio = ours / reference; > 1 means d2lutil is faster):")
    log("\n".join(lines))

    if V is not None:
        H = 512
        fwd = 2 * (V * H + H * H + H * V)  # FLOPs per token: X W_xh, H W_hh, H W_hq; 1 mult-add = 2 FLOPs
        per_token = 3 * fwd  # forward + backward ~ 3x forward
        log("")
        log(f"RNN matrix-product FLOPs per token: 3 x 2 x (V*H + H*H + H*V) = {per_token:,} "
            f"(V={V}, H={H}; forward+backward taken as 3x forward)")
        glines = ["| run | tokens/s (best) | achieved GFLOP/s |", "| --- | ---: | ---: |"]
        for name in ("rnn-scratch/ours", "rnn-scratch/ref", "rnn-concise/ours", "rnn-concise/ref"):
            glines.append(f"| {name} | {best(name):,.0f} | {best(name) * per_token / 1e9:.1f} |")
        glines.append(f"| torch.mm 2048x2048 (peak-ish) | | {extra['mm2048']:.1f} |")
        glines.append(f"| torch.mm 32x512 @ 512x512 | | {extra['mm32x512x512']:.1f} |")
        log("\n".join(glines))

    if "lenet/ours" in results:
        log("")
        log("LeNet, each loop's own examples/s figure (best run; the book's excludes the time spent "
            "waiting for data):")
        for name in ("lenet/ours", "lenet/ref-4workers", "lenet/ref-0workers"):
            log(f"  {name:22s} {max(r['own_rate'] for r in results[name]):10.1f}")
    for note in NOTES:
        log(f"note: {note}")
    log(f"total time {time.perf_counter() - t_total:.0f} s")
    if args.json:
        args.json.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()},
                                         "torch": torch.__version__, "nproc": os.cpu_count(),
                                         "threads": torch.get_num_threads(), "results": results,
                                         "matmul_gflops": extra, "notes": NOTES}, indent=1))


if __name__ == "__main__":
    main()
