"""Unit tests for d2lutil.datasets: locating data files, checking their SHA-256, and Fashion-MNIST
on the real bundled data set.

``data_file`` remembers verified paths (with their size and mtime) in ``_verified``, so every
test that damages or removes a file works in its own fresh ``tmp_path``.
"""
import hashlib
import io
import os
import shutil
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

import d2lutil
from d2lutil import datasets

# ---- data files and checksums ----

BAD_BATCH_SIZE = r"batch_size must be (at least 1|an integer), got {!r}"
REPO_DATA = Path(__file__).resolve().parent.parent / "data"
SUMS_FILE = Path(__file__).resolve().parent.parent / "d2lutil" / "SHA256SUMS"
SMALL = "timemachine.txt"
DATA_NAMES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
              "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
              "timemachine.txt", "war_of_the_worlds.txt"]


def sums():
    lines = SUMS_FILE.read_text().splitlines()
    return {name: digest for digest, name in (line.split("  ") for line in lines if line)}


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A private data folder with a copy of the small book, selected by D2L_DATA_DIR."""
    shutil.copy(REPO_DATA / SMALL, tmp_path / SMALL)
    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path))
    return tmp_path


def test_data_dir_default_is_the_repository_data(monkeypatch):
    monkeypatch.delenv("D2L_DATA_DIR", raising=False)
    assert d2lutil.data_dir() == REPO_DATA
    assert datasets.data_dirs() == [REPO_DATA, datasets._BUNDLED_DATA]


def test_data_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path))
    assert d2lutil.data_dir() == tmp_path
    assert datasets.data_dirs() == [tmp_path, REPO_DATA, datasets._BUNDLED_DATA]


@pytest.mark.parametrize("value", ["", "  "])
def test_empty_d2l_data_dir_counts_as_unset(monkeypatch, value):
    # documented choice: `D2L_DATA_DIR= jupyter lab` means "no folder of my own", not the cwd
    monkeypatch.setenv("D2L_DATA_DIR", value)
    assert d2lutil.data_dir() == REPO_DATA
    assert d2lutil.data_file(SMALL) == REPO_DATA / SMALL


def test_search_falls_back_from_d2l_data_dir_to_the_repository(tmp_path, monkeypatch):
    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path))  # an empty folder of the user's
    assert d2lutil.data_file(SMALL) == REPO_DATA / SMALL


def test_sha256sums_lists_every_bundled_file_and_every_source():
    listed = sums()
    assert sorted(listed) == sorted(DATA_NAMES)
    assert sorted(datasets.SOURCES) == sorted(DATA_NAMES)
    assert all(len(d) == 64 and int(d, 16) >= 0 for d in listed.values())


def test_read_sums_reads_the_list():
    assert datasets.read_sums() == sums()


def test_the_lists_own_digest_is_recorded_in_the_code():
    assert datasets.SUMS_FILE == SUMS_FILE
    assert datasets.sha256_of(SUMS_FILE) == datasets.SUMS_SHA256


def test_a_folders_own_sha256sums_is_ignored(data_copy):
    # a replaced book with a matching line in its folder's list must not load
    fake = b"a different book\n"
    (data_copy / SMALL).write_bytes(fake)
    (data_copy / "SHA256SUMS").write_text(f"{hashlib.sha256(fake).hexdigest()}  {SMALL}\n")
    with pytest.raises(ValueError, match=rf"{SMALL} is damaged"):
        d2lutil.data_file(SMALL)


def test_a_file_damaged_after_its_first_read_is_caught(data_copy):
    path = d2lutil.data_file(SMALL)
    raw = bytearray(path.read_bytes())
    raw[10] ^= 0x01
    path.write_bytes(bytes(raw))
    os.utime(path, ns=(1, 1))  # a different mtime even on a coarse clock
    with pytest.raises(ValueError, match=rf"{SMALL} is damaged"):
        d2lutil.data_file(SMALL)


@pytest.fixture
def sums_copy(tmp_path, monkeypatch):
    """A copy of the trusted list that a test may damage, with SUMS_SHA256 left as it is."""
    copy = tmp_path / "SHA256SUMS"
    shutil.copy(SUMS_FILE, copy)
    monkeypatch.setattr(datasets, "SUMS_FILE", copy)
    return copy


def test_a_wrong_line_in_the_list_blames_the_list_not_the_data(sums_copy):
    sums_copy.write_text(sums_copy.read_text().replace(sums()[SMALL], "0" * 64))
    with pytest.raises(ValueError, match=r"checksum list .*SHA256SUMS is damaged or was edited") as err:
        d2lutil.data_file(SMALL)
    assert "Data file" not in str(err.value) and "git checkout -- d2lutil/SHA256SUMS" in str(err.value)


@pytest.mark.parametrize("content", ["", "\n\n", "not a checksum line\n", "abc  timemachine.txt\n"])
def test_a_mangled_or_empty_list_is_an_error(sums_copy, content):
    # the list's digest is checked before it is parsed, so every damage reads the same
    sums_copy.write_text(content)
    with pytest.raises(ValueError, match=r"checksum list .*SHA256SUMS is damaged or was edited .*git checkout"):
        d2lutil.data_file(SMALL)


def test_a_missing_list_is_an_error(sums_copy):
    sums_copy.unlink()
    with pytest.raises(FileNotFoundError, match=r"checksum list .*SHA256SUMS is missing. Reinstall d2lutil"):
        d2lutil.data_file(SMALL)


def test_sha256_of_matches_hashlib(tmp_path):
    path = tmp_path / "blob"
    payload = bytes(range(256)) * 5000  # > 1 MiB: more than one block
    path.write_bytes(payload)
    assert datasets.sha256_of(path) == hashlib.sha256(payload).hexdigest()


def test_data_file_returns_verified_path(monkeypatch):
    monkeypatch.delenv("D2L_DATA_DIR", raising=False)
    path = d2lutil.data_file(SMALL)
    assert path == REPO_DATA / SMALL
    assert path in datasets._verified


def test_data_file_in_custom_folder(data_copy):
    path = d2lutil.data_file(SMALL)
    assert path == data_copy / SMALL
    assert path in datasets._verified
    assert d2lutil.data_file(SMALL) == path  # second call: size and mtime unchanged, from the cache


def test_corrupted_file_names_file_checksum_and_repair(data_copy):
    target = data_copy / SMALL
    raw = bytearray(target.read_bytes())
    raw[1000] ^= 0xFF
    target.write_bytes(bytes(raw))
    expected = sums()[SMALL]
    with pytest.raises(ValueError) as err:
        d2lutil.data_file(SMALL)
    message = str(err.value)
    assert str(target) in message
    assert "damaged" in message
    assert f"expected {expected}" in message
    assert f"sha256 {hashlib.sha256(bytes(raw)).hexdigest()}" in message
    assert "checksum list" in message and "itself is intact" in message
    assert f"git checkout -- data/{SMALL}" in message
    assert "download=True" in message and datasets.SOURCES[SMALL] in message
    assert target not in datasets._verified


def test_truncated_file_is_also_caught(data_copy):
    (data_copy / SMALL).write_bytes(b"")
    with pytest.raises(ValueError, match=rf"{SMALL} is damaged.*expected {sums()[SMALL]}"):
        d2lutil.data_file(SMALL)


def test_missing_file_names_every_place_looked_and_the_fixes(data_copy, monkeypatch):
    (data_copy / SMALL).unlink()
    monkeypatch.setattr(datasets, "_REPO_DATA", data_copy / "no-clone")  # as after `pip install .`
    with pytest.raises(FileNotFoundError) as err:
        d2lutil.data_file(SMALL)
    message = str(err.value)
    assert f"Data file {SMALL} (sha256 {sums()[SMALL]}) was not found; looked in: {data_copy}, " \
           f"{datasets._BUNDLED_DATA}." in message
    assert "set D2L_DATA_DIR" in message and "clone the course repository" in message
    assert "download=True" in message


def test_loaders_report_a_damaged_book(data_copy):
    (data_copy / SMALL).write_text("not the time machine\n")
    with pytest.raises(ValueError, match=rf"{SMALL} is damaged"):
        d2lutil.read_time_machine()


def test_loaders_report_a_damaged_fashion_mnist_file(tmp_path, monkeypatch):
    shutil.copy(REPO_DATA / "t10k-images-idx3-ubyte.gz", tmp_path / "t10k-images-idx3-ubyte.gz")
    raw = bytearray((REPO_DATA / "t10k-labels-idx1-ubyte.gz").read_bytes())
    raw[-20] ^= 0x01
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(bytes(raw))
    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path))
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte.gz is damaged.*"
                                         + sums()["t10k-labels-idx1-ubyte.gz"]):
        d2lutil.read_fashion_mnist("test")


def test_loaders_report_a_missing_fashion_mnist_file(tmp_path, monkeypatch):
    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(datasets, "_REPO_DATA", tmp_path / "no-clone")
    with pytest.raises(FileNotFoundError, match=r"t10k-images-idx3-ubyte.gz .* was not found"):
        d2lutil.read_fashion_mnist("test")


def test_unknown_data_file():
    with pytest.raises(KeyError, match=r"'imagenet.tar' is not a known data file; the known ones are \['t10k"):
        d2lutil.data_file("imagenet.tar")


# ---- download=True, with the network replaced by a local copy ----

def fake_urlopen(calls, payload=None):
    def urlopen(url, timeout):
        calls.append((url, timeout))
        name = url.rsplit("/", 1)[-1]
        source = REPO_DATA / ("war_of_the_worlds.txt" if name == "pg36.txt" else name)
        return io.BytesIO(source.read_bytes() if payload is None else payload)
    return urlopen


def test_sources_use_https():
    assert all(url.startswith("https://") for url in datasets.SOURCES.values())


def test_download_fetches_a_missing_file(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen(calls))
    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path / "fresh"))  # folder does not exist yet
    monkeypatch.setattr(datasets, "_REPO_DATA", tmp_path / "no-clone")
    path = d2lutil.data_file(SMALL, download=True)
    assert path == tmp_path / "fresh" / SMALL
    assert datasets.sha256_of(path) == sums()[SMALL]
    assert calls == [(datasets.SOURCES[SMALL], datasets.DOWNLOAD_TIMEOUT_S)]
    assert sorted(p.name for p in path.parent.iterdir()) == [SMALL]  # no temporary left


def test_download_with_wrong_checksum_is_not_saved(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen(calls, b"<html>moved</html>"))
    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(datasets, "_REPO_DATA", tmp_path / "no-clone")
    with pytest.raises(ValueError, match=rf"Downloaded {SMALL} from https://\S+ has sha256 .*expected "
                                         rf"{sums()[SMALL]}; not saved"):
        d2lutil.data_file(SMALL, download=True)
    assert list(tmp_path.iterdir()) == []
    assert len(calls) == 1


def test_download_without_network_names_the_url_and_the_offline_way(tmp_path, monkeypatch):
    def offline(url, timeout):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")
    monkeypatch.setattr(urllib.request, "urlopen", offline)
    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(datasets, "_REPO_DATA", tmp_path / "no-clone")
    with pytest.raises(ConnectionError) as err:
        d2lutil.data_file(SMALL, download=True)
    message = str(err.value)
    assert f"Could not download {SMALL} from {datasets.SOURCES[SMALL]}" in message
    assert "name resolution" in message and "set D2L_DATA_DIR" in message and "bundled data/" in message
    assert list(tmp_path.iterdir()) == []


def test_download_is_not_used_for_a_present_file(data_copy, monkeypatch):
    monkeypatch.setattr(urllib.request, "urlopen", lambda *a, **k: pytest.fail("no download expected"))
    assert d2lutil.data_file(SMALL, download=True) == data_copy / SMALL


# ---- Fashion-MNIST ----

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
    monkeypatch.setattr(datasets, "read_fashion_mnist", lambda split, download=False: data[split])


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
    with pytest.raises(ValueError, match=r"split must be one of 'train', 'test', got 'val'"):
        d2lutil.read_fashion_mnist("val")


def test_labels_text():
    assert d2lutil.get_fashion_mnist_labels([0, 9, 3]) == ["t-shirt", "ankle boot", "dress"]
    assert d2lutil.get_fashion_mnist_labels(torch.arange(10)) == list(datasets.LABELS)
    assert len(set(datasets.LABELS)) == 10
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


@pytest.mark.parametrize("num_train, rule", [(0, "at least 1"), (-5, "at least 1"), (60001, "at most 60000")])
def test_load_data_bad_num_train(cached_reads, num_train, rule):
    with pytest.raises(ValueError, match=rf"num_train must be {rule}, got {num_train}"):
        d2lutil.load_data_fashion_mnist(32, num_train=num_train)


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, None, True])
def test_load_data_bad_batch_size(cached_reads, batch_size):
    with pytest.raises((ValueError, TypeError), match=BAD_BATCH_SIZE.format(batch_size)):
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
        with pytest.raises((ValueError, TypeError), match=BAD_BATCH_SIZE.format(batch_size)):
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
