"""Checks for the exercises of notebook 01 (the primer).

    from helpers.exercises import primer
    primer.check_mse_gradient(mse_gradient)        # Exercise 1: dE/dYhat of the mean squared error
    primer.check_gradient_step(gradient_step)      # Exercise 2: one gradient-descent update by hand
    primer.check_stable_limit(stable_limit)        # Exercise 3: the largest stable learning rate of a bowl

Each check runs the learner's function on its own fixed inputs (made here, seeded), so the result does
not depend on anything else in the notebook, and names the usual mistakes when it sees one.
"""
import numpy as np

from . import CORRECT, WRONG, Result, attempt, compare
from .. import data, losses
from ..gradcheck import numerical_gradient, relative_error


# --- Exercise 1: the gradient of mean squared error ------------------------------------------
def mse_inputs():
    """The fixed predictions and targets of Exercise 1: N = 4 samples, M = 3 outputs."""
    rng = np.random.default_rng(1)
    return rng.normal(size=(4, 3)), rng.normal(size=(4, 3))


def check_mse_gradient(mse_gradient):
    """Exercise 1: mse_gradient(Yhat, Y) must return dE/dYhat = (Yhat - Y) / (N M), shape (N, M)."""
    exercise = "Exercise 1"
    Yhat, Y = mse_inputs()
    value, early = attempt(exercise, mse_gradient, Yhat.copy(), Y.copy())
    if early is not None:
        return early
    N, M = Y.shape
    diff = Yhat - Y
    expected = diff / (N * M)
    mistakes = {
        "a flipped sign: it is (Yhat - Y), prediction minus target, not (Y - Yhat)": -expected,
        "twice the answer: the ½ in ½(ŷ - y)² cancels the 2 of the derivative": 2 * expected,
        "a sum where a mean belongs (a missing 1/(N M)): E is a mean over all N·M entries": diff,
        "a missing 1/N: you divided by the number of outputs M only; E is a mean over the N samples too": diff / M,
        "a missing 1/M: you divided by the number of samples N only; E is a mean over the M outputs too": diff / N,
        "the wrong axis: a mean over the samples (axis 0) collapses the rows, but the gradient has one entry "
        "per entry of Yhat, shape (N, M)": diff.mean(axis=0),
        "the wrong axis: a mean over the outputs (axis 1) collapses the columns, but the gradient has one "
        "entry per entry of Yhat, shape (N, M)": diff.mean(axis=1),
        "the mean of the residuals, one number: the gradient has one entry per entry of Yhat, shape (N, M)":
            diff.mean(),
    }
    result = compare(value, expected, exercise, "dE/dYhat", mistakes)
    if result.kind != CORRECT:
        return result
    Yhat_var = Yhat.copy()
    numeric = numerical_gradient(lambda: losses.mse(Yhat_var, Y), [Yhat_var])[0]
    return Result(CORRECT, f"{result.message} Finite differences agree: relative error "
                           f"{relative_error(np.asarray(value, dtype=float), numeric):.1e}.")


# --- Exercise 2: one gradient-descent update step ----------------------------------------------
def step_inputs():
    """The fixed linear model of Exercise 2: W (1, 2), b (1,), 64 samples of y = 2 x1 - 3 x2 + 1 + noise."""
    X, Y = data.linear_regression_2d(n=64, noise=0.1, seed=0)
    return np.array([[0.5, 0.5]]), np.array([0.0]), X, Y, 0.1


def _linear_loss_and_gradients(W, b, X, Y):
    dZ = (X @ W.T + b - Y) / Y.size
    return losses.mse(X @ W.T + b, Y), dZ.T @ X, dZ.sum(axis=0)


