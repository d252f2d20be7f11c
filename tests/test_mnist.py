"""helpers.mnist, without internet: the files are served from 127.0.0.1.

The real files live in ../shared/data/mnist (beside the repository, in CI too). Corrupted
copies are made in a temporary folder and served by a second server.
"""

import functools
import gzip
import http.server
import shutil
import threading
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from helpers import mnist
from helpers.mnist import MNISTError, load_mnist, parse_idx

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_MNIST = REPO_ROOT.parent / "shared" / "data" / "mnist"
GZ_NAMES = [f"{name}.gz" for name in mnist.SHA256]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def shared_mnist():
    missing = [n for n in GZ_NAMES if not (SHARED_MNIST / n).is_file()]
    if missing:
        pytest.fail(
            f"MNIST test files missing from {SHARED_MNIST}: {missing}. The tests serve them from 127.0.0.1; "
            "shared/ must sit beside the repository (as in CI).",
            pytrace=False,
        )
    return SHARED_MNIST


@pytest.fixture(scope="module")
def serve():
    """serve(folder) -> base URL of a threaded HTTP server on 127.0.0.1 serving that folder."""
    servers = []

    def start(folder):
        handler = functools.partial(_QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)  # port 0: a free port
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def mirror(shared_mnist, serve):
    return serve(shared_mnist)


@pytest.fixture
def no_network(monkeypatch):
    """Make every download fail, and count the attempts."""
    attempts = []

    def refuse(url, *args, **kwargs):
        attempts.append(url)
        raise urllib.error.URLError("network disabled by the test")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    return attempts


def _check_arrays(X_train, y_train, X_test, y_test):
    assert X_train.shape == (60000, 784) and X_test.shape == (10000, 784)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert X_train.dtype == np.float32 and X_test.dtype == np.float32
    assert y_train.dtype == np.int64 and y_test.dtype == np.int64
    assert X_train.min() == 0.0 and X_train.max() == 1.0 and X_test.max() == 1.0
    assert X_train.flags.c_contiguous
    # Well-known facts about MNIST.
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert y_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(y_train).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    # Pixel values are k/255: the first training image (a 5) has 166 non-zero pixels.
    assert np.count_nonzero(X_train[0]) == 166
    first = X_train[:100] * 255
    assert np.allclose(first, np.round(first), atol=1e-4)


def test_download_verify_then_read_cache_without_network(tmp_path, mirror, monkeypatch):
    cache = tmp_path / "cache"
    arrays = load_mnist(cache_dir=cache, mirror=mirror)
    _check_arrays(*arrays)
    assert sorted(p.name for p in cache.iterdir()) == sorted(GZ_NAMES)  # no leftover temporary files

    # Second call: the network is gone, the cache answers.
    attempts = []

    def refuse(url, *args, **kwargs):
        attempts.append(url)
        raise urllib.error.URLError("network disabled by the test")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    again = load_mnist(cache_dir=cache, mirror="http://127.0.0.1:9/")
    assert attempts == []
    for a, b in zip(arrays, again):
        np.testing.assert_array_equal(a, b)


def test_local_folder_with_the_files_needs_no_network(shared_mnist, no_network):
    before = sorted(p.name for p in shared_mnist.iterdir())
    X_train, y_train, X_test, y_test = load_mnist(cache_dir=shared_mnist)
    assert no_network == []
    assert X_train.shape == (60000, 784) and y_test.shape == (10000,)
    assert sorted(p.name for p in shared_mnist.iterdir()) == before  # nothing written there


def test_decompressed_files_are_accepted(tmp_path, shared_mnist, no_network):
    for gz in GZ_NAMES:
        (tmp_path / gz[: -len(".gz")]).write_bytes(gzip.decompress((shared_mnist / gz).read_bytes()))
    _check_arrays(*load_mnist(cache_dir=tmp_path))
    assert no_network == []


def test_any_faithful_gzip_passes(tmp_path, shared_mnist, serve):
    """The check is on the decompressed content, so a re-compressed file is fine."""
    source = tmp_path / "mirror"
    source.mkdir()
    for gz in GZ_NAMES:
        content = gzip.decompress((shared_mnist / gz).read_bytes())
        (source / gz).write_bytes(gzip.compress(content, compresslevel=1, mtime=0))
    arrays = load_mnist(cache_dir=tmp_path / "cache", mirror=serve(source))
    assert arrays[0].shape == (60000, 784)


