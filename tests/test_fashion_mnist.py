"""Unit tests for d2lutil.fashion_mnist, on the real bundled data set (read once per module)."""
import pytest
import torch
import torch.nn.functional as F

import d2lutil
from d2lutil import fashion_mnist as fm


@pytest.fixture(scope="module")
def data():
    """{'train': (images, labels), 'test': (images, labels)}, read from the IDX files once."""
    return {split: d2lutil.read_fashion_mnist(split) for split in ("train", "test")}


@pytest.fixture(scope="module")
def loaders():
    """The public loader, called once for real (it reads the files again)."""
    return d2lutil.load_data_fashion_mnist(batch_size=256)


@pytest.fixture
def cached_reads(data, monkeypatch):
    """Let load_data_fashion_mnist reuse the module's data instead of re-reading 70,000 images."""
    monkeypatch.setattr(fm, "read_fashion_mnist", lambda split, download=False: data[split])


def test_read_train_and_test(data):
    (X, y), (Xt, yt) = data["train"], data["test"]
    assert X.shape == (60000, 1, 28, 28) and X.dtype == torch.uint8
    assert Xt.shape == (10000, 1, 28, 28) and Xt.dtype == torch.uint8
    assert y.shape == (60000,) and y.dtype == torch.int64
    assert yt.shape == (10000,) and yt.dtype == torch.int64
    # balanced classes, the known first labels (ankle boot, ...)
    assert torch.equal(torch.bincount(y), torch.full((10,), 6000))
    assert torch.equal(torch.bincount(yt), torch.full((10,), 1000))
    assert y[:5].tolist() == [9, 0, 0, 3, 0]
    assert yt[:5].tolist() == [9, 2, 1, 1, 6]
    assert int(X.max()) == 255 and int(X.min()) == 0


def test_read_unknown_split():
    with pytest.raises(ValueError, match=r"split must be 'train' or 'test', got 'val'"):
        d2lutil.read_fashion_mnist("val")


def test_labels_text():
    assert d2lutil.get_fashion_mnist_labels([0, 9, 3]) == ["t-shirt", "ankle boot", "dress"]
    assert d2lutil.get_fashion_mnist_labels(torch.arange(10)) == list(fm.LABELS)
    assert len(set(fm.LABELS)) == 10
    assert d2lutil.get_fashion_mnist_labels([]) == []


def test_load_data_sizes_shapes_dtypes_range(loaders):
    train_iter, test_iter = loaders
    assert len(train_iter.images) == 60000 and len(test_iter.images) == 10000
    assert len(train_iter) == 235 and len(test_iter) == 40  # ceil(60000/256), ceil(10000/256)
    assert train_iter.shuffle and not test_iter.shuffle
    X, y = next(iter(train_iter))
    assert X.shape == (256, 1, 28, 28) and X.dtype == torch.float32
    assert y.shape == (256,) and y.dtype == torch.int64
    assert 0.0 <= float(X.min()) and float(X.max()) <= 1.0
    assert 0 <= int(y.min()) and int(y.max()) <= 9


def test_test_iterator_is_in_file_order_and_complete(loaders, data):
    _, test_iter = loaders
    batches = list(test_iter)
    assert [len(y) for _, y in batches] == [256] * 39 + [10000 - 39 * 256]
    labels = torch.cat([y for _, y in batches])
    assert torch.equal(labels, data["test"][1])
    first = batches[0][0]
    assert torch.equal(first, data["test"][0][:256].float() / 255)


def test_load_data_num_train_and_resize(cached_reads, data):
    train_iter, test_iter = d2lutil.load_data_fashion_mnist(64, resize=32, num_train=1000)
    assert len(train_iter.images) == 1000 and len(test_iter.images) == 10000
    assert torch.equal(train_iter.labels, data["train"][1][:1000])
    X, _ = next(iter(train_iter))
    assert X.shape == (64, 1, 32, 32)
    assert next(iter(test_iter))[0].shape == (64, 1, 32, 32)


def test_load_data_generator_makes_runs_repeat(cached_reads):
    def first_labels(seed):
        train_iter, _ = d2lutil.load_data_fashion_mnist(32, num_train=500,
                                                        generator=torch.Generator().manual_seed(seed))
        return next(iter(train_iter))[1]
    assert torch.equal(first_labels(3), first_labels(3))
    assert not torch.equal(first_labels(3), first_labels(4))


