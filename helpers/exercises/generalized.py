"""Checks for notebook 04's exercises.

    check_backward_loop(my_gradients)   Exercise 1: the backward pass of an L-layer network
    check_weight_init(my_init)          Exercise 2: an initial weight scale that keeps the variance
    check_sigmoid_rule(sigmoid_backward) Exercise 3: the gradient rule of the sigmoid operation
    check_linear_rule(linear_backward)  Exercise 4: the gradient rules of Y = X @ W.T + b

Every check draws its own inputs from a fixed random seed, so it gives the same verdict wherever
it runs. Each recognises the usual mistakes of its exercise and names them; the reference
answers are written here in plain NumPy, independent of helpers.Network and helpers.graph.
"""
import numpy as np

from ..gradcheck import numerical_gradient
from . import CORRECT, MISTAKE, WRONG, Result, attempt, compare


def _sigmoid(Z):
    e = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1 / (1 + e), e / (1 + e))


def _relative_error(a, b):
    a, b = np.ravel(a), np.ravel(b)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-12)))


# --- Exercise 1: the backward loop --------------------------------------------------------------
# The network of the exercise: tanh hidden layers, sigmoid outputs, E = 1/(N M) sum 1/2 (A_L - Y)^2.

def _forward(weights, biases, X):
    Zs, As = [], [X]
    for l, (W, b) in enumerate(zip(weights, biases)):
        Z = As[-1] @ W.T + b
        Zs.append(Z)
        As.append(_sigmoid(Z) if l == len(weights) - 1 else np.tanh(Z))
    return Zs, As


def _derivative(l, L, A):
    """f_l'(Z_l) written with A_l = f_l(Z_l): sigmoid for the output layer l = L - 1, tanh below (0-based l)."""
    return A * (1 - A) if l == L - 1 else 1 - A ** 2


def _mse(weights, biases, X, Y):
    A = _forward(weights, biases, X)[1][-1]
    return float(0.5 * np.mean((A - Y) ** 2))


def backward_variant(weights, biases, X, Y, transpose=False, wrong_layer=False, divide="NM", sign=1,
                     delta_first=False, reverse=False):
    """The backward pass, correct with the defaults; each argument makes one known mistake.

    transpose    delta_{l-1} = (delta_l W_l^T) * f'   instead of  (delta_l W_l) * f'
    wrong_layer  delta_{l-1} = (delta_l W_l) * f_l'(Z_l), the derivative of the layer above
    divide       'NM' (right: the loss is a mean over N samples and M outputs), 'N' or 'none'
    sign         -1: dE/dA_L = (Y - A_L) / (N M)
    delta_first  delta_{l-1} computed before dW_l, db_l, which then use it
    reverse      the list in backward order [dW_L, db_L, ..., dW_1, db_1]
    """
    Zs, As = _forward(weights, biases, X)
    L = len(weights)
    N, M = Y.shape
    scale = {"NM": N * M, "N": N, "none": 1}[divide]
    dZ = sign * (As[-1] - Y) / scale * _derivative(L - 1, L, As[-1])
    grads = []
    for l in range(L - 1, -1, -1):  # 0-based: layer l + 1 of the maths
        W = weights[l]
        new = None
        if l > 0:
            back = dZ @ (W.T if transpose else W)
            new = back * (_derivative(l, L, As[l + 1]) if wrong_layer else _derivative(l - 1, L, As[l]))
        used = new if (delta_first and new is not None) else dZ
        grads = [used.T @ As[l], used.sum(axis=0)] + grads
        if new is not None:
            dZ = new
    if reverse:  # [dW_L, db_L, ..., dW_1, db_1]
        grads = [g for l in range(L - 1, -1, -1) for g in grads[2 * l:2 * l + 2]]
    return grads


def _backward_case(sizes, seed, n=6):
    rng = np.random.default_rng(seed)
    weights = [rng.normal(0, 1 / np.sqrt(a), size=(b, a)) for a, b in zip(sizes[:-1], sizes[1:])]
    biases = [rng.normal(0, 0.5, size=b) for b in sizes[1:]]
    X = rng.normal(size=(n, sizes[0]))
    Y = rng.uniform(0.1, 0.9, size=(n, sizes[-1]))
    return weights, biases, X, Y


