"""Plots that more than one notebook needs. Each function draws on `ax` (or a new figure)
and returns the Axes, so notebooks and slider callbacks can add to it or assert on it.
"""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter, Locator, LogLocator, MaxNLocator, NullLocator


def subplots(nrows=1, ncols=1, figsize=None, **kwargs):
    """Like `plt.subplots`, but pyplot does not track the figure: use it inside slider callbacks.

    Returns (fig, axes) as `plt.subplots` does. JupyterLab sends widget messages to the kernel on
    a second thread (a "subshell"), and after every message pyplot's hooks redraw every figure it
    tracks. A tracked figure that a callback is drawing at that moment on the other thread comes
    out blank or half-drawn. A figure made here is touched only by the callback that made it;
    `display(fig)` shows it as usual.
    """
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(nrows, ncols, **kwargs)


class ReadableLogLocator(Locator):
    """Ticks for a log axis that always puts at least two inside the view.

    Matplotlib's default puts one tick per power of ten; a range inside one decade (a loss going from
    0.3 to 0.12) then gets no labelled tick at all once minor ticks are off. Here: powers of ten when
    at least two are in view, else 1, 2, 5 times them, else 1..9 times them, else a few evenly spaced values.
    """

    def __init__(self, base=10.0):
        self.base = base
        self._decades = LogLocator(base, numticks=9)

    def __call__(self):
        return self.tick_values(*self.axis.get_view_interval())

    def tick_values(self, vmin, vmax):
        vmin, vmax = sorted((float(vmin), float(vmax)))
        if not (np.isfinite(vmin) and np.isfinite(vmax)) or vmax <= 0:
            return np.array([])
        vmin = max(vmin, vmax * 1e-300)
        inside = lambda t: t[(t >= vmin * (1 - 1e-9)) & (t <= vmax * (1 + 1e-9))]
        ticks = self._decades.tick_values(vmin, vmax)
        if len(inside(ticks)) >= 2:
            return ticks
        low, high = np.floor(np.log(vmin) / np.log(self.base)), np.ceil(np.log(vmax) / np.log(self.base))
        powers = self.base ** np.arange(low - 1, high + 1)
        for subs in ((1.0, 2.0, 5.0), np.arange(1.0, 10.0)):
            ticks = inside(np.outer(powers, subs).ravel())
            if len(ticks) >= 2:
                return ticks
        ticks = MaxNLocator(nbins=3, min_n_ticks=2).tick_values(vmin, vmax)
        return ticks[ticks > 0]


class ReadableLogFormatter(Formatter):
    """Labels for ReadableLogLocator: $10^{k}$ when every tick is a power of ten, else plain numbers
    with as many digits as it takes to tell the ticks apart."""

    def __init__(self, base=10.0):
        self.base = base
        self._ticks = []

    def set_locs(self, locs):
        super().set_locs(locs)
        self._ticks = [float(t) for t in locs]

    def _exponent(self, x):
        return np.log(x) / np.log(self.base)

    def __call__(self, x, pos=None):
        if not np.isfinite(x) or x <= 0:
            return ""
        locs = [t for t in self._ticks if t > 0] or [x]
        if all(abs(self._exponent(t) - round(self._exponent(t))) < 1e-9 for t in locs):
            return f"$\\mathdefault{{{self.base:g}^{{{round(self._exponent(x))}}}}}$"
        for digits in range(2, 10):
            if len({f"{t:.{digits}g}" for t in locs}) == len(locs):
                break
        return f"{x:.{digits}g}"


