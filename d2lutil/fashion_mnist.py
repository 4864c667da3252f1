"""Fashion-MNIST, read from the bundled IDX files into tensors that stay in memory.

The whole training set is 60,000 x 28 x 28 bytes (47 MB), so it is kept as one uint8 tensor
and each minibatch is converted to float (and resized, if asked) only when it is drawn.
"""
from __future__ import annotations

import gzip
from collections.abc import Iterator

import numpy as np
import torch
import torch.nn.functional as F

from .datafiles import data_file

LABELS = ("t-shirt", "trouser", "pullover", "dress", "coat",
          "sandal", "shirt", "sneaker", "bag", "ankle boot")

_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


def get_fashion_mnist_labels(labels) -> list[str]:
    """Turn numeric labels (ints or a tensor) into class names."""
    return [LABELS[int(i)] for i in labels]


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


class ImageBatches:
    """Iterate over minibatches of in-memory uint8 images as float tensors in [0, 1].

    ``resize`` scales each batch with ``F.interpolate`` (bilinear) as it is drawn, so a 224x224
    version of the data set never has to exist in memory. With ``shuffle`` the order is drawn
    from ``generator`` each epoch, so a seeded run sees the same batches.
    """

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, batch_size: int,
                 shuffle: bool = False, resize: int | tuple[int, int] | None = None,
                 generator: torch.Generator | None = None) -> None:
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        if len(images) != len(labels):
            raise ValueError(f"{len(images)} images but {len(labels)} labels")
        self.images, self.labels = images, labels
        self.batch_size, self.shuffle, self.generator = batch_size, shuffle, generator
        self.resize = (resize, resize) if isinstance(resize, int) else resize

    def __len__(self) -> int:
        return -(-len(self.images) // self.batch_size)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        n = len(self.images)
        order = torch.randperm(n, generator=self.generator) if self.shuffle else None
        for start in range(0, n, self.batch_size):
            idx = slice(start, start + self.batch_size) if order is None else order[start:start + self.batch_size]
            X = self.images[idx].float().div_(255)
            if self.resize is not None:
                X = F.interpolate(X, size=self.resize, mode="bilinear", align_corners=False)
            yield X, self.labels[idx]


def load_data_fashion_mnist(batch_size: int, resize: int | tuple[int, int] | None = None,
                            num_train: int | None = None, generator: torch.Generator | None = None,
                            download: bool = False) -> tuple[ImageBatches, ImageBatches]:
    """Return ``(train_iter, test_iter)`` over Fashion-MNIST.

    Batches are float tensors in [0, 1] shaped (B, 1, H, W) with int64 labels; the training
    iterator reshuffles every epoch. ``num_train`` keeps only the first examples of the training
    set (for quick CPU runs); the test set is always complete.
    """
    train_x, train_y = read_fashion_mnist("train", download)
    test_x, test_y = read_fashion_mnist("test", download)
    if num_train is not None:
        if not 1 <= num_train <= len(train_x):
            raise ValueError(f"num_train must be between 1 and {len(train_x)}, got {num_train}")
        train_x, train_y = train_x[:num_train], train_y[:num_train]
    return (ImageBatches(train_x, train_y, batch_size, shuffle=True, resize=resize, generator=generator),
            ImageBatches(test_x, test_y, batch_size, shuffle=False, resize=resize))
