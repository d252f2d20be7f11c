"""The benchmark of issue 9: `make bench` (or `python bench/bench.py [--quick]`).

Everything is measured in one run. Epoch times are interleaved (one epoch of each
implementation, then the next repeat) and reported as medians, so the ratios hold on a
shared, noisy machine even when the absolute times do not.

    MNIST-shaped training, Network([784, 128, 10], relu, softmax + cross-entropy), batch 64, lr 0.1:
      helpers float32 / float64, a per-sample loop (notebook 03 before vectorizing),
      the 5 matrix products per batch alone (the practical floor), PyTorch, scikit-learn
    accuracy: 20 epochs on real MNIST, and the 8x8 digits
    the renderer (helpers.widgets.live_app) on issue 14's representative figure, against a new figure per change
    the training apps of helpers.playgrounds: frames per second kernel-side (target for the 2-D classifier)
    notebooks: execution time of each from a clean kernel; then, in its kernel, every control of every app it
      made (helpers.widgets.registered_apps()): median and 95th percentile from a value change to the encoded
      frame, computation included; and each training app played for a while: frames per second

Real MNIST is used when its files are found (BACKPROP_MNIST_DIR, the helpers.mnist cache,
or ../shared/data/mnist); otherwise random data of the same shape, and no MNIST accuracy.
--quick skips the 20-epoch MNIST run and uses fewer repeats; --no-notebooks skips the notebooks;
--interactive-only skips the epoch times and accuracies; --notebook 03 runs only notebooks named so.
--threads N limits numpy's BLAS and PyTorch to N threads (default: numpy's default).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from helpers import Network  # noqa: E402
from helpers import mnist  # noqa: E402

ARCH = [784, 128, 10]
BATCH = 64
LR = 0.1
NET_KWARGS = dict(activation="relu", output="softmax", loss="cross_entropy")

# Targets of issue 9: (what, comparison, bound). The value is a ratio, a percentage or seconds.
TARGETS = {
    "helpers/pytorch": ("<=", 0.6),  # issue 13 item 2 (issue 9 had 0.55)
    "helpers/floor": ("<=", 1.4),
    "float64/float32": ("<=", 2.2),
    "mnist accuracy %": (">=", 98.0),
    "digits accuracy %": (">=", 97.0),
    "digits training s": ("<", 1.0),
    "slider median ms": ("<=", 70.0),  # issue 14: a control change to its encoded frame, computation included
    "slider p95 ms": ("<=", 120.0),
    "frames/s": (">=", 15.0),  # the 2-D classifier training app at its default size
    "notebook s": ("<", 30.0),
}


# --- small tools ----------------------------------------------------------------------------
def median(xs):
    return float(np.median(xs)) if len(xs) else float("nan")


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - start


def verdict(key, value):
    if key not in TARGETS or value is None or not np.isfinite(value):
        return ""
    op, bound = TARGETS[key]
    ok = {"<=": value <= bound, "<": value < bound, ">=": value >= bound}[op]
    return f"{op} {bound:g}  {'PASS' if ok else 'MISS'}"


class Table:
    def __init__(self):
        self.rows = []

    def section(self, title):
        self.rows.append((f"-- {title}", "", ""))

    def add(self, what, value, target=""):
        self.rows.append((what, value, target))

    def print(self):
        rows = [r for r in self.rows if not r[0].startswith("-- ")] or self.rows  # section titles may overflow
        width = max(len(r[0]) for r in rows) + 2
        vwidth = max(len(r[1]) for r in rows) + 2
        print()
        print(f"{'measurement':<{width}}{'value':>{vwidth}}   target")
        print("-" * (width + vwidth + 20))
        for what, value, target in self.rows:
            print(f"{what:<{width}}{value:>{vwidth}}   {target}".rstrip())


def blas_info():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed", None
    infos = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    if not infos:
        return "unknown BLAS", None
    i = infos[0]
    text = f"{i.get('internal_api')} {i.get('version')} {i.get('architecture', '')}, {i.get('num_threads')} threads"
    return text, i.get("num_threads")


# --- data -----------------------------------------------------------------------------------
def find_mnist():
    """The folder holding the four MNIST files, or None."""
    candidates = []
    if os.environ.get("BACKPROP_MNIST_DIR"):
        candidates.append(Path(os.environ["BACKPROP_MNIST_DIR"]))
    candidates += [mnist.mnist_dir(), REPO.parent / "shared" / "data" / "mnist"]
    for folder in candidates:
        if all((folder / f"{n}.gz").is_file() or (folder / n).is_file() for n in mnist.SHA256):
            return folder
    return None


def load_data():
    folder = find_mnist()
    if folder is not None:
        X, y, Xt, yt = mnist.load_mnist(cache_dir=folder)
        return X, y, Xt, yt, f"real MNIST from {folder}"
    rng = np.random.default_rng(0)
    X = rng.random((60000, 784), dtype=np.float32)
    y = rng.integers(0, 10, 60000)
    return X, y, None, None, "synthetic data of MNIST's shape (no MNIST files found)"


# --- the implementations, one epoch each ------------------------------------------------------
class HelpersEpoch:
    """One epoch of helpers.Network.fit, in steady state: fit runs two epochs and the time between
    the ends of the first and the second (fit's epoch callback) is taken, so the checks and
    conversions fit does once per call, whatever the number of epochs, are not counted."""

    def __init__(self, X, y, dtype):
        self.X = np.ascontiguousarray(X, dtype=dtype)  # convert once, outside the timing
        self.y = y
        self.net = Network(ARCH, dtype=dtype, seed=0, **NET_KWARGS)

    def __call__(self):
        ends = []
        self.net.fit(self.X, self.y, epochs=2, lr=LR, batch_size=BATCH,
                     callback=lambda epoch, history: ends.append(time.perf_counter()))
        return ends[1] - ends[0]


class PerSampleEpoch:
    """The same network, one sample at a time inside each batch: the style before vectorizing.

    Each sample is a vector x (784,); its gradients are accumulated over the batch, then one
    update with their mean. Slow, so only `fraction` of an epoch is run and the time scaled up.
    """

    def __init__(self, X, y, dtype=np.float32, fraction=1.0, seed=0):
        self.X = np.asarray(X, dtype=dtype)
        self.Y = np.eye(10, dtype=dtype)[y]
        rng = np.random.default_rng(seed)
        self.W1 = (rng.standard_normal((128, 784)) * np.sqrt(2 / 784)).astype(dtype)
        self.b1 = np.zeros(128, dtype)
        self.W2 = (rng.standard_normal((10, 128)) * np.sqrt(2 / 128)).astype(dtype)
        self.b2 = np.zeros(10, dtype)
        self.rng = rng
        self.n_batches = max(1, round(fraction * len(X) / BATCH))

    def train_batch(self, idx):
        W1, b1, W2, b2 = self.W1, self.b1, self.W2, self.b2
        gW1, gb1 = np.zeros_like(W1), np.zeros_like(b1)
        gW2, gb2 = np.zeros_like(W2), np.zeros_like(b2)
        for i in idx:
            x, y = self.X[i], self.Y[i]
            z1 = W1 @ x + b1  # forward, one sample
            a1 = np.maximum(z1, 0)
            z2 = W2 @ a1 + b2
            p = np.exp(z2 - z2.max())
            p /= p.sum()
            dz2 = p - y  # backward: softmax + cross-entropy
            gW2 += np.outer(dz2, a1)
            gb2 += dz2
            dz1 = (W2.T @ dz2) * (z1 > 0)
            gW1 += np.outer(dz1, x)
            gb1 += dz1
        step = LR / len(idx)
        W1 -= step * gW1
        b1 -= step * gb1
        W2 -= step * gW2
        b2 -= step * gb2

    def __call__(self):
        order = self.rng.permutation(len(self.X))
        start = time.perf_counter()
        for k in range(self.n_batches):
            self.train_batch(order[k * BATCH:(k + 1) * BATCH])
        elapsed = time.perf_counter() - start
        return elapsed * (len(self.X) / BATCH) / self.n_batches


class MatmulFloor:
    """Only the 5 matrix products of each batch, into preallocated outputs:
    forward X W1^T and A1 W2^T, backward dZ2^T A1, dZ2 W2 and dZ1^T X."""

    def __init__(self, X, dtype=np.float32):
        self.X = np.ascontiguousarray(X, dtype=dtype)
        rng = np.random.default_rng(0)
        self.W1 = rng.standard_normal((128, 784)).astype(dtype)
        self.W2 = rng.standard_normal((10, 128)).astype(dtype)
        self.A1 = np.empty((BATCH, 128), dtype)
        self.Z2 = np.empty((BATCH, 10), dtype)
        self.dZ2 = rng.standard_normal((BATCH, 10)).astype(dtype)
        self.dA1 = np.empty((BATCH, 128), dtype)
        self.dW1 = np.empty_like(self.W1)
        self.dW2 = np.empty_like(self.W2)

    def __call__(self):
        X, W1, W2, A1, dZ2, dA1 = self.X, self.W1, self.W2, self.A1, self.dZ2, self.dA1
        n = len(X) - len(X) % BATCH  # whole batches (the last partial one is left out)
        start = time.perf_counter()
        for s in range(0, n, BATCH):
            xb = X[s:s + BATCH]
            np.matmul(xb, W1.T, out=A1)
            np.matmul(A1, W2.T, out=self.Z2)
            np.matmul(dZ2.T, A1, out=self.dW2)
            np.matmul(dZ2, W2, out=dA1)
            np.matmul(dA1.T, xb, out=self.dW1)
        return (time.perf_counter() - start) * len(X) / n


class TorchEpoch:
    """PyTorch on the CPU: nn.Sequential + SGD, batches by indexing a shuffled permutation."""

    def __init__(self, X, y, threads):
        import torch
        self.torch = torch
        if threads:
            torch.set_num_threads(threads)
        torch.manual_seed(0)
        self.X = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
        self.y = torch.from_numpy(np.asarray(y, dtype=np.int64))
        self.model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
        self.loss = torch.nn.CrossEntropyLoss()
        self.opt = torch.optim.SGD(self.model.parameters(), lr=LR)

    def __call__(self):
        torch, model, loss_fn, opt = self.torch, self.model, self.loss, self.opt
        start = time.perf_counter()
        order = torch.randperm(len(self.X))
        for s in range(0, len(self.X), BATCH):
            idx = order[s:s + BATCH]
            opt.zero_grad()
            loss = loss_fn(model(self.X[idx]), self.y[idx])
            loss.backward()
            opt.step()
        return time.perf_counter() - start

    def accuracy(self, Xt, yt):
        with self.torch.no_grad():
            pred = self.model(self.torch.from_numpy(np.ascontiguousarray(Xt, dtype=np.float32))).argmax(1)
        return float((pred.numpy() == yt).mean())


class SklearnEpoch:
    """scikit-learn's MLPClassifier, plain SGD (no momentum, no L2), one partial_fit = one epoch."""

    def __init__(self, X, y):
        from sklearn.neural_network import MLPClassifier
        self.X = np.ascontiguousarray(X, dtype=np.float32)
        self.y = y
        self.model = MLPClassifier(hidden_layer_sizes=(128,), activation="relu", solver="sgd", alpha=0.0,
                                   batch_size=BATCH, learning_rate="constant", learning_rate_init=LR,
                                   momentum=0.0, nesterovs_momentum=False, max_iter=1, shuffle=True,
                                   random_state=0)
        self.classes = np.arange(10)

    def __call__(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return timed(self.model.partial_fit, self.X, self.y, classes=self.classes)


def installed(module):
    try:
        __import__(module)
        return True
    except ImportError:
        return False


def interleaved(impls, repeats):
    """{name: [seconds, ...]}: one epoch of each implementation in turn, `repeats` times."""
    times = {name: [] for name in impls}
    for run in impls.values():  # warm-up round, not counted: first-touch page faults, lazy imports
        run()
    for r in range(repeats):
        for name, run in impls.items():
            times[name].append(run())
        print(f"  repeat {r + 1}/{repeats}: " + ", ".join(f"{n} {t[-1]:.3f}s" for n, t in times.items()),
              file=sys.stderr, flush=True)
    return times


# --- accuracy ---------------------------------------------------------------------------------
# Plain SGD with a step-decayed learning rate (fit called once per stage), batch 64 as above:
# 20 epochs reach 98.0-98.3 % test accuracy on seeds 0-3 (a constant 0.1 gives 97.7-98.0 %).
MNIST_SCHEDULE = [(0.5, 10), (0.1, 5), (0.02, 5)]  # (learning rate, epochs)


def train(net, X, y, schedule, batch_size):
    """Fit stage by stage; return the training time in seconds."""
    start = time.perf_counter()
    for lr, epochs in schedule:
        net.fit(X, y, epochs=epochs, lr=lr, batch_size=batch_size)
    return time.perf_counter() - start


def mnist_accuracy(X, y, Xt, yt):
    net = Network(ARCH, dtype="float32", seed=0, **NET_KWARGS)
    seconds = train(net, np.ascontiguousarray(X, dtype=np.float32), y, MNIST_SCHEDULE, BATCH)
    return 100 * net.accuracy(Xt, yt), seconds


def digits_data():
    """The 8x8 digits (1797 images), split 80/20 by helpers.data.load_digits."""
    from helpers.data import load_digits
    return load_digits(dtype=np.float32)


# [64, 128, 10], batch 32: 97.8-98.3 % on seeds 0-5, in about 0.1 s of CPU time.
DIGITS_HIDDEN, DIGITS_BATCH, DIGITS_SCHEDULE = 128, 32, [(0.3, 20), (0.05, 10)]


def digits_accuracy():
    X, y, Xt, yt = digits_data()
    net = Network([X.shape[1], DIGITS_HIDDEN, 10], dtype="float32", seed=0, **NET_KWARGS)
    seconds = train(net, X, y, DIGITS_SCHEDULE, DIGITS_BATCH)
    return 100 * net.accuracy(Xt, yt), seconds


# --- interactive figures: sliders and training apps -------------------------------------------
# Every app made with helpers.widgets.live_app / training_app is in the registry
# (widgets.registered_apps()). Each control is driven through its range: setting a value on the
# main thread re-runs the app's computation, redraws and encodes the frame synchronously, so the time
# of `control.value = v` is what a reader waits for kernel-side after moving it. A training app is
# also played: each Play tick is one frame (training step, draw, encode).
N_VALUES = 12  # values per control, ends included, then back to where it was
N_FRAMES = 60  # Play ticks per training app


def control_values(w, n):
    """n values spread over a control's range (its options, for buttons), ends included."""
    import ipywidgets
    if getattr(w, "options", None):
        options = [o[1] if isinstance(o, tuple) else o for o in w.options]
        return [options[i % len(options)] for i in range(max(n, len(options)))]
    lo, hi = w.min, w.max
    if isinstance(w, ipywidgets.FloatLogSlider):
        return [float(w.base ** e) for e in np.linspace(lo, hi, n)]
    values = np.linspace(lo, hi, n)
    return [int(round(v)) for v in values] if isinstance(w.value, int) else [float(v) for v in values]


def is_control(w):
    return hasattr(w, "value") and (hasattr(w, "min") or bool(getattr(w, "options", None)))


def drive_control(w, n_values=N_VALUES):
    """Seconds of each value change of control w (its range, ends included, then its start value)."""
    start, times = w.value, []
    for v in control_values(w, n_values) + [start]:
        if v == w.value:
            continue
        t0 = time.perf_counter()
        w.value = v
        times.append(time.perf_counter() - t0)
    return times


def play_app(app, n_frames=N_FRAMES):
    """Play a training app from a fresh run for n_frames ticks; {"times": seconds per frame, ...}."""
    app.reset_button.click()
    times = []
    for _ in range(n_frames):
        if app.stopped:
            break
        t0 = time.perf_counter()
        app.play.value += 1
        times.append(time.perf_counter() - t0)
    result = {"times": times, "frames": app.frame, "stopped": app.stopped}
    app.reset_button.click()
    return result


def probe_apps(n_values=N_VALUES, n_frames=N_FRAMES):
    """Drive every registered app; a JSON-able dict
    {"sliders": {"app: control": [seconds]}, "training": {app: play_app(...)}, "errors": {...}}."""
    from helpers import widgets
    result = {"sliders": {}, "render": {}, "training": {}, "errors": {}}
    for app in widgets.registered_apps():
        for name, w in app.controls.items():
            if not is_control(w):
                continue
            try:
                before, full = len(app.live.frame_times), app.live.full_draws
                result["sliders"][f"{app.name}: {name}"] = drive_control(w, n_values)
                result["render"][f"{app.name}: {name}"] = app.live.frame_times[before:]
                result.setdefault("full_draws", {})[f"{app.name}: {name}"] = app.live.full_draws - full
            except Exception as err:  # a traceback at some value: reported, and the next control goes on
                result["errors"][f"{app.name}: {name}"] = f"{type(err).__name__}: {err}"[:200]
        if app.kind == "training":
            try:
                result["training"][app.name] = play_app(app, n_frames)
            except Exception as err:
                result["errors"][f"{app.name}: play"] = f"{type(err).__name__}: {err}"[:200]

    return result


# Run inside each notebook's kernel after its last cell.
SLIDER_PROBE = r"""
import json as _json, sys as _sys
from IPython.display import clear_output as _clear_output
_sys.path.insert(0, BENCH_DIR)
import bench as _bench
_bench_result = _bench.probe_apps(N_VALUES, N_FRAMES)
_clear_output()
print("BENCH-APPS " + _json.dumps(_bench_result))
"""


def run_notebook(path, n_values=N_VALUES, n_frames=N_FRAMES, sliders=True):
    """Execute a notebook from a clean kernel (not saved); return (seconds, probe_apps result).

    The time covers starting the kernel and running every cell; then, in the same kernel, the
    probe drives every app the notebook made.
    """
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    apps = {}
    start = time.perf_counter()
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        seconds = time.perf_counter() - start
        if sliders:
            code = (SLIDER_PROBE.replace("BENCH_DIR", repr(str(Path(__file__).resolve().parent)))
                    .replace("N_VALUES", str(n_values)).replace("N_FRAMES", str(n_frames)))
            probe = nbformat.v4.new_code_cell(code)
            nb.cells.append(probe)
            client.execute_cell(probe, len(nb.cells) - 1)
            for out in probe.outputs:
                for line in out.get("text", "").splitlines():
                    if line.startswith("BENCH-APPS "):
                        apps = json.loads(line[len("BENCH-APPS "):])
    return seconds, apps


def notebooks(sliders=True, only=None):
    """{notebook: (seconds, probe result) or error text}."""
    results = {}
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        if only and not any(o in path.stem for o in only):
            continue
        print(f"  running {path.name}", file=sys.stderr, flush=True)
        try:
            results[path.stem] = run_notebook(path, sliders=sliders)
        except Exception as err:  # report and go on with the next notebook
            results[path.stem] = f"error: {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"[:70]
    return results


def latency_rows(table, label, seconds, render=None, full_draws=None):
    """One row per control: median / p95 in ms against the targets (and the median of the drawing and
    encoding alone, when known: the rest is the app's computation)."""
    ms = 1000 * np.array(seconds)
    med, p95 = float(np.median(ms)), float(np.percentile(ms, 95))
    ok = med <= TARGETS["slider median ms"][1] and p95 <= TARGETS["slider p95 ms"][1]
    drawn = f", render {1000 * median(render):.0f} ms" if render else ""
    if full_draws is not None and render:
        drawn += f", {full_draws} full draws"  # the others were blitted
    table.add(f"{label} ({len(ms)} changes{drawn})", f"{med:.0f} / {p95:.0f} ms",
              f"<= {TARGETS['slider median ms'][1]:g} / {TARGETS['slider p95 ms'][1]:g}  {'PASS' if ok else 'MISS'}")
    return ok


def frame_rate_row(table, label, played, target=True):
    times = played["times"]
    if not times:
        table.add(label, "no frames", "MISS" if target else "")
        return
    fps = len(times) / sum(times)
    stop = f", stopped: {played['stopped']}" if played.get("stopped") else ""
    table.add(f"{label} ({len(times)} frames, median {1000 * median(times):.0f} ms{stop})"[:110], f"{fps:.1f} /s",
              verdict("frames/s", fps) if target else "")


# The representative figure of issue 14: 800x350, two panels, a 100x100 image, a loss curve, 200 points.
def representative_app(n=100, points=200, epochs=300):
    from helpers import plots, widgets
    rng = np.random.default_rng(0)
    g = np.linspace(-2, 2, n)
    xx, yy = np.meshgrid(g, g)
    P, c = rng.standard_normal((points, 2)), rng.integers(0, 2, points)
    e = np.arange(1, epochs + 1)

    def setup(live):
        left, right = live.axes
        image = left.imshow(np.zeros((n, n)), extent=(-2, 2, -2, 2), origin="lower", cmap="coolwarm", vmin=0,
                            vmax=1, aspect="auto", animated=True)
        dots = left.scatter(P[:, 0], P[:, 1], c=c, cmap="coolwarm", s=12, edgecolors="k", linewidths=0.3,
                            animated=True)
        line, = right.plot([], [], animated=True)
        left.set(xlim=(-3, 3), ylim=(-3, 3), xlabel="$x_1$", ylabel="$x_2$", title="probability")
        plots.readable_log_scale(right)
        right.set(xlim=(0, epochs), ylim=(1e-3, 1.5), xlabel="epoch", ylabel="loss", title="training loss")
        return {"image": image, "dots": dots, "line": line}

    def update(state, live, k):
        state["image"].set_array(1 / (1 + np.exp(-k * xx * yy)))
        state["dots"].set_array((P[:, 0] * P[:, 1] * k > 0).astype(float))
        state["line"].set_data(e, np.exp(-e / (20 + 10 * k)) + 1e-3)
        return {"text": f"k = {k:.3g}"}

    return widgets.live_app(setup, update, k=widgets.float_slider("k", 0.1, 5.0, 1.0), name="representative",
                            nrows=1, ncols=2, figsize=(8, 3.5))


def representative_new_figure(k, n=100, points=200, epochs=300):
    """The same picture the way the notebooks drew it before the renderer: a new figure per change, drawn and
    encoded to PNG (one draw: a fixed layout, no tight crop)."""
    import io
    from helpers import plots
    rng = np.random.default_rng(0)
    g = np.linspace(-2, 2, n)
    xx, yy = np.meshgrid(g, g)
    P, c = rng.standard_normal((points, 2)), rng.integers(0, 2, points)
    e = np.arange(1, epochs + 1)
    fig, (left, right) = plots.subplots(1, 2, figsize=(8, 3.5))
    left.imshow(1 / (1 + np.exp(-k * xx * yy)), extent=(-2, 2, -2, 2), origin="lower", cmap="coolwarm", vmin=0,
                vmax=1, aspect="auto")
    left.scatter(P[:, 0], P[:, 1], c=c, cmap="coolwarm", s=12, edgecolors="k", linewidths=0.3)
    right.plot(e, np.exp(-e / (20 + 10 * k)) + 1e-3)
    plots.readable_log_scale(right)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.14, top=0.9, wspace=0.25)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def interactive_in_process(table, n_values):
    """The renderer on the representative figure, and the training apps of helpers.playgrounds at their
    default sizes, measured in this process (kernel-side, as in a notebook's kernel)."""
    table.section("renderer: 800x350 figure, 100x100 image + curve + 200 points (median / p95)")
    app = representative_app()
    latency_rows(table, "live_app, one persistent figure", drive_control(app.controls["k"], 3 * n_values),
                 app.live.frame_times[1:])
    old = []
    for k in np.linspace(0.1, 5.0, n_values):
        old.append(timed(representative_new_figure, float(k)))
    ms = 1000 * np.array(old)
    table.add(f"a new figure per change, PNG (as before the renderer; {len(ms)} changes)",
              f"{np.median(ms):.0f} / {np.percentile(ms, 95):.0f} ms")
    table.add("  full draws of the persistent figure (the rest blitted)", f"{app.live.full_draws}")
    try:
        from helpers import playgrounds
    except ImportError as err:
        table.add("helpers.playgrounds", f"not importable: {err}"[:60], "MISS")
        return
    table.section("training apps of helpers.playgrounds at their default size: frame rate kernel-side")
    for name, target in (("classifier_playground", True), ("descent_playground", False), ("digits_monitor", False)):
        make = getattr(playgrounds, name, None)
        if make is None:
            table.add(name, "missing", "MISS" if target else "")
            continue
        try:
            app = make()
            frame_rate_row(table, f"{name}()", play_app(app, N_FRAMES), target=target)
            for control, w in app.controls.items():
                if is_control(w):
                    before, full = len(app.live.frame_times), app.live.full_draws
                    times = drive_control(w, n_values)
                    latency_rows(table, f"  {name}: {control} (reset + first frame)", times,
                                 app.live.frame_times[before:], app.live.full_draws - full)
        except Exception as err:
            table.add(name, f"error: {type(err).__name__}: {err}"[:70], "MISS")


def notebook_rows(table, nbs):
    for name, res in nbs.items():
        if isinstance(res, str):
            table.add(name, res, "MISS")
            continue
        seconds, apps = res
        table.add(f"{name} (run all)", f"{seconds:.1f} s", verdict("notebook s", seconds))
        if not apps:
            table.add("  (no probe result)", "")
            continue
        for label, times in apps.get("sliders", {}).items():
            latency_rows(table, f"  {label}", times, apps.get("render", {}).get(label),
                         apps.get("full_draws", {}).get(label))
        for label, played in apps.get("training", {}).items():
            frame_rate_row(table, f"  {label}: Play", played, target="classif" in label.lower())
        for label, error in apps.get("errors", {}).items():
            table.add(f"  {label}", error[:60], "MISS (traceback)")
        if not any(apps.get(k) for k in ("sliders", "training", "errors")):
            table.add("  (no interactive app)", "")


def network_part(args, table, repeats, blas, threads, have_torch, have_sklearn):
    """The epoch times, ratios and accuracies of issue 9, into `table`; returns the data's description."""
    X, y, Xt, yt, source = load_data()
    print(f"python {platform.python_version()}, numpy {np.__version__} ({blas}), {os.cpu_count()} cores",
          file=sys.stderr)
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if os.environ.get(var):
            print(f"note: {var}={os.environ[var]} is set; it can slow numpy's BLAS (see the README)",
                  file=sys.stderr)
    print(f"data: {source}", file=sys.stderr)

    impls = {
        "helpers f32": HelpersEpoch(X, y, np.float32),
        "helpers f64": HelpersEpoch(X, y, np.float64),
        "floor f32": MatmulFloor(X),
        "per-sample f32": PerSampleEpoch(X, y, fraction=0.1 if args.quick else 0.25),
    }
    if have_torch:
        impls["pytorch f32"] = TorchEpoch(X, y, threads)
    if have_sklearn:
        impls["sklearn f32"] = SklearnEpoch(X, y)
    print(f"epoch times, {repeats} interleaved repeats:", file=sys.stderr)
    times = interleaved(impls, repeats)
    med = {name: median(t) for name, t in times.items()}

    table.section(f"one epoch, {ARCH} relu/softmax, batch {BATCH}, lr {LR} (median of {repeats})")
    labels = {
        "helpers f32": "helpers Network.fit, float32",
        "helpers f64": "helpers Network.fit, float64",
        "per-sample f32": "per-sample loop, float32 (part of an epoch, scaled)",
        "floor f32": "matrix products only (floor), float32",
        "pytorch f32": "PyTorch CPU, float32",
        "sklearn f32": "scikit-learn MLPClassifier, float32",
    }
    for name in ["helpers f32", "helpers f64", "per-sample f32", "floor f32", "pytorch f32", "sklearn f32"]:
        value = f"{med[name]:.3f} s" if name in med else "not installed"
        table.add(labels[name], value)
    checks = impls["helpers f32"]
    check_time = median([timed(checks.net._check_XY, checks.X, checks.y) for _ in range(3)])
    table.add("  (+ fit's input checks, once per call, float32)", f"{check_time:.3f} s")

    table.section("ratios (of the medians)")
    ratios = [
        ("helpers/pytorch", "helpers f32", "pytorch f32"),
        ("helpers/sklearn", "helpers f32", "sklearn f32"),
        ("helpers/floor", "helpers f32", "floor f32"),
        ("per-sample/helpers", "per-sample f32", "helpers f32"),
        ("float64/float32", "helpers f64", "helpers f32"),
    ]
    for key, num, den in ratios:
        if num in med and den in med:
            r = med[num] / med[den]
            table.add(key, f"{r:.2f}", verdict(key, r))
        else:
            table.add(key, "n/a")

    table.section("accuracy (float32, seed 0, SGD with the learning rate stepped down)")
    stages = lambda schedule: " + ".join(f"{e}x{lr:g}" for lr, e in schedule)
    if Xt is not None and not args.quick:
        print("MNIST, 20 epochs ...", file=sys.stderr, flush=True)
        acc, seconds = mnist_accuracy(X, y, Xt, yt)
        table.add(f"MNIST test accuracy % [784-128-10, batch {BATCH}, epochs x lr {stages(MNIST_SCHEDULE)}]",
                  f"{acc:.2f}", verdict("mnist accuracy %", acc))
        table.add("  its training time", f"{seconds:.1f} s")
    else:
        table.add("MNIST test accuracy %, 20 epochs", "skipped (--quick)" if Xt is not None else "no MNIST files")
    acc, seconds = digits_accuracy()
    table.add(f"8x8 digits test accuracy % [64-{DIGITS_HIDDEN}-10, batch {DIGITS_BATCH}, {stages(DIGITS_SCHEDULE)}]",
              f"{acc:.2f}", verdict("digits accuracy %", acc))
    table.add("  its training time", f"{seconds:.3f} s", verdict("digits training s", seconds))

    return source


# --- main -------------------------------------------------------------------------------------
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="skip the 20-epoch MNIST run, fewer repeats")
    parser.add_argument("--repeats", type=int, default=None, help="interleaved repeats (default 5, 3 with --quick)")
    parser.add_argument("--no-notebooks", action="store_true", help="skip the notebooks and their sliders")
    parser.add_argument("--threads", type=int, default=None, help="BLAS and PyTorch threads (default: numpy's)")
    parser.add_argument("--interactive-only", action="store_true",
                        help="only the interactive figures (renderer, training apps, notebooks' controls)")
    parser.add_argument("--notebook", action="append", default=None,
                        help="only notebooks whose name contains this (repeatable)")
    args = parser.parse_args(argv)
    if args.threads:
        from threadpoolctl import threadpool_limits
        threadpool_limits(args.threads)
    repeats = args.repeats or (3 if args.quick else 5)

    blas, threads = blas_info()
    table = Table()
    have_torch, have_sklearn = installed("torch"), installed("sklearn")
    source = "not loaded (--interactive-only)"
    if not args.interactive_only:
        source = network_part(args, table, repeats, blas, threads, have_torch, have_sklearn)
    interactive_in_process(table, n_values=N_VALUES)

    table.section("notebooks: run all from a clean kernel; every control of every app: median / p95 ms from a "
                  "value change to the encoded frame; training apps: frames/s")
    if args.no_notebooks:
        table.add("(skipped)", "")
    else:
        nbs = notebooks(only=args.notebook)
        if not nbs:
            table.add("(no notebooks)", "")
        notebook_rows(table, nbs)

    print(f"\nBackprop from Scratch benchmark: {platform.machine()}, {os.cpu_count()} cores, numpy {np.__version__}, "
          f"{blas}; data: {source}")
    if have_torch:
        import torch
        print(f"torch {torch.__version__} ({torch.get_num_threads()} threads)", end="")
    if have_sklearn:
        import sklearn
        print(f", scikit-learn {sklearn.__version__}", end="")
    print()
    table.print()


if __name__ == "__main__":
    main()
