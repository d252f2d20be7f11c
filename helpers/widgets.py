"""Interactive figures: sliders that re-run real computation, and training you can watch.

One renderer serves every interactive figure. Its figure and artists are made once; a change
updates their data and sends one encoded frame into an image under the controls.

A slider app (the controls re-run `update`, the same figure is redrawn):

    def setup(live):                            # make the artists once; animated: they change
        line, = live.axes.plot([], [], animated=True)
        live.axes.set(xlim=(0, 200), ylim=(0, 1))  # fixed limits: a frame redraws only the line
        return {"line": line}

    def update(state, live, lr, steps):         # recompute for these values, update the artists
        ...train or descend with the helpers...
        state["line"].set_data(epochs, losses)
        return {"text": "final loss 0.0123", "final_loss": 0.0123}

    app = live_app(setup, update, lr=learning_rate_slider(), steps=int_slider("steps", 10, 200, 50))
    display(app)
    app.controls["lr"].value = 1.0              # in a test: re-runs update at once
    app.result["final_loss"]                    # ...and its return value is here

A training app (Play / Pause / Step / Reset and an epoch counter) takes an object with four
methods: setup(live), reset(**values), step() and draw(live); see training_app.

If the computation blows up (DivergedError, overflow) the app shows a message in the figure
and under it instead of a traceback.
"""
import html
import io
import sys
import threading
import time
import weakref

import ipywidgets as widgets
import numpy as np
from IPython import get_ipython
from IPython.display import display
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.transforms import IdentityTransform
from PIL import Image as PILImage

from .network import DivergedError

_STYLE = {"description_width": "initial"}
_LAYOUT = widgets.Layout(width="420px")

# What a computation may raise when the numbers blow up: shown as a message, never a traceback.
BLOW_UPS = (DivergedError, FloatingPointError, OverflowError)


def learning_rate_slider(value=0.1, min_exp=-3, max_exp=1, description="learning rate", **kwargs):
    """A log-scale slider from 10**min_exp to 10**max_exp: learning rates live on a log scale."""
    return widgets.FloatLogSlider(value=value, base=10, min=min_exp, max=max_exp, step=0.05,
                                  description=description, readout_format=".3g", continuous_update=True,
                                  style=_STYLE, layout=_LAYOUT, **kwargs)


def float_slider(description, min, max, value, step=None, **kwargs):
    """A linear float slider with a readable label."""
    step = step if step is not None else (max - min) / 100
    return widgets.FloatSlider(value=value, min=min, max=max, step=step, description=description,
                               readout_format=".3g", style=_STYLE, layout=_LAYOUT, **kwargs)


def int_slider(description, min, max, value, step=1, **kwargs):
    """An integer slider with a readable label."""
    return widgets.IntSlider(value=value, min=min, max=max, step=step, description=description,
                             style=_STYLE, layout=_LAYOUT, **kwargs)


def choice(description, options, value=None, **kwargs):
    """Buttons to choose one of a few named options (e.g. an activation)."""
    return widgets.ToggleButtons(options=list(options), value=value if value is not None else list(options)[0],
                                 description=description, style=_STYLE, **kwargs)


def diverged_message(error):
    """The line shown when a computation blew up."""
    return f"Diverged: {error}. Try a smaller learning rate."


# --- the renderer -----------------------------------------------------------------------------
# One lock for all drawing: matplotlib is not written for two threads drawing at once, and JupyterLab
# runs widget callbacks on a second kernel thread while cells run on the main one.
_DRAW_LOCK = threading.RLock()


