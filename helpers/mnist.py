"""Full MNIST: download, SHA-256 check, IDX parsing, cache.

    X_train, y_train, X_test, y_test = load_mnist()

returns the 60,000 training and 10,000 test images as float32 rows scaled to [0, 1]
(shape (60000, 784) and (10000, 784), samples are rows) and their labels as int64.

Where the files come from, in this order:

* the folder: the ``cache_dir`` argument, else ``$BACKPROP_DATA_DIR/mnist``, else
  ``~/.cache/backprop-from-scratch/mnist``. A folder that already holds the four files
  (gzipped, or already decompressed) is used as it is, with no network;
* missing files are downloaded from the mirror: the ``mirror`` argument, else the
  environment variable ``BACKPROP_MNIST_MIRROR``, else ``DEFAULT_MIRROR``. Any URL that
  urllib opens works, ``file://`` included.

Every file is checked against the published SHA-256 of its *decompressed* content (so
any faithful gzip of the original files passes), on download and on every load. A
download goes to a temporary file in the cache folder and is renamed into place only
after it passed, so a truncated or corrupted download never stays in the cache.

The IDX format (http://yann.lecun.com/exdb/mnist/, "FILE FORMATS"): two zero bytes, a
type code (0x08 = unsigned byte), the number of dimensions, then each dimension as a
big-endian 32-bit integer, then the data in C order. It is parsed with ``np.frombuffer``:
no pickle anywhere.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import urllib.error
import urllib.request
import zlib
from pathlib import Path

import numpy as np

DEFAULT_MIRROR = "https://ossci-datasets.s3.amazonaws.com/mnist/"
"""A public mirror of the original files (the one torchvision uses)."""

MIRROR_ENV = "BACKPROP_MNIST_MIRROR"
DATA_DIR_ENV = "BACKPROP_DATA_DIR"

# SHA-256 of the decompressed files, as published; the keys are the decompressed names.
SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

# The shape each file must have.
SHAPES = {
    "train-images-idx3-ubyte": (60000, 28, 28),
    "train-labels-idx1-ubyte": (60000,),
    "t10k-images-idx3-ubyte": (10000, 28, 28),
    "t10k-labels-idx1-ubyte": (10000,),
}

_IDX_TYPES = {  # IDX type code -> numpy dtype (multi-byte types are big-endian)
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

_TIMEOUT = 60  # seconds, per network operation


class MNISTError(RuntimeError):
    """A file could not be downloaded, or is truncated, corrupted or not what was expected."""


def mnist_dir(cache_dir=None) -> Path:
    """The folder that holds (or will hold) the four files."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    if os.environ.get(DATA_DIR_ENV):
        return Path(os.environ[DATA_DIR_ENV]).expanduser() / "mnist"
    return Path.home() / ".cache" / "backprop-from-scratch" / "mnist"


def mnist_mirror(mirror=None) -> str:
    """The base URL the files are downloaded from, ending in '/'."""
    url = mirror or os.environ.get(MIRROR_ENV) or DEFAULT_MIRROR
    return url if url.endswith("/") else url + "/"


def parse_idx(data: bytes, name: str = "IDX data") -> np.ndarray:
    """Parse the bytes of an (uncompressed) IDX file into an array of its shape and type."""
    if len(data) < 4:
        raise MNISTError(f"{name}: {len(data)} bytes is too short for an IDX header (4 bytes at least)")
    zero0, zero1, type_code, ndim = data[:4]
    if zero0 != 0 or zero1 != 0 or type_code not in _IDX_TYPES:
        raise MNISTError(
            f"{name}: not an IDX file (magic number {data[:4].hex()}, expected 0000 then a type code "
            f"in {sorted(hex(c) for c in _IDX_TYPES)} then the number of dimensions)"
        )
    header = 4 + 4 * ndim
    if len(data) < header:
        raise MNISTError(f"{name}: truncated header ({len(data)} bytes, {ndim} dimensions need {header})")
    shape = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    dtype = _IDX_TYPES[type_code]
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected:
        raise MNISTError(
            f"{name}: header says shape {shape} of {dtype.name}, so {expected} bytes, but the file has {len(data)}"
        )
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)


def _decompress(raw: bytes, source: str) -> bytes:
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as err:  # BadGzipFile is an OSError
        raise MNISTError(f"{source} is not a valid gzip file (truncated or corrupted): {err}") from err


def _check_sha256(data: bytes, name: str, source: str) -> None:
    got = hashlib.sha256(data).hexdigest()
    if got != SHA256[name]:
        raise MNISTError(
            f"SHA-256 mismatch for {name} (decompressed content of {source}):\n"
            f"  expected {SHA256[name]}\n  got      {got}"
        )


def _verified_content(raw: bytes, name: str, source: str, gzipped: bool) -> bytes:
    """The decompressed bytes of one file, after the SHA-256 check."""
    data = _decompress(raw, source) if gzipped else raw
    _check_sha256(data, name, source)
    return data


def _download(name: str, folder: Path, base_url: str) -> bytes:
    """Download NAME.gz into FOLDER atomically; return its verified decompressed content."""
    url = base_url + name + ".gz"
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{name}.gz.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(url, timeout=_TIMEOUT) as response:
                    while chunk := response.read(1 << 20):
                        out.write(chunk)
            except (urllib.error.URLError, OSError) as err:
                raise MNISTError(
                    f"could not download {name}.gz from {url}: {err}\n"
                    f"Choose another mirror with load_mnist(mirror=...) or ${MIRROR_ENV}, or put the four "
                    f"files in {folder} yourself."
                ) from err
        data = _verified_content(tmp.read_bytes(), name, f"{name}.gz downloaded from {url}", gzipped=True)
        os.replace(tmp, folder / f"{name}.gz")  # atomic: the cache only ever holds checked files
        return data
    finally:
        tmp.unlink(missing_ok=True)


def _load_file(name: str, folder: Path, base_url: str) -> np.ndarray:
    for filename, gzipped in ((f"{name}.gz", True), (name, False)):
        path = folder / filename
        if path.is_file():
            try:
                data = _verified_content(path.read_bytes(), name, str(path), gzipped)
            except MNISTError as err:
                raise MNISTError(f"{err}\nDelete {path} to download it again.") from None
            break
    else:
        data = _download(name, folder, base_url)
    array = parse_idx(data, name)
    if array.shape != SHAPES[name]:
        raise MNISTError(f"{name}: shape {array.shape}, expected {SHAPES[name]}")
    return array


def load_mnist(cache_dir=None, mirror=None):
    """Load MNIST as ``(X_train, y_train, X_test, y_test)``.

    X_*: float32, shape (n, 784), one image a row, pixels scaled to [0, 1].
    y_*: int64 labels 0-9, shape (n,). n is 60,000 for train and 10,000 for test.

    cache_dir: folder holding the files (see the module docstring for the default); files
    missing there are downloaded into it from ``mirror``. Raises MNISTError, naming the
    file, if one cannot be downloaded or fails its SHA-256 check.
    """
    folder = mnist_dir(cache_dir)
    base_url = mnist_mirror(mirror)
    arrays = []
    for split in ("train", "t10k"):
        images = _load_file(f"{split}-images-idx3-ubyte", folder, base_url)
        labels = _load_file(f"{split}-labels-idx1-ubyte", folder, base_url)
        X = images.reshape(len(images), -1).astype(np.float32)
        X /= np.float32(255)
        arrays += [X, labels.astype(np.int64)]
    return tuple(arrays)
