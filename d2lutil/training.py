"""Training loops for the image classifiers (chapter 6-7) and the language models (chapter 8-9).

The loops keep running sums on the device (see ``Accumulator``) and read them back only a few
times per epoch, so a GPU is never made to wait for the CPU after each minibatch.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from .metrics import Accumulator, Timer
from .plotting import Animator
from .rnn import predict_ch8

DRAWS_PER_EPOCH = 5


def accuracy(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Number of correct predictions, as a 0-d tensor on the data's device."""
    return (y_hat.argmax(dim=1) == y).sum()


def evaluate_accuracy_gpu(net: nn.Module, data_iter, device: torch.device | None = None) -> float:
    """Fraction of examples in ``data_iter`` that ``net`` classifies correctly."""
    if device is None:
        device = next(net.parameters()).device
    was_training = net.training
    net.eval()
    metric = Accumulator(2)
    with torch.no_grad():
        for X, y in data_iter:
            X, y = X.to(device), y.to(device)
            metric.add(accuracy(net(X), y), y.numel())
    net.train(was_training)
    if metric[1] == 0:
        raise ValueError("evaluate_accuracy_gpu: data_iter yielded no batches")
    return metric[0] / metric[1]


def init_cnn(module: nn.Module) -> None:
    """Xavier-uniform initialisation for linear and convolution layers (as the book's train_ch6)."""
    if isinstance(module, (nn.Linear, nn.Conv2d)):
        nn.init.xavier_uniform_(module.weight)


def train_ch6(net: nn.Module, train_iter, test_iter, num_epochs: int, lr: float,
              device: torch.device, optimizer: torch.optim.Optimizer | None = None,
              init: bool = True) -> dict[str, float]:
    """Train a classifier with cross-entropy and minibatch SGD, plotting progress.

    ``optimizer`` replaces plain SGD(lr) when given; ``init=False`` keeps the current weights.
    Prints and returns the final train loss, train accuracy, test accuracy and examples/s
    (training time only, data preparation included).
    """
    if num_epochs < 1:
        raise ValueError(f"num_epochs must be at least 1, got {num_epochs}")
    if init:
        net.apply(init_cnn)
    net.to(device)
    optimizer = optimizer or torch.optim.SGD(net.parameters(), lr=lr)
    loss = nn.CrossEntropyLoss()
    animator = Animator(xlabel="epoch", xlim=[0, num_epochs],
                        legend=["train loss", "train acc", "test acc"])
    num_batches, timer = len(train_iter), Timer()
    draw_every = max(1, num_batches // DRAWS_PER_EPOCH)
    for epoch in range(num_epochs):
        metric = Accumulator(3)  # sum of loss, number correct, number of examples
        net.train()
        timer.start()
        for i, (X, y) in enumerate(train_iter):
            X, y = X.to(device), y.to(device)
            y_hat = net(X)
            l = loss(y_hat, y)
            optimizer.zero_grad()
            l.backward()
            optimizer.step()
            metric.add(l.detach() * y.numel(), accuracy(y_hat, y), y.numel())
            if (i + 1) % draw_every == 0 or i + 1 == num_batches:
                animator.add(epoch + (i + 1) / num_batches,
                             (metric[0] / metric[2], metric[1] / metric[2], None))
        timer.stop()
        test_acc = evaluate_accuracy_gpu(net, test_iter, device)
        animator.add(epoch + 1, (None, None, test_acc))
    result = {"train_loss": metric[0] / metric[2], "train_acc": metric[1] / metric[2],
              "test_acc": test_acc, "examples_per_sec": metric[2] * num_epochs / timer.sum()}
    print(f"loss {result['train_loss']:.3f}, train acc {result['train_acc']:.3f}, "
          f"test acc {result['test_acc']:.3f}")
    print(f"{result['examples_per_sec']:.1f} examples/sec on {device}")
    return result


def grad_clipping(net, theta: float) -> None:
    """Rescale all gradients so that their joint L2 norm is at most ``theta``.

    Unlike ``if norm > theta`` (which makes the GPU report back after every step), the
    rescaling factor ``min(1, theta / norm)`` is applied on the device.
    """
    params = net.parameters() if isinstance(net, nn.Module) else net.params
    nn.utils.clip_grad_norm_([p for p in params if p.requires_grad], theta)


def detach_state(state):
    """Cut the autograd history of a hidden state (a tensor or a tuple, as for an LSTM)."""
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()


def train_epoch_ch8(net, train_iter, loss, updater: torch.optim.Optimizer,
                    device: torch.device, use_random_iter: bool,
                    theta: float | None = 1.0) -> tuple[float, float]:
    """Train a language model for one epoch; return (perplexity, tokens per second).

    With sequential minibatches the state flows from one batch into the next (detached, so
    backpropagation stops at the batch boundary); with random minibatches it restarts.
    Gradients are clipped to norm ``theta`` (``None`` turns clipping off, for experiments).
    """
    if theta is not None and theta <= 0:
        raise ValueError(f"theta must be positive or None (no clipping), got {theta}")
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
    if metric[1] == 0:
        raise ValueError("train_epoch_ch8: train_iter yielded no batches")
    return math.exp(metric[0] / metric[1]), metric[1] / timer.stop()


def evaluate_perplexity(net, data_iter, device: torch.device) -> float:
    """Perplexity of ``net`` on ``data_iter`` (sequential batches, state carried along).

    Runs in eval mode (dropout off) and restores the previous mode afterwards, so it can be
    called between training epochs.
    """
    loss, state = nn.CrossEntropyLoss(), None
    metric = Accumulator(2)
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
    if metric[1] == 0:
        raise ValueError("evaluate_perplexity: data_iter yielded no batches")
    return math.exp(metric[0] / metric[1])


def train_ch8(net, train_iter, vocab, lr: float, num_epochs: int, device: torch.device,
              use_random_iter: bool = False, prefix: str = "time traveller",
              held_out_iter=None, theta: float | None = 1.0) -> tuple[float, float]:
    """Train a character-level language model; return (final perplexity, tokens per second).

    Plots the training perplexity about every 10 epochs and prints a greedy continuation of
    ``prefix``. With ``held_out_iter`` (sequential batches of text the model does not train on)
    it also plots and prints the held-out perplexity, so memorisation shows as a widening gap.
    ``theta`` is the gradient-clipping norm (``None``: no clipping).
    """
    if num_epochs < 1:
        raise ValueError(f"num_epochs must be at least 1, got {num_epochs}")
    updater = torch.optim.SGD(net.parameters(), lr=lr)
    loss = nn.CrossEntropyLoss()
    legend = ["train"] if held_out_iter is None else ["train", "held-out"]
    animator = Animator(xlabel="epoch", ylabel="perplexity", legend=legend, xlim=[1, max(2, num_epochs)])
    draw_every = max(1, min(10, num_epochs // 10))
    for epoch in range(num_epochs):
        ppl, speed = train_epoch_ch8(net, train_iter, loss, updater, device, use_random_iter, theta)
        if (epoch + 1) % draw_every == 0 or epoch + 1 == num_epochs:
            if held_out_iter is None:
                animator.add(epoch + 1, [ppl])
            else:
                held_out_ppl = evaluate_perplexity(net, held_out_iter, device)
                animator.add(epoch + 1, [ppl, held_out_ppl])
    held_out = "" if held_out_iter is None else f", held-out perplexity {held_out_ppl:.1f}"
    print(f"perplexity {ppl:.1f}{held_out}, {speed:.1f} tokens/sec on {device}")
    print(predict_ch8(prefix, 50, net, vocab, device))
    return ppl, speed