class FastImage(AxesImage):
    """An AxesImage drawn by nearest-neighbour lookup into a 256-colour table: about 1 ms a frame where
    matplotlib's resampling takes 10-30 ms on this machine. Made by LiveFigure.imshow; it draws a 2-D array
    with a linear Normalize on linear axes (anything else is drawn the usual way)."""

    _fast_key = _fast_index = _fast_lut = None

    def _fast_ok(self, magnification, unsampled):
        A = self._A
        return (not unsampled and magnification == 1.0 and A is not None and A.ndim == 2 and A.size > 0
                and type(self.norm) is Normalize and self.get_transform() is self.axes.transData
                and self.axes.get_xscale() == "linear" and self.axes.get_yscale() == "linear")

    def make_image(self, renderer, magnification=1.0, unsampled=False):
        if not self._fast_ok(magnification, unsampled):
            return super().make_image(renderer, magnification, unsampled)
        A = np.ma.getdata(self._A).astype(float, copy=False)
        left, right, bottom, top = self.get_extent()
        row0_y, rown_y = (top, bottom) if self.origin == "upper" else (bottom, top)
        (x0, ya), (x1, yb) = self.get_transform().transform([(left, row0_y), (right, rown_y)])
        clip = ((self.get_clip_box() or self.axes.bbox) if self.get_clip_on() else self.axes.figure.bbox)
        px0, px1 = int(np.floor(max(min(x0, x1), clip.x0))), int(np.ceil(min(max(x0, x1), clip.x1)))
        py0, py1 = int(np.floor(max(min(ya, yb), clip.y0))), int(np.ceil(min(max(ya, yb), clip.y1)))
        if px1 <= px0 or py1 <= py0:
            return None, 0, 0, None
        key = (px0, px1, py0, py1, x0, x1, ya, yb, A.shape)
        if self._fast_key != key:  # which data cell each output pixel shows (Agg's row 0 is the bottom one)
            cols = np.floor((px0 + 0.5 + np.arange(px1 - px0) - x0) / (x1 - x0) * A.shape[1])
            rows = np.floor((py0 + 0.5 + np.arange(py1 - py0) - ya) / (yb - ya) * A.shape[0])
            self._fast_index = (rows.astype(np.intp).clip(0, A.shape[0] - 1)[:, None],
                                cols.astype(np.intp).clip(0, A.shape[1] - 1)[None, :])
            self._fast_key = key
        lut_key = (id(self.cmap), self.cmap.name)
        if self._fast_lut is None or self._fast_lut[0] != lut_key:
            lut = np.vstack([self.cmap(np.linspace(0, 1, 256), bytes=True), self.cmap(np.nan, bytes=True)])
            self._fast_lut = (lut_key, lut)
        self.norm.autoscale_None(A)
        vmin, vmax = float(self.norm.vmin), float(self.norm.vmax)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            scaled = (A - vmin) * (256.0 / (vmax - vmin)) if vmax > vmin else np.zeros_like(A)
            index = np.where(np.isfinite(scaled), np.clip(scaled, 0, 255), 256).astype(np.intp)
        if np.ma.is_masked(self._A):
            index[np.ma.getmaskarray(self._A)] = 256
        rows, cols = self._fast_index
        return self._fast_lut[1][index[rows, cols]], px0, py0, IdentityTransform()


