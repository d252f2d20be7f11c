"""Checks for the exercises of notebook 03 (many neurons per layer).

Each check builds its own small [2, 3, 3, 2] sigmoid network and batch (seeded, float64), runs the
learner's function on it and says: not attempted yet, a named mistake, not yet (expected vs found),
or correct (with the number checked, and finite differences agreeing).

    check_weight_gradient(weight_gradient)    Exercise 1: dE/dW_l = delta_l^T A_{l-1}
    check_batch_gradients(batch_gradients)    Exercise 2: the batch gradient is a mean over axis 0
    check_delta_recursion(delta_before)       Exercise 3: delta_{l-1} = (delta_l W_l) * sigma'(Z_{l-1})
"""
import numpy as np

from ..activations import sigmoid
from ..gradcheck import numerical_gradient, relative_error
from . import CORRECT, WRONG, Result, attempt, compare

SIZES = [2, 3, 3, 2]
L = len(SIZES) - 1
N = 5  # samples in the check's batch: different from every layer width, so a wrong product shows in its shape


def _problem(seed=3):
    """A seeded [2, 3, 3, 2] network and batch: W, b, X, Y (dicts of float64 arrays keyed by layer)."""
    rng = np.random.default_rng(seed)
    W = {l: rng.standard_normal((SIZES[l], SIZES[l - 1])) for l in range(1, L + 1)}
    b = {l: 0.5 * rng.standard_normal(SIZES[l]) for l in range(1, L + 1)}
    X = rng.standard_normal((N, SIZES[0]))
    Y = 0.1 + 0.8 * rng.random((N, SIZES[L]))
    return W, b, X, Y


def _forward(X, W, b):
    A, Z = {0: X}, {}
    for l in range(1, L + 1):
        Z[l] = A[l - 1] @ W[l].T + b[l]
        A[l] = sigmoid(Z[l])
    return Z, A


def _loss(X, Y, W, b):
    """E = 1/(N M) sum 1/2 (Yhat - Y)^2, the mean squared error of the notebook."""
    return float(np.sum(0.5 * (_forward(X, W, b)[1][L] - Y) ** 2) / Y.size)


def _deltas(Z, A, W, Y):
    """delta_l = dE/dZ_l for every layer (with the 1/(N M) of the mean loss)."""
    delta = {L: (A[L] - Y) / Y.size * A[L] * (1 - A[L])}
    for l in range(L, 1, -1):
        delta[l - 1] = (delta[l] @ W[l]) * A[l - 1] * (1 - A[l - 1])
    return delta


def _copies(d):
    return {k: np.array(v, copy=True) for k, v in d.items()}


def _shape_hint(result, shapes):
    """A crash in a product usually means a transpose is missing or misplaced: say so, with the shapes."""
    if result.kind == WRONG and ("matmul" in result.message or "broadcast" in result.message
                                 or "shapes" in result.message or "aligned" in result.message):
        return Result(WRONG, f"{result.message.rstrip(' .')}. The shapes in a product do not fit: {shapes}. "
                             f"Write the shape under each factor: is one transposed, missing a transpose, "
                             f"or from the wrong layer?")
    return result


def _possible(mistakes):
    """Keep the mistakes whose computation fits these shapes (a misplaced transpose may not even run)."""
    kept = {}
    for name, make in mistakes.items():
        try:
            kept[name] = make()
        except ValueError:
            pass
    return kept


def _agreement(error):
    return "below 1e-7" if error < 1e-7 else f"{error:.1e}"