BACKWARD_MISTAKES = {
    "W_l.T in the recursion: delta_{l-1} = (delta_l W_l) * f'(Z_{l-1}), no transpose "
    "(W_l is (n_l, n_{l-1}), delta_l is (N, n_l))": dict(transpose=True),
    "the derivative of the wrong layer: the recursion multiplies by f'(Z_{l-1}) of the layer it arrives at, "
    "not f'(Z_l)": dict(wrong_layer=True),
    "a sum where a mean belongs (a missing 1/(N M)): the loss is a mean over N samples and M outputs, "
    "so dE/dA_L = (A_L - Y) / (N M)": dict(divide="none"),
    "dividing by N only: the loss is a mean over all N M entries, so dE/dA_L = (A_L - Y) / (N M)": dict(divide="N"),
    "a flipped sign: dE/dA_L = (A_L - Y) / (N M), not (Y - A_L) / (N M)": dict(sign=-1),
    "the wrong order inside the loop: delta_{l-1} was computed before dW_l and db_l, which must use delta_l":
        dict(delta_first=True),
    "the gradients in backward order: return [dW_1, db_1, ..., dW_L, db_L], first layer first "
    "(the loop runs from L down to 1: insert at the front, or reverse the list)": dict(reverse=True),
}


def _flat(arrays):
    return np.concatenate([np.ravel(a) for a in arrays])


def _gradient_list(exercise, value, expected):
    """None if value is a list of arrays shaped like expected, else a Result saying what is off."""
    try:
        arrays = [np.asarray(g, dtype=float) for g in value]
    except (TypeError, ValueError):
        return Result(WRONG, f"{exercise}: not yet. Return a list of arrays [dW_1, db_1, ..., dW_L, db_L], "
                             f"found {type(value).__name__}.")
    if len(arrays) != len(expected):
        return Result(WRONG, f"{exercise}: not yet. Expected {len(expected)} arrays (dW and db for each of the "
                             f"{len(expected) // 2} layers), found {len(arrays)}.")
    for k, (g, e) in enumerate(zip(arrays, expected)):
        if g.shape != e.shape:
            name = f"{'dW' if k % 2 == 0 else 'db'}_{k // 2 + 1}"
            extra = " It is the transpose: dW_l = delta_l^T A_{l-1}." if g.shape == e.shape[::-1] else ""
            if k % 2 == 1 and g.ndim == 2:
                extra = " db_l sums delta_l over the batch (axis 0)."
            return Result(WRONG, f"{exercise}: not yet. {name} has shape {g.shape}, expected {e.shape}.{extra}")
    return None


def check_backward_loop(my_gradients):
    """Exercise 1: my_gradients(weights, biases, X, Y) -> [dW_1, db_1, ..., dW_L, db_L].

    Run first on a network whose layers are all 4 wide (so that every known mistake gives arrays
    of the right shapes, and is recognised by its values), then on [3, 5, 4, 2], then against
    finite differences.
    """
    exercise = "Exercise 1"
    for sizes, seed in (([4, 4, 4, 4], 1), ([3, 5, 4, 2], 2)):
        weights, biases, X, Y = _backward_case(sizes, seed)
        expected = backward_variant(weights, biases, X, Y)
        value, early = attempt(exercise, my_gradients, [W.copy() for W in weights], [b.copy() for b in biases],
                               X.copy(), Y.copy())
        if early is not None:
            return early
        problem = _gradient_list(exercise, value, expected)
        if problem is not None:
            return problem
        mistakes = {}
        for name, kw in BACKWARD_MISTAKES.items():
            try:  # on [3, 5, 4, 2] some mistakes cannot even be computed (the shapes do not fit)
                mistakes[name] = _flat(backward_variant(weights, biases, X, Y, **kw))
            except ValueError:
                pass
        result = compare(_flat(value), _flat(expected), exercise, "your list of gradients",
                         mistakes=mistakes, rtol=1e-6, atol=1e-12)
        if result.kind == MISTAKE:
            return result
        if not result.passed:  # say which array is off, and how
            for k, (g, e) in enumerate(zip(value, expected)):
                name = f"{'dW' if k % 2 == 0 else 'db'}_{k // 2 + 1}"
                g = np.asarray(g, dtype=float)
                if g.ndim == 2 and np.allclose(g.T, e, rtol=1e-6, atol=1e-12):
                    return Result(WRONG, f"{exercise}: not yet. {name} is the transpose of the expected one: "
                                         f"dW_l = delta_l^T A_{{l-1}}, shape (n_l, n_{{l-1}}) like W_l.")
                found = compare(g, e, exercise, f"{name} (of {sizes})", rtol=1e-6, atol=1e-12)
                if not found.passed:
                    return found
            return result
    numeric = numerical_gradient(lambda: _mse(weights, biases, X, Y), weights + biases)
    numeric = [g for pair in zip(numeric[:len(weights)], numeric[len(weights):]) for g in pair]
    error = _relative_error(_flat(value), _flat(numeric))
    return Result(CORRECT, f"{exercise}: correct. On [4, 4, 4, 4] and [3, 5, 4, 2] your gradients equal the "
                           f"reference (dW_1[0, 0] = {float(expected[0][0, 0]):.6g}), and on [3, 5, 4, 2] they "
                           f"agree with central finite differences to a relative error of {error:.1e}.")