class LiveFigure:
    """A figure drawn once and then updated: the frames go into `image` (an ipywidgets.Image).

        live = LiveFigure(1, 2, figsize=(8, 3.4))
        line, = live.axes[1].plot([], [], animated=True)   # animated: redrawn on every frame
        ...
        line.set_data(x, y); live.render()                   # one frame

    Artists made with `animated=True` (or passed to `live.animate`) are the ones that change: a frame
    pastes a saved picture of everything else and draws only them on top (blitting). Anything else that
    changes (a limit, a title, a tick) makes the next frame a full draw, which is slower but never wrong.
    The layout is computed once, at the first frame ("constrained"), then kept fixed; `relayout()` does
    it again; `live.fig.subplots_adjust(...)` places the axes by hand instead. The figure is not tracked
    by pyplot (see plots.subplots).

    fmt "jpeg" (default: about 1 ms to encode an 800x350 frame) or "png" (lossless, about 8 ms).
    frame_times holds the seconds each render() took; full_draws counts the full draws.
    """

    def __init__(self, nrows=1, ncols=1, figsize=(6, 3.5), dpi=100, fmt="jpeg", quality=92, layout="constrained",
                 **subplot_kw):
        if fmt not in ("jpeg", "png"):
            raise ValueError(f"fmt must be 'jpeg' or 'png', got {fmt!r}")
        self.fig = Figure(figsize=figsize, dpi=dpi, layout=layout)
        FigureCanvasAgg(self.fig)
        self.fig.subplots_adjust = self._subplots_adjust  # placing the axes by hand turns the automatic layout off
        self.axes = self.fig.subplots(nrows, ncols, **subplot_kw)
        self.fmt, self.quality = fmt, int(quality)
        width, height = self.fig.canvas.get_width_height()
        self.image = widgets.Image(format=fmt, layout=widgets.Layout(width=f"{width}px", max_width="100%",
                                                                     height="auto"))
        self._message = self.fig.text(0.5, 0.5, "", ha="center", va="center", fontsize=12, color="tab:red",
                                      wrap=True, animated=True, zorder=10,
                                      bbox=dict(boxstyle="round", fc="white", ec="tab:red", alpha=0.92))
        self._message.set_visible(False)
        self._background = None
        self._layout_key, self._layouts = None, {}  # saved pictures of the non-animated artists, by layout
        self._layout_done = layout is None
        self.frame_times, self.full_draws = [], 0

    def imshow(self, ax, data, **kwargs):
        """ax.imshow(data, ...) drawn fast (FastImage: nearest neighbour, a 256-colour table), animated.

        For a map that changes every frame (a probability map, a loss surface): update it with
        image.set_data(new_array). Give vmin and vmax, or the colours follow each frame's range.
        """
        kwargs.setdefault("animated", True)
        kwargs.setdefault("interpolation", "nearest")
        image = ax.imshow(data, **kwargs)
        image.__class__ = FastImage  # the same artist, drawn by FastImage.make_image
        return image

    def _subplots_adjust(self, left=None, bottom=None, right=None, top=None, wspace=None, hspace=None):
        """Figure.subplots_adjust, which a layout engine would ignore: the automatic layout is switched off."""
        self.fig.set_layout_engine("none")
        self._layout_done = True
        self.fig.subplotpars.update(left, bottom, right, top, wspace, hspace)
        for ax in self.fig.axes:
            if ax.get_subplotspec() is not None:
                ax.set_position(ax.get_subplotspec().get_position(self.fig))
        self.fig.stale = True

    def animate(self, *artists):
        """Mark artists as changing every frame (the same as making them with animated=True)."""
        for artist in artists:
            artist.set_animated(True)
        return artists[0] if len(artists) == 1 else artists

    def message(self, text=None):
        """Show `text` over the figure from the next frame on (a divergence, say); None removes it."""
        self._message.set_text(text or "")
        self._message.set_visible(bool(text))

    @property
    def message_text(self):
        """The message shown over the figure, or '' when there is none."""
        return self._message.get_text() if self._message.get_visible() else ""

    def relayout(self):
        """Compute the layout again at the next frame (e.g. after tick labels became much wider)."""
        self.fig.set_layout_engine("constrained")
        self._layout_done = False
        self.fig.stale = True

    def use_layout(self, key):
        """Name the picture of the non-animated artists as it is now (any hashable key).

        Call it after making the non-animated changes of a layout (limits, labels, say for one choice of
        a control). The first full draw under a key is saved; when the figure comes back to that key,
        the next frame pastes the saved picture instead of drawing everything again. The caller promises
        that one key always means one picture.
        """
        self._layout_key = key
        if key in self._layouts:
            self._background = self._layouts[key]
            self.fig.stale = False

    def _animated(self):
        """The animated artists of every Axes and of the figure, in drawing order."""
        found = []
        for ax in self.fig.axes:
            found += [(ax, a) for a in sorted(ax.get_children(), key=lambda a: a.get_zorder())
                      if a.get_animated() and a.get_visible()]
        found += [(self.fig, a) for a in sorted(self.fig.get_children(), key=lambda a: a.get_zorder())
                  if a.get_animated() and a.get_visible() and a not in self.fig.axes]
        return found

    def draw(self):
        """Draw the frame into the canvas (full draw only when something not animated changed)."""
        canvas = self.fig.canvas
        with _DRAW_LOCK:
            if self._background is None or self.fig.stale:
                canvas.draw()  # everything but the animated artists
                if not self._layout_done:  # freeze the layout the first draw computed
                    self.fig.set_layout_engine("none")
                    self._layout_done = True
                self._background = canvas.copy_from_bbox(self.fig.bbox)
                if self._layout_key is not None:
                    self._layouts[self._layout_key] = self._background
                self.full_draws += 1
            else:
                canvas.restore_region(self._background)
            for parent, artist in self._animated():
                parent.draw_artist(artist)

    def encode(self):
        """The canvas as JPEG or PNG bytes."""
        canvas = self.fig.canvas
        with _DRAW_LOCK:
            rgb = PILImage.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(),
                                      "raw", "RGBA", 0, 1).convert("RGB")
        buffer = io.BytesIO()
        if self.fmt == "jpeg":
            rgb.save(buffer, "JPEG", quality=self.quality, subsampling=0)
        else:
            rgb.save(buffer, "PNG", compress_level=1)
        return buffer.getvalue()

    def render(self):
        """Draw, encode and show one frame; return its bytes."""
        start = time.perf_counter()
        with _DRAW_LOCK:
            self.draw()
            data = self.encode()
        self.image.value = data
        self.frame_times.append(time.perf_counter() - start)
        return data

    def png(self):
        """The current figure as PNG bytes (e.g. to save it or show it statically)."""
        with _DRAW_LOCK:
            self.draw()
            canvas = self.fig.canvas
            buffer = io.BytesIO()
            PILImage.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(),
                                "raw", "RGBA", 0, 1).save(buffer, "PNG")
        return buffer.getvalue()


