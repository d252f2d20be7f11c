"""Checks for notebook 02's exercises: a chain with one sigmoid neuron per layer.

    z_l = w_l a_{l-1} + b_l,   a_l = sigma(z_l),   a_0 = x,   yhat = a_n,   E = 1/2 (yhat - y)^2

Each check calls the learner's function on fixed inputs (the point of the notebook's section 2
and a few seeded random points), compares with the right answer and with what the common
mistakes give, and confirms a right answer against central finite differences as well.

    check_dE_dw1(dE_dw1)                       # Exercise 1: one partial derivative by the chain rule
    check_chain_deltas(chain_deltas)           # Exercise 2: the delta recursion, any depth
    check_tanh_gradients(tanh_chain_gradients) # Exercise 3: all six gradients of a tanh chain
    check_delta3_cross_entropy(delta3_cross_entropy)  # Exercise 4: delta_3 for cross-entropy
"""
import numpy as np

from ..activations import sigmoid
from ..gradcheck import numerical_gradient, relative_error
from . import CORRECT, WRONG, Result, attempt, compare

# The starting point of the notebook's section 2: theta = [w1, b1, w2, b2, w3, b3], one input, its target.
THETA = np.array([2.0, -1.0, -3.0, 1.5, 2.5, -1.0])
X, Y = 0.8, 0.3


def _points(seed, n=4, y_low=0.1, y_high=0.9):
    """The notebook's point and n seeded random ones: a list of (theta, x, y)."""
    rng = np.random.default_rng(seed)
    points = [(THETA.copy(), X, Y)]
    for _ in range(n):
        points.append((rng.normal(0.0, 1.0, 6), float(rng.uniform(0.2, 1.0)), float(rng.uniform(y_low, y_high))))
    return points


def _confirmed(result, extra):
    """A correct result with a sentence added (e.g. the finite-difference check)."""
    if result.kind != CORRECT:
        return result
    return Result(CORRECT, f"{result.message} {extra}")


def _chain_loss(theta, x, y, f=sigmoid):
    a = x
    for w, b in zip(theta[0::2], theta[1::2]):
        a = f(w * a + b)
    return 0.5 * (a - y) ** 2


# --- Exercise 1: dE/dw1 by the chain rule ------------------------------------------
def _dE_dw1_variants(theta, x, y):
    """The right dE/dw1 and what each common mistake gives, at one point."""
    w1, b1, w2, b2, w3, b3 = theta
    z1 = w1 * x + b1
    a1 = sigmoid(z1)
    z2 = w2 * a1 + b2
    a2 = sigmoid(z2)
    z3 = w3 * a2 + b3
    a3 = sigmoid(z3)
    d1, d2, d3 = a1 * (1 - a1), a2 * (1 - a2), a3 * (1 - a3)

    def product(dE, s3, s2, s1, x_factor=x):
        return dE * s3 * w3 * s2 * w2 * s1 * x_factor

    right = product(a3 - y, d3, d2, d1)
    variants = {
        "a flipped sign: ∂E/∂ŷ is ŷ − y, not y − ŷ": product(y - a3, d3, d2, d1),
        "σ(z)·σ(1 − z) in place of σ'(z) = σ(z)(1 − σ(z))":
            product(a3 - y, a3 * sigmoid(1 - z3), a2 * sigmoid(1 - z2), a1 * sigmoid(1 - z1)),
        "a·σ(1 − a) in place of σ'(z) = a(1 − a)":
            product(a3 - y, a3 * sigmoid(1 - a3), a2 * sigmoid(1 - a2), a1 * sigmoid(1 - a1)),
        "z(1 − z) in place of σ'(z) = a(1 − a): z where a belongs":
            product(a3 - y, z3 * (1 - z3), z2 * (1 - z2), z1 * (1 - z1)),
        "a missing factor ∂E/∂ŷ = ŷ − y": product(1.0, d3, d2, d1),
        "a missing factor σ'(z3) = ŷ(1 − ŷ)": product(a3 - y, 1.0, d2, d1),
        "a missing factor w3 (∂z3/∂a2)": right / w3,
        "a missing factor σ'(z2) = a2(1 − a2)": product(a3 - y, d3, 1.0, d1),
        "a missing factor w2 (∂z2/∂a1)": right / w2,
        "a missing factor σ'(z1) = a1(1 − a1)": product(a3 - y, d3, d2, 1.0),
        "a missing factor x (∂z1/∂w1 = x)": product(a3 - y, d3, d2, d1, 1.0),
        "a1 in place of x: the input of layer 1 is a0 = x": product(a3 - y, d3, d2, d1, a1),
    }
    return right, variants


