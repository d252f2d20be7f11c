import numpy as np
import pytest

from helpers.activations import sigmoid, softmax
from helpers.gradcheck import numerical_gradient, relative_error
from helpers.activations import softmax_backward
from helpers.losses import (cross_entropy, cross_entropy_gradient, get_loss, mse, mse_gradient, one_hot,
                            sigmoid_cross_entropy, softmax_cross_entropy)


def test_mse_convention_half_and_mean_over_samples_and_outputs():
    Yhat = np.array([[0.5, 1.0], [0.0, 2.0]])
    Y = np.array([[0.0, 1.0], [1.0, 0.0]])
    # 1/(N M) sum 1/2 (yhat - y)^2 = 1/4 * 1/2 * (0.25 + 0 + 1 + 4)
    assert mse(Yhat, Y) == pytest.approx(0.5 * 5.25 / 4)


@pytest.mark.parametrize("name", ["mse", "cross_entropy"])
@pytest.mark.parametrize("n_out", [1, 3])
def test_loss_gradient_matches_finite_differences(name, n_out):
    rng = np.random.default_rng(n_out)
    loss, grad = get_loss(name)
    if n_out == 1:
        Yhat, Y = rng.uniform(0.1, 0.9, (6, 1)), rng.integers(0, 2, (6, 1)).astype(float)
    else:
        Yhat, Y = softmax(rng.standard_normal((6, n_out))), one_hot(rng.integers(0, n_out, 6), n_out)
    numeric = numerical_gradient(lambda: loss(Yhat, Y), [Yhat], eps=1e-6)[0]  # log is curved near 0
    assert relative_error(grad(Yhat, Y), numeric) < 1e-7


def test_gradient_sign_points_from_target_to_prediction():
    # dE/dyhat = yhat - y: a prediction above the target gets a positive gradient
    assert mse_gradient(np.array([[0.9]]), np.array([[0.5]]))[0, 0] > 0


def test_cross_entropy_guards_log_of_zero():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value = cross_entropy(np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]]))
    assert np.isfinite(value) and value > 20


@pytest.mark.parametrize("kind,n_out", [("softmax", 4), ("sigmoid", 1), ("sigmoid", 3)])
def test_loss_on_logits_is_the_activation_then_cross_entropy_with_gradient_p_minus_y_over_n(kind, n_out):
    """One function of the logits returns (E, dE/dZ): E equals the cross-entropy of the probabilities,
    written out here sample by sample, and dZ = (P - Y) / N equals the chain rule and finite differences.
    Catches a missing 1/N, a flipped sign (Y - P), a sum over outputs turned into a mean."""
    rng = np.random.default_rng(2)
    N = 5
    Z = rng.standard_normal((N, n_out))
    if kind == "softmax":
        P, Y = softmax(Z), one_hot(rng.integers(0, n_out, N), n_out)
        E, dZ = softmax_cross_entropy(Z, Y)
        by_hand = -sum(np.log(P[i, j]) * Y[i, j] for i in range(N) for j in range(n_out)) / N
        chain = softmax_backward(cross_entropy_gradient(P, Y), P)
    else:
        P, Y = sigmoid(Z), rng.integers(0, 2, (N, n_out)).astype(float)
        E, dZ = sigmoid_cross_entropy(Z, Y)
        by_hand = -sum(Y[i, j] * np.log(P[i, j]) + (1 - Y[i, j]) * np.log(1 - P[i, j])
                       for i in range(N) for j in range(n_out)) / N
        chain = -(Y / P - (1 - Y) / (1 - P)) / N * P * (1 - P)
    assert E == pytest.approx(by_hand, rel=1e-12)
    if n_out == 1 or kind == "softmax":
        assert E == pytest.approx(cross_entropy(P, Y), rel=1e-12)
    np.testing.assert_allclose(dZ, (P - Y) / N, rtol=1e-12)
    np.testing.assert_allclose(dZ, chain, rtol=1e-10)
    loss_of = softmax_cross_entropy if kind == "softmax" else sigmoid_cross_entropy
    numeric = numerical_gradient(lambda: loss_of(Z, Y)[0], [Z])[0]
    assert relative_error(dZ, numeric) < 1e-7


def test_logit_cross_entropy_is_exact_where_probabilities_round_to_one():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        E, dZ = softmax_cross_entropy(np.array([[40.0, 0.0]]), np.array([[0.0, 1.0]]))
        assert E == pytest.approx(40.0)
        assert sigmoid_cross_entropy(np.array([[800.0]]), np.array([[0.0]]))[0] == pytest.approx(800.0)
        assert sigmoid_cross_entropy(np.array([[-800.0]]), np.array([[1.0]]))[0] == pytest.approx(800.0)
    np.testing.assert_allclose(dZ, [[1.0, -1.0]], atol=1e-15)


def test_unknown_loss_lists_valid_names():
    with pytest.raises(ValueError, match="unknown loss 'l2'.*'cross_entropy', 'mse'"):
        get_loss("l2")