# --- latest value wins --------------------------------------------------------------------------
class _Coalescer:
    """Runs `work()` after each request; requests that arrive while it runs are folded into one more
    run, which reads the newest values. So a burst of changes costs one or two frames, not one per
    change, and two threads never update the same figure at once.

    On the main thread (a cell, a test, Colab's and Notebook's widget messages) the work is done before
    request() returns. Off it (JupyterLab delivers widget messages on a second kernel thread) it is
    done on a short-lived worker thread and request() returns at once: the browser's next message (the
    next Play tick, the slider's newest position) then arrives while this frame is being made, instead
    of one whole round trip later.
    """

    def __init__(self, work, on_error=None):
        self._work, self._on_error = work, on_error
        self._flag = threading.Condition(threading.Lock())
        self._pending = False
        self._busy = False

    def request(self):
        background = BACKGROUND and threading.current_thread() is not threading.main_thread()
        with self._flag:
            self._pending = True
            if self._busy:
                return False  # the thread that is working will run again with the newest values
            self._busy = True
        if background:
            threading.Thread(target=self._drain, kwargs={"background": True}, daemon=True,
                             name="live-figure").start()
            return False
        self._drain()
        return True

    def _drain(self, background=False):
        try:
            while True:
                with self._flag:
                    if not self._pending:
                        self._busy = False
                        self._flag.notify_all()
                        return
                    self._pending = False
                self._work()
        except BaseException as error:
            try:
                if not background or self._on_error is None:
                    raise
                self._on_error(error)  # no caller to raise to: shown under the figure
            finally:  # only then is the work done: wait() returns after the error is shown
                with self._flag:
                    self._busy = False
                    self._flag.notify_all()

    def wait(self, timeout=10.0):
        """Wait until no work is running or pending; True if so within timeout seconds."""
        with self._flag:
            return self._flag.wait_for(lambda: not self._busy, timeout)


# Do the work of widget messages that arrive off the main thread on a worker thread (see _Coalescer).
BACKGROUND = True


def _show_error(app, error):
    import traceback
    traceback.print_exception(error, file=sys.__stderr__)
    app.text.value = _text_html(f"Error: {type(error).__name__}: {error}")


# --- the registry -------------------------------------------------------------------------------
_APPS = []  # weak references to every app made, oldest first


def _register(app, name):
    names = {a.name for a in registered_apps()}
    base, k = name, 2
    while name in names:
        name, k = f"{base}_{k}", k + 1
    app.name = name
    _APPS.append(weakref.ref(app))


def registered_apps():
    """Every live_app and training_app still alive, oldest first (for the benchmark and the tests)."""
    return [a for a in (ref() for ref in _APPS) if a is not None]


def _text_html(text):
    return f'<div style="white-space: pre-wrap; font-family: monospace">{html.escape(text or "")}</div>'


def _controls_box(controls):
    return widgets.VBox(list(controls.values()))


class LiveApp(widgets.VBox):
    """What live_app returns: the controls, the figure and a line of text, in a VBox."""

    kind = "slider"

    def __init__(self, setup, update, controls, name=None, **figure_kw):
        self.controls = dict(controls)
        self.live = LiveFigure(**figure_kw)
        self.state = setup(self.live)
        self._update = update
        self.text = widgets.HTML()
        self.result = {}
        self._coalescer = _Coalescer(self._refresh, on_error=lambda error: _show_error(self, error))
        super().__init__([_controls_box(self.controls), self.live.image, self.text])
        for control in self.controls.values():
            control.observe(self._changed, names="value")
        _register(self, name or getattr(update, "__name__", "app"))
        self._coalescer.request()

    def values(self):
        return {name: control.value for name, control in self.controls.items()}

    def wait(self, timeout=10.0):
        """Wait until the frame for the latest change is sent (changes made off the main thread)."""
        return self._coalescer.wait(timeout)

    def _changed(self, change):
        self._coalescer.request()

    def _refresh(self):
        try:
            result = self._update(self.state, self.live, **self.values()) or {}
            self.live.message(result.get("message"))
        except BLOW_UPS as error:
            result = {"diverged": True, "text": diverged_message(error)}
            self.live.message(result["text"])
        self.result = result
        self.live.render()
        self.text.value = _text_html(result.get("text", ""))


