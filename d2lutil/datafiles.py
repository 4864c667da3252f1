"""The course's data files: where they are, and proof that they are the right bytes.

The one trusted list of SHA-256 digests is ``d2lutil/SHA256SUMS``, shipped inside the package;
a ``SHA256SUMS`` found next to the data is never read, so a replaced file cannot bring its own
digest. The list itself is checked against :data:`SUMS_SHA256`, which tells a damaged list from
a damaged data file. :func:`data_file` looks for a file in ``$D2L_DATA_DIR`` (an empty value
counts as unset), then in the repository's ``data/`` (a clone or editable install), then in the
package's own copy (the two books ship in the wheel; Fashion-MNIST does not). It checks the
digest on first use and again whenever the file's size or modification time changes. Nothing
is downloaded unless ``download=True`` is asked for.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

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
    return (f"Reinstall d2lutil, or in a clone run `git checkout -- d2lutil/SHA256SUMS`; if you changed a "
            f"data file on purpose, update the list and SUMS_SHA256 in d2lutil/datafiles.py together.")


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
