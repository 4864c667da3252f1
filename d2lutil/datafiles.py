"""The course's data files: where they are, and proof that they are the right bytes.

Every file is listed with its SHA-256 in ``data/SHA256SUMS``. A loader calls :func:`data_file`,
which checks the checksum once per process and raises an error that says how to repair a
missing or damaged file. Nothing is downloaded unless ``download=True`` is asked for.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.request
from pathlib import Path

_PACKAGE_DATA = Path(__file__).resolve().parent.parent / "data"

#: Where each file can be fetched again (used only with ``download=True``).
SOURCES = {
    "train-images-idx3-ubyte.gz": "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz": "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz": "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz": "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/t10k-labels-idx1-ubyte.gz",
    "timemachine.txt": "http://d2l-data.s3-accelerate.amazonaws.com/timemachine.txt",
    "war_of_the_worlds.txt": "https://www.gutenberg.org/cache/epub/36/pg36.txt",
}

_verified: set[Path] = set()


def data_dir() -> Path:
    """The folder holding the data: ``$D2L_DATA_DIR`` if set, else the repository's ``data/``."""
    return Path(os.environ.get("D2L_DATA_DIR", _PACKAGE_DATA))


def expected_sha256(name: str, folder: Path | None = None) -> str:
    """Look up ``name`` in ``SHA256SUMS`` (of ``folder``, else of the repository's data)."""
    for sums in (folder or data_dir()) / "SHA256SUMS", _PACKAGE_DATA / "SHA256SUMS":
        if sums.is_file():
            for line in sums.read_text().splitlines():
                digest, _, filename = line.strip().partition("  ")
                if filename == name:
                    return digest
    raise KeyError(f"{name!r} is not a known data file (not listed in SHA256SUMS)")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _repair_hint(name: str) -> str:
    return (f"Restore it with `git checkout -- data/{name}` in the course repository, copy it "
            f"from a fresh clone, or call the loader with download=True (fetches {SOURCES.get(name, 'its source')}).")


def data_file(name: str, download: bool = False) -> Path:
    """Return the path of data file ``name`` after checking its SHA-256 (once per process)."""
    folder = data_dir()
    path = folder / name
    expected = expected_sha256(name, folder)
    if path in _verified:
        return path
    if not path.is_file():
        if not download:
            raise FileNotFoundError(
                f"Data file {name} is missing from {folder} (expected sha256 {expected}). {_repair_hint(name)}")
        _download(name, path, expected)
    actual = sha256_of(path)
    if actual != expected:
        raise ValueError(
            f"Data file {path} is damaged: sha256 {actual}, expected {expected}. {_repair_hint(name)}")
    _verified.add(path)
    return path


def _download(name: str, path: Path, expected: str) -> None:
    """Fetch ``name`` to a temporary file and move it into place only if its checksum matches."""
    if name not in SOURCES:
        raise KeyError(f"No download source known for {name!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{name}.")
    os.close(fd)
    try:
        urllib.request.urlretrieve(SOURCES[name], tmp)
        actual = sha256_of(Path(tmp))
        if actual != expected:
            raise ValueError(f"Downloaded {name} has sha256 {actual}, expected {expected}; not saved.")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