def live_app(setup, update, name=None, nrows=1, ncols=1, figsize=(6, 3.5), figure_kw=None, **controls):
    """A slider app on one persistent figure.

    setup(live) makes the artists once (on live.axes) and returns a state; update(state, live, **values)
    recomputes for the controls' values and updates the artists, returning a dict: "text" (shown under
    the figure), optionally "message" (shown over the figure) and any numbers a test wants. Keyword
    arguments other than name / nrows / ncols / figsize / figure_kw are the controls, by the name update
    takes; figure_kw goes to LiveFigure (dpi, fmt, layout, sharex, ...).
    `app.controls`, `app.result` (update's last dict) and `app.live` (the LiveFigure) are for tests.
    """
    return LiveApp(setup, update, controls, name=name, nrows=nrows, ncols=ncols, figsize=figsize,
                   **(figure_kw or {}))


class TrainingApp(widgets.VBox):
    """What training_app returns: Play / Step / Reset, the epoch counter, the controls, the figure, a text."""

    kind = "training"

    def __init__(self, run, controls, max_frames=300, interval_ms=50, name=None, **figure_kw):
        self.run, self.controls, self.max_frames = run, dict(controls), int(max_frames)
        self.live = LiveFigure(**figure_kw)
        run.setup(self.live)
        # The Play widget is the clock: each tick of its value is one frame (one call of run.step()).
        self.play = widgets.Play(value=0, min=0, max=10**9, step=1, interval=int(interval_ms), show_repeat=False,
                                 description="play")
        self.step_button = widgets.Button(description="Step", icon="step-forward", tooltip="one frame of training",
                                          layout=widgets.Layout(width="90px"))
        self.reset_button = widgets.Button(description="Reset", icon="undo", tooltip="a new run from the start",
                                           layout=widgets.Layout(width="90px"))
        self.epoch_label = widgets.Label("epoch 0")
        self.text = widgets.HTML()
        self.result, self.frame, self.stopped, self._alarm = {}, 0, None, None
        self._want_reset, self._want_steps = False, 0
        self._flag = threading.Lock()
        self._coalescer = _Coalescer(self._work, on_error=lambda error: _show_error(self, error))
        buttons = widgets.HBox([self.play, self.step_button, self.reset_button, self.epoch_label])
        super().__init__([buttons, _controls_box(self.controls), self.live.image, self.text])
        self.play.observe(self._ticked, names="value")
        self.play.observe(self._playing_changed, names="playing")
        self.step_button.on_click(lambda _: self._request(steps=1))
        self.reset_button.on_click(lambda _: self._request(reset=True, stop=True))
        for control in self.controls.values():
            control.observe(lambda change: self._request(reset=True), names="value")
        _register(self, name or type(run).__name__)
        self._request(reset=True)

    def values(self):
        return {name: control.value for name, control in self.controls.items()}

    def wait(self, timeout=10.0):
        """Wait until the frame for the latest event is sent (events that came off the main thread)."""
        return self._coalescer.wait(timeout)

    # The events: each records what it wants; the work happens once for a burst of them.
    def _ticked(self, change):
        if change["new"] == self.play.min and change["old"] != self.play.min:
            self._request(reset=True)  # Play's stop button: back to the start
        elif change["new"] != change["old"]:
            self._request(tick=True)

    def _playing_changed(self, change):
        if change["new"] and self.stopped:  # Play pressed after the run ended: a new run
            self._request(reset=True)

    def _request(self, reset=False, steps=0, tick=False, stop=False):
        if stop:
            self.play.playing = False
        with self._flag:
            if reset:
                self._want_reset, self._want_steps = True, 0
            elif tick:
                self._want_steps = max(self._want_steps, 1)  # a clock: ticks missed while busy are skipped
            else:
                self._want_steps += steps
        self._coalescer.request()

    def _stop(self, message, alarm=False):
        self.stopped = message
        self._alarm = message if alarm else None  # shown over the figure too
        self.play.playing = False

    def _work(self):
        with self._flag:
            reset, steps = self._want_reset, self._want_steps
            self._want_reset, self._want_steps = False, 0
        try:
            if reset:
                self.frame, self.stopped, self._alarm = 0, None, None
                self.run.reset(**self.values())
            for _ in range(steps):
                if self.stopped:
                    self.play.playing = False
                    break
                if self.frame >= self.max_frames:
                    self._stop(f"finished: {self.frame} frames")
                    break
                message = self.run.step()
                self.frame += 1
                if message:
                    self._stop(message, alarm=True)
                    break
            result = self.run.draw(self.live) or {}
        except BLOW_UPS as error:
            result = {"diverged": True}
            self._stop(diverged_message(error), alarm=True)
        if self.frame >= self.max_frames and not self.stopped:
            self._stop(f"finished: {self.frame} frames")
        self.live.message(self._alarm or result.get("message"))
        self.result = result
        self.live.render()
        self.epoch_label.value = f"epoch {_epoch_text(result.get('epoch', self.frame))}"
        lines = [self.stopped] if self.stopped else []
        if result.get("text"):
            lines.append(result["text"])
        self.text.value = _text_html("\n".join(lines))


