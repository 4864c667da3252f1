"""Unit tests for d2lutil.text: reading the books, tokens, Vocab, the sequence iterators and n-grams."""
import math
import re

import pytest
import torch

import d2lutil
from d2lutil import text
from d2lutil.text import count_ngrams, fit_zipf


@pytest.fixture(scope="module")
def time_machine():
    return d2lutil.read_time_machine()


@pytest.fixture(scope="module")
def corpus_tm():
    return d2lutil.load_corpus_time_machine()


# ---- reading ----

def test_read_time_machine(time_machine):
    assert len(time_machine) == 3221
    assert time_machine[0] == "the time machine by h g wells"
    assert all(re.fullmatch(r"[a-z ]*", line) for line in time_machine)
    assert all(line == line.strip() and "  " not in line for line in time_machine)
    assert [l for l in time_machine if l][-1] == "of man"


def test_read_war_of_the_worlds():
    lines = d2lutil.read_war_of_the_worlds()
    joined = " ".join(line for line in lines if line)
    assert "gutenberg" not in joined
    assert "the war of the worlds" in joined[:100]
    assert joined.endswith("counted me among the dead")
    assert all(re.fullmatch(r"[a-z ]*", line) for line in lines)
    assert lines == d2lutil.read_book("war_of_the_worlds")


def test_read_book_default_is_time_machine(time_machine):
    assert d2lutil.read_book() == time_machine


def test_read_book_unknown():
    with pytest.raises(ValueError, match=r"book must be one of 'time_machine', 'war_of_the_worlds', got 'ulysses'"):
        d2lutil.read_book("ulysses")


def test_read_book_keeps_only_the_gutenberg_body(tmp_path, monkeypatch):
    book = tmp_path / "book.txt"
    monkeypatch.setattr(text, "data_file", lambda name, download=False: book)
    book.write_text("The Project Gutenberg eBook\n*** START OF THE PROJECT GUTENBERG EBOOK SOME BOOK ***\n"
                    "Body line.\n*** END OF THE PROJECT GUTENBERG EBOOK SOME BOOK ***\nlicence")
    assert d2lutil.read_book() == ["", "body line"]
    book.write_text("No markers here.")
    assert d2lutil.read_book() == ["no markers here"]


# ---- tokens and vocabulary ----

def test_tokenize_words_and_chars():
    lines = ["the time", "", "a b"]
    assert d2lutil.tokenize(lines) == [["the", "time"], [], ["a", "b"]]
    assert d2lutil.tokenize(lines, "char") == [list("the time"), [], list("a b")]


def test_tokenize_unknown_type():
    with pytest.raises(ValueError, match=r"token must be one of 'word', 'char', got 'byte'"):
        d2lutil.tokenize(["abc"], "byte")


def test_count_corpus_flat_nested_empty():
    assert d2lutil.count_corpus(["a", "b", "a"]) == {"a": 2, "b": 1}
    assert d2lutil.count_corpus([["a", "b"], ["a"], []]) == {"a": 2, "b": 1}
    assert d2lutil.count_corpus([]) == {}


