"""Benchmark d2lutil against the book's own helpers (d2l 0.17.6, PyTorch) in one process, on the CPU.

LeNet: one epoch of Fashion-MNIST with ``train_ch6`` (batch 256, lr 0.9), d2lutil in NCHW and in
channels-last, against the book's loader with its 4 DataLoader workers and with 0. Char RNN on The
Time Machine (batch 32, 35 steps, 512 hidden, lr 1, clipping 1), from scratch and with ``nn.RNN``:
``--epochs`` calls of ``train_epoch_ch8``. The same clock on both sides (``measure.py``); every run
also records its CPU time and the CPU share of other processes. The reference: ``reference.py``.

    python benchmarks/bench.py           # about 3 minutes on 2 idle cores
    python benchmarks/bench.py --quick   # about 30 seconds
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import io
import json
import os
import platform
import random
import re
import statistics
import sys
import time
import unittest.mock
import warnings
from pathlib import Path

os.environ["MPLBACKEND"] = "Agg"  # headless: both Animators only record and redraw
# Noise that says nothing about speed: a zero-width x range at an epoch's first plot update, and the
# book's Accumulator calling float() on a loss that requires grad.
warnings.filterwarnings("ignore", message="Attempting to set identical low and high xlims")
warnings.filterwarnings("ignore", message="Converting a tensor with requires_grad=True to a scalar")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from measure import TimedBatches, clocks, matmul_gflops, others_share, record, table, wait_until_quiet  # noqa: E402
from reference import D2L_WHEEL, book_get_params, book_init_rnn_state, book_rnn, import_book_d2l, in_book_layout  # noqa: E402  # noqa: E402
from torch import nn  # noqa: E402

import d2lutil  # noqa: E402

CACHE, CPU, NOTES = Path(__file__).resolve().parent / ".cache", torch.device("cpu"), []
ROWS = (("LeNet, 1 epoch, vs book (4 workers)", "examples/s", "lenet/ours", "lenet/ref-4workers"),
        ("LeNet, 1 epoch, vs book with 0 workers", "examples/s", "lenet/ours", "lenet/ref-0workers"),
        ("LeNet, channels-last d2lutil vs book (4 workers)", "examples/s", "lenet/ours+cl", "lenet/ref-4workers"),
        ("LeNet, channels-last d2lutil vs d2lutil in NCHW", "examples/s", "lenet/ours+cl", "lenet/ours"),
        ("char RNN from scratch", "tokens/s", "rnn-scratch/ours", "rnn-scratch/ref"),
        ("char RNN concise (nn.RNN)", "tokens/s", "rnn-concise/ours", "rnn-concise/ref"))


def lenet(channels_last: bool = False) -> nn.Sequential:
    """The book's LeNet (section 6.6); ``channels_last`` asks d2lutil's ``train_ch6`` for that memory
    layout, as ``d2lutil.lenet()`` does (the book's ``train_ch6`` ignores the request)."""
    net = nn.Sequential(nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(), nn.AvgPool2d(2, stride=2),
                        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(), nn.AvgPool2d(2, stride=2), nn.Flatten(),
                        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(), nn.Linear(84, 10))
    if channels_last:
        net.memory_format = torch.channels_last  # converted after initialising: the same weights as NCHW
    return net


def lenet_run(lib, loaders, channels_last: bool, args) -> dict:
    """One seeded LeNet epoch (cut to ``--lenet-batches``) with ``lib.train_ch6`` (d2lutil's or the book's)."""
    random.seed(0)
    torch.manual_seed(0)
    train = TimedBatches(loaders[0], args.lenet_batches)
    test = TimedBatches(loaders[1], 10 if args.quick else None)  # only to cut the evaluation short
    with contextlib.redirect_stdout(io.StringIO()) as out:  # the book's Animator prints reprs, clear-line codes
        lib.train_ch6(lenet(channels_last), train, test, 1, 0.9, CPU)
    plt.close("all")
    print(out.getvalue() if args.verbose else "", end="")
    # Both loops end with the book's two lines: the loss and accuracies, then their own examples/sec.
    loss, test_acc, own = re.search(r"loss ([\d.]+), train acc [\d.]+, test acc ([\d.]+)\n([\d.]+) examples/sec",
                                    out.getvalue()).groups()
    return record(*train.passes[0], own_rate=float(own), loss=float(loss), test_acc=float(test_acc))


def rnn_run(lib, data, vocab_size: int, kind: str, epochs: int) -> dict:
    """``epochs`` seeded calls of ``lib.train_epoch_ch8`` on the char RNN, ``kind`` 'scratch' or 'concise'."""
    random.seed(0)
    torch.manual_seed(0)
    book = lib is not d2lutil
    if kind == "concise":
        net = lib.RNNModel(nn.RNN(vocab_size, 512), vocab_size=vocab_size).to(CPU)
    else:
        fns = (book_get_params, book_init_rnn_state, book_rnn)
        if not book:
            fns = (lib.get_params, lib.init_rnn_state, lib.rnn)
        net = lib.RNNModelScratch(vocab_size, 512, CPU, *fns)
    if book and kind == "scratch":  # the book's scratch model has no parameters(): the book's own sgd
        updater = lambda batch_size: lib.sgd(net.params, 1.0, batch_size)  # noqa: E731
    else:
        updater = torch.optim.SGD(net.parameters(), lr=1.0)
    timed, start = TimedBatches(data), clocks()
    for _ in range(epochs):
        ppl, _ = lib.train_epoch_ch8(net, timed, nn.CrossEntropyLoss(), updater, CPU, False)
    return record(start, clocks(), sum(items for _, _, items in timed.passes), ppl=ppl)


def variants(d2l, args) -> tuple[dict, int]:
    """{run name: function of no arguments} for the chosen workloads, and the RNN's vocabulary size."""
    runs, vocab_size = {}, 0
    if args.only in (None, "lenet"):
        start = time.perf_counter()
        ours = d2lutil.load_data_fashion_mnist(256)
        ours_s = time.perf_counter() - start
        with in_book_layout(CACHE):
            start = time.perf_counter()
            ref4 = d2l.load_data_fashion_mnist(256)  # the book's 4 DataLoader workers
            ref_s = time.perf_counter() - start
            with unittest.mock.patch.object(d2l, "get_dataloader_workers", lambda: 0):
                ref0 = d2l.load_data_fashion_mnist(256)
        print(f"LeNet data set-up: ours {ours_s:.2f} s, reference {ref_s:.2f} s (not timed below)")
        lenets = {"ours": (d2lutil, ours, False), "ref-4workers": (d2l, ref4, False),
                  "ref-0workers": (d2l, ref0, False)}
        if args.channels_last:
            lenets["ours+cl"] = (d2lutil, ours, True)
        runs.update({f"lenet/{name}": functools.partial(lenet_run, *how, args) for name, how in lenets.items()})
    if args.only in (None, "rnn"):
        ours_iter, vocab = d2lutil.load_data_time_machine(32, 35)
        with in_book_layout(CACHE):
            ref_iter, ref_vocab = d2l.load_data_time_machine(32, 35)
        if ours_iter.corpus.tolist() != list(ref_iter.corpus) or vocab.idx_to_token != ref_vocab.idx_to_token:
            NOTES.append("WARNING: d2lutil's and the book's Time Machine corpora differ")
        vocab_size = len(vocab)
        for kind in ("scratch", "concise"):
            for side, lib, data in (("ours", d2lutil, ours_iter), ("ref", d2l, ref_iter)):
                runs[f"rnn-{kind}/{side}"] = functools.partial(rnn_run, lib, data, vocab_size, kind,
                                                               epochs=args.epochs)
    return runs, vocab_size


def warm_up(d2l, runs: dict) -> None:
    """Pay the one-off costs before any timed run: shared kernels, matplotlib's fonts, one RNN epoch each."""
    net, X = lenet(), torch.rand(256, 1, 28, 28)
    for _ in range(3):
        net(X).sum().backward()
    with contextlib.redirect_stdout(io.StringIO()):
        for animator in (d2lutil.Animator(legend=["a", "b"]), d2l.Animator(legend=["a", "b"])):
            animator.add(1, (1.0, 2.0))
    plt.close("all")
    for name in [name for name in runs if name.startswith("rnn")]:
        runs[name](epochs=1)


def interleaved(runs: dict, repeats: int, args) -> dict[str, list[dict]]:
    """Call every run ``repeats`` times, rotating the order each round; note each call's CPU contention."""
    names, results = list(runs), {name: [] for name in runs}
    for r in range(repeats if runs else 0):
        for name in names[r % len(names):] + names[:r % len(names)]:
            wait_until_quiet(args.max_busy, args.wait_quiet)
            start = clocks()
            res = runs[name]()
            res["others_cpu"] = others_share(start, clocks())
            results[name].append(res)
            extra = {k: round(v, 4) for k, v in res.items() if k in ("loss", "test_acc", "ppl")}
            print(f"  round {r + 1}/{repeats} {name:20s} {res['rate']:9.0f}/s ({res['items']} in "
                  f"{res['seconds']:6.2f} s, {res['cpu_s']:6.2f} CPU-s; other processes "
                  f"{100 * res['others_cpu']:3.0f}% CPU) {extra}", flush=True)
    return results


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line, with the defaults that depend on ``--quick`` filled in."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="100 LeNet minibatches, 5 RNN epochs, 2 rounds each")
    p.add_argument("--repeats", type=int, help="LeNet rounds (default 5, quick 2)")
    p.add_argument("--rnn-repeats", type=int, help="RNN rounds (default 5, quick 2)")
    p.add_argument("--epochs", type=int, help="RNN epochs per timed run (default 20, quick 5)")
    p.add_argument("--lenet-batches", type=int, help="cut the LeNet epoch to this many minibatches (quick 100)")
    p.add_argument("--only", choices=["lenet", "rnn"], help="run one workload only")
    p.add_argument("--no-channels-last", dest="channels_last", action="store_false",
                   help="skip the LeNet run of d2lutil with a channels-last model")
    p.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS", help="before each run wait up "
                   "to SECONDS for other processes to use at most --max-busy of the CPUs (default 0: no wait)")
    p.add_argument("--max-busy", type=float, default=0.1, help="CPU share of other processes counted as quiet")
    p.add_argument("--d2l-wheel", type=Path, help=f"use this {D2L_WHEEL} instead of pip download")
    p.add_argument("--json", type=Path, help="also write every measurement to this file")
    p.add_argument("--report", type=Path, metavar="JSON", help="measure nothing: reprint a --json file's tables")
    p.add_argument("--verbose", action="store_true", help="show the training loops' own output")
    args = p.parse_args(argv)
    args.repeats = args.repeats or (2 if args.quick else 5)
    args.rnn_repeats = args.rnn_repeats or (2 if args.quick else 5)
    args.epochs = args.epochs or (5 if args.quick else 20)
    args.lenet_batches = args.lenet_batches or (100 if args.quick else None)
    if args.lenet_batches is not None and args.lenet_batches < 5:
        p.error("--lenet-batches must be at least 5 (the book's train_ch6 plots every n/5 batches)")
    return args


