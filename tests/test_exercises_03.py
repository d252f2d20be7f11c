"""Notebook 03's exercises: each check says "not attempted" to the stub, passes the solution file,
and names each common wrong answer (never passing it)."""
import runpy
from pathlib import Path

import numpy as np
import pytest

from helpers import sigmoid
from helpers.exercises import CORRECT, MISTAKE, NOT_ATTEMPTED, WRONG
from helpers.exercises.multi_neuron import check_batch_gradients, check_delta_recursion, check_weight_gradient

SOLUTIONS = Path(__file__).resolve().parent.parent / "notebooks" / "solutions"


def solution(file, name):
    return runpy.run_path(str(SOLUTIONS / file))[name]


def stub(*args):
    raise NotImplementedError


def dsig(a):
    return a * (1 - a)


CHECKS = [
    (check_weight_gradient, "03_weight_gradient.py", "weight_gradient"),
    (check_batch_gradients, "03_batch_gradients.py", "batch_gradients"),
    (check_delta_recursion, "03_delta_recursion.py", "delta_before"),
]


@pytest.mark.parametrize("check, file, name", CHECKS)
def test_the_stub_is_not_attempted_and_the_solution_is_correct(check, file, name):
    assert check(stub).kind == NOT_ATTEMPTED
    assert check(lambda *args: ...).kind == NOT_ATTEMPTED
    result = check(solution(file, name))
    assert result.kind == CORRECT and result.passed, result.message
    assert "finite differences" in result.message.lower() and "agree" in result.message


def test_the_solutions_are_self_contained_and_the_notebook_tells_how_to_load_them():
    notebook = (SOLUTIONS.parent / "03_multi_neuron.ipynb").read_text(encoding="utf-8")
    for _, file, name in CHECKS:
        assert f"%load solutions/{file}" in notebook
        assert callable(runpy.run_path(str(SOLUTIONS / file), run_name="not_main")[name])


# Exercise 1: dE/dW_l = delta_l^T A_{l-1}
@pytest.mark.parametrize("answer, named", [
    (lambda l, d, A: A[l - 1].T @ d[l], "transposed product"),
    (lambda l, d, A: d[l].T @ A[l], "wrong layer's activations"),
    (lambda l, d, A: A[l].T @ d[l], "wrong layer's activations, transposed"),
    (lambda l, d, A: d[l].T @ A[l - 1] / len(A[0]), "mean taken twice"),
    (lambda l, d, A: d[l][:1].T @ A[l - 1][:1], "first sample"),
])
def test_weight_gradient_names_each_common_mistake(answer, named):
    result = check_weight_gradient(answer)
    assert result.kind == MISTAKE and not result.passed and named in result.mistake, result.message


def test_weight_gradient_says_the_shapes_when_a_product_does_not_fit_and_what_differs_otherwise():
    missing_transpose = check_weight_gradient(lambda l, d, A: d[l] @ A[l - 1])
    assert missing_transpose.kind == WRONG and "(5, 2)" in missing_transpose.message \
        and "must be (2, 3)" in missing_transpose.message
    doubled = check_weight_gradient(lambda l, d, A: 2 * d[l].T @ A[l - 1])
    assert doubled.kind == WRONG and "expected" in doubled.message and "found" in doubled.message


def test_weight_gradient_checks_every_layer_not_only_the_last():
    right = solution("03_weight_gradient.py", "weight_gradient")
    wrong_in_layer_1 = check_weight_gradient(lambda l, d, A: right(l, d, A) if l > 1 else d[l].T @ A[l])
    assert wrong_in_layer_1.kind == MISTAKE and "dE/dW_1" in wrong_in_layer_1.message


# Exercise 2: the batch gradient is a mean over the samples (axis 0)
def mean_dW(G, A):
    return G.T @ A / len(G)


