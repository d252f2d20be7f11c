"""environment.yml (conda users, Binder) agrees with pyproject.toml, and Binder gets the JupyterLab settings.

pyproject.toml holds the real dependency lists; environment.yml only brings Python and pip and installs
the project with some of its extras. These tests check that:
  * every conda dependency is python, pip, or a package pyproject.toml names;
  * the pip section installs this project (`-e .[extras]` or `.[extras]`) with extras that pyproject defines,
    and anything else it installs is named in pyproject too;
  * what that installs can run the notebooks (JupyterLab, a kernel, ipywidgets);
  * the conda python version satisfies requires-python;
  * postBuild (Binder) installs jupyter/overrides.json, whose settings exist in JupyterLab's schemas;
  * constraints/oldest.txt (`make test-oldest`) pins every direct dependency to the floor pyproject.toml states;
  * the code needs no Python newer than requires-python claims (vermin reads it), as CI runs only one Python;
  * a built wheel (a non-editable install) holds every module of helpers and its data files.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

try:
    import tomllib  # Python 3.11+  # novm (vermin: this import has a fallback)
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli", reason="reading pyproject.toml on Python 3.10 needs tomli")

REPO = Path(__file__).resolve().parents[1]
PROJECT_INSTALL = re.compile(r"^(?:-e\s+|--editable\s+)?\.(?:\[(?P<extras>[^\]]*)\])?$")
IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
OLDEST = REPO / "constraints" / "oldest.txt"
OLDEST_EXTRAS = ("notebooks", "test")  # what `make test-oldest` installs besides the core
# Packages the notebooks cannot run without, wherever they are installed from.
NEEDED_TO_RUN_NOTEBOOKS = {"jupyterlab", "ipykernel", "ipywidgets", "numpy", "matplotlib"}


@pytest.fixture(scope="module")
def pyproject():
    with open(REPO / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]


@pytest.fixture(scope="module")
def environment():
    path = REPO / "environment.yml"
    if not path.exists():
        pytest.fail("environment.yml is missing (conda users and Binder install from it)")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def conda_entries(environment):
    return [d for d in environment.get("dependencies", []) if isinstance(d, str)]


def pip_entries(environment):
    sections = [d["pip"] for d in environment.get("dependencies", []) if isinstance(d, dict) and "pip" in d]
    return [entry.strip() for section in sections for entry in section]


def conda_name_and_spec(entry: str) -> tuple[str, str]:
    """'python=3.11' -> ('python', '=3.11'); 'conda-forge::numpy>=1.26' -> ('numpy', '>=1.26')."""
    entry = entry.split("::")[-1].strip()
    match = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", entry)
    assert match, f"cannot read the conda dependency {entry!r}"
    return match.group(1), match.group(2).strip()


def pyproject_names(pyproject) -> set[str]:
    requirements = list(pyproject.get("dependencies", []))
    for extra in pyproject.get("optional-dependencies", {}).values():
        requirements += extra
    return {canonicalize_name(Requirement(r).name) for r in requirements}


def installed_by(pyproject, extras: list[str]) -> set[str]:
    requirements = list(pyproject.get("dependencies", []))
    for extra in extras:
        requirements += pyproject["optional-dependencies"][extra]
    return {canonicalize_name(Requirement(r).name) for r in requirements}


def test_conda_channel_is_conda_forge(environment):
    assert "conda-forge" in environment.get("channels", []), environment.get("channels")


def test_conda_dependencies_are_in_pyproject(environment, pyproject):
    known = pyproject_names(pyproject)
    strays = [entry for entry in conda_entries(environment)
              if canonicalize_name(conda_name_and_spec(entry)[0]) not in {"python", "pip"} | known]
    assert not strays, (f"environment.yml's conda part names {strays}, which pyproject.toml does not: "
                        f"add them to pyproject.toml (the dependency lists live there) or drop them")
    names = [conda_name_and_spec(e)[0] for e in conda_entries(environment)]
    assert "python" in names and "pip" in names, f"the conda part must bring python and pip, has {names}"


def test_pip_section_installs_the_project_with_defined_extras(environment, pyproject):
    entries = pip_entries(environment)
    project = [PROJECT_INSTALL.match(e) for e in entries if PROJECT_INSTALL.match(e)]
    assert len(project) == 1, (f"the pip section must install this project once (`-e .[notebooks,...]`); "
                               f"it holds {entries}")
    extras = [x.strip() for x in (project[0].group("extras") or "").split(",") if x.strip()]
    defined = set(pyproject.get("optional-dependencies", {}))
    undefined = sorted(set(extras) - defined)
    assert not undefined, f"environment.yml asks for extras {undefined}; pyproject.toml defines {sorted(defined)}"

    missing = NEEDED_TO_RUN_NOTEBOOKS - installed_by(pyproject, extras)
    assert not missing, (f"environment.yml installs the project with extras {extras}, which do not bring "
                         f"{sorted(missing)}: Binder could not run the notebooks")

    others = [e for e in entries if not PROJECT_INSTALL.match(e)]
    known = pyproject_names(pyproject)
    strays = [e for e in others if e.startswith("-") or canonicalize_name(Requirement(e).name) not in known]
    assert not strays, f"the pip section installs {strays} besides the project; pyproject.toml should name them"


def test_python_version_agrees_with_requires_python(environment, pyproject):
    requires = SpecifierSet(pyproject["requires-python"])
    specs = [conda_name_and_spec(e)[1] for e in conda_entries(environment) if conda_name_and_spec(e)[0] == "python"]
    assert specs, "environment.yml does not pin python"
    spec = specs[0]
    # conda: "=3.11" (3.11.*), "==3.11.4", "3.11", ">=3.10,<3.13": check every version it names.
    versions = re.findall(r"\d+(?:\.\d+)+", spec)
    assert versions, f"cannot read a version in python{spec}"
    for version in versions:
        assert Version(version) in requires or Version(version + ".0") in requires, (
            f"environment.yml asks for python{spec}, outside requires-python {requires}")


def test_binder_postbuild_installs_the_jupyterlab_settings():
    post_build = REPO / "postBuild"
    assert post_build.is_file(), "postBuild is missing: Binder would not get the JupyterLab settings"
    assert os.access(post_build, os.X_OK), "postBuild must be executable (git update-index --chmod=+x postBuild)"
    assert "jupyter/install_settings.py" in post_build.read_text(encoding="utf-8")


def test_install_settings_writes_and_merges_overrides(tmp_path):
    target = tmp_path / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps({"@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"}}))
    subprocess.run([sys.executable, str(REPO / "jupyter" / "install_settings.py"), "--prefix", str(tmp_path)],
                   check=True, capture_output=True, text=True)
    written = json.loads(target.read_text())
    ours = json.loads((REPO / "jupyter" / "overrides.json").read_text())
    for plugin, values in ours.items():
        assert written[plugin] == values
    assert written["@jupyterlab/apputils-extension:themes"] == {"theme": "JupyterLab Dark"}, "kept what was there"


def find_schema(plugin_id: str) -> Path | None:
    """JupyterLab's settings schema of a plugin, among the installed core schemas and lab extensions."""
    package, plugin = plugin_id.split(":")
    share = Path(sys.prefix) / "share" / "jupyter"
    for candidate in (share / "lab" / "schemas" / package / f"{plugin}.json",
                      share / "labextensions" / package / "schemas" / package / f"{plugin}.json"):
        if candidate.is_file():
            return candidate
    return None


