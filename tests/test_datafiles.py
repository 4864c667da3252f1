"""Unit tests for d2lutil.datafiles: locating data files and checking their SHA-256.

``data_file`` remembers verified paths in the module-level set ``_verified``, so every test
that damages or removes a file works in its own fresh ``tmp_path``.
"""
import hashlib
import shutil
import urllib.request
from pathlib import Path

import pytest

import d2lutil
from d2lutil import datafiles

REPO_DATA = Path(__file__).resolve().parent.parent / "data"
SMALL = "timemachine.txt"
DATA_NAMES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
              "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
              "timemachine.txt", "war_of_the_worlds.txt"]


def sums():
    lines = (REPO_DATA / "SHA256SUMS").read_text().splitlines()
    return {name: digest for digest, name in (line.split("  ") for line in lines if line)}


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A private data folder with SHA256SUMS and a copy of the small book, selected by D2L_DATA_DIR."""
    shutil.copy(REPO_DATA / "SHA256SUMS", tmp_path / "SHA256SUMS")
    shutil.copy(REPO_DATA / SMALL, tmp_path / SMALL)
    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path))
    return tmp_path


def test_data_dir_default_is_the_repository_data(monkeypatch):
    monkeypatch.delenv("D2L_DATA_DIR", raising=False)
    assert d2lutil.data_dir() == REPO_DATA
    assert datafiles._PACKAGE_DATA == REPO_DATA


def test_data_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path))
    assert d2lutil.data_dir() == tmp_path


def test_sha256sums_lists_every_bundled_file_and_every_source():
    listed = sums()
    assert sorted(listed) == sorted(DATA_NAMES)
    assert sorted(datafiles.SOURCES) == sorted(DATA_NAMES)
    assert all(len(d) == 64 and int(d, 16) >= 0 for d in listed.values())


def test_expected_sha256_reads_the_list(monkeypatch):
    monkeypatch.delenv("D2L_DATA_DIR", raising=False)
    for name, digest in sums().items():
        assert datafiles.expected_sha256(name) == digest


def test_expected_sha256_unknown_name():
    with pytest.raises(KeyError, match=r"'nope.bin' is not a known data file"):
        datafiles.expected_sha256("nope.bin")


def test_expected_sha256_falls_back_to_repository_list(tmp_path):
    # a folder without its own SHA256SUMS uses the repository's list
    assert datafiles.expected_sha256(SMALL, tmp_path) == sums()[SMALL]


def test_expected_sha256_prefers_the_folders_own_list(tmp_path):
    (tmp_path / "SHA256SUMS").write_text(f"{'ab' * 32}  {SMALL}\n{'cd' * 32}  extra.txt\n")
    assert datafiles.expected_sha256(SMALL, tmp_path) == "ab" * 32
    assert datafiles.expected_sha256("extra.txt", tmp_path) == "cd" * 32


def test_sha256_of_matches_hashlib(tmp_path):
    path = tmp_path / "blob"
    payload = bytes(range(256)) * 5000  # > 1 MiB: more than one block
    path.write_bytes(payload)
    assert datafiles.sha256_of(path) == hashlib.sha256(payload).hexdigest()


def test_data_file_returns_verified_path(monkeypatch):
    monkeypatch.delenv("D2L_DATA_DIR", raising=False)
    path = d2lutil.data_file(SMALL)
    assert path == REPO_DATA / SMALL
    assert path in datafiles._verified


def test_data_file_in_custom_folder(data_copy):
    path = d2lutil.data_file(SMALL)
    assert path == data_copy / SMALL
    assert path in datafiles._verified
    assert d2lutil.data_file(SMALL) == path  # second call: from the cache


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
    assert f"git checkout -- data/{SMALL}" in message
    assert "download=True" in message and datafiles.SOURCES[SMALL] in message
    assert target not in datafiles._verified


def test_truncated_file_is_also_caught(data_copy):
    (data_copy / SMALL).write_bytes(b"")
    with pytest.raises(ValueError, match=rf"{SMALL} is damaged.*expected {sums()[SMALL]}"):
        d2lutil.data_file(SMALL)


def test_missing_file_names_file_folder_checksum_and_repair(data_copy):
    (data_copy / SMALL).unlink()
    with pytest.raises(FileNotFoundError) as err:
        d2lutil.data_file(SMALL)
    message = str(err.value)
    assert f"Data file {SMALL} is missing from {data_copy}" in message
    assert f"expected sha256 {sums()[SMALL]}" in message
    assert f"git checkout -- data/{SMALL}" in message
    assert "download=True" in message


def test_loaders_report_a_damaged_book(data_copy):
    (data_copy / SMALL).write_text("not the time machine\n")
    with pytest.raises(ValueError, match=rf"{SMALL} is damaged"):
        d2lutil.read_time_machine()


def test_loaders_report_a_damaged_fashion_mnist_file(tmp_path, monkeypatch):
    shutil.copy(REPO_DATA / "SHA256SUMS", tmp_path / "SHA256SUMS")
    shutil.copy(REPO_DATA / "t10k-images-idx3-ubyte.gz", tmp_path / "t10k-images-idx3-ubyte.gz")
    raw = bytearray((REPO_DATA / "t10k-labels-idx1-ubyte.gz").read_bytes())
    raw[-20] ^= 0x01
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(bytes(raw))
    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path))
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte.gz is damaged.*"
                                         + sums()["t10k-labels-idx1-ubyte.gz"]):
        d2lutil.read_fashion_mnist("test")


def test_loaders_report_a_missing_fashion_mnist_file(tmp_path, monkeypatch):
    shutil.copy(REPO_DATA / "SHA256SUMS", tmp_path / "SHA256SUMS")
    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"t10k-images-idx3-ubyte.gz is missing"):
        d2lutil.read_fashion_mnist("test")


def test_unknown_data_file():
    with pytest.raises(KeyError, match="not a known data file"):
        d2lutil.data_file("imagenet.tar")


# ---- download=True, with the network replaced by a local copy ----

def fake_urlretrieve(calls, payload=None):
    def retrieve(url, filename):
        calls.append((url, filename))
        name = url.rsplit("/", 1)[-1]
        source = REPO_DATA / ("war_of_the_worlds.txt" if name == "pg36.txt" else name)
        Path(filename).write_bytes(source.read_bytes() if payload is None else payload)
        return filename, None
    return retrieve


def test_download_fetches_a_missing_file(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(urllib.request, "urlretrieve", fake_urlretrieve(calls))
    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path / "fresh"))  # folder does not exist yet
    path = d2lutil.data_file(SMALL, download=True)
    assert path == tmp_path / "fresh" / SMALL
    assert datafiles.sha256_of(path) == sums()[SMALL]
    assert [url for url, _ in calls] == [datafiles.SOURCES[SMALL]]
    assert sorted(p.name for p in path.parent.iterdir()) == [SMALL]  # no temporary left


def test_download_with_wrong_checksum_is_not_saved(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(urllib.request, "urlretrieve", fake_urlretrieve(calls, b"<html>moved</html>"))
    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path))
    with pytest.raises(ValueError, match=rf"Downloaded {SMALL} has sha256 .*expected {sums()[SMALL]}; not saved"):
        d2lutil.data_file(SMALL, download=True)
    assert list(tmp_path.iterdir()) == []
    assert len(calls) == 1


def test_download_is_not_used_for_a_present_file(data_copy, monkeypatch):
    monkeypatch.setattr(urllib.request, "urlretrieve", lambda *a: pytest.fail("no download expected"))
    assert d2lutil.data_file(SMALL, download=True) == data_copy / SMALL


def test_download_without_known_source(tmp_path, monkeypatch):
    (tmp_path / "SHA256SUMS").write_text(f"{'0' * 64}  extra.txt\n")
    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(urllib.request, "urlretrieve", lambda *a: pytest.fail("no download expected"))
    with pytest.raises(KeyError, match=r"No download source known for 'extra.txt'"):
        d2lutil.data_file("extra.txt", download=True)
    with pytest.raises(FileNotFoundError, match=r"extra.txt is missing.*its source"):
        d2lutil.data_file("extra.txt")
