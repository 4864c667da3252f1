"""The course's data files and Fashion-MNIST.

Data files: the one trusted list of SHA-256 digests is ``d2lutil/SHA256SUMS`` (package data; a list next
to the data is never read, so a replaced file cannot bring its own digest), itself checked against
:data:`SUMS_SHA256`. :func:`data_file` looks in ``$D2L_DATA_DIR``, the repository's ``data/``, then the
package's copy of the books; it checks a file's digest on first use and whenever its size or mtime
changes, and downloads only with ``download=True``.

Fashion-MNIST is kept as one uint8 tensor (47 MB, on the CPU or once on a GPU with ``device=``); each
minibatch is made float (and resized, if asked) when it is drawn.
"""
from __future__ import annotations

import gzip
import hashlib
import numbers
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .validation import check_index_range, check_int, check_tensor

_PACKAGE = Path(__file__).resolve().parent
_REPO_DATA = _PACKAGE.parent / "data"
_BUNDLED_DATA = _PACKAGE / "data"
SUMS_FILE = _PACKAGE / "SHA256SUMS"
#: SHA-256 of ``SUMS_FILE`` itself: change it together with the list when a data file changes.
SUMS_SHA256 = "4116abdd51535c58cdeaa27e313106b54e289516b1b11c81858a4243f076b1f9"
ENV_VAR = "D2L_DATA_DIR"
REPOSITORY = "https://github.com/d2l-zh-course/cnn-rnn-notebooks"
DOWNLOAD_TIMEOUT_S = 60

_FASHION = "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/b2617bb6d3ffa2e429640350f613e3291e10b141/data/fashion/"
#: Where each file can be fetched again (used only with ``download=True``), over https.
SOURCES = {
    "train-images-idx3-ubyte.gz": _FASHION + "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz": _FASHION + "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz": _FASHION + "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz": _FASHION + "t10k-labels-idx1-ubyte.gz",
    "timemachine.txt": "https://raw.githubusercontent.com/d2l-ai/d2l-zh/"
                       "592fbef84a684e752393edbf267c07dbc53e082b/data/timemachine.txt",
    "war_of_the_worlds.txt": "https://www.gutenberg.org/cache/epub/36/pg36.txt",
}

_SUMS_LINE = re.compile(r"([0-9a-f]{64}) [ *](\S.*)")
_verified: dict[Path, tuple[int, int]] = {}  # path -> (size, mtime_ns) when its digest was checked


def _env_dir() -> Path | None:
    """``$D2L_DATA_DIR`` as a path, or None when it is unset or empty."""
    value = os.environ.get(ENV_VAR, "").strip()
    return Path(value).expanduser() if value else None


def data_dirs() -> list[Path]:
    """The folders searched for data files, in order: $D2L_DATA_DIR, the repository's data/, the package's."""
    folders = [_env_dir(), _REPO_DATA if _REPO_DATA.is_dir() else None, _BUNDLED_DATA]
    return [folder for folder in folders if folder is not None]


def data_dir() -> Path:
    """The first folder searched, where ``download=True`` saves: $D2L_DATA_DIR, else the repository's data/."""
    return data_dirs()[0]


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sums_fix() -> str:
    return ("Reinstall d2lutil, or in a clone run `git checkout -- d2lutil/SHA256SUMS`; if you changed a "
            "data file on purpose, update the list and SUMS_SHA256 in d2lutil/datasets.py together.")


def read_sums() -> dict[str, str]:
    """The trusted ``{file name: sha256}`` list, after checking the list's own digest and format."""
    if not SUMS_FILE.is_file():
        raise FileNotFoundError(f"The checksum list {SUMS_FILE} is missing. {_sums_fix()}")
    listed: dict[str, str] = {}
    for number, line in enumerate(SUMS_FILE.read_text().splitlines(), start=1):
        match = _SUMS_LINE.fullmatch(line.strip())
        if line.strip() and match is None:
            raise ValueError(f"The checksum list {SUMS_FILE} is damaged: line {number} is {line!r}, expected "
                             f"'<64 hex digits>  <file name>'. {_sums_fix()}")
        if match:
            listed[match.group(2)] = match.group(1)
    if not listed:
        raise ValueError(f"The checksum list {SUMS_FILE} is empty. {_sums_fix()}")
    actual = sha256_of(SUMS_FILE)
    if actual != SUMS_SHA256:
        raise ValueError(f"The checksum list {SUMS_FILE} is damaged or was edited (sha256 {actual}, expected "
                         f"{SUMS_SHA256}); the data files were not checked against it. {_sums_fix()}")
    return listed


