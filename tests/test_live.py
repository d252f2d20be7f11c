"""The persistent renderer (helpers.widgets.LiveFigure), slider apps (live_app) and training apps
(training_app), driven as a learner drives them: control values, Play ticks, Step, Reset. What is
checked is what gets drawn: the artists' data, the text under the figure, the message over it."""
import io
import threading

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from helpers import DivergedError, Network, one_hot, plots, widgets
from helpers.data import xor


def descent_path(lr, w0=3.0, steps=20):
    """Gradient descent on f(w) = w^2 (gradient 2w)."""
    path = [w0]
    for _ in range(steps):
        path.append(path[-1] - lr * 2 * path[-1])
    return np.array(path)


def setup_descent(live):
    ax = live.axes
    w = np.linspace(-4, 4, 100)
    ax.plot(w, w**2, color="0.5")
    path, = ax.plot([], [], "o-", color="tab:red", animated=True)
    ax.set(xlim=(-4, 4), ylim=(0, 16), xlabel="w", ylabel="f(w)", title="descent on f(w) = w^2")
    return {"path": path}


def update_descent(state, live, lr):
    path = descent_path(lr)
    if abs(path[-1]) > abs(path[0]):
        raise DivergedError(f"|w| grew from {path[0]:g} to {abs(path[-1]):.3g}")
    state["path"].set_data(path, path**2)
    return {"text": f"w after 20 steps: {path[-1]:.4f}", "final": path[-1]}


def frame(live):
    """The frame last sent, decoded to an RGB array."""
    return np.asarray(Image.open(io.BytesIO(live.image.value)).convert("RGB"), dtype=float)


# --- LiveFigure -----------------------------------------------------------------------------------
def test_live_figure_is_untracked_and_sends_encoded_frames():
    plt.close("all")
    live = widgets.LiveFigure(1, 2, figsize=(6, 2.5))
    assert plt.get_fignums() == [] and live.axes.shape == (2,)
    line, = live.axes[0].plot([0, 1], [0, 1], animated=True)
    data = live.render()
    assert data[:2] == b"\xff\xd8" and live.image.value == data and live.image.format == "jpeg"  # a JPEG
    assert frame(live).shape == (250, 600, 3) and len(live.frame_times) == 1
    png = widgets.LiveFigure(fmt="png")
    assert png.render().startswith(b"\x89PNG") and png.image.format == "png"
    with pytest.raises(ValueError, match="jpeg"):
        widgets.LiveFigure(fmt="gif")


def test_blitted_frames_show_the_new_data_and_match_a_full_draw():
    live = widgets.LiveFigure(figsize=(4, 3), fmt="png")
    ax = live.axes
    ax.set(xlim=(0, 1), ylim=(0, 1))
    line, = ax.plot([], [], lw=3, color="tab:red", animated=True)
    live.render()
    line.set_data([0, 1], [0, 1])
    live.render()
    line.set_data([0, 1], [1, 0])  # the other diagonal
    blitted = frame(live) if live.render() else None
    assert live.full_draws == 1  # only animated artists changed: no full draw after the first
    live.fig.stale = True  # force a full draw of the same state
    live.render()
    assert live.full_draws == 2
    assert np.abs(frame(live) - blitted).max() <= 1  # the same picture either way
    # The old diagonal is gone (a stale background would keep it): the pixel at (0.25, 0.25) is white again.
    x, y = ax.transData.transform((0.25, 0.25)).round().astype(int)
    height = frame(live).shape[0]
    assert frame(live)[height - y, x].min() > 240
    x, y = ax.transData.transform((0.25, 0.75)).round().astype(int)
    assert frame(live)[height - y, x, 1] < 100  # the new diagonal is drawn there in red


def test_a_change_to_a_static_artist_redraws_everything():
    live = widgets.LiveFigure()
    live.axes.plot([0, 1], [0, 1])
    live.render()
    live.axes.set_xlim(0, 2)
    live.render()
    live.axes.set_title("new title")
    live.render()
    assert live.full_draws == 3


