"""The workbook notebooks: thin, stored clean, and runnable top to bottom on the demo workspace.

Each notebook, and the packet template, is executed once here with nbclient, so a plain ``pytest``
covers them (no second run under nbval).
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
STEPS = [
    "01-start-here",
    "02-breakout-session",
    "03-key-messages",
    "04-tailor-assessment",
    "05-take-assessment",
    "06-results",
    "07-planning-matrix",
    "08-testing-profile",
    "09-implementation-plan",
]


def load(name):
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


@pytest.mark.parametrize("name", STEPS)
def test_notebook_is_thin_and_stored_without_outputs(name):
    nb = load(name)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    for var in ("WORKSPACE", "COUNTY", "WAVE"):
        assert f"{var} = " in params[0].source
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert cell.outputs == [] and cell.execution_count is None
        tree = ast.parse(cell.source)
        defined = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.Lambda))]
        assert not defined, f"{name}: notebooks call the package, they define nothing"
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert node.module.startswith("orb_widgets")
            elif isinstance(node, ast.Import):
                assert [a.name for a in node.names] == ["os"]
    words = sum(len(c.source.split()) for c in nb.cells if c.cell_type == "markdown")
    assert words >= 40, "each page explains itself in plain words"


@pytest.fixture(scope="module")
def demo_workspace(tmp_path_factory, copy_demo):
    os.environ.pop("ORB_DATABASE_URL", None)
    return copy_demo(tmp_path_factory.mktemp("nb") / "workspace")


@pytest.mark.slow
@pytest.mark.parametrize(
    "name,county", [(n, "") for n in STEPS] + [("09-implementation-plan", "Driftwood Municipality"), ("packet", "")]
)
def test_notebook_runs_top_to_bottom_on_the_demo(name, county, demo_workspace, tmp_path, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("ORB_WORKSPACE", str(demo_workspace))
    monkeypatch.setenv("ORB_COUNTY", county)
    monkeypatch.setenv("ORB_NAME_FILE", str(tmp_path / "name"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    nb = load(name)
    NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []
    if name == "packet":  # the template with no county set previews a fictional county's packet
        shown = [
            o["data"]["text/html"]
            for c in nb.cells
            if c.cell_type == "code"
            for o in c.outputs
            if "text/html" in o.get("data", {})
        ]
        assert len(shown) >= 5 and "Alder Creek County" in shown[0]
        return
    widgets = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    ]
    assert widgets, "the page shows its widgets"


def test_every_step_has_one_name_on_the_home_page_the_start_checklist_and_its_own_page():
    import re

    from orb_widgets.progress import steps
    from orb_widgets.serve import home_page_config

    NAMED = steps()  # in the default (county) words; the served home page takes them in its unit's words
    assert [nb.removesuffix(".ipynb") for nb, _, _ in NAMED] == STEPS
    home = home_page_config()["steps"]
    assert [(nb, s["title"], s["what"]) for nb, s in home.items()] == [tuple(step) for step in NAMED]
    template = (NOTEBOOKS.parent / "templates" / "voila-orb" / "tree.html").read_text("utf-8")
    assert not re.search(r"\d\d-[\w-]+\.ipynb", template)  # no second list of the steps in the template
    for nb_file, title, _ in NAMED:
        nb = load(nb_file.removesuffix(".ipynb"))
        assert nb.metadata["title"] == title, nb_file
        assert nb.cells[0].source.splitlines()[0].startswith(f"# {title}"), nb_file


def test_pages_call_a_survey_wave_a_wave_as_the_packets_and_the_command_line_do():
    import re

    for name in STEPS:
        text = " ".join(c.source for c in load(name).cells if c.cell_type == "markdown")
        assert not re.search(r"\bsurvey rounds?\b|\bthe round\b", text, re.I), name
