"""Text as data: read a book, split it into tokens, number the tokens, cut minibatches.

Two books are bundled, *The Time Machine* (the book's corpus) and *The War of the Worlds* (exercise 8.5.2),
both reduced to lower-case letters and spaces.
"""
from __future__ import annotations

import collections
import math
import re
import reprlib
from collections.abc import Iterator

import torch

from .datasets import data_file
from .validation import check_choice, check_index_range, check_int

BOOKS = {"time_machine": "timemachine.txt", "war_of_the_worlds": "war_of_the_worlds.txt"}
TOKEN_TYPES = ("word", "char")
#: Share of The Time Machine's characters, at its end, that no chapter 8-9 model trains on.
HELD_OUT_FRACTION = 0.1


def read_book(book: str = "time_machine", download: bool = False) -> list[str]:
    """Read a bundled book as lines of lower-case letters and single spaces."""
    check_choice("book", book, BOOKS)
    # utf-8-sig drops a byte-order mark; universal newlines turn CRLF into LF.
    text = data_file(BOOKS[book], download).read_text(encoding="utf-8-sig")
    start = re.search(r"\*\*\* ?START OF (THE|THIS) PROJECT GUTENBERG EBOOK.*?\*\*\*", text)
    end = re.search(r"\*\*\* ?END OF (THE|THIS) PROJECT GUTENBERG EBOOK", text)
    if start and end:  # keep only the book between Project Gutenberg's header and licence
        text = text[start.end():end.start()]
    return [re.sub("[^A-Za-z]+", " ", line).strip().lower() for line in text.splitlines()]


def read_time_machine() -> list[str]:
    """The Time Machine as a list of cleaned lines (the book's helper)."""
    return read_book("time_machine")


def read_war_of_the_worlds() -> list[str]:
    """The War of the Worlds as a list of cleaned lines, Gutenberg header and licence removed."""
    return read_book("war_of_the_worlds")


def tokenize(lines: list[str], token: str = "word") -> list[list[str]]:
    """Split each line into word tokens or character tokens."""
    if not isinstance(lines, (list, tuple)) or not all(isinstance(line, str) for line in lines):
        got = (f"one str of {len(lines)} characters; wrap it in a list: tokenize([text])" if isinstance(lines, str)
               else f"{type(lines).__name__}; read a book with d2l.read_time_machine()")
        raise TypeError(f"lines must be a list of strings (one per line), got {got}")
    check_choice("token", token, TOKEN_TYPES)
    return [line.split() if token == "word" else list(line) for line in lines]


def count_corpus(tokens) -> collections.Counter:
    """Count token frequencies in a flat list or a list of token lists."""
    if tokens and isinstance(tokens[0], list):
        tokens = [tok for line in tokens for tok in line]
    return collections.Counter(tokens)


def _token_ids(name: str, values) -> torch.Tensor:
    """``values`` (one id, a list or a tensor of ids) as an int64 tensor, or a TypeError saying what to pass."""
    try:
        ids = torch.as_tensor(values)
    except (TypeError, ValueError, RuntimeError) as err:  # strings, ragged lists, None ...
        raise TypeError(f"{name} must hold integer token ids, got {reprlib.repr(values)}; "
                        f"turn tokens into ids with vocab[tokens]") from err
    if ids.numel() and (ids.is_floating_point() or ids.is_complex() or ids.dtype == torch.bool):
        raise TypeError(f"{name} must hold integer token ids, got dtype {ids.dtype}; "
                        f"turn tokens into ids with vocab[tokens] (use .long() only on values that are ids)")
    return ids.long()


class Vocab:
    """Map tokens to indices and back: 0 is ``<unk>``, then ``reserved_tokens``, then tokens seen at least
    ``min_freq`` times, most frequent first (ties in order of first appearance)."""

    unk = 0  #: index of the unknown token

    def __init__(self, tokens=None, min_freq: int = 0, reserved_tokens: list[str] | None = None) -> None:
        if isinstance(tokens, str):
            raise TypeError(f"tokens must be a list of tokens (or of token lists), got the str {tokens[:20]!r}; "
                            f"split it first: d2l.tokenize([text], 'char')")
        if not isinstance(reserved_tokens, (list, tuple, type(None))):
            raise TypeError(f"reserved_tokens must be a list of tokens, got {reserved_tokens!r}; "
                            f"write reserved_tokens=[{reserved_tokens!r}]")
        self.token_freqs = count_corpus(tokens or []).most_common()
        frequent = [token for token, freq in self.token_freqs if freq >= min_freq]
        self.idx_to_token = list(dict.fromkeys(["<unk>", *(reserved_tokens or []), *frequent]))
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
        ids = _token_ids("indices", indices)
        if ids.dim() > 1:
            raise ValueError(f"indices must be one token id or a 1-D list of them, got shape {tuple(ids.shape)}")
        check_index_range("indices", ids, len(self), "token ids")
        tokens = [self.idx_to_token[i] for i in ids.reshape(-1).tolist()]
        return tokens[0] if ids.dim() == 0 else tokens


