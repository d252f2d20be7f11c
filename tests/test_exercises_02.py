"""Notebook 02's exercise checks: the stub is not attempted, the solution passes, common mistakes get their hints."""
import runpy
from pathlib import Path

import numpy as np
import pytest

from helpers import sigmoid
from helpers.exercises import CORRECT, MISTAKE, NOT_ATTEMPTED, WRONG
from helpers.exercises import single_neuron as ex

SOLUTIONS = Path(__file__).resolve().parent.parent / "notebooks" / "solutions"


def solution(file, name):
    return runpy.run_path(str(SOLUTIONS / file))[name]


def stub(*args):
    raise NotImplementedError


def assert_mistake(result, words):
    assert result.kind == MISTAKE and not result.passed, result.message
    assert words in result.mistake, f"expected a hint about {words!r}, got: {result.message}"


def forward(theta, x, f=sigmoid):
    w1, b1, w2, b2, w3, b3 = theta
    z1 = w1 * x + b1
    a1 = f(z1)
    z2 = w2 * a1 + b2
    a2 = f(z2)
    z3 = w3 * a2 + b3
    return z1, a1, z2, a2, z3, f(z3)


# --- Exercise 1 --------------------------------------------------------------------
def test_exercise_1_stub_solution_and_the_notebooks_number():
    assert ex.check_dE_dw1(stub).kind == NOT_ATTEMPTED
    result = ex.check_dE_dw1(solution("02_dE_dw1.py", "dE_dw1"))
    assert result.kind == CORRECT, result.message
    assert "-0.0159783" in result.message and "Finite differences agree" in result.message  # section 4's ∂E/∂w1


def dE_dw1_with(sign=1.0, slope=lambda z, a: a * (1 - a), drop=None):
    def answer(theta, x, y):
        w1, b1, w2, b2, w3, b3 = theta
        z1, a1, z2, a2, z3, a3 = forward(theta, x)
        factors = {"dE": sign * (a3 - y), "s3": slope(z3, a3), "w3": w3, "s2": slope(z2, a2), "w2": w2,
                   "s1": slope(z1, a1), "x": x}
        if drop:
            factors.pop(drop)
        return np.prod(list(factors.values()))
    return answer


@pytest.mark.parametrize("answer, words", [
    (dE_dw1_with(sign=-1.0), "flipped sign"),
    (dE_dw1_with(slope=lambda z, a: a * sigmoid(1 - z)), "σ(z)·σ(1 − z)"),
    (dE_dw1_with(slope=lambda z, a: z * (1 - z)), "z where a belongs"),
    (dE_dw1_with(drop="s2"), "missing factor σ'(z2)"),
    (dE_dw1_with(drop="w3"), "missing factor w3"),
    (dE_dw1_with(drop="x"), "missing factor x"),
])
def test_exercise_1_names_each_common_mistake(answer, words):
    assert_mistake(ex.check_dE_dw1(answer), words)


def test_exercise_1_other_wrong_answers_are_told_what_was_expected():
    result = ex.check_dE_dw1(lambda theta, x, y: 0.5)
    assert result.kind == WRONG and "expected -0.0159783" in result.message
    assert ex.check_dE_dw1(lambda theta, x, y: theta[7]).kind == WRONG   # an IndexError is reported, not raised


# --- Exercise 2 --------------------------------------------------------------------
def deltas_with(rule):
    def answer(w, a, y):
        n = len(w)
        delta = {n: (a[n] - y) * a[n] * (1 - a[n])}
        for l in range(n - 1, 0, -1):
            delta[l] = rule(delta, w, a, l, n)
        return delta
    return answer


def test_exercise_2_stub_solution_and_the_notebooks_deltas():
    assert ex.check_chain_deltas(stub).kind == NOT_ATTEMPTED
    result = ex.check_chain_deltas(solution("02_chain_deltas.py", "chain_deltas"))
    assert result.kind == CORRECT, result.message
    assert "-0.0199728" in result.message   # δ1 at the notebook's point (section 4)
    assert "∂E/∂b_l by finite differences" in result.message


@pytest.mark.parametrize("rule, words", [
    (lambda d, w, a, l, n: d[l + 1] * w[l] * a[l] * (1 - a[l]), "w_l in place of w_{l+1}"),
    (lambda d, w, a, l, n: d[l + 1] * w[l + 1] * a[l + 1] * (1 - a[l + 1]), "wrong layer"),
    (lambda d, w, a, l, n: d[l + 1] * w[l + 1], "missing σ'(z_l)"),
    (lambda d, w, a, l, n: d[n] * w[l + 1] * a[l] * (1 - a[l]), "δ_n in place of δ_{l+1}"),
])
def test_exercise_2_names_each_common_mistake(rule, words):
    assert_mistake(ex.check_chain_deltas(deltas_with(rule)), words)


