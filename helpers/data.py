"""Small, deterministic data sets. Every function takes a seed; the same seed gives the same data.

Shapes follow the series: X is (n_samples, n_features), regression targets Y are
(n_samples, n_outputs), class labels y are integers of shape (n_samples,).
"""
import gzip
from importlib import resources

import numpy as np

from .checks import check_positive_int


def regression_1d(n=40, noise=0.05, seed=0):
    """y = 0.5 + 0.35 sin(2 pi x) + noise for x in [0, 1]: X (n, 1), Y (n, 1), targets inside (0, 1)."""
    n = check_positive_int("n", n)
    rng = np.random.default_rng(seed)
    X = np.sort(rng.random(n))[:, None]
    Y = 0.5 + 0.35 * np.sin(2 * np.pi * X) + noise * rng.standard_normal((n, 1))
    return X, Y


def linear_regression_2d(n=100, noise=0.1, seed=0):
    """y = 2 x1 - 3 x2 + 1 + noise: X (n, 2), Y (n, 1). Its MSE is a bowl in (w1, w2)."""
    n = check_positive_int("n", n)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 2))
    Y = X @ np.array([[2.0], [-3.0]]) + 1 + noise * rng.standard_normal((n, 1))
    return X, Y


def blobs(n=200, centers=((-1.0, -1.0), (1.0, 1.0)), spread=0.6, seed=0):
    """Gaussian clusters, one per center: X (n, 2), labels y (n,) in 0..len(centers)-1."""
    n = check_positive_int("n", n)
    rng = np.random.default_rng(seed)
    centers = np.asarray(centers, dtype=float)
    y = np.arange(n) % len(centers)
    X = centers[y] + spread * rng.standard_normal((n, centers.shape[1]))
    return X, y


def xor(n=200, noise=0.15, seed=0):
    """Four clusters at the corners of a square; opposite corners share a class: X (n, 2), y (n,).

    No straight line separates the classes, so a network needs a hidden layer.
    """
    n = check_positive_int("n", n)
    rng = np.random.default_rng(seed)
    corners = np.array([[-1, -1], [1, 1], [-1, 1], [1, -1]], dtype=float)
    k = np.arange(n) % 4
    X = corners[k] + noise * 2 * rng.standard_normal((n, 2))
    return X, (k >= 2).astype(np.int64)


def circles(n=200, noise=0.1, factor=0.5, seed=0):
    """A ring of class 0 around a disc of class 1: X (n, 2), y (n,)."""
    n = check_positive_int("n", n)
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    angle = rng.uniform(0, 2 * np.pi, n)
    radius = np.where(y == 1, factor, 1.0)
    X = np.c_[radius * np.cos(angle), radius * np.sin(angle)] + noise * rng.standard_normal((n, 2))
    return X, y.astype(np.int64)


def moons(n=200, noise=0.1, seed=0):
    """Two interleaving half circles: X (n, 2), y (n,)."""
    n = check_positive_int("n", n)
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    t = rng.uniform(0, np.pi, n)
    X = np.where(y[:, None] == 0, np.c_[np.cos(t), np.sin(t)], np.c_[1 - np.cos(t), 0.5 - np.sin(t)])
    return X + noise * rng.standard_normal((n, 2)), y.astype(np.int64)


def train_test_split(X, y, test_fraction=0.2, seed=0):
    """Shuffle once (seeded) and split: returns X_train, y_train, X_test, y_test."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(X))
    n_test = int(round(test_fraction * len(X)))
    test, train = order[:n_test], order[n_test:]
    return X[train], y[train], X[test], y[test]


DIGITS_FILE = "digits.csv.gz"  # shipped inside helpers; DIGITS.md beside it names the source and its licence


def digits_raw():
    """All 1797 8x8 digits as read from the shipped file: pixels (1797, 64) float64 in 0..16, labels (1797,) int64.

    The file holds one image a line: 64 comma-separated pixel counts (row by row), then the label.
    """
    with resources.files(__package__).joinpath(DIGITS_FILE).open("rb") as raw, gzip.open(raw, "rt") as text:
        table = np.loadtxt(text, delimiter=",")
    return table[:, :-1], table[:, -1].astype(np.int64)


def load_digits(test_fraction=0.2, seed=0, dtype=np.float64):
    """The 8x8 handwritten digits (1797 images, shipped with helpers: works offline).

    They are the test set of "Optical Recognition of Handwritten Digits" by E. Alpaydin and C. Kaynak
    (UCI Machine Learning Repository, https://doi.org/10.24432/C50P49, CC BY 4.0), the copy scikit-learn ships. Returns X_train, y_train, X_test, y_test: X of shape
    (n, 64) scaled to [0, 1] (the raw pixels are 0..16), y integer labels 0..9.
    """
    pixels, labels = digits_raw()
    X = (pixels / 16.0).astype(dtype)
    return train_test_split(X, labels, test_fraction, seed)
