"""Unit tests for d2lutil.widgets.sequence (8.1 autoregression, 8.3 partitioning)."""
import pytest
import torch

from d2lutil.widgets import ar_explorer, partition_explorer, sequence


def test_sine_series_is_seeded_and_noise_free_when_asked():
    time, x = sequence.sine_series(100, noise=0.0)
    assert time[0] == 1 and time[-1] == 100
    assert torch.allclose(x, torch.sin(0.01 * time))
    _, a = sequence.sine_series(50, seed=3)
    _, b = sequence.sine_series(50, seed=3)
    assert torch.equal(a, b)
    with pytest.raises(ValueError, match="T must be"):
        sequence.sine_series(1)
    with pytest.raises(ValueError, match="noise"):
        sequence.sine_series(10, noise=-1)


def test_ar_dataset_windows():
    x = torch.arange(10.0)
    features, labels = sequence.ar_dataset(x, 3)
    assert features.shape == (7, 3) and labels.shape == (7, 1)
    assert features[0].tolist() == [0, 1, 2] and labels[0].item() == 3
    assert features[-1].tolist() == [6, 7, 8] and labels[-1].item() == 9
    for tau in (0, 10, 2.5):
        with pytest.raises(ValueError, match="tau must be"):
            sequence.ar_dataset(x, tau)


def test_train_ar_mlp_learns_and_repeats():
    _, x = sequence.sine_series(400, seed=0)
    features, labels = sequence.ar_dataset(x, 4)
    net, losses = sequence.train_ar_mlp(features, labels, n_train=300, num_epochs=5)
    _, losses2 = sequence.train_ar_mlp(features, labels, n_train=300, num_epochs=5)
    assert len(losses) == 5 and losses == losses2
    assert losses[-1] < 0.1  # noise variance is 0.04; predicting 0 would cost about 0.5
    with pytest.raises(ValueError, match="n_train"):
        sequence.train_ar_mlp(features, labels, n_train=0)


def test_k_step_predictions_feed_back_their_own_output():
    x = torch.arange(20.0)

    class Last(torch.nn.Module):  # predicts "previous value + 1": exact on this series
        def forward(self, X):
            return X[:, -1:] + 1

    preds = sequence.k_step_predictions(Last(), x, tau=2, max_steps=5)
    assert preds.shape == (20 - 2 - 5 + 1, 5)
    assert preds[0].tolist() == [2, 3, 4, 5, 6]
    assert sequence.k_step_mse(x, preds, 2, 5) == 0.0
    with pytest.raises(ValueError, match="max_steps"):
        sequence.k_step_predictions(Last(), x, tau=2, max_steps=19)
    with pytest.raises(ValueError, match="k must be"):
        sequence.k_step_mse(x, preds, 2, 6)


def test_k_step_errors_grow_with_k():
    _, x = sequence.sine_series(1000, seed=0)
    features, labels = sequence.ar_dataset(x, 4)
    net, _ = sequence.train_ar_mlp(features, labels)
    preds = sequence.k_step_predictions(net, x, 4, 64)
    mse = [sequence.k_step_mse(x, preds, 4, k) for k in (1, 16, 64)]
    assert mse[0] < mse[1] < mse[2]


def test_ar_explorer_reports_mse_and_caches_models():
    w = ar_explorer(T=300, max_steps=16)
    assert w.result.startswith("tau=4, k=1: MSE")
    w.children[1].value = 16
    assert w.result.startswith("tau=4, k=16: MSE")
    w.children[0].value = 2
    assert w.result.startswith("tau=2, k=16")


def test_partition_positions_sequential_rows_continue():
    batches = sequence.partition_positions(35, 2, 5, "sequential", seed=0)
    assert all(X.shape == (2, 5) for X in batches)
    for prev, nxt in zip(batches, batches[1:]):
        assert torch.equal(nxt[:, 0], prev[:, -1] + 1)  # row b continues row b


def test_partition_positions_random_uses_disjoint_subsequences():
    batches = sequence.partition_positions(35, 2, 5, "random", seed=0)
    seen = torch.cat([X.reshape(-1) for X in batches]).tolist()
    assert len(seen) == len(set(seen))
    assert all(X[r].tolist() == list(range(int(X[r, 0]), int(X[r, 0]) + 5))
               for X in batches for r in range(2))
    assert sequence.partition_positions(35, 2, 5, "random", seed=0)[0].tolist() == batches[0].tolist()


def test_batch_of_position_and_description():
    batches = [torch.tensor([[2, 3], [6, 7]]), torch.tensor([[4, 5], [8, 9]])]
    batch_idx, row_idx = sequence.batch_of_position(10, batches)
    assert batch_idx.tolist() == [-1, -1, 0, 0, 1, 1, 0, 0, 1, 1]
    assert row_idx.tolist() == [-1, -1, 0, 0, 0, 0, 1, 1, 1, 1]
    text = sequence.describe_partition(10, batches)
    assert "batch 1: rows start at [4, 8]" in text and "2 of 10 positions unused as input: [0, 1]" in text
    fig = sequence.draw_partition(10, batches, width=5)
    assert len(fig.axes[0].patches) == 10


@pytest.mark.parametrize("args, match", [
    ((35, 2, 5, "shuffled"), "method must be one of"),
    ((1, 1, 1, "random"), "num_tokens must be"),
    ((35, 16, 5, "random"), "batch_size=16 x num_steps=5 needs a corpus of at least 85 tokens"),
    ((35, 8, 5, "sequential"), "needs a corpus of at least 45 tokens, got 35"),
    ((35, 1, 40, "sequential"), "num_steps=40"),
    ((35, 0, 5, "random"), "batch_size must be"),
])
def test_partition_positions_rejects_impossible_settings(args, match):
    with pytest.raises(ValueError, match=match):
        sequence.partition_positions(*args)


def test_partition_explorer_shows_a_message_for_impossible_settings():
    w = partition_explorer()
    assert w.result.startswith("batch 0: rows start at")
    w.children[1].value = 16
    assert w.result.startswith("Cannot partition: batch_size=16 x num_steps=5 needs a corpus")
    w.children[3].value = "sequential"
    assert w.result.startswith("Cannot partition:")
    w.children[1].value = 2
    assert "3 minibatches" in w.result
