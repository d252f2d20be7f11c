"""The notebooks as learners use them: JupyterLab in Chromium, run all cells, drag the sliders.

For each notebook under notebooks/ (copied to a temporary folder first): open it, wait until its kernel is
connected and idle, clear the committed outputs, run all cells, then check that
  * every code cell ran and no output shows an error (traceback on stderr, an error output, a widget error);
  * every widget rendered (no "Loading widget..." left, no "Error displaying widget");
  * moving the learning-rate slider, and one other slider, with the keyboard changes what is drawn
    (the image) or shown (the printed text) under it;
and save a screenshot to test-artifacts/browser/NAME.png. The notebook is saved before the page closes,
and the saved file must carry the widget state (the shipped setting saveState=true).

Every wait is on a condition in the page (wait_for_function / expect), never a fixed sleep.
"""

from __future__ import annotations

import json
import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

LEARNING_RATE = re.compile(r"learning[ _-]*rate|\blr\b|^\s*(η|eta)\b", re.IGNORECASE)

OPEN_TIMEOUT = 90_000  # ms: page load, kernel start
RUN_TIMEOUT = 150_000  # ms: all cells of one notebook
WIDGET_TIMEOUT = 30_000  # ms: widget views rendered
SLIDER_TIMEOUT = 30_000  # ms: one slider callback redrawn

# Defined in every evaluate: find the notebook panel showing `path` in the main area.
JS_PANEL = """
const panelFor = (path) => {
  const app = window.jupyterapp;
  if (!app || !app.shell) return null;
  for (const w of app.shell.widgets('main')) {
    if (w && w.context && w.sessionContext && w.content && w.context.path === path) return w;
  }
  return null;
};
const kernelOf = (panel) => panel && panel.sessionContext.session && panel.sessionContext.session.kernel;
// Quiet: the kernel is idle and every request sent to it (execute, comm messages from widgets) has had its
// 'idle' status back; window.__bfsPending is kept by JS_TRACK.
const quiet = (panel) => {
  const kernel = kernelOf(panel);
  return !!kernel && kernel.status === 'idle' && !!window.__bfsPending && window.__bfsPending.size === 0;
};
"""

JS_TRACK = JS_PANEL + """
(path) => {
  const kernel = kernelOf(panelFor(path));
  window.__bfsPending = new Map();
  kernel.anyMessage.connect((_, args) => {
    const msg = args.msg;
    if (args.direction === 'send' && msg.channel === 'shell') {
      window.__bfsPending.set(msg.header.msg_id, msg.header.msg_type);
    } else if (args.direction === 'recv' && msg.channel === 'iopub' && msg.header.msg_type === 'status'
               && msg.content.execution_state === 'idle' && msg.parent_header) {
      window.__bfsPending.delete(msg.parent_header.msg_id);
    }
  });
}
"""

JS_QUIET = JS_PANEL + "(path) => quiet(panelFor(path))"

JS_READY = JS_PANEL + """
(path) => {
  if (document.querySelector('.jp-Dialog')) return true;  // e.g. "Select Kernel": reported at once
  const panel = panelFor(path);
  if (!panel || !panel.context.isReady || !panel.sessionContext.isReady) return false;
  const kernel = kernelOf(panel);
  return !!kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
}
"""

JS_RUN_ALL = JS_PANEL + """
async (path) => {
  const app = window.jupyterapp;
  const panel = panelFor(path);
  app.shell.activateById(panel.id);
  await app.commands.execute('notebook:clear-all-cell-outputs');
  window.__bfsRunAll = undefined;
  app.commands.execute('notebook:run-all-cells').then(
    (ok) => { window.__bfsRunAll = ok === false ? 'stopped' : 'done'; },
    (err) => { window.__bfsRunAll = 'failed: ' + err; });
}
"""

# Done when run-all settled, the kernel is idle and every non-empty code cell has an execution count
# (or the run stopped at an error, which the checks after it report).
JS_RUN_FINISHED = JS_PANEL + """
(path) => {
  const panel = panelFor(path);
  if (window.__bfsRunAll === undefined || !quiet(panel)) return false;
  if (window.__bfsRunAll !== 'done') return true;
  for (const cell of panel.content.model.cells) {
    if (cell.type === 'code' && cell.sharedModel.getSource().trim() !== '' && cell.executionCount === null)
      return false;
  }
  return true;
}
"""

