"""Text as data: read a book, split it into tokens, number the tokens, cut minibatches.

Two books are bundled: H. G. Wells' *The Time Machine* (the book's corpus) and *The War of
the Worlds* (for exercise 8.5.2). Both are reduced to lower-case letters and spaces.
"""
from __future__ import annotations

import collections
import re
from collections.abc import Iterator

import torch

from .datafiles import data_file

BOOKS = {"time_machine": "timemachine.txt", "war_of_the_worlds": "war_of_the_worlds.txt"}
TOKEN_TYPES = ("word", "char")


def _strip_gutenberg(text: str) -> str:
    """Keep only the text between Project Gutenberg's START and END markers, if present."""
    start = re.search(r"\*\*\* ?START OF (THE|THIS) PROJECT GUTENBERG EBOOK.*?\*\*\*", text)
    end = re.search(r"\*\*\* ?END OF (THE|THIS) PROJECT GUTENBERG EBOOK", text)
    if start and end:
        text = text[start.end():end.start()]
    return text


def read_book(book: str = "time_machine", download: bool = False) -> list[str]:
    """Read a bundled book as lines of lower-case letters and single spaces."""
    if book not in BOOKS:
        raise ValueError(f"book must be one of {sorted(BOOKS)}, got {book!r}")
    # utf-8-sig drops a byte-order mark; universal newlines turn CRLF into LF.
    text = data_file(BOOKS[book], download).read_text(encoding="utf-8-sig")
    text = _strip_gutenberg(text)
    return [re.sub("[^A-Za-z]+", " ", line).strip().lower() for line in text.splitlines()]


def read_time_machine() -> list[str]:
    """The Time Machine as a list of cleaned lines (the book's helper)."""
    return read_book("time_machine")


def read_war_of_the_worlds() -> list[str]:
    """The War of the Worlds as a list of cleaned lines, Gutenberg header and licence removed."""
    return read_book("war_of_the_worlds")


def tokenize(lines: list[str], token: str = "word") -> list[list[str]]:
    """Split each line into word tokens or character tokens."""
    if token == "word":
        return [line.split() for line in lines]
    if token == "char":
        return [list(line) for line in lines]
    raise ValueError(f"token must be one of {TOKEN_TYPES}, got {token!r}")


def count_corpus(tokens) -> collections.Counter:
    """Count token frequencies in a flat list or a list of token lists."""
    if tokens and isinstance(tokens[0], list):
        tokens = [tok for line in tokens for tok in line]
    return collections.Counter(tokens)


class Vocab:
    """Map tokens to integer indices and back.

    Index 0 is ``<unk>`` (any unknown token), then ``reserved_tokens``, then every token seen at
    least ``min_freq`` times, most frequent first (ties keep their order of first appearance).
    """

    def __init__(self, tokens=None, min_freq: int = 0, reserved_tokens: list[str] | None = None) -> None:
        counter = count_corpus(tokens or [])
        self._token_freqs = sorted(counter.items(), key=lambda kv: kv[1], reverse=True)
        self.idx_to_token = ["<unk>"] + list(reserved_tokens or [])
        for token, freq in self._token_freqs:
            if freq < min_freq:
                break
            if token not in self.idx_to_token:
                self.idx_to_token.append(token)
        self.token_to_idx = {token: idx for idx, token in enumerate(self.idx_to_token)}

    def __len__(self) -> int:
        return len(self.idx_to_token)

    def __getitem__(self, tokens):
        """Index of one token, or a list of indices for a list/tuple of tokens."""
        if not isinstance(tokens, (list, tuple)):
            return self.token_to_idx.get(tokens, self.unk)
        return [self[token] for token in tokens]

    def to_tokens(self, indices):
        """Token of one index, or tokens of a list of indices."""
        if hasattr(indices, "__len__") and not isinstance(indices, str) and getattr(indices, "ndim", 1) != 0:
            return [self.idx_to_token[int(i)] for i in indices]
        return self.idx_to_token[int(indices)]

    @property
    def unk(self) -> int:
        return 0

    @property
    def token_freqs(self) -> list[tuple[str, int]]:
        return self._token_freqs


def load_corpus(book: str = "time_machine", max_tokens: int = -1,
                token: str = "char") -> tuple[list[int], Vocab]:
    """Token indices of a whole book and its vocabulary (character tokens by default)."""
    tokens = tokenize(read_book(book), token)
    vocab = Vocab(tokens)
    corpus = [vocab[tok] for line in tokens for tok in line]
    if max_tokens > 0:
        corpus = corpus[:max_tokens]
    return corpus, vocab


def load_corpus_time_machine(max_tokens: int = -1) -> tuple[list[int], Vocab]:
    """Character indices of The Time Machine and its vocabulary (the book's helper)."""
    return load_corpus("time_machine", max_tokens)


def _check_sequence_args(corpus, batch_size: int, num_steps: int) -> torch.Tensor:
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    if not isinstance(num_steps, int) or num_steps < 1:
        raise ValueError(f"num_steps must be a positive integer, got {num_steps!r}")
    corpus = torch.as_tensor(corpus, dtype=torch.long)
    if corpus.dim() != 1 or len(corpus) == 0:
        raise ValueError("corpus must be a non-empty 1-D sequence of token indices")
    if num_steps >= len(corpus):
        raise ValueError(f"num_steps={num_steps} must be shorter than the corpus ({len(corpus)} tokens)")
    return corpus


def _check_fits(corpus: torch.Tensor, batch_size: int, num_steps: int, use_random_iter: bool) -> None:
    """Raise unless one minibatch fits after every possible offset (0 .. num_steps - 1).

    Checking the largest offset makes the answer independent of the seed, and lets
    ``SeqDataLoader`` refuse a batch_size the corpus cannot fill before training starts.
    """
    usable = len(corpus) - num_steps  # tokens after the largest offset, less one for the targets
    if use_random_iter and usable // num_steps < batch_size:
        raise ValueError(f"batch_size={batch_size} is larger than the {usable // num_steps} subsequences "
                         f"of {num_steps} tokens this corpus of {len(corpus)} tokens allows")
    if not use_random_iter and usable // batch_size < num_steps:
        raise ValueError(f"batch_size={batch_size} x num_steps={num_steps} needs more than the "
                         f"{len(corpus)} tokens of this corpus")


