"""Install ORB the way a new user does, and use it from a folder far from this checkout.

The wheel and sdist are built from this checkout (``python -m build
--no-isolation``: the test environment's setuptools, no download); the wheel is
installed with ``pip install --no-deps`` into a brand-new virtual environment
in a temporary folder. So that the test does not download every library again,
that environment sees the test environment's libraries through a one-line
``.pth`` file (a plain path: the test environment's own ``orb_widgets`` is
*not* visible there, only the libraries) and ``JUPYTER_PATH`` (their
``share/jupyter`` data files, e.g. nbconvert's base templates). Every ``orb`` command then runs the
installed ``orb`` script, in a folder outside the checkout, with no
``PYTHONPATH``.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import sysconfig
import tarfile
import urllib.error
import urllib.parse
import urllib.request
import venv
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).parent / "browser"))
from kernel_client import KernelChannel, page_kernel_id  # noqa: E402

pytestmark = pytest.mark.install

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 300


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=TIMEOUT,
    )
    return out


@pytest.fixture(scope="module")
def installed(dist, tmp_path_factory) -> dict:
    """A fresh virtual environment with the wheel installed; returns its ``bin`` folder and a clean env."""
    home = tmp_path_factory.mktemp("user")
    env_dir = home / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(site) / "zz_shared_libraries.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    wheel = next(dist.glob("*.whl"))
    subprocess.run(
        [
            str(py),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--ignore-installed",
            "--disable-pip-version-check",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=TIMEOUT,
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ORB_", "PYTHON", "VIRTUAL_ENV", "JUPYTER")) and k != "QUERY_STRING"
    }
    # The libraries' own data files (nbconvert's and voila's base templates) sit in the test
    # environment's share/jupyter, where a real install would have put them in the new one.
    env.update(
        PATH=f"{env_dir / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        MPLBACKEND="Agg",
        JUPYTER_PATH=str(Path(sys.prefix) / "share" / "jupyter"),
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
    )
    work = home / "work"
    work.mkdir()
    return {"bin": env_dir / "bin", "env": env, "cwd": work, "site": Path(site)}


def orb(installed, *args, timeout=TIMEOUT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(installed["bin"] / "orb"), *args],
        cwd=installed["cwd"],
        env=installed["env"],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_the_wheel_and_sdist_carry_packs_notebooks_templates_and_catalogues(dist):
    names = set(zipfile.ZipFile(next(dist.glob("*.whl"))).namelist())
    for needed in (
        "orb_widgets/_shipped/data/cpm-orb/pack.yaml",
        "orb_widgets/_shipped/data/cps/pack.yaml",
        "orb_widgets/_shipped/data/cpm-orb/demo.yaml",
        "orb_widgets/_shipped/data/cps/demo.yaml",
        "orb_widgets/_shipped/notebooks/packet.ipynb",
        "orb_widgets/_shipped/notebooks/06-results.ipynb",
        "orb_widgets/_shipped/templates/voila-orb/index.html.j2",
        "orb_widgets/_shipped/templates/packet/conf.json",
        "orb_widgets/_shipped/templates/index/index.html.j2",
        "orb_widgets/_shipped/templates/survey/form.html.j2",
        "orb_widgets/survey/locale/es/LC_MESSAGES/messages.po",
    ):
        assert needed in names, f"the wheel lacks {needed}"
    # every template, pack, notebook and catalogue of the source tree, new ones too (room pages, staff page)
    shipped = [
        f"orb_widgets/_shipped/{p.relative_to(ROOT).as_posix()}"
        for folder in ("templates", "data", "notebooks")
        for p in sorted((ROOT / folder).rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and p.name != "README.md"
    ] + [p.relative_to(ROOT).as_posix() for p in sorted((ROOT / "orb_widgets" / "survey" / "locale").rglob("*.po"))]
    missing = [n for n in shipped if n not in names]
    assert not missing, f"the wheel lacks {missing}"
    metadata = (
        zipfile.ZipFile(next(dist.glob("*.whl")))
        .read(next(n for n in names if n.endswith(".dist-info/METADATA")))
        .decode()
    )
    assert "License-Expression: BSD-3-Clause" in metadata
    with tarfile.open(next(dist.glob("*.tar.gz"))) as sdist:
        members = {m.split("/", 1)[1] for m in sdist.getnames() if "/" in m}
    assert {
        "data/cpm-orb/pack.yaml",
        "notebooks/packet.ipynb",
        "templates/voila-orb/index.html.j2",
        "pyproject.toml",
    } <= members


def test_the_installed_package_is_the_one_that_runs(installed):
    where = subprocess.run(
        [str(installed["bin"] / "python"), "-c", "import orb_widgets; print(orb_widgets.__file__)"],
        cwd=installed["cwd"],
        env=installed["env"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(installed["site"])
    assert not Path(where.stdout.strip()).is_relative_to(ROOT)


def test_demo_packets_and_score_from_the_installed_package(installed):
    made = orb(installed, "demo", "--counties", "2", "--workspace", "ws")
    assert made.returncode == 0, made.stderr
    counties = orb(installed, "counties", "--workspace", "ws").stdout.split("\n")
    county = counties[0].strip()
    assert county

    built = orb(installed, "packets", "--all", "--workspace", "ws", "--out", "packets", "--quiet", timeout=900)
    assert built.returncode == 0, built.stdout + built.stderr
    out = installed["cwd"] / "packets"
    html = sorted(out.rglob("*.html"))
    pdfs = sorted(out.rglob("*.pdf"))
    assert len(pdfs) == 2 and all(p.read_bytes().startswith(b"%PDF") for p in pdfs)
    packet_pages = [p for p in html if p.name != "index.html"]
    assert len(packet_pages) == 2
    assert county in (out / "index.html").read_text("utf-8")
    assert any(county in p.read_text("utf-8") for p in packet_pages)

    scored = orb(installed, "score", "--county", county, "--json", "--workspace", "ws")
    assert scored.returncode == 0, scored.stderr
    import json

    report = json.loads(scored.stdout)
    assert report["county"] == county and report["elements"]


def _get(url: str, timeout: float = 120) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_and_survey_from_the_installed_package(installed):
    if not (installed["cwd"] / "ws" / "orb.sqlite").exists():
        assert orb(installed, "demo", "--counties", "2", "--workspace", "ws").returncode == 0
    county = orb(installed, "counties", "--workspace", "ws").stdout.split("\n")[0].strip()
    port = _free_port()
    opened = orb(
        installed, "survey", "open", "--county", county, "--workspace", "ws", "--base-url", f"http://127.0.0.1:{port}/"
    )
    assert opened.returncode == 0, opened.stderr
    link = re.search(r"http://127\.0\.0\.1:\d+/\S+", opened.stdout).group(0)

    import psutil

    server = subprocess.Popen(
        # one kept-ready kernel, for the step opened (not one per step: they would take the processor)
        [str(installed["bin"] / "orb"), "serve", "--workspace", "ws", "--port", str(port), "--no-token"]
        + ["--pool", "0", "--pool", "06-results=1"],
        cwd=installed["cwd"],
        env=installed["env"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        line = server.stdout.readline()  # "Serving the workbook at ..." once voila listens
        assert "Serving the workbook" in line, line
        base = f"http://127.0.0.1:{port}/"
        status, home = _get(base)
        assert status == 200 and "Results" in home
        status, step = _get(base + "voila/render/06-results.ipynb?" + urllib.parse.urlencode({"county": county}))
        assert status == 200
        results = KernelChannel(SimpleNamespace(url=base, token=""), page_kernel_id(step))
        shown = "\n".join(str(s.get("value", "")) for s in results.widget_states().values())
        results.close()
        assert f"<b>{county}</b>" in shown and "could not be shown" not in step
        status, form = _get(link)
        assert status == 200 and "<form" in form and county in form
    finally:
        children = psutil.Process(server.pid).children(recursive=True) if server.poll() is None else []
        os.killpg(server.pid, signal.SIGINT)  # Ctrl+C, as a person stops it
        server.wait(60)
        _, alive = psutil.wait_procs(children, timeout=15)
    assert server.returncode == 0
    assert not alive, f"left running after orb serve stopped: {alive}"
