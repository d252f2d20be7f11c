import numpy as np
import pytest

from helpers.activations import sigmoid, softmax
from helpers.gradcheck import numerical_gradient, relative_error
from helpers.losses import (cross_entropy, cross_entropy_from_logits, cross_entropy_gradient, get_loss, mse,
                            mse_gradient, one_hot, softmax_cross_entropy_gradient)


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


@pytest.mark.parametrize("n_out", [1, 4])
def test_fused_gradient_equals_chain_rule_and_logit_loss_equals_probability_loss(n_out):
    rng = np.random.default_rng(2)
    Z = rng.standard_normal((5, n_out))
    if n_out == 1:
        P, Y = sigmoid(Z), rng.integers(0, 2, (5, 1)).astype(float)
        chain = cross_entropy_gradient(P, Y) * P * (1 - P)
    else:
        from helpers.activations import softmax_backward
        P, Y = softmax(Z), one_hot(rng.integers(0, n_out, 5), n_out)
        chain = softmax_backward(cross_entropy_gradient(P, Y), P)
    assert np.allclose(softmax_cross_entropy_gradient(P, Y), chain)
    assert cross_entropy_from_logits(Z, Y) == pytest.approx(cross_entropy(P, Y))
    numeric = numerical_gradient(lambda: cross_entropy_from_logits(Z, Y), [Z])[0]
    assert relative_error(softmax_cross_entropy_gradient(P, Y), numeric) < 1e-7


def test_logit_cross_entropy_is_exact_where_probabilities_round_to_one():
    Z, Y = np.array([[40.0, 0.0]]), np.array([[0.0, 1.0]])
    assert cross_entropy_from_logits(Z, Y) == pytest.approx(40.0)


def test_unknown_loss_lists_valid_names():
    with pytest.raises(ValueError, match="unknown loss 'l2'.*'cross_entropy', 'mse'"):
        get_loss("l2")
