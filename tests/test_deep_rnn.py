"""Unit tests for d2lutil.masked (the masked-character task of 9.4) and for the nn.GRU facts that
the deep-RNN notebook (9.3) builds on: the [r | z | n] gate layout and the width of layer 2."""
import pytest
import torch
from torch import nn

from d2lutil.masked import MASK, MaskedCharRNN, load_data_masked_chars, masked_char_windows


pytestmark = pytest.mark.usefixtures("one_thread")


def test_windows_hide_the_middle_and_keep_it_as_label():
    corpus = torch.arange(10, 30)
    X, y = masked_char_windows(corpus, 2, mask_idx=1, centers=[2, 5, 17])
    assert X.tolist() == [[10, 11, 1, 13, 14], [13, 14, 1, 16, 17], [25, 26, 1, 28, 29]]
    assert y.tolist() == [12, 15, 27]
    assert corpus[5] == 15                                  # the corpus itself is not changed


def test_windows_accept_lists_and_empty_centers():
    X, y = masked_char_windows([4, 5, 6], 1, 0, [1])
    assert X.tolist() == [[4, 0, 6]] and y.tolist() == [5]
    X, y = masked_char_windows([4, 5, 6], 1, 0, [])
    assert X.shape == (0, 3) and y.shape == (0,)


@pytest.mark.parametrize("k, centers, match", [
    (0, [3], "k must be a positive integer"), (2.0, [3], "k must be"),
    (2, [1], r"centers must lie in \[k, len\(corpus\) - k\)"), (2, [8], "centers must lie"),
    (2, [[3]], "1-D")])
def test_windows_bad_input(k, centers, match):
    with pytest.raises(ValueError, match=match):
        masked_char_windows(torch.arange(10), k, 0, centers)


def test_load_data_split_vocab_and_determinism():
    g = torch.Generator().manual_seed(1)
    train_iter, test_iter, vocab = load_data_masked_chars(3, 16, 100, 40, generator=g)
    assert vocab[MASK] == 1 and vocab.idx_to_token[:2] == ["<unk>", MASK] and len(vocab) == 29
    X, y = next(iter(train_iter))
    assert X.shape == (16, 7) and y.shape == (16,)
    assert (X[:, 3] == 1).all() and (y != 1).all() and (X[:, [0, 1, 2, 4, 5, 6]] != 1).all()
    assert len(train_iter.dataset) == 100 and len(test_iter.dataset) == 40
    again = load_data_masked_chars(3, 16, 100, 40, generator=torch.Generator().manual_seed(1))
    assert torch.equal(test_iter.dataset.tensors[0], again[1].dataset.tensors[0])


def test_load_data_test_windows_come_from_the_last_part():
    tokens_before = load_data_masked_chars(2, 8, 50, 50, train_fraction=0.5)
    train_X = tokens_before[0].dataset.tensors[0]
    test_X = tokens_before[1].dataset.tensors[0]
    # a window of 5 characters almost never repeats by chance; overlap would mean shared text
    shared = {tuple(r) for r in train_X.tolist()} & {tuple(r) for r in test_X.tolist()}
    assert len(shared) <= 2


@pytest.mark.parametrize("kwargs, match", [
    (dict(train_fraction=1.0), "train_fraction"), (dict(batch_size=0), "batch_size"),
    (dict(num_train=-5), "num_train"), (dict(num_test=2.5), "num_test")])
def test_load_data_bad_input(kwargs, match):
    args = dict(k=2, batch_size=8, num_train=10, num_test=10)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        load_data_masked_chars(**args)


def test_one_directional_model_ignores_the_right_half():
    torch.manual_seed(0)
    X = torch.randint(2, 29, (4, 7))
    X[:, 3] = 1
    changed = X.clone()
    changed[:, 4:] = torch.randint(2, 29, (4, 3))
    uni, bi = MaskedCharRNN(29, 8, False), MaskedCharRNN(29, 8, True)
    assert uni(X).shape == (4, 29) and bi(X).shape == (4, 29)
    assert torch.equal(uni(X), uni(changed))              # only the left context reaches the middle
    assert not torch.allclose(bi(X), bi(changed))         # the right-to-left direction sees it
    assert bi.linear.in_features == 16 and uni.linear.in_features == 8


def test_model_bad_input():
    net = MaskedCharRNN(29, 8, True)
    with pytest.raises(ValueError, match=r"\(batch, 2k\+1\)"):
        net(torch.zeros(3, 4, dtype=torch.long))
    with pytest.raises(ValueError, match="X must be"):
        net(torch.zeros(5, dtype=torch.long))


def test_gru_gate_layout_and_layer_two_width():
    """PyTorch stacks the GRU gates as [r | z | n] and layer 2 reads the H features of layer 1."""
    torch.manual_seed(0)
    gru = nn.GRU(5, 4, num_layers=2)
    assert gru.weight_ih_l0.shape == (12, 5) and gru.weight_ih_l1.shape == (12, 4)
    x, h = torch.randn(1, 3, 5), torch.zeros(2, 3, 4)
    W_ir, W_iz, W_in = gru.weight_ih_l0.chunk(3)
    b_ir, b_iz, b_in = gru.bias_ih_l0.chunk(3)
    b_hr, b_hz, b_hn = gru.bias_hh_l0.chunk(3)
    r = torch.sigmoid(x[0] @ W_ir.T + b_ir + b_hr)         # h = 0, so W_hh drops out
    z = torch.sigmoid(x[0] @ W_iz.T + b_iz + b_hz)
    n = torch.tanh(x[0] @ W_in.T + b_in + r * b_hn)
    _, h_n = gru(x, h)
    assert torch.allclose(h_n[0], (1 - z) * n, atol=1e-6)


def test_test_windows_do_not_depend_on_the_number_of_training_windows():
    small = load_data_masked_chars(2, 8, 10, 30, generator=torch.Generator().manual_seed(3))
    large = load_data_masked_chars(2, 8, 500, 30, generator=torch.Generator().manual_seed(3))
    assert torch.equal(small[1].dataset.tensors[0], large[1].dataset.tensors[0])