def test_overrides_match_jupyterlab_schemas():
    """Every setting in jupyter/overrides.json exists in the installed JupyterLab, with an allowed value."""
    overrides = json.loads((REPO / "jupyter" / "overrides.json").read_text(encoding="utf-8"))
    assert overrides["@jupyter-widgets/jupyterlab-manager:plugin"]["saveState"] is True
    for plugin_id, values in overrides.items():
        schema_path = find_schema(plugin_id)
        if schema_path is None:
            pytest.skip(f"JupyterLab schema of {plugin_id} not installed here")
        properties = json.loads(schema_path.read_text(encoding="utf-8"))["properties"]
        for key, value in values.items():
            assert key in properties, f"{plugin_id} has no setting {key!r} (typo?); it has {sorted(properties)}"
            prop = properties[key]
            if "oneOf" in prop:
                allowed = [choice["const"] for choice in prop["oneOf"]]
                assert value in allowed, f"{plugin_id} {key}={value!r}: allowed {allowed}"
            elif prop.get("type") == "boolean":
                assert isinstance(value, bool), f"{plugin_id} {key} must be true or false, is {value!r}"


def floor_of(requirement: Requirement) -> Version | None:
    """The lowest version a requirement allows (its >= or == bound), or None if it has none."""
    floors = [Version(spec.version) for spec in requirement.specifier if spec.operator in (">=", "==", "~=")]
    return max(floors) if floors else None


def read_constraints(path: Path) -> dict[str, Version]:
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        requirement = Requirement(line)
        specs = list(requirement.specifier)
        assert len(specs) == 1 and specs[0].operator == "==", f"{path.name}: {line!r} is not a plain name==version pin"
        pins[canonicalize_name(requirement.name)] = Version(specs[0].version)
    return pins