def expected_sha256(name: str) -> str:
    """The trusted digest of data file ``name`` (from the package's list only)."""
    listed = read_sums()
    if name not in listed:
        raise KeyError(f"{name!r} is not a known data file; the known ones are {sorted(listed)}")
    return listed[name]


def _repair_hint(name: str) -> str:
    return (f"Restore it with `git checkout -- data/{name}` in a clone of the course repository, set "
            f"{ENV_VAR} to a folder holding a good copy, or call the loader with download=True "
            f"(fetches {SOURCES.get(name, 'its source')}).")


def _stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


def _find(name: str) -> Path | None:
    return next((folder / name for folder in data_dirs() if (folder / name).is_file()), None)


def _not_found(name: str, expected: str) -> FileNotFoundError:
    looked = ", ".join(str(folder) for folder in data_dirs())
    return FileNotFoundError(
        f"Data file {name} (sha256 {expected}) was not found; looked in: {looked}. Fix: set {ENV_VAR} to a "
        f"folder holding it, clone the course repository ({REPOSITORY}; its data/ folder has every file), "
        f"or call the loader with download=True (fetches {SOURCES.get(name, 'its source')}).")


def data_file(name: str, download: bool = False) -> Path:
    """Path of data file ``name``, its SHA-256 checked on first use and whenever the file changes."""
    expected = expected_sha256(name)
    path = _find(name)
    if path is None:
        if not download:
            raise _not_found(name, expected)
        path = data_dir() / name
        _download(name, path, expected)
    if _verified.get(path) == _stamp(path):
        return path
    actual = sha256_of(path)
    if actual != expected:
        _verified.pop(path, None)
        raise ValueError(f"Data file {path} is damaged: sha256 {actual}, expected {expected} (the checksum "
                         f"list {SUMS_FILE} itself is intact). {_repair_hint(name)}")
    _verified[path] = _stamp(path)
    return path


def _offline_hint(name: str) -> str:
    return (f"Without network: set {ENV_VAR} to a folder holding {name}, or use the bundled data/ folder "
            f"of a clone of {REPOSITORY}.")


def _download(name: str, path: Path, expected: str) -> None:
    """Fetch ``name`` over https into a temporary file; move it into place only if its digest matches."""
    if name not in SOURCES:
        raise KeyError(f"No download source known for {name!r}. {_offline_hint(name)}")
    url = SOURCES[name]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{name}.")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response:
            shutil.copyfileobj(response, out)
    except (urllib.error.URLError, OSError) as err:  # URLError covers HTTP errors; OSError timeouts
        os.remove(tmp)
        raise ConnectionError(f"Could not download {name} from {url} ({err}). {_offline_hint(name)}") from err
    try:
        actual = sha256_of(Path(tmp))
        if actual != expected:
            raise ValueError(f"Downloaded {name} from {url} has sha256 {actual}, expected {expected}; not saved.")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


# ------------------------------------------------------------------------------ Fashion-MNIST
LABELS = ("t-shirt", "trouser", "pullover", "dress", "coat",
          "sandal", "shirt", "sneaker", "bag", "ankle boot")

_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


def get_fashion_mnist_labels(labels) -> list[str]:
    """Turn numeric labels (a list or 1-D tensor of class ids 0..9) into class names."""
    if isinstance(labels, torch.Tensor):
        check_tensor("labels", labels, floating=False)
        ids = labels.flatten().tolist()
    elif isinstance(labels, (str, numbers.Number)) or not hasattr(labels, "__iter__"):
        raise TypeError(f"labels must be a list or tensor of class ids, got {labels!r}; wrap one id in a list: [3]")
    else:
        ids = [int(i) if isinstance(i, torch.Tensor) and i.dim() == 0 and not i.is_floating_point() else i
               for i in labels]
        if any(isinstance(i, bool) or not isinstance(i, numbers.Integral) for i in ids):
            raise TypeError(f"labels must be integer class ids 0..9, got {labels!r}")
    check_index_range("labels", torch.tensor(ids, dtype=torch.long), len(LABELS), "class ids")
    return [LABELS[i] for i in ids]


