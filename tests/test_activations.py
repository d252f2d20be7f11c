import numpy as np
import pytest

from helpers.activations import (ACTIVATIONS, activation_backward, get_activation, sigmoid, softmax,
                                 softmax_backward)
from helpers.gradcheck import numerical_gradient, relative_error

ELEMENTWISE = [name for name in ACTIVATIONS if name != "softmax"]


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_finite_differences(name):
    rng = np.random.default_rng(0)
    Z = rng.uniform(-3, 3, size=(5, 4))
    Z[np.abs(Z) < 1e-3] = 0.5  # stay off the kink of relu-like functions
    f, df = get_activation(name)
    dA = rng.standard_normal(Z.shape)
    analytic = dA * df(Z, f(Z))
    numeric = numerical_gradient(lambda: float(np.sum(dA * f(Z))), [Z])[0]
    assert relative_error(analytic, numeric) < 1e-8


def test_softmax_backward_matches_finite_differences():
    rng = np.random.default_rng(1)
    Z, dA = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    analytic = softmax_backward(dA, softmax(Z))
    numeric = numerical_gradient(lambda: float(np.sum(dA * softmax(Z))), [Z])[0]
    assert relative_error(analytic, numeric) < 1e-8
    assert np.allclose(activation_backward("softmax", dA, Z, softmax(Z)), analytic)


def test_sigmoid_is_stable_for_large_inputs():
    z = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no overflow or nan
        s = sigmoid(z)
    assert np.all(np.isfinite(s))
    assert s[0] == 0.0 and s[2] == 0.5 and s[-1] == 1.0
    assert np.allclose(sigmoid(-z), 1 - s)


def test_sigmoid_float32_stays_float32_and_ints_become_float():
    assert sigmoid(np.zeros(3, dtype=np.float32)).dtype == np.float32
    assert sigmoid(np.array([0, 1])).dtype == np.float64


def test_softmax_is_stable_and_normalised():
    Z = np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        P = softmax(Z)
    assert np.allclose(P.sum(axis=1), 1)
    assert np.allclose(P[0], [1, 0, 0])
    assert np.allclose(softmax(Z[1:] + 123.0), P[1:])  # shifting the logits changes nothing


def test_sigmoid_derivative_peaks_at_a_quarter():
    z = np.linspace(-10, 10, 2001)
    f, df = get_activation("sigmoid")
    d = df(z, f(z))
    assert d.max() == pytest.approx(0.25) and z[np.argmax(d)] == pytest.approx(0.0)


def test_unknown_activation_lists_valid_names():
    with pytest.raises(ValueError, match="unknown activation 'sigmod'.*'relu'.*'sigmoid'"):
        get_activation("sigmod")
