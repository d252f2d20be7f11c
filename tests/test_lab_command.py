"""`make lab` serves the notebooks on 127.0.0.1 with a token, as root too.

The test starts JupyterLab through the Makefile's own target (`make serve-lab`, which `make lab` runs after
installing), so the command tested is the command users run: only the port, --no-browser and the Python
(this test's environment) are passed in. It reads the URL with its token from JupyterLab's output, checks
that /api/status answers 200 with the token and 403 without, and stops the server (its whole process group).
"""

from __future__ import annotations

import os
import queue
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
START_TIMEOUT = 90  # seconds until JupyterLab prints its URL
URL = re.compile(r"(http://127\.0\.0\.1:(\d+)/lab\S*[?&]token=([0-9a-f]+))")

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_command(target: str, *, port: int, dry_run: bool = False) -> list[str]:
    jupyter = f"{shlex.quote(sys.executable)} -m jupyter"  # `jupyter` of this environment
    return ["make", "--no-print-directory", *(["-n"] if dry_run else []), target, f"JUPYTER={jupyter}",
            f"LAB_ARGS=--no-browser --port={port} --ServerApp.port_retries=0"]


def get_status(url: str, wait: float = 30) -> int:
    """The HTTP status of a GET; retried while the connection is refused (the URL is printed just before
    the server listens), for at most `wait` seconds."""
    deadline = time.monotonic() + wait
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as err:
            return err.code
        except urllib.error.URLError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_make_lab_command_listens_on_localhost_and_adds_allow_root_only_for_root():
    shown = subprocess.run(make_command("serve-lab", port=8888, dry_run=True), cwd=REPO,
                           capture_output=True, text=True, check=True).stdout
    assert "--ip=127.0.0.1" in shown and "notebooks/01_primer.ipynb" in shown, shown
    assert ("--allow-root" in shown) == (os.geteuid() == 0), shown
    assert "token=" not in shown and "password" not in shown, f"make lab must keep JupyterLab's token: {shown}"
    # `make lab` runs that same target after installing.
    lab = subprocess.run(["make", "-n", "--no-print-directory", "lab", "-o", ".venv/.installed"], cwd=REPO,
                         capture_output=True, text=True, check=True).stdout
    assert "serve-lab" in lab, lab


def test_make_lab_serves_with_a_token(tmp_path):
    port = free_port()
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               IPYTHONDIR=str(tmp_path / "ipython"), JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
               PYTHONUNBUFFERED="1")
    for name in ("JUPYTER_TOKEN", "JUPYTER_PASSWORD", "BROWSER"):
        env.pop(name, None)
    proc = subprocess.Popen(make_command("serve-lab", port=port), cwd=REPO, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: queue.Queue[str | None] = queue.Queue()

    def read():
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    seen = []
    try:
        deadline = time.monotonic() + START_TIMEOUT
        match = None
        while match is None:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"JupyterLab printed no URL within {START_TIMEOUT} s:\n{''.join(seen)}")
            if line is None:
                pytest.fail(f"make serve-lab exited ({proc.wait()}) before printing a URL:\n{''.join(seen)}")
            seen.append(line)
            match = URL.search(line)
        url, url_port, token = match.groups()
        assert int(url_port) == port, url
        assert len(token) >= 32, f"a token of {len(token)} characters is guessable: {url}"
        base = f"http://127.0.0.1:{port}"
        assert get_status(f"{base}/api/status?token={token}") == 200
        assert get_status(f"{base}/api/status") == 403
        # It serves the notebooks (JupyterLab's root is the folder of the notebook it opens).
        assert get_status(f"{base}/api/contents/01_primer.ipynb?content=0&token={token}") == 200
        assert get_status(f"{base}/api/contents/04_generalized.ipynb?content=0&token={token}") == 200
        assert get_status(f"{base}/api/status?token={'0' * len(token)}") == 403
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # make and JupyterLab: the whole group
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
