"""helpers.mnist, without internet and without the real files: small IDX files made here, served from 127.0.0.1.

The download, SHA-256 check, IDX parsing, cache and corruption tests run on a miniature MNIST that the
tests write themselves in the real format (IDX headers, big-endian dimensions, gzip-compressed), with the
SHA-256 sums and shapes helpers.mnist checks swapped for the miniature's (computed here). So a clone with
nothing beside it tests all of the download path.

The real files are checked too, wherever they are found (BACKPROP_MNIST_DIR, the helpers.mnist cache,
../shared/data/mnist beside the repository): their published SHA-256 sums and well-known facts about
MNIST. Under CI=true that check is required; elsewhere it is skipped, with the reason, when they are absent.
"""

import functools
import gzip
import hashlib
import http.server
import os
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
IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
NAMES = list(mnist.SHA256)  # train-images, train-labels, t10k-images, t10k-labels
GZ_NAMES = [f"{name}.gz" for name in NAMES]
N_TRAIN, N_TEST = 12, 7  # images in the miniature


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _idx(type_code, shape, payload):
    header = bytes([0, 0, type_code, len(shape)]) + np.array(shape, dtype=">u4").tobytes()
    return header + payload


def _miniature():
    """{name: decompressed IDX bytes} and {name: array} of a small MNIST in the real format."""
    rng = np.random.default_rng(12)
    arrays = {}
    for split, n in (("train", N_TRAIN), ("t10k", N_TEST)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        images[0, 0, 0], images[0, 0, 1] = 0, 255  # pixels reach both ends of 0..255
        images[1] = 0
        images[1, 3, 5] = 200  # one image with a single pixel: a transposed read misplaces it
        arrays[f"{split}-images-idx3-ubyte"] = images
        arrays[f"{split}-labels-idx1-ubyte"] = (np.arange(n) * 7 + 3).astype(np.uint8) % 10
    contents = {}
    for name, array in arrays.items():
        type_code = 0x08  # unsigned byte, as in the real files
        contents[name] = _idx(type_code, array.shape, array.tobytes())
    assert contents["t10k-labels-idx1-ubyte"][:8] == bytes([0, 0, 8, 1, 0, 0, 0, N_TEST])  # magic 2049, count
    assert contents["train-images-idx3-ubyte"][:4] == bytes([0, 0, 8, 3])  # magic 2051
    return contents, arrays


@pytest.fixture(scope="module")
def miniature_files(tmp_path_factory):
    """A folder with the four miniature files, gzipped like the real ones; their content and arrays."""
    folder = tmp_path_factory.mktemp("mini-mnist")
    contents, arrays = _miniature()
    for name, content in contents.items():
        (folder / f"{name}.gz").write_bytes(gzip.compress(content, mtime=0))
    return folder, contents, arrays


@pytest.fixture
def mini(miniature_files, monkeypatch):
    """helpers.mnist expecting the miniature: its SHA-256 sums (computed here) and shapes."""
    folder, contents, arrays = miniature_files
    monkeypatch.setattr(mnist, "SHA256", {name: hashlib.sha256(c).hexdigest() for name, c in contents.items()})
    monkeypatch.setattr(mnist, "SHAPES", {name: a.shape for name, a in arrays.items()})
    return folder, contents, arrays


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


@pytest.fixture
def mirror(mini, serve):
    return serve(mini[0])


@pytest.fixture
def no_network(monkeypatch):
    """Make every download fail, and count the attempts."""
    attempts = []

    def refuse(url, *args, **kwargs):
        attempts.append(url)
        raise urllib.error.URLError("network disabled by the test")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    return attempts


def _check_mini(arrays, loaded):
    X_train, y_train, X_test, y_test = loaded
    assert X_train.shape == (N_TRAIN, 784) and X_test.shape == (N_TEST, 784)
    assert y_train.shape == (N_TRAIN,) and y_test.shape == (N_TEST,)
    assert X_train.dtype == np.float32 and X_test.dtype == np.float32
    assert y_train.dtype == np.int64 and y_test.dtype == np.int64
    assert X_train.flags.c_contiguous
    assert X_train.min() == 0.0 and X_train.max() == 1.0  # pixels / 255
    for split, X, y in (("train", X_train, y_train), ("t10k", X_test, y_test)):
        images = arrays[f"{split}-images-idx3-ubyte"]
        np.testing.assert_array_equal(X, images.reshape(len(images), -1).astype(np.float32) / np.float32(255))
        np.testing.assert_array_equal(y, arrays[f"{split}-labels-idx1-ubyte"])
    # The one-pixel image: row 3, column 5 of 28 columns, row-major.
    assert np.flatnonzero(X_train[1]).tolist() == [3 * 28 + 5]
    assert X_train[1, 3 * 28 + 5] == np.float32(200) / np.float32(255)


def test_download_verify_then_read_cache_without_network(tmp_path, mini, mirror, monkeypatch):
    cache = tmp_path / "cache"
    arrays = load_mnist(cache_dir=cache, mirror=mirror)
    _check_mini(mini[2], arrays)
    assert sorted(p.name for p in cache.iterdir()) == sorted(GZ_NAMES)  # no leftover temporary files
    for gz in GZ_NAMES:  # the cache holds the downloaded bytes
        assert (cache / gz).read_bytes() == (mini[0] / gz).read_bytes()

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


def test_only_missing_files_are_downloaded(tmp_path, mini, serve):
    cache = tmp_path / "cache"
    cache.mkdir()
    shutil.copy(mini[0] / "train-images-idx3-ubyte.gz", cache)
    source = tmp_path / "mirror"  # a mirror without that file: asking for it would fail
    shutil.copytree(mini[0], source)
    (source / "train-images-idx3-ubyte.gz").unlink()
    _check_mini(mini[2], load_mnist(cache_dir=cache, mirror=serve(source)))


def test_local_folder_with_the_files_needs_no_network(mini, no_network):
    folder = mini[0]
    before = sorted(p.name for p in folder.iterdir())
    _check_mini(mini[2], load_mnist(cache_dir=folder))
    assert no_network == []
    assert sorted(p.name for p in folder.iterdir()) == before  # nothing written there


def test_decompressed_files_are_accepted(tmp_path, mini, no_network):
    for name, content in mini[1].items():
        (tmp_path / name).write_bytes(content)
    _check_mini(mini[2], load_mnist(cache_dir=tmp_path))
    assert no_network == []


def test_any_faithful_gzip_passes(tmp_path, mini, serve):
    """The check is on the decompressed content, so a re-compressed file is fine."""
    source = tmp_path / "mirror"
    source.mkdir()
    for name, content in mini[1].items():
        (source / f"{name}.gz").write_bytes(gzip.compress(content, compresslevel=1, mtime=12345))
        assert (source / f"{name}.gz").read_bytes() != (mini[0] / f"{name}.gz").read_bytes()
    _check_mini(mini[2], load_mnist(cache_dir=tmp_path / "cache", mirror=serve(source)))


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
def test_bad_download_gives_clear_error_and_leaves_nothing(tmp_path, mini, serve, corrupt, message):
    bad = "t10k-images-idx3-ubyte"
    source = tmp_path / "mirror"
    shutil.copytree(mini[0], source)
    (source / f"{bad}.gz").write_bytes(corrupt((mini[0] / f"{bad}.gz").read_bytes()))

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


def test_bad_file_already_in_cache_is_reported_not_used(tmp_path, mini, no_network):
    for gz in GZ_NAMES:
        shutil.copy(mini[0] / gz, tmp_path / gz)
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    path.write_bytes(_wrong_content(path.read_bytes()))
    with pytest.raises(MNISTError, match=r"(?s)SHA-256 mismatch for train-labels-idx1-ubyte.*Delete .*train-labels"):
        load_mnist(cache_dir=tmp_path)
    assert no_network == []


def test_file_of_the_wrong_shape_is_refused(tmp_path, mini, monkeypatch, no_network):
    """A file whose checksum passes but whose shape is not the expected one (e.g. a mislabelled split)."""
    for gz in GZ_NAMES:
        shutil.copy(mini[0] / gz, tmp_path / gz)
    monkeypatch.setitem(mnist.SHAPES, "train-images-idx3-ubyte", (N_TRAIN, 784))
    with pytest.raises(MNISTError, match=rf"train-images-idx3-ubyte: shape \({N_TRAIN}, 28, 28\), expected"):
        load_mnist(cache_dir=tmp_path)


def test_unreachable_mirror_names_the_url(tmp_path, no_network):
    with pytest.raises(MNISTError, match=r"could not download train-images-idx3-ubyte.gz from http://127.0.0.1:9/"):
        load_mnist(cache_dir=tmp_path / "cache", mirror="http://127.0.0.1:9")
    assert list((tmp_path / "cache").iterdir()) == []


def test_missing_file_on_the_mirror_names_it(tmp_path, mini, serve):
    source = tmp_path / "mirror"
    shutil.copytree(mini[0], source)
    (source / "train-labels-idx1-ubyte.gz").unlink()  # the server answers 404
    with pytest.raises(MNISTError, match=r"could not download train-labels-idx1-ubyte.gz from http://127.0.0.1"):
        load_mnist(cache_dir=tmp_path / "cache", mirror=serve(source))
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == ["train-images-idx3-ubyte.gz"]


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


def test_environment_variables_drive_load_mnist(tmp_path, mini, mirror, monkeypatch):
    monkeypatch.setenv(mnist.DATA_DIR_ENV, str(tmp_path))
    monkeypatch.setenv(mnist.MIRROR_ENV, mirror)
    _check_mini(mini[2], load_mnist())
    assert sorted(p.name for p in (tmp_path / "mnist").iterdir()) == sorted(GZ_NAMES)


def test_parse_idx_reads_shape_and_type():
    a = parse_idx(_idx(0x08, (2, 3), bytes(range(6))))
    assert a.shape == (2, 3) and a.dtype == np.uint8 and a.tolist() == [[0, 1, 2], [3, 4, 5]]
    b = parse_idx(_idx(0x0C, (2,), np.array([1, -2], dtype=">i4").tobytes()))
    assert b.tolist() == [1, -2]  # big-endian: a little-endian read gives 16777216, -16777217
    c = parse_idx(_idx(0x0D, (1, 2), np.array([[0.5, -3.0]], dtype=">f4").tobytes()))
    assert c.shape == (1, 2) and c.tolist() == [[0.5, -3.0]]
    d = parse_idx(_idx(0x08, (70000,), bytes(70000)))  # a dimension above 65535 (4 bytes, big-endian)
    assert d.shape == (70000,)


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


# --- the real files, where they are found ------------------------------------------------------

def real_mnist_candidates() -> list[Path]:
    """Where the real files may be: $BACKPROP_MNIST_DIR, the helpers.mnist cache, ../shared/data/mnist."""
    candidates = [Path(os.environ["BACKPROP_MNIST_DIR"])] if os.environ.get("BACKPROP_MNIST_DIR") else []
    return candidates + [mnist.mnist_dir(), REPO_ROOT.parent / "shared" / "data" / "mnist"]


def holds_the_four_files(folder: Path) -> bool:
    return all((folder / f"{n}.gz").is_file() or (folder / n).is_file() for n in NAMES)


@pytest.fixture(scope="module")
def real_mnist():
    candidates = real_mnist_candidates()
    for folder in candidates:
        if holds_the_four_files(folder):
            return folder
    why = f"the real MNIST files are in none of {[str(c) for c in candidates]}"
    if IN_CI:
        pytest.fail(f"{why}; CI must check them (../shared/data/mnist sits beside the repository there)",
                    pytrace=False)
    pytest.skip(f"{why} (set BACKPROP_MNIST_DIR to check them)")


def _check_real(X_train, y_train, X_test, y_test):
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


def test_real_files_pass_the_published_checksums_from_a_folder_and_a_download(real_mnist, serve, tmp_path,
                                                                               monkeypatch):
    """The published SHA-256 sums and shapes in helpers.mnist are those of the real files, read in place
    (nothing written there, no network) and downloaded (from 127.0.0.1) into a fresh cache."""
    before = sorted(p.name for p in real_mnist.iterdir())
    attempts = []

    def refuse(url, *args, **kwargs):
        attempts.append(url)
        raise urllib.error.URLError("network disabled by the test")

    with monkeypatch.context() as patch:
        patch.setattr(urllib.request, "urlopen", refuse)
        arrays = load_mnist(cache_dir=real_mnist)
    assert attempts == []
    _check_real(*arrays)
    assert sorted(p.name for p in real_mnist.iterdir()) == before

    if all((real_mnist / gz).is_file() for gz in GZ_NAMES):
        cache = tmp_path / "cache"
        downloaded = load_mnist(cache_dir=cache, mirror=serve(real_mnist))
        assert sorted(p.name for p in cache.iterdir()) == sorted(GZ_NAMES)
        for a, b in zip(arrays, downloaded):
            np.testing.assert_array_equal(a, b)
