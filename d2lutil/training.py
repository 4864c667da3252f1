"""Training loops of chapters 6-9, their bookkeeping (``Timer``, ``Accumulator``) and result tables.

Running sums stay on the device and are read back only a few times per epoch, so a GPU never waits for
the CPU after each minibatch; those read-backs are also where a diverged run (nan or inf) stops.
"""
from __future__ import annotations

import itertools
import math
import time

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from .plotting import Animator
from .rnn import check_vocab_matches, predict_ch8
from .validation import check_choice, check_index_range, check_int, check_number

DRAWS_PER_EPOCH = 5
INIT_KINDS = ("xavier", "kaiming")


class Timer:
    """Record several running times (the book's ``Timer``); it starts when created."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.start()

    def start(self) -> None:
        self._tik = time.perf_counter()

    def stop(self) -> float:
        """Record the time since ``start`` and return it."""
        self.times.append(time.perf_counter() - self._tik)
        return self.times[-1]

    def avg(self) -> float:
        return sum(self.times) / len(self.times) if self.times else 0.0

    def sum(self) -> float:
        return sum(self.times)

    def cumsum(self) -> list[float]:
        return list(itertools.accumulate(self.times))


class Accumulator:
    """Sum ``n`` quantities over ``add`` calls; tensors stay on their device (no GPU sync); ``acc[i]`` is a float."""

    def __init__(self, n: int) -> None:
        self.data: list = [0.0] * check_int("n", n, minimum=1)

    def add(self, *args) -> None:
        if len(args) != len(self.data):
            raise ValueError(f"Accumulator.add expected {len(self.data)} values, got {len(args)}")
        self.data = [a + (b.detach() if torch.is_tensor(b) else float(b))
                     for a, b in zip(self.data, args)]

    def reset(self) -> None:
        self.data = [0.0] * len(self.data)

    def __getitem__(self, idx: int) -> float:
        return float(self.data[idx])


def _mean(metric: Accumulator, source: str) -> float:
    """``metric[0] / metric[1]``: a sum over the examples an iterator yielded, divided by their number."""
    if metric[1] == 0:
        raise ValueError(f"{source} yielded no batches")
    return metric[0] / metric[1]


def load_array(data_arrays, batch_size: int, is_train: bool = True) -> DataLoader:
    """Minibatches of in-memory tensors (the book's ``load_array``), shuffled when ``is_train``."""
    check_int("batch_size", batch_size, minimum=1)
    return DataLoader(TensorDataset(*data_arrays), batch_size, shuffle=is_train)


def sgd(params, lr: float, batch_size: int) -> None:
    """Minibatch SGD from scratch (the book's ``sgd``): the loss was summed over the batch."""
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


def evaluate_loss(net, data_iter, loss) -> float:
    """Average of ``loss`` (unreduced, one value per example) over ``data_iter``."""
    metric = Accumulator(2)  # sum of losses, number of examples
    with torch.no_grad():
        for X, y in data_iter:
            out = net(X)
            metric.add(loss(out, y.reshape(out.shape)).sum(), y.numel())
    return _mean(metric, "evaluate_loss: data_iter")


def accuracy(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Number of correct predictions, as a 0-d tensor on the data's device."""
    return (y_hat.argmax(dim=1) == y).sum()


def evaluate_accuracy_gpu(net: nn.Module, data_iter, device: torch.device | None = None) -> float:
    """Fraction of examples in ``data_iter`` that ``net`` classifies correctly (in eval mode)."""
    if device is None:
        device = next(net.parameters()).device
    was_training = net.training
    net.eval()
    metric = Accumulator(2)  # number correct, number of examples
    with torch.no_grad():
        for X, y in data_iter:
            X, y = X.to(device), y.to(device)
            metric.add(accuracy(net(X), y), y.numel())
    net.train(was_training)
    return _mean(metric, "evaluate_accuracy_gpu: data_iter")


def init_cnn(net: nn.Module, kind: str = "xavier") -> nn.Module:
    """Initialise every ``nn.Linear`` and ``nn.Conv2d`` of ``net`` and return ``net``.

    ``"xavier"``: Xavier-uniform weights, biases kept (the book's ``train_ch6``); ``"kaiming"``: He-normal
    weights for ReLU networks and zero biases.
    """
    check_choice("kind", kind, INIT_KINDS)
    for layer in net.modules():
        if not isinstance(layer, (nn.Linear, nn.Conv2d)):
            continue
        if kind == "xavier":
            nn.init.xavier_uniform_(layer.weight)
        else:
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
    return net


def _stop_if_diverged(value: float, quantity: str, where: str, lr: float) -> None:
    """Stop a diverged run: once the loss is nan or inf, every later step is wasted."""
    if not math.isfinite(value):
        raise FloatingPointError(
            f"the training {quantity} became {value} in {where} (lr={lr:g}): the weights diverged. "
            f"Train again from a fresh initialisation with a smaller learning rate (e.g. lr={lr / 10:g}).")


def train_ch6(net: nn.Module, train_iter, test_iter, num_epochs: int, lr: float,
              device: torch.device, optimizer: torch.optim.Optimizer | None = None,
              init: str | None = "xavier", verbose: bool = True) -> dict:
    """Train a classifier with cross-entropy and minibatch SGD (or ``optimizer``; ``lr`` is then only reported).

    ``init`` initialises the weights first (:func:`init_cnn`; ``None`` keeps them); ``verbose=False`` neither
    plots nor prints. Returns the final loss and accuracies, examples/s, seconds and a per-epoch ``history``.
    """
    check_int("num_epochs", num_epochs, minimum=1)
    check_number("lr", lr, positive=optimizer is None)
    if isinstance(init, bool):
        raise TypeError(f"init must be 'xavier', 'kaiming' or None (keep the current weights), got {init}; "
                        "use init='xavier' instead of True and init=None instead of False")
    check_choice("init", init, (*INIT_KINDS, None))
    num_batches = len(train_iter)
    if num_batches == 0:
        raise ValueError("train_iter is empty: it must yield at least one (X, y) batch")
    if init is not None:
        init_cnn(net, init)
    # A model may ask for channels-last tensors (LeNet does: faster convolutions on a CPU; slower
    # for batch normalisation, so the BN models don't). Only the memory layout changes, not the maths.
    layout = getattr(net, "memory_format", None) if torch.device(device).type == "cpu" else None
    net.to(device, memory_format=layout or torch.contiguous_format)
    optimizer = optimizer or torch.optim.SGD(net.parameters(), lr=lr)
    loss = nn.CrossEntropyLoss()
    animator = Animator(xlabel="epoch", xlim=[0, num_epochs],
                        legend=["train loss", "train acc", "test acc"]) if verbose else None
    timer, history = Timer(), []
    check_every = max(1, num_batches // DRAWS_PER_EPOCH)
    for epoch in range(num_epochs):
        metric = Accumulator(3)  # sum of loss, number correct, number of examples
        net.train()
        timer.start()
        for batch, (X, y) in enumerate(train_iter, 1):
            X, y_dev = X.to(device, memory_format=layout or torch.preserve_format), y.to(device)
            y_hat = net(X)
            if y.device.type == "cpu":  # free on the CPU; on a GPU it would wait for every batch
                check_index_range("labels y", y, y_hat.shape[1], "class labels")
            l = loss(y_hat, y_dev)
            optimizer.zero_grad()
            l.backward()
            optimizer.step()
            metric.add(l.detach() * y.numel(), accuracy(y_hat, y_dev), y.numel())
            if batch % check_every == 0 or batch == num_batches:
                first = batch - (batch - 1) % check_every  # the first batch since the last read-back
                batches = f"batch {batch}" if first == batch else f"batches {first}-{batch}"
                _stop_if_diverged(metric[0], "loss", f"epoch {epoch + 1}, {batches}", lr)
                if animator:
                    animator.add(epoch + batch / num_batches,
                                 (metric[0] / metric[2], metric[1] / metric[2], None))
        timer.stop()
        test_acc = evaluate_accuracy_gpu(net, test_iter, device)
        if animator:
            animator.add(epoch + 1, (None, None, test_acc))
        history.append({"epoch": epoch + 1, "train_loss": metric[0] / metric[2],
                        "train_acc": metric[1] / metric[2], "test_acc": test_acc})
    result = {key: history[-1][key] for key in ("train_loss", "train_acc", "test_acc")}
    result.update(examples_per_sec=metric[2] * num_epochs / timer.sum(), seconds=timer.sum(), history=history)
    if verbose:
        print(f"loss {result['train_loss']:.3f}, train acc {result['train_acc']:.3f}, "
              f"test acc {result['test_acc']:.3f}")
        print(f"{result['examples_per_sec']:.1f} examples/sec on {device}")
    return result


def grad_clipping(net, theta: float) -> None:
    """Rescale all gradients so that their joint L2 norm is at most ``theta`` (> 0), on the device."""
    check_number("theta", theta, positive=True)
    params = net.parameters() if isinstance(net, nn.Module) else net.params
    nn.utils.clip_grad_norm_([p for p in params if p.requires_grad], theta)


def detach_state(state):
    """Cut the autograd history of a hidden state (a tensor or a tuple, as for an LSTM)."""
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()


def _perplexity(mean_loss: float) -> float:
    """exp(mean loss); inf when the mean loss is too large (or infinite) to exponentiate."""
    try:
        return math.exp(mean_loss)
    except OverflowError:
        return math.inf


def train_epoch_ch8(net, train_iter, loss, updater: torch.optim.Optimizer,
                    device: torch.device, use_random_iter: bool,
                    theta: float | None = 1.0) -> tuple[float, float]:
    """Train a language model for one epoch; return (perplexity, tokens per second), nan or inf if it diverged.

    Sequential minibatches carry the (detached) state on, random ones restart it; ``theta=None``: no clipping.
    """
    state, timer = None, Timer()
    metric = Accumulator(2)  # sum of loss, number of tokens
    for X, Y in train_iter:
        if state is None or use_random_iter:
            state = net.begin_state(batch_size=X.shape[0], device=device)
        else:
            state = detach_state(state)
        X, y = X.to(device), Y.T.reshape(-1).to(device)
        y_hat, state = net(X, state)
        l = loss(y_hat, y.long()).mean()
        updater.zero_grad()
        l.backward()
        if theta is not None:
            grad_clipping(net, theta)
        updater.step()
        metric.add(l.detach() * y.numel(), y.numel())
    return _perplexity(_mean(metric, "train_epoch_ch8: train_iter")), metric[1] / timer.stop()


def evaluate_perplexity(net, data_iter, device: torch.device) -> float:
    """Perplexity of ``net`` on ``data_iter`` (sequential batches, state carried along), in eval mode."""
    loss, state = nn.CrossEntropyLoss(), None
    metric = Accumulator(2)  # sum of loss, number of tokens
    was_training = net.training
    net.eval()
    try:
        with torch.no_grad():
            for X, Y in data_iter:
                if state is None:
                    state = net.begin_state(batch_size=X.shape[0], device=device)
                y = Y.T.reshape(-1).to(device)
                y_hat, state = net(X.to(device), state)
                metric.add(loss(y_hat, y.long()) * y.numel(), y.numel())
    finally:
        net.train(was_training)
    return _perplexity(_mean(metric, "evaluate_perplexity: data_iter"))


def train_ch8(net, train_iter, vocab, lr: float, num_epochs: int, device: torch.device,
              use_random_iter: bool = False, prefix: str = "time traveller",
              held_out_iter=None, theta: float | None = 1.0, verbose: bool = True) -> dict:
    """Train a character-level language model with SGD and gradient clipping (norm ``theta``; ``None``: none).

    About every 10th epoch it records the training perplexity and, with ``held_out_iter``, the held-out one, so
    memorisation shows as a widening gap. ``verbose`` plots them and prints a continuation of ``prefix``.
    Returns the perplexities, tokens/s, seconds and ``history``; raises ``FloatingPointError`` on divergence.
    """
    check_int("num_epochs", num_epochs, minimum=1)
    check_number("lr", lr, positive=True)
    check_vocab_matches(net, vocab)
    updater = torch.optim.SGD(net.parameters(), lr=lr)
    loss = nn.CrossEntropyLoss()
    legend = ["train"] if held_out_iter is None else ["train", "held-out"]
    animator = Animator(xlabel="epoch", ylabel="perplexity", legend=legend,
                        xlim=[1, max(2, num_epochs)]) if verbose else None
    record_every = max(1, min(10, num_epochs // 10))
    history, timer, held_out_ppl = [], Timer(), None
    for epoch in range(num_epochs):
        timer.start()
        ppl, speed = train_epoch_ch8(net, train_iter, loss, updater, device, use_random_iter, theta)
        timer.stop()
        _stop_if_diverged(ppl, "perplexity", f"epoch {epoch + 1}", lr)
        if (epoch + 1) % record_every == 0 or epoch + 1 == num_epochs:
            if held_out_iter is not None:
                held_out_ppl = evaluate_perplexity(net, held_out_iter, device)
            history.append({"epoch": epoch + 1, "perplexity": ppl, "held_out_perplexity": held_out_ppl})
            if animator:
                animator.add(epoch + 1, [ppl] if held_out_iter is None else [ppl, held_out_ppl])
    result = {"perplexity": ppl, "held_out_perplexity": held_out_ppl, "tokens_per_sec": speed,
              "seconds": timer.sum(), "history": history}
    if verbose:
        held_out = "" if held_out_iter is None else f", held-out perplexity {held_out_ppl:.1f}"
        print(f"perplexity {ppl:.1f}{held_out}, {speed:.1f} tokens/sec on {device}")
        print(predict_ch8(prefix, 50, net, vocab, device))
    return result


def _format_value(value) -> str:
    """A table cell: None as "-", integers with thousands separators, floats to about 3 significant places."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "-" if value is None else str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if abs(value) >= 1000:  # inf too
        return f"{value:,.0f}"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.3f}"  # nan: "nan"


def _print_table(header: list[str], rows: list[list], title: str | None = None) -> None:
    """Print ``rows`` under ``header`` in aligned columns: the first left-aligned, the rest right-aligned."""
    cells = [header] + [[str(row[0])] + [_format_value(v) for v in row[1:]] for row in rows]
    widths = [max(len(row[j]) for row in cells) for j in range(len(header))]
    lines = [" | ".join([row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])])
             for row in cells]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    print("\n".join([title, *lines] if title else lines))


def book_vs_run(rows, title: str | None = None) -> None:
    """Print ``(label, book_value, run_value)`` rows as one aligned table "quantity | book (V100) | this run"."""
    rows = [list(row) for row in rows]
    if any(len(row) != 3 for row in rows):
        raise ValueError("book_vs_run: rows must be (label, book_value, run_value) triples")
    _print_table(["quantity", "book (V100)", "this run"], rows, title)


def perplexity_table(results: dict[str, dict], book: dict[str, float] | None = None) -> None:
    """Print train and held-out perplexity, held-out bits per character and, with ``book``, the book's
    training perplexity, one row per model of ``results`` (name -> what ``train_ch8`` returned).
    """
    header = ["model", "train perplexity", "held-out perplexity", "held-out bits/char"]
    rows = []
    for name, result in results.items():
        held_out = result.get("held_out_perplexity")
        rows.append([name, result["perplexity"], held_out, None if held_out is None else math.log2(held_out)])
        if book is not None:
            rows[-1].append(book.get(name))
    _print_table(header + (["book train perplexity"] if book is not None else []), rows)