def _read_idx(name: str, download: bool) -> np.ndarray:
    """Read one gzipped IDX file (the format of MNIST-style data sets) into an array."""
    with gzip.open(data_file(name, download), "rb") as f:
        raw = f.read()
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def read_fashion_mnist(split: str = "train", download: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(images, labels)``: uint8 images (N, 1, 28, 28) and int64 labels (N,)."""
    if split not in _FILES:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    image_file, label_file = _FILES[split]
    images = torch.from_numpy(_read_idx(image_file, download).copy()).unsqueeze(1)
    labels = torch.from_numpy(_read_idx(label_file, download).astype(np.int64))
    return images, labels


def _check_resize(resize) -> tuple[int, int] | None:
    """``resize`` as (height, width): None, one positive int, or a pair of positive ints."""
    if resize is None:
        return None
    pair = (resize, resize) if isinstance(resize, numbers.Integral) and not isinstance(resize, bool) else resize
    if not (isinstance(pair, (tuple, list)) and len(pair) == 2
            and all(isinstance(n, numbers.Integral) and not isinstance(n, bool) and n >= 1 for n in pair)):
        raise ValueError(f"resize must be None, a positive int (square images) or a pair (height, width) of "
                         f"positive ints, got {resize!r}; for example resize=64")
    return int(pair[0]), int(pair[1])


class ImageBatches:
    """Iterate over minibatches of in-memory uint8 images as float tensors in [0, 1].

    ``resize`` scales each batch with ``F.interpolate`` (bilinear) as it is drawn, so a 224x224
    version of the data set never has to exist in memory. With ``shuffle`` the order is drawn
    from ``generator`` (a CPU generator) each epoch, so a seeded run sees the same batches.
    ``device`` keeps the images and labels there once, so batches are made on that device; the
    order is still drawn on the CPU, so a seed gives the same batches on every device.
    """

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, batch_size: int,
                 shuffle: bool = False, resize: int | tuple[int, int] | None = None,
                 generator: torch.Generator | None = None, device: torch.device | str | None = None) -> None:
        self.batch_size = check_int("batch_size", batch_size, minimum=1)
        if len(images) != len(labels):
            raise ValueError(f"{len(images)} images but {len(labels)} labels")
        self.resize = _check_resize(resize)
        self.images, self.labels = images.to(device), labels.to(device)
        self.shuffle, self.generator = shuffle, generator

    def __len__(self) -> int:
        return -(-len(self.images) // self.batch_size)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        n = len(self.images)
        order = torch.randperm(n, generator=self.generator).to(self.images.device) if self.shuffle else None
        for start in range(0, n, self.batch_size):
            idx = slice(start, start + self.batch_size) if order is None else order[start:start + self.batch_size]
            X = self.images[idx].float().div_(255)
            if self.resize is not None:
                X = F.interpolate(X, size=self.resize, mode="bilinear", align_corners=False)
            yield X, self.labels[idx]


def load_data_fashion_mnist(batch_size: int, resize: int | tuple[int, int] | None = None,
                            num_train: int | None = None, generator: torch.Generator | None = None,
                            download: bool = False,
                            device: torch.device | str | None = None) -> tuple[ImageBatches, ImageBatches]:
    """Return ``(train_iter, test_iter)`` over Fashion-MNIST.

    Batches are float tensors in [0, 1] shaped (B, 1, H, W) with int64 labels; the training
    iterator reshuffles every epoch. ``num_train`` keeps only the first examples of the training
    set (for quick CPU runs); the test set is always complete. ``device`` (e.g. ``d2l.try_gpu()``)
    keeps the uint8 data set there (47 MB) and resizes batches there; None keeps it on the CPU.
    """
    check_int("batch_size", batch_size, minimum=1)
    _check_resize(resize)
    train_x, train_y = read_fashion_mnist("train", download)
    test_x, test_y = read_fashion_mnist("test", download)
    if num_train is not None:
        check_int("num_train", num_train)
        if not 1 <= num_train <= len(train_x):
            raise ValueError(f"num_train must be between 1 and {len(train_x)}, got {num_train}")
        train_x, train_y = train_x[:num_train], train_y[:num_train]
    return (ImageBatches(train_x, train_y, batch_size, True, resize, generator, device),
            ImageBatches(test_x, test_y, batch_size, False, resize, device=device))
