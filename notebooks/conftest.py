"""Run the workbook notebooks headless on a fresh demo workspace.

``pytest --nbval-lax notebooks/`` executes every notebook top to bottom. The
notebooks' parameters cells read ``ORB_WORKSPACE``; before any kernel starts
this points it at a demo workspace made in a temporary folder (unless the
caller already chose one), so the run never touches a real workspace.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

_MADE: list[Path] = []


def pytest_configure(config):
    for var in ("ORB_DATABASE_URL", "ORB_COUNTY", "ORB_FORM_COUNTY", "ORB_FORM_WAVE", "ORB_WAVE", "ORB_LOCKED",
                "ORB_SERVED"):
        os.environ.pop(var, None)
    os.environ.setdefault("MPLBACKEND", "Agg")
    folder = Path(tempfile.mkdtemp(prefix="orb-notebooks-"))
    _MADE.append(folder)
    # Never remember a typed name in the home folder of whoever runs the tests.
    os.environ["ORB_NAME_FILE"] = str(folder / "name")
    if os.environ.get("ORB_NOTEBOOK_WORKSPACE"):
        os.environ["ORB_WORKSPACE"] = os.environ["ORB_NOTEBOOK_WORKSPACE"]
        return
    from orb_widgets.demo import make_demo
    from orb_widgets.store import Store

    workspace = folder / "workspace"
    make_demo(Store.open(workspace), counties=4, seed=2026)
    os.environ["ORB_WORKSPACE"] = str(workspace)


def pytest_unconfigure(config):
    for folder in _MADE:
        shutil.rmtree(folder, ignore_errors=True)