def check_dE_dw1(answer):
    """Exercise 1: answer(theta, x, y) -> ∂E/∂w1 for one sample (a number)."""
    exercise, points = "Exercise 1", _points(seed=21)
    found = []
    for theta, x, y in points:
        value, early = attempt(exercise, answer, theta.copy(), x, y)
        if early is not None:
            return early
        found.append(value)
    rights, mistakes = [], {}
    for theta, x, y in points:
        right, variants = _dE_dw1_variants(theta, x, y)
        rights.append(right)
        for name, v in variants.items():
            mistakes.setdefault(name, []).append(v)
    try:
        found = np.asarray(found, dtype=float).reshape(len(points))
    except (TypeError, ValueError):
        return compare(found, rights, exercise, "∂E/∂w1 (a single number per call)")
    result = compare(found, rights, exercise, f"∂E/∂w1 at the {len(points)} checked points", mistakes)
    numeric = [numerical_gradient(lambda: _chain_loss(th, x, y), [th])[0][0]
               for th, x, y in [(p[0].copy(), p[1], p[2]) for p in points]]
    return _confirmed(result, f"Finite differences agree (largest relative error "
                              f"{relative_error(found, np.array(numeric)):.0e}).")


# --- Exercise 2: the delta recursion -------------------------------------------------
def _random_chain(rng, n):
    """Weights {l: w_l}, activations {l: a_l} (a_0 = x) and a target for a chain of n sigmoid neurons."""
    w = {l: float(rng.normal(0.0, 1.5)) for l in range(1, n + 1)}
    b = {l: float(rng.normal(0.0, 0.5)) for l in range(1, n + 1)}
    a = {0: float(rng.uniform(0.2, 1.0))}
    for l in range(1, n + 1):
        a[l] = float(sigmoid(w[l] * a[l - 1] + b[l]))
    return w, b, a, float(rng.uniform(0.1, 0.9))


def _chains():
    rng = np.random.default_rng(22)
    w, b = {1: THETA[0], 2: THETA[2], 3: THETA[4]}, {1: THETA[1], 2: THETA[3], 3: THETA[5]}
    a = {0: X}
    for l in (1, 2, 3):
        a[l] = float(sigmoid(w[l] * a[l - 1] + b[l]))
    return [(w, b, a, Y)] + [_random_chain(rng, n) for n in (5, 4)]


def _deltas(w, a, y, rule):
    """{l: delta_l} with delta_n = (a_n - y) sigma'(z_n) and delta_l = rule(delta, l)."""
    n = len(w)
    delta = {n: (a[n] - y) * a[n] * (1 - a[n])}
    for l in range(n - 1, 0, -1):
        delta[l] = rule(delta, l)
    return delta


DELTA_RULES = {
    "right": lambda w, a, n: lambda d, l: d[l + 1] * w[l + 1] * a[l] * (1 - a[l]),
    "w_l in place of w_{l+1}: δ_l = δ_{l+1} w_{l+1} σ'(z_l) uses the weight of the layer after l":
        lambda w, a, n: lambda d, l: d[l + 1] * w[l] * a[l] * (1 - a[l]),
    "σ' at the wrong layer: σ'(z_{l+1}) in place of σ'(z_l)":
        lambda w, a, n: lambda d, l: d[l + 1] * w[l + 1] * a[l + 1] * (1 - a[l + 1]),
    "a missing σ'(z_l) = a_l(1 − a_l)": lambda w, a, n: lambda d, l: d[l + 1] * w[l + 1],
    "a missing weight w_{l+1}": lambda w, a, n: lambda d, l: d[l + 1] * a[l] * (1 - a[l]),
    "δ_n in place of δ_{l+1}: each δ is built from the one just after it, not from the output's":
        lambda w, a, n: lambda d, l: d[n] * w[l + 1] * a[l] * (1 - a[l]),
    "σ(1 − a_l) in place of σ'(z_l) = a_l(1 − a_l)":
        lambda w, a, n: lambda d, l: d[l + 1] * w[l + 1] * a[l] * sigmoid(1 - a[l]),
}


