"""Checks on the committed notebooks themselves (nbval re-runs them and compares their outputs)."""
import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
SERIES = ["01_primer", "02_single_neuron", "03_multi_neuron", "04_generalized"]


def load(name):
    path = NOTEBOOKS / f"{name}.ipynb"
    assert path.exists(), f"{path} is missing: the series has four notebooks {SERIES}"
    return json.loads(path.read_text(encoding="utf-8"))


def source(cell):
    return "".join(cell["source"])


def test_the_series_is_the_four_notebooks():
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == SERIES


@pytest.mark.parametrize("name", SERIES)
def test_committed_executed_from_a_clean_kernel_without_errors(name):
    cells = load(name)["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), f"{name}: execution counts are {counts}, expected 1..{len(code)}"
    for i, cell in enumerate(code):
        for output in cell["outputs"]:
            assert output["output_type"] != "error", f"{name}: code cell {i + 1} stores an error: {output.get('ename')}"
            if output["output_type"] == "stream" and output["name"] == "stderr":
                assert "Warning" not in "".join(output["text"]), f"{name}: code cell {i + 1} stores a warning"


@pytest.mark.parametrize("name", SERIES)
def test_structure_every_notebook_shares(name):
    cells = load(name)["cells"]
    markdown = "\n".join(source(c) for c in cells if c["cell_type"] == "markdown").lower()
    code = [source(c) for c in cells if c["cell_type"] == "code"]
    assert "what you will learn" in markdown
    assert "pitfall" in markdown
    assert "exercise" in markdown
    assert 'if "google.colab" in sys.modules' in code[0], "the first code cell installs the project on Colab"
    assert any("default_rng(" in c for c in code), "randomness comes from a seeded generator"
    assert any("Correct" in c for c in code), "exercises have self-checking cells"


@pytest.mark.parametrize("name", SERIES)
def test_widget_cells_are_marked_for_nbval_and_have_a_learning_rate_slider(name):
    cells = [c for c in load(name)["cells"] if c["cell_type"] == "code"]
    shows_widget = [c for c in cells if any("application/vnd.jupyter.widget-view+json" in o.get("data", {})
                                            for o in c["outputs"])]
    assert shows_widget, f"{name} has no slider"
    for cell in shows_widget:
        assert source(cell).lstrip().startswith("# NBVAL_IGNORE_OUTPUT"), \
            f"{name}: a cell showing a widget must start with # NBVAL_IGNORE_OUTPUT:\n{source(cell)[:200]}"
    assert any(re.search(r"learning_rate_slider\(", source(c)) for c in cells), f"{name} has no learning-rate slider"


def test_readme_opens_every_notebook_on_binder_and_colab_from_the_repository_colab_installs():
    readme = (NOTEBOOKS.parent / "README.md").read_text(encoding="utf-8")
    first_code = {name: next(source(c) for c in load(name)["cells"] if c["cell_type"] == "code") for name in SERIES}
    install = re.search(r"git\+https://github\.com/([\w.-]+/[\w.-]+)", first_code[SERIES[0]])
    assert install, "the Colab cell installs the project from its GitHub repository"
    repo = install.group(1)
    for name in SERIES:
        binder = f"https://mybinder.org/v2/gh/{repo}/main?labpath=notebooks%2F{name}.ipynb"
        colab = f"https://colab.research.google.com/github/{repo}/blob/main/notebooks/{name}.ipynb"
        assert f"]({binder})" in readme, f"README has no Binder badge for {name} ({binder})"
        assert f"]({colab})" in readme, f"README has no Colab badge for {name} ({colab})"
        assert f"git+https://github.com/{repo}" in first_code[name], f"{name}: the Colab cell installs from another repo"