JS_STATE = JS_PANEL + """
(path) => {
  const panel = panelFor(path);
  const kernel = kernelOf(panel);
  const node = panel ? panel.content.node : document.body;
  const short = (s) => (s || '').trim().slice(0, 2000);
  const notRun = [], errors = [];
  let expectedViews = 0;
  if (panel) {
    let i = 0;
    for (const cell of panel.content.model.cells) {
      i += 1;
      if (cell.type !== 'code') continue;
      const src = cell.sharedModel.getSource();
      if (src.trim() !== '' && cell.executionCount === null) notRun.push(`cell ${i}: ${src.split('\\n')[0]}`);
      const outputs = cell.outputs.toJSON();
      for (const out of outputs) {
        const view = out.data && out.data['application/vnd.jupyter.widget-view+json'];
        if (view && view.model_id) expectedViews += 1;
        if (out.output_type === 'error')
          errors.push(`cell ${i}: ${out.ename}: ${out.evalue}`);
      }
    }
  }
  for (const el of node.querySelectorAll(
      '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')) {
    const text = el.textContent || '';
    if (/Traceback|Error:/.test(text)) errors.push('stderr: ' + short(text));
  }
  // A widget view's renderer is the output node itself (no data-mime-type): "Loading widget..." while it
  // waits for its model, "Error displaying widget..." if the model is missing, the view's DOM once rendered.
  const loading = [], broken = [];
  for (const el of node.querySelectorAll('.jp-OutputArea-output')) {
    const text = el.textContent || '';
    if (text.includes('Loading widget...')) loading.push(short(text));
    if (text.includes('Error displaying widget')) broken.push(short(text));
  }
  const widgetViews = node.querySelectorAll(
    '.jp-Cell-outputArea > .jp-OutputArea-child > .jp-OutputArea-output > .jupyter-widgets').length;
  const dialogs = [...document.querySelectorAll('.jp-Dialog')].map((d) => short(d.textContent));
  return {
    runAll: window.__bfsRunAll === undefined ? null : window.__bfsRunAll,
    kernel: kernel ? `${kernel.connectionStatus}/${kernel.status}` : null,
    pendingRequests: window.__bfsPending ? [...window.__bfsPending.values()] : null,
    notRun, errors, loading, broken, dialogs,
    widgetViews, expectedViews,
    dirty: panel ? panel.context.model.dirty : null,
  };
}
"""

JS_WIDGETS_SETTLED = """
() => {
  for (const el of document.querySelectorAll('.jp-NotebookPanel .jp-OutputArea-output')) {
    if ((el.textContent || '').includes('Loading widget...')) return false;
  }
  return true;
}
"""

# Every slider, and whether it belongs to a training app (a box with a Play widget): those are moved while
# playing by test_play.py; here the plain slider apps are moved (a paused training app redraws the same start).
JS_SLIDERS = """
(root) => [...root.querySelectorAll('.widget-slider')].map((s, index) => {
  const label = s.querySelector('.widget-label');
  let training = false;
  for (let box = s.parentElement; box && box !== root; box = box.parentElement)
    if (box.classList.contains('widget-vbox') && box.querySelector(':scope > .widget-hbox > .widget-play')) training = true;
  return { index, description: label ? label.textContent.trim() : '', training };
})
"""

# What a slider's cell shows: every image (as a short fingerprint) and every text printed inside Output
# widgets. If the slider's cell shows neither, the whole notebook's outputs are used.
JS_SNAPSHOT = """
([slider, kernelReadyPath]) => {
  const fingerprint = (s) => { let h = 0; for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
                               return s.length + ':' + h; };
  const collect = (root) => {
    const images = [...root.querySelectorAll('.jp-OutputArea-output img')].map((img) => fingerprint(img.src));
    const svgs = [...root.querySelectorAll('.jp-OutputArea-output svg')].map((svg) => fingerprint(svg.outerHTML));
    const texts = [...root.querySelectorAll(
        '.widget-output .jp-OutputArea-output:not([data-mime-type^="image/"])')]
      .map((el) => (el.textContent || '').trim()).filter((t) => t);
    return { images: images.concat(svgs), texts };
  };
  const cell = slider.closest('.jp-Cell');
  let snap = collect(cell);
  let scope = 'cell';
  if (snap.images.length === 0 && snap.texts.length === 0) {
    snap = collect(slider.closest('.jp-Notebook'));
    scope = 'notebook';
  }
  return { scope, images: snap.images, texts: snap.texts, key: JSON.stringify(snap) };
}
"""

