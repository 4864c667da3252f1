"""Unit tests for the n-gram helpers of d2lutil.text (count_ngrams, fit_zipf)."""
import math

import pytest

from d2lutil.text import count_ngrams, fit_zipf


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


@pytest.mark.parametrize("n", [0, -1, 1.5, "2"])
def test_count_ngrams_rejects_bad_n(n):
    with pytest.raises(ValueError, match="n must be a positive integer"):
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
