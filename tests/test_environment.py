"""environment.yml (conda users, Binder) agrees with pyproject.toml, and Binder gets the JupyterLab settings.

pyproject.toml holds the real dependency lists; environment.yml only brings Python and pip and installs
the project with some of its extras. These tests check that:
  * every conda dependency is python, pip, or a package pyproject.toml names;
  * the pip section installs this project (`-e .[extras]` or `.[extras]`) with extras that pyproject defines,
    and anything else it installs is named in pyproject too;
  * what that installs can run the notebooks (JupyterLab, a kernel, ipywidgets);
  * the conda python version satisfies requires-python;
  * postBuild (Binder) installs jupyter/overrides.json, whose settings exist in JupyterLab's schemas.
"""

from __future__ import annotations

import json
import os
import re
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
    import tomllib  # Python 3.11+
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli", reason="reading pyproject.toml on Python 3.10 needs tomli")

REPO = Path(__file__).resolve().parents[1]
PROJECT_INSTALL = re.compile(r"^(?:-e\s+|--editable\s+)?\.(?:\[(?P<extras>[^\]]*)\])?$")
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
