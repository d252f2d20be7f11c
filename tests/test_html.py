"""`make html`: every notebook renders to a static page with its figures, no errors, and its widget state.

Builds with tools/build_html.py into a temporary folder (nothing is executed: the pages show the
committed outputs), then reads the pages back.
"""

from __future__ import annotations

import html
import importlib.util
import json
import re
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def load_builder():
    spec = importlib.util.spec_from_file_location("build_html", REPO / "tools" / "build_html.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if not NOTEBOOKS:
        pytest.skip("no notebooks/*.ipynb yet")
    out = tmp_path_factory.mktemp("html")
    load_builder().build(out, NOTEBOOKS)
    return out


def top_level_outputs(nb):
    for index, cell in enumerate(nb.cells, start=1):
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                yield index, output


def test_index_links_every_page(site):
    index = (site / "index.html").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert f'href="{path.stem}.html"' in index, f"index.html does not link {path.stem}.html"
        assert (site / f"{path.stem}.html").is_file()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_page_has_figures_and_no_errors(site, path):
    nb = nbformat.read(path, as_version=4)
    page = (site / f"{path.stem}.html").read_text(encoding="utf-8")

    figures = sum(1 for _, out in top_level_outputs(nb) if "image/png" in out.get("data", {}))
    embedded = len(re.findall(r'<img\s[^>]*src="data:image/png;base64,', page))
    assert figures > 0, f"{path.name} has no committed figure: execute it (make execute) before committing"
    assert embedded >= figures, f"{path.name}: {figures} PNG outputs in the notebook, {embedded} embedded in the page"

    errors = [f"cell {i}: {out.get('ename')}: {out.get('evalue')}"
              for i, out in top_level_outputs(nb) if out.get("output_type") == "error"]
    assert not errors, f"{path.name} is committed with error outputs: {errors}"
    stderr_blocks = re.findall(
        r'data-mime-type="application/vnd\.jupyter\.stderr"[^>]*>(.*?)</div>', page, flags=re.DOTALL)
    tracebacks = [html.unescape(re.sub(r"<[^>]+>", "", block))[:300] for block in stderr_blocks
                  if "Traceback" in block or "Error" in block]
    assert not tracebacks, f"{path.name}: the page shows errors: {tracebacks}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_page_embeds_widget_state(site, path):
    nb = nbformat.read(path, as_version=4)
    views = [out["data"][WIDGET_VIEW]["model_id"] for _, out in top_level_outputs(nb)
             if WIDGET_VIEW in out.get("data", {}) and out["data"][WIDGET_VIEW].get("model_id")]
    if not views:
        pytest.skip(f"{path.name} shows no widget")
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    assert state, (f"{path.name} shows widgets but stores no widget state: re-execute it with "
                   f"`jupyter nbconvert --to notebook --execute --inplace` (make execute)")
    missing = [model_id for model_id in views if model_id not in state]
    assert not missing, f"{path.name}: widget views whose model is not in the saved state: {missing}"

    page = (site / f"{path.stem}.html").read_text(encoding="utf-8")
    match = re.search(rf'<script type="{re.escape(WIDGET_STATE)}">\s*(.*?)\s*</script>', page, flags=re.DOTALL)
    assert match, f"{path.stem}.html does not embed the widget state ({WIDGET_STATE})"
    embedded = json.loads(match.group(1))  # nbconvert escapes "</" as "<\/", which JSON reads back as "</"
    assert set(views) <= set(embedded["state"]), f"{path.stem}.html: widget views missing from the embedded state"
    for model_id in views:
        assert f'"model_id": "{model_id}"' in page or f'"model_id":"{model_id}"' in page, (
            f"{path.stem}.html has no view script for widget {model_id}")
    assert "html-manager" in page, f"{path.stem}.html does not load the widget html-manager"
