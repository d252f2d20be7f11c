import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import DivergedError, Network, check_network, numerical_gradient
from helpers.layers import dense_backward, dense_forward
from helpers.network import INITIALISATIONS

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "identity"]
# (loss, output activation, number of outputs)
HEADS = [("mse", "sigmoid", 2), ("mse", "identity", 3), ("mse", "softmax", 3), ("mse", "tanh", 1),
         ("cross_entropy", "softmax", 3), ("cross_entropy", "sigmoid", 1)]


def random_problem(rng, sizes, loss):
    X = rng.standard_normal((int(rng.integers(1, 9)), sizes[0]))
    n_out = sizes[-1]
    if loss == "cross_entropy":
        return X, rng.integers(0, max(n_out, 2), len(X))
    return X, rng.random((len(X), n_out))


@settings(max_examples=150, deadline=None)
@given(activation=st.sampled_from(HIDDEN), head=st.sampled_from(HEADS), init=st.sampled_from(sorted(INITIALISATIONS)),
       hidden=st.lists(st.integers(1, 6), min_size=0, max_size=3), n_in=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_gradients_match_finite_differences(activation, head, init, hidden, n_in, seed):
    """Every activation x loss x initialisation, random architectures and batch sizes, float64.

    Each entry agrees to a relative error of 1e-7, or to 1e-9 absolutely where the gradient is so
    small that central differences cannot resolve it (their rounding noise is about 1e-11 here).
    """
    loss, output, n_out = head
    rng = np.random.default_rng(seed)
    sizes = [n_in, *hidden, n_out]
    net = Network(sizes, activation=activation, output=output, loss=loss, init=init, seed=seed)
    for b in net.biases:  # nonzero biases keep relu's kink (z = 0 exactly) out of the way
        b += rng.uniform(-0.5, 0.5, b.shape)
    X, Y = random_problem(rng, sizes, loss)
    analytic = net.gradients(X, Y)
    numeric = numerical_gradient(lambda: net.loss(X, Y), net.params)
    for a, n in zip(analytic, numeric):
        np.testing.assert_allclose(a, n, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("activation", HIDDEN)
@pytest.mark.parametrize("loss,output,n_out", HEADS)
def test_relative_error_of_well_scaled_networks_is_tiny(activation, loss, output, n_out):
    rng = np.random.default_rng(3)
    net = Network([3, 5, 4, n_out], activation=activation, output=output, loss=loss, seed=1)
    for b in net.biases:
        b += rng.uniform(-0.5, 0.5, b.shape)
    X, Y = random_problem(rng, net.sizes, loss)
    assert max(check_network(net, X, Y)) < 1e-5  # CS231n: < 1e-7 great; tiny entries (leaky slopes) reach ~1e-6


def test_dense_forward_backward_shapes_and_gradients():
    rng = np.random.default_rng(0)
    X, W, b = rng.standard_normal((7, 3)), rng.standard_normal((4, 3)), rng.standard_normal(4)
    A, cache = dense_forward(X, W, b, "tanh")
    assert A.shape == (7, 4)
    dA = rng.standard_normal(A.shape)
    dX, dW, db = dense_backward(dA, cache)
    assert (dX.shape, dW.shape, db.shape) == (X.shape, W.shape, b.shape)
    f = lambda: float(np.sum(dA * dense_forward(X, W, b, "tanh")[0]))
    for a, n in zip((dX, dW, db), numerical_gradient(f, [X, W, b])):
        np.testing.assert_allclose(a, n, rtol=1e-7, atol=1e-9)


def test_shapes_of_params_forward_and_gradients():
    net = Network([5, 4, 3, 2], activation="relu", output="softmax", loss="cross_entropy")
    assert [p.shape for p in net.params] == [(4, 5), (4,), (3, 4), (3,), (2, 3), (2,)]
    X = np.ones((6, 5))
    assert net.forward(X).shape == (6, 2)
    assert [g.shape for g in net.gradients(X, np.zeros(6, dtype=int))] == [p.shape for p in net.params]
    trace = net.trace(X, np.zeros(6, dtype=int))
    assert [layer["Z"].shape for layer in trace] == [(6, 4), (6, 3), (6, 2)]
    assert [layer["dW"].shape for layer in trace] == [(4, 5), (3, 4), (2, 3)]


def test_params_are_live_arrays():
    net = Network([2, 2, 1], seed=0)
    X = np.ones((1, 2))
    before = net.forward(X)
    net.params[-1][...] += 1.0  # the output bias
    assert not np.allclose(net.forward(X), before)
    assert net.weights[0] is net.params[0] and net.biases[1] is net.params[3]


def test_labels_and_one_hot_targets_give_the_same_loss_and_gradients():
    net = Network([3, 4, 3], activation="tanh", loss="cross_entropy", seed=0)
    X, labels = np.random.default_rng(0).standard_normal((5, 3)), np.array([0, 2, 1, 1, 0])
    Y = np.eye(3)[labels]
    assert net.loss(X, labels) == pytest.approx(net.loss(X, Y))
    for a, b in zip(net.gradients(X, labels), net.gradients(X, Y)):
        np.testing.assert_allclose(a, b)


def test_same_seed_same_parameters_and_history():
    X, y = np.random.default_rng(0).standard_normal((50, 2)), np.arange(50) % 2
    runs = []
    for _ in range(2):
        net = Network([2, 5, 2], activation="tanh", loss="cross_entropy", seed=7)
        history = net.fit(X, y, epochs=3, lr=0.3, batch_size=8)
        runs.append((net.params, history))
    for a, b in zip(runs[0][0], runs[1][0]):
        assert np.array_equal(a, b)
    assert runs[0][1] == runs[1][1]
    other = Network([2, 5, 2], activation="tanh", loss="cross_entropy", seed=8)
    assert not np.array_equal(other.params[0], Network([2, 5, 2], seed=7, activation="tanh").params[0])


def test_step_lowers_the_loss_and_returns_the_loss_before_it():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((20, 3)), rng.random((20, 2))
    net = Network([3, 4, 2], seed=0)
    before = net.loss(X, Y)
    assert net.step(X, Y, 0.5) == pytest.approx(before)
    assert net.loss(X, Y) < before


@pytest.mark.parametrize("batch_size,updates", [(100, 1), (1, 100), (32, 4), (500, 1)])
def test_fit_batch_sizes_full_stochastic_and_mini(batch_size, updates):
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((100, 2)), rng.random((100, 1))
    history = Network([2, 3, 1], seed=0).fit(X, Y, epochs=2, lr=0.1, batch_size=batch_size)
    assert len(history["loss"]) == 2 and len(history["step_loss"]) == 2 * updates


def test_fit_learns_xor_and_predicts_labels():
    from helpers.data import xor
    X, y = xor(200, seed=0)
    net = Network([2, 8, 2], activation="tanh", output="softmax", loss="cross_entropy", seed=0)
    history = net.fit(X, y, epochs=60, lr=0.5, batch_size=20)
    assert history["loss"][-1] < history["loss"][0] / 5
    assert net.predict(X).shape == (200,) and net.accuracy(X, y) > 0.95


def test_float32_network_stays_float32_and_agrees_with_float64():
    X, y = np.random.default_rng(0).random((16, 4)), np.arange(16) % 3
    n32 = Network([4, 6, 3], activation="relu", loss="cross_entropy", dtype="float32", seed=0)
    n64 = Network([4, 6, 3], activation="relu", loss="cross_entropy", dtype="float64", seed=0)
    assert all(p.dtype == np.float32 for p in n32.params)
    assert n32.forward(X).dtype == np.float32
    n32.fit(X, y, epochs=2, lr=0.1, batch_size=4)
    n64.fit(X, y, epochs=2, lr=0.1, batch_size=4)
    assert all(p.dtype == np.float32 for p in n32.params)
    for a, b in zip(n32.params, n64.params):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_divergence_raises_a_clear_error_not_a_silent_nan():
    rng = np.random.default_rng(0)
    X, Y = 10 * rng.standard_normal((20, 2)), 10 * rng.standard_normal((20, 1))
    net = Network([2, 4, 1], activation="identity", seed=0)
    with pytest.raises(DivergedError, match="learning rate 100 is probably too large"):
        net.fit(X, Y, epochs=50, lr=100.0, batch_size=20)


def test_init_names_and_scale():
    rng_normal = Network([100, 50], init="normal", seed=0).params[0]
    assert 0.9 < rng_normal.std() < 1.1
    uniform = Network([100, 50], init="uniform", seed=0).params[0]
    assert uniform.min() >= 0 and uniform.max() < 1
    he = Network([400, 200], init="he", seed=0)
    assert he.params[0].std() == pytest.approx(np.sqrt(2 / 400), rel=0.05) and not he.params[1].any()
    assert Network([400, 200], init="lecun", seed=0).params[0].std() == pytest.approx(np.sqrt(1 / 400), rel=0.05)
    scaled = Network([400, 200], init="lecun", init_scale=0.01, seed=0).params[0]
    np.testing.assert_allclose(scaled, 0.01 * Network([400, 200], init="lecun", seed=0).params[0])


# --- bad input: the right exception, and a message that says what was expected -----------------
net = Network([3, 4, 2], activation="relu", output="softmax", loss="cross_entropy", seed=0)
X_ok, y_ok = np.ones((5, 3)), np.array([0, 1, 0, 1, 1])


@pytest.mark.parametrize("call,error,message", [
    (lambda: net.forward(np.ones((5, 4))), ValueError, r"X must have shape \(batch, 3\), got \(5, 4\)"),
    (lambda: net.forward(np.ones(3)), ValueError, r"single sample needs shape \(1, n_inputs\)"),
    (lambda: net.forward(np.ones((0, 3))), ValueError, "X is empty"),
    (lambda: net.forward([[1, 2, float("nan")]]), ValueError, "X contains 1 NaN or infinite value"),
    (lambda: net.loss(X_ok, np.array([0, 1, 0])), ValueError, "X has 5 samples but Y has 3"),
    (lambda: net.loss(X_ok, np.ones((5, 3))), ValueError, r"Y must have shape \(batch, 2\) or integer labels"),
    (lambda: net.loss(X_ok, np.array([0, 1, 2, 0, 1])), ValueError, r"class labels must be in \[0, 2\)"),
    (lambda: net.loss(X_ok, np.array([0.0, 1, 0, 1, 1])), TypeError, "class labels must be integers"),
    (lambda: net.loss(X_ok, np.full((5, 2), np.inf)), ValueError, "Y contains 10 NaN or infinite"),
    (lambda: net.step(X_ok, y_ok, -0.1), ValueError, "learning rate must be a positive finite number, got -0.1"),
    (lambda: net.step(X_ok, y_ok, 0), ValueError, "learning rate must be a positive finite number"),
    (lambda: net.step(X_ok, y_ok, float("inf")), ValueError, "learning rate must be a positive finite number"),
    (lambda: net.step(X_ok, y_ok, "0.1"), ValueError, "learning rate must be a positive finite number"),
    (lambda: net.fit(X_ok, y_ok, batch_size=0), ValueError, "batch_size must be an integer >= 1, got 0"),
    (lambda: net.fit(X_ok, y_ok, batch_size=2.5), ValueError, "batch_size must be an integer >= 1, got 2.5"),
    (lambda: net.fit(X_ok, y_ok, epochs=0), ValueError, "epochs must be an integer >= 1"),
    (lambda: Network([3, 4], activation="sigmod"), ValueError, "unknown activation 'sigmod'; expected one of"),
    (lambda: Network([3, 4], activation="softmax"), ValueError, "unknown activation 'softmax'"),
    (lambda: Network([3, 4], output="step"), ValueError, "unknown output activation 'step'"),
    (lambda: Network([3, 4], loss="hinge"), ValueError, "unknown loss 'hinge'; expected one of: 'cross_entropy', 'mse'"),
    (lambda: Network([3, 4], init="zeros"), ValueError, "unknown initialisation 'zeros'; expected one of"),
    (lambda: Network([3, 0, 2]), ValueError, "layer size 1 must be an integer >= 1, got 0"),
    (lambda: Network([3, 2.5]), ValueError, "layer size 1 must be an integer >= 1, got 2.5"),
    (lambda: Network([3]), ValueError, "at least an input and an output size"),
    (lambda: Network(3), TypeError, "layer sizes must be a list of integers"),
    (lambda: Network([3, 2], dtype="int32"), TypeError, "dtype must be 'float32' or 'float64', got 'int32'"),
    (lambda: Network([3, 2], dtype="float16"), TypeError, "dtype must be 'float32' or 'float64'"),
    (lambda: Network([3, 2], loss="cross_entropy", output="tanh"), ValueError, "cross_entropy needs output='softmax'"),
    (lambda: Network([3, 1], output="softmax"), ValueError, "a softmax output needs at least 2 units"),
])
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()