def test_a_layout_seen_before_is_pasted_not_drawn_again_and_looks_the_same():
    live = widgets.LiveFigure(figsize=(4, 3), fmt="png")
    ax = live.axes
    line, = ax.plot([0, 1], [0, 1], animated=True)
    pictures = {}
    for key, title in [("a", "first"), ("b", "second"), ("a", "first"), ("b", "second")]:
        ax.set_title(title)
        live.use_layout(key)
        live.render()
        pictures.setdefault(key, []).append(frame(live))
    assert live.full_draws == 2  # one per layout; coming back to a layout pastes its saved picture
    for first, again in pictures.values():
        assert np.abs(first.astype(int) - again).max() <= 1
    assert np.abs(pictures["a"][0].astype(int) - pictures["b"][0]).max() > 100  # the titles differ
    ax.set_xlim(0, 2)  # a change without a new key: drawn in full, and saved under the current key
    live.render()
    assert live.full_draws == 3


def test_message_over_the_figure():
    live = widgets.LiveFigure()
    live.render()
    plain = frame(live)
    live.message("diverged at step 3")
    live.render()
    assert live.message_text == "diverged at step 3" and np.abs(frame(live) - plain).max() > 100
    live.message(None)
    live.render()
    assert live.message_text == "" and np.abs(frame(live) - plain).max() <= 1


# --- live_app -------------------------------------------------------------------------------------
def test_live_app_controls_rerun_update_on_the_same_figure():
    app = widgets.live_app(setup_descent, update_descent, lr=widgets.learning_rate_slider(0.1, -3, 1), name="descent")
    figure, path_line = app.live.fig, app.state["path"]
    assert app.result["final"] == pytest.approx(3 * 0.8**20)
    np.testing.assert_allclose(path_line.get_xdata(), descent_path(0.1))
    np.testing.assert_allclose(path_line.get_ydata(), descent_path(0.1) ** 2)
    app.controls["lr"].value = 0.25
    assert app.live.fig is figure and app.state["path"] is path_line  # updated, not rebuilt
    np.testing.assert_allclose(path_line.get_xdata(), descent_path(0.25))
    assert "w after 20 steps: 0.0000" in app.text.value
    assert len(app.live.frame_times) == 2 and app.live.full_draws == 1
    assert app.live.image in app.children and app.controls["lr"] in app.children[0].children


def test_live_app_extremes_give_messages_not_tracebacks():
    app = widgets.live_app(setup_descent, update_descent, lr=widgets.learning_rate_slider(0.1, -3, 1))
    app.controls["lr"].value = 10.0  # the top of the slider: descent diverges
    assert app.result["diverged"] and "Diverged: |w| grew" in app.result["text"]
    assert "Diverged" in app.live.message_text and "smaller learning rate" in app.text.value
    app.controls["lr"].value = 1e-3  # back: the message goes away
    assert app.live.message_text == "" and app.result["final"] == pytest.approx(3 * (1 - 2e-3) ** 20)

    def buggy(state, live, lr):
        return {"text": str(1 / 0)}

    with pytest.raises(ZeroDivisionError):  # a real bug is not swallowed
        widgets.live_app(lambda live: None, buggy, lr=widgets.learning_rate_slider())


def test_update_may_put_its_own_message_over_the_figure():
    def update(state, live, scale):
        return {"text": "", "message": "saturated" if scale > 5 else None}

    app = widgets.live_app(lambda live: None, update, scale=widgets.float_slider("scale", 0, 10, 1))
    assert app.live.message_text == ""
    app.controls["scale"].value = 10
    assert app.live.message_text == "saturated"


