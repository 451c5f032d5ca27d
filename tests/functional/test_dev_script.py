"""``python3 dev.py``: what it does on a machine without a browser, and how it stops."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys

import pytest

from tests.processes import ROOT, free_port, wait_for_port

_spec = importlib.util.spec_from_file_location("dev_script", ROOT / "dev.py")
dev = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(dev)


@pytest.mark.parametrize(("chromium", "playwright_present", "is_root", "has_apt", "plan"), [
    ("/usr/bin/chromium", False, True, True, "ready"),
    (None, True, True, True, "ready"),
    # This project's machines: root on Debian, no browser, no download from outside.
    (None, False, True, True, "apt"),
    (None, False, False, True, "playwright"),
    (None, False, True, False, "playwright"),
])
def test_the_browser_comes_from_the_system_then_debian_then_playwright(
        chromium, playwright_present, is_root, has_apt, plan):
    assert dev.browser_plan(chromium=chromium, playwright_present=playwright_present,
                            is_root=is_root, has_apt=has_apt) == plan


@pytest.mark.slow
@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_dev_run_stops_without_a_traceback(tmp_path, how):
    port = free_port()
    env = {**os.environ, "PORT": str(port),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'shop.sqlite3'}"}
    env.pop("REDIS_URL", None)
    shop = subprocess.Popen([sys.executable, "dev.py", "run"], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        wait_for_port(port, timeout=90, process=shop)
        if how == "ctrl-c":  # a terminal sends SIGINT to the whole foreground group
            os.killpg(shop.pid, signal.SIGINT)
        else:  # a supervisor signals the process it started
            shop.send_signal(signal.SIGTERM)
        output, _ = shop.communicate(timeout=30)
    finally:
        if shop.poll() is None:
            os.killpg(shop.pid, signal.SIGKILL)
            shop.wait()
    assert "Traceback" not in output, output
    assert shop.returncode == 0, output
    assert "Storefront stopped." in output
    with pytest.raises(OSError):  # the server went with it
        wait_for_port(port, timeout=1)