class TestVocab:
    tokens = [["b", "a", "c"], ["a", "b", "d", "e", "e", "e"]]  # e:3, b:2, a:2, c:1, d:1

    def test_order_frequency_then_first_appearance(self):
        vocab = d2lutil.Vocab(self.tokens)
        assert vocab.idx_to_token == ["<unk>", "e", "b", "a", "c", "d"]
        assert vocab.token_freqs == [("e", 3), ("b", 2), ("a", 2), ("c", 1), ("d", 1)]
        assert len(vocab) == 6
        assert all(vocab.token_to_idx[t] == i for i, t in enumerate(vocab.idx_to_token))

    def test_unknown_token_is_index_zero(self):
        vocab = d2lutil.Vocab(self.tokens)
        assert vocab.unk == 0 and vocab["<unk>"] == 0
        assert vocab["zzz"] == 0
        assert vocab[["e", "zzz", "a"]] == [1, 0, 3]
        assert vocab[("b",)] == [2]

    def test_reserved_tokens_follow_unk(self):
        vocab = d2lutil.Vocab(self.tokens, reserved_tokens=["<pad>", "<bos>", "e"])
        assert vocab.idx_to_token == ["<unk>", "<pad>", "<bos>", "e", "b", "a", "c", "d"]
        assert vocab["<bos>"] == 2

    def test_min_freq(self):
        assert d2lutil.Vocab(self.tokens, min_freq=2).idx_to_token == ["<unk>", "e", "b", "a"]
        assert d2lutil.Vocab(self.tokens, min_freq=4).idx_to_token == ["<unk>"]
        # the frequency table still lists every token
        assert len(d2lutil.Vocab(self.tokens, min_freq=4).token_freqs) == 5

    def test_flat_and_empty(self):
        assert d2lutil.Vocab(["x", "y", "y"]).idx_to_token == ["<unk>", "y", "x"]
        empty = d2lutil.Vocab()
        assert len(empty) == 1 and empty["a"] == 0 and empty.token_freqs == []

    def test_to_tokens_round_trip(self):
        vocab = d2lutil.Vocab(self.tokens)
        words = ["a", "b", "c", "d", "e"]
        assert vocab.to_tokens(vocab[words]) == words
        assert vocab.to_tokens(3) == "a"
        assert vocab.to_tokens(torch.tensor([1, 2])) == ["e", "b"]
        assert vocab.to_tokens((5, 4)) == ["d", "c"]

    def test_to_tokens_zero_dim_tensor(self):
        vocab = d2lutil.Vocab(self.tokens)
        assert vocab.to_tokens(torch.tensor(1)) == "e"


def test_vocab_of_time_machine_chars(corpus_tm):
    corpus, vocab = corpus_tm
    assert len(vocab) == 28
    assert vocab.idx_to_token[:4] == ["<unk>", " ", "e", "t"]
    assert sorted(vocab.idx_to_token[1:]) == [" "] + [chr(c) for c in range(ord("a"), ord("z") + 1)]


# ---- corpora ----

def test_load_corpus_time_machine(corpus_tm, time_machine):
    corpus, vocab = corpus_tm
    chars = "".join(time_machine)
    assert len(corpus) == len(chars) == 170580
    assert "".join(vocab.to_tokens(corpus[:29])) == "the time machine by h g wells"
    assert "".join(vocab.to_tokens(corpus)) == chars
    assert 0 not in corpus  # no unknown characters


def test_load_corpus_max_tokens_and_words(corpus_tm):
    corpus, vocab = d2lutil.load_corpus_time_machine(max_tokens=1000)
    assert corpus == corpus_tm[0][:1000]
    words, wvocab = d2lutil.load_corpus("time_machine", max_tokens=5, token="word")
    assert wvocab.to_tokens(words) == ["the", "time", "machine", "by", "h"]
    assert wvocab.idx_to_token[1] == "the"
    assert len(wvocab) > 4000


def test_load_corpus_war_of_the_worlds():
    corpus, vocab = d2lutil.load_corpus("war_of_the_worlds")
    assert len(vocab) == 28
    assert "".join(vocab.to_tokens(corpus[:30])).startswith("coverthe war of the worlds")


def test_load_data_time_machine():
    loader, vocab = d2lutil.load_data_time_machine(batch_size=4, num_steps=8, max_tokens=10000)
    assert len(vocab) == 28
    assert len(loader.corpus) == 10000
    assert isinstance(loader, d2lutil.SeqDataLoader)
    assert not loader.use_random_iter
    random_loader, _ = d2lutil.load_data_time_machine(4, 8, use_random_iter=True)
    assert random_loader.use_random_iter


def test_load_data_war_of_the_worlds_and_book():
    loader, vocab = d2lutil.load_data_war_of_the_worlds(2, 5, max_tokens=500)
    assert len(vocab) == 28 and len(loader.corpus) == 500
    loader2, _ = d2lutil.load_data_book("war_of_the_worlds", 2, 5, max_tokens=500)
    assert torch.equal(loader.corpus, loader2.corpus)
    with pytest.raises(ValueError, match="book must be one of"):
        d2lutil.load_data_book("dracula", 2, 5)


# ---- the held-out split of chapters 8-9 ----