@pytest.mark.parametrize("num_train", [0, -5, 60001])
def test_load_data_bad_num_train(cached_reads, num_train):
    with pytest.raises(ValueError, match=rf"num_train must be between 1 and 60000, got {num_train}"):
        d2lutil.load_data_fashion_mnist(32, num_train=num_train)


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, None, True])
def test_load_data_bad_batch_size(cached_reads, batch_size):
    with pytest.raises((ValueError, TypeError), match=rf"batch_size must be (at least 1|an integer), got {batch_size!r}"):
        d2lutil.load_data_fashion_mnist(batch_size)


@pytest.fixture(scope="module")
def small(data):
    X, y = data["train"]
    return X[:100], y[:100]


class TestImageBatches:
    def test_values_and_partial_last_batch(self, small):
        X, y = small
        batches = list(d2lutil.ImageBatches(X, y, 32))
        assert [len(b[1]) for b in batches] == [32, 32, 32, 4]
        assert len(d2lutil.ImageBatches(X, y, 32)) == 4
        assert len(d2lutil.ImageBatches(X, y, 100)) == 1
        assert torch.equal(torch.cat([b[0] for b in batches]), X.float() / 255)
        assert torch.equal(torch.cat([b[1] for b in batches]), y)
        assert X.dtype == torch.uint8  # the stored images are not changed in place

    def test_resize_int_and_pair(self, small):
        X, y = small
        Xb, _ = next(iter(d2lutil.ImageBatches(X, y, 8, resize=32)))
        assert Xb.shape == (8, 1, 32, 32)
        expected = F.interpolate(X[:8].float() / 255, size=(32, 32), mode="bilinear", align_corners=False)
        assert torch.allclose(Xb, expected)
        Xb, _ = next(iter(d2lutil.ImageBatches(X, y, 8, resize=(20, 40))))
        assert Xb.shape == (8, 1, 20, 40)

    def test_shuffle_is_a_permutation_reproducible_and_new_each_epoch(self, small):
        X, y = small
        idx = torch.arange(100)
        it = d2lutil.ImageBatches(X, idx, 16, shuffle=True, generator=torch.Generator().manual_seed(0))
        epoch1 = torch.cat([b for _, b in it])
        epoch2 = torch.cat([b for _, b in it])
        assert sorted(epoch1.tolist()) == list(range(100))  # every example exactly once
        assert not torch.equal(epoch1, epoch2)  # reshuffled each epoch
        assert not torch.equal(epoch1, idx)
        it2 = d2lutil.ImageBatches(X, idx, 16, shuffle=True, generator=torch.Generator().manual_seed(0))
        assert torch.equal(torch.cat([b for _, b in it2]), epoch1)
        assert torch.equal(torch.cat([b for _, b in it2]), epoch2)
        # images stay with their labels
        Xs, ys = next(iter(d2lutil.ImageBatches(X, idx, 16, shuffle=True,
                                                generator=torch.Generator().manual_seed(5))))
        assert torch.equal(Xs, X[ys].float() / 255)

    @pytest.mark.parametrize("batch_size", [0, -3, 1.0, "8", False])
    def test_bad_batch_size(self, small, batch_size):
        with pytest.raises((ValueError, TypeError), match=rf"batch_size must be (at least 1|an integer), got {batch_size!r}"):
            d2lutil.ImageBatches(*small, batch_size)

    def test_length_mismatch(self, small):
        X, y = small
        with pytest.raises(ValueError, match=r"100 images but 99 labels"):
            d2lutil.ImageBatches(X, y[:99], 10)


def test_device_cpu_gives_the_same_batches_as_none(cached_reads):
    def batches(device):
        train_iter, test_iter = d2lutil.load_data_fashion_mnist(
            64, resize=20, num_train=300, generator=torch.Generator().manual_seed(7), device=device)
        return list(train_iter) + list(train_iter) + list(test_iter)[:2]  # two epochs: two permutations
    plain, on_cpu = batches(None), batches("cpu")
    assert len(plain) == len(on_cpu) == 2 * 5 + 2
    assert all(torch.equal(a[0], b[0]) and torch.equal(a[1], b[1]) for a, b in zip(plain, on_cpu))
    assert all(X.device.type == "cpu" for X, _ in on_cpu)


def test_device_keeps_the_uint8_images_there(small):
    it = d2lutil.ImageBatches(*small, 10, device=torch.device("cpu"))
    assert it.images.dtype == torch.uint8 and it.images.device.type == "cpu"