def _epoch_text(epoch):
    """12 -> '12', 12.0 -> '12', 2.25 -> '2.2' (an epoch counter can count parts of epochs)."""
    epoch = float(epoch)
    return str(int(epoch)) if epoch.is_integer() else f"{epoch:.1f}"


def training_app(run, name=None, max_frames=300, interval_ms=50, nrows=1, ncols=1, figsize=(6, 3.5), figure_kw=None,
                 **controls):
    """Training you can watch: Play / Pause (an ipywidgets.Play), Step, Reset, an epoch counter.

    `run` has four methods:
        setup(live)       make the artists once, on live.axes
        reset(**values)   start a new run for these control values (also after Reset and any control change)
        step()            advance one frame of training; return None, or a message that stops Play
                          (e.g. "diverged at epoch 12: try a smaller learning rate")
        draw(live)        update the artists from the current state; return {"text": ..., "epoch": ..., numbers}
    Play calls step() then draw() every interval_ms (or as fast as they go); nothing blocks the kernel, so
    the other controls stay live; changing one resets the run and play goes on. figure_kw goes to LiveFigure. A run stops by itself after
    max_frames frames or when step() returns a message; a blow-up (DivergedError, overflow) is a message too.
    For tests: app.play.value += 1 is one frame; app.step_button.click(); app.reset_button.click();
    app.controls, app.result (draw's last dict), app.frame, app.stopped (why it stopped, or None), app.live.
    """
    return TrainingApp(run, controls, max_frames=max_frames, interval_ms=interval_ms, name=name,
                       nrows=nrows, ncols=ncols, figsize=figsize, **(figure_kw or {}))


class ProgressBar:
    """A progress bar under the running cell, for work that takes more than a couple of seconds.

    It is drawn while the work runs and removed by close(), so it leaves nothing in the
    notebook's saved outputs (which nbval compares): only what the cell prints stays there.
    Outside IPython (a script, pytest) it draws nothing.

        bar = ProgressBar(total=20, description="epochs")
        net.fit(X, y, epochs=20, callback=lambda epoch, history: bar.update(epoch + 1))
        bar.close()
    """

    def __init__(self, total, description):
        self.total, self.description = int(total), str(description)
        # The stored output is this empty one, before and after: nbval sees the same either way.
        self._handle = display({"text/plain": ""}, raw=True, display_id=True) if get_ipython() else None
        self.update(0)

    def update(self, done):
        if self._handle is None:
            return
        label = f"{self.description}: {done} / {self.total}"
        self._handle.update({"text/html": f'<progress value="{done}" max="{self.total}"></progress> '
                                          f"{html.escape(label)}",
                             "text/plain": label}, raw=True)

    def close(self):
        if self._handle is not None:
            self._handle.update({"text/plain": ""}, raw=True)
            self._handle = None


def progress(iterable, description):
    """Yield the items of `iterable` (a sequence) while a ProgressBar counts them."""
    bar = ProgressBar(len(iterable), description)
    try:
        for done, item in enumerate(iterable, start=1):
            yield item
            bar.update(done)
    finally:
        bar.close()