def test_changes_arriving_while_rendering_are_folded_into_one_render_of_the_newest_value():
    """JupyterLab delivers widget messages on another thread than the cells: a burst of changes that
    arrives while a frame is being made gives one more frame, with the newest value."""
    started, release, seen = threading.Event(), threading.Event(), []

    def update(state, live, k):
        seen.append(k)
        if k == 1:
            started.set()
            assert release.wait(10)
        return {"text": f"k = {k}"}

    app = widgets.live_app(lambda live: None, update, k=widgets.int_slider("k", 0, 10, 0))
    worker = threading.Thread(target=lambda: setattr(app.controls["k"], "value", 1))
    worker.start()
    assert started.wait(10)
    for k in (2, 3, 4):  # while k = 1 is being drawn on the other thread
        app.controls["k"].value = k
    release.set()
    worker.join(10)
    assert app.wait(10)
    assert seen == [0, 1, 4] and app.result["text"] == "k = 4" and len(app.live.frame_times) == 3


def test_off_the_main_thread_a_change_returns_at_once_and_its_frame_follows():
    """As in JupyterLab: the widget message's handler returns at once (so the browser can send the next
    change), the frame is made on a worker thread; a real bug there is shown under the figure."""
    release, seen = threading.Event(), []

    def update(state, live, k):
        if k == 5:
            raise ZeroDivisionError("a real bug")
        if k > 0:
            assert release.wait(10)
        seen.append(k)
        return {"text": f"k = {k}"}

    app = widgets.live_app(lambda live: None, update, k=widgets.int_slider("k", 0, 10, 0))
    worker = threading.Thread(target=lambda: setattr(app.controls["k"], "value", 1))
    worker.start()
    worker.join(10)
    assert not worker.is_alive() and seen == [0]  # returned before the frame was made
    release.set()
    assert app.wait(10) and seen == [0, 1] and "k = 1" in app.text.value
    worker = threading.Thread(target=lambda: setattr(app.controls["k"], "value", 5))
    worker.start()
    worker.join(10)
    assert app.wait(10) and "ZeroDivisionError: a real bug" in app.text.value


# --- training_app ---------------------------------------------------------------------------------
class XorRun:
    """A real run: Network [2, width, 2] on XOR (linear outputs, so a large learning rate diverges),
    one epoch (4 batches) per frame, the loss curve drawn."""

    def __init__(self):
        self.X, y = xor(n=40, seed=0)
        self.Y = one_hot(y, 2)

    def setup(self, live):
        self.line, = live.axes.plot([], [], animated=True)
        plots.readable_log_scale(live.axes)
        live.axes.set(xlim=(0, 50), ylim=(1e-3, 1), xlabel="epoch", ylabel="loss", title="training loss")

    def reset(self, lr, width):
        self.net = Network([2, width, 2], activation="tanh", output="identity", loss="mse", seed=0)
        self.lr, self.losses = lr, []

    def step(self):
        try:
            self.losses += self.net.fit(self.X, self.Y, epochs=1, lr=self.lr, batch_size=10)["loss"]
        except DivergedError:
            return f"diverged at epoch {len(self.losses) + 1}: try a smaller learning rate"
        return None

    def draw(self, live):
        self.line.set_data(np.arange(1, len(self.losses) + 1), self.losses)
        last = f"{self.losses[-1]:.4f}" if self.losses else "-"
        return {"text": f"loss {last}", "epoch": len(self.losses)}


def make_xor_app(**kwargs):
    return widgets.training_app(XorRun(), lr=widgets.learning_rate_slider(0.3, -2, 2),
                                width=widgets.int_slider("width", 1, 8, 3), name="xor", **kwargs)


def test_play_ticks_train_and_the_figure_follows():
    app = make_xor_app(max_frames=50)
    assert app.frame == 0 and app.epoch_label.value == "epoch 0" and len(app.run.line.get_xdata()) == 0
    for _ in range(5):
        app.play.value += 1
    assert app.frame == 5 and app.epoch_label.value == "epoch 5"
    np.testing.assert_allclose(app.run.line.get_ydata(), app.run.losses)
    assert len(app.run.losses) == 5 and f"loss {app.run.losses[-1]:.4f}" in app.text.value
    # The same five epochs as one call of fit: a frame is real training, not a replay.
    net = Network([2, 3, 2], activation="tanh", output="identity", loss="mse", seed=0)
    np.testing.assert_allclose(app.run.losses, net.fit(app.run.X, app.run.Y, epochs=5, lr=0.3, batch_size=10)["loss"])
    app.step_button.click()
    assert app.frame == 6 and len(app.run.line.get_xdata()) == 6
    assert app.live.full_draws == 1  # frames are blitted


