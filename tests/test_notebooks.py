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


def slug_jupyterlab(heading):
    return heading.strip().replace(" ", "-")


def slug_github(heading):
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(cells):
    found = set()
    for cell in cells:
        if cell["cell_type"] != "markdown":
            continue
        text = source(cell)
        for line in text.splitlines():
            match = re.match(r"#+\s+(.*)", line)
            if match:
                heading = re.sub(r"<a [^>]*></a>", "", match.group(1)).strip()
                found |= {slug_jupyterlab(heading), slug_github(heading)}
        found |= set(re.findall(r'<a\s+(?:id|name)="([^"]+)"', text))
    return found


@pytest.mark.parametrize("name", SERIES)
def test_a_linked_table_of_contents_at_the_top_and_linked_sources_at_the_end(name):
    cells = load(name)["cells"]
    markdown = [source(c) for c in cells if c["cell_type"] == "markdown"]
    top = "\n".join(markdown[:3])
    links = re.findall(r"\]\(#([^)\s]+)\)", top)
    assert len(links) >= 4, f"{name}: no linked table of contents in its first markdown cells"
    missing = [link for link in links if link not in anchors(cells)]
    assert not missing, f"{name}: table-of-contents links that point at no heading or anchor: {missing}"
    assert "what you will learn" in top.lower()
    last = next(m for m in reversed(markdown) if "sources and further reading" in m.lower())
    urls = re.findall(r"\]\((https?://[^)\s]+)\)", last)
    assert len(urls) >= 5, f"{name}: 'Sources and further reading' has {len(urls)} links"
    for needed in ("github.com/jaymody/backpropagation", "github.com/danielsabinasz/TensorSlow"):
        assert any(needed in url for url in urls), f"{name}: the sources do not link {needed}"
    assert "Practice Implementing Gradient Descent" in last


INTERNAL_WORDS = [
    r"\bnbval\b", r"CONTRIBUTING", r"\bCI\b", r"subshell", r"pyplot(?:'s)? threads?", r"\bNetwork\._\w+",
    r"\bseeds?\s*0\d\d\b", r"\bthe seeds\b", r"\bthe seed's\b",
    r"\bseed'?s? (?:task|network|text|code|blog|form|fix|choice|psi|notebooks?|sources?|weights)\b",
]


@pytest.mark.parametrize("name", SERIES)
def test_no_internal_words_in_what_a_learner_reads(name):
    found = []
    for i, cell in enumerate(load(name)["cells"]):
        texts = [source(cell)] if cell["cell_type"] == "markdown" else []
        for output in cell.get("outputs", []):
            texts.append("".join(output.get("text", "")))
            texts.append("".join(output.get("data", {}).get("text/plain", "")))
        for text in texts:
            found += [f"cell {i}: {m.group(0)!r}" for w in INTERNAL_WORDS for m in re.finditer(w, text)]
    assert not found, f"{name} speaks of things a learner has never seen: {found}"


@pytest.mark.parametrize("name", SERIES)
def test_exercises_are_stubs_with_checks_and_the_solutions_live_apart(name):
    code = [c for c in load(name)["cells"] if c["cell_type"] == "code"]
    stubs = [c for c in code if "# TODO" in source(c)
             and re.search(r"raise NotImplementedError|=\s*\.\.\.\s*$", source(c), re.M)]
    assert len(stubs) >= 3, f"{name}: {len(stubs)} exercise stubs, expected at least 3"
    for cell in stubs:
        assert "%load solutions/" in source(cell), f"{name}: a stub does not say how to load its solution"
        loaded = re.findall(r"%load (solutions/\S+\.py)", source(cell))
        assert all((NOTEBOOKS / path).exists() for path in loaded), f"{name}: missing solution files {loaded}"
    saved = ["".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", ""))
             for c in code for o in c["outputs"]]
    not_attempted = sum("not attempted yet" in text for text in saved)
    assert not_attempted >= 3, f"{name}: the saved outputs show {not_attempted} untouched exercises, expected >= 3"
    prefix = name.split("_")[0]
    assert len(list((NOTEBOOKS / "solutions").glob(f"{prefix}_*.py"))) >= 3


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