# The slider's callback has finished and redrawn: kernel idle, and what is shown differs from before.
JS_CHANGED = JS_PANEL + """
([slider, path, before, scope]) => {
  if (!quiet(panelFor(path))) return false;
  const fingerprint = (s) => { let h = 0; for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
                               return s.length + ':' + h; };
  const root = scope === 'cell' ? slider.closest('.jp-Cell') : slider.closest('.jp-Notebook');
  // A traceback from the callback ends the wait at once; the checks after it report the error.
  for (const el of root.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'))
    if (/Traceback/.test(el.textContent || '')) return true;
  const images = [...root.querySelectorAll('.jp-OutputArea-output img')].map((img) => fingerprint(img.src));
  const svgs = [...root.querySelectorAll('.jp-OutputArea-output svg')].map((svg) => fingerprint(svg.outerHTML));
  const texts = [...root.querySelectorAll(
      '.widget-output .jp-OutputArea-output:not([data-mime-type^="image/"])')]
    .map((el) => (el.textContent || '').trim()).filter((t) => t);
  const all = images.concat(svgs);
  if (all.length < before.images.length) return false;  // redraw still under way
  return JSON.stringify({ images: all, texts }) !== before.key;
}
"""

# How much of each image of the scope is drawn: the fraction of pixels that are not (near) white. A figure
# that comes back blank or half-drawn after a slider move is a bug even though its bytes changed.
JS_INK = """
async ([slider, scope]) => {
  const root = scope === 'cell' ? slider.closest('.jp-Cell') : slider.closest('.jp-Notebook');
  const result = [];
  for (const img of root.querySelectorAll('.jp-OutputArea-output img')) {
    await img.decode().catch(() => null);
    if (!img.naturalWidth) { result.push(-1); continue; }
    const w = Math.min(img.naturalWidth, 400), h = Math.max(1, Math.round(img.naturalHeight * w / img.naturalWidth));
    const canvas = document.createElement('canvas');
    canvas.width = w; canvas.height = h;
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, w, h);
    ctx.drawImage(img, 0, 0, w, h);
    const data = ctx.getImageData(0, 0, w, h).data;
    let ink = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] < 245 || data[i + 1] < 245 || data[i + 2] < 245) ink++;
    result.push(ink / (w * h));
  }
  return result;
}
"""
MIN_INK_RATIO = 0.25  # a redrawn figure keeps at least this share of the ink the figure before it had

JS_SAVE = JS_PANEL + """
async (path) => {
  const app = window.jupyterapp;
  const panel = panelFor(path);
  app.shell.activateById(panel.id);
  await panel.context.save();
}
"""

# Before the screenshot: the images of the slider's cell decoded, and two frames painted.
JS_PAINTED = """
async (slider) => {
  const cell = slider.closest('.jp-Cell');
  await Promise.all([...cell.querySelectorAll('img')].map((img) => img.decode().catch(() => null)));
  await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
}
"""

JS_SHUTDOWN = JS_PANEL + "async (path) => { await panelFor(path).sessionContext.shutdown(); }"

JS_SAVED = JS_PANEL + "(path) => { const p = panelFor(path); return !!p && !p.context.model.dirty; }"


def page_state(page, path: str) -> dict:
    try:
        return page.evaluate(JS_STATE, path)
    except Exception as exc:  # the page itself may be what broke
        return {"state unavailable": repr(exc)}


def diagnose(page, path: str, server) -> str:
    return (
        f"page state: {json.dumps(page_state(page, path), indent=1, ensure_ascii=False)}\n"
        f"browser console errors: {page.console_errors[-10:]}\n"
        f"JupyterLab log (tail):\n{server.log_tail(15)}"
    )


def wait_for(page, js: str, arg, timeout: int, what: str, path: str, server):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(js, arg=arg, timeout=timeout, polling="raf")
        return
    except PlaywrightTimeout:
        pass
    pytest.fail(f"timed out after {timeout / 1000:.0f}s waiting for {what}\n{diagnose(page, path, server)}",
                pytrace=False)


def assert_clean(page, path: str, server, when: str):
    state = page_state(page, path)
    problems = {k: state.get(k) for k in ("notRun", "errors", "loading", "broken", "dialogs") if state.get(k)}
    if state.get("runAll") not in (None, "done"):
        problems["runAll"] = state["runAll"]
    assert not problems, f"{when}: {json.dumps(problems, indent=1, ensure_ascii=False)}\n{diagnose(page, path, server)}"
    return state


