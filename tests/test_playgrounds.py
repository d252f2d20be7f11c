"""The three training apps of helpers.playgrounds, driven as a learner drives them (controls, Play, Step,
Reset), checked on what they draw: the artists' data against computations made here, independently."""
import copy
import math

import numpy as np
import pytest

from helpers import Network, losses, playgrounds, plots


def play(app, frames):
    for _ in range(frames):
        app.play.value += 1  # one tick of the Play clock = one frame


def check_axes_read(app):
    """Every plot titled, both axes labelled, at least two numbered ticks on each axis."""
    for ax in app.live.fig.axes:
        assert ax.get_title(), "an untitled plot"
        assert ax.get_xlabel() and ax.get_ylabel(), f"unlabelled axis in {ax.get_title()!r}"
    assert plots.axes_without_numbered_ticks(app.live.fig) == []


# --- descent_playground ----------------------------------------------------------------------------------
def descend_by_hand(X, Y, start, lr, batch_sizes, epochs, seed=0):
    """Plain NumPy gradient descent on E = 1/N sum 1/2 (w x + b - y)^2, each batch size on the same shuffles."""
    x, y = X[:, 0], Y[:, 0]
    rng = np.random.default_rng(seed)
    paths = {B: [start] for B in batch_sizes}
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for B in batch_sizes:
            w, b = paths[B][-1]
            for begin in range(0, len(x), B):
                rows = order[begin:begin + B]
                residual = w * x[rows] + b - y[rows]
                w, b = w - lr * np.mean(residual * x[rows]), b - lr * np.mean(residual)
                paths[B].append((w, b))
    return {B: np.array(p) for B, p in paths.items()}


def test_descent_paths_are_the_descents_computed_by_hand():
    app = playgrounds.descent_playground(lr=0.3, batch_size=8)
    run = app.run
    assert app.result["epoch"] == 0 and all(len(line.get_xdata()) == 1 for line in run.path_lines.values())
    play(app, 5)
    expected = descend_by_hand(run.X, run.Y, run.START, 0.3, [32, 8, 1], epochs=5)
    for name, B in (("full batch", 32), ("mini-batch", 8), ("stochastic", 1)):
        line = run.path_lines[name]
        drawn = np.c_[line.get_xdata(), line.get_ydata()]
        assert len(drawn) == 5 * math.ceil(32 / B) + 1  # one point per update, plus the start
        np.testing.assert_allclose(drawn, expected[B], rtol=1e-12, atol=1e-12)
        # the loss curve: one point per epoch, the loss on all 32 points at the end of each epoch
        ends = expected[B][:: math.ceil(32 / B)]
        loss_line = run.loss_lines[name]
        np.testing.assert_array_equal(loss_line.get_xdata(), np.arange(6))
        np.testing.assert_allclose(loss_line.get_ydata(), [run.loss_at(w, b) for w, b in ends], rtol=1e-12)
    assert app.result["epoch"] == 5 and app.epoch_label.value == "epoch 5"
    assert "updates per epoch: full batch 1, mini-batch 4, stochastic 32" in app.result["text"]


def test_the_loss_surface_is_the_networks_mse():
    run = playgrounds.DescentRun()
    net = Network([1, 1], activation="identity", loss="mse")
    for w, b in [(-1.0, 2.0), (1.5, -1.0), (3.2, 0.7)]:
        net.weights[0][...], net.biases[0][...] = w, b
        assert run.loss_at(w, b) == pytest.approx(net.loss(run.X, run.Y), rel=1e-13)
        assert run.loss_at(w, b) == pytest.approx(losses.mse(w * run.X + b, run.Y), rel=1e-13)
    i, j = 17, 90
    assert run.surface[i, j] == pytest.approx(run.loss_at(run.w_grid[j], run.b_grid[i]), rel=1e-13)
    assert run.min_loss == pytest.approx(run.surface.min(), rel=0.05) and run.min_loss <= run.surface.min()


