import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import Network, plots, widgets


def test_log_slider_spans_decades():
    slider = widgets.learning_rate_slider(value=0.1, min_exp=-3, max_exp=1)
    assert (slider.min, slider.max, slider.base) == (-3, 1, 10)
    slider.value = 10.0
    assert slider.value == pytest.approx(10.0)
    assert widgets.learning_rate_slider().description == "learning rate"


def test_a_real_blow_up_is_a_message_not_a_traceback():
    """A real network trained at a huge learning rate raises DivergedError inside fit: the app says so."""
    rng = np.random.default_rng(0)
    X, Y = 10 * rng.standard_normal((20, 2)), 10 * rng.standard_normal((20, 1))

    def setup(live):
        line, = live.axes.plot([], [], animated=True)
        return line

    def update(line, live, lr):
        net = Network([2, 3, 1], activation="identity", seed=0)
        losses = net.fit(X, Y, epochs=50, lr=lr, batch_size=20)["loss"]
        line.set_data(np.arange(1, 51), losses)
        return {"text": f"final loss {losses[-1]:.4f}"}

    app = widgets.live_app(setup, update, lr=widgets.learning_rate_slider(value=1e-3, min_exp=-3, max_exp=3))
    assert app.result["text"].startswith("final loss")
    app.controls["lr"].value = 1000.0
    assert app.result["diverged"] and "Diverged" in app.result["text"] and "too large" in app.result["text"]
    assert "Diverged" in app.live.message_text


def test_other_builders():
    assert widgets.int_slider("steps", 1, 100, 10).value == 10
    assert widgets.float_slider("scale", 0.0, 2.0, 1.0).step == pytest.approx(0.02)
    assert widgets.choice("activation", ["sigmoid", "relu"]).value == "sigmoid"


def test_plots_label_their_axes():
    X = np.random.default_rng(0).standard_normal((20, 2))
    y = (X[:, 0] > 0).astype(int)
    axes = [
        plots.loss_curves({"a": [1.0, 0.5, np.inf]}),
        plots.decision_boundary(lambda P: (P[:, 0] > 0).astype(int), X, y, resolution=20),
        plots.descent_path_1d(lambda w: w**2, [2.0, 1.0, np.nan]),
        plots.descent_path_2d(lambda a, b: a**2 + b**2, np.array([[1.0, 1.0], [0.5, 0.5]])),
    ]
    for ax in axes:
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert len(axes[0].lines[0].get_xdata()) == 2  # the diverged value ends the line
    ax = plots.draw_network([2, 3, 1], node_labels=[["a", "b"], ["c", "d", "e"], ["f"]], error_label="E",
                            weight_labels=lambda l, j, k: "w", bias_labels=lambda l, j: "b")
    assert len(ax.patches) == 2 + 3 + 1 + 1
    plt.close("all")


def test_helper_figures_are_untracked_by_pyplot_and_still_display():
    """plots.subplots and LiveFigure: pyplot's hooks (run after every widget message, on another thread in
    JupyterLab) cannot redraw a figure they do not track while a callback draws it; IPython still renders it."""
    from IPython.core.pylabtools import print_figure

    plt.close("all")
    fig, axes = plots.subplots(1, 2, figsize=(4, 2))
    assert plt.get_fignums() == [] and fig.canvas.manager is None
    assert axes.shape == (2,) and tuple(fig.get_size_inches()) == (4, 2)
    axes[0].plot([0, 1], [0, 1])
    png = print_figure(fig, "png")
    assert png.startswith(b"\x89PNG") and len(png) > 1000
    live = widgets.LiveFigure()
    live.render()
    assert plt.get_fignums() == [] and live.fig.canvas.manager is None


def test_progress_bar_shows_while_running_and_leaves_an_empty_output(monkeypatch):
    shown = []

    class Handle:
        def update(self, data, raw):
            shown.append(data)

    def fake_display(data, raw, display_id):
        shown.append(data)
        return Handle()

    monkeypatch.setattr(widgets, "get_ipython", lambda: object())
    monkeypatch.setattr(widgets, "display", fake_display)
    assert list(widgets.progress([10, 20, 30], "learning rates")) == [10, 20, 30]
    assert shown[0] == shown[-1] == {"text/plain": ""}  # what the saved notebook keeps, before and after
    assert [d["text/plain"] for d in shown[1:-1]] == [f"learning rates: {k} / 3" for k in range(4)]
    assert '<progress value="3" max="3">' in shown[-2]["text/html"]

    shown.clear()
    monkeypatch.setattr(widgets, "get_ipython", lambda: None)  # a script: nothing is drawn
    assert list(widgets.progress(range(2), "x")) == [0, 1] and shown == []


def drawn(ax):
    ax.figure.canvas.draw()
    return ax


def test_every_plot_a_helper_draws_has_numbered_ticks_on_both_axes():
    X = np.random.default_rng(0).standard_normal((20, 2))
    y = (X[:, 0] > 0).astype(int)
    axes = {
        "loss_curves inside one decade": plots.loss_curves({"a": [0.3, 0.2, 0.15, 0.12]}),
        "loss_curves over decades": plots.loss_curves({"a": 10.0 ** -np.arange(6.0), "b": [1.0, 0.5]}),
        "loss_curves, a tiny range": plots.loss_curves({"a": [0.10012, 0.10011, 0.1001]}),
        "loss_curves, linear": plots.loss_curves({"a": [1.0, 0.5]}, log=False),
        "decision_boundary": plots.decision_boundary(lambda P: (P[:, 0] > 0).astype(int), X, y, resolution=20),
        "descent_path_1d": plots.descent_path_1d(lambda w: w**2, [2.0, 1.0, np.nan]),
        "descent_path_2d": plots.descent_path_2d(lambda a, b: a**2 + b**2, np.array([[1.0, 1.0], [0.5, 0.5]])),
    }
    for what, ax in axes.items():
        drawn(ax)
        for axis in (ax.xaxis, ax.yaxis):
            labels = plots.visible_tick_labels(axis)
            assert len(labels) >= 2, f"{what}: the {axis.axis_name} axis shows tick labels {labels}"
            assert len(set(labels)) == len(labels), f"{what}: repeated tick labels {labels}"
    plt.close("all")


@pytest.mark.parametrize("lo, hi", [(0.12, 0.3), (0.5, 0.9), (0.21, 0.29), (0.095, 0.105), (0.1001, 0.1002),
                                    (3.1e-5, 3.3e-5), (1e-3, 1.0), (2.0, 3000.0), (1e-12, 1e3), (7.0, 7.5)])
def test_a_log_axis_labels_at_least_two_ticks_whatever_its_range(lo, hi):
    fig, ax = plots.subplots()
    ax.plot([0, 1], [lo, hi])
    plots.readable_log_scale(ax, "y")
    ax.set_ylim(lo, hi)
    fig.canvas.draw()
    labels = plots.visible_tick_labels(ax.yaxis)
    assert 2 <= len(labels) <= 10 and len(set(labels)) == len(labels), labels
    if not labels[0].startswith("$"):  # plain numbers: they are the values at the ticks, inside the view
        values = [float(t) for t in labels]
        assert all(lo * (1 - 1e-6) <= v <= hi * (1 + 1e-6) for v in values) and values == sorted(values)
    else:
        assert all("10^{" in t for t in labels)
    assert len(ax.yaxis.get_minorticklocs()) == 0  # no minor ticks (they slow every redraw)