def seq_data_iter_random(corpus, batch_size: int, num_steps: int,
                         generator: torch.Generator | None = None) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Minibatches of subsequences taken from random places (random sampling).

    The corpus is cut into pieces of ``num_steps`` tokens after a random offset; each
    minibatch holds ``batch_size`` pieces in random order, so neighbouring minibatches are not
    neighbouring text. Yields ``(X, Y)`` of shape (batch_size, num_steps), Y shifted by one.
    """
    corpus = _check_sequence_args(corpus, batch_size, num_steps)
    _check_fits(corpus, batch_size, num_steps, use_random_iter=True)
    offset = int(torch.randint(num_steps, (1,), generator=generator))
    corpus = corpus[offset:]
    num_subseqs = (len(corpus) - 1) // num_steps
    starts = torch.arange(0, num_subseqs * num_steps, num_steps)
    starts = starts[torch.randperm(num_subseqs, generator=generator)]
    steps = torch.arange(num_steps)
    for i in range(0, (num_subseqs // batch_size) * batch_size, batch_size):
        rows = starts[i:i + batch_size, None] + steps
        yield corpus[rows], corpus[rows + 1]


def seq_data_iter_sequential(corpus, batch_size: int, num_steps: int,
                             generator: torch.Generator | None = None) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Minibatches in which row ``b`` of one batch continues row ``b`` of the previous one.

    After a random offset the corpus is laid out as ``batch_size`` long rows and cut into
    windows of ``num_steps`` columns, so a hidden state can be carried from batch to batch.
    """
    corpus = _check_sequence_args(corpus, batch_size, num_steps)
    _check_fits(corpus, batch_size, num_steps, use_random_iter=False)
    offset = int(torch.randint(num_steps, (1,), generator=generator))
    num_tokens = ((len(corpus) - offset - 1) // batch_size) * batch_size
    Xs = corpus[offset:offset + num_tokens].reshape(batch_size, -1)
    Ys = corpus[offset + 1:offset + 1 + num_tokens].reshape(batch_size, -1)
    num_batches = Xs.shape[1] // num_steps
    for i in range(0, num_batches * num_steps, num_steps):
        yield Xs[:, i:i + num_steps], Ys[:, i:i + num_steps]


class SeqDataLoader:
    """Re-iterable minibatches over a token corpus (random or sequential sampling)."""

    def __init__(self, corpus, batch_size: int, num_steps: int, use_random_iter: bool = False,
                 generator: torch.Generator | None = None) -> None:
        self.corpus = _check_sequence_args(corpus, batch_size, num_steps)
        _check_fits(self.corpus, batch_size, num_steps, use_random_iter)
        self.batch_size, self.num_steps = batch_size, num_steps
        self.generator = generator
        self.data_iter_fn = seq_data_iter_random if use_random_iter else seq_data_iter_sequential

    def __iter__(self):
        return self.data_iter_fn(self.corpus, self.batch_size, self.num_steps, self.generator)


def load_data_book(book: str, batch_size: int, num_steps: int, use_random_iter: bool = False,
                   max_tokens: int = 10000, generator: torch.Generator | None = None) -> tuple[SeqDataLoader, Vocab]:
    """Character minibatches of a bundled book and its vocabulary."""
    corpus, vocab = load_corpus(book, max_tokens)
    return SeqDataLoader(corpus, batch_size, num_steps, use_random_iter, generator), vocab


def load_data_time_machine(batch_size: int, num_steps: int, use_random_iter: bool = False,
                           max_tokens: int = 10000, generator: torch.Generator | None = None):
    """Character minibatches of The Time Machine and its vocabulary (the book's helper)."""
    return load_data_book("time_machine", batch_size, num_steps, use_random_iter, max_tokens, generator)


def load_data_war_of_the_worlds(batch_size: int, num_steps: int, use_random_iter: bool = False,
                                max_tokens: int = 10000, generator: torch.Generator | None = None):
    """Character minibatches of The War of the Worlds and its vocabulary."""
    return load_data_book("war_of_the_worlds", batch_size, num_steps, use_random_iter, max_tokens, generator)


def count_ngrams(tokens, n: int) -> collections.Counter:
    """Count the n-grams (tuples of ``n`` consecutive tokens) of a flat token list.

    ``n=1`` counts 1-tuples, so unigrams, bigrams and trigrams are handled alike. A list of
    token lists is flattened first (n-grams then run across line ends, as in the book).
    """
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if tokens and isinstance(tokens[0], list):
        tokens = [tok for line in tokens for tok in line]
    return collections.Counter(zip(*(tokens[i:] for i in range(n))))


def fit_zipf(freqs, min_rank: int = 1, max_rank: int | None = None) -> tuple[float, float]:
    """Fit Zipf's law ``freq ~ c * rank**(-alpha)`` by least squares on log(freq) vs log(rank).

    ``freqs`` are counts (any order; they are sorted, most frequent first, rank 1). Only ranks
    ``min_rank..max_rank`` (inclusive) are used: the head and the long tail of count-1 items
    usually bend away from the line. Returns ``(alpha, log_c)``.
    """
    counts = sorted((float(f) for f in freqs), reverse=True)
    if any(f <= 0 for f in counts):
        raise ValueError("freqs must all be positive counts")
    max_rank = len(counts) if max_rank is None else max_rank
    if not 1 <= min_rank < max_rank <= len(counts):
        raise ValueError(f"need 1 <= min_rank < max_rank <= len(freqs)={len(counts)}, "
                         f"got min_rank={min_rank}, max_rank={max_rank}")
    ranks = torch.arange(min_rank, max_rank + 1, dtype=torch.float64)
    log_f = torch.tensor(counts[min_rank - 1:max_rank], dtype=torch.float64).log()
    A = torch.stack([torch.ones_like(ranks), -ranks.log()], dim=1)
    log_c, alpha = torch.linalg.lstsq(A, log_f[:, None]).solution.flatten().tolist()
    return alpha, log_c