def load_corpus(book: str = "time_machine", max_tokens: int | None = None,
                token: str = "char") -> tuple[list[int], Vocab]:
    """Token indices of a book (the first ``max_tokens``; None or -1: all) and the whole book's vocabulary."""
    if max_tokens == -1:  # the book's spelling of "the whole book"
        max_tokens = None
    if max_tokens is not None and check_int("max_tokens", max_tokens) < 1:
        raise ValueError(f"max_tokens must be a positive number of tokens, or None (or -1, as in the book) "
                         f"for the whole book, got {max_tokens}")
    tokens = tokenize(read_book(book), token)
    vocab = Vocab(tokens)
    return [vocab[tok] for line in tokens for tok in line][:max_tokens], vocab


def load_corpus_time_machine(max_tokens: int | None = None) -> tuple[list[int], Vocab]:
    """Character indices of The Time Machine and its vocabulary (the book's helper)."""
    return load_corpus("time_machine", max_tokens)


class SeqDataLoader:
    """Re-iterable minibatches ``(X, Y)``, ``Y`` being ``X`` one token on. Each pass starts at a fresh random
    offset; ``fixed_order=True`` (sequential only) repeats the same batches, as an evaluation set needs."""

    def __init__(self, corpus, batch_size: int, num_steps: int, use_random_iter: bool = False,
                 generator: torch.Generator | None = None, fixed_order: bool = False) -> None:
        check_int("batch_size", batch_size, minimum=1)
        check_int("num_steps", num_steps, minimum=1)
        ids = _token_ids("corpus", corpus)
        if ids.dim() != 1:
            raise ValueError(f"corpus must be a 1-D sequence of token ids, got shape {tuple(ids.shape)}")
        needed = (batch_size + 1) * num_steps  # one minibatch after any offset 0..num_steps-1, and its targets
        if len(ids) < needed:
            raise ValueError(f"batch_size={batch_size} x num_steps={num_steps} needs a corpus of at least {needed} "
                             f"tokens, got {len(ids)} tokens: lower batch_size or num_steps")
        if int(ids.min()) < 0:
            raise ValueError(f"corpus holds negative token ids (smallest {int(ids.min())}); ids count from 0")
        if fixed_order and use_random_iter:
            raise ValueError("fixed_order=True needs sequential sampling: pass use_random_iter=False")
        self.corpus, self.batch_size, self.num_steps = ids, batch_size, num_steps
        self.use_random_iter, self.generator, self.fixed_order = use_random_iter, generator, fixed_order

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        batch_size, num_steps = self.batch_size, self.num_steps
        offset = 0 if self.fixed_order else int(torch.randint(num_steps, (1,), generator=self.generator))
        corpus = self.corpus[offset:]
        if self.use_random_iter:  # the corpus cut into pieces, taken in a random order
            num_pieces = (len(corpus) - 1) // num_steps
            pieces = torch.randperm(num_pieces, generator=self.generator)
            starts = pieces[:num_pieces // batch_size * batch_size].reshape(-1, batch_size) * num_steps
        else:  # batch_size long rows side by side, read num_steps tokens at a time
            row_len = (len(corpus) - 1) // batch_size
            starts = torch.arange(row_len // num_steps)[:, None] * num_steps + torch.arange(batch_size) * row_len
        for batch_starts in starts:  # where each row of one minibatch starts
            rows = batch_starts[:, None] + torch.arange(num_steps)
            yield corpus[rows], corpus[rows + 1]


def seq_data_iter_random(corpus, batch_size: int, num_steps: int,
                         generator: torch.Generator | None = None) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """One pass of minibatches of ``num_steps``-token pieces from random places, after a random offset."""
    return iter(SeqDataLoader(corpus, batch_size, num_steps, use_random_iter=True, generator=generator))


def seq_data_iter_sequential(corpus, batch_size: int, num_steps: int,
                             generator: torch.Generator | None = None,
                             random_offset: bool = True) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """One pass of minibatches whose row ``b`` continues row ``b`` of the previous one, so a hidden state
    can be carried over; ``random_offset=False`` starts at token 0."""
    return iter(SeqDataLoader(corpus, batch_size, num_steps, generator=generator, fixed_order=not random_offset))


def load_data_book(book: str, batch_size: int, num_steps: int, use_random_iter: bool = False,
                   max_tokens: int | None = 10000,
                   generator: torch.Generator | None = None) -> tuple[SeqDataLoader, Vocab]:
    """Character minibatches of a bundled book's first ``max_tokens`` characters, and its vocabulary."""
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
    """The held-out split of the chapter 8-9 language models: fixed-order batches of the last 10% of The Time
    Machine's characters, in the training vocabulary and never overlapping the training text."""
    corpus, _ = load_corpus_time_machine()
    return SeqDataLoader(corpus[held_out_start(len(corpus)):], batch_size, num_steps, fixed_order=True)


def count_ngrams(tokens, n: int) -> collections.Counter:
    """Count the n-grams (tuples of ``n`` consecutive tokens) of a token list (token lists are flattened first)."""
    check_int("n", n, minimum=1)
    if tokens and isinstance(tokens[0], list):
        tokens = [tok for line in tokens for tok in line]
    return collections.Counter(zip(*(tokens[i:] for i in range(n))))


def fit_zipf(freqs, min_rank: int = 1, max_rank: int | None = None) -> tuple[float, float]:
    """``(alpha, log_c)`` of Zipf's law ``freq ~ c * rank**(-alpha)``, fitted by least squares on log-log to ranks
    ``min_rank..max_rank`` (the head and the count-1 tail bend away)."""
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