def test_exercise_2_a_list_or_missing_layers_is_told_what_to_return():
    right = solution("02_chain_deltas.py", "chain_deltas")
    as_list = ex.check_chain_deltas(lambda w, a, y: list(right(w, a, y).values()))
    assert as_list.kind == WRONG and "dict" in as_list.message
    no_output = ex.check_chain_deltas(lambda w, a, y: {l: 0.0 for l in range(1, len(w))})
    assert no_output.kind == WRONG and f"keys 1 to 3" in no_output.message


# --- Exercise 3 --------------------------------------------------------------------
def tanh_with(slope=lambda z, a: 1 - a ** 2, sign=1.0, order=None):
    def answer(theta, x, y):
        w1, b1, w2, b2, w3, b3 = theta
        z1, a1, z2, a2, z3, a3 = forward(theta, x, np.tanh)
        d3 = sign * (a3 - y) * slope(z3, a3)
        d2 = d3 * w3 * slope(z2, a2)
        d1 = d2 * w2 * slope(z1, a1)
        g = np.array([d1 * x, d1, d2 * a1, d2, d3 * a2, d3])
        return g if order is None else g[order]
    return answer


def test_exercise_3_stub_and_solution():
    assert ex.check_tanh_gradients(stub).kind == NOT_ATTEMPTED
    result = ex.check_tanh_gradients(solution("02_tanh_chain_gradients.py", "tanh_chain_gradients"))
    assert result.kind == CORRECT and "Finite differences agree" in result.message, result.message


@pytest.mark.parametrize("answer, words", [
    (tanh_with(slope=lambda z, a: a * (1 - a)), "sigmoid's derivative"),
    (tanh_with(slope=lambda z, a: 1 - a), "missing square"),
    (tanh_with(slope=lambda z, a: 1 - z ** 2), "z where a belongs"),
    (tanh_with(sign=-1.0), "flipped sign"),
    (tanh_with(order=[4, 5, 2, 3, 0, 1]), "order w3, b3"),
])
def test_exercise_3_names_each_common_mistake(answer, words):
    assert_mistake(ex.check_tanh_gradients(answer), words)


def test_exercise_3_a_wrong_shape_is_reported():
    result = ex.check_tanh_gradients(lambda theta, x, y: np.zeros((6, 1)))
    assert result.kind == WRONG and "(6, 1)" in result.message


# --- Exercise 4 --------------------------------------------------------------------
def test_exercise_4_stub_solution_and_mistakes():
    assert ex.check_delta3_cross_entropy(stub).kind == NOT_ATTEMPTED
    assert ex.check_delta3_cross_entropy(lambda yhat, y: ...).kind == NOT_ATTEMPTED
    result = ex.check_delta3_cross_entropy(solution("02_delta3_cross_entropy.py", "delta3_cross_entropy"))
    assert result.kind == CORRECT and "Finite differences" in result.message, result.message
    assert_mistake(ex.check_delta3_cross_entropy(lambda yhat, y: y - yhat), "flipped sign")
    assert_mistake(ex.check_delta3_cross_entropy(lambda yhat, y: (yhat - y) * yhat * (1 - yhat)),
                   "mean squared error's δ3")
    assert_mistake(ex.check_delta3_cross_entropy(lambda yhat, y: (yhat - y) / (yhat * (1 - yhat))),
                   "σ'(z3) = ŷ(1 − ŷ) is missing")
    other = ex.check_delta3_cross_entropy(lambda yhat, y: yhat)
    assert other.kind == WRONG and "expected" in other.message


def test_the_checks_expected_answers_match_finite_differences():
    """If a check's own formula were wrong, every learner would be told the wrong thing."""
    from helpers import numerical_gradient
    for theta, x, y in ex._points(seed=28, y_low=-0.9, y_high=0.9):
        th = theta.copy()
        numeric = numerical_gradient(lambda: ex._chain_loss(th, x, y, np.tanh), [th])[0]
        assert np.allclose(ex._tanh_variants(theta, x, y)[0], numeric, atol=1e-9)
        th = theta.copy()
        numeric = numerical_gradient(lambda: ex._chain_loss(th, x, y), [th])[0]
        assert np.isclose(ex._dE_dw1_variants(theta, x, y)[0], numeric[0], atol=1e-10)