def test_reset_and_a_control_change_start_a_new_run():
    app = make_xor_app()
    for _ in range(3):
        app.play.value += 1
    first = list(app.run.losses)
    app.play.playing = True
    app.reset_button.click()
    assert app.frame == 0 and not app.play.playing and len(app.run.line.get_xdata()) == 0
    for _ in range(3):
        app.play.value += 1
    assert app.run.losses == first  # the same seeded start
    app.play.playing = True
    app.controls["width"].value = 6  # while it plays
    assert app.frame == 0 and app.run.net.sizes[1] == 6 and app.play.playing  # a new run, and play goes on
    app.play.value += 1
    assert app.frame == 1 and app.run.losses[0] != first[0]
    app.play.value = 0  # Play's own stop button: back to the start
    assert app.frame == 0


def test_a_run_that_diverges_stops_play_and_says_so():
    app = make_xor_app()
    app.play.playing = True
    app.controls["lr"].value = 100.0  # the top of the slider
    for _ in range(20):
        app.play.value += 1
        if app.stopped:
            break
    assert not app.play.playing and app.stopped.startswith("diverged at epoch")
    assert app.live.message_text == app.stopped and "smaller learning rate" in app.text.value
    frames = app.frame
    app.play.value += 1  # a late tick does not train further
    assert app.frame == frames
    app.controls["lr"].value = 0.3
    assert app.stopped is None and app.live.message_text == ""
    app.stopped = "finished"
    app.play.playing = True  # Play pressed after a run ended: a new run
    assert app.frame == 0 and app.stopped is None


def test_a_blow_up_inside_step_is_a_message_and_max_frames_ends_the_run():
    class Exploding:
        def setup(self, live):
            pass

        def reset(self, scale):
            self.n = 0

        def step(self):
            self.n += 1
            if self.n == 3:
                raise FloatingPointError("overflow in exp")

        def draw(self, live):
            return {"text": f"step {self.n}", "epoch": self.n / 4}  # an epoch counter may count parts of epochs

    app = widgets.training_app(Exploding(), scale=widgets.float_slider("scale", 0, 1, 0.5), max_frames=2)
    app.play.playing = True
    for _ in range(4):
        app.play.value += 1
    assert app.stopped == "finished: 2 frames" and not app.play.playing and app.live.message_text == ""
    app = widgets.training_app(Exploding(), scale=widgets.float_slider("scale", 0, 1, 0.5))
    app.play.value += 1
    assert app.epoch_label.value == "epoch 0.2"  # 1 / 4, one decimal
    for _ in range(2):
        app.play.value += 1
    assert "Diverged: overflow in exp" in app.stopped and app.live.message_text == app.stopped


def test_registry_names_every_app():
    a = widgets.live_app(setup_descent, update_descent, lr=widgets.learning_rate_slider(), name="reg")
    b = widgets.live_app(setup_descent, update_descent, lr=widgets.learning_rate_slider(), name="reg")
    c = make_xor_app()
    apps = widgets.registered_apps()
    assert {a, b, c} <= set(apps) and a.name == "reg" and b.name == "reg_2"
    assert (a.kind, c.kind) == ("slider", "training") and set(c.controls) == {"lr", "width"}