@pytest.mark.parametrize("answer, named", [
    (lambda G, A: (G.T @ A, G.mean(axis=0)), "sum where a mean belongs"),
    (lambda G, A: (mean_dW(G, A), G.sum(axis=0)), "sum where a mean belongs"),
    (lambda G, A: (mean_dW(G, A), G.mean(axis=1)), "wrong axis"),
    (lambda G, A: (mean_dW(G, A), G.sum(axis=1)), "wrong axis"),
    (lambda G, A: (mean_dW(G, A), G.mean()), "every entry"),
    (lambda G, A: (mean_dW(G, A), G.mean(axis=0)[:, None]), "column of shape (2, 1)"),
    (lambda G, A: (mean_dW(G, A), G.mean(axis=0, keepdims=True)), "keepdims"),
    (lambda G, A: (A.T @ G / len(G), G.mean(axis=0)), "transposed product"),
    (lambda G, A: (np.outer(G.mean(0), A.mean(0)), G.mean(axis=0)), "product of the means"),
])
def test_batch_gradients_names_each_common_mistake(answer, named):
    result = check_batch_gradients(answer)
    assert result.kind == MISTAKE and not result.passed and named in result.mistake, result.message


def test_batch_gradients_wants_two_arrays():
    result = check_batch_gradients(lambda G, A: G.T @ A / len(G))
    assert result.kind == WRONG and "return dW, db" in result.message


# Exercise 3: delta_{l-1} = (delta_l W_l) * sigma'(Z_{l-1})
@pytest.mark.parametrize("answer, named", [
    (lambda l, d, W, Z, A: (d[l] @ W[l].T) * dsig(A[l - 1]), "W[2].T where W[2] belongs"),
    (lambda l, d, W, Z, A: (d[l] @ W[l]) * dsig(A[l]), "wrong layer"),
    (lambda l, d, W, Z, A: (d[l] * dsig(A[l])) @ W[l], "applied a second time"),
    (lambda l, d, W, Z, A: (d[l] @ W[l]) * sigmoid(1 - A[l - 1]), "sigma(1 - a)"),
    (lambda l, d, W, Z, A: (d[l] @ W[l]) * dsig(sigmoid(A[l - 1])), "sigmoid applied twice"),
    (lambda l, d, W, Z, A: d[l] @ W[l], "forgotten derivative"),
    (lambda l, d, W, Z, A: (d[l] @ W[l]) * (1 - A[l - 1] ** 2), "tanh"),
    (lambda l, d, W, Z, A: (d[l] @ W[l]) * dsig(Z[l - 1]), "Z and A mixed up"),
])
def test_delta_recursion_names_each_common_mistake(answer, named):
    result = check_delta_recursion(answer)
    assert result.kind == MISTAKE and not result.passed and named in result.mistake, result.message


def test_delta_recursion_accepts_the_derivative_written_with_z_and_checks_layer_3_too():
    with_z = check_delta_recursion(lambda l, d, W, Z, A: (d[l] @ W[l]) * dsig(sigmoid(Z[l - 1])))
    assert with_z.kind == CORRECT
    right = solution("03_delta_recursion.py", "delta_before")
    wrong_at_3 = check_delta_recursion(lambda l, d, W, Z, A: right(l, d, W, Z, A) * (2 if l == 3 else 1))
    assert wrong_at_3.kind == WRONG and "delta_2" in wrong_at_3.message
    crash = check_delta_recursion(lambda l, d, W, Z, A: (d[l] @ W[l - 1]) * dsig(A[l - 1]))
    assert crash.kind == WRONG and "must be (5, 3)" in crash.message


def test_a_learner_function_that_changes_its_inputs_does_not_change_the_check():
    def vandal(l, d, A):
        for a in A.values():
            a[...] = 0
        return d[l].T @ A[l - 1]
    assert check_weight_gradient(vandal).kind != CORRECT
    assert check_weight_gradient(solution("03_weight_gradient.py", "weight_gradient")).kind == CORRECT
