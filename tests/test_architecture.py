"""The import layers hold: the contracts in pyproject.toml ([tool.importlinter]), checked by import-linter.

The pure core (scoring, report, content, format, …) imports nothing of the
store, packets, widgets or servers; the packages untangled from cycles
(packets, scoring, views) stay acyclic; and the layers run one way, from the
command line down to the exceptions.
"""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    assert lint.is_file(), "import-linter is missing: pip install -e '.[test]'"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    run = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_a_broken_layer_is_caught(tmp_path):
    """The contract can fail: the bottom module importing the views above it is reported as broken."""
    lint = Path(sys.executable).with_name("lint-imports")
    package = tmp_path / "orb_widgets"
    subprocess.run(["cp", "-r", str(ROOT / "orb_widgets"), str(package)], check=True)
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text("utf-8"), "utf-8")
    with (package / "format.py").open("a", encoding="utf-8") as fh:
        fh.write("\nfrom . import views  # noqa: E402,F401\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    run = subprocess.run([str(lint), "--no-cache"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert run.returncode != 0
    assert "orb_widgets.format -> orb_widgets.views" in run.stdout
