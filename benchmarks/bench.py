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
3. One more LeNet run of d2lutil in which the model and the batches are channels-last: a change
   proposed for ``d2lutil.train_ch6`` on the CPU, not what d2lutil does today
   (``--no-channels-last`` skips it).

Every run also records its CPU time (with the DataLoader workers) and the share of the CPUs that
*other* processes used meanwhile; runs disturbed by other processes are flagged.

The reference package is fetched at run time into ``benchmarks/.cache`` (git-ignored) with
``pip download --no-deps d2l==0.17.6`` (sha256 checked) and imported by path; the project never
depends on it. Fashion-MNIST and The Time Machine come from the course's ``data/`` folder (the
same bytes the book downloads); they are laid out in the cache where the book's loaders look
(``../data`` relative to their working directory), so no network access is needed for data.

Run from the repository root:  python benchmarks/bench.py          (about 3 minutes on 2 idle cores)
                               python benchmarks/bench.py --quick  (about 30 seconds)
On a shared machine add --wait-quiet 120; see README.md.
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
import warnings
import zipfile
from pathlib import Path

os.environ["MPLBACKEND"] = "Agg"  # headless: both Animators only record and redraw
# Noise from the training loops that says nothing about speed: the first plot update of an
# epoch has a zero-width x range, and the book's Accumulator calls float() on a loss that
# requires grad. (torch's warning that 4 DataLoader workers exceed 2 cores is kept.)
warnings.filterwarnings("ignore", message="Attempting to set identical low and high xlims")
warnings.filterwarnings("ignore", message="Converting a tensor with requires_grad=True to a scalar")

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

    It imports pandas and requests at the top (used only to read the Kaggle data and to
    download); when one is missing a bare stub stands in while the module is imported and is
    removed again afterwards. IPython and matplotlib_inline (the Animator) must be installed.
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

def process_cpu() -> float:
    """CPU seconds used so far by this process and its finished children (DataLoader workers)."""
    try:
        import resource
    except ImportError:  # not on Unix
        return time.process_time()
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


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
        self.cpu: list[float] = []

    def __len__(self) -> int:
        n = len(self.inner)
        return n if self.max_batches is None else min(n, self.max_batches)

    def __iter__(self):
        start, cpu, count = time.perf_counter(), process_cpu(), 0
        it = iter(self.inner)
        for i, (X, y) in enumerate(it):
            count += X.numel() if X.dim() == 2 else X.shape[0]  # tokens (RNN) or images
            yield X, y
            if self.max_batches is not None and i + 1 >= self.max_batches:
                shutdown = getattr(it, "_shutdown_workers", None)
                if shutdown is not None:
                    shutdown()
                break
        self.seconds.append(time.perf_counter() - start)
        self.cpu.append(process_cpu() - cpu)  # workers are joined by now, so they are counted
        self.items.append(count)


