#!/usr/bin/env python3
"""Set up and run ORB Workbook with nothing but Python 3.11+.

    python3 dev.py demo   # set up, make a demo workspace, build packets, serve the workbook
    python3 dev.py test   # set up (with test tools and Chromium) and run every test
    python3 dev.py test --fast  # the quick tests only (no browser, hub, install, PostgreSQL, notebook runs…)
    python3 dev.py docs   # set up (with Sphinx) and build the documentation into docs/_build/html
    python3 dev.py rules  # write the scoring rules stated in the code into the documentation

The set-up is a virtual environment in .venv, made once and refreshed when
pyproject.toml changes. Everything after set-up is the `orb` command.
"""

from __future__ import annotations

import glob
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
PY = BIN / "python"


def say(msg: str) -> None:
    print(f"==> {msg}", flush=True)


def run(*cmd, **kw) -> None:
    result = subprocess.run([str(c) for c in cmd], cwd=ROOT, **kw)
    if result.returncode:
        sys.exit(result.returncode)


def setup(extras: str) -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"ORB Workbook needs Python 3.11 or newer (this is {sys.version.split()[0]}).")
    stamp = VENV / f".installed-{extras or 'base'}"
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == want and PY.exists():
        return
    if not PY.exists():
        say("Creating a virtual environment in .venv")
        venv.EnvBuilder(with_pip=True).create(VENV)
    say("Installing ORB Workbook and its libraries (a few minutes the first time)")
    run(PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--upgrade", "pip")
    target = f".[{extras}]" if extras else "."
    run(PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", target)
    stamp.write_text(want)


def ensure_system_packages(for_: str = "test") -> None:
    """WeasyPrint (PDF packets) needs pango; the demo also needs npm (for JupyterHub's proxy).

    ``for_`` is "demo", "test" (every test: also Chromium, pdftotext and PostgreSQL) or "fast"
    (``test --fast``: pango and pdftotext only).
    """
    import ctypes.util

    for_tests = for_ == "test"
    tools = [("chromium", "chromium")] if for_tests else []
    tools += [("pdftotext", "poppler-utils")] if for_ in ("test", "fast") else []
    missing = [pkg for exe, pkg in tools if shutil.which(exe) is None]
    if for_ != "fast" and shutil.which("npm") is None:
        missing += ["nodejs", "npm"]  # JupyterHub's proxy is a Node.js program (docs/deploying.md)
    if for_tests and not glob.glob("/usr/lib/postgresql/*/bin/initdb") and shutil.which("initdb") is None:
        missing.append("postgresql")  # the store is tested on a live PostgreSQL too
    if ctypes.util.find_library("pangoft2-1.0") is None:
        missing += ["libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core"]
    if not missing:
        return
    apt = shutil.which("apt-get")
    if apt is None or (hasattr(os, "geteuid") and os.geteuid() != 0):
        sys.exit(
            f"Please install these system packages first: {' '.join(missing)} "
            f"(e.g. sudo apt-get install {' '.join(missing)})."
        )
    say(f"Installing {' '.join(missing)} from Debian's packages")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(apt, "update", "-qq", env=env)
    run(apt, "install", "-y", "-qq", "--no-install-recommends", *missing, env=env)


def ensure_proxy() -> None:
    """JupyterHub's proxy, configurable-http-proxy, from npm into .venv/chp (where `orb hub-config` looks)."""
    if (
        shutil.which("configurable-http-proxy")
        or (VENV / "chp" / "node_modules" / ".bin" / "configurable-http-proxy").exists()
    ):
        return
    say("Installing JupyterHub's proxy (configurable-http-proxy) from npm into .venv/chp")
    run(
        shutil.which("npm") or "npm",
        "install",
        "--silent",
        "--no-fund",
        "--no-audit",
        "--prefix",
        VENV / "chp",
        "configurable-http-proxy@5",
    )


def demo(args: list[str]) -> None:
    setup("")
    ensure_system_packages("demo")
    ensure_proxy()
    orb = BIN / "orb"
    workspace = ROOT / "workspace"
    if not (workspace / "orb.sqlite").exists():
        run(orb, "demo", "--workspace", workspace)
    else:
        say(f"Using the existing workspace {workspace} (delete it for a fresh demo)")
    run(orb, "packets", "--all", "--workspace", workspace, "--out", ROOT / "packets")
    say(f"Packets written to {ROOT / 'packets'} (open index.html)")
    if "--no-serve" not in args:
        run(orb, "serve", "--workspace", workspace)


# What `dev.py test --fast` leaves out: the tests that need Chromium, JupyterHub, a fresh virtual
# environment or PostgreSQL, and the slow ones (a kernel per notebook, servers, the documentation's commands
# and site build). Markers in pyproject.toml.
FAST = "not browser and not hub and not install and not postgres and not slow"


def test(args: list[str]) -> None:
    fast = "--fast" in args
    args = [a for a in args if a != "--fast"]
    setup("test")
    ensure_system_packages("fast" if fast else "test")
    if not fast:
        ensure_proxy()
    env = {**os.environ, "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg"}
    run(PY, "-m", "pytest", *(["-m", FAST] if fast else []), "tests", *args, env=env)


def docs(args: list[str]) -> None:
    """Build the documentation site (Sphinx + MyST) with warnings as errors."""
    setup("docs")
    out = ROOT / "docs" / "_build" / "html"
    run(
        PY,
        "-m",
        "sphinx",
        "-W",
        "--keep-going",
        "-n",
        "-q",
        "-b",
        "html",
        ROOT / "docs",
        out,
        *args,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    say(f"Documentation written to {out} (open index.html)")


def rules(args: list[str]) -> None:
    """Write the scoring rules stated in the code into docs/reference/scoring-rules.md."""
    setup("")
    code = (
        "from pathlib import Path; from orb_widgets import rules; p = Path(rules.PAGE); "
        "p.write_text(rules.update(p.read_text(encoding='utf-8')), encoding='utf-8')"
    )
    run(PY, "-c", code)
    say("docs/reference/scoring-rules.md: scoring rules regenerated from the orb_widgets.scoring and views packages")


if __name__ == "__main__":
    commands = {"demo": demo, "test": test, "docs": docs, "rules": rules}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](sys.argv[2:])
