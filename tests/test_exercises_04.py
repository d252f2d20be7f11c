"""Notebook 04's exercises: each check says "not attempted" to the stub, passes the solution, and names
the common mistakes (never passing them)."""
import runpy
from pathlib import Path

import numpy as np
import pytest

from helpers import numerical_gradient, sigmoid
from helpers.exercises import CORRECT, MISTAKE, NOT_ATTEMPTED, WRONG
from helpers.exercises import generalized as ex

SOLUTIONS = Path(__file__).resolve().parents[1] / "notebooks" / "solutions"


def solution(name, function):
    return runpy.run_path(str(SOLUTIONS / f"04_{name}.py"))[function]


def stub(*args):
    raise NotImplementedError


def named(result, *words):
    """The result is a named mistake (not a pass) whose message contains every word."""
    assert result.kind == MISTAKE and not result.passed, result.message
    for word in words:
        assert word in result.message, result.message
    return result


# --- Exercise 1: the backward loop ---------------------------------------------------------------

def test_backward_loop_stub_solution_and_reference():
    assert ex.check_backward_loop(stub).kind == NOT_ATTEMPTED
    result = ex.check_backward_loop(solution("backward_loop", "my_gradients"))
    assert result.kind == CORRECT and result.passed and "finite differences" in result.message, result.message
    assert ex.check_backward_loop(ex.backward_variant).passed


def test_the_reference_backward_pass_agrees_with_finite_differences():
    """The check's own reference (what every answer is compared with) is right."""
    weights, biases, X, Y = ex._backward_case([3, 5, 4, 2], seed=2)
    numeric = numerical_gradient(lambda: ex._mse(weights, biases, X, Y), weights + biases)
    numeric = [g for pair in zip(numeric[:3], numeric[3:]) for g in pair]
    assert ex._relative_error(ex._flat(ex.backward_variant(weights, biases, X, Y)), ex._flat(numeric)) < 1e-6


@pytest.mark.parametrize("mistake, words", [
    (dict(transpose=True), ["W_l.T in the recursion"]),
    (dict(wrong_layer=True), ["wrong layer"]),
    (dict(divide="none"), ["missing 1/(N M)"]),
    (dict(divide="N"), ["dividing by N only"]),
    (dict(sign=-1), ["flipped sign"]),
    (dict(delta_first=True), ["order inside the loop"]),
    (dict(reverse=True), ["backward order", "first layer first"]),
])
def test_backward_loop_names_each_mistake(mistake, words):
    named(ex.check_backward_loop(lambda w, b, X, Y: ex.backward_variant(w, b, X, Y, **mistake)), *words)


def test_backward_loop_other_wrong_answers_are_told_what_is_off():
    def shapes_transposed(w, b, X, Y):
        return [g.T if g.ndim == 2 else g for g in ex.backward_variant(w, b, X, Y)]

    result = ex.check_backward_loop(shapes_transposed)
    assert result.kind == WRONG and "transpose" in result.message
    too_few = ex.check_backward_loop(lambda w, b, X, Y: ex.backward_variant(w, b, X, Y)[:-2])
    assert too_few.kind == WRONG and "Expected 6 arrays" in too_few.message
    off = ex.check_backward_loop(lambda w, b, X, Y: [1.01 * g for g in ex.backward_variant(w, b, X, Y)])
    assert off.kind == WRONG and "expected" in off.message and "found" in off.message


def test_backward_loop_does_not_pass_an_answer_that_only_fits_square_layers():
    """An answer right on [4, 4, 4, 4] must also be right on [3, 5, 4, 2]."""
    def square_only(w, b, X, Y):
        if X.shape[1] != 4:
            raise ValueError("shapes do not fit")
        return ex.backward_variant(w, b, X, Y)

    assert not ex.check_backward_loop(square_only).passed


# --- Exercise 2: the initial weight scale ------------------------------------------------------------

def lecun(n_out, n_in, rng):
    return rng.normal(0, 1 / np.sqrt(n_in), size=(n_out, n_in)), np.zeros(n_out)


def test_weight_init_stub_and_solution_and_xavier():
    assert ex.check_weight_init(stub).kind == NOT_ATTEMPTED
    assert ex.check_weight_init(...).kind == NOT_ATTEMPTED
    result = ex.check_weight_init(solution("weight_init", "my_init"))
    assert result.kind == CORRECT, result.message
    xavier = ex.check_weight_init(lambda o, i, r: (r.normal(0, np.sqrt(2 / (i + o)), (o, i)), np.zeros(o)))
    assert xavier.passed, xavier.message