def main(argv: list[str] | None = None) -> None:
    """Measure the chosen workloads (or reread ``--report``), print the tables, keep them with ``--json``."""
    args = parse_args(argv)
    if args.report:
        report(json.loads(args.report.read_text()))
        return
    start, (d2l, stubbed) = time.perf_counter(), import_book_d2l(CACHE, args.d2l_wheel)
    NOTES.extend(f"stubbed the missing {name} while importing d2l/torch.py (unused here)" for name in stubbed)
    print(f"python {platform.python_version()}, torch {torch.__version__}, nproc {os.cpu_count()}, torch threads "
          f"{torch.get_num_threads()}, d2l 0.17.6; LeNet rounds {args.repeats}, minibatches "
          f"{args.lenet_batches or 'all'}; RNN rounds {args.rnn_repeats}, epochs {args.epochs}", flush=True)
    runs, vocab_size = variants(d2l, args)
    warm_up(d2l, runs)
    results = interleaved({n: run for n, run in runs.items() if n.startswith("lenet")}, args.repeats, args)
    results.update(interleaved({n: run for n, run in runs.items() if n.startswith("rnn")}, args.rnn_repeats, args))
    mm = {}
    if vocab_size:
        wait_until_quiet(args.max_busy, args.wait_quiet)
        mm_start = clocks()
        mm = {"mm2048": matmul_gflops(2048, 2048, 2048, 0.5 if args.quick else 1.0),
              "mm32x512x512": matmul_gflops(32, 512, 512, 0.3 if args.quick else 0.5)}
        mm["others_cpu"] = others_share(mm_start, clocks())
    data = {"args": {k: str(v) for k, v in vars(args).items()}, "python": platform.python_version(),
            "torch": torch.__version__, "nproc": os.cpu_count(), "threads": torch.get_num_threads(),
            "vocab_size": vocab_size, "results": results, "matmul_gflops": mm, "notes": NOTES,
            "max_busy": args.max_busy, "repeats": args.repeats, "rnn_repeats": args.rnn_repeats,
            "seconds": time.perf_counter() - start}
    if args.json:
        args.json.write_text(json.dumps(data, indent=1))
    report(data)


