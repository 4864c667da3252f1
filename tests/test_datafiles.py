"""Unit tests for d2lutil.datafiles: locating data files and checking their SHA-256.

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

import d2lutil
from d2lutil import datafiles

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
    assert datafiles.data_dirs() == [REPO_DATA, datafiles._BUNDLED_DATA]


def test_data_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path))
    assert d2lutil.data_dir() == tmp_path
    assert datafiles.data_dirs() == [tmp_path, REPO_DATA, datafiles._BUNDLED_DATA]


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
    assert sorted(datafiles.SOURCES) == sorted(DATA_NAMES)
    assert all(len(d) == 64 and int(d, 16) >= 0 for d in listed.values())


def test_expected_sha256_reads_the_list(monkeypatch):
    monkeypatch.delenv("D2L_DATA_DIR", raising=False)
    for name, digest in sums().items():
        assert datafiles.expected_sha256(name) == digest


def test_expected_sha256_unknown_name():
    with pytest.raises(KeyError, match=r"'nope.bin' is not a known data file; the known ones are \['t10k"):
        datafiles.expected_sha256("nope.bin")


def test_the_lists_own_digest_is_recorded_in_the_code():
    assert datafiles.SUMS_FILE == SUMS_FILE
    assert datafiles.sha256_of(SUMS_FILE) == datafiles.SUMS_SHA256


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
    monkeypatch.setattr(datafiles, "SUMS_FILE", copy)
    return copy


def test_a_wrong_line_in_the_list_blames_the_list_not_the_data(sums_copy):
    sums_copy.write_text(sums_copy.read_text().replace(sums()[SMALL], "0" * 64))
    with pytest.raises(ValueError, match=r"checksum list .*SHA256SUMS is damaged or was edited") as err:
        d2lutil.data_file(SMALL)
    assert "Data file" not in str(err.value) and "git checkout -- d2lutil/SHA256SUMS" in str(err.value)


@pytest.mark.parametrize("content, problem", [("", "is empty"), ("\n\n", "is empty"),
                                              ("not a checksum line\n", "is damaged: line 1"),
                                              ("abc  timemachine.txt\n", "is damaged: line 1")])
def test_a_mangled_or_empty_list_is_an_error(sums_copy, content, problem):
    sums_copy.write_text(content)
    with pytest.raises(ValueError, match=rf"checksum list .*SHA256SUMS {problem}"):
        d2lutil.data_file(SMALL)


def test_a_missing_list_is_an_error(sums_copy):
    sums_copy.unlink()
    with pytest.raises(FileNotFoundError, match=r"checksum list .*SHA256SUMS is missing. Reinstall d2lutil"):
        d2lutil.data_file(SMALL)


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
    assert "download=True" in message and datafiles.SOURCES[SMALL] in message
    assert target not in datafiles._verified


def test_truncated_file_is_also_caught(data_copy):
    (data_copy / SMALL).write_bytes(b"")
    with pytest.raises(ValueError, match=rf"{SMALL} is damaged.*expected {sums()[SMALL]}"):
        d2lutil.data_file(SMALL)


def test_missing_file_names_every_place_looked_and_the_fixes(data_copy, monkeypatch):
    (data_copy / SMALL).unlink()
    monkeypatch.setattr(datafiles, "_REPO_DATA", data_copy / "no-clone")  # as after `pip install .`
    with pytest.raises(FileNotFoundError) as err:
        d2lutil.data_file(SMALL)
    message = str(err.value)
    assert f"Data file {SMALL} (sha256 {sums()[SMALL]}) was not found; looked in: {data_copy}, " \
           f"{datafiles._BUNDLED_DATA}." in message
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
    monkeypatch.setattr(datafiles, "_REPO_DATA", tmp_path / "no-clone")
    with pytest.raises(FileNotFoundError, match=r"t10k-images-idx3-ubyte.gz .* was not found"):
        d2lutil.read_fashion_mnist("test")


def test_unknown_data_file():
    with pytest.raises(KeyError, match="not a known data file"):
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
    assert all(url.startswith("https://") for url in datafiles.SOURCES.values())


def test_download_fetches_a_missing_file(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen(calls))
    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path / "fresh"))  # folder does not exist yet
    monkeypatch.setattr(datafiles, "_REPO_DATA", tmp_path / "no-clone")
    path = d2lutil.data_file(SMALL, download=True)
    assert path == tmp_path / "fresh" / SMALL
    assert datafiles.sha256_of(path) == sums()[SMALL]
    assert calls == [(datafiles.SOURCES[SMALL], datafiles.DOWNLOAD_TIMEOUT_S)]
    assert sorted(p.name for p in path.parent.iterdir()) == [SMALL]  # no temporary left


def test_download_with_wrong_checksum_is_not_saved(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen(calls, b"<html>moved</html>"))
    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(datafiles, "_REPO_DATA", tmp_path / "no-clone")
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
    monkeypatch.setattr(datafiles, "_REPO_DATA", tmp_path / "no-clone")
    with pytest.raises(ConnectionError) as err:
        d2lutil.data_file(SMALL, download=True)
    message = str(err.value)
    assert f"Could not download {SMALL} from {datafiles.SOURCES[SMALL]}" in message
    assert "name resolution" in message and "set D2L_DATA_DIR" in message and "bundled data/" in message
    assert list(tmp_path.iterdir()) == []


def test_download_is_not_used_for_a_present_file(data_copy, monkeypatch):
    monkeypatch.setattr(urllib.request, "urlopen", lambda *a, **k: pytest.fail("no download expected"))
    assert d2lutil.data_file(SMALL, download=True) == data_copy / SMALL
