#!/usr/bin/env python3
"""Set up and run Storefront on a machine that has only Python 3.11+.

    python3 dev.py run     # venv + dependencies + schema + demo data, then the shop on :5000 ($PORT)
    python3 dev.py test    # venv + dependencies + a Chromium, then the whole test suite
                           # (extra args go to pytest)

Everything lands in ./.venv and ./instance; delete them to start over.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed-from"


def run(*args: str, env: dict | None = None) -> None:
    subprocess.run(args, cwd=ROOT, check=True, env=env)


def ensure_venv() -> None:
    """Create .venv and install the project, again only when pyproject.toml changed."""
    if sys.version_info < (3, 11):
        sys.exit(f"Storefront needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not (BIN / "python").exists() and not (BIN / "python.exe").exists():
        print("Creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text() != digest:
        print("Installing dependencies …", flush=True)
        run(str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "-e", ".[dev]")
        STAMP.write_text(digest)


def compile_translations() -> None:
    """Compile the message catalogs (app/translations/*/LC_MESSAGES/messages.po → .mo), which
    are not kept in git; without them every page would speak English."""
    run(str(BIN / "pybabel"), "compile", "--statistics",
        "-d", str(ROOT / "app" / "translations"))


def flask(*args: str) -> None:
    run(str(BIN / "flask"), "--app", "wsgi", *args)


# Debian's packages for the browser tests: the browser, and a font with Hangul so that
# screenshots of Korean pages are legible.
DEBIAN_BROWSER_PACKAGES = ("chromium", "fonts-noto-cjk")


def system_chromium() -> str | None:
    """The Chromium the tests drive: ``CHROMIUM_PATH``, else one on the PATH."""
    return (os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
            or shutil.which("chromium-browser"))


def playwright_chromium_present() -> bool:
    """Whether Playwright's own Chromium was already downloaded (its default cache folder)."""
    cache = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH")
                 or Path.home() / ".cache" / "ms-playwright")
    return any(cache.glob("chromium-*"))


def browser_plan(*, chromium: str | None, playwright_present: bool, is_root: bool,
                 has_apt: bool) -> str:
    """How to get a browser for the tests: ``ready``, ``apt`` or ``playwright``.

    Debian's package comes before Playwright's download wherever it can be installed (root
    on Debian): it needs no download from outside the distribution's mirrors, and it is
    what CI uses. Elsewhere (a laptop, no root) Playwright fetches its own Chromium.
    """
    if chromium or playwright_present:
        return "ready"
    if is_root and has_apt:
        return "apt"
    return "playwright"


def ensure_browser() -> None:
    """Make sure a Chromium is there for the Playwright tests, or say what to install."""
    plan = browser_plan(chromium=system_chromium(),
                        playwright_present=playwright_chromium_present(),
                        is_root=hasattr(os, "geteuid") and os.geteuid() == 0,
                        has_apt=shutil.which("apt-get") is not None)
    if plan == "ready":
        return
    if plan == "apt":
        print("No Chromium found: installing Debian's "
              f"{' and '.join(DEBIAN_BROWSER_PACKAGES)} …", flush=True)
        apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        installed = (subprocess.run(["apt-get", "update", "-qq"], env=apt_env).returncode == 0
                     and subprocess.run(["apt-get", "install", "-y", "-qq",
                                         *DEBIAN_BROWSER_PACKAGES], env=apt_env).returncode == 0)
        if installed and system_chromium():
            return
    else:
        print("No Chromium found: fetching Playwright's own (needs internet) …", flush=True)
        fetched = subprocess.run([str(BIN / "python"), "-m", "playwright", "install",
                                  "chromium"], cwd=ROOT).returncode == 0
        if fetched:
            return
    sys.exit("The browser tests need Chromium, and none could be installed here. Install "
             "one, then run this again:\n"
             "  Debian/Ubuntu:  sudo apt-get install -y chromium fonts-noto-cjk\n"
             "  elsewhere:      .venv/bin/python -m playwright install chromium\n"
             "  or point CHROMIUM_PATH at a Chromium or Chrome binary.")


def serve(args: list[str]) -> int:
    """Run the development server until Ctrl-C or SIGTERM, then stop it and exit quietly."""
    server = subprocess.Popen(args, cwd=ROOT)

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        return server.wait()
    except KeyboardInterrupt:
        # Ctrl-C reaches the server too (same process group); SIGTERM only reached us.
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        print("\nStorefront stopped.", flush=True)
        return 0


def cmd_run() -> int:
    ensure_venv()
    compile_translations()
    flask("db", "upgrade")
    flask("seed-demo")
    return serve([str(BIN / "flask"), "--app", "wsgi", "run", "--host", "127.0.0.1",
                  "--port", os.environ.get("PORT", "5000")])


def cmd_test(pytest_args: list[str]) -> int:
    ensure_venv()
    compile_translations()
    ensure_browser()
    return subprocess.run([str(BIN / "python"), "-m", "pytest", *pytest_args], cwd=ROOT).returncode


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"run", "test"}:
        print(__doc__)
        return 2
    if sys.argv[1] == "run":
        return cmd_run()
    return cmd_test(sys.argv[2:])


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl-C while setting up or testing: the child said why
        sys.exit(130)