def test_the_divergence_threshold_is_two_over_the_largest_hessian_eigenvalue():
    run = playgrounds.DescentRun()
    # The Hessian by central differences (exact up to rounding for a quadratic), independent of run.hessian.
    h, p = 1e-3, np.array([0.3, -0.2])
    H = np.empty((2, 2))
    for i in range(2):
        for j in range(2):
            e_i, e_j = np.eye(2)[i] * h, np.eye(2)[j] * h
            H[i, j] = (run.loss_at(*(p + e_i + e_j)) - run.loss_at(*(p + e_i - e_j))
                       - run.loss_at(*(p - e_i + e_j)) + run.loss_at(*(p - e_i - e_j))) / (4 * h * h)
    limit = 2 / np.linalg.eigvalsh(H)[-1]
    assert run.lr_limit == pytest.approx(limit, rel=1e-6)
    app = playgrounds.descent_playground()
    assert app.result["lr_limit"] == pytest.approx(limit, rel=1e-6)
    assert f"2/λ_max = {limit:.3f}" in app.result["text"]
    ax_lr = app.live.axes[2]
    assert any(np.allclose(line.get_xdata(), limit) for line in ax_lr.lines), "2/λ_max is not marked"
    assert f"{limit:.3f}" in " ".join(t.get_text() for t in ax_lr.texts)
    # The current learning rate is drawn on that scale and follows the slider.
    app.controls["lr"].value = 0.1
    assert np.allclose(app.run.lr_line.get_xdata(), 0.1)


def test_just_below_the_threshold_converges_just_above_diverges_and_play_stops():
    app = playgrounds.descent_playground(batch_size=32)
    limit = app.run.lr_limit
    app.controls["lr"].value = 0.95 * limit
    play(app, 150)
    assert app.stopped is None and app.result["losses"]["full batch"] == pytest.approx(app.run.min_loss, rel=1e-6)
    assert "below 2/λ_max" in app.result["text"]
    app.controls["lr"].value = 1.05 * limit
    assert app.frame == 0  # a control change starts a new run
    play(app, 150)
    assert app.stopped and "diverged" in app.stopped and "above 2/λ_max" in app.stopped
    assert "diverged" in app.live.message_text
    assert "full batch" in app.result["diverged"]
    frame = app.frame
    play(app, 3)
    assert app.frame == frame  # stopped: Play's ticks do nothing until a new run


def test_stochastic_descent_can_diverge_below_the_full_batch_threshold_without_stopping_the_others():
    app = playgrounds.descent_playground(lr=0.8, batch_size=8)
    assert 0.8 < app.run.lr_limit
    play(app, 10)
    assert app.result["diverged"] == ["stochastic"] and app.stopped is None
    assert "Stochastic descent can diverge below 2/λ_max" in app.result["text"]
    assert "stochastic diverged at epoch" in app.result["text"]
    stochastic = len(app.run.path_lines["stochastic"].get_xdata())
    play(app, 2)
    assert len(app.run.path_lines["stochastic"].get_xdata()) == stochastic  # frozen
    assert len(app.run.path_lines["full batch"].get_xdata()) == 13  # still going


def test_descent_resets_on_any_change_and_on_reset_and_says_something_at_every_extreme():
    app = playgrounds.descent_playground()
    first = (app.result["text"], app.live.png())
    play(app, 4)
    app.controls["batch_size"].value = 1
    assert app.frame == 0 and len(app.run.path_lines["mini-batch"].get_xdata()) == 1
    assert "mini-batch path the stochastic one" in app.result["text"]
    app.controls["batch_size"].value = 32
    assert "mini-batch path the full-batch one" in app.result["text"]
    play(app, 3)
    app.reset_button.click()
    assert app.frame == 0 and app.result["epoch"] == 0
    app.controls["batch_size"].value = 8
    assert (app.result["text"], app.live.png()) == first  # the initial frame is deterministic
    app.controls["lr"].value = app.controls["lr"].min
    play(app, 5)
    assert "Tiny steps" in app.result["text"]
    app.controls["lr"].value = 10 ** app.controls["lr"].max
    play(app, 10)
    assert app.stopped and "diverged" in app.stopped
    check_axes_read(app)


