"""Text as data: read a book, split it into tokens, number the tokens, cut minibatches.

Two books are bundled: H. G. Wells' *The Time Machine* (the book's corpus) and *The War of
the Worlds* (for exercise 8.5.2). Both are reduced to lower-case letters and spaces.
"""
from __future__ import annotations

import collections
import math
import numbers
import re
from collections.abc import Iterator

import torch

from .datasets import data_file
from .validation import check_index_range, check_int

BOOKS = {"time_machine": "timemachine.txt", "war_of_the_worlds": "war_of_the_worlds.txt"}
TOKEN_TYPES = ("word", "char")
#: Share of The Time Machine's characters, at its end, that no chapter 8-9 model trains on.
HELD_OUT_FRACTION = 0.1


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


def _check_lines(lines) -> None:
    """``lines`` must be a list (or tuple) of str: a bare str would be read as one line per character."""
    if isinstance(lines, str):
        raise TypeError(f"lines must be a list of strings (one per line), got one str of {len(lines)} "
                        f"characters; wrap it in a list: tokenize([text])")
    if not isinstance(lines, (list, tuple)) or not all(isinstance(line, str) for line in lines):
        raise TypeError(f"lines must be a list of strings (one per line), got {type(lines).__name__}; "
                        f"read a book with d2l.read_time_machine()")


def tokenize(lines: list[str], token: str = "word") -> list[list[str]]:
    """Split each line into word tokens or character tokens."""
    _check_lines(lines)
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


def _is_integer(value) -> bool:
    """An int, a numpy integer or a 0-d integer tensor; not a bool, a float or a str."""
    if isinstance(value, torch.Tensor):
        return value.dim() == 0 and not value.is_floating_point() and value.dtype != torch.bool
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _all_integers(values) -> bool:
    return all(_is_integer(v) for v in values)


class Vocab:
    """Map tokens to indices and back: 0 is ``<unk>``, then ``reserved_tokens``, then tokens seen at least
    ``min_freq`` times, most frequent first.
    """

    def __init__(self, tokens=None, min_freq: int = 0, reserved_tokens: list[str] | None = None) -> None:
        if isinstance(tokens, str):
            raise TypeError(f"tokens must be a list of tokens (or of token lists), got the str {tokens[:20]!r}; "
                            f"split it first: d2l.tokenize([text], 'char')")
        if isinstance(reserved_tokens, str) or not isinstance(reserved_tokens, (list, tuple, type(None))):
            raise TypeError(f"reserved_tokens must be a list of tokens, got {reserved_tokens!r}; "
                            f"write reserved_tokens=[{reserved_tokens!r}]")
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
        """Token of one index, or tokens of a list (or 1-D tensor) of indices, each in 0..len(vocab)-1."""
        single = not hasattr(indices, "__len__") or getattr(indices, "ndim", 1) == 0
        values = [indices] if single else list(indices)
        if not _all_integers(values):
            raise TypeError(f"indices must be an integer token id or a list of them, got {indices!r}; "
                            f"turn tokens into ids with vocab[tokens]")
        ids = torch.tensor([int(v) for v in values], dtype=torch.long)
        check_index_range("indices", ids, len(self), "token ids")
        tokens = [self.idx_to_token[i] for i in ids.tolist()]
        return tokens[0] if single else tokens

    @property
    def unk(self) -> int:
        return 0

    @property
    def token_freqs(self) -> list[tuple[str, int]]:
        return self._token_freqs


def _check_max_tokens(max_tokens) -> int | None:
    """``max_tokens``: a positive count, or None / -1 (the book's spelling) for the whole book."""
    if max_tokens is None or (max_tokens == -1 and not isinstance(max_tokens, bool)):
        return None
    if isinstance(max_tokens, numbers.Integral) and not isinstance(max_tokens, bool) and max_tokens < 1:
        raise ValueError(f"max_tokens must be a positive number of tokens, or None (or -1, as in the book) "
                         f"for the whole book, got {max_tokens}")
    return check_int("max_tokens", max_tokens, minimum=1)


def load_corpus(book: str = "time_machine", max_tokens: int | None = None,
                token: str = "char") -> tuple[list[int], Vocab]:
    """Token indices of a book (the first ``max_tokens``; None or -1: all) and the whole book's vocabulary."""
    max_tokens = _check_max_tokens(max_tokens)
    tokens = tokenize(read_book(book), token)
    vocab = Vocab(tokens)
    corpus = [vocab[tok] for line in tokens for tok in line]
    return corpus[:max_tokens], vocab


