"""Tests for helpers/graph.py: every operation's gradient against central finite
differences (float64, CS231n relative error < 1e-7), broadcasting, shared nodes, the
weight-penalty graph (a node with consumers at different depths), deep chains, cycles,
idempotent gradients, the optimizer, and bad input."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import graph as G
from helpers.gradcheck import numerical_gradient, relative_error

TOL = 1e-7


def check_gradients(build, *arrays, positive=False, seed=0):
    """Build y = build(*variables), take loss = sum(y * R) with a fixed random R (so every
    output entry gets its own weight), and compare the engine's gradient of every variable
    with finite differences. Returns the relative error."""
    rng = np.random.default_rng(seed)
    g = G.Graph()
    vs = [g.variable(f"v{i}", a) for i, a in enumerate(arrays)]
    y = build(*vs)
    R = rng.normal(size=np.shape(G.run(y)))
    loss = G.reduce_sum(y * R)
    analytic = G.gradients(loss, vs)
    numeric = numerical_gradient(lambda: float(G.run(loss)), [v.value for v in vs])
    for v, a in zip(vs, analytic):
        assert a.shape == v.value.shape
    return relative_error(analytic, numeric)


def rand(shape, seed=1, low=None):
    rng = np.random.default_rng(seed)
    if low is not None:
        return rng.uniform(low, low + 1.5, size=shape)
    return rng.normal(size=shape)


# --- every operation, against finite differences -------------------------------------

UNARY = {
    "negative": (G.negative, {}),
    "sigmoid": (G.sigmoid, {}),
    "log": (G.log, {"low": 0.5}),
    "softmax": (G.softmax, {}),
    "transpose": (G.transpose, {}),
    "reduce_sum": (G.reduce_sum, {}),
    "mean": (G.mean, {}),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_op_gradient(name):
    op, kw = UNARY[name]
    assert check_gradients(op, rand((4, 3), **kw)) < TOL


BROADCAST_SHAPES = [((4, 3), (4, 3)), ((4, 3), (3,)), ((3,), (4, 3)), ((4, 3), (4, 1)),
                    ((4, 1), (1, 3)), ((4, 3), ()), ((), (4, 3)), ((), ()), ((2, 4, 3), (4, 1))]


@pytest.mark.parametrize("op", [G.add, G.multiply], ids=["add", "multiply"])
@pytest.mark.parametrize("sa,sb", BROADCAST_SHAPES)
def test_binary_op_gradient_with_broadcasting(op, sa, sb):
    assert check_gradients(op, rand(sa, 1), rand(sb, 2)) < TOL


def test_matmul_gradient():
    assert check_gradients(G.matmul, rand((4, 3), 1), rand((3, 2), 2)) < TOL


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 1), (0, 2), 2])
@pytest.mark.parametrize("reduce", [G.reduce_sum, G.mean], ids=["reduce_sum", "mean"])
def test_reductions_over_each_axis(reduce, axis):
    assert check_gradients(lambda x: reduce(x, axis=axis), rand((2, 4, 3))) < TOL


@pytest.mark.parametrize("shape", [(5,), (4, 3), (2, 3, 4)])
def test_softmax_gradient_along_last_axis(shape):
    assert check_gradients(G.softmax, rand(shape)) < TOL


@pytest.mark.parametrize("build", [lambda a: a - 1.0, lambda a: a - np.arange(3.0), lambda a: 1.0 - a,
                                   lambda a: np.arange(3.0) - a, lambda a: a - a * 2.0],
                         ids=["node - number", "node - array", "number - node", "array - node", "node - node"])
def test_subtraction_with_numbers_and_arrays(build):
    """node - 1.0 and node - array raised 'negative needs at least one graph node'."""
    a0 = rand((4, 3), 1)
    g = G.Graph()
    a = g.variable("a", a0)
    np.testing.assert_allclose(G.run(build(a)), build(a0))
    assert check_gradients(build, a0) < TOL


def test_subtraction_and_operators_match_numpy():
    g = G.Graph()
    a, b = g.variable("a", rand((4, 3), 1)), g.variable("b", rand((3,), 2))
    y = 2.0 - a * b + a @ np.ones((3, 1)) - b  # numbers and arrays become constants
    av, bv = a.value, b.value
    np.testing.assert_allclose(G.run(y), 2.0 - av * bv + av @ np.ones((3, 1)) - bv)
    assert check_gradients(lambda a, b: 2.0 - a * b + (a @ b.T) * a - b, rand((4, 3), 1), rand((1, 3), 2)) < TOL


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_broadcast_gradients_random_shapes(data):
    ndim = data.draw(st.integers(1, 3), label="ndim")
    full = data.draw(st.lists(st.integers(1, 4), min_size=ndim, max_size=ndim), label="full")
    # each operand: drop some leading axes, and squash some of the remaining ones to 1
    shapes = []
    for who in "ab":
        drop = data.draw(st.integers(0, ndim), label=f"drop_{who}")
        squash = data.draw(st.lists(st.booleans(), min_size=ndim - drop, max_size=ndim - drop), label=f"sq_{who}")
        shapes.append(tuple(1 if s else n for n, s in zip(full[drop:], squash)))
    seed = data.draw(st.integers(0, 2**16), label="seed")
    for op in (G.add, G.multiply):
        assert check_gradients(op, rand(shapes[0], seed), rand(shapes[1], seed + 1), seed=seed) < TOL


def test_sum_to_shape_examples():
    Gr = np.arange(12.0).reshape(4, 3)
    np.testing.assert_array_equal(G.sum_to_shape(Gr, (3,)), Gr.sum(axis=0))
    np.testing.assert_array_equal(G.sum_to_shape(Gr, (4, 1)), Gr.sum(axis=1, keepdims=True))
    np.testing.assert_array_equal(G.sum_to_shape(Gr, (1, 3)), Gr.sum(axis=0, keepdims=True))
    assert G.sum_to_shape(Gr, ()) == Gr.sum()
    np.testing.assert_array_equal(G.sum_to_shape(Gr, (4, 3)), Gr)


# --- numerical safety ------------------------------------------------------------------


def test_softmax_sigmoid_log_are_stable_without_warnings():
    g = G.Graph()
    z = g.constant(np.array([[1000.0, 0.0, -1000.0]]))
    p = G.run(G.softmax(z))
    np.testing.assert_allclose(p, [[1.0, 0.0, 0.0]])
    np.testing.assert_allclose(G.run(G.sigmoid(z)), [[1.0, 0.5, 0.0]])
    assert G.run(G.log(g.constant(0.0))) == pytest.approx(math.log(G.Log.EPS))
    # gradient through log(0) is finite too
    x = g.variable("x", np.array([0.0, 1.0]))
    (dx,) = G.gradients(G.reduce_sum(G.log(x)), [x])
    assert np.all(np.isfinite(dx))


def test_float64_by_default_and_float32_on_request():
    g = G.Graph()
    x = g.placeholder("x", (None,))
    assert G.run(x * 2, {x: np.array([1, 2], dtype=np.int64)}).dtype == np.float64
    g32 = G.Graph(dtype="float32")
    w = g32.variable("w", [1.0, 2.0])
    assert G.run(G.sigmoid(w)).dtype == np.float32


# --- graphs: shared nodes, weight penalty, order, off-path consumers ---------------------


def perceptron_graph(seed=0, penalty=0.01, extra_consumer=False):
    rng = np.random.default_rng(seed)
    g = G.Graph()
    X = g.placeholder("X", (None, 2))
    Y = g.placeholder("Y", (None, 2))
    W = g.variable("W", rng.normal(size=(2, 2)))  # (n_out, n_in)
    b = g.variable("b", rng.normal(size=2))
    Z = X @ W.T + b
    p = G.softmax(Z)
    loss = -G.mean(G.reduce_sum(Y * G.log(p), axis=1))
    if penalty:
        loss = loss + penalty * G.reduce_sum(W * W)
    if extra_consumer:
        G.sigmoid(Z)  # e.g. a prediction node nobody differentiates: not on the loss path
    Xd = rng.normal(size=(6, 2))
    Yd = np.eye(2)[[0, 1, 0, 1, 1, 0]]
    return g, X, Y, W, b, loss, {X: Xd, Y: Yd}


def test_node_used_twice():
    # x feeds multiply twice (x*x) and two different consumers (x*x and sigmoid(x))
    assert check_gradients(lambda x: x * x + G.sigmoid(x), rand((4, 3))) < TOL
    g = G.Graph()
    x = g.variable("x", [1.0, -2.0, 3.0])
    (dx,) = G.gradients(G.reduce_sum(x * x), [x])
    np.testing.assert_allclose(dx, 2 * x.value)
    assert x.consumers.count(x.consumers[0]) == 2  # x * x lists the multiply twice


def test_matrix_used_twice_in_one_matmul():
    """A @ A: dL/dA = G @ A.T + A.T @ G, both contributions."""
    A0 = rand((3, 3))
    assert check_gradients(lambda A: A @ A, A0) < TOL
    g = G.Graph()
    A = g.variable("A", A0)
    (dA,) = G.gradients(G.reduce_sum(A @ A), [A])
    ones = np.ones((3, 3))
    np.testing.assert_allclose(dA, ones @ A0.T + A0.T @ ones)


def test_a_chain_of_ten_thousand_nodes_needs_no_recursion():
    g = G.Graph()
    x = g.variable("x", np.array([1.0, 2.0]))
    y = x
    for _ in range(10_000):
        y = -y  # 10,000 operations in one chain, far beyond Python's recursion limit
    loss = G.reduce_sum(y * x)  # y = x after an even number of sign flips: loss = sum(x^2)
    assert len(G.topological_order(loss)) == 10_003
    assert G.run(loss) == pytest.approx(5.0)
    np.testing.assert_allclose(G.gradients(loss, [x])[0], [2.0, 4.0])


def test_a_cycle_is_refused_with_a_clear_error():
    g = G.Graph()
    x = g.variable("x", 1.0)
    a = G.sigmoid(x)
    b = a * 2.0
    a.inputs[0] = b  # rewire by hand: a depends on b, which depends on a
    with pytest.raises(ValueError, match="the graph has a cycle: multiply_0 needs sigmoid_0 needs multiply_0; expected"):
        G.run(b)
    with pytest.raises(ValueError, match="cycle"):
        G.gradients(G.reduce_sum(b), [x])


def test_gradients_are_the_same_when_computed_twice():
    """Nothing accumulates between calls (micrograd's most reported bug), and backward does not change
    the values it was given."""
    g, X, Y, W, b, loss, feed = perceptron_graph()
    first = G.gradients(loss, [W, b], feed)
    second = G.gradients(loss, [W, b], feed)
    for f, s in zip(first, second):
        np.testing.assert_array_equal(f, s)
    values = G.forward(loss, feed)
    before = {node: v.copy() for node, v in values.items()}
    once, twice = G.backward(loss, values), G.backward(loss, values)
    for node in once:
        np.testing.assert_array_equal(once[node], twice[node])
    for node, v in values.items():
        np.testing.assert_array_equal(v, before[node])


def test_weight_penalty_gradient_sums_both_consumers_of_W():
    """W has consumers at different depths (the transpose of the cross-entropy path, W * W of the
    penalty): its gradient is complete only after both. The penalty's share is 0.01 * 2 W."""
    g, X, Y, W, b, loss, feed = perceptron_graph()
    analytic = G.gradients(loss, [W, b], feed)
    numeric = numerical_gradient(lambda: float(G.run(loss, feed)), [W.value, b.value])
    assert relative_error(analytic, numeric) < TOL
    *_, W0, b0, loss0, feed0 = perceptron_graph(penalty=0)
    np.testing.assert_allclose(analytic[0] - G.gradients(loss0, [W0], feed0)[0], 0.02 * W.value)


def test_reverse_topological_order_puts_every_consumer_before_its_input():
    g, X, Y, W, b, loss, feed = perceptron_graph()
    order = G.topological_order(loss)
    position = {node: i for i, node in enumerate(order)}
    assert len(position) == len(order)  # each node once
    for node in order:
        for x in node.inputs:
            assert position[x] < position[node]


def test_consumers_off_the_loss_path_are_ignored():
    *_, W, b, loss, feed = perceptron_graph(penalty=0)
    *_, W2, b2, loss2, feed2 = perceptron_graph(penalty=0, extra_consumer=True)
    dW, db = G.gradients(loss, [W, b], feed)
    dW2, db2 = G.gradients(loss2, [W2, b2], feed2)
    np.testing.assert_allclose(dW, dW2)
    np.testing.assert_allclose(db, db2)


def test_gradient_of_nodes_not_on_the_loss_path_is_zero():
    g, X, Y, W, b, loss, feed = perceptron_graph()
    unused = g.variable("unused", np.ones((2, 2)))
    side = G.sigmoid(unused) + W.T @ W  # a consumer of W that the loss does not use
    d_unused, d_side = G.gradients(loss, [unused, side], feed)
    assert d_unused.shape == (2, 2) and not d_unused.any()
    assert d_side.shape == (2, 2) and not d_side.any()
    # gradient with respect to an intermediate node on the path is fine too
    Z = W.consumers[0]  # W.T, a node on the loss path
    assert G.gradients(loss, [Z], feed)[0].shape == (2, 2)


def test_each_call_uses_its_own_feed_no_stale_values():
    g, X, Y, W, b, loss, feed = perceptron_graph()
    feed_b = {X: 2 * feed[X], Y: feed[Y]}
    dA = G.gradients(loss, [W], feed)[0]
    dB = G.gradients(loss, [W], feed_b)[0]
    assert not np.allclose(dA, dB)
    np.testing.assert_allclose(G.gradients(loss, [W], feed)[0], dA)


def test_graphs_are_independent():
    g1, g2 = G.Graph(), G.Graph()
    a, b = g1.variable("a", 1.0), g2.variable("a", 2.0)
    assert g1.variables == [a] and g2.variables == [b]
    with pytest.raises(ValueError, match="same Graph"):
        a + b


# --- the optimizer -------------------------------------------------------------------


def test_minimize_lowers_the_loss():
    g, X, Y, W, b, loss, feed = perceptron_graph()
    losses = [G.minimize(loss, 0.5, feed) for _ in range(40)]
    assert losses[-1] < 0.6 * losses[0]
    assert all(l2 <= l1 + 1e-12 for l1, l2 in zip(losses, losses[1:]))


def test_minimize_updates_every_variable_by_its_gradient():
    g, X, Y, W, b, loss, feed = perceptron_graph()
    W0, b0 = W.value.copy(), b.value.copy()
    dW, db = G.gradients(loss, [W, b], feed)
    loss0 = float(G.run(loss, feed))
    assert G.minimize(loss, 0.1, feed) == loss0  # returns the loss before the step
    np.testing.assert_allclose(W.value, W0 - 0.1 * dW)
    np.testing.assert_allclose(b.value, b0 - 0.1 * db)


# --- bad input: the right exception, and a message that says what was expected ----------


def test_wrong_shape_is_named():
    g, X, Y, W, b, loss, feed = perceptron_graph()
    with pytest.raises(ValueError, match=r"placeholder 'X' expects shape \(None, 2\).*got \(6, 3\)"):
        G.run(loss, {**feed, X: np.zeros((6, 3))})
    with pytest.raises(ValueError, match=r"placeholder 'X' expects shape \(None, 2\).*got \(2,\)"):
        G.run(loss, {**feed, X: np.zeros(2)})


def test_missing_feed_is_named():
    g, X, Y, W, b, loss, feed = perceptron_graph()
    with pytest.raises(ValueError, match=r"placeholder 'Y' was not fed; expected feed_dict=\{Y: array of shape \(None, 2\)\}"):
        G.run(loss, {X: feed[X]})


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_feed(bad):
    g, X, Y, W, b, loss, feed = perceptron_graph()
    Xd = feed[X].copy()
    Xd[0, 0] = bad
    with pytest.raises(ValueError, match="placeholder 'X' contains 1 NaN or infinite value.*expected only finite"):
        G.gradients(loss, [W], {**feed, X: Xd})


def test_non_numeric_feed_and_bad_keys():
    g, X, Y, W, b, loss, feed = perceptron_graph()
    with pytest.raises(TypeError, match="placeholder 'X' must be an array of numbers"):
        G.run(loss, {**feed, X: "abc"})
    with pytest.raises(TypeError, match="feed_dict keys must be placeholders"):
        G.run(loss, {**feed, W: np.zeros((2, 2))})


def test_an_op_without_gradient_says_what_to_add():
    class Cube(G.Operation):
        def compute(self, x):
            return x**3

    g = G.Graph()
    x = g.variable("x", [1.0, 2.0])
    loss = G.reduce_sum(Cube(x))
    assert G.run(loss) == pytest.approx(9.0)  # forward works
    with pytest.raises(NotImplementedError, match=r"operation 'Cube' has no gradient; expected a method "
                                                  r"gradient\(self, G, inputs, output\)"):
        G.gradients(loss, [x])


def test_a_new_op_is_a_class_with_compute_and_gradient():
    class Tanh(G.Operation):
        def compute(self, x):
            return np.tanh(x)

        def gradient(self, G_out, inputs, output):
            return [G_out * (1 - output**2)]

    assert check_gradients(Tanh, rand((3, 2))) < TOL


def test_a_gradient_of_the_wrong_shape_is_named():
    class Forgetful(G.Operation):  # the bias gradient of the first broadcasting bug: not summed back
        def compute(self, a, b):
            return a * b

        def gradient(self, G_out, inputs, output):
            a, b = inputs
            return [G_out * b, G_out * a]

    g = G.Graph()
    a, b = g.variable("a", np.ones((4, 3))), g.variable("b", np.ones(3))
    with pytest.raises(ValueError, match=r"Forgetful.gradient returned shape \(4, 3\) for input 'b' of shape \(3,\)"):
        G.gradients(G.reduce_sum(Forgetful(a, b)), [a, b])


@pytest.mark.parametrize("lr", [0, -0.1, float("nan"), float("inf"), "0.1", None, True])
def test_bad_learning_rate(lr):
    g, X, Y, W, b, loss, feed = perceptron_graph()
    W0 = W.value.copy()
    with pytest.raises(ValueError, match="learning rate must be a positive finite number"):
        G.minimize(loss, lr, feed)
    np.testing.assert_array_equal(W.value, W0)


def test_other_clear_errors():
    g = G.Graph()
    A, B = g.variable("A", np.ones((4, 3))), g.variable("B", np.ones((2, 5)))
    with pytest.raises(ValueError, match=r"cannot matmul shapes \(4, 3\) and \(2, 5\); expected 2-D arrays \(n, k\) and \(k, m\)"):
        G.run(A @ B)
    with pytest.raises(ValueError, match="log expects inputs >= 0"):
        G.run(G.log(-A))
    with pytest.raises(ValueError, match="minimize needs a scalar loss"):
        G.minimize(A * 2, 0.1)
    with pytest.raises(ValueError, match="sizes >= 0 or None"):
        g.placeholder("p", (None, -1))
    with pytest.raises(ValueError, match="variable 'w' contains 1 NaN"):
        g.variable("w", [1.0, np.nan])
    v = g.variable("v", [1e200])
    with np.errstate(over="ignore"), pytest.raises(FloatingPointError, match="the loss is inf; expected a finite number"):
        G.minimize(G.reduce_sum(v * v), 0.1)  # 1e400 overflows