# --- classifier_playground -------------------------------------------------------------------------------
def test_the_probability_map_is_the_networks_forward_pass_on_the_grid():
    app = playgrounds.classifier_playground()
    play(app, 6)
    run = app.run
    d = run.d
    p = run.net.forward(run.grid)[:, 0].reshape(len(run.gy), len(run.gx))
    np.testing.assert_array_equal(run.image.get_array(), p)
    assert run.image.get_extent() == [run.gx[0], run.gx[-1], run.gy[0], run.gy[-1]]
    for points in (d["X_train"], d["X_test"]):  # the map covers the data
        assert run.gx[0] < points[:, 0].min() and points[:, 0].max() < run.gx[-1]
        assert run.gy[0] < points[:, 1].min() and points[:, 1].max() < run.gy[-1]
    # The boundary: every vertex of the drawn contour lies where the network says about 0.5.
    vertices = np.concatenate(run.boundary.get_segments())
    assert len(vertices) > 20
    np.testing.assert_allclose(run.net.forward(vertices)[:, 0], 0.5, atol=0.05)
    # The loss curves: one point per frame, ending at the network's loss on each set now.
    assert app.result["epoch"] == 6 * run.epochs_per_frame
    np.testing.assert_array_equal(run.train_line.get_xdata(), np.arange(7) * run.epochs_per_frame)
    assert run.train_line.get_ydata()[-1] == run.net.loss(d["X_train"], d["y_train"])
    assert run.test_line.get_ydata()[-1] == run.net.loss(d["X_test"], d["y_test"])
    assert app.result["test_accuracy"] == run.net.accuracy(d["X_test"], d["y_test"])


def test_the_classifier_trains_by_seeded_mini_batch_descent():
    app = playgrounds.classifier_playground(dataset="moons", width=5, activation="relu", lr=0.2)
    play(app, 3)
    run = app.run
    # The same training written out here: 15 epochs, batches of 32 in a seeded order, one step each.
    net = Network([2, 5, 5, 1], activation="relu", loss="cross_entropy", seed=0)
    rng = np.random.default_rng(0)
    X, y = run.d["X_train"], run.d["y_train"]
    for _ in range(15):
        order = rng.permutation(len(X))
        for begin in range(0, len(X), 32):
            rows = order[begin:begin + 32]
            net.step(X[rows], y[rows], 0.2)
    for mine, theirs in zip(net.params, run.net.params):
        np.testing.assert_array_equal(mine, theirs)


def test_the_classifier_controls_reset_the_run_and_move_the_figure():
    app = playgrounds.classifier_playground()
    initial = app.live.png()
    play(app, 4)
    app.controls["dataset"].value = "circles"
    run = app.run
    assert app.frame == 0 and app.result["epoch"] == 0 and len(run.train_line.get_xdata()) == 1
    for part in ("train", "test"):
        X, y = run.sets["circles"][f"X_{part}"], run.sets["circles"][f"y_{part}"]
        for k in (0, 1):
            line = run.points[part, k]
            np.testing.assert_array_equal(np.c_[line.get_xdata(), line.get_ydata()], X[y == k])
    assert app.result["text"].startswith("circles")
    app.controls["width"].value = 7
    assert run.net.sizes == [2, 7, 7, 1]
    app.controls["activation"].value = "sigmoid"
    assert run.net.activation == "sigmoid"
    app.controls["dataset"].value, app.controls["width"].value, app.controls["activation"].value = "xor", 4, "tanh"
    assert app.live.png() == initial  # back to the same seeded start
    check_axes_read(app)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_the_classifier_at_its_extremes_says_what_happened(activation):
    app = playgrounds.classifier_playground(activation=activation)
    app.controls["width"].value = 1
    assert "straight line" in app.result["text"]
    app.controls["width"].value = 16
    app.controls["lr"].value = app.controls["lr"].min
    play(app, 12)
    assert "has fallen only" in app.result["text"]
    app.controls["lr"].value = 10 ** app.controls["lr"].max
    play(app, 20)
    # at a learning rate of 31.6 the units saturate or die (or the run diverges), and the figure says so
    assert app.result.get("notes") or app.stopped
    assert any(word in app.result["text"] + (app.stopped or "") for word in ("saturated", "dead", "diverged"))
    assert app.run.note.get_text() or app.live.message_text
    check_axes_read(app)


