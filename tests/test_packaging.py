"""Set-up promises: conda and pip users get the same libraries; CI runs the README's command."""
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _name(spec: str) -> str:
    return re.split(r"[<>=!\[ ]", spec, maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_and_pyproject_list_the_same_libraries():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    conda = [d for d in yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
             if isinstance(d, str) and not d.startswith("python")]
    pip_names = {_name(d) for d in project}
    # dask[distributed] is two packages on conda-forge
    pip_names = (pip_names - {"dask"}) | {"dask", "distributed"}
    assert {_name(d) for d in conda} == pip_names


def test_the_stack_named_by_the_design_is_there():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {_name(d) for d in project}
    assert {"jupyterlab", "ipywidgets", "voila", "pandas", "seaborn", "papermill", "nbval"} <= names


def test_ci_runs_the_readmes_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    commands = re.findall(r"^\s*(python3 dev\.py \w+)\s*$", readme, re.M)
    assert commands[:2] == ["python3 dev.py demo", "python3 dev.py test"]
    assert "python3 dev.py test" in ci


def test_notebooks_are_stored_without_outputs():
    import json

    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        cells = json.loads(nb.read_text())["cells"]
        assert not any(c.get("outputs") for c in cells if c["cell_type"] == "code"), nb.name