def _as_list(delta, n):
    """The learner's {l: delta_l} as [delta_1, ..., delta_n], or None if it is not such a dict."""
    if isinstance(delta, dict) and sorted(delta) == list(range(1, n + 1)):
        return [delta[l] for l in range(1, n + 1)]
    return None


def check_chain_deltas(answer):
    """Exercise 2: answer(w, a, y) -> {l: δ_l for l = 1..n}, with w = {l: w_l}, a = {l: a_l} (a_0 = x)."""
    exercise, chains = "Exercise 2", _chains()
    found, expected, mistakes = [], [], {}
    for w, b, a, y in chains:
        n = len(w)
        value, early = attempt(exercise, answer, dict(w), dict(a), y)
        if early is not None:
            return early
        listed = _as_list(value, n)
        if listed is None:
            keys = sorted(value) if isinstance(value, dict) else type(value).__name__
            return Result(
                WRONG, f"{exercise}: not yet. For a chain of {n} layers, return a dict {{l: δ_l}} with the keys "
                         f"1 to {n}; found {keys}.")
        found += listed
        for name, rule in DELTA_RULES.items():
            deltas = _deltas(w, a, y, rule(w, a, n))
            (expected if name == "right" else mistakes.setdefault(name, [])).extend(
                deltas[l] for l in range(1, n + 1))
    sizes = "+".join(str(len(c[0])) for c in chains)
    result = compare(found, expected, exercise, f"δ_1 ... δ_n of {len(chains)} chains ({sizes} layers)", mistakes)
    # Confirm by finite differences: delta_l = dE/dz_l = dE/db_l.
    numeric = []
    for w, b, a, y in chains:
        n = len(w)
        bias = np.array([b[l] for l in range(1, n + 1)], dtype=float)

        def loss():
            act = a[0]
            for l in range(1, n + 1):
                act = sigmoid(w[l] * act + bias[l - 1])
            return 0.5 * (act - y) ** 2
        numeric += list(numerical_gradient(loss, [bias])[0])
    return _confirmed(result, f"Each δ_l equals ∂E/∂b_l by finite differences (largest relative error "
                              f"{relative_error(np.asarray(found, dtype=float), np.array(numeric)):.0e}).")


# --- Exercise 3: the six gradients of a tanh chain -----------------------------------
def _tanh_variants(theta, x, y):
    """The six right gradients of the tanh chain, and what each common mistake gives."""
    w1, b1, w2, b2, w3, b3 = theta
    z1 = w1 * x + b1
    a1 = np.tanh(z1)
    z2 = w2 * a1 + b2
    a2 = np.tanh(z2)
    z3 = w3 * a2 + b3
    a3 = np.tanh(z3)

    def grads(slopes, sign=1.0, inputs=(x, a1, a2)):
        s1, s2, s3 = slopes
        d3 = sign * (a3 - y) * s3
        d2 = d3 * w3 * s2
        d1 = d2 * w2 * s1
        return np.array([d1 * inputs[0], d1, d2 * inputs[1], d2, d3 * inputs[2], d3])

    right_slopes = (1 - a1 ** 2, 1 - a2 ** 2, 1 - a3 ** 2)
    right = grads(right_slopes)
    variants = {
        "the sigmoid's derivative a(1 − a) in place of tanh'(z) = 1 − a²":
            grads((a1 * (1 - a1), a2 * (1 - a2), a3 * (1 - a3))),
        "1 − a in place of tanh'(z) = 1 − a² (a missing square)": grads((1 - a1, 1 - a2, 1 - a3)),
        "1 − z² in place of tanh'(z) = 1 − a²: z where a belongs": grads((1 - z1 ** 2, 1 - z2 ** 2, 1 - z3 ** 2)),
        "a flipped sign: ∂E/∂ŷ is ŷ − y, not y − ŷ": grads(right_slopes, sign=-1.0),
        "δ_l a_l in place of δ_l a_(l−1): ∂z_l/∂w_l is the layer's input": grads(right_slopes, inputs=(a1, a2, a3)),
        "the gradients in the order w3, b3, w2, b2, w1, b1 (expected w1, b1, w2, b2, w3, b3)":
            right[[4, 5, 2, 3, 0, 1]],
        "the biases' gradients before the weights' (expected w1, b1, w2, b2, w3, b3)": right[[1, 0, 3, 2, 5, 4]],
    }
    return right, variants