class ChannelsLast:
    """Hand out image batches in channels-last memory order (the layout change proposed for
    d2lutil's train_ch6 on the CPU; see RESULTS.md). The values and shapes do not change."""

    def __init__(self, inner) -> None:
        self.inner = inner

    def __len__(self) -> int:
        return len(self.inner)

    def __iter__(self):
        for X, y in self.inner:
            yield X.contiguous(memory_format=torch.channels_last), y


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
    """Return {name: run()} for the LeNet variants (and the data set-up times); each loader is built once."""
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
            seed_all(seed)
            net, init = lenet(), True
            if kind == "ours-cl":  # the proposed patch: channels-last model and batches
                # as the patch does it: initialise first (a random fill follows memory order),
                # then convert, so that the weights equal those of the other runs
                net.apply(d2lutil.init_cnn)
                net, init = net.to(memory_format=torch.channels_last), False
                loaders_ = tuple(ChannelsLast(it) for it in loaders)
            else:
                loaders_ = loaders
            train = TimedBatches(loaders_[0], max_train)
            test = TimedBatches(loaders_[1], max_test)
            with quiet(not args.verbose) as out:
                if kind.startswith("ours"):
                    res = d2lutil.train_ch6(net, train, test, 1, 0.9, dev, init=init)
                    stats = (res["train_loss"], res["train_acc"], res["test_acc"])
                    own = res["examples_per_sec"]
                else:
                    d2l.train_ch6(net, train, test, 1, 0.9, dev)
            if not kind.startswith("ours"):
                m = LOSS_RE.search(out.getvalue())
                stats = tuple(float(v) for v in m.groups()) if m else (float("nan"),) * 3
                m = re.search(r"([\d.]+) examples/sec", out.getvalue())
                own = float(m.group(1)) if m else float("nan")
            import matplotlib.pyplot as plt
            plt.close("all")
            return {"rate": train.items[0] / train.seconds[0], "seconds": train.seconds[0],
                    "cpu_s": train.cpu[0],
                    "items": train.items[0], "own_rate": own,
                    "loss": stats[0], "train_acc": stats[1], "test_acc": stats[2]}
        return run

    variants = {"lenet/ours": make("ours", (ours_train, ours_test)),
                "lenet/ref-4workers": make("ref", ref4),
                "lenet/ref-0workers": make("ref", ref0)}
    if args.channels_last:
        variants["lenet/ours+cl"] = make("ours-cl", (ours_train, ours_test))
    return variants, setup


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
        start, cpu = time.perf_counter(), process_cpu()
        for _ in range(args.epochs):
            ppl, _ = epoch_fn(net, timed, loss, updater, dev, False)
        seconds, cpu = time.perf_counter() - start, process_cpu() - cpu
        tokens = sum(timed.items)
        return {"rate": tokens / seconds, "seconds": seconds, "cpu_s": cpu, "items": tokens, "ppl": ppl}

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


class CpuShare:
    """Share of the machine's CPU time used by *other* processes while a run was going on.

    Busy time of all CPUs (from /proc/stat) minus this process's and its reaped children's
    CPU time, over wall time x CPUs. Near 0 on a quiet machine; a high value means the run
    competed for the cores and its figure is not to be trusted. NaN where /proc/stat is absent.
    """

    @staticmethod
    def _busy() -> float:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
        user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
        return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")

    _ours = staticmethod(process_cpu)

    def __enter__(self):
        try:
            self.start = (time.perf_counter(), self._busy(), self._ours())
        except (OSError, ValueError):
            self.start = None
        return self

    def __exit__(self, *exc):
        self.value = float("nan")
        if self.start is not None:
            wall = time.perf_counter() - self.start[0]
            others = (self._busy() - self.start[1]) - (self._ours() - self.start[2])
            self.value = max(0.0, others / (wall * (os.cpu_count() or 1)))


def machine_busy(seconds: float = 1.0) -> float:
    """Fraction of all CPUs busy over ``seconds`` while this process sleeps (NaN without /proc)."""
    with CpuShare() as share:
        time.sleep(seconds)
    return share.value


def wait_until_quiet(max_busy: float, timeout: float, log) -> None:
    """Sleep until other processes use at most ``max_busy`` of the CPUs, or ``timeout`` passes."""
    if timeout <= 0:
        return
    deadline, busy = time.perf_counter() + timeout, machine_busy()
    waited = False
    while busy > max_busy and time.perf_counter() < deadline:
        waited = True
        busy = machine_busy(2.0)
    if waited:
        log(f"    (waited for a quiet machine: other processes now at {100 * busy:.0f}% CPU)")


