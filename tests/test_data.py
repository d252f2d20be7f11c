import numpy as np
import pytest

from helpers import data


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