# --- Exercise 1 -----------------------------------------------------------------------------
def check_weight_gradient(answer):
    """Exercise 1: answer(l, delta, A) should return dE/dW_l = delta[l].T @ A[l - 1], for l = 3, 2, 1."""
    exercise = "Exercise 1"
    W, b, X, Y = _problem()
    Z, A = _forward(X, W, b)
    delta = _deltas(Z, A, W, Y)
    found = {}
    for l in range(L, 0, -1):
        value, early = attempt(exercise, answer, l, _copies(delta), _copies(A))
        if early is not None:  # (a Result is falsy unless it passed)
            return _shape_hint(early, f"delta[{l}] is {delta[l].shape}, A[{l - 1}] is {A[l - 1].shape}, "
                                      f"dE/dW_{l} must be {W[l].shape} like W[{l}]")
        expected = delta[l].T @ A[l - 1]
        mistakes = {
            f"the transposed product A[{l - 1}].T @ delta[{l}]: dE/dW_{l} has the shape of W_{l}, "
            f"(units of layer {l}, units of layer {l - 1}), so the transposed delta comes first":
                A[l - 1].T @ delta[l],
            f"the wrong layer's activations: A[{l}] where A[{l - 1}] belongs (the input of layer {l} "
            f"is the activation of layer {l - 1})": delta[l].T @ A[l],
            f"the wrong layer's activations, transposed: A[{l}].T @ delta[{l}]": A[l].T @ delta[l],
            f"a mean taken twice: delta[{l}] already carries the 1/(N M) of the mean loss, "
            f"so its sum over the samples is already the mean": expected / N,
            f"the first sample's outer product only: delta[{l}].T @ A[{l - 1}] sums over every sample":
                delta[l][:1].T @ A[l - 1][:1],
        }
        result = compare(value, expected, exercise, f"dE/dW_{l}", mistakes)
        if not result.passed:
            return result
        found[l] = np.asarray(value, dtype=float)
    numeric = numerical_gradient(lambda: _loss(X, Y, W, b), [W[l] for l in range(1, L + 1)])
    error = max(relative_error(found[l], numeric[l - 1]) for l in range(1, L + 1))
    return Result(CORRECT, f"{exercise}: correct. dE/dW_1[0, 0] = {found[1][0, 0]:.6g}, and all three layers' "
                           f"gradients have the right shapes and values. Finite differences agree: "
                           f"relative error {_agreement(error)}.")


# --- Exercise 2 -----------------------------------------------------------------------------
def check_batch_gradients(answer):
    """Exercise 2: answer(G, A_prev) should return (dW, db) of the mean loss, from the per-sample error
    terms G (N, n) (row i: dE_i/dZ for sample i's own loss E_i) and the layer's inputs A_prev (N, n_in):
    dW = G.T @ A_prev / N and db = G.mean(axis=0), of shapes (n, n_in) and (n,)."""
    exercise = "Exercise 2"
    W, b, X, Y = _problem()
    Z, A = _forward(X, W, b)
    G = (A[L] - Y) / SIZES[L] * A[L] * (1 - A[L])  # per-sample error terms of the output layer: N * delta_L
    A_prev = A[L - 1]
    value, early = attempt(exercise, answer, G.copy(), A_prev.copy())
    if early is not None:
        return _shape_hint(early, f"G is {G.shape}, A_prev is {A_prev.shape}, dW must be {W[L].shape} "
                                  f"and db {b[L].shape}")
    if not (isinstance(value, (tuple, list)) and len(value) == 2):
        return Result(WRONG, f"{exercise}: not yet. Return two arrays, `return dW, db`; found "
                             f"{type(value).__name__}{f' of length {len(value)}' if hasattr(value, '__len__') else ''}.")
    dW, db = value
    expected_dW, expected_db = G.T @ A_prev / N, G.mean(axis=0)
    result = compare(dW, expected_dW, exercise, "dW", {
        "a sum where a mean belongs (a missing 1/N): the loss is the mean of the N samples' losses, "
        "so its gradient is the mean of theirs": G.T @ A_prev,
        "the transposed product A_prev.T @ G: dW has the shape of W, (n, n_in)": A_prev.T @ G / N,
        "the transposed product A_prev.T @ G, and a sum where a mean belongs (a missing 1/N)": A_prev.T @ G,
        "the product of the means, G.mean(0) times A_prev.mean(0): the mean of the products is what "
        "the mean loss needs": np.outer(G.mean(axis=0), A_prev.mean(axis=0)),
    })
    if not result.passed:
        return result
    mean = G.mean(axis=0)
    result = compare(db, expected_db, exercise, "db", {
        "a sum where a mean belongs (a missing 1/N): db is the mean of the rows of G": G.sum(axis=0),
        "the mean over the wrong axis: axis=1 averages each sample's units; the samples are axis 0": G.mean(axis=1),
        "a sum over the wrong axis, and without the 1/N: the samples are axis 0": G.sum(axis=1),
        "the mean of every entry (no axis): one number where b needs one per unit": G.mean(),
        f"a column of shape {mean[:, None].shape} where b has shape {mean.shape}: b - lr * db would "
        f"broadcast to a {mean.shape[0]} x {mean.shape[0]} array without any error": mean[:, None],
        f"a row of shape {mean[None, :].shape} (keepdims=True) where b has shape {mean.shape}: b - lr * db "
        f"would silently turn b into a 2-D array": mean[None, :],
    })
    if not result.passed:
        return result
    # the mean loss of this one layer, as a function of its W and b: its finite differences
    W_out, b_out = W[L].copy(), b[L].copy()

    def mean_loss():
        return float(np.sum(0.5 * (sigmoid(A_prev @ W_out.T + b_out) - Y) ** 2) / Y.size)

    numeric = numerical_gradient(mean_loss, [W_out, b_out])
    error = max(relative_error(expected_dW, numeric[0]), relative_error(expected_db, numeric[1]))
    return Result(CORRECT, f"{exercise}: correct. dW[0, 0] = {expected_dW[0, 0]:.6g} and db[0] = "
                           f"{expected_db[0]:.6g}, with the shapes of W {W[L].shape} and b {b[L].shape}. "
                           f"Finite differences of the mean loss agree with them: relative error "
                           f"{_agreement(error)}.")


