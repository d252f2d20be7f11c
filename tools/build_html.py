"""Render the notebooks to static HTML for reading without a kernel (``make html``).

Each notebook is rendered from its committed outputs (nothing is executed) with nbconvert's HTML
exporter and its JupyterLab template: plots are embedded as PNG data, and the widget state saved in the
notebook (metadata.widgets, written by ``jupyter nbconvert --execute --inplace`` or by JupyterLab with
saveState) is embedded with the html-manager script, so each slider shows its saved value and the plot
under it. An index.html links the pages.

The widget script (the html-manager) and MathJax are loaded from a CDN when a page is opened, as
nbconvert does by default: without a network the text, code and plots still show, the sliders do not.

Usage: python tools/build_html.py [--out build/html] [NOTEBOOK.ipynb ...]
"""

from __future__ import annotations

import argparse
import html
import sys
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "build" / "html"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def notebook_title(nb, fallback: str) -> str:
    """The first Markdown heading of the notebook, else the fallback."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            if line.startswith("#"):
                return line.lstrip("#").strip() or fallback
    return fallback


def has_widget_state(nb) -> bool:
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {})
    return bool(state.get("state"))


def render(path: Path, exporter: HTMLExporter) -> tuple[str, str, bool]:
    """(html, title, whether widget state is embedded) for one notebook, from its stored outputs."""
    nb = nbformat.read(path, as_version=4)
    title = notebook_title(nb, path.stem)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body, title, has_widget_state(nb)


def index_page(entries: list[tuple[str, str]]) -> str:
    items = "\n".join(
        f'    <li><a href="{html.escape(href)}">{html.escape(title)}</a></li>' for href, title in entries
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Backprop from Scratch</title>
  <style>body {{ font-family: sans-serif; max-width: 44em; margin: 3em auto; line-height: 1.5; }}</style>
</head>
<body>
  <h1>Backprop from Scratch</h1>
  <p>Gradient descent and backpropagation in plain NumPy: the notebooks as they were last run.
  The sliders show their saved positions; to move them, open the notebooks in JupyterLab.</p>
  <ol>
{items}
  </ol>
</body>
</html>
"""


def build(out_dir: Path = DEFAULT_OUT, notebooks: list[Path] | None = None) -> list[Path]:
    """Write one HTML page per notebook and an index.html into out_dir; return the pages written."""
    if notebooks is None:
        notebooks = sorted((REPO / "notebooks").glob("*.ipynb"))
    if not notebooks:
        raise SystemExit("no notebooks to render")
    out_dir.mkdir(parents=True, exist_ok=True)
    exporter = HTMLExporter(template_name="lab")
    pages, entries = [], []
    for path in notebooks:
        body, title, widgets = render(Path(path), exporter)
        page = out_dir / f"{Path(path).stem}.html"
        page.write_text(body, encoding="utf-8")
        pages.append(page)
        entries.append((page.name, title))
        print(f"{page}  ({'widget state embedded' if widgets else 'no widget state'})")
    (out_dir / "index.html").write_text(index_page(entries), encoding="utf-8")
    print(f"{out_dir / 'index.html'}")
    return pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render the notebooks to static HTML from their stored outputs.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: build/html)")
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks (default: notebooks/*.ipynb)")
    args = parser.parse_args(argv)
    build(args.out, args.notebooks or None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
