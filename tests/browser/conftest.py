"""Fixtures for the browser tests: JupyterLab on a copy of the notebooks, driven by Chromium via Playwright.

What is needed: Playwright for Python (the ``browser`` extra) and a Chromium binary. Playwright cannot
download its own browsers here, so Debian's ``/usr/bin/chromium`` is used (``apt-get install -y chromium``);
set ``BROWSER_TESTS_CHROMIUM=/path/to/chrome`` to use another one.

When either is missing the tests are skipped locally with the reason shown in the header and the summary,
and fail in CI (``CI=true``), so CI can never go green without having driven the browser.

Environment knobs:
    BROWSER_TESTS_CHROMIUM   path of the Chromium/Chrome binary (default: /usr/bin/chromium, then PATH)
    BROWSER_TESTS_NOTEBOOKS  folder of notebooks to test instead of notebooks/ (e.g. a scratch folder)
    BROWSER_TESTS_ARTIFACTS  where screenshots go (default: test-artifacts/browser/ at the repo root)
    BROWSER_TESTS_HEADED=1   show the browser window (needs a display)
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = Path(os.environ.get("BROWSER_TESTS_NOTEBOOKS", REPO / "notebooks")).resolve()
ARTIFACTS = Path(os.environ.get("BROWSER_TESTS_ARTIFACTS", REPO / "test-artifacts" / "browser")).resolve()
OVERRIDES = REPO / "jupyter" / "overrides.json"
IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SERVER_START_TIMEOUT = 90  # seconds until /api/status answers


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "browser: end-to-end test in a real browser (JupyterLab in Chromium via Playwright); "
        "deselect with -m 'not browser'",
    )


def find_chromium() -> str | None:
    wanted = os.environ.get("BROWSER_TESTS_CHROMIUM")
    if wanted:
        return wanted if os.access(wanted, os.X_OK) else None
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def missing_requirements() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    problems = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        problems.append(f"Playwright for Python is not installed ({exc}; pip install -e '.[browser]')")
    if find_chromium() is None:
        where = os.environ.get("BROWSER_TESTS_CHROMIUM") or "/usr/bin/chromium or chromium on PATH"
        problems.append(f"no Chromium found at {where} (apt-get install -y chromium)")
    try:
        import jupyterlab  # noqa: F401
    except ImportError as exc:
        problems.append(f"JupyterLab is not installed ({exc}; pip install -e '.[notebooks]')")
    return "; ".join(problems) or None


def pytest_report_header(config):
    why = missing_requirements()
    if why is None:
        return f"browser tests: Chromium {find_chromium()}, notebooks from {NOTEBOOKS}"
    verdict = "WILL FAIL (CI=true)" if IN_CI else "SKIPPED"
    return f"browser tests {verdict}: {why}"


def require_browser_stack():
    why = missing_requirements()
    if why is None:
        return
    if IN_CI:
        pytest.fail(f"browser tests cannot run in CI: {why}", pytrace=False)
    pytest.skip(f"browser tests need a browser: {why}")


def notebook_paths() -> list[Path]:
    return sorted(p for p in NOTEBOOKS.glob("*.ipynb") if not p.name.startswith("."))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """A JupyterLab server on 127.0.0.1 serving a temporary copy of the notebooks."""

    def __init__(self, root: Path):
        self.root = root
        self.notebooks = root / "notebooks"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = root / "jupyterlab.log"
        self.proc: subprocess.Popen | None = None

    def start(self):
        shutil.copytree(NOTEBOOKS, self.notebooks, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        config_dir = self.root / "jupyter-config"
        app_settings = self.root / "lab-app-settings"
        for d in (config_dir, app_settings, self.root / "lab-user-settings", self.root / "lab-workspaces",
                  self.root / "runtime", self.root / "ipython"):
            d.mkdir(parents=True, exist_ok=True)
        # The repo's overrides.json is what users get (jupyter/install_settings.py); test that very file.
        shutil.copy(OVERRIDES, app_settings / "overrides.json")
        (config_dir / "jupyter_lab_config.py").write_text(
            "c.LabApp.news_url = None\n"
            "c.LabApp.check_for_updates_class = 'jupyterlab.NeverCheckForUpdate'\n",
            encoding="utf-8",
        )
        env = dict(os.environ)
        env.update(
            JUPYTER_CONFIG_DIR=str(config_dir),
            JUPYTER_RUNTIME_DIR=str(self.root / "runtime"),
            IPYTHONDIR=str(self.root / "ipython"),
            PYTHONUNBUFFERED="1",
        )
        env.pop("JUPYTER_TOKEN", None)
        cmd = [
            sys.executable, "-m", "jupyterlab",
            "--no-browser",
            "--allow-root",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={self.root}",
            "--IdentityProvider.token=",  # tests only: 127.0.0.1, temporary folder, stopped at the end
            "--ServerApp.password=",
            "--LabApp.expose_app_in_browser=True",
            f"--LabApp.app_settings_dir={app_settings}",
            f"--LabApp.user_settings_dir={self.root / 'lab-user-settings'}",
            f"--LabApp.workspaces_dir={self.root / 'lab-workspaces'}",
        ]
        self.log = open(self.log_path, "w", encoding="utf-8")
        self.proc = subprocess.Popen(cmd, cwd=self.root, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self.proc.returncode} while starting:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status", timeout=2) as response:
                    if response.status == 200:
                        json.load(response)
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"JupyterLab did not answer /api/status within {SERVER_START_TIMEOUT}s:\n"
                                   f"{self.log_tail()}")
            time.sleep(0.25)  # polling a process we do not control; no browser wait involved

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: jupyter_server shuts its kernels down and exits
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if getattr(self, "log", None):
            self.log.close()


def pytest_generate_tests(metafunc):
    if "notebook" in metafunc.fixturenames:
        paths = notebook_paths()
        metafunc.parametrize("notebook", paths, ids=[p.stem for p in paths])


@pytest.fixture(scope="session")
def notebooks_under_test() -> list[Path]:
    return notebook_paths()


@pytest.fixture(scope="session")
def in_ci() -> bool:
    return IN_CI


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory):
    require_browser_stack()
    server = LabServer(tmp_path_factory.mktemp("lab"))
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def chromium():
    require_browser_stack()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=find_chromium(),
            args=CHROMIUM_ARGS,
            headless=os.environ.get("BROWSER_TESTS_HEADED", "") in ("", "0"),
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.browser_call_failed = report.failed
    return report


@pytest.fixture
def lab_page(request, chromium, lab_server, artifacts_dir):
    """A fresh browser context and page; console errors are collected in page.console_errors.

    When the test fails, a screenshot of the page goes to test-artifacts/browser/FAILED-<test id>.png.
    """
    context = chromium.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda msg: page.console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: page.console_errors.append(f"pageerror: {exc}"))
    try:
        yield page
    finally:
        if getattr(request.node, "browser_call_failed", False):
            safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in request.node.name)
            try:
                page.screenshot(path=str(artifacts_dir / f"FAILED-{safe}.png"), timeout=10_000)
            except Exception as exc:  # a broken page must not hide the test's own failure
                print(f"could not save a failure screenshot: {exc}")
        context.close()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def pytest_terminal_summary(terminalreporter):
    """The key-press-to-painted-frame times and frame rates measured by test_play (reported, not asserted)."""
    import statistics

    module = sys.modules.get("test_play")
    latencies = getattr(module, "LATENCIES", None)
    rates = getattr(module, "FRAME_RATES", None) or {}
    if not latencies and not rates:
        return
    target = getattr(module, "LATENCY_TARGET_MS", 150)
    terminalreporter.section("slider key press -> new frame painted in the page (ms); frames/s while playing")
    for label, rate in rates.items():
        terminalreporter.write_line(f"{label}: {rate:.1f} frames/s arrived in the page while playing")
    for label, times in latencies.items():
        med = statistics.median(times)
        terminalreporter.write_line(
            f"{label}: median {med:.0f}, max {max(times):.0f} over {len(times)} presses; target median <= {target}: "
            f"{'met' if med <= target else 'NOT met'}")
