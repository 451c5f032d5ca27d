#!/usr/bin/env python3
"""Set up and run Storefront on a machine that has only Python 3.11+.

    python3 dev.py run     # venv + dependencies + schema + demo data, then the shop on :5000
    python3 dev.py test    # venv + dependencies, then the whole test suite (extra args go to pytest)

Everything lands in ./.venv and ./instance; delete them to start over.
"""

from __future__ import annotations

import hashlib
import os
import shutil
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


def flask(*args: str) -> None:
    run(str(BIN / "flask"), "--app", "wsgi", *args)


def ensure_browser() -> None:
    """Playwright drives the system Chromium when there is one; else its own, fetched once."""
    if os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser"):
        return
    print("No system Chromium found: installing Playwright's own (needs internet) …", flush=True)
    run(str(BIN / "python"), "-m", "playwright", "install", "chromium")


def cmd_run() -> None:
    ensure_venv()
    flask("db", "upgrade")
    flask("seed-demo")
    flask("run", "--host", "127.0.0.1", "--port", os.environ.get("PORT", "5000"))


def cmd_test(pytest_args: list[str]) -> int:
    ensure_venv()
    ensure_browser()
    return subprocess.run([str(BIN / "python"), "-m", "pytest", *pytest_args], cwd=ROOT).returncode


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"run", "test"}:
        print(__doc__)
        return 2
    if sys.argv[1] == "run":
        cmd_run()
        return 0
    return cmd_test(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