def move_slider(page, slider, path: str, server, name: str):
    """Press an arrow key on the slider's handle; return (description, value before, value after)."""
    from playwright.sync_api import expect

    description = (slider.locator(".widget-label").first.text_content() or "").strip()
    handle = slider.locator(".noUi-handle").first
    handle.scroll_into_view_if_needed()
    wait_for(page, JS_QUIET, path, SLIDER_TIMEOUT, "the kernel to be quiet before moving a slider", path, server)
    slider_el = slider.element_handle()
    before = page.evaluate(JS_SNAPSHOT, [slider_el, path])
    ink_before = page.evaluate(JS_INK, [slider_el, before["scope"]])
    # aria-valuenow is rounded to one decimal (a log slider's exponent step of 0.05 does not show there);
    # aria-valuetext holds the handle's exact position.
    now, top = handle.get_attribute("aria-valuenow"), handle.get_attribute("aria-valuemax")
    exact = handle.get_attribute("aria-valuetext") or ""
    readout = slider.locator(".widget-readout").first
    readout_before = readout.text_content() if readout.count() else None
    handle.focus()
    key = "ArrowLeft" if now is not None and top is not None and float(now) >= float(top) else "ArrowRight"
    handle.press(key)
    expect(handle).not_to_have_attribute("aria-valuetext", exact, timeout=SLIDER_TIMEOUT)
    wait_for(page, JS_CHANGED, [slider_el, path, before, before["scope"]], SLIDER_TIMEOUT,
             f"the output under slider {description!r} to change after {key} ({name})", path, server)
    readout_after = readout.text_content() if readout.count() else None
    ink_after = page.evaluate(JS_INK, [slider_el, before["scope"]])
    drawn = [x for x in ink_before if x > 0]
    if drawn:
        least = min(drawn)
        bad = [round(x, 4) for x in ink_after if x < MIN_INK_RATIO * least]
        assert not bad, (
            f"{name}: after moving {description!r} a figure came back (nearly) blank or half-drawn: share of "
            f"non-white pixels {bad} vs {[round(x, 4) for x in ink_before]} before "
            f"(screenshot: test-artifacts/browser/FAILED-...png)\n{diagnose(page, path, server)}")
    return description, readout_before, readout_after, before["scope"]


def test_notebooks_exist(notebooks_under_test, in_ci):
    if not notebooks_under_test:
        message = "no notebooks/*.ipynb to test in the browser"
        if in_ci:
            pytest.fail(message)
        pytest.skip(message)