def report(data: dict) -> None:
    """Print the summary tables (Markdown) from the measurements in ``data`` (what ``--json`` writes)."""
    results, max_busy = data["results"], data["max_busy"]
    quiet = {n: [r for r in runs if r["others_cpu"] <= max_busy] or runs for n, runs in results.items()}
    n_quiet = {n: f"{sum(r['others_cpu'] <= max_busy for r in runs)}/{len(runs)}" for n, runs in results.items()}
    best = {n: max(runs, key=lambda r: r["rate"]) for n, runs in results.items()}
    rows = [(label, unit, ours, ref) for label, unit, ours, ref in ROWS if ours in results and ref in results]
    median = {n: statistics.median(r["rate"] for r in quiet[n]) for n in results}
    per_10k = {n: statistics.median(1e4 * r["cpu_s"] / r["items"] for r in quiet[n]) for n in results}
    workloads = (("repeats", "LeNet", "lenet/ours"), ("rnn_repeats", "RNN", "rnn-scratch/ours"))
    rounds = " / ".join(f"{data[key]} ({workload})" for key, workload, run in workloads if run in results)
    print(f"\nbest of {rounds} interleaved rounds; ratio = ours / reference, > 1 means d2lutil is faster; a quiet "
          f"run is one during which other processes used at most {100 * max_busy:.0f}% of the CPUs:")
    print(table("workload | unit | ours (best) | reference (best) | ratio of bests | ratio of quiet medians | quiet "
                "runs (ours, ref) | other processes' CPU in the best runs", [
                    (label, unit, f"{best[o]['rate']:,.0f}", f"{best[r]['rate']:,.0f}",
                     f"**{best[o]['rate'] / best[r]['rate']:.2f}x**", f"{median[o] / median[r]:.2f}x",
                     f"{n_quiet[o]}, {n_quiet[r]}", f"{100 * best[o]['others_cpu']:.0f}%, "
                     f"{100 * best[r]['others_cpu']:.0f}%") for label, unit, o, r in rows], left=2))
    print("\nCPU cost of the timed part, all processes (main + DataLoader workers), median of the quiet runs; "
          "with 2 threads this includes OpenMP threads spin-waiting:")
    print(table("workload | ours CPU-s per 10k | reference CPU-s per 10k | reference / ours", [
        (label, f"{per_10k[o]:.2f}", f"{per_10k[r]:.2f}", f"{per_10k[r] / per_10k[o]:.2f}x")
        for label, _, o, r in rows]))
    if any(best[n]["others_cpu"] > max_busy for row in rows for n in row[2:]):
        print(f"WARNING: other processes used more than {100 * max_busy:.0f}% of the CPUs during some best runs; "
              "those figures are unreliable (rerun with --wait-quiet 120)")
    if "rnn-scratch/ours" in results:
        print_gflops(data["vocab_size"], data["matmul_gflops"], best)
    if "lenet/ours" in results:
        print("\nLeNet, each loop's own examples/s figure (best run; the book's excludes the time spent waiting "
              "for data):")
        for name in [n for n in results if n.startswith("lenet/")]:
            print(f"  {name:22s} {max(r['own_rate'] for r in results[name]):10.1f}")
    for note in data["notes"]:
        print(f"note: {note}")
    print(f"total time {data['seconds']:.0f} s")


def print_gflops(V: int, mm: dict, best: dict) -> None:
    """The RNNs' achieved GFLOP/s (best runs, vocabulary ``V``) beside the ``torch.mm`` rates ``mm``."""
    H = 512
    per_token = 3 * 2 * (V * H + H * H + H * V)  # X W_xh, H W_hh, H W_hq; a multiply-add is 2 FLOPs
    print(f"\nRNN matrix-product FLOPs per token: 3 x 2 x (V*H + H*H + H*V) = {per_token:,} (V={V}, H={H}; "
          "forward+backward taken as 3x forward)")
    print(table("run | tokens/s (best) | achieved GFLOP/s", [
        *((n, f"{best[n]['rate']:,.0f}", f"{best[n]['rate'] * per_token / 1e9:.1f}") for n in
          ("rnn-scratch/ours", "rnn-scratch/ref", "rnn-concise/ours", "rnn-concise/ref")),
        ("torch.mm 2048x2048 @ 2048x2048", "", f"{mm['mm2048']:.1f}"),
        ("torch.mm 32x512 @ 512x512 (one H @ W_hh step)", "", f"{mm['mm32x512x512']:.1f}")]))


if __name__ == "__main__":
    main()
