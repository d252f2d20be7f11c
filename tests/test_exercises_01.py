"""Notebook 01's exercises: each check says "not attempted" to the stub, passes the solution in
notebooks/solutions/, and names the usual mistakes (never passing them)."""
import pathlib
import runpy

import numpy as np
import pytest

from helpers.exercises import CORRECT, MISTAKE, NOT_ATTEMPTED, WRONG, primer

SOLUTIONS = pathlib.Path(__file__).resolve().parents[1] / "notebooks" / "solutions"


def solution(name):
    return runpy.run_path(str(SOLUTIONS / f"01_{name}.py"))[name]


def stub(*args):
    # TODO: your code here
    raise NotImplementedError


CHECKS = {"mse_gradient": primer.check_mse_gradient, "gradient_step": primer.check_gradient_step,
          "stable_limit": primer.check_stable_limit}


@pytest.mark.parametrize("name", CHECKS)
def test_the_stub_is_not_attempted_and_the_solution_passes(name):
    assert CHECKS[name](stub).kind == NOT_ATTEMPTED
    assert CHECKS[name](...).kind == NOT_ATTEMPTED
    result = CHECKS[name](solution(name))
    assert result.kind == CORRECT and result.passed, result.message


def mistake_of(result):
    assert result.kind == MISTAKE and not result.passed, result.message
    return result.mistake


def test_mse_gradient_names_each_usual_mistake():
    check = primer.check_mse_gradient
    assert mistake_of(check(lambda Yhat, Y: (Y - Yhat) / Y.size)).startswith("a flipped sign")
    assert mistake_of(check(lambda Yhat, Y: (Yhat - Y) * 2 / Y.size)).startswith("twice the answer")
    assert mistake_of(check(lambda Yhat, Y: Yhat - Y)).startswith("a sum where a mean belongs")
    assert mistake_of(check(lambda Yhat, Y: (Yhat - Y) / Y.shape[1])).startswith("a missing 1/N")
    assert mistake_of(check(lambda Yhat, Y: (Yhat - Y) / len(Y))).startswith("a missing 1/M")
    assert "axis 0" in mistake_of(check(lambda Yhat, Y: np.mean(Yhat - Y, axis=0)))
    assert "axis 1" in mistake_of(check(lambda Yhat, Y: np.mean(Yhat - Y, axis=1)))


def test_mse_gradient_confirms_with_finite_differences_and_reports_other_answers():
    assert "Finite differences agree" in primer.check_mse_gradient(solution("mse_gradient")).message
    other = primer.check_mse_gradient(lambda Yhat, Y: (Yhat - Y) / Y.size + 0.01)
    assert other.kind == WRONG and "expected" in other.message and "found" in other.message
    crash = primer.check_mse_gradient(lambda Yhat, Y: Yhat @ Y)  # (4, 3) @ (4, 3): a shape error
    assert crash.kind == WRONG and "ValueError" in crash.message


def linear_step(W, b, X, Y, lr, sign=-1.0, use_lr=True, use_loss=False, move_b=True):
    Yhat = X @ W.T + b
    dZ = (Yhat - Y) / Y.size
    gW, gb = dZ.T @ X, dZ.sum(axis=0)
    if use_loss:
        gW = gb = 0.5 * np.mean((Yhat - Y) ** 2)
    eta = lr if use_lr else 1.0
    return W + sign * eta * gW, (b + sign * eta * gb) if move_b else b.copy()


def test_gradient_step_names_each_usual_mistake():
    check = primer.check_gradient_step
    assert mistake_of(check(lambda *a: linear_step(*a, sign=+1.0))).startswith("a step up the error")
    assert mistake_of(check(lambda *a: linear_step(*a, use_lr=False))).startswith("a step without the learning rate")
    assert mistake_of(check(lambda *a: linear_step(*a, use_loss=True))).startswith("a step with the loss E")
    assert mistake_of(check(lambda *a: linear_step(*a, move_b=False))).startswith("b left unchanged")


def test_gradient_step_checks_what_comes_back():
    check = primer.check_gradient_step
    assert check(lambda W, b, X, Y, lr: W).kind == WRONG  # one array, not the pair
    column_bias = check(lambda W, b, X, Y, lr: (W, b.reshape(1, 1)))
    assert column_bias.kind == WRONG and "b_new has shape (1, 1)" in column_bias.message

    def in_place(W, b, X, Y, lr):
        W_new, b_new = linear_step(W, b, X, Y, lr)
        W[...], b[...] = W_new, b_new
        return W, b

    result = check(in_place)
    assert result.passed and "in-place" in result.message
    assert "in-place" not in check(solution("gradient_step")).message


def test_stable_limit_names_each_usual_mistake():
    check = primer.check_stable_limit
    assert mistake_of(check(lambda H: 1 / np.linalg.eigvalsh(H).max())).startswith("1/λ_max")
    assert mistake_of(check(lambda H: 2 / np.linalg.eigvalsh(H).min())).startswith("2/λ_min")
    assert mistake_of(check(lambda H: 2 / np.trace(H))).startswith("2/trace")
    assert mistake_of(check(lambda H: 2 / np.max(np.diag(H)))).startswith("2/(largest diagonal entry)")


def test_stable_limit_accepts_any_correct_eigenvalue_routine_and_rejects_arrays():
    check = primer.check_stable_limit
    assert check(lambda H: 2 / np.max(np.linalg.eigvals(H))).passed
    assert check(lambda H: 2 / np.linalg.norm(H, 2)).passed  # the spectral norm is λ_max for these matrices
    assert check(lambda H: 2 / np.linalg.eigvalsh(H)).kind == WRONG
    assert check(lambda H: 1 / 3).kind == WRONG  # right for the first matrix only: a hard-coded number fails