def test_layout_is_automatic_once_or_placed_by_hand():
    import warnings

    live = widgets.LiveFigure(1, 2, figsize=(6, 2.5))
    live.axes[0].set_ylabel("a long label\non two lines")
    live.render()
    automatic = live.axes[0].get_position().x0
    assert 0.05 < automatic < 0.3  # room left for the label
    live.axes[0].set_title("changed")
    live.render()
    assert live.axes[0].get_position().x0 == automatic  # frozen after the first frame
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib would warn and ignore it under a layout engine
        live.fig.subplots_adjust(left=0.3, wspace=0.4)
    live.render()
    assert live.axes[0].get_position().x0 == pytest.approx(0.3)


@pytest.mark.parametrize("origin", ["lower", "upper"])
def test_fast_image_draws_what_matplotlib_draws(origin):
    """LiveFigure.imshow (a lookup instead of matplotlib's resampling) gives the colours imshow gives with
    interpolation="nearest" inside every cell: a flipped row order or a shifted cell would not."""
    rng = np.random.default_rng(0)
    Z = rng.random((30, 20))
    Z[15, 4] = np.nan  # drawn in the colour map's "bad" colour, as matplotlib draws it
    extent = (-3, 2, -1, 3)
    colours, images = [], []
    for fast in (False, True):
        live = widgets.LiveFigure(figsize=(4, 3), fmt="png")
        kw = dict(extent=extent, origin=origin, cmap="RdBu_r", vmin=0, vmax=1, aspect="auto")
        image = live.imshow(live.axes, Z, **kw) if fast else live.axes.imshow(Z, interpolation="nearest",
                                                                                animated=True, **kw)
        live.axes.set(xlim=(-4, 2.5), ylim=(-2, 2.5))  # the top rows are clipped
        live.render()
        image.set_data(Z[:, ::-1])  # a new frame with new data
        live.render()
        buffer = np.asarray(live.fig.canvas.buffer_rgba()).astype(int)
        height = buffer.shape[0]
        cell_w, cell_h = (extent[1] - extent[0]) / Z.shape[1], (extent[3] - extent[2]) / Z.shape[0]
        centres = [(extent[0] + (c + 0.5) * cell_w, extent[2] + (r + 0.5) * cell_h)
                   for r in range(Z.shape[0]) for c in range(Z.shape[1]) if extent[2] + (r + 0.5) * cell_h < 2.45]
        xy = live.axes.transData.transform(centres)
        colours.append(np.array([buffer[int(height - y), int(x), :3] for x, y in xy]))
        images.append(image)
    assert isinstance(images[1], widgets.FastImage) and images[1].get_animated()
    assert len(colours[0]) > 400 and np.abs(colours[0] - colours[1]).max() <= 1  # the NaN cell included


def test_fast_image_on_a_log_axis_is_drawn_the_usual_way():
    live = widgets.LiveFigure(figsize=(3, 3), fmt="png")
    live.axes.set_yscale("log")
    image = live.imshow(live.axes, np.arange(6.0).reshape(3, 2), extent=(0, 1, 1, 100), vmin=0, vmax=5)
    live.render()
    assert not image._fast_ok(1.0, False) and frame(live).std() > 10  # something was drawn


def test_the_training_apps_of_the_helpers_have_axes_that_read():
    playgrounds = pytest.importorskip("helpers.playgrounds")
    for name in ("descent_playground", "classifier_playground", "digits_monitor"):
        app = getattr(playgrounds, name)()
        for _ in range(3):
            app.play.value += 1
        assert plots.axes_without_numbered_ticks(app.live.fig) == [], name


def test_axes_without_numbered_ticks_finds_a_log_axis_inside_one_decade():
    fig, ax = plots.subplots()
    ax.plot([0, 1], [0.12, 0.3])
    ax.set_yscale("log")
    ax.yaxis.set_minor_locator(plt.NullLocator())  # what notebook 02's loss plots did
    assert len(plots.axes_without_numbered_ticks(fig)) == 1 and "the y axis" in plots.axes_without_numbered_ticks(fig)[0]
    plots.readable_log_scale(ax)
    assert plots.axes_without_numbered_ticks(fig) == []
