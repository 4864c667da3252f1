"""Fashion-MNIST, read from the bundled IDX files into tensors that stay in memory.

The whole training set is 60,000 x 28 x 28 bytes (47 MB), so it is kept as one uint8 tensor
(on the CPU, or once on a GPU with ``device=``) and each minibatch is converted to float (and
resized, if asked) only when it is drawn, on the device where the images are.
"""
from __future__ import annotations

import gzip
import numbers
from collections.abc import Iterator

import numpy as np
import torch
import torch.nn.functional as F

from .datafiles import data_file
from .validation import check_index_range, check_int, check_tensor

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
