"""The course's data files, each checked against a trusted SHA-256, and Fashion-MNIST.

Digests come only from the package's ``SHA256SUMS`` (itself checked against :data:`SUMS_SHA256`), never from a
list next to the data, so a replaced file cannot bring its own digest.
"""
from __future__ import annotations

import gzip
import hashlib
import operator
import os
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .validation import check_choice, check_index_range, check_int, to_pair

_PACKAGE = Path(__file__).resolve().parent
_REPO_DATA = _PACKAGE.parent / "data"
_BUNDLED_DATA = _PACKAGE / "data"
SUMS_FILE = _PACKAGE / "SHA256SUMS"
#: SHA-256 of ``SUMS_FILE`` itself: change it together with the list when a data file changes.
SUMS_SHA256 = "4116abdd51535c58cdeaa27e313106b54e289516b1b11c81858a4243f076b1f9"
ENV_VAR = "D2L_DATA_DIR"
REPOSITORY = "https://github.com/d2l-zh-course/cnn-rnn-notebooks"
DOWNLOAD_TIMEOUT_S = 60

_FASHION_FILES = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
                  "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}
_FASHION = "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/b2617bb6d3ffa2e429640350f613e3291e10b141/data/fashion/"
#: Where every file of the list can be fetched again over https (used only with ``download=True``).
SOURCES = {
    **{name: _FASHION + name for pair in _FASHION_FILES.values() for name in pair},
    "timemachine.txt": "https://raw.githubusercontent.com/d2l-ai/d2l-zh/"
                       "592fbef84a684e752393edbf267c07dbc53e082b/data/timemachine.txt",
    "war_of_the_worlds.txt": "https://www.gutenberg.org/cache/epub/36/pg36.txt",
}
_verified: dict[Path, tuple[int, int]] = {}  # path -> (size, mtime_ns) when its digest was checked


def data_dirs() -> list[Path]:
    """The folders searched for data files, in order: $D2L_DATA_DIR, the repository's data/, the package's."""
    env = os.environ.get(ENV_VAR, "").strip()  # empty counts as unset, not as the working directory
    optional = [Path(env).expanduser() if env else None, _REPO_DATA if _REPO_DATA.is_dir() else None]
    return [folder for folder in optional if folder is not None] + [_BUNDLED_DATA]


def data_dir() -> Path:
    """The first folder searched, where ``download=True`` saves: $D2L_DATA_DIR, else the repository's data/."""
    return data_dirs()[0]


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file (read whole: the largest data file is 26 MB)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_sums() -> dict[str, str]:
    """The trusted ``{file name: sha256}`` list, parsed only once its bytes match :data:`SUMS_SHA256`."""
    fix = ("Reinstall d2lutil, or in a clone run `git checkout -- d2lutil/SHA256SUMS`; if you changed a data file "
           "on purpose, update the list and SUMS_SHA256 in d2lutil/datasets.py together.")
    if not SUMS_FILE.is_file():
        raise FileNotFoundError(f"The checksum list {SUMS_FILE} is missing. {fix}")
    raw = SUMS_FILE.read_bytes()
    actual = hashlib.sha256(raw).hexdigest()
    if actual != SUMS_SHA256:
        raise ValueError(f"The checksum list {SUMS_FILE} is damaged or was edited (sha256 {actual}, expected "
                         f"{SUMS_SHA256}); the data files were not checked against it. {fix}")
    return {name: digest for digest, name in map(str.split, raw.decode().splitlines())}


def data_file(name: str, download: bool = False) -> Path:
    """Path of data file ``name``, its SHA-256 checked on first use and whenever its size or mtime changes.

    The first copy in :func:`data_dirs` wins; with none, ``download=True`` fetches one into :func:`data_dir`.
    """
    listed = read_sums()
    if name not in listed:
        raise KeyError(f"{name!r} is not a known data file; the known ones are {sorted(listed)}")
    expected = listed[name]
    fixes = (f"Fix: set {ENV_VAR} to a folder holding a good copy, clone the course repository ({REPOSITORY}; its "
             f"data/ folder has every file and `git checkout -- data/{name}` restores one), or call the loader "
             f"with download=True (fetches {SOURCES[name]}).")
    path = next((folder / name for folder in data_dirs() if (folder / name).is_file()), None)
    if path is None and download:
        path = _download(name, data_dir() / name, expected)
    if path is None:
        raise FileNotFoundError(f"Data file {name} (sha256 {expected}) was not found; looked in: "
                                f"{', '.join(map(str, data_dirs()))}. {fixes}")
    stamp = (path.stat().st_size, path.stat().st_mtime_ns)
    if _verified.get(path) != stamp:
        _verified.pop(path, None)
        actual = sha256_of(path)
        if actual != expected:
            raise ValueError(f"Data file {path} is damaged: sha256 {actual}, expected {expected} (the checksum "
                             f"list {SUMS_FILE} itself is intact). {fixes}")
        _verified[path] = stamp
    return path