def load_corpus_time_machine(max_tokens: int | None = None) -> tuple[list[int], Vocab]:
    """Character indices of The Time Machine and its vocabulary (the book's helper)."""
    return load_corpus("time_machine", max_tokens)


def _as_token_ids(corpus) -> torch.Tensor:
    """``corpus`` as a 1-D int64 tensor of non-negative token ids, or a clear error."""
    if isinstance(corpus, str) or (isinstance(corpus, (list, tuple)) and any(isinstance(t, str) for t in corpus)):
        raise TypeError("corpus must hold integer token ids, got strings; turn tokens into ids first: "
                        "corpus = vocab[tokens]")
    try:
        ids = torch.as_tensor(corpus)
    except (TypeError, ValueError, RuntimeError) as err:
        raise TypeError(f"corpus must be a 1-D sequence of integer token ids, got {type(corpus).__name__}") from err
    if ids.dim() != 1 or len(ids) == 0:
        raise ValueError(f"corpus must be a non-empty 1-D sequence of token ids, got shape {tuple(ids.shape)}")
    if ids.is_floating_point() or ids.is_complex() or ids.dtype == torch.bool:
        nan = " (it holds NaN)" if ids.is_floating_point() and bool(ids.isnan().any()) else ""
        raise TypeError(f"corpus must hold integer token ids, got dtype {ids.dtype}{nan}; "
                        f"build it with vocab[tokens] (use .long() only on values that are ids)")
    if int(ids.min()) < 0:
        raise ValueError(f"corpus holds negative token ids (smallest {int(ids.min())}); ids count from 0")
    return ids.long()


def _check_sequence_args(corpus, batch_size: int, num_steps: int) -> torch.Tensor:
    check_int("batch_size", batch_size, minimum=1)
    check_int("num_steps", num_steps, minimum=1)
    corpus = _as_token_ids(corpus)
    if num_steps >= len(corpus):
        raise ValueError(f"num_steps={num_steps} must be shorter than the corpus ({len(corpus)} tokens)")
    return corpus


def _check_fits(corpus: torch.Tensor, batch_size: int, num_steps: int, use_random_iter: bool) -> None:
    """Raise unless one minibatch fits after every offset 0..num_steps-1 (independent of the seed)."""
    usable = len(corpus) - num_steps  # tokens after the largest offset, less one for the targets
    if use_random_iter and usable // num_steps < batch_size:
        raise ValueError(f"batch_size={batch_size} is larger than the {usable // num_steps} subsequences "
                         f"of {num_steps} tokens this corpus of {len(corpus)} tokens allows")
    if not use_random_iter and usable // batch_size < num_steps:
        raise ValueError(f"batch_size={batch_size} x num_steps={num_steps} needs more than the "
                         f"{len(corpus)} tokens of this corpus")


def _start_offset(num_steps: int, generator: torch.Generator | None, random_offset: bool) -> int:
    """Where the first subsequence starts: a random 0..num_steps-1, or 0 for a fixed order."""
    return int(torch.randint(num_steps, (1,), generator=generator)) if random_offset else 0


def seq_data_iter_random(corpus, batch_size: int, num_steps: int,
                         generator: torch.Generator | None = None) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Minibatches (X, Y shifted by one) of ``num_steps``-token pieces from random places, after a random offset."""
    corpus = _check_sequence_args(corpus, batch_size, num_steps)
    _check_fits(corpus, batch_size, num_steps, use_random_iter=True)
    return _random_batches(corpus, batch_size, num_steps, generator)


def _random_batches(corpus: torch.Tensor, batch_size: int, num_steps: int,
                    generator: torch.Generator | None) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    offset = _start_offset(num_steps, generator, random_offset=True)
    corpus = corpus[offset:]
    num_subseqs = (len(corpus) - 1) // num_steps
    starts = torch.arange(0, num_subseqs * num_steps, num_steps)
    starts = starts[torch.randperm(num_subseqs, generator=generator)]
    steps = torch.arange(num_steps)
    for i in range(0, (num_subseqs // batch_size) * batch_size, batch_size):
        rows = starts[i:i + batch_size, None] + steps
        yield corpus[rows], corpus[rows + 1]


def seq_data_iter_sequential(corpus, batch_size: int, num_steps: int,
                             generator: torch.Generator | None = None,
                             random_offset: bool = True) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Minibatches in which row ``b`` continues row ``b`` of the previous batch (a random offset first,
    or 0 with ``random_offset=False``), so a hidden state can be carried from batch to batch.
    """
    corpus = _check_sequence_args(corpus, batch_size, num_steps)
    _check_fits(corpus, batch_size, num_steps, use_random_iter=False)
    return _sequential_batches(corpus, batch_size, num_steps, generator, random_offset)


