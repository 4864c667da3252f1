"""Masked-character prediction: a task where reading the text in both directions helps (9.4).

Each example is a window of ``2k + 1`` characters whose middle character is replaced by a mask
token; the model must name the hidden character. A bidirectional RNN reads the window from both
ends and meets at the middle, a one-directional RNN has seen only the left half by then, so the
task measures what the right-hand context is worth.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from .rnn import one_hot_tokens
from .text import Vocab, read_book, tokenize

MASK = "<mask>"


def masked_char_windows(corpus, k: int, mask_idx: int, centers) -> tuple[torch.Tensor, torch.Tensor]:
    """Windows ``corpus[c-k : c+k+1]`` for each centre ``c``, middle replaced by ``mask_idx``.

    Returns ``X`` of shape (len(centers), 2k+1) and ``y`` (the original middle tokens).
    """
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive integer (context characters per side), got {k!r}")
    corpus = torch.as_tensor(corpus, dtype=torch.long)
    centers = torch.as_tensor(centers, dtype=torch.long)
    if corpus.dim() != 1 or centers.dim() != 1:
        raise ValueError("corpus and centers must be 1-D sequences of integers")
    if len(centers) and (int(centers.min()) < k or int(centers.max()) >= len(corpus) - k):
        raise ValueError(f"centers must lie in [k, len(corpus) - k) = [{k}, {len(corpus) - k}) "
                         "so that every window fits inside the corpus")
    X = corpus[centers[:, None] + torch.arange(-k, k + 1)]
    y = X[:, k].clone()
    X[:, k] = mask_idx
    return X, y


def load_data_masked_chars(k: int, batch_size: int, num_train: int, num_test: int,
                           generator: torch.Generator | None = None, book: str = "time_machine",
                           train_fraction: float = 0.8) -> tuple[DataLoader, DataLoader, Vocab]:
    """Masked-character minibatches of a bundled book: (train_iter, test_iter, vocab).

    Train windows are centred at random places in the first ``train_fraction`` of the text,
    test windows in the rest (no window crosses the split), so the test accuracy is measured
    on text the model never read. The vocabulary has ``<mask>`` at index 1 (after ``<unk>``).
    """
    if not 0 < train_fraction < 1:
        raise ValueError(f"train_fraction must be between 0 and 1, got {train_fraction}")
    for name, value in (("batch_size", batch_size), ("num_train", num_train), ("num_test", num_test)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    tokens = tokenize(read_book(book), "char")
    vocab = Vocab(tokens, reserved_tokens=[MASK])
    corpus = torch.tensor([vocab[tok] for line in tokens for tok in line])
    split = int(len(corpus) * train_fraction)
    g = generator if generator is not None else torch.Generator().manual_seed(0)
    # test windows first, so that they do not depend on how many training windows are drawn
    test_c = torch.randint(split + k, len(corpus) - k, (num_test,), generator=g)
    train_c = torch.randint(k, split - k, (num_train,), generator=g)
    train = TensorDataset(*masked_char_windows(corpus, k, vocab[MASK], train_c))
    test = TensorDataset(*masked_char_windows(corpus, k, vocab[MASK], test_c))
    return (DataLoader(train, batch_size, shuffle=True, generator=g),
            DataLoader(test, batch_size), vocab)


class MaskedCharRNN(nn.Module):
    """Read a masked window with a GRU and classify the middle character.

    The prediction uses the GRU output at the middle (masked) position: one-directional, that
    state has read only the left half of the window; bidirectional, it is the left-to-right state
    concatenated with the right-to-left one, so both halves are used.
    """

    def __init__(self, vocab_size: int, num_hiddens: int, bidirectional: bool,
                 num_layers: int = 1) -> None:
        super().__init__()
        self.vocab_size = vocab_size
        self.rnn = nn.GRU(vocab_size, num_hiddens, num_layers, bidirectional=bidirectional)
        self.linear = nn.Linear(num_hiddens * (2 if bidirectional else 1), vocab_size)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        if X.dim() != 2 or X.shape[1] % 2 != 1:
            raise ValueError(f"X must be (batch, 2k+1) token indices, got shape {tuple(X.shape)}")
        Y, _ = self.rnn(one_hot_tokens(X, self.vocab_size))  # (time, batch, D*H)
        return self.linear(Y[X.shape[1] // 2])
