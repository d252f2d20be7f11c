import hashlib
import importlib.util
import subprocess
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from helpers import data

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("make", [data.blobs, data.xor, data.circles, data.moons])
def test_classification_sets_are_deterministic_with_integer_labels(make):
    X1, y1 = make(n=101, seed=3)
    X2, y2 = make(n=101, seed=3)
    assert X1.shape == (101, 2) and y1.shape == (101,) and y1.dtype.kind == "i"
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.array_equal(X1, make(n=101, seed=4)[0])
    assert set(np.unique(y1)) == set(range(y1.max() + 1))


@pytest.mark.parametrize("make,n_features", [(data.regression_1d, 1), (data.linear_regression_2d, 2)])
def test_regression_sets(make, n_features):
    X, Y = make(n=30, seed=1)
    assert X.shape == (30, n_features) and Y.shape == (30, 1)
    assert np.array_equal(Y, make(n=30, seed=1)[1])


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        data.xor(n=0)


def test_digits_split_scaled_and_deterministic():
    X_train, y_train, X_test, y_test = data.load_digits()
    assert X_train.shape == (1438, 64) and X_test.shape == (359, 64)
    assert X_train.min() >= 0 and X_train.max() <= 1
    assert set(np.unique(y_test)) == set(range(10))
    assert np.array_equal(y_test, data.load_digits()[3])


DIGITS_SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"  # helpers/DIGITS.md states it too


def test_shipped_digits_file_is_the_one_documented():
    shipped = resources.files("helpers").joinpath(data.DIGITS_FILE).read_bytes()
    assert hashlib.sha256(shipped).hexdigest() == DIGITS_SHA256
    note = (resources.files("helpers") / "DIGITS.md").read_text(encoding="utf-8")
    assert DIGITS_SHA256 in note and "CC BY 4.0" in note and "Alpaydin" in note


def test_digits_raw_pixels_and_labels():
    pixels, labels = data.digits_raw()
    assert pixels.shape == (1797, 64) and pixels.dtype == np.float64
    assert labels.shape == (1797,) and labels.dtype == np.int64
    assert np.array_equal(pixels, np.round(pixels)) and pixels.min() == 0 and pixels.max() == 16
    assert np.bincount(labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert labels[:10].tolist() == list(range(10))  # the file starts 0, 1, ..., 9
    # The first image, a 0, row by row (a transposed or shifted read fails here).
    assert pixels[0, :16].tolist() == [0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0]


def test_digits_scaling_and_dtype():
    pixels, labels = data.digits_raw()
    for dtype in (np.float64, np.float32):
        X_train, y_train, X_test, y_test = data.load_digits(dtype=dtype)
        assert X_train.dtype == dtype and X_test.dtype == dtype
        X = np.concatenate([X_train, X_test])
        assert X.max() == 1.0 and X.min() == 0.0  # pixels / 16, not / 255 or / max per image
        assert sorted(np.concatenate([y_train, y_test]).tolist()) == sorted(labels.tolist())


@pytest.mark.skipif(importlib.util.find_spec("sklearn") is None,
                    reason="scikit-learn is not installed (the bench extra): cannot compare with its digits loader")
def test_digits_are_exactly_scikit_learns():
    """The arrays scikit-learn's loader gives, bit for bit, so every output computed on them stays the same."""
    from sklearn.datasets import load_digits as sklearn_digits

    digits = sklearn_digits()
    pixels, labels = data.digits_raw()
    np.testing.assert_array_equal(pixels, digits.data)
    assert pixels.dtype == digits.data.dtype
    np.testing.assert_array_equal(labels, digits.target)
    for dtype, seed, fraction in [(np.float64, 0, 0.2), (np.float32, 0, 0.2), (np.float64, 3, 0.5)]:
        ours = data.load_digits(test_fraction=fraction, seed=seed, dtype=dtype)
        # What helpers.data.load_digits did when it called scikit-learn.
        theirs = data.train_test_split((digits.data / 16.0).astype(dtype), digits.target.astype(np.int64),
                                       fraction, seed)
        for a, b in zip(ours, theirs):
            assert a.dtype == b.dtype
            np.testing.assert_array_equal(a, b)


def test_digits_load_without_scikit_learn(tmp_path):
    """The core install has no scikit-learn: load_digits must not import it."""
    code = ("import sys; sys.modules['sklearn'] = None; sys.modules['scipy'] = None\n"
            "from helpers import data\n"
            "X_train, y_train, X_test, y_test = data.load_digits()\n"
            "print(X_train.shape, X_test.shape)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "(1438, 64) (359, 64)"