def interleaved(variants: dict, repeats: int, seed: int, log, quiet_wait: float = 0.0,
                max_busy: float = 0.1) -> dict[str, list[dict]]:
    """Run every variant ``repeats`` times, rotating the order each round."""
    names = list(variants)
    results = {name: [] for name in names}
    for r in range(repeats):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            wait_until_quiet(max_busy, quiet_wait, log)
            with CpuShare() as share:
                res = variants[name](seed)
            res["others_cpu"] = share.value
            results[name].append(res)
            extra = {k: round(v, 4) for k, v in res.items() if k in ("loss", "test_acc", "ppl")}
            log(f"  round {r + 1}/{repeats} {name:20s} {res['rate']:9.0f}/s "
                f"({res['items']} in {res['seconds']:6.2f} s, {res['cpu_s']:6.2f} CPU-s; other "
                f"processes {100 * share.value:3.0f}% CPU) {extra}")
    return results


# --------------------------------------------------------------------------------------------

def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="a short run: 100 LeNet minibatches, 5 RNN epochs, 2 rounds each")
    p.add_argument("--repeats", type=int, help="LeNet rounds (default 5, quick 2)")
    p.add_argument("--rnn-repeats", type=int, help="RNN rounds (default 5, quick 2)")
    p.add_argument("--epochs", type=int, help="RNN epochs per timed run (default 20, quick 5)")
    p.add_argument("--lenet-batches", type=int, default=None,
                   help="cut the LeNet epoch to this many minibatches (default: all 235; quick 100)")
    p.add_argument("--only", choices=["lenet", "rnn"], help="run one workload only")
    p.add_argument("--no-channels-last", dest="channels_last", action="store_false",
                   help="skip the extra LeNet run of d2lutil with channels-last tensors "
                        "(a proposed change, not what d2lutil does today)")
    p.add_argument("--threads", type=int, help="torch.set_num_threads (default: torch's choice)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS",
                   help="before each run wait up to SECONDS for other processes to use at most "
                        "--max-busy of the CPUs (for shared machines; default 0: do not wait)")
    p.add_argument("--max-busy", type=float, default=0.1,
                   help="CPU share of other processes counted as quiet (default 0.1)")
    p.add_argument("--cache", type=Path, default=REPO / "benchmarks" / ".cache")
    p.add_argument("--d2l-wheel", type=Path, help=f"use this {D2L_WHEEL} instead of pip download")
    p.add_argument("--json", type=Path, help="also write all measurements to this file")
    p.add_argument("--verbose", action="store_true", help="show the training loops' own output")
    p.add_argument("--report", type=Path, metavar="JSON",
                   help="measure nothing: print the tables again from a file written by --json")
    args = p.parse_args(argv)
    if args.report:
        report(json.loads(args.report.read_text()))
        return
    args.repeats = args.repeats or (2 if args.quick else 5)
    args.rnn_repeats = args.rnn_repeats or (2 if args.quick else 5)
    args.epochs = args.epochs or (5 if args.quick else 20)
    if args.quick and args.lenet_batches is None:
        args.lenet_batches = 100
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
    log(f"settings: LeNet rounds {args.repeats}, RNN rounds {args.rnn_repeats}, RNN epochs {args.epochs}, LeNet minibatches "
        f"{args.lenet_batches or 'all'}, seed {args.seed}")

    # Warm up the kernels both sides share and matplotlib (the first plot of a process loads
    # fonts), so that the first timed run pays no one-off costs.
    seed_all(args.seed)
    net, X = lenet(), torch.rand(256, 1, 28, 28)
    for _ in range(3):
        net(X).sum().backward()
    with quiet(True):
        for animator in (d2lutil.Animator(legend=["a", "b"]), d2l.Animator(legend=["a", "b"])):
            animator.add(1, (1.0, 2.0))
    import matplotlib.pyplot as plt
    plt.close("all")

    results: dict[str, list[dict]] = {}
    extra: dict[str, float] = {}
    if args.only in (None, "lenet"):
        log("LeNet, one epoch of Fashion-MNIST (batch 256, lr 0.9):")
        variants, setup = lenet_variants(d2l, book_cwd, args, dev)
        log(f"  data set-up: ours {setup['ours']:.2f} s, reference {setup['ref']:.2f} s (not timed below)")
        results.update(interleaved(variants, args.repeats, args.seed, log, args.wait_quiet, args.max_busy))
    V = None
    if args.only in (None, "rnn"):
        log(f"char RNN on The Time Machine, {args.epochs} epochs per run (batch 32, 35 steps, 512 hidden):")
        variants, V = rnn_variants(d2l, book_cwd, args, dev)
        for name, fn in variants.items():  # warm-up: one short untimed run each
            saved, args.epochs = args.epochs, 1
            fn(args.seed)
            args.epochs = saved
        results.update(interleaved(variants, args.rnn_repeats, args.seed, log, args.wait_quiet, args.max_busy))
        log("matrix-product rates (same process, best of 3):")
        wait_until_quiet(args.max_busy, args.wait_quiet, log)
        with CpuShare() as share:
            extra["mm2048"] = matmul_gflops(2048, 2048, 2048, 0.5 if args.quick else 1.0)
            extra["mm32x512x512"] = matmul_gflops(32, 512, 512, 0.3 if args.quick else 0.5)
        extra["others_cpu"] = share.value
        log(f"  torch.mm 2048x2048 @ 2048x2048: {extra['mm2048']:.1f} GFLOP/s; "
            f"32x512 @ 512x512 (one H @ W_hh step): {extra['mm32x512x512']:.1f} GFLOP/s "
            f"(other processes {100 * share.value:.0f}% CPU)")

    V = V or 0
    data = {"args": {k: str(v) for k, v in vars(args).items()}, "python": platform.python_version(),
            "torch": torch.__version__, "nproc": os.cpu_count(), "threads": torch.get_num_threads(),
            "vocab_size": V, "results": results, "matmul_gflops": extra, "notes": NOTES,
            "max_busy": args.max_busy, "repeats": args.repeats, "rnn_repeats": args.rnn_repeats,
            "seconds": time.perf_counter() - t_total}
    if args.json:
        args.json.write_text(json.dumps(data, indent=1))
    report(data, log)