# --- Exercise 2: the initial weight scale ----------------------------------------------------------
WIDE = [2, 1000, 1000, 2]


def wide_case(seed=0, n=128):
    """Two Gaussian blobs (n, 2) and one-hot targets, for the wide sigmoid network."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = np.array([[-1.0, -1.0], [1.0, 1.0]])[y] + 0.6 * rng.standard_normal((n, 2))
    return X, np.eye(2)[y]


def measure_init(weights, biases, X, Y):
    """Sigmoid everywhere, MSE: per layer (mean z, fraction of saturated units, mean |dE/dW|)."""
    Zs, As = [], [X]
    for W, b in zip(weights, biases):
        Zs.append(As[-1] @ W.T + b)
        As.append(_sigmoid(Zs[-1]))
    dZ = (As[-1] - Y) / Y.size * As[-1] * (1 - As[-1])
    grads = [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        grads[l] = float(np.mean(np.abs(dZ.T @ As[l])))
        if l > 0:
            dZ = (dZ @ weights[l]) * As[l] * (1 - As[l])
    saturated = [float(np.mean(np.abs(A - 0.5) > 0.49)) for A in As[1:]]
    return [float(np.mean(Z)) for Z in Zs], saturated, grads


def lecun_init(n_out, n_in, rng):
    return rng.normal(0.0, 1 / np.sqrt(n_in), size=(n_out, n_in)), np.zeros(n_out)


def check_weight_init(my_init):
    """Exercise 2: my_init(n_out, n_in, rng) -> (W, b) for each layer of the sigmoid network [2, 1000, 1000, 2].

    Accepted: zero-mean weights whose variance is about 1/fan_in (LeCun) or 2/(fan_in + fan_out)
    (Xavier), up to a factor of 4 either way, with no saturated hidden units and a first-layer
    gradient no more than 3 times below LeCun's (under 3 % saturated). Named mistakes: not zero-mean, the standard
    deviation 1/fan_in (the variance squared), too small, too large, all weights equal.
    """
    exercise = "Exercise 2"
    if my_init is Ellipsis or my_init is None:
        return attempt(exercise, my_init)[1]
    rng = np.random.default_rng(7)
    weights, biases = [], []
    for n_in, n_out in zip(WIDE[:-1], WIDE[1:]):
        value, early = attempt(exercise, my_init, n_out, n_in, rng)
        if early is not None:
            return early
        try:
            W, b = value
            W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
        except (TypeError, ValueError):
            return Result(WRONG, f"{exercise}: not yet. Return a pair (W, b), found {type(value).__name__}.")
        if W.shape != (n_out, n_in) or b.shape != (n_out,):
            return Result(WRONG, f"{exercise}: not yet. For a layer with {n_in} inputs and {n_out} units expected "
                                 f"W of shape {(n_out, n_in)} and b of shape {(n_out,)}, found {W.shape} and {b.shape}.")
        if not (np.all(np.isfinite(W)) and np.all(np.isfinite(b))):
            return Result(WRONG, f"{exercise}: not yet. The weights contain inf or NaN.")
        weights.append(W)
        biases.append(b)
    X, Y = wide_case()
    means, saturated, grads = measure_init(weights, biases, X, Y)
    reference = measure_init(*zip(*[lecun_init(n_out, n_in, np.random.default_rng(7))
                                    for n_in, n_out in zip(WIDE[:-1], WIDE[1:])]), X, Y)[2]
    found = (f"measured on two blobs: mean z of layer 2 = {means[1]:.2f}, saturated units {saturated[0]:.0%} and "
             f"{saturated[1]:.0%} in the hidden layers, first-layer mean |dE/dW| = {grads[0]:.1e} "
             f"(N(0, 1/fan_in) gives {reference[0]:.1e})")
    W2 = weights[1]
    if float(np.std(W2)) <= 1e-9 * (abs(float(np.mean(W2))) + 1e-12):
        return Result(MISTAKE, f"{exercise}: not yet. All weights of a layer are equal: every unit of the layer "
                               f"computes the same thing and gets the same gradient, forever. Draw them at random.",
                      mistake="all weights equal")
    if abs(float(np.mean(W2))) > 0.2 * float(np.std(W2)):
        return Result(MISTAKE, f"{exercise}: not yet. The weights are not zero-mean (layer 2: mean "
                               f"{float(np.mean(W2)):.3g}, standard deviation {float(np.std(W2)):.3g}). The mean of "
                               f"z = sum of 1000 terms w a then grows like the fan-in, and scaling cannot undo "
                               f"that: draw weights centred on 0. ({found})", mistake="not zero-mean")
    for l, (W, n_in, n_out) in enumerate(zip(weights, WIDE[:-1], WIDE[1:])):
        var = float(np.var(W))
        lecun, xavier = var * n_in, var * (n_in + n_out) / 2
        if n_in > 100 and 0.7 < float(np.std(W)) * n_in < 1.4:
            return Result(MISTAKE, f"{exercise}: not yet. Layer {l + 1}'s weights have the standard deviation "
                                   f"1/fan_in = {1 / n_in:.3g}: 1/fan_in is the variance, so the standard deviation "
                                   f"is 1/sqrt(fan_in) = {1 / np.sqrt(n_in):.3g}. Too small by sqrt(fan_in): the "
                                   f"gradients vanish. ({found})", mistake="1/fan_in as the standard deviation")
        if max(lecun, xavier) < 0.25:
            return Result(MISTAKE, f"{exercise}: not yet. Too small: layer {l + 1} has Var(w) x fan_in = "
                                   f"{lecun:.2g} (it should be about 1, so that Var(z) stays about Var(a)). Nothing "
                                   f"saturates, but the signal shrinks at every layer and so do the gradients: they "
                                   f"vanish. ({found})", mistake="too small")
        if min(lecun, xavier) > 4:
            return Result(MISTAKE, f"{exercise}: not yet. Too large: layer {l + 1} has Var(w) x fan_in = "
                                   f"{lecun:.3g} (it should be about 1). Var(z) grows with the number of inputs and "
                                   f"the sigmoid units saturate. Scale the weights by 1/sqrt(fan_in). ({found})",
                          mistake="too large")
    if max(saturated[:2]) >= 0.03:
        return Result(WRONG, f"{exercise}: not yet. The weights look zero-mean and about the right size, but too "
                             f"many hidden units saturate ({found}): are the biases large?")
    if grads[0] < reference[0] / 3:
        return Result(WRONG, f"{exercise}: not yet. The weights look zero-mean and about the right size, but the "
                             f"first-layer gradient is small ({found}).")
    return Result(CORRECT, f"{exercise}: correct. Zero-mean weights with Var(w) x fan_in = "
                           f"{float(np.var(weights[1])) * WIDE[1]:.2f} in layer 2; {found}.")


# --- Exercise 3: the sigmoid operation's gradient rule ------------------------------------------------

def check_sigmoid_rule(sigmoid_backward):
    """Exercise 3: sigmoid_backward(G, a) -> dL/da for Y = sigmoid(a), given G = dL/dY."""
    exercise = "Exercise 3"
    rng = np.random.default_rng(3)
    a = rng.normal(0, 1.5, size=(4, 3))
    G = rng.normal(size=(4, 3))
    value, early = attempt(exercise, sigmoid_backward, G.copy(), a.copy())
    if early is not None:
        return early
    s = _sigmoid(a)
    expected = G * s * (1 - s)
    mistakes = {
        "G sigma(a) sigma(1 - a), the form Daniel Sabinasz's text prints: the derivative of the sigmoid is "
        "sigma(a) (1 - sigma(a)); sigma(1 - a) is a different number": G * s * _sigmoid(1 - a),
        "a (1 - a): the formula sigma (1 - sigma) needs the output sigma(a), not the input a": G * a * (1 - a),
        "the sigmoid's derivative alone: the chain rule multiplies it by G, the gradient that arrives":
            s * (1 - s),
        "a flipped sign": -expected,
        "G sigma(a): the factor (1 - sigma(a)) is missing": G * s,
    }
    result = compare(value, expected, exercise, "dL/da", mistakes=mistakes)
    if not result.passed:
        return result
    R = rng.normal(size=(4, 3))  # a check against finite differences of L = sum(R * sigmoid(a))
    numeric = numerical_gradient(lambda: float(np.sum(R * _sigmoid(a))), [a])[0]
    again, _ = attempt(exercise, sigmoid_backward, R.copy(), a.copy())
    error = _relative_error(again, numeric)
    return Result(CORRECT, f"{result.message} It agrees with finite differences (relative error {error:.1e}).")


# --- Exercise 4: the rules of a dense layer's graph, Y = X @ W.T + b -------------------------------------

def check_linear_rule(linear_backward):
    """Exercise 4: linear_backward(G, X, W, b) -> (dX, dW, db) for Y = X @ W.T + b, given G = dL/dY.

    Run first with square X and W (N = n_in = n_out = 3, so a missing transpose keeps the shape and
    is recognised by its values), then with X (5, 3), W (2, 3), b (2,).
    """
    exercise = "Exercise 4"
    names = ("dX", "dW", "db")
    for (N, n_in, n_out), seed in (((3, 3, 3), 4), ((5, 3, 2), 5)):
        rng = np.random.default_rng(seed)
        X, W, b = rng.normal(size=(N, n_in)), rng.normal(size=(n_out, n_in)), rng.normal(size=n_out)
        G = rng.normal(size=(N, n_out))
        value, early = attempt(exercise, linear_backward, G.copy(), X.copy(), W.copy(), b.copy())
        if early is not None:
            return early
        try:
            dX, dW, db = value
        except (TypeError, ValueError):
            return Result(WRONG, f"{exercise}: not yet. Return three arrays (dX, dW, db), found "
                                 f"{type(value).__name__}.")
        expected = (G @ W, G.T @ X, G.sum(axis=0))
        db_found = np.asarray(db, dtype=float)
        if db_found.shape == G.shape and np.allclose(db_found, G):
            return Result(MISTAKE, f"{exercise}: not yet. db has shape {G.shape}, the shape of G: b was broadcast "
                                   f"to every row of Y, so its gradient is G summed over the broadcast axis, "
                                   f"G.sum(axis=0), shape {(n_out,)}.", mistake="no sum over the broadcast axis")
        square = N == n_in == n_out
        mistakes = {
            "dX": {"W.T where W belongs: Y = X @ W.T, so dX = G @ (W.T).T = G @ W": G @ W.T if square else None,
                   "the factors in the wrong order: dX = G @ W, not W @ G": W @ G if square else None},
            "dW": {"the transpose of dW: dW has W's shape (n_out, n_in), so dW = G.T @ X": X.T @ G,
                   "a missing transpose: dW = G.T @ X, not G @ X": G @ X if square else None},
            "db": {"a mean where the sum belongs: G already holds the 1/N of a mean loss, so db = G.sum(axis=0)":
                   G.mean(axis=0),
                   "a sum over the wrong axis: b is copied into every row, so sum over axis 0":
                   G.sum(axis=1) if N == n_out else None},
        }
        if N != n_out and db_found.shape == (N,) and np.allclose(db_found, G.sum(axis=1)):
            return Result(MISTAKE, f"{exercise}: not yet. db summed G over the wrong axis (axis 1, the units): "
                                   f"b was copied into every row, so sum over the rows, axis 0.",
                          mistake="the wrong axis")
        for name, found, want in zip(names, (dX, dW, db), expected):
            known = {k: v for k, v in mistakes[name].items() if v is not None}
            result = compare(found, want, exercise, name, mistakes=known)
            if not result.passed:
                return result
    numeric = numerical_gradient(lambda: float(np.sum(G * (X @ W.T + b))), [X, W, b])
    error = _relative_error(_flat(value), _flat(numeric))
    return Result(CORRECT, f"{exercise}: correct. dX, dW and db match on square and rectangular shapes "
                           f"(dW[0, 0] = {float(expected[1][0, 0]):.6g}) and agree with finite differences "
                           f"(relative error {error:.1e}).")
