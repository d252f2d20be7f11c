"""Training you can watch: three apps with Play / Pause / Step / Reset.

    descent_playground()     notebook 01: gradient descent on a loss surface you can see
    classifier_playground()  notebook 03: a 2-D classifier's decision boundary as it trains
    digits_monitor()         notebook 04: inside the digits network while it trains

Each returns an app (see `helpers.widgets.training_app`): press Play and every frame runs a little
more training with the helpers' own `Network`, then redraws the same figure. Moving any control
starts a new run from the same seeded start, so every run you see can be repeated exactly.

Each app is built from a "run" object with four methods, which you can also use without the app:

    run.setup(live)      make the figure's artists, once
    run.reset(**values)  a new run for these control values (the initial state is always the same)
    run.step()           one frame of training; returns None, or a message that stops Play
    run.draw(live)       copy the current state into the artists; returns {"text": ..., numbers}
"""
import contourpy
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.ticker import MaxNLocator

from . import data
from .network import DivergedError, Network
from .plots import readable_log_scale

ACTIVATIONS = ("sigmoid", "tanh", "relu")

# How the figures stay fast: every artist that changes from frame to frame is made with animated=True, so a
# frame redraws only those on a saved picture of the rest (see helpers.widgets.LiveFigure). Axis limits that
# must follow the data change rarely: they jump to the next "nice" value (1, 2, 5 times a power of ten).


def play(run, frames):
    """Run up to `frames` frames of a run's training with no figure, as Play would (after run.reset(...)).

    Returns the message that stopped it (e.g. a divergence), or None. For printing a run's numbers in a cell.
    """
    for _ in range(frames):
        message = run.step()
        if message:
            return message
    return None


def _nice_ceiling(x):
    """The smallest of 1, 2, 5, 10, 20, 50 ... times a power of ten that is >= x (x > 0)."""
    power = 10.0 ** np.floor(np.log10(x))
    return float(next(m * power for m in (1, 2, 5, 10) if m * power >= x * (1 - 1e-12)))


def _set_limits(ax, xlim=None, ylim=None, xlabel=None):
    """Set an axes' limits (and x label) only if they change: setting even the same values forces a full redraw."""
    if xlim is not None and tuple(ax.get_xlim()) != tuple(map(float, xlim)):
        ax.set_xlim(*xlim)
    if ylim is not None and tuple(ax.get_ylim()) != tuple(map(float, ylim)):
        ax.set_ylim(*ylim)
    if xlabel is not None and ax.get_xlabel() != xlabel:
        ax.set_xlabel(xlabel)


def _note(ax, x=0.02, y=0.03, ha="left", va="bottom"):
    """A small red text in a corner of an axes, for what a run shows (saturated, dead units ...)."""
    return ax.text(x, y, "", transform=ax.transAxes, ha=ha, va=va, fontsize=8, color="tab:red", zorder=20,
                   animated=True, bbox=dict(fc="white", ec="none", alpha=0.8, pad=1.5))


# =====================================================================================================
# 1. Gradient descent on a loss you can see (notebook 01)
# =====================================================================================================
def line_data(n=32, seed=0):
    """n points near the line y = 1.5 x - 1, x uniform in [0, 2]: X (n, 1), Y (n, 1)."""
    rng = np.random.default_rng(seed)
    X = np.sort(rng.uniform(0, 2, n))[:, None]
    return X, 1.5 * X - 1 + 0.3 * rng.standard_normal((n, 1))


