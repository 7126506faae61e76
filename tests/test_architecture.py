"""The import layers hold: the contracts in pyproject.toml ([tool.importlinter]), checked by import-linter;
and the settings are read only where a process starts (ENTRY_POINTS below).

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


# ------------------------------------------------------------------ settings are read at the entry points only
import ast  # noqa: E402

#: Where ``Settings.from_env(`` may be called: the entry points, each building the process's one App.
ENTRY_POINTS = {
    "orb_widgets/cli.py": {"main"},  # the `orb` command and its sub-commands
    # a page's first call in its kernel (widgets.context.page_app), once its request has arrived
    "orb_widgets/settings.py": {"after_request"},
    "orb_widgets/survey/app.py": {"config_app"},  # the survey server, or its routes in a Jupyter server
    "orb_widgets/hub/config.py": {"configure"},  # jupyterhub_config.py, as the hub starts
    "orb_widgets/hub/singleuser.py": {"main"},  # each person's server on the hub
    "orb_widgets/hub/packet_page.py": {"load_jupyter_server_extension"},  # the packet page in that server
    "orb_widgets/hub/packet_build.py": {"main"},  # the hub's packet build process
    "orb_widgets/packets/sections.py": {"load"},  # the packet notebook's kernel (Packet.load)
}


def from_env_calls(root: Path) -> list[str]:
    """Every ``….from_env(…)`` call in the package under ``root``, as ``path:function:line``."""
    found = []
    for path in sorted((root / "orb_widgets").rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        tree = ast.parse(path.read_text("utf-8"))

        def visit(node, where="<module>"):
            for child in ast.iter_child_nodes(node):
                inside = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else where
                if (
                    isinstance(child, ast.Call)
                    and isinstance(child.func, ast.Attribute)
                    and child.func.attr == "from_env"
                ):
                    found.append(f"{rel}:{where}:{child.lineno}")
                visit(child, inside)

        visit(tree)
    return found


def _offenders(root: Path) -> list[str]:
    return [
        call for call in from_env_calls(root) if call.split(":")[1] not in ENTRY_POINTS.get(call.split(":")[0], set())
    ]


def test_settings_are_read_only_where_a_process_starts():
    """Nothing below an entry point reads the environment: it is handed the App (or its settings) instead."""
    assert _offenders(ROOT) == []
    # every allowed entry point still reads them (a stale allow-list would hide a move)
    used = {tuple(call.split(":")[:2]) for call in from_env_calls(ROOT)}
    assert used == {(module, name) for module, names in ENTRY_POINTS.items() for name in names}


def test_a_settings_read_below_an_entry_point_is_caught(tmp_path):
    package = tmp_path / "orb_widgets"
    subprocess.run(["cp", "-r", str(ROOT / "orb_widgets"), str(package)], check=True)
    with (package / "results.py").open("a", encoding="utf-8") as fh:
        fh.write("\n\ndef _sneaky():\n    from .settings import Settings\n    return Settings.from_env()\n")
    assert [call.rsplit(":", 1)[0] for call in _offenders(tmp_path)] == ["orb_widgets/results.py:_sneaky"]


# ------------------------------------------------------------------ child processes are started in one place
def popen_calls(root: Path) -> list[str]:
    """Every ``subprocess.Popen(`` / ``preexec_fn=`` / ``prctl(`` in the package, as ``path:line``."""
    found = []
    for path in sorted((root / "orb_widgets").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            name = ""
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                name = node.func.attr
            if name in {"Popen", "prctl"} or (
                isinstance(node, ast.keyword) and node.arg in {"preexec_fn", "start_new_session"}
            ):
                found.append(f"{path.relative_to(root).as_posix()}:{node.lineno}")
    return found


#: Kept on purpose outside orb_widgets/proc.py: a packet child started afresh for Dask (its pipes are its own).
POPEN_ELSEWHERE = {"orb_widgets/packets/build.py"}


def test_child_processes_are_started_watched_and_stopped_by_proc_only():
    """Servers and builds die with their parent and get a clean environment: one module does it."""
    places = {spot.rsplit(":", 1)[0] for spot in popen_calls(ROOT)}
    assert places - POPEN_ELSEWHERE == {"orb_widgets/proc.py"}, sorted(popen_calls(ROOT))


def test_the_survey_service_and_pages_load_without_a_web_server():
    """The writer, the rate limit and the pages are usable without tornado (the tailoring step's preview)."""
    code = (
        "import sys, orb_widgets.survey.service, orb_widgets.survey.pages;"
        "print(sorted(m for m in ('tornado', 'pandas', 'ipywidgets') if m in sys.modules))"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"