def _flip_byte(raw):
    data = bytearray(raw)
    data[len(data) // 2] ^= 0xFF
    return bytes(data)


def _truncate(raw):
    return raw[: len(raw) // 2]


def _wrong_content(raw):  # a valid gzip of a file with one pixel changed
    content = bytearray(gzip.decompress(raw))
    content[-1] ^= 0x01
    return gzip.compress(bytes(content), compresslevel=1)


@pytest.mark.parametrize(
    "corrupt, message",
    [
        (_flip_byte, "is not a valid gzip file"),
        (_truncate, "is not a valid gzip file"),
        (_wrong_content, "SHA-256 mismatch"),
    ],
    ids=["flipped-byte", "truncated-gzip", "wrong-content"],
)
def test_bad_download_gives_clear_error_and_leaves_nothing(tmp_path, shared_mnist, serve, corrupt, message):
    bad = "t10k-images-idx3-ubyte"
    source = tmp_path / "mirror"
    source.mkdir()
    for gz in GZ_NAMES:
        shutil.copy(shared_mnist / gz, source / gz)
    (source / f"{bad}.gz").write_bytes(corrupt((shared_mnist / f"{bad}.gz").read_bytes()))

    cache = tmp_path / "cache"
    with pytest.raises(MNISTError) as excinfo:
        load_mnist(cache_dir=cache, mirror=serve(source))
    text = str(excinfo.value)
    assert message in text
    assert f"{bad}.gz" in text or bad in text
    if message == "SHA-256 mismatch":
        assert f"expected {mnist.SHA256[bad]}" in text
        assert "got      " in text
    # The good files that came before stay; the bad one and any temporary file do not.
    left = sorted(p.name for p in cache.iterdir())
    assert left == sorted(["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"])


def test_bad_file_already_in_cache_is_reported_not_used(tmp_path, shared_mnist, no_network):
    for gz in GZ_NAMES:
        shutil.copy(shared_mnist / gz, tmp_path / gz)
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    path.write_bytes(_wrong_content(path.read_bytes()))
    with pytest.raises(MNISTError, match=r"(?s)SHA-256 mismatch for train-labels-idx1-ubyte.*Delete .*train-labels"):
        load_mnist(cache_dir=tmp_path)
    assert no_network == []


def test_unreachable_mirror_names_the_url(tmp_path, no_network):
    with pytest.raises(MNISTError, match=r"could not download train-images-idx3-ubyte.gz from http://127.0.0.1:9/"):
        load_mnist(cache_dir=tmp_path / "cache", mirror="http://127.0.0.1:9")
    assert list((tmp_path / "cache").iterdir()) == []


def test_folder_and_mirror_come_from_arguments_then_environment_then_defaults(monkeypatch, tmp_path):
    monkeypatch.delenv(mnist.DATA_DIR_ENV, raising=False)
    monkeypatch.delenv(mnist.MIRROR_ENV, raising=False)
    assert mnist.mnist_dir() == Path.home() / ".cache" / "backprop-from-scratch" / "mnist"
    assert mnist.mnist_mirror() == mnist.DEFAULT_MIRROR
    assert mnist.DEFAULT_MIRROR.startswith("https://")

    monkeypatch.setenv(mnist.DATA_DIR_ENV, str(tmp_path))
    monkeypatch.setenv(mnist.MIRROR_ENV, "http://example.invalid/mnist")
    assert mnist.mnist_dir() == tmp_path / "mnist"
    assert mnist.mnist_mirror() == "http://example.invalid/mnist/"

    assert mnist.mnist_dir(tmp_path / "x") == tmp_path / "x"
    assert mnist.mnist_mirror("http://127.0.0.1:1/m/") == "http://127.0.0.1:1/m/"


def test_environment_variables_drive_load_mnist(tmp_path, mirror, monkeypatch):
    monkeypatch.setenv(mnist.DATA_DIR_ENV, str(tmp_path))
    monkeypatch.setenv(mnist.MIRROR_ENV, mirror)
    X_train, y_train, X_test, y_test = load_mnist()
    assert y_test.shape == (10000,)
    assert sorted(p.name for p in (tmp_path / "mnist").iterdir()) == sorted(GZ_NAMES)


def _idx(type_code, shape, payload):
    header = bytes([0, 0, type_code, len(shape)]) + np.array(shape, dtype=">u4").tobytes()
    return header + payload


def test_parse_idx_reads_shape_and_type():
    a = parse_idx(_idx(0x08, (2, 3), bytes(range(6))))
    assert a.shape == (2, 3) and a.dtype == np.uint8 and a.tolist() == [[0, 1, 2], [3, 4, 5]]
    b = parse_idx(_idx(0x0C, (2,), np.array([1, -2], dtype=">i4").tobytes()))
    assert b.tolist() == [1, -2]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"\x00\x00", "too short"),
        (b"PK\x03\x04rest", "not an IDX file"),
        (bytes([0, 0, 0x08, 3, 0, 0]), "truncated header"),
        (_idx(0x08, (2, 3), bytes(5)), "so 18 bytes, but the file has 17"),
        (_idx(0x08, (2, 3), bytes(7)), "so 18 bytes, but the file has 19"),
    ],
    ids=["too-short", "bad-magic", "truncated-header", "missing-data", "extra-data"],
)
def test_parse_idx_rejects_bad_data_clearly(data, message):
    with pytest.raises(MNISTError, match=message) as excinfo:
        parse_idx(data, "some-file")
    assert "some-file" in str(excinfo.value)