# `notebook` is parametrized over notebooks/*.ipynb by conftest.pytest_generate_tests.
def test_notebook_runs_and_sliders_redraw(notebook, lab_server, lab_page, artifacts_dir):
    from playwright.sync_api import expect

    page, server, name = lab_page, lab_server, notebook.name
    path = f"notebooks/{name}"  # relative to the server's root
    # Drop the committed widget state from the copy, so that finding state in the saved file proves that
    # JupyterLab saved it (saveState from jupyter/overrides.json).
    copy = server.root / path
    committed = json.loads(copy.read_text(encoding="utf-8"))
    committed.get("metadata", {}).pop("widgets", None)
    copy.write_text(json.dumps(committed, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    page.goto(f"{server.url}/lab/tree/{path}?reset", wait_until="domcontentloaded")
    wait_for(page, JS_READY, path, OPEN_TIMEOUT, "the notebook's kernel to be connected and idle", path, server)
    dialogs = page.locator(".jp-Dialog")
    assert dialogs.count() == 0, (
        f"{name}: JupyterLab shows a dialog on opening: {dialogs.first.inner_text()!r} (a 'Select Kernel' dialog "
        f"means the notebook lacks metadata.kernelspec python3: re-execute it with nbconvert --execute --inplace)")
    page.evaluate(JS_TRACK, path)

    page.evaluate(JS_RUN_ALL, path)
    wait_for(page, JS_RUN_FINISHED, path, RUN_TIMEOUT, "run-all to finish", path, server)
    wait_for(page, JS_WIDGETS_SETTLED, None, WIDGET_TIMEOUT, "every widget to render", path, server)
    state = assert_clean(page, path, server, f"{name} after run-all")

    panel = page.locator(".jp-NotebookPanel:visible .jp-Notebook").first
    sliders = page.evaluate(JS_SLIDERS, panel.element_handle())
    descriptions = [s["description"] for s in sliders]
    assert any(LEARNING_RATE.search(s["description"]) for s in sliders), (
        f"{name}: no slider described as a learning rate; slider descriptions: {descriptions}")
    plain = [s for s in sliders if not s["training"]] or sliders
    lr = [s for s in plain if LEARNING_RATE.search(s["description"])] or plain[:1]
    assert state["expectedViews"] > 0, f"{name}: no widget is displayed at all"
    assert state["widgetViews"] >= state["expectedViews"], (
        f"{name}: {state['expectedViews']} widget outputs but only {state['widgetViews']} rendered widget views\n"
        f"{diagnose(page, path, server)}")
    assert lr, f"{name}: no slider described as a learning rate; slider descriptions: {descriptions}"
    others = [s for s in plain if s["description"] != lr[0]["description"]]
    assert others, f"{name}: only the learning-rate slider; need at least one other (sliders: {descriptions})"
    # Prefer another slider of the same cell as the learning rate (the same plot); else the first other one.
    all_sliders = panel.locator(".widget-slider")
    lr_handle = all_sliders.nth(lr[0]["index"]).element_handle()
    same_cell = [s for s in others if all_sliders.nth(s["index"]).evaluate(
        "(el, other) => el.closest('.jp-Cell') === other.closest('.jp-Cell')", lr_handle)]
    chosen = [lr[0], (same_cell or others)[0]]

    moved = []
    for s in chosen:
        slider = all_sliders.nth(s["index"])
        moved.append(move_slider(page, slider, path, server, name))
        assert_clean(page, path, server, f"{name} after moving slider {s['description']!r}")
    for description, before, after, scope in moved:
        assert before != after, f"{name}: readout of {description!r} did not change ({before!r})"

    wait_for(page, JS_QUIET, path, SLIDER_TIMEOUT, "the kernel to be quiet after the slider moves", path, server)
    page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
    all_sliders.nth(lr[0]["index"]).evaluate(
        "(el) => (el.closest('.jp-Cell-outputArea') || el).scrollIntoView({block: 'start'})")
    page.evaluate(JS_PAINTED, all_sliders.nth(lr[0]["index"]).element_handle())
    page.screenshot(path=str(artifacts_dir / f"{notebook.stem}.png"))

    page.evaluate(JS_SAVE, path)
    wait_for(page, JS_SAVED, path, WIDGET_TIMEOUT, "the notebook to be saved", path, server)
    expect(page.locator(".jp-Dialog")).to_have_count(0)
    page.evaluate(JS_SHUTDOWN, path)  # frees the CPU for the next notebook
    saved = json.loads((server.root / path).read_text(encoding="utf-8"))
    widget_state = saved.get("metadata", {}).get("widgets", {}).get(
        "application/vnd.jupyter.widget-state+json", {}).get("state", {})
    assert widget_state, (f"{name}: saved without widget state; is saveState=true in jupyter/overrides.json "
                          f"reaching JupyterLab? metadata keys: {sorted(saved.get('metadata', {}))}")
    # The saved state is the live one: the learning-rate slider is saved where the keyboard left it.
    description, _, shown, _ = moved[0]
    saved_values = [m["state"].get("value") for m in widget_state.values()
                    if m.get("state", {}).get("description") == description]
    assert saved_values, f"{name}: no slider {description!r} in the saved widget state"
    try:
        shown_value = float(shown)
    except (TypeError, ValueError):
        return
    assert any(isinstance(v, (int, float)) and abs(v - shown_value) <= 0.01 * max(abs(v), 1e-12)
               for v in saved_values), (f"{name}: saved {description!r} = {saved_values}, "
                                        f"the page showed {shown!r}")


def test_shipped_settings_reach_jupyterlab(lab_server, lab_page):
    """jupyter/overrides.json is what JupyterLab uses: widget state saved, no news, no update check."""
    page = lab_page
    page.goto(f"{lab_server.url}/lab?reset", wait_until="domcontentloaded")
    page.wait_for_function("() => !!(window.jupyterapp && window.jupyterapp.serviceManager)", timeout=OPEN_TIMEOUT)
    settings = page.evaluate("""async () => {
        const s = window.jupyterapp.serviceManager.settings;
        const widgets = await s.fetch('@jupyter-widgets/jupyterlab-manager:plugin');
        const notes = await s.fetch('@jupyterlab/apputils-extension:notification');
        return { widgets: widgets.settings ? widgets.settings.composite : null,
                 notes: notes.settings ? notes.settings.composite : null,
                 widgetsSchema: widgets.schema && widgets.schema.properties.saveState.default,
                 fetchNews: notes.schema && notes.schema.properties.fetchNews.default,
                 checkForUpdates: notes.schema && notes.schema.properties.checkForUpdates.default };
    }""")
    assert settings["widgetsSchema"] is True, settings
    assert settings["fetchNews"] == "false", settings
    assert settings["checkForUpdates"] is False, settings