def report(data: dict, log=print) -> None:
    """Print the summary tables (Markdown) from the measurements in ``data``."""
    results, extra, max_busy = data["results"], data["matmul_gflops"], data["max_busy"]

    def runs(name):
        """The runs taken while other processes were quiet, or all of them if none was."""
        quiet_runs = [r for r in results[name] if r["others_cpu"] <= max_busy]
        return quiet_runs or results[name]

    def best_run(name):
        return max(results[name], key=lambda r: r["rate"])

    def best(name):
        return best_run(name)["rate"]

    def median(name):
        return statistics.median(r["rate"] for r in runs(name))

    def busy(name):
        return best_run(name)["others_cpu"]

    def n_quiet(name):
        return f"{sum(r['others_cpu'] <= max_busy for r in results[name])}/{len(results[name])}"

    rows = []
    if "lenet/ours" in results:
        rows.append(("LeNet, 1 epoch, vs book (4 workers)", "examples/s", "lenet/ours", "lenet/ref-4workers"))
        rows.append(("LeNet, 1 epoch, vs book with 0 workers", "examples/s", "lenet/ours", "lenet/ref-0workers"))
        if "lenet/ours+cl" in results:
            rows.append(("LeNet, *proposed* channels-last d2lutil vs book (4 workers)",
                         "examples/s", "lenet/ours+cl", "lenet/ref-4workers"))
            rows.append(("LeNet, *proposed* channels-last d2lutil vs d2lutil today",
                         "examples/s", "lenet/ours+cl", "lenet/ours"))
    if "rnn-scratch/ours" in results:
        rows.append(("char RNN from scratch", "tokens/s", "rnn-scratch/ours", "rnn-scratch/ref"))
        rows.append(("char RNN concise (nn.RNN)", "tokens/s", "rnn-concise/ours", "rnn-concise/ref"))
    lines = ["| workload | unit | ours (best) | reference (best) | ratio of bests | ratio of quiet medians "
             "| quiet runs (ours, ref) | other processes' CPU in the best runs |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    disturbed = False
    for label, unit, ours, ref in rows:
        disturbed |= max(busy(ours), busy(ref)) > max_busy
        lines.append(f"| {label} | {unit} | {best(ours):,.0f} | {best(ref):,.0f} | "
                     f"**{best(ours) / best(ref):.2f}x** | {median(ours) / median(ref):.2f}x | "
                     f"{n_quiet(ours)}, {n_quiet(ref)} | {100 * busy(ours):.0f}%, {100 * busy(ref):.0f}% |")
    log("")
    rounds = " / ".join(f"{n} ({w})" for n, w, key in ((data["repeats"], "LeNet", "lenet/ours"),
                                                       (data["rnn_repeats"], "RNN", "rnn-scratch/ours"))
                        if key in results)
    log(f"best of {rounds} interleaved rounds; ratio = ours / reference, > 1 means d2lutil is "
        f"faster; a quiet run is one during which other processes used at most "
        f"{100 * max_busy:.0f}% of the CPUs:")
    log("\n".join(lines))

    def cpu_per_10k(name):
        return statistics.median(1e4 * r["cpu_s"] / r["items"] for r in runs(name))

    log("")
    log("CPU cost of the timed part, all processes (main + DataLoader workers), median of the quiet "
        "runs; with 2 threads this includes OpenMP threads spin-waiting:")
    clines = ["| workload | ours CPU-s per 10k | reference CPU-s per 10k | reference / ours |",
              "| --- | ---: | ---: | ---: |"]
    for label, unit, ours, ref in rows:
        clines.append(f"| {label} | {cpu_per_10k(ours):.2f} | {cpu_per_10k(ref):.2f} | "
                      f"{cpu_per_10k(ref) / cpu_per_10k(ours):.2f}x |")
    log("\n".join(clines))
    if disturbed:
        log(f"WARNING: other processes used more than {100 * max_busy:.0f}% of the CPUs during "
            "some best runs; those figures are unreliable (rerun with --wait-quiet 120)")

    if "rnn-scratch/ours" in results:
        V, H = data["vocab_size"], 512
        fwd = 2 * (V * H + H * H + H * V)  # FLOPs per token: X W_xh, H W_hh, H W_hq; 1 mult-add = 2 FLOPs
        per_token = 3 * fwd  # forward + backward ~ 3x forward
        log("")
        log(f"RNN matrix-product FLOPs per token: 3 x 2 x (V*H + H*H + H*V) = {per_token:,} "
            f"(V={V}, H={H}; forward+backward taken as 3x forward)")
        glines = ["| run | tokens/s (best) | achieved GFLOP/s |", "| --- | ---: | ---: |"]
        for name in ("rnn-scratch/ours", "rnn-scratch/ref", "rnn-concise/ours", "rnn-concise/ref"):
            glines.append(f"| {name} | {best(name):,.0f} | {best(name) * per_token / 1e9:.1f} |")
        glines.append(f"| torch.mm 2048x2048 @ 2048x2048 | | {extra['mm2048']:.1f} |")
        glines.append(f"| torch.mm 32x512 @ 512x512 (one H @ W_hh step) | | {extra['mm32x512x512']:.1f} |")
        log("\n".join(glines))

    if "lenet/ours" in results:
        log("")
        log("LeNet, each loop's own examples/s figure (best run; the book's excludes the time spent "
            "waiting for data):")
        for name in [n for n in results if n.startswith("lenet/")]:
            log(f"  {name:22s} {max(r['own_rate'] for r in results[name]):10.1f}")
    for note in data["notes"]:
        log(f"note: {note}")
    log(f"total time {data['seconds']:.0f} s")

if __name__ == "__main__":
    main()
