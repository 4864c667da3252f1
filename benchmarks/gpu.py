"""GPU benchmark: how close train_ch6 comes to each model's own ceiling, and RNN tokens/s.

For every chapter 6-7 model with the book's settings (tests/gpu/book_settings.py) it measures
``d2lutil.train_ch6`` examples/s with Fashion-MNIST kept on the device (``device=`` of the loader),
and the same model's forward/backward/step on random tensors already on the device: the model's
ceiling. The ratio shows what the data path and the training loop cost. For the chapter 8-9
models it measures ``train_ch8`` tokens/s beside the book's V100 figures. Float32 throughout:
TF32 off unless ``--tf32``; no AMP (the book's results were float32).

    taskset -c 0,1 python benchmarks/gpu.py --json out.json   # 2 CPU cores, as on a laptop or Colab
    python benchmarks/gpu.py --smoke                           # tiny CPU run, exercised by the tests
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "gpu"))
import d2lutil as d2l  # noqa: E402

from book_settings import BATCH_SIZE_RNN, IMAGE_RUNS, NUM_STEPS, TEXT_RUNS  # noqa: E402


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def ceiling_examples_per_sec(net: nn.Module, batch_size: int, size: int, steps: int, device: torch.device) -> float:
    """Examples/s of forward, backward and SGD step on random tensors already on ``device``."""
    X = torch.rand(batch_size, 1, size, size, device=device)
    y = torch.randint(10, (batch_size,), device=device)
    optimizer, loss = torch.optim.SGD(net.parameters(), lr=0.01), nn.CrossEntropyLoss()
    for step in range(steps + 2):  # two warm-up steps
        if step == 2:
            _sync(device)
            start = time.perf_counter()
        optimizer.zero_grad()
        loss(net(X), y).backward()
        optimizer.step()
    _sync(device)
    return steps * batch_size / (time.perf_counter() - start)


def bench_cnn(name: str, device: torch.device, num_train: int | None, epochs: int) -> dict:
    run = IMAGE_RUNS[name]
    generator = d2l.set_seed(0)
    train_iter, test_iter = d2l.load_data_fashion_mnist(run.batch_size, run.resize, num_train, generator,
                                                        device=device)
    result = d2l.train_ch6(run.build(), train_iter, test_iter, epochs, run.lr, device, verbose=False)
    ceiling = ceiling_examples_per_sec(run.build().to(device), run.batch_size, run.resize or 28,
                                       min(len(train_iter), 50), device)
    return {"model": name, "examples_per_sec": result["examples_per_sec"], "ceiling": ceiling,
            "share_of_ceiling": result["examples_per_sec"] / ceiling,
            "vs_book_v100": result["examples_per_sec"] / run.book_examples_per_sec}


def bench_rnn(name: str, device: torch.device, epochs: int) -> dict:
    run = TEXT_RUNS[name]
    d2l.set_seed(0)
    train_iter, vocab = d2l.load_data_time_machine(BATCH_SIZE_RNN, NUM_STEPS)
    result = d2l.train_ch8(run.build(len(vocab), device), train_iter, vocab, run.lr, epochs, device, verbose=False)
    return {"model": name, "tokens_per_sec": result["tokens_per_sec"], "book_v100": run.book_tokens_per_sec,
            "vs_book_v100": result["tokens_per_sec"] / run.book_tokens_per_sec}


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--smoke", action="store_true", help="CPU, LeNet and nn.RNN only, a few hundred examples")
    p.add_argument("--tf32", action="store_true", help="allow TF32 matmuls/convolutions (default: float32)")
    p.add_argument("--epochs", type=int, default=1, help="train_ch6 epochs per model")
    p.add_argument("--rnn-epochs", type=int, default=20)
    p.add_argument("--json", type=Path, help="also write the results here")
    args = p.parse_args(argv)
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = args.tf32
    if args.smoke:
        device, cnns, rnns, num_train, rnn_epochs = torch.device("cpu"), ["lenet"], ["rnn_concise"], 512, 1
    else:
        if not torch.cuda.is_available():
            p.error("no CUDA device: use --smoke on a CPU")
        device, cnns, rnns = torch.device("cuda"), list(IMAGE_RUNS), list(TEXT_RUNS)
        num_train, rnn_epochs = None, args.rnn_epochs
    results = {"device": str(device), "tf32": args.tf32, "amp": False, "cnn": [], "rnn": []}
    for name in cnns:
        row = bench_cnn(name, device, num_train, args.epochs)
        results["cnn"].append(row)
        print(f"{name:>10}: {row['examples_per_sec']:9.0f} examples/s, ceiling {row['ceiling']:9.0f} "
              f"({row['share_of_ceiling']:.0%}), {row['vs_book_v100']:.1f}x the book's V100")
    for name in rnns:
        row = bench_rnn(name, device, rnn_epochs)
        results["rnn"].append(row)
        print(f"{name:>12}: {row['tokens_per_sec']:9.0f} tokens/s, book V100 {row['book_v100']:9.0f} "
              f"({row['vs_book_v100']:.1f}x)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1))
    return results


if __name__ == "__main__":
    main()