# --- digits_monitor --------------------------------------------------------------------------------------
def test_the_histograms_are_those_of_the_trace_on_the_monitoring_batch():
    app = playgrounds.digits_monitor()
    play(app, 3)
    run = app.run
    hidden = run.net.trace(run.X_monitor, run.y_monitor)[:-1]
    assert len(hidden) == len(run.act_stairs) == len(run.delta_stairs) == 3
    for layer, act, delta in zip(hidden, run.act_stairs, run.delta_stairs):
        values, edges, _ = act.get_data()
        np.testing.assert_array_equal(edges, np.linspace(-1, 1, run.bins + 1))  # tanh: its whole range, fixed
        np.testing.assert_array_equal(values, np.histogram(layer["A"], bins=edges)[0] / layer["A"].size)
        assert values.sum() == pytest.approx(1)  # every value is in some bin
        # |delta| on log-spaced bins from 1e-12 to 1, 4 a decade; outside values (and zeros) in the end bins
        values, edges, _ = delta.get_data()
        np.testing.assert_allclose(edges, 10.0 ** np.linspace(-12, 0, 49), rtol=1e-12)
        assert edges[0] == 1e-12 and edges[-1] == 1
        magnitude = np.clip(np.abs(layer["dZ"]), 1e-12, 1)
        np.testing.assert_array_equal(values, np.histogram(magnitude, bins=edges)[0] / layer["dZ"].size)
        assert values.sum() == pytest.approx(1)


def test_the_digits_histograms_count_what_falls_outside_their_range_in_the_end_bins():
    app = playgrounds.digits_monitor(activation="relu", init_scale=3.0)  # large activations, some huge deltas
    run = app.run
    hidden = run.net.trace(run.X_monitor, run.y_monitor)[:-1]
    assert max(np.max(layer["A"]) for layer in hidden) > 4  # some beyond relu's range: there is an overflow
    for layer, act, delta in zip(hidden, run.act_stairs, run.delta_stairs):
        A = layer["A"]
        values, edges, _ = act.get_data()
        assert edges[0] == np.nextafter(0, 1) and edges[-1] == 4  # relu: positive values up to 4, fixed
        inside = A[(A > 0) & (A < 4)]
        np.testing.assert_array_equal(values[:-1], np.histogram(inside, bins=edges)[0][:-1] / A.size)
        assert values[-1] == pytest.approx(np.mean((A >= edges[-2]) & (A > 0)))  # the last bin: all of a >= 3.9
        assert values.sum() == pytest.approx(np.mean(A > 0))  # relu's zeros are not drawn (the text counts them)
        values, edges, _ = delta.get_data()
        dZ = np.abs(layer["dZ"])
        assert values[0] == pytest.approx(np.mean(dZ < edges[1]))  # zeros and tiny deltas: the first bin
        assert values[-1] == pytest.approx(np.mean(dZ >= edges[-2]))
    assert "relu" in run.act_stairs[0].axes.get_xlabel() and "last bin" in run.act_stairs[0].axes.get_xlabel()
    check_axes_read(app)


def test_the_digits_axes_are_fixed_so_a_new_weight_scale_redraws_only_the_curves():
    app = playgrounds.digits_monitor()
    axes = app.live.fig.axes
    limits = [(ax.get_xlim(), ax.get_ylim()) for ax in axes]
    full_draws = app.live.full_draws
    for scale in (0.01, 31.6, 0.1, 3.0, 1.0):  # the slider's ends and between
        app.controls["init_scale"].value = scale
        assert [(ax.get_xlim(), ax.get_ylim()) for ax in axes] == limits
    assert app.live.full_draws == full_draws  # nothing but the animated curves and notes changed
    # Each activation's own axis range was drawn once when the app was made: switching pastes that picture,
    # which must be the one a full draw gives.
    for activation in ("relu", "sigmoid", "tanh", "relu", "sigmoid"):
        app.controls["activation"].value = activation
        assert app.live.full_draws == full_draws
        pasted = app.live.png()
        app.live.fig.stale = True  # as if something had changed: the next frame is a full draw
        assert app.live.png() == pasted, activation
        full_draws += 1
    app.controls["init_scale"].value = 31.6
    app.controls["activation"].value = "relu"  # diverging losses (about 1e6) are drawn at the top of the loss axis
    play(app, 1)
    losses = app.run.loss_line.get_ydata()
    assert max(loss for _, loss in app.run.loss_curve) > 1e3 and losses.max() == 1e3
    np.testing.assert_array_equal(losses, np.clip([loss for _, loss in app.run.loss_curve], 1e-2, 1e3))
    assert app.run.ratio_lines[0].axes.get_ylim() == (1e-7, 10.0)