def readable_log_scale(ax, axis="y"):
    """Put `ax`'s x or y axis on a log scale whose ticks are always labelled (at least two in view).

    No minor ticks: they cost about a third of each redraw of a slider's figure.
    """
    target = ax.yaxis if axis == "y" else ax.xaxis
    (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
    target.set_major_locator(ReadableLogLocator())
    target.set_major_formatter(ReadableLogFormatter())
    target.set_minor_locator(NullLocator())
    return ax


def visible_tick_labels(axis):
    """The tick labels an axis shows inside its view, as strings (after a draw, e.g. fig.canvas.draw())."""
    scale = axis.get_transform().transform  # compare in the axis's own scale (log for a log axis)
    lo, hi = sorted(scale(np.asarray(axis.get_view_interval(), dtype=float)))
    slack = 1e-6 * (hi - lo)
    coordinate = 0 if axis.axis_name == "x" else 1
    return [label.get_text() for label in axis.get_ticklabels()
            if label.get_visible() and label.get_text()
            and lo - slack <= scale(np.array([float(label.get_position()[coordinate])]))[0] <= hi + slack]


def axes_without_numbered_ticks(fig):
    """What in `fig` fails to read: one line per axis (of an Axes that shows its axes) with fewer than two
    numbered ticks in view. [] when every axis reads. Draws the figure's layout first (nothing is rendered)."""
    fig.draw_without_rendering()
    problems = []
    for index, ax in enumerate(fig.axes):
        if not (ax.get_visible() and ax.axison):
            continue
        for axis in (ax.xaxis, ax.yaxis):
            labels = visible_tick_labels(axis)
            if axis.get_visible() and len(labels) < 2:
                name = ax.get_title() or ax.get_ylabel() or f"Axes {index}"
                problems.append(f"{name!r}: the {axis.axis_name} axis shows tick labels {labels}")
    return problems


def _axes(ax, figsize=(5, 3.5)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def loss_curves(curves, ax=None, xlabel="epoch", ylabel="loss (mean over samples)", title="Training loss",
                log=True):
    """Draw one line per entry of `curves`, a dict label -> sequence of losses.

    Non-finite values (a diverged run) end the line where they start.
    """
    ax = _axes(ax)
    for label, values in curves.items():
        values = np.asarray(values, dtype=float)
        finite = np.isfinite(values)
        end = len(values) if finite.all() else int(np.argmin(finite))
        ax.plot(np.arange(1, end + 1), values[:end], label=label)
    if log and any(np.any(np.asarray(v, dtype=float) > 0) for v in curves.values()):
        readable_log_scale(ax, "y")  # labelled ticks even inside one decade, no minor ticks
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    if len(curves) > 1:
        ax.legend(fontsize="small")
    return ax


def grid_for(X, margin=0.5, resolution=150):
    """A (resolution*resolution, 2) grid of points covering the 2-D data X, and its two axes."""
    x0, x1 = X[:, 0].min() - margin, X[:, 0].max() + margin
    y0, y1 = X[:, 1].min() - margin, X[:, 1].max() + margin
    gx, gy = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    xx, yy = np.meshgrid(gx, gy)
    return np.c_[xx.ravel(), yy.ravel()], gx, gy


def decision_boundary(predict, X, y, ax=None, title="Decision boundary", resolution=150, grid=None):
    """Colour the plane by predict(points) -> class labels, and scatter the data (X (n, 2), y (n,)).

    Pass grid=grid_for(X) to reuse a precomputed grid (cheaper inside a slider callback).
    """
    ax = _axes(ax, (4.5, 4))
    points, gx, gy = grid if grid is not None else grid_for(X, resolution=resolution)
    classes = np.asarray(predict(points)).reshape(len(gy), len(gx))
    n_classes = int(max(classes.max(), np.max(y))) + 1
    levels = np.arange(n_classes + 1) - 0.5
    ax.contourf(gx, gy, classes, levels=levels, cmap="coolwarm", alpha=0.3)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", vmin=0, vmax=max(n_classes - 1, 1), s=12,
               edgecolors="k", linewidths=0.3)
    ax.set(xlabel="$x_1$", ylabel="$x_2$", title=title)
    return ax


def descent_path_1d(f, path, ax=None, xlim=None, title="Gradient descent on f(w)", xlabel="w", ylabel="f(w)"):
    """Draw the curve f(w) and the points w_0, w_1, ... of a descent path, joined in order."""
    ax = _axes(ax)
    path = np.asarray(path, dtype=float)
    finite = path[np.isfinite(path)]
    if xlim is None:
        lo, hi = (finite.min(), finite.max()) if finite.size else (-1.0, 1.0)
        pad = 0.2 * (hi - lo) + 0.5
        xlim = (lo - pad, hi + pad)
    w = np.linspace(*xlim, 400)
    ax.plot(w, f(w), color="0.3", label="f(w)")
    inside = path[np.isfinite(path) & (path >= xlim[0]) & (path <= xlim[1])]
    ax.plot(inside, f(inside), "o-", color="tab:red", ms=4, lw=1, label="steps")
    if inside.size:
        ax.plot(inside[:1], f(inside[:1]), "s", color="tab:green", ms=7, label="start")
    ax.set(xlim=xlim, xlabel=xlabel, ylabel=ylabel, title=title)
    ax.legend(fontsize="small")
    return ax


def descent_path_2d(f, path, ax=None, xlim=(-3, 3), ylim=(-3, 3), title="Gradient descent on f(w1, w2)",
                    xlabel="$w_1$", ylabel="$w_2$", levels=20):
    """Contours of f(w1, w2) (f takes two arrays of the same shape) and the path, an (n, 2) array."""
    ax = _axes(ax, (4.5, 4))
    g1, g2 = np.meshgrid(np.linspace(*xlim, 200), np.linspace(*ylim, 200))
    ax.contour(g1, g2, f(g1, g2), levels=levels, cmap="viridis", linewidths=0.7)
    path = np.asarray(path, dtype=float)
    path = path[np.all(np.isfinite(path), axis=1)]
    ax.plot(path[:, 0], path[:, 1], "o-", color="tab:red", ms=3, lw=1)
    if len(path):
        ax.plot(path[0, 0], path[0, 1], "s", color="tab:green", ms=7)
    ax.set(xlim=xlim, ylim=ylim, xlabel=xlabel, ylabel=ylabel, title=title)
    return ax


def draw_network(sizes, ax=None, node_labels=None, weight_labels=None, bias_labels=None, layer_names=None,
                 error_label=None, title=None):
    """A drawn, annotated diagram of a fully connected network.

    sizes          layer sizes, inputs first, e.g. [2, 3, 2]
    node_labels    one list of strings per layer (e.g. [["$x_1$", "$x_2$"], ...]); default: none
    weight_labels  a function (l, j, k) -> str for the weight from unit k of layer l-1 to unit j of
                   layer l (l = 1..L), or None; use it only for small networks
    bias_labels    a function (l, j) -> str drawn under unit j of layer l, or None
    layer_names    one caption per layer under the diagram (default: input / hidden l / output)
    error_label    if given, an extra node E after the outputs, with this label
    """
    L = len(sizes) - 1
    ax = _axes(ax, (1.9 * (L + 1) + (1.5 if error_label else 0), 0.9 * max(sizes) + 1.4))
    top = max(sizes)
    pos = [[(l, (n - 1) / 2 - j) for j in range(n)] for l, n in enumerate(sizes)]
    for l in range(1, L + 1):
        for j, (x1, y1) in enumerate(pos[l]):
            for k, (x0, y0) in enumerate(pos[l - 1]):
                ax.plot([x0, x1], [y0, y1], color="0.6", lw=0.8, zorder=1)
                if weight_labels is not None:
                    t = 0.3 if (j + k) % 2 == 0 else 0.55
                    ax.text(x0 + t * (x1 - x0), y0 + t * (y1 - y0), weight_labels(l, j, k), fontsize=8,
                            ha="center", va="center", color="tab:blue",
                            bbox=dict(fc="white", ec="none", pad=0.5), zorder=3)
    colors = ["#cde5f7"] + ["#fde3c3"] * (L - 1) + ["#d5f0d0"]
    for l, layer in enumerate(pos):
        for j, (x, y) in enumerate(layer):
            ax.add_patch(plt.Circle((x, y), 0.22, fc=colors[l], ec="k", lw=0.8, zorder=4))
            if node_labels is not None:
                ax.text(x, y, node_labels[l][j], ha="center", va="center", fontsize=8, zorder=5)
            if bias_labels is not None and l > 0:
                ax.text(x, y - 0.34, bias_labels(l, j), ha="center", va="top", fontsize=7, color="tab:purple",
                        zorder=5)
    if error_label is not None:
        xe = L + 1
        for (x, y) in pos[-1]:
            ax.plot([x, xe], [y, 0], color="0.6", lw=0.8, ls="--", zorder=1)
        ax.add_patch(plt.Rectangle((xe - 0.25, -0.22), 0.5, 0.44, fc="#f7cdcd", ec="k", lw=0.8, zorder=4))
        ax.text(xe, 0, error_label, ha="center", va="center", fontsize=8, zorder=5)
    if layer_names is None:
        layer_names = ["input"] + [f"hidden {l}" for l in range(1, L)] + ["output"]
    ymin = -(top - 1) / 2 - 0.8
    for l, name in enumerate(layer_names):
        ax.text(l, ymin, name, ha="center", va="top", fontsize=9)
    ax.set_xlim(-0.5, L + (1.5 if error_label else 0.5))
    ax.set_ylim(ymin - 0.4, (top - 1) / 2 + 0.5)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax
