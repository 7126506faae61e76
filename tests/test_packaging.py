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
    conda = [
        d
        for d in yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
        if isinstance(d, str) and not d.startswith("python")
    ]
    pip_names = {_name(d) for d in project}
    # dask[distributed] is two packages on conda-forge; conda also brings pip itself and
    # JupyterHub's Node.js proxy, which pip users get from npm.
    pip_names = (pip_names - {"dask"}) | {"dask", "distributed", "pip", "configurable-http-proxy"}
    assert {_name(d) for d in conda} == pip_names


def test_environment_yml_installs_orb_itself_not_editably():
    deps = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    pip_section = [d["pip"] for d in deps if isinstance(d, dict) and "pip" in d]
    assert pip_section == [["."]], "conda users get ORB from this folder as a regular (non-editable) install"


def test_every_subpackage_goes_into_the_wheel():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "orb_widgets").rglob("__init__.py")}
    assert found <= set(setuptools["packages"]), f"add {sorted(found - set(setuptools['packages']))} to pyproject.toml"
    assert {"data", "notebooks", "templates"} <= set(setuptools["package-dir"].values())


def test_licence_is_an_spdx_expression():
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"] == "BSD-3-Clause"


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