def test_oldest_constraints_pin_every_direct_dependency_to_its_floor(pyproject):
    requirements = [Requirement(r) for r in pyproject["dependencies"]]
    for extra in OLDEST_EXTRAS:
        requirements += [Requirement(r) for r in pyproject["optional-dependencies"][extra]]
    pins = read_constraints(OLDEST)
    wanted = {}
    for requirement in requirements:
        floor = floor_of(requirement)
        assert floor is not None, f"pyproject.toml: {requirement} states no lowest version, so none can be tested"
        wanted[canonicalize_name(requirement.name)] = floor
    missing = sorted(set(wanted) - set(pins))
    assert not missing, f"{OLDEST.name} does not pin {missing}: make test-oldest would not test their floors"
    strays = sorted(set(pins) - set(wanted))
    assert not strays, f"{OLDEST.name} pins {strays}, which are no direct dependency of the core or {OLDEST_EXTRAS}"
    wrong = {name: f"pinned {pins[name]}, floor {floor}" for name, floor in wanted.items() if pins[name] != floor}
    assert not wrong, f"{OLDEST.name} must pin each floor of pyproject.toml: {wrong}"


def test_core_install_has_no_scikit_learn_or_scipy(pyproject):
    """They weigh about 190 MB; the digits ship with helpers, so only the benchmark extra asks for them."""
    core = {canonicalize_name(Requirement(r).name) for r in pyproject["dependencies"]}
    for extra in ("notebooks", "test"):
        core |= {canonicalize_name(Requirement(r).name) for r in pyproject["optional-dependencies"][extra]}
    assert not core & {"scikit-learn", "scipy", "sklearn"}, sorted(core)
    bench = {canonicalize_name(Requirement(r).name) for r in pyproject["optional-dependencies"]["bench"]}
    assert "scikit-learn" in bench, "bench/bench.py compares with scikit-learn: the bench extra should bring it"


def python_sources() -> list[Path]:
    sources = []
    for folder in ("helpers", "tests", "tools", "bench", "jupyter"):
        sources += sorted((REPO / folder).rglob("*.py"))
    return [p for p in sources if "__pycache__" not in p.parts]


def notebook_code_as_python(tmp_path: Path) -> list[Path]:
    """Each notebook's code cells as a .py file (IPython magics and shell lines left out)."""
    import nbformat

    files = []
    for notebook in sorted((REPO / "notebooks").glob("*.ipynb")):
        cells = nbformat.read(notebook, as_version=4).cells
        lines = []
        for cell in cells:
            if cell.cell_type == "code":
                lines += [line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!"))]
                lines.append("")
        target = tmp_path / f"{notebook.stem}.py"
        target.write_text("\n".join(lines), encoding="utf-8")
        files.append(target)
    return files


def test_code_needs_no_newer_python_than_requires_python(pyproject, tmp_path):
    """CI runs one Python (3.11); vermin checks that nothing needs a newer one than the lowest we claim."""
    vermin = shutil.which("vermin", path=str(Path(sys.executable).parent)) or shutil.which("vermin")
    if vermin is None:
        message = "vermin is not installed (the test extra brings it): cannot check requires-python"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    lowest = floor_of(Requirement("python" + pyproject["requires-python"]))
    assert lowest is not None, f"requires-python {pyproject['requires-python']!r} states no lowest version"
    target = f"{lowest.major}.{lowest.minor}"
    files = python_sources() + notebook_code_as_python(tmp_path)
    result = subprocess.run(
        [vermin, f"--target={target}-", "--violations", "--no-tips", "--eval-annotations",
         "--no-make-paths-absolute", *map(str, files)],
        capture_output=True, text=True, cwd=REPO,
    )
    assert result.returncode == 0, (f"code that needs a Python newer than {target} (requires-python "
                                    f"{pyproject['requires-python']}):\n{result.stdout}{result.stderr}")
    # A file vermin could not read is a file it did not check.
    assert "could not" not in (result.stdout + result.stderr).lower(), result.stdout + result.stderr


def test_wheel_holds_every_module_and_the_data_files(tmp_path):
    """A non-editable install (pip install ., Colab) gets all of helpers, the digits file included.

    setuptools' build_py step, run on pyproject.toml's configuration, collects exactly the files a wheel
    holds (packages and package data); it needs no network and no `wheel` package.
    """
    pytest.importorskip("setuptools", reason="setuptools is not installed here (a Python 3.12+ venv has none)")
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(REPO / "helpers", source / "helpers", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    site = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-c", "import setuptools; setuptools.setup()", "--quiet", "build_py", "--build-lib", str(site)],
        capture_output=True, text=True, cwd=source,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    names = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    expected = {p.relative_to(source).as_posix() for p in (source / "helpers").rglob("*")
                if p.is_file() and p.suffix in (".py", ".gz", ".md")}
    assert "helpers/digits.csv.gz" in expected
    missing = sorted(expected - names)
    assert not missing, f"an install from a wheel would lack {missing}: add them to pyproject.toml's packages or package-data"
    # And the installed copy loads the digits from itself.
    check = ("import helpers, helpers.data as d; "
             "assert helpers.__file__.startswith(%r), helpers.__file__; "
             "print(d.load_digits()[0].shape)" % str(site))
    env = dict(os.environ, PYTHONPATH=str(site))
    run = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert run.returncode == 0 and run.stdout.strip() == "(1438, 64)", run.stdout + run.stderr