def check_tanh_gradients(answer):
    """Exercise 3: answer(theta, x, y) -> the six gradients [w1, b1, w2, b2, w3, b3] of a tanh chain."""
    exercise, points = "Exercise 3", _points(seed=28, y_low=-0.9, y_high=0.9)
    found = []
    for theta, x, y in points:
        value, early = attempt(exercise, answer, theta.copy(), x, y)
        if early is not None:
            return early
        try:
            value = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            return compare(value, np.zeros(6), exercise, "your gradients")
        if value.shape != (6,):
            return compare(value, np.zeros(6), exercise, "the six gradients of one sample")
        found.append(value)
    rights, mistakes = [], {}
    for theta, x, y in points:
        right, variants = _tanh_variants(theta, x, y)
        rights.append(right)
        for name, v in variants.items():
            mistakes.setdefault(name, []).append(v)
    found = np.array(found)
    result = compare(found, np.array(rights), exercise,
                     f"[∂E/∂w1, ∂E/∂b1, ..., ∂E/∂b3] at the {len(points)} checked points", mistakes)
    numeric = np.array([numerical_gradient(lambda: _chain_loss(th, x, y, np.tanh), [th])[0]
                        for th, x, y in [(p[0].copy(), p[1], p[2]) for p in points]])
    return _confirmed(result, f"Finite differences agree (largest relative error "
                              f"{relative_error(found, numeric):.0e}).")


# --- Exercise 4: delta_3 for cross-entropy --------------------------------------------
YHAT_CE = np.array([0.4953, 0.9, 0.1, 0.999, 0.01, 0.6])
Y_CE = np.array([0.3, 1.0, 1.0, 0.0, 0.0, 1.0])


def _binary_cross_entropy_of_z(z, y):
    return -(y * np.log(sigmoid(z)) + (1 - y) * np.log(1 - sigmoid(z)))


def check_delta3_cross_entropy(answer):
    """Exercise 4: answer(yhat, y) -> δ3 = ∂E/∂z3 for E = −[y log ŷ + (1 − y) log(1 − ŷ)], ŷ = σ(z3)."""
    exercise = "Exercise 4"
    value, early = attempt(exercise, answer, YHAT_CE.copy(), Y_CE.copy())
    if early is not None:
        return early
    yhat, y = YHAT_CE, Y_CE
    expected = yhat - y
    mistakes = {
        "a flipped sign: y − ŷ": y - yhat,
        "the mean squared error's δ3 = (ŷ − y) ŷ(1 − ŷ): for cross-entropy σ'(z3) cancels against ∂E/∂ŷ":
            (yhat - y) * yhat * (1 - yhat),
        "∂E/∂ŷ = (ŷ − y) / (ŷ(1 − ŷ)) alone: the factor σ'(z3) = ŷ(1 − ŷ) is missing":
            (yhat - y) / (yhat * (1 - yhat)),
        "∂E/∂ŷ with the sign flipped and σ'(z3) missing": (y - yhat) / (yhat * (1 - yhat)),
    }
    result = compare(value, expected, exercise, f"δ3 for the {len(yhat)} checked (ŷ, y) pairs", mistakes)
    z = np.log(yhat / (1 - yhat))                     # the z3 with σ(z3) = ŷ
    eps = 1e-6
    numeric = (_binary_cross_entropy_of_z(z + eps, y) - _binary_cross_entropy_of_z(z - eps, y)) / (2 * eps)
    return _confirmed(result, f"Finite differences of E with respect to z3 agree (largest relative error "
                              f"{relative_error(expected, numeric):.0e}).")