def _download(name: str, path: Path, expected: str) -> Path:
    """Fetch ``name`` over https into a temporary folder; move it to ``path`` only if its digest matches."""
    url = SOURCES[name]
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=f".{name}.") as folder:
        tmp = Path(folder) / name
        try:
            with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response:
                tmp.write_bytes(response.read())
        except OSError as err:  # URLError (HTTP errors too) and timeouts are OSErrors
            raise ConnectionError(f"Could not download {name} from {url} ({err}). Without network: set {ENV_VAR} "
                                  f"to a folder holding {name}, or use the bundled data/ folder of a clone of "
                                  f"{REPOSITORY}.") from err
        actual = sha256_of(tmp)
        if actual != expected:
            raise ValueError(f"Downloaded {name} from {url} has sha256 {actual}, expected {expected}; not saved.")
        os.replace(tmp, path)
    return path


# ------------------------------------------------------------------------------ Fashion-MNIST
LABELS = ("t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot")


def get_fashion_mnist_labels(labels) -> list[str]:
    """Turn class ids 0..9 (a list, range or tensor of integers) into class names."""
    try:  # operator.index takes ints, NumPy ints and integer 0-d tensors, but neither floats nor strings
        ids = [operator.index(i) for i in (labels.flatten().tolist() if torch.is_tensor(labels) else labels)]
    except TypeError:  # also for one bare id: 3 is not iterable
        raise TypeError(f"labels must be a list or tensor of integer class ids 0..9, got {labels!r} (wrap one "
                        f"id in a list: [3])") from None
    check_index_range("labels", torch.tensor(ids, dtype=torch.long), len(LABELS), "class ids")
    return [LABELS[i] for i in ids]


def _read_idx(name: str, download: bool) -> np.ndarray:
    """Read one gzipped IDX file (the format of MNIST-style data sets) into an array."""
    with gzip.open(data_file(name, download), "rb") as f:
        raw = f.read()
    shape = np.frombuffer(raw, dtype=">u4", count=raw[3], offset=4)  # byte 3: the number of dimensions
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * len(shape)).reshape(shape)


def read_fashion_mnist(split: str = "train", download: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(images, labels)``: uint8 images (N, 1, 28, 28) and int64 labels (N,)."""
    image_file, label_file = _FASHION_FILES[check_choice("split", split, _FASHION_FILES)]
    images, labels = _read_idx(image_file, download), _read_idx(label_file, download)
    return torch.from_numpy(images.copy()).unsqueeze(1), torch.from_numpy(labels.astype(np.int64))


class ImageBatches:
    """Minibatches of in-memory uint8 images as float tensors in [0, 1], resized (bilinear) only when drawn.

    ``device`` keeps the images and labels there once; the ``shuffle`` order is drawn each epoch from
    ``generator`` on the CPU, so a seed gives the same batches on every device.
    """

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, batch_size: int,
                 shuffle: bool = False, resize: int | tuple[int, int] | None = None,
                 generator: torch.Generator | None = None, device: torch.device | str | None = None) -> None:
        self.batch_size = check_int("batch_size", batch_size, minimum=1)
        if len(images) != len(labels):
            raise ValueError(f"{len(images)} images but {len(labels)} labels")
        self.resize = None if resize is None else to_pair(resize, "resize", minimum=1)
        self.images, self.labels = images.to(device), labels.to(device)
        self.shuffle, self.generator = shuffle, generator

    def __len__(self) -> int:
        return -(-len(self.images) // self.batch_size)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        n = len(self.images)
        order = torch.randperm(n, generator=self.generator) if self.shuffle else torch.arange(n)
        for idx in order.to(self.images.device).split(self.batch_size):
            X = self.images[idx].float().div_(255)
            if self.resize is not None:
                X = F.interpolate(X, size=self.resize, mode="bilinear", align_corners=False)
            yield X, self.labels[idx]


def load_data_fashion_mnist(batch_size: int, resize: int | tuple[int, int] | None = None,
                            num_train: int | None = None, generator: torch.Generator | None = None,
                            download: bool = False,
                            device: torch.device | str | None = None) -> tuple[ImageBatches, ImageBatches]:
    """Return ``(train_iter, test_iter)`` over Fashion-MNIST; the training iterator reshuffles every epoch.

    ``num_train`` keeps the first training examples (quick CPU runs; the test set stays whole). ``device``
    (e.g. ``d2l.try_gpu()``) keeps the uint8 data set (47 MB) there; None keeps it on the CPU.
    """
    train_x, train_y = read_fashion_mnist("train", download)
    test_x, test_y = read_fashion_mnist("test", download)
    if num_train is not None:
        check_int("num_train", num_train, minimum=1, maximum=len(train_x))
        train_x, train_y = train_x[:num_train], train_y[:num_train]
    return (ImageBatches(train_x, train_y, batch_size, True, resize, generator, device),
            ImageBatches(test_x, test_y, batch_size, False, resize, device=device))