def test_weight_init_rejects_the_band_aid_and_the_scaled_uniform_draws():
    """0.01 N(0, 1), the sigmoid(0.01 x) fix in disguise (first-layer gradient 1.4e-5), and U[0, 1) / sqrt(fan_in)."""
    band_aid = named(ex.check_weight_init(lambda o, i, r: (0.01 * r.normal(size=(o, i)), 0.01 * r.normal(size=o))),
                     "Too small", "vanish")
    assert "1.4e-05" in band_aid.message
    uniform = named(ex.check_weight_init(lambda o, i, r: (r.random((o, i)) / np.sqrt(i), r.random(o) / np.sqrt(i))),
                    "not zero-mean")
    assert uniform.mistake == "not zero-mean"
    named(ex.check_weight_init(lambda o, i, r: (r.random((o, i)), r.random(o))), "not zero-mean")


def test_weight_init_names_the_std_variance_confusion_too_large_and_equal_weights():
    named(ex.check_weight_init(lambda o, i, r: (r.normal(0, 1 / i, (o, i)), np.zeros(o))), "1/sqrt(fan_in)")
    named(ex.check_weight_init(lambda o, i, r: (r.normal(size=(o, i)), r.normal(size=o))), "Too large", "saturate")
    named(ex.check_weight_init(lambda o, i, r: (np.full((o, i), 0.03), np.zeros(o))), "equal")


def test_weight_init_wrong_shapes_and_large_biases_are_not_passed():
    transposed = ex.check_weight_init(lambda o, i, r: (r.normal(0, 1 / np.sqrt(i), (i, o)), np.zeros(o)))
    assert transposed.kind == WRONG and "shape" in transposed.message
    big_bias = ex.check_weight_init(lambda o, i, r: (lecun(o, i, r)[0], 5 * r.normal(size=o)))
    assert big_bias.kind == WRONG and "biases" in big_bias.message


# --- Exercise 3: the sigmoid rule ----------------------------------------------------------------------

def test_sigmoid_rule_stub_and_solution():
    assert ex.check_sigmoid_rule(stub).kind == NOT_ATTEMPTED
    result = ex.check_sigmoid_rule(solution("sigmoid_rule", "sigmoid_backward"))
    assert result.kind == CORRECT and "finite differences" in result.message, result.message


@pytest.mark.parametrize("answer, words", [
    (lambda G, a: G * sigmoid(a) * sigmoid(1 - a), ["sigma(1 - a)", "Sabinasz"]),
    (lambda G, a: G * a * (1 - a), ["not the input a"]),
    (lambda G, a: sigmoid(a) * (1 - sigmoid(a)), ["multiplies it by G"]),
    (lambda G, a: -G * sigmoid(a) * (1 - sigmoid(a)), ["flipped sign"]),
])
def test_sigmoid_rule_names_each_mistake(answer, words):
    named(ex.check_sigmoid_rule(answer), *words)


def test_sigmoid_rule_other_wrong_answers():
    assert ex.check_sigmoid_rule(lambda G, a: 0.25 * G).kind == WRONG
    summed = ex.check_sigmoid_rule(lambda G, a: (G * sigmoid(a) * (1 - sigmoid(a))).sum(axis=0))
    assert summed.kind == WRONG and "shape" in summed.message


# --- Exercise 4: the rules of Y = X @ W.T + b ------------------------------------------------------------

def test_linear_rule_stub_and_solution():
    assert ex.check_linear_rule(stub).kind == NOT_ATTEMPTED
    result = ex.check_linear_rule(solution("linear_rule", "linear_backward"))
    assert result.kind == CORRECT and "finite differences" in result.message, result.message


@pytest.mark.parametrize("answer, words", [
    (lambda G, X, W, b: (G @ W, G.T @ X, G), ["broadcast axis"]),
    (lambda G, X, W, b: (G @ W, G.T @ X, G.mean(axis=0)), ["a mean where the sum belongs"]),
    (lambda G, X, W, b: (G @ W, G.T @ X, G.sum(axis=1)), ["wrong axis"]),
    (lambda G, X, W, b: (G @ W, X.T @ G, G.sum(axis=0)), ["transpose of dW"]),
    (lambda G, X, W, b: (G @ W, G @ X, G.sum(axis=0)), ["missing transpose"]),
    (lambda G, X, W, b: (G @ W.T, G.T @ X, G.sum(axis=0)), ["W.T where W belongs"]),
])
def test_linear_rule_names_each_mistake(answer, words):
    named(ex.check_linear_rule(answer), *words)


def test_linear_rule_other_wrong_answers():
    assert ex.check_linear_rule(lambda G, X, W, b: (G @ W, G.T @ X)).kind == WRONG
    assert ex.check_linear_rule(lambda G, X, W, b: (G @ W, 2 * G.T @ X, G.sum(axis=0))).kind == WRONG
