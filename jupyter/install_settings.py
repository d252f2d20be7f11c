"""Install JupyterLab's default settings for this project into the running Python's environment.

Copies ``jupyter/overrides.json`` (next to this script) to
``<sys.prefix>/share/jupyter/lab/settings/overrides.json``, where JupyterLab reads the defaults that
override its built-in ones:

* ``@jupyter-widgets/jupyterlab-manager:plugin`` -> ``saveState: true``: saving a notebook also saves the
  state of its widgets, so a saved notebook shows its sliders even without a kernel;
* ``@jupyterlab/apputils-extension:notification`` -> no news prompt and no update checks.

If an ``overrides.json`` already exists there, the two are merged (ours wins for the keys above, every
other setting already there is kept). A user's own choices in Settings still win over these defaults.

Usage: ``python jupyter/install_settings.py [--prefix PREFIX] [--dry-run]``
(``make install`` and Binder's ``postBuild`` run it with the environment's own Python).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "overrides.json"


def target_path(prefix: str | Path = sys.prefix) -> Path:
    return Path(prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"


def merge(existing: dict, ours: dict) -> dict:
    merged = {plugin: dict(values) for plugin, values in existing.items()}
    for plugin, values in ours.items():
        merged.setdefault(plugin, {}).update(values)
    return merged


def install(prefix: str | Path = sys.prefix, dry_run: bool = False) -> Path:
    ours = json.loads(SOURCE.read_text(encoding="utf-8"))
    target = target_path(prefix)
    existing = {}
    if target.exists():
        try:
            existing = json.loads(target.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise SystemExit(f"{target} exists but is not valid JSON ({exc}); fix or remove it, then rerun") from exc
        if not isinstance(existing, dict):
            raise SystemExit(f"{target} exists but does not hold a JSON object; fix or remove it, then rerun")
    text = json.dumps(merge(existing, ours), indent=2, sort_keys=True) + "\n"
    if dry_run:
        print(f"would write {target}:\n{text}", end="")
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"JupyterLab settings installed: {target}")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prefix", default=sys.prefix, help="environment prefix (default: this Python's, %(default)s)")
    parser.add_argument("--dry-run", action="store_true", help="print what would be written, write nothing")
    args = parser.parse_args(argv)
    install(args.prefix, args.dry_run)
    return 0


if __name__ == "__main__":
    sys.exit(main())