def test_held_out_is_the_last_tenth_in_the_training_vocab(corpus_tm):
    corpus, vocab = corpus_tm
    held_out = d2lutil.load_held_out_time_machine(batch_size=32, num_steps=35)
    start = len(corpus) - len(corpus) // 10
    assert d2lutil.HELD_OUT_FRACTION == 0.1
    assert held_out.corpus.tolist() == corpus[start:]
    _, train_vocab = d2lutil.load_data_time_machine(32, 35)
    assert train_vocab.idx_to_token == vocab.idx_to_token
    # the whole 90% prefix (and so the book's first 10,000 characters) ends where held-out starts
    assert text.held_out_start(len(corpus)) == start >= 10000


def test_held_out_batches_are_sequential_and_the_same_every_pass():
    held_out = d2lutil.load_held_out_time_machine(batch_size=4, num_steps=10)
    first, second = list(held_out), list(held_out)
    assert len(first) == len(second) > 0
    assert all(torch.equal(a[0], b[0]) and torch.equal(a[1], b[1]) for a, b in zip(first, second))
    rows = torch.cat([X for X, _ in first], dim=1)
    row_len = len(held_out.corpus) // 4  # offset 0: row b starts at b * row_len
    assert torch.equal(rows[1, :20], held_out.corpus[row_len:row_len + 20])
    assert torch.equal(first[0][1][:, :-1], first[0][0][:, 1:])


def test_fixed_order_needs_sequential_sampling():
    with pytest.raises(ValueError, match="fixed_order=True needs sequential sampling"):
        d2lutil.SeqDataLoader(list(range(100)), 2, 5, use_random_iter=True, fixed_order=True)


# ---- sequence iterators ----

ITERATORS = [d2lutil.seq_data_iter_random, d2lutil.seq_data_iter_sequential]


@pytest.mark.parametrize("it", ITERATORS)
@pytest.mark.parametrize("bs, ns", [(2, 5), (3, 4), (1, 10)])
def test_iterator_shapes_and_shift_on_positions(it, bs, ns):
    corpus = list(range(103))  # value == position, so X/Y tell where they come from
    batches = list(it(corpus, bs, ns, torch.Generator().manual_seed(0)))
    assert batches
    for X, Y in batches:
        assert X.shape == Y.shape == (bs, ns)
        assert X.dtype == torch.int64
        assert torch.equal(Y, X + 1)
        assert torch.equal(X[:, 1:], X[:, :-1] + 1)  # each row is contiguous text


@pytest.mark.parametrize("it", ITERATORS)
def test_iterator_on_real_corpus_y_is_next_token(it, corpus_tm):
    corpus = torch.tensor(corpus_tm[0][:3000])
    positions = torch.arange(3000)
    g1, g2 = torch.Generator().manual_seed(11), torch.Generator().manual_seed(11)
    for (X, Y), (P, _) in zip(it(corpus, 4, 16, g1), it(positions, 4, 16, g2)):
        assert torch.equal(X, corpus[P]) and torch.equal(Y, corpus[P + 1])