class DescentRun:
    """Three gradient descents on the same two-parameter loss, side by side.

    The model is a straight line yhat = w x + b (a `Network([1, 1])` with no activation), the loss
    E(w, b) = 1/N sum 1/2 (w x_i + b - y_i)^2 on `line_data()`. Its Hessian does not depend on (w, b):

        H = [[mean x^2, mean x], [mean x, 1]]

    so full-batch descent converges for every learning rate below 2 / lambda_max (lambda_max is H's
    largest eigenvalue) and diverges above it. One frame is one epoch (one pass over the data):
    full-batch descent makes 1 update in it, mini-batch descent N/B updates, stochastic descent N.
    """

    START = (-1.0, 2.0)  # (w, b) where every run starts
    DIVERGED_FACTOR = 1e3  # a run whose loss passes this many times its start has left for infinity

    def __init__(self, n=32, seed=0):
        self.X, self.Y = line_data(n, seed)
        self.n, self.seed = n, seed
        x = self.X[:, 0]
        self.hessian = np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])
        self.eigenvalues = np.linalg.eigvalsh(self.hessian)  # ascending
        self.lr_limit = 2 / self.eigenvalues[-1]  # full-batch descent diverges above this
        # One sample's loss 1/2 (w x + b - y)^2 has the Hessian [[x^2, x], [x, 1]], largest eigenvalue 1 + x^2:
        # a step on the most curved sample alone overshoots above 2 / (1 + max x^2).
        self.sample_lr_limit = 2 / (1 + np.max(x * x))
        self.minimum = np.linalg.lstsq(np.c_[self.X, np.ones(n)], self.Y[:, 0], rcond=None)[0]
        self.min_loss = self.loss_at(*self.minimum)
        self.start_loss = self.loss_at(*self.START)
        # The loss surface, computed once: a grid of (w, b) around the minimum.
        self.w_grid = np.linspace(self.minimum[0] - 3, self.minimum[0] + 3, 121)
        self.b_grid = np.linspace(self.minimum[1] - 3, self.minimum[1] + 3, 121)
        self.surface = self.loss_at(*np.meshgrid(self.w_grid, self.b_grid))

    def loss_at(self, w, b):
        """E(w, b) for scalars or arrays of (w, b) pairs: the same numbers as Network.loss."""
        w, b = np.asarray(w, dtype=float), np.asarray(b, dtype=float)
        residual = w[..., None] * self.X[:, 0] + b[..., None] - self.Y[:, 0]
        return 0.5 * np.mean(residual ** 2, axis=-1)

    # --- the protocol ---------------------------------------------------------------------------
    def reset(self, lr=0.3, batch_size=8):
        self.lr, self.batch_size = float(lr), int(batch_size)
        self.epoch = 0
        self.rng = np.random.default_rng(self.seed)  # the same shuffles in every run
        self.runs = {}
        for name, B in (("full batch", self.n), ("mini-batch", self.batch_size), ("stochastic", 1)):
            net = Network([1, 1], activation="identity", loss="mse")
            net.weights[0][...], net.biases[0][...] = self.START
            self.runs[name] = {"net": net, "B": B, "path": [self.START], "losses": [self.start_loss],
                               "diverged_at": None}

    def step(self):
        """One epoch of each descent that has not diverged; Play stops when full-batch descent diverges."""
        self.epoch += 1
        order = self.rng.permutation(self.n)  # this epoch's order of the samples, shared by all three
        for name, run in self.runs.items():
            if run["diverged_at"] is not None:
                continue
            net = run["net"]
            try:
                for start in range(0, self.n, run["B"]):
                    rows = order[start:start + run["B"]]
                    net.step(self.X[rows], self.Y[rows], self.lr)  # w, b <- w, b - lr * gradient on the batch
                    run["path"].append((net.weights[0][0, 0], net.biases[0][0]))
                loss = net.loss(self.X, self.Y)
            except DivergedError:
                loss = np.inf
            run["losses"].append(loss)
            if not loss < self.DIVERGED_FACTOR * self.start_loss:
                run["diverged_at"] = self.epoch
        if self.runs["full batch"]["diverged_at"] == self.epoch:
            return (f"diverged at epoch {self.epoch}: the full-batch loss passed 1000 times its start; "
                    f"η = {self.lr:.3g} is above 2/λ_max = {self.lr_limit:.3f}")
        return None

    # --- the figure -----------------------------------------------------------------------------
    COLORS = {"full batch": "tab:blue", "mini-batch": "tab:orange", "stochastic": "tab:green"}
    PER_EPOCH = {"full batch": "1 update", "mini-batch": "N/B updates", "stochastic": "N updates"}
    LR_RANGE = (1e-3, 10 ** 0.5)

    def setup(self, live):
        ax_s, ax_l, ax_r = np.ravel(live.axes)[:3]
        live.fig.subplots_adjust()  # the axes are placed by hand
        ax_s.set_position([0.07, 0.13, 0.36, 0.77])
        ax_l.set_position([0.53, 0.62, 0.44, 0.28])
        ax_r.set_position([0.53, 0.13, 0.44, 0.29])
        levels = self.min_loss + (self.surface.max() - self.min_loss) * np.geomspace(1e-3, 1, 12)
        ax_s.contour(self.w_grid, self.b_grid, self.surface, levels=levels, cmap="viridis", linewidths=0.7)
        ax_s.plot(*self.minimum, "k*", ms=10, zorder=5)
        ax_s.plot(*self.START, "ks", ms=5, zorder=5)
        ax_s.set(xlim=self.w_grid[[0, -1]], ylim=self.b_grid[[0, -1]], xlabel="slope w", ylabel="intercept b",
                 title="loss surface E(w, b) and three descents")
        self.path_lines, self.loss_lines = {}, {}
        for name, color in self.COLORS.items():
            style = dict(lw=1, color=color, ms=3, marker="o" if name == "full batch" else None, animated=True)
            self.path_lines[name], = ax_s.plot([], [], **style)
            self.loss_lines[name], = ax_l.plot([], [], **style, label=f"{name}: {self.PER_EPOCH[name]} per epoch")
        ax_l.legend(fontsize=7, loc="upper right")
        ax_l.axhline(self.min_loss, color="0.5", ls="--", lw=0.8)
        readable_log_scale(ax_l, "y")
        ax_l.set(xlim=(0, 10), ylim=(0.5 * self.min_loss, 30 * self.start_loss), xlabel="epoch (one frame)",
                 ylabel="E on all N points", title="loss after each epoch (dashed: least squares)")
        # The learning-rate scale: full-batch descent's factor per step along H's two eigenvectors.
        lrs = np.geomspace(*self.LR_RANGE, 200)
        ax_r.plot(lrs, np.abs(1 - lrs * self.eigenvalues[-1]), color="0.2", lw=1, label="steepest direction")
        ax_r.plot(lrs, np.abs(1 - lrs * self.eigenvalues[0]), color="0.2", lw=1, ls=":", label="flattest direction")
        ax_r.legend(fontsize=7, loc="upper left")
        ax_r.axhline(1, color="0.5", lw=0.8)
        ax_r.axvspan(self.lr_limit, self.LR_RANGE[1], color="tab:red", alpha=0.12)
        ax_r.axvline(self.lr_limit, color="tab:red", ls="--", lw=1)
        ax_r.text(self.lr_limit / 1.1, 2.6, f"2/λ_max = {self.lr_limit:.3f}", color="tab:red", fontsize=8, ha="right")
        self.lr_line = ax_r.axvline(1.0, color="k", lw=1.5, animated=True)  # moved to the current rate by draw
        readable_log_scale(ax_r, "x")
        ax_r.set(xlim=self.LR_RANGE, ylim=(0, 3), xlabel="learning rate η (black: now; red: full batch diverges)",
                 ylabel="factor |1 - ηλ|", title="full-batch factor per step: above 1 it diverges")

    def draw(self, live):
        ax_l = np.ravel(live.axes)[1]
        updates = {"full batch": 1, "mini-batch": -(-self.n // self.batch_size), "stochastic": self.n}
        parts, diverged = [], []
        for name, run in self.runs.items():
            path = np.array(run["path"], dtype=float)
            self.path_lines[name].set_data(path[:, 0], path[:, 1])
            losses = np.array(run["losses"], dtype=float)
            self.loss_lines[name].set_data(np.arange(len(losses)), np.minimum(losses, 1e300))
            if run["diverged_at"] is not None:
                diverged.append(name)
                parts.append(f"{name} diverged at epoch {run['diverged_at']}")
            else:
                parts.append(f"{name} {run['losses'][-1]:.4f}")
        if self.epoch > ax_l.get_xlim()[1] or (self.epoch == 0 and ax_l.get_xlim()[1] != 10):
            ax_l.set_xlim(0, 10 if self.epoch == 0 else 2 * ax_l.get_xlim()[1])  # doubles when reached
        self.lr_line.set_xdata([self.lr, self.lr])
        side = "below" if self.lr < self.lr_limit else "above"
        verdict = "converges" if self.lr < self.lr_limit else "diverges"
        text = (f"epoch {self.epoch}, learning rate η = {self.lr:.3g}, mini-batch size {self.batch_size}; "
                "updates per epoch: "
                + ", ".join(f"{name} {updates[name]}" for name in self.runs) + "; "
                f"loss {', '.join(parts)} (least squares {self.min_loss:.4f}). "
                f"η is {side} 2/λ_max = {self.lr_limit:.3f}: full-batch descent {verdict}.")
        if self.batch_size in (1, self.n):
            same = "stochastic" if self.batch_size == 1 else "full-batch"
            text += f" A batch of {self.batch_size} makes the mini-batch path the {same} one."
        if "stochastic" in diverged and self.lr < self.lr_limit:
            text += (f" Stochastic descent can diverge below 2/λ_max: one sample's loss is more curved than the mean "
                     f"(its λ is 1 + x², up to {2 / self.sample_lr_limit:.2f}, so its own limit is "
                     f"{self.sample_lr_limit:.3f}).")
        if self.epoch > 0 and self.lr < 0.01 and not diverged:
            moved = 1 - (self.runs["full batch"]["losses"][-1] - self.min_loss) / (self.start_loss - self.min_loss)
            text += f" Tiny steps: full batch has covered {moved:.0%} of the way down."
        return {"text": text, "epoch": self.epoch, "lr_limit": float(self.lr_limit),
                "losses": {name: run["losses"][-1] for name, run in self.runs.items()}, "diverged": diverged}


def descent_playground(lr=0.3, batch_size=8, max_frames=200):
    """Gradient descent on a loss you can see: full-batch, mini-batch and stochastic, epoch by epoch.

    A straight line yhat = w x + b is fitted to 32 points by minimising the mean squared error
    E(w, b) = 1/N sum 1/2 (w x + b - y)^2. The left panel draws E's contours over the (w, b) plane
    and three descents from the same start (the square) towards the least-squares minimum (the
    star); each frame of Play is one epoch, one pass over the 32 points. Full-batch descent makes
    one update per epoch, stochastic descent (batch size 1) makes 32, mini-batch descent 32/B.

    The bottom-right panel is the learning-rate scale: full-batch descent changes the distance to
    the minimum by a factor |1 - eta lambda| per step along each eigenvector of the Hessian (lambda
    its eigenvalue); above eta = 2/lambda_max that factor passes 1 and the steps grow.

    Try: a learning rate just below and just above the red line; a tiny one; batch size 1, 4, 32.
    Why does stochastic descent diverge at learning rates where full-batch descent is safe?
    (One sample's loss can be more curved than the mean of all of them.)
    """
    from . import widgets

    return widgets.training_app(
        DescentRun(), name="descent_playground", max_frames=max_frames, nrows=1, ncols=3, figsize=(9, 3.8),
        lr=widgets.learning_rate_slider(value=lr, min_exp=-3, max_exp=0.5, description="learning rate η"),
        batch_size=widgets.int_slider("mini-batch size B", 1, 32, batch_size))


# =====================================================================================================
# 2. A 2-D classifier learning its decision boundary (notebook 03)
# =====================================================================================================
def saturation(layer, activation):
    """Fraction of saturated values (sigmoid, tanh) or of dead units (relu) in one layer of Network.trace().

    sigmoid: |a - 0.5| > 0.49, where sigma'(z) = a (1 - a) < 0.0099 (under 4 % of its largest value 0.25)
    tanh:    |a| > 0.98, where tanh'(z) = 1 - a^2 < 0.04
    relu:    a unit is dead when z <= 0 for every sample of the batch: it passes no gradient at all
    """
    A, Z = layer["A"], layer["Z"]
    if activation == "sigmoid":
        return float(np.mean(np.abs(A - 0.5) > 0.49))
    if activation == "tanh":
        return float(np.mean(np.abs(A) > 0.98))
    return float(np.mean(np.all(Z <= 0, axis=0)))


def _saturation_word(activation):
    return "units dead" if activation == "relu" else "of values saturated"


class ClassifierRun:
    """A [2, width, width, 1] network learning to separate two classes in the plane.

    The output is one sigmoid unit, p = P(class 1 | x), trained by mini-batch gradient descent on
    the binary cross-entropy. Each frame trains `epochs_per_frame` epochs; the map shows p over the
    plane (computed on a grid by the network's forward pass) and its p = 0.5 contour, the decision
    boundary.
    """

    DATASETS = {"xor": data.xor, "circles": data.circles, "moons": data.moons}

    def __init__(self, n=240, test_fraction=0.25, batch_size=32, epochs_per_frame=5, resolution=60, seed=0):
        self.batch_size, self.epochs_per_frame, self.seed = batch_size, epochs_per_frame, seed
        # Everything that does not depend on the controls, made once: the data sets and one grid that covers
        # all three (so the axes stay the same when the data set changes).
        self.sets = {}
        for name, make in self.DATASETS.items():
            X_train, y_train, X_test, y_test = data.train_test_split(*make(n, seed=seed), test_fraction, seed=seed)
            self.sets[name] = dict(X_train=X_train, y_train=y_train, X_test=X_test, y_test=y_test)
        everything = np.concatenate([np.r_[d["X_train"], d["X_test"]] for d in self.sets.values()])
        lo, hi = everything.min(axis=0) - 0.3, everything.max(axis=0) + 0.3
        self.gx, self.gy = np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
        self.grid = np.stack(np.meshgrid(self.gx, self.gy), axis=-1).reshape(-1, 2)  # (resolution**2, 2) points

    # --- the protocol ---------------------------------------------------------------------------
    def reset(self, dataset="xor", width=4, activation="tanh", lr=0.1):
        self.dataset, self.width, self.activation, self.lr = dataset, int(width), activation, float(lr)
        self.d = self.sets[dataset]
        self.net = Network([2, self.width, self.width, 1], activation=activation, loss="cross_entropy",
                           seed=self.seed)
        self.rng = np.random.default_rng(self.seed)  # the same shuffles in every run
        self.epoch, self.epochs = 0, [0]  # the losses are measured at these epochs (after every frame)
        self.train_loss = [self.net.loss(self.d["X_train"], self.d["y_train"])]
        self.test_loss = [self.net.loss(self.d["X_test"], self.d["y_test"])]
        self.diverged = False

    def step(self):
        """`epochs_per_frame` epochs of mini-batch gradient descent, then the loss on both sets."""
        X, y, n = self.d["X_train"], self.d["y_train"], len(self.d["X_train"])
        try:
            for _ in range(self.epochs_per_frame):
                order = self.rng.permutation(n)  # a new order every epoch
                for start in range(0, n, self.batch_size):
                    rows = order[start:start + self.batch_size]
                    self.net.step(X[rows], y[rows], self.lr)  # forward, backward, every W, b -= lr * gradient
                self.epoch += 1
            self.epochs.append(self.epoch)
            self.train_loss.append(self.net.loss(X, y))
            self.test_loss.append(self.net.loss(self.d["X_test"], self.d["y_test"]))
        except DivergedError:
            self.diverged = True
            return (f"diverged at epoch {self.epoch + 1}: the loss became infinite or NaN; "
                    f"learning rate {self.lr:.3g} is too large")
        return None

    # --- the figure -----------------------------------------------------------------------------
    def setup(self, live):
        ax_p, ax_l = np.ravel(live.axes)[:2]
        live.fig.subplots_adjust(left=0.08, right=0.98, bottom=0.15, top=0.9, wspace=0.25)
        # RdBu_r over [-0.6, 1.6]: p in [0, 1] gets its light middle (light red near 1, light blue near 0),
        # so the map is opaque (as an animated image must be) and the points stay visible on it.
        extent = (self.gx[0], self.gx[-1], self.gy[0], self.gy[-1])
        self.image = live.imshow(ax_p, np.zeros((2, 2)), origin="lower", cmap="RdBu_r", vmin=-0.6, vmax=1.6,
                                 extent=extent, aspect="auto", zorder=1)  # animated, drawn by a fast lookup
        self.boundary = LineCollection([], colors="k", linewidths=1.5, animated=True, zorder=2)
        ax_p.add_collection(self.boundary)
        # The points: (part, class) -> markers (one Line2D each draws far faster than a scatter).
        self.points = {(part, k): ax_p.plot([], [], "o" if part == "train" else "^", ms=3.5 if part == "train" else 4,
                                            mfc=("tab:blue", "tab:red")[k], mec="k", mew=0.4, animated=True,
                                            zorder=3)[0]
                       for part in ("train", "test") for k in (0, 1)}
        ax_p.set(xlim=extent[:2], ylim=extent[2:], xlabel="$x_1$", ylabel="$x_2$",
                 title="p(class 1) and its boundary p = 0.5 (dots: training, triangles: test)")
        ax_p.title.set_fontsize(9)
        self.note = _note(ax_p)
        self.train_line, = ax_l.plot([], [], color="tab:blue", lw=1.2, label="training set", animated=True)
        self.test_line, = ax_l.plot([], [], color="tab:orange", lw=1.2, label="test set", animated=True)
        ax_l.legend(fontsize=8, loc="upper right")
        ax_l.set(xlabel="epoch", ylabel="loss (cross-entropy)", title="loss on the training and test sets")

    def draw(self, live):
        ax_p, ax_l = np.ravel(live.axes)[:2]
        d = self.d
        for (part, k), line in self.points.items():
            X = d[f"X_{part}"][d[f"y_{part}"] == k]
            line.set_data(X[:, 0], X[:, 1])
        # The probability map: the network's forward pass on every grid point.
        p = self.net.forward(self.grid)[:, 0].reshape(len(self.gy), len(self.gx))
        finite = bool(np.all(np.isfinite(p)))
        self.image.set_data(p if finite else np.full_like(p, 0.5))
        self.boundary.set_segments(contourpy.contour_generator(self.gx, self.gy, p).lines(0.5) if finite else [])
        self.train_line.set_data(self.epochs, self.train_loss)
        self.test_line.set_data(self.epochs, self.test_loss)
        # Axis limits change rarely (each change costs a full redraw): x doubles when reached, y jumps to a nice value.
        x_max = ax_l.get_xlim()[1]
        if self.epoch > x_max or (self.epoch == 0 and x_max != 50):
            ax_l.set_xlim(0, 50 if self.epoch == 0 else 2 * x_max)
        shown = max([v for v in self.train_loss + self.test_loss if np.isfinite(v)] + [0.8])
        if shown > ax_l.get_ylim()[1] or self.epoch == 0:
            _set_limits(ax_l, ylim=(0, _nice_ceiling(1.05 * shown)))
        accuracy = {part: self.net.accuracy(d[f"X_{part}"], d[f"y_{part}"]) if finite else float("nan")
                    for part in ("train", "test")}
        # What to say: divergence first, then saturated or dead hidden layers, then the extremes of the controls.
        notes = []
        if self.diverged or not finite:
            notes.append(f"diverged: learning rate {self.lr:.3g} is too large")
        else:
            layers = self.net.trace(d["X_train"])
            for l, layer in enumerate(layers[:-1], start=1):
                s = saturation(layer, self.activation)
                if self.activation == "relu" and s == 1:
                    notes.append(f"layer {l}: all units dead, the output is a constant")
                elif s >= 0.5:
                    notes.append(f"layer {l}: {s:.0%} {_saturation_word(self.activation)}")
            fallen = 1 - self.train_loss[-1] / self.train_loss[0]
            if self.epoch >= 50 and fallen < 0.2:
                notes.append(f"the loss has fallen only {max(fallen, 0):.0%} in {self.epoch} epochs")
            if self.width == 1:
                notes.append("width 1: every unit sees the same w x + b, so the boundary is a straight line")
        self.note.set_text("\n".join(notes[:2]))
        self.note.set_visible(bool(notes))
        text = (f"{self.dataset}, [2, {self.width}, {self.width}, 1] {self.activation}, learning rate {self.lr:.3g}, "
                f"epoch {self.epoch}: training loss {self.train_loss[-1]:.4f}, test loss {self.test_loss[-1]:.4f}, "
                f"accuracy training {accuracy['train']:.2f}, test {accuracy['test']:.2f}")
        if notes:
            text += " (" + "; ".join(notes) + ")"
        return {"text": text, "epoch": self.epoch, "train_loss": self.train_loss[-1], "test_loss": self.test_loss[-1],
                "train_accuracy": accuracy["train"], "test_accuracy": accuracy["test"], "diverged": self.diverged,
                "notes": notes}


def classifier_playground(dataset="xor", width=4, activation="tanh", lr=0.1, max_frames=200):
    """A network learning to classify points in the plane, epoch by epoch.

    The network [2, width, width, 1] has two hidden layers of `width` units and one sigmoid output
    p = P(class 1 | x), trained by mini-batch gradient descent (batch size 32) on the binary
    cross-entropy. The left panel colours the plane by p (red near 1, blue near 0) and draws the
    decision boundary p = 0.5; dots are the training points, triangles the test points. The right
    panel shows the loss on both sets. Each frame of Play is 5 epochs.

    Try: xor with width 1, 2, 4; circles with relu; a learning rate of 10; sigmoid against tanh.
    When does the test loss stop following the training loss?
    """
    from . import widgets

    return widgets.training_app(
        ClassifierRun(), name="classifier_playground", max_frames=max_frames, nrows=1, ncols=2, figsize=(8, 3.4),
        dataset=widgets.choice("data set", ClassifierRun.DATASETS, value=dataset),
        width=widgets.int_slider("hidden width", 1, 16, width),
        activation=widgets.choice("activation", ACTIVATIONS, value=activation),
        lr=widgets.learning_rate_slider(value=lr, min_exp=-3, max_exp=1.5, description="learning rate η"))


# =====================================================================================================
# 3. Inside the digits network while it trains (notebook 04)
# =====================================================================================================
class DigitsRun:
    """A [64, 64, 64, 64, 10] network learning the 8x8 digits, watched layer by layer.

    Training is mini-batch gradient descent (batch size 32) on the cross-entropy of a softmax output;
    each frame makes `batches_per_frame` updates. After each frame the network is traced on a fixed
    monitoring batch (the first 256 training images): the histograms are those of every hidden layer's
    activations a (on the activation's own range; relu: its positive values, those >= 4 in the last bin)
    and of the sizes |delta| of its error terms delta = dE/dz (log-spaced bins from 1e-12 to 1; smaller
    ones, zeros included, in the first bin, larger ones in the last). After every update the
    update-to-data ratio of each weight matrix W is recorded: std(lr dW) / std(W), how large the step
    was next to the weights.
    """

    def __init__(self, hidden=(64, 64, 64), lr=0.1, batch_size=32, batches_per_frame=10, n_monitor=256,
                 bins=40, seed=0):
        self.hidden, self.lr, self.batch_size = tuple(hidden), float(lr), batch_size
        self.batches_per_frame, self.bins, self.seed = batches_per_frame, bins, seed
        self.X, self.y, self.X_test, self.y_test = data.load_digits(seed=seed)
        self.X_monitor, self.y_monitor = self.X[:n_monitor], self.y[:n_monitor]

    # --- the protocol ---------------------------------------------------------------------------
    def reset(self, init_scale=1.0, activation="tanh"):
        self.init_scale, self.activation = float(init_scale), activation
        self.net = Network([64, *self.hidden, 10], activation=activation, loss="cross_entropy",
                           init_scale=self.init_scale, seed=self.seed)
        self.rng = np.random.default_rng(self.seed)  # the same mini-batches in every run
        self.order, self.position = self.rng.permutation(len(self.X)), 0
        self.updates, self.diverged = 0, False
        self.ratios = []  # one list per update: std(lr dW) / std(W) for each layer
        self.loss_curve = [(0, self.net.loss(self.X_monitor, self.y_monitor))]

    def next_batch(self):
        """The rows of the next mini-batch; a new shuffled order after each epoch."""
        if self.position >= len(self.X):
            self.order, self.position = self.rng.permutation(len(self.X)), 0
        rows = self.order[self.position:self.position + self.batch_size]
        self.position += self.batch_size
        return rows

    def step(self):
        """`batches_per_frame` updates, each recording its update-to-data ratios."""
        try:
            for _ in range(self.batches_per_frame):
                rows = self.next_batch()
                before = [W.copy() for W in self.net.weights]
                self.net.step(self.X[rows], self.y[rows], self.lr)  # forward, backward, W -= lr dW, b -= lr db
                with np.errstate(over="ignore", invalid="ignore"):  # huge weights: inf or NaN, drawn at the top
                    self.ratios.append([np.std(W0 - W) / np.std(W0) for W0, W in zip(before, self.net.weights)])
                self.updates += 1
        except DivergedError:
            self.diverged = True
            return (f"diverged after {self.updates} updates: the loss became infinite or NaN "
                    f"(initial weight scale {self.init_scale:.3g}, {self.activation})")
        self.loss_curve.append((self.updates, self.net.loss(self.X_monitor, self.y_monitor)))
        return None

    # --- the figure -----------------------------------------------------------------------------
    # Every axis is fixed for the controls' extremes, so a new run (any control change) redraws only the
    # curves and the note. What falls outside a range is drawn in its end bin or at its edge, and the axis
    # label says so. Only the activations' range depends on the activation (its own output range).
    ACT_RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "relu": (0.0, 4.0)}  # relu: >= 4 in the last bin
    DELTA_RANGE = (1e-12, 1.0)  # |delta|: smaller ones (and exact zeros) in the first bin, larger in the last
    FRACTION_RANGE = (1e-4, 1.0)  # the histograms' y axis (log: a bin of 1 value in 16384 is 6e-5)
    RATIO_RANGE = (1e-7, 10.0)  # ratios outside are drawn at the edge (NaN at the top)
    LOSS_RANGE = (1e-2, 1e3)  # losses outside are drawn at the edge (infinite or NaN at the top)
    DELTA_BINS_PER_DECADE = 4
    COLORS = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:pink"]

    def activation_edges(self, activation=None):
        """The activation histogram's bin edges: the activation's own range (relu: its positive values)."""
        lo, hi = self.ACT_RANGES[activation or self.activation]
        edges = np.linspace(lo, hi, self.bins + 1)
        if (activation or self.activation) == "relu":
            edges[0] = np.nextafter(0.0, 1.0)  # positive values only: relu's zeros are counted in the text
        return edges

    def activation_counts(self, A, edges):
        """Fraction of A's values in each bin; relu's values above the range are counted in the last bin."""
        if self.activation == "relu":
            A = np.minimum(A, edges[-1])
        return np.histogram(A, bins=edges)[0] / A.size

    def delta_edges(self):
        lo, hi = self.DELTA_RANGE
        return np.geomspace(lo, hi, int(round(np.log10(hi / lo))) * self.DELTA_BINS_PER_DECADE + 1)

    def delta_counts(self, dZ, edges):
        """Fraction of |delta| in each log-spaced bin, values outside the range (zeros too) in the end bins."""
        return np.histogram(np.clip(np.abs(dZ), edges[0], edges[-1]), bins=edges)[0] / dZ.size

    def setup(self, live):
        (ax_a, ax_d), (ax_r, ax_l) = np.reshape(live.axes, (2, 2))
        live.fig.subplots_adjust(left=0.08, right=0.98, bottom=0.09, top=0.94, wspace=0.22, hspace=0.55)
        n_hidden = len(self.hidden)
        act_edges, delta_edges = self.activation_edges("tanh"), self.delta_edges()
        style = dict(lw=1.2, baseline=None, animated=True)  # no baseline: a log axis has no 0
        self.act_stairs = [ax_a.stairs(np.zeros(self.bins), act_edges, color=self.COLORS[l], label=f"layer {l + 1}",
                                       **style) for l in range(n_hidden)]
        self.delta_stairs = [ax_d.stairs(np.zeros(len(delta_edges) - 1), delta_edges, color=self.COLORS[l],
                                         label=f"layer {l + 1}", **style) for l in range(n_hidden)]
        ax_a.legend(fontsize=7, loc="upper center", ncol=3)  # the same colours in the delta panel
        for ax in (ax_a, ax_d):
            ax.set(ylim=self.FRACTION_RANGE, ylabel="fraction of values (log)")  # limits first: no warning
            readable_log_scale(ax, "y")
        ax_a.set_title("hidden activations a (monitoring batch)")
        ax_a.xaxis.set_major_locator(MaxNLocator(4))
        ax_d.set(xlim=self.DELTA_RANGE, xlabel="|δ| (log; < 1e-12 and 0 in the first bin, > 1 in the last)",
                 title="hidden error terms δ = dE/dz (colours as left)")
        readable_log_scale(ax_d, "x")
        self.ratio_lines = [ax_r.plot([], [], color=self.COLORS[l], lw=1, animated=True,
                                      label=f"W{l + 1}" + (" (output)" if l == n_hidden else ""))[0]
                            for l in range(n_hidden + 1)]
        ax_r.axhline(1e-3, color="k", ls="--", lw=0.8, label="1e-3 (rule of thumb)")
        ax_r.legend(fontsize=7, loc="lower right", ncol=3)
        ax_r.set(ylim=self.RATIO_RANGE, xlabel="update step", ylabel="ratio (log; 0 at the bottom)",
                 title="update-to-data ratio std(lr dW) / std(W)")
        readable_log_scale(ax_r, "y")
        self.loss_line, = ax_l.plot([], [], color="0.2", lw=1.2, animated=True)
        ax_l.set(ylim=self.LOSS_RANGE, xlabel="update step", ylabel="cross-entropy (log)",
                 title=f"loss on the monitoring batch (> {self.LOSS_RANGE[1]:.0f} at the top)")
        readable_log_scale(ax_l, "y")
        for ax in (ax_r, ax_l):
            ax.xaxis.set_major_locator(MaxNLocator(5))
        self.note = _note(ax_r, x=0.02, y=0.97, va="top")
        for activation in ACTIVATIONS:  # each activation's axes drawn once now: switching later only pastes them
            self.layout(live, activation, 10 * self.batches_per_frame)
            if getattr(live, "use_layout", None) is not None:
                live.draw()

    def layout(self, live, activation, x_max):
        """The non-animated part that changes: the activation axis (its range and label) and the update axis'
        end (doubled when training reaches it). Each combination's picture is kept by the figure when it can."""
        (ax_a, _), (ax_r, ax_l) = np.reshape(live.axes, (2, 2))
        lo, hi = self.ACT_RANGES[activation]
        label = {"relu": f"activation a (relu; values > 0; ≥ {hi:.0f} in the last bin)"}.get(
            activation, f"activation a ({activation})")
        changed = False
        if tuple(ax_a.get_xlim()) != (lo, hi) or ax_a.get_xlabel() != label:
            ax_a.set_xlim(lo, hi)  # set only when it changes: setting even the same values forces a full redraw
            ax_a.set_xlabel(label)
            changed = True
        if ax_r.get_xlim()[1] != x_max:
            ax_r.set_xlim(0, x_max)
            ax_l.set_xlim(0, x_max)
            changed = True
        use_layout = getattr(live, "use_layout", None)  # a saved picture per layout, if the figure can keep them
        if changed and use_layout is not None:
            use_layout((activation, x_max))

    def draw(self, live):
        (ax_a, ax_d), (ax_r, ax_l) = np.reshape(live.axes, (2, 2))
        hidden = self.net.trace(self.X_monitor, self.y_monitor)[:-1]  # the hidden layers' Z, A, dZ, dW, db
        finite = all(np.isfinite(layer[key]).all() for layer in hidden for key in ("A", "dZ"))
        x_max = ax_r.get_xlim()[1]
        if self.updates == 0:
            x_max = 10 * self.batches_per_frame  # a new run: the update axis starts afresh
        while self.updates > x_max:
            x_max *= 2  # doubles when reached
        self.layout(live, self.activation, x_max)
        act_edges, delta_edges = self.activation_edges(), self.delta_edges()
        notes, act_lines, delta_lines = [], [], []
        for l, layer in enumerate(hidden):
            A, dZ = layer["A"], layer["dZ"]
            a_counts = self.activation_counts(A, act_edges) if finite else np.zeros(self.bins)
            d_counts = self.delta_counts(dZ, delta_edges) if finite else np.zeros(len(delta_edges) - 1)
            self.act_stairs[l].set_data(a_counts, act_edges)
            self.delta_stairs[l].set_data(d_counts, delta_edges)
            s = saturation(layer, self.activation) if finite else float("nan")
            if self.activation == "relu":
                act_lines.append(f"layer {l + 1} zeros {np.mean(A == 0):.0%}, dead units {s:.0%}")
                if s >= 0.1:
                    notes.append(f"layer {l + 1}: {s:.0%} of units dead")
            else:
                act_lines.append(f"layer {l + 1} std {np.std(A):.2f}, saturated {s:.0%}")
                if s >= 0.2:
                    notes.append(f"layer {l + 1}: {s:.0%} of values saturated")
            delta_lines.append(f"layer {l + 1} {np.std(dZ):.1e}")
        # The update-to-data ratios, one line per weight matrix, and the loss.
        ratios = np.array(self.ratios, dtype=float).reshape(-1, len(self.ratio_lines))
        steps = np.arange(1, len(ratios) + 1)
        shown = np.clip(np.nan_to_num(ratios, nan=self.RATIO_RANGE[1]), *self.RATIO_RANGE)
        for line, column in zip(self.ratio_lines, shown.T):
            line.set_data(steps, column)
        updates, losses = np.array(self.loss_curve, dtype=float).T
        self.loss_line.set_data(updates, np.clip(np.nan_to_num(losses, nan=np.inf), *self.LOSS_RANGE))
        if len(ratios):
            last = ratios[-1]
            if np.all(last < 1e-5):
                notes.append("every update is below 1e-5 of its weights: hardly learning")
            elif last[0] == 0:
                notes.append("layer 1's weights get no update at all")
            elif last[0] < last[-1] / 30:
                notes.append(f"vanishing gradients: layer 1's updates are {last[0]:.0e} of its weights, "
                             f"{last[-1] / last[0]:.0f} times less than the output layer's")
            if np.any(last > 0.1):
                notes.append("some updates are above a tenth of their weights: violent steps")
        if self.diverged or not finite:
            notes.insert(0, "diverged: the loss became infinite or NaN")
        self.note.set_text("\n".join(notes[:3]))
        self.note.set_visible(bool(notes))
        epoch = self.updates * self.batch_size / len(self.X)
        accuracy = self.net.accuracy(self.X_test, self.y_test) if finite else float("nan")
        text = (f"{self.activation}, initial weight scale {self.init_scale:.3g}: {self.updates} updates "
                f"(epoch {epoch:.1f}), loss {self.loss_curve[-1][1]:.3f}, test accuracy {accuracy:.1%}")
        if notes:
            text += "; " + "; ".join(notes)
        text += "\nactivations: " + "; ".join(act_lines) + "\nstd of δ: " + ", ".join(delta_lines)
        if len(ratios):
            text += "\nupdate-to-data ratios: " + ", ".join(f"W{l + 1} {r:.1e}" for l, r in enumerate(ratios[-1]))
        return {"text": text, "epoch": round(epoch, 1), "updates": self.updates, "loss": self.loss_curve[-1][1],
                "test_accuracy": accuracy, "notes": notes, "diverged": self.diverged or not finite,
                "ratios": ratios[-1].tolist() if len(ratios) else None}


def digits_monitor(init_scale=1.0, activation="tanh", max_frames=300):
    """Watch the inside of a digits network while it trains: activations, gradients, update sizes.

    The network [64, 64, 64, 64, 10] (three hidden layers) learns the 8x8 digits by mini-batch
    gradient descent (batch size 32, learning rate 0.1). Each frame of Play is 10 updates. Top:
    histograms of every hidden layer's activations a and of the sizes |delta| of its error terms
    delta = dE/dz, on a fixed batch of 256 training images; the fraction of values in each bin is on
    a log axis, so a bin holding 1 value in 10,000 shows as well as one holding half of them, and |delta|
    is on a log axis too (from 1e-12 to 1), so gradients that shrink by powers of ten move left.
    Bottom left: each weight matrix's update-to-data ratio std(lr dW) / std(W) after every update;
    around 1e-3 is a common rule of thumb for healthy training (from Andrej Karpathy's lecture
    "Building makemore Part 3: Activations & Gradients, BatchNorm", in his series Neural Networks:
    Zero to Hero, https://karpathy.ai/zero-to-hero.html). Bottom right: the loss (log). The axes are
    the same for every setting, so runs can be compared: what falls outside one is drawn at its edge
    (in its end bin for a histogram), and the axis label says so.

    The weight scale multiplies the usual initial weights (Xavier's for sigmoid and tanh, He's for
    relu: helpers.network.INITIALISATIONS), so 1 is the good start. Try 10 with tanh (saturated
    units: a piles up at -1 and 1, and delta shrinks), 0.01 (activations near 0; the first layer's
    updates are tiny: vanishing gradients), relu at 10 (violent first updates, then dead units) and
    sigmoid at 1 (the first layer learns a hundred times slower than the last).
    """
    from . import widgets

    return widgets.training_app(
        DigitsRun(), name="digits_monitor", max_frames=max_frames, nrows=2, ncols=2, figsize=(9, 5.6),
        figure_kw={"dpi": 80},
        init_scale=widgets.learning_rate_slider(value=init_scale, min_exp=-2, max_exp=1.5,
                                                description="initial weight scale"),
        activation=widgets.choice("activation", ACTIVATIONS, value=activation))