def test_the_update_to_data_ratios_are_those_of_the_updates():
    app = playgrounds.digits_monitor()
    play(app, 4)
    run = app.run
    # Replay the next frame (it crosses the end of the first epoch) here: the same batches, the gradient,
    # the update by hand.
    net, rng, order, position = copy.deepcopy(run.net), copy.deepcopy(run.rng), run.order.copy(), run.position
    expected = []
    for _ in range(run.batches_per_frame):
        if position >= len(run.X):  # a new epoch: a new order
            order, position = rng.permutation(len(run.X)), 0
        rows, position = order[position:position + run.batch_size], position + run.batch_size
        grads = net.gradients(run.X[rows], run.y[rows])
        expected.append([np.std(run.lr * dW) / np.std(W) for W, dW in zip(net.weights, grads[0::2])])
        for p, g in zip(net.params, grads):
            p -= run.lr * g
    play(app, 1)
    np.testing.assert_allclose(run.ratios[-run.batches_per_frame:], expected, rtol=1e-9)
    for mine, theirs in zip(net.params, run.net.params):
        np.testing.assert_allclose(theirs, mine, rtol=1e-12, atol=1e-15)
    for l, line in enumerate(run.ratio_lines):
        np.testing.assert_array_equal(line.get_xdata(), np.arange(1, 5 * run.batches_per_frame + 1))
        np.testing.assert_allclose(line.get_ydata()[-1], expected[-1][l], rtol=1e-9)
    assert app.result["updates"] == 5 * run.batches_per_frame


@pytest.mark.parametrize("activation, scale, word", [("tanh", 31.6, "saturated"), ("sigmoid", 31.6, "saturated"),
                                                     ("relu", 31.6, "dead"), ("tanh", 0.01, "vanishing"),
                                                     ("relu", 0.01, "vanishing"), ("sigmoid", 1.0, "vanishing")])
def test_the_digits_monitor_names_what_is_seen(activation, scale, word):
    app = playgrounds.digits_monitor(activation=activation, init_scale=scale)
    play(app, 3)
    assert any(word in note for note in app.result["notes"]), app.result["notes"]
    assert word in app.run.note.get_text() and word in app.result["text"]
    check_axes_read(app)


def test_the_digits_monitor_resets_is_deterministic_and_stops_on_divergence():
    app = playgrounds.digits_monitor()
    first = (app.result["text"], app.live.png())
    assert app.result["notes"] == [] and "layer 3 std 0.30, saturated 0%" in app.result["text"]
    play(app, 5)
    assert app.result["test_accuracy"] > 0.5  # it learns
    app.controls["activation"].value = "relu"
    assert app.frame == 0 and app.run.net.activation == "relu" and app.run.updates == 0
    app.controls["init_scale"].value = 0.5
    assert app.run.net.weights[0].std() == pytest.approx(0.5 * np.sqrt(2 / 64), rel=0.05)  # He's std, halved
    app.controls["activation"].value, app.controls["init_scale"].value = "tanh", 1.0
    assert (app.result["text"], app.live.png()) == first
    check_axes_read(app)
    app.run.net.weights[1][0, 0] = np.nan  # as if an update had overflowed
    play(app, 1)
    assert app.stopped and "diverged" in app.stopped and "diverged" in app.live.message_text
    assert "diverged" in app.result["text"]