def check_gradient_step(gradient_step):
    """Exercise 2: gradient_step(W, b, X, Y, lr) returns (W_new, b_new) after one step of gradient descent."""
    exercise = "Exercise 2"
    W, b, X, Y, lr = step_inputs()
    W_in, b_in = W.copy(), b.copy()
    value, early = attempt(exercise, gradient_step, W_in, b_in, X, Y, lr)
    if early is not None:
        return early
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        return Result(WRONG, f"{exercise}: not yet. Return the pair (W_new, b_new), found "
                               f"{type(value).__name__}{'' if not hasattr(value, '__len__') else f' of length {len(value)}'}.")
    W_new, b_new = (np.asarray(v, dtype=float) for v in value)
    for name, found, shape in (("W_new", W_new, W.shape), ("b_new", b_new, b.shape)):
        if found.shape != shape:
            return Result(WRONG, f"{exercise}: not yet. {name} has shape {found.shape}, expected {shape} "
                                   f"(the shape of the parameter it updates).")
    E, gW, gb = _linear_loss_and_gradients(W, b, X, Y)

    def both(W_, b_):
        return np.concatenate([np.ravel(W_), np.ravel(b_)])

    mistakes = {
        "a step up the error (+ instead of −): the update is W − η ∇W E, against the gradient": both(W + lr * gW, b + lr * gb),
        "a step without the learning rate: the gradient is multiplied by η before it is subtracted": both(W - gW, b - gb),
        "a step with the loss E instead of its gradient: subtract η times ∇E, one entry per parameter, "
        "not η times the number E": both(W - lr * E, b - lr * E),
        "b left unchanged: the bias takes a step too, b − η ∇b E": both(W - lr * gW, b),
    }
    result = compare(both(W_new, b_new), both(W - lr * gW, b - lr * gb), exercise,
                     "W_new, b_new", mistakes)
    if result.kind != CORRECT:
        return result
    changed = not (np.array_equal(W_in, W) and np.array_equal(b_in, b))
    E_new = losses.mse(X @ W_new.T + b_new, Y)
    note = (" One thing to fix: your function also changed the W and b passed to it (an in-place update); "
            "return new arrays and leave the inputs alone." if changed else "")
    return Result(CORRECT, f"{result.message} The loss fell from {E:.4f} to {E_new:.4f}.{note}")


# --- Exercise 3: the largest stable learning rate of a quadratic bowl ---------------------------
def limit_inputs():
    """The two fixed Hessians of Exercise 3: a 2x2 and a 3x3, symmetric with positive eigenvalues."""
    H1 = np.array([[5.0, 2.0], [2.0, 2.0]])
    Q = np.linalg.qr(np.random.default_rng(3).normal(size=(3, 3)))[0]
    H2 = Q @ np.diag([0.5, 2.0, 8.0]) @ Q.T
    return [H1, (H2 + H2.T) / 2]


def _descent_distance(H, lr, steps=2000):
    w = np.ones(len(H))
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            w = w - lr * H @ w
    return float(np.linalg.norm(w))


def check_stable_limit(stable_limit):
    """Exercise 3: stable_limit(H) returns the largest η for which gradient descent on ½ wᵀ H w converges."""
    exercise = "Exercise 3"
    Hs = limit_inputs()
    found = []
    for H in Hs:
        value, early = attempt(exercise, stable_limit, H.copy())
        if early is not None:
            return early
        value = np.asarray(value)
        if np.iscomplexobj(value):
            value = value.real
        if value.size != 1:
            return Result(WRONG, f"{exercise}: not yet. stable_limit(H) should return one number, found an "
                                   f"array of shape {value.shape} (for H of shape {H.shape}).")
        found.append(float(value.reshape(())))
    eig = [np.linalg.eigvalsh(H) for H in Hs]
    expected = np.array([2 / e.max() for e in eig])
    mistakes = {
        "1/λ_max: that rate lands on the minimum in one step along the steepest direction, but up to twice it "
        "still converges (the steps overshoot and shrink)": np.array([1 / e.max() for e in eig]),
        "2/λ_min: the flattest direction sets how slow descent is; the steepest one, λ_max, sets the limit":
            np.array([2 / e.min() for e in eig]),
        "2/trace(H): the trace is the sum of all eigenvalues, not the largest one":
            np.array([2 / np.trace(H) for H in Hs]),
        "2/(largest diagonal entry): the diagonal of H is the curvature along each axis, but the steepest "
        "direction is an eigenvector, not an axis; use the largest eigenvalue": np.array([2 / H.diagonal().max() for H in Hs]),
        "2/(largest entry of H): use the largest eigenvalue of H": np.array([2 / H.max() for H in Hs]),
        "λ_max/2 instead of 2/λ_max": np.array([e.max() / 2 for e in eig]),
    }
    result = compare(np.array(found), expected, exercise, "stable_limit(H)", mistakes,
                     rtol=1e-6)
    if result.kind != CORRECT:
        return result
    H = Hs[0]
    below, above = _descent_distance(H, 0.99 * expected[0]), _descent_distance(H, 1.01 * expected[0])
    return Result(CORRECT, f"{exercise}: correct. For H = [[5, 2], [2, 2]] the limit is 2/λ_max = {expected[0]:.4f}; "
                           f"2000 steps from w = (1, 1) at 0.99 times it end at |w| = {below:.1e}, at 1.01 times "
                           f"it at |w| = {above:.1e}.")
