"""Slider builders. A slider re-runs real computation from the helpers and redraws.

The pattern every notebook uses:

    def explore(lr, steps):               # a callback: plain Python, testable without a browser
        ...train or descend with the helpers...
        fig, ax = plots.subplots()        # not plt.subplots: see plots.subplots
        return {"figure": fig, "text": "final loss 0.0123", "final_loss": 0.0123}

    app = slider_app(explore, lr=learning_rate_slider(), steps=int_slider("steps", 10, 200, 50))
    display(app)                           # in the notebook
    app.children[0].value = 1.0            # in a test: re-runs explore synchronously
    app.result["final_loss"]               # ...and its return value is here

The callback returns a dict: "figure" (a matplotlib Figure, shown under the sliders),
"text" (a line printed under it), and any numbers a test wants. If the computation
blows up (DivergedError, overflow, NaN) the app prints a message instead of a traceback;
a callback that wants to draw the divergence itself catches DivergedError and says
"diverged" in its text.
"""
import html
import io

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython import get_ipython
from IPython.display import Image, display

from .network import DivergedError

_STYLE = {"description_width": "initial"}
_LAYOUT = widgets.Layout(width="420px")


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


def run_safely(callback, **values):
    """Call callback(**values); a blow-up becomes {'diverged': True, 'text': message}, not a traceback."""
    try:
        return callback(**values)
    except (DivergedError, FloatingPointError, OverflowError) as error:
        plt.close("all")
        return {"diverged": True, "text": diverged_message(error)}


def figure_png(figure):
    """The figure as PNG bytes, drawn once.

    Jupyter's own display of a figure crops it to a "tight" bounding box, which costs a second
    full draw; a callback fixes its layout (fig.subplots_adjust), so one draw is enough and the
    slider answers in about half the time.
    """
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def slider_app(callback, **sliders):
    """An ipywidgets `interactive` that runs callback(**slider values) on every change.

    Shows the callback's "text" and "figure"; `app.result` holds the callback's dict and
    `app.children` the sliders in the order given.
    """
    def show(**values):
        result = run_safely(callback, **values)
        if result.get("text"):
            print(result["text"])
        figure = result.get("figure")
        if figure is not None:
            plt.close(figure)  # if pyplot tracks it: shown once, here, and no longer redrawn by pyplot's hooks
            display(Image(data=figure_png(figure), format="png"))
        return result

    return widgets.interactive(show, **sliders)


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