def _sequential_batches(corpus: torch.Tensor, batch_size: int, num_steps: int, generator: torch.Generator | None,
                        random_offset: bool) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    offset = _start_offset(num_steps, generator, random_offset)
    num_tokens = ((len(corpus) - offset - 1) // batch_size) * batch_size
    Xs = corpus[offset:offset + num_tokens].reshape(batch_size, -1)
    Ys = corpus[offset + 1:offset + 1 + num_tokens].reshape(batch_size, -1)
    num_batches = Xs.shape[1] // num_steps
    for i in range(0, num_batches * num_steps, num_steps):
        yield Xs[:, i:i + num_steps], Ys[:, i:i + num_steps]


class SeqDataLoader:
    """Re-iterable minibatches over a token corpus; ``fixed_order=True`` (sequential only) repeats the same
    batches every epoch, as an evaluation set needs.
    """

    def __init__(self, corpus, batch_size: int, num_steps: int, use_random_iter: bool = False,
                 generator: torch.Generator | None = None, fixed_order: bool = False) -> None:
        self.corpus = _check_sequence_args(corpus, batch_size, num_steps)
        _check_fits(self.corpus, batch_size, num_steps, use_random_iter)
        if fixed_order and use_random_iter:
            raise ValueError("fixed_order=True needs sequential sampling: pass use_random_iter=False")
        self.batch_size, self.num_steps = batch_size, num_steps
        self.generator, self.fixed_order = generator, fixed_order
        self.use_random_iter = use_random_iter

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        if self.use_random_iter:
            return _random_batches(self.corpus, self.batch_size, self.num_steps, self.generator)
        return _sequential_batches(self.corpus, self.batch_size, self.num_steps, self.generator,
                                   random_offset=not self.fixed_order)


def load_data_book(book: str, batch_size: int, num_steps: int, use_random_iter: bool = False,
                   max_tokens: int | None = 10000,
                   generator: torch.Generator | None = None) -> tuple[SeqDataLoader, Vocab]:
    """Character minibatches of a bundled book's first ``max_tokens`` characters, and its vocabulary."""
    check_int("batch_size", batch_size, minimum=1)
    check_int("num_steps", num_steps, minimum=1)
    corpus, vocab = load_corpus(book, max_tokens)
    return SeqDataLoader(corpus, batch_size, num_steps, use_random_iter, generator), vocab


def load_data_time_machine(batch_size: int, num_steps: int, use_random_iter: bool = False,
                           max_tokens: int | None = 10000, generator: torch.Generator | None = None):
    """Character minibatches of The Time Machine and its vocabulary (the book's helper)."""
    return load_data_book("time_machine", batch_size, num_steps, use_random_iter, max_tokens, generator)


def load_data_war_of_the_worlds(batch_size: int, num_steps: int, use_random_iter: bool = False,
                                max_tokens: int | None = 10000, generator: torch.Generator | None = None):
    """Character minibatches of The War of the Worlds and its vocabulary."""
    return load_data_book("war_of_the_worlds", batch_size, num_steps, use_random_iter, max_tokens, generator)


def held_out_start(num_tokens: int) -> int:
    """Index of the first held-out token in a corpus of ``num_tokens`` (the last HELD_OUT_FRACTION)."""
    return num_tokens - math.ceil(num_tokens * HELD_OUT_FRACTION)


def load_held_out_time_machine(batch_size: int, num_steps: int) -> SeqDataLoader:
    """Sequential minibatches, in a fixed order, over the last 10% of The Time Machine's characters.

    The one held-out split of the chapter 8-9 language models: same vocabulary as ``load_corpus_time_machine()``,
    never overlapping their training text, and the same batches every pass, so perplexities compare.
    """
    corpus, _ = load_corpus_time_machine()
    return SeqDataLoader(corpus[held_out_start(len(corpus)):], batch_size, num_steps, fixed_order=True)


def count_ngrams(tokens, n: int) -> collections.Counter:
    """Count the n-grams (tuples of ``n`` consecutive tokens) of a token list (token lists are flattened first)."""
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if tokens and isinstance(tokens[0], list):
        tokens = [tok for line in tokens for tok in line]
    return collections.Counter(zip(*(tokens[i:] for i in range(n))))


def fit_zipf(freqs, min_rank: int = 1, max_rank: int | None = None) -> tuple[float, float]:
    """Fit Zipf's law ``freq ~ c * rank**(-alpha)`` by least squares on log-log, using ranks ``min_rank..max_rank``
    (the head and the count-1 tail bend away). Returns ``(alpha, log_c)``.
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