def test_random_iterator_covers_disjoint_pieces():
    corpus = list(range(1000))
    batches = list(d2lutil.seq_data_iter_random(corpus, 4, 10, torch.Generator().manual_seed(1)))
    starts = torch.cat([X[:, 0] for X, _ in batches]).tolist()
    offset = min(starts) % 10
    assert all(s % 10 == offset for s in starts)       # aligned to one random offset
    assert len(set(starts)) == len(starts)               # no piece twice
    assert len(batches) == ((1000 - offset - 1) // 10) // 4
    assert starts != sorted(starts)                      # shuffled order


def test_sequential_iterator_rows_continue_across_batches():
    corpus = list(range(500))
    batches = list(d2lutil.seq_data_iter_sequential(corpus, 3, 7, torch.Generator().manual_seed(2)))
    assert len(batches) >= 2
    for (X0, _), (X1, _) in zip(batches, batches[1:]):
        assert torch.equal(X1[:, 0], X0[:, -1] + 1)
    rows = torch.cat([X for X, _ in batches], dim=1)
    assert torch.equal(rows[:, 1:], rows[:, :-1] + 1)   # each row is one long stretch of text
    # the rows are consecutive stretches of the corpus
    row_len = (500 - int(rows[0, 0]) - 1) // 3
    assert torch.equal(rows[1:, 0], rows[:-1, 0] + row_len)


@pytest.mark.parametrize("it", ITERATORS)
def test_seeded_generator_repeats_and_seeds_differ(it):
    corpus = list(range(400))

    def run(seed):
        return [torch.cat(b) for b in it(corpus, 3, 6, torch.Generator().manual_seed(seed))]
    first, again, other = run(5), run(5), run(6)
    assert len(first) == len(again) and all(torch.equal(a, b) for a, b in zip(first, again))
    assert any(not torch.equal(a, b) for a, b in zip(first, other)) or len(first) != len(other)


@pytest.mark.parametrize("it", ITERATORS)
class TestIteratorErrors:
    @pytest.mark.parametrize("bs", [0, -2, 1.5, True])
    def test_bad_batch_size(self, it, bs):
        with pytest.raises((ValueError, TypeError), match=rf"batch_size must be (at least 1|an integer), got {bs!r}"):
            it(list(range(100)), bs, 5)  # raised at call time, not at the first next()

    @pytest.mark.parametrize("ns", [0, -1])
    def test_bad_num_steps(self, it, ns):
        with pytest.raises(ValueError, match=rf"num_steps must be at least 1, got {ns}"):
            it(list(range(100)), 2, ns)

    @pytest.mark.parametrize("ns", [10, 11])
    def test_num_steps_not_shorter_than_corpus(self, it, ns):
        with pytest.raises(ValueError, match=rf"num_steps={ns} needs a corpus of at least {2 * ns} tokens, got 10 "):
            list(it(list(range(10)), 1, ns))

    @pytest.mark.parametrize("corpus, message", [
        ([], r"needs a corpus of at least 4 tokens, got 0 tokens"),
        (torch.zeros(0, dtype=torch.long), r"needs a corpus of at least 4 tokens, got 0 tokens"),
        (torch.zeros(3, 4, dtype=torch.long), r"corpus must be a 1-D sequence of token ids, got shape \(3, 4\)"),
    ])
    def test_empty_or_not_1d_corpus(self, it, corpus, message):
        with pytest.raises(ValueError, match=message):
            list(it(corpus, 1, 2))

    def test_float_corpus(self, it):
        with pytest.raises(TypeError, match=r"corpus must hold integer token ids, got dtype torch\.float32"):
            list(it(torch.zeros(3, 4), 1, 2))

    def test_batch_size_larger_than_corpus_allows(self, it):
        for seed in range(5):
            with pytest.raises(ValueError, match=r"batch_size=50 .*(larger than|needs)"):
                list(it(list(range(100)), 50, 5, torch.Generator().manual_seed(seed)))


# the message names batch_size, num_steps and the corpus length
NAMES_THE_COUNTS = r"(?=.*batch_size=50)(?=.*\b5\b)(?=.*\b100 tokens)"


def test_random_iterator_error_names_the_counts():
    with pytest.raises(ValueError, match=NAMES_THE_COUNTS):
        list(d2lutil.seq_data_iter_random(list(range(100)), 50, 5))


def test_sequential_iterator_error_names_the_counts():
    with pytest.raises(ValueError, match=NAMES_THE_COUNTS):
        list(d2lutil.seq_data_iter_sequential(list(range(100)), 50, 5))


# ---- SeqDataLoader ----

@pytest.mark.parametrize("use_random_iter", [False, True])
def test_seq_data_loader_is_re_iterable(use_random_iter):
    loader = d2lutil.SeqDataLoader(list(range(300)), 4, 6, use_random_iter,
                                   generator=torch.Generator().manual_seed(0))
    epoch1, epoch2 = list(loader), list(loader)
    assert epoch1 and epoch2
    for X, Y in epoch1 + epoch2:
        assert X.shape == (4, 6) and torch.equal(Y, X + 1)
    # the generator moves on, so the second pass starts elsewhere
    same = len(epoch1) == len(epoch2) and all(torch.equal(a[0], b[0]) for a, b in zip(epoch1, epoch2))
    assert not same
    again = d2lutil.SeqDataLoader(list(range(300)), 4, 6, use_random_iter,
                                  generator=torch.Generator().manual_seed(0))
    assert all(torch.equal(a[0], b[0]) for a, b in zip(epoch1, list(again)))


def test_seq_data_loader_checks_arguments_at_construction():
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        d2lutil.SeqDataLoader(list(range(10)), 0, 2)
    with pytest.raises(ValueError, match="num_steps=10 needs a corpus of at least 20 tokens, got 10 tokens"):
        d2lutil.SeqDataLoader(list(range(10)), 1, 10)
    with pytest.raises(ValueError, match="needs a corpus of at least 2 tokens, got 0 tokens"):
        d2lutil.SeqDataLoader([], 1, 1)


# --- Regression tests for bugs found in review ---

@pytest.mark.parametrize("it", ITERATORS)
def test_fit_check_does_not_depend_on_the_random_offset(it):
    outcomes = set()
    for seed in range(20):
        try:
            list(it(list(range(100)), 1, 99, torch.Generator().manual_seed(seed)))
            outcomes.add("ok")
        except ValueError:
            outcomes.add("error")
    assert len(outcomes) == 1


def test_seq_data_loader_rejects_too_large_batch_at_construction():
    with pytest.raises(ValueError, match="batch_size=50"):
        d2lutil.SeqDataLoader(list(range(100)), 50, 5)


def test_largest_batch_that_fits_works_for_every_offset():
    # len(corpus) - num_steps == batch_size * num_steps is the tightest fit for every offset;
    # it must keep working after the fit check is fixed
    for it in ITERATORS:
        for seed in range(10):
            batches = list(it(list(range(100)), 49, 2, torch.Generator().manual_seed(seed)))
            assert len(batches) == 1


# ---- n-grams and Zipf's law ----

def test_count_ngrams_unigrams_bigrams_trigrams():
    tokens = ["a", "b", "a", "b", "c"]
    assert count_ngrams(tokens, 1) == {("a",): 2, ("b",): 2, ("c",): 1}
    assert count_ngrams(tokens, 2) == {("a", "b"): 2, ("b", "a"): 1, ("b", "c"): 1}
    assert count_ngrams(tokens, 3) == {("a", "b", "a"): 1, ("b", "a", "b"): 1, ("a", "b", "c"): 1}
    assert sum(count_ngrams(tokens, 2).values()) == len(tokens) - 1


def test_count_ngrams_flattens_lines_and_handles_short_input():
    assert count_ngrams([["a", "b"], ["c"]], 2) == {("a", "b"): 1, ("b", "c"): 1}
    assert count_ngrams(["a"], 2) == {}
    assert count_ngrams([], 1) == {}


@pytest.mark.parametrize("n, error, message", [(0, ValueError, "n must be at least 1, got 0"),
                                               (-1, ValueError, "n must be at least 1"),
                                               (1.5, TypeError, "n must be an integer"),
                                               ("2", TypeError, "n must be an integer")])
def test_count_ngrams_rejects_bad_n(n, error, message):
    with pytest.raises(error, match=message):
        count_ngrams(["a", "b"], n)


def test_fit_zipf_recovers_an_exact_power_law():
    freqs = [1000.0 * r ** -1.3 for r in range(1, 200)]
    alpha, log_c = fit_zipf(freqs[::-1])  # order does not matter
    assert alpha == pytest.approx(1.3, abs=1e-9)
    assert log_c == pytest.approx(math.log(1000.0), abs=1e-9)


def test_fit_zipf_uses_only_the_given_rank_range():
    freqs = [100.0 * r ** -1.0 for r in range(1, 51)] + [2.0] * 50  # a flat tail bends away
    alpha_head, _ = fit_zipf(freqs, 1, 50)
    alpha_all, _ = fit_zipf(freqs)
    assert alpha_head == pytest.approx(1.0, abs=1e-9)
    assert alpha_all < 0.9  # the flat tail drags the slope down


@pytest.mark.parametrize("kwargs, match", [
    (dict(min_rank=0), "min_rank"), (dict(min_rank=3, max_rank=3), "min_rank"),
    (dict(max_rank=10), "max_rank"),
])
def test_fit_zipf_rejects_bad_ranges(kwargs, match):
    with pytest.raises(ValueError, match=match):
        fit_zipf([5, 4, 3, 2, 1], **kwargs)


def test_fit_zipf_rejects_non_positive_counts():
    with pytest.raises(ValueError, match="freqs must all be positive"):
        fit_zipf([3, 2, 0])