# --- Exercise 3 -----------------------------------------------------------------------------
def check_delta_recursion(answer):
    """Exercise 3: answer(l, delta, W, Z, A) should return delta_{l-1} = (delta[l] @ W[l]) * sigma'(Z[l - 1]),
    with sigma'(z) = a (1 - a) for the sigmoid; checked for l = 2 (a square W_2) and l = 3."""
    exercise = "Exercise 3"
    W, b, X, Y = _problem()
    Z, A = _forward(X, W, b)
    delta = _deltas(Z, A, W, Y)
    mine = {L: delta[L]}
    for l in (2, 3):
        given = {l: delta[l].copy()}  # only delta_l is known when delta_{l-1} is computed
        value, early = attempt(exercise, answer, l, given, _copies(W), _copies(Z), _copies(A))
        if early is not None:  # (a Result is falsy unless it passed)
            return _shape_hint(early, f"delta[{l}] is {delta[l].shape}, W[{l}] is {W[l].shape}, "
                                      f"delta_{l - 1} must be {delta[l - 1].shape} like Z[{l - 1}]")
        back = delta[l] @ W[l]
        da = A[l - 1] * (1 - A[l - 1])
        mistakes = _possible({
            f"W[{l}].T where W[{l}] belongs: delta_{l} (N, n_{l}) times W_{l} (n_{l}, n_{l - 1}) already "
            f"gives (N, n_{l - 1})": lambda: (delta[l] @ W[l].T) * da,
            f"the derivative at the wrong layer: sigma'(Z[{l}]) where sigma'(Z[{l - 1}]) belongs":
                lambda: back * A[l] * (1 - A[l]),
            f"the derivative of layer {l} applied a second time: delta[{l}] already contains sigma'(Z[{l}]), "
            f"and sigma'(Z[{l - 1}]) is missing": lambda: (delta[l] * A[l] * (1 - A[l])) @ W[l],
            "sigma(1 - a) in place of sigma'(z) = sigma(z)(1 - sigma(z)) = a (1 - a)":
                lambda: back * sigmoid(1 - A[l - 1]),
            "sigma(a)(1 - sigma(a)): the sigmoid applied twice (a is already sigma(z); "
            "the derivative is a (1 - a))": lambda: back * sigmoid(A[l - 1]) * (1 - sigmoid(A[l - 1])),
            f"a forgotten derivative: delta[{l}] @ W[{l}] still needs the elementwise factor "
            f"sigma'(Z[{l - 1}]) = a (1 - a)": lambda: back,
            "1 - a**2, the derivative of tanh: these units are sigmoids, sigma'(z) = a (1 - a)":
                lambda: back * (1 - A[l - 1] ** 2),
            f"the derivative with Z and A mixed up: Z[{l - 1}] (1 - Z[{l - 1}]) where a (1 - a) belongs":
                lambda: back * Z[l - 1] * (1 - Z[l - 1]),
        })
        result = compare(value, delta[l - 1], exercise, f"delta_{l - 1}", mistakes)
        if not result.passed:
            return result
        mine[l - 1] = np.asarray(value, dtype=float)
    # the gradients built from the learner's error terms, against finite differences
    numeric = numerical_gradient(lambda: _loss(X, Y, W, b), [W[l] for l in range(1, L + 1)])
    error = max(relative_error(mine[l].T @ A[l - 1], numeric[l - 1]) for l in range(1, L + 1))
    return Result(CORRECT, f"{exercise}: correct. delta_1[0, 0] = {mine[1][0, 0]:.6g}; the weight gradients "
                           f"built from your error terms, delta_l^T A_(l-1), and finite differences agree: relative error "
                           f"{_agreement(error)}.")
