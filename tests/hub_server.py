"""A real JupyterHub for the tests: ``orb hub-config``, then ``jupyterhub -f``, on 127.0.0.1.

Shared by tests/test_hub.py (people over HTTP) and tests/browser/test_hub_login.py
(people in Chromium). The hub uses the demo's shared-password log-in and the
local process spawner; everything it starts is stopped by :func:`stop_hub`.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import psutil
import requests

ROOT = Path(__file__).resolve().parent.parent
A, B = "Alder Creek County", "Bayside County"
TEAMS = f"coordinators: [cora]\ncounties:\n  {A}: [ana]\n  {B}: [ben]\n"


def _free_ports(count: int = 3) -> int:
    """A port whose next ``count - 1`` neighbours are free too (the hub's API and the proxy's)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port + count < 65535 and all(_free(port + i) for i in range(count)):
            return port
    raise RuntimeError("no free ports")


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def start_hub(base: Path, teams: str = TEAMS, env: dict[str, str] | None = None) -> dict:
    """A demo workspace of two counties in ``base/ws`` and a hub over it; returns what the tests need.
    ``env``: ORB settings the hub is started with (``ORB_POOL_REFILL``, …), as an administrator sets them."""
    from orb_widgets.app import App
    from orb_widgets.demo import make_demo

    store = App.for_workspace(base / "ws", create=True).store
    assert make_demo(store, counties=2, seed=7)[:2] == [A, B]
    store.engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORB_") and k != "QUERY_STRING"} | (env or {})
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    hub_dir = base / "hub"
    hub_dir.mkdir()
    (hub_dir / "teams.yaml").write_text(teams, "utf-8")
    port = _free_ports()
    written = subprocess.run(
        [
            sys.executable,
            "-m",
            "orb_widgets.cli",
            "hub-config",
            "--workspace",
            str(base / "ws"),
            "--out",
            str(hub_dir),
            "--port",
            str(port),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert written.returncode == 0, written.stderr
    password = re.search(r"password (\S+)", written.stdout).group(1)
    log = open(hub_dir / "hub.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterhub", "-f", str(hub_dir / "jupyterhub_config.py")],
        cwd=hub_dir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    running = {"url": url, "password": password, "proc": proc, "dir": hub_dir, "ws": base / "ws", "log": log}
    deadline = time.monotonic() + 90
    try:
        while True:
            assert proc.poll() is None, (hub_dir / "hub.log").read_text(errors="replace")[-3000:]
            try:
                if requests.get(f"{url}/hub/api", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "the hub did not start"
            time.sleep(0.3)
    except BaseException:
        stop_hub(running)
        raise
    return running


def stop_hub(running: dict) -> None:
    """Stop the hub and everything it started (the servers, their kernels, packet builds)."""
    proc = running["proc"]
    if proc.poll() is None:
        family = psutil.Process(proc.pid).children(recursive=True)
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        for leftover in psutil.wait_procs(family, timeout=20)[1]:
            leftover.kill()
    running["log"].close()


def hub_family(running: dict) -> list:
    """The hub's processes now: the proxy, each person's server, their kernels and packet builds."""
    try:
        return psutil.Process(running["proc"].pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


class Person:
    """One person in a browser session: logged in through the hub's log-in form."""

    def __init__(self, hub: dict, name: str):
        self.hub, self.name = hub, name
        self.http = requests.Session()
        self.http.get(f"{hub['url']}/hub/login", timeout=30)
        xsrf = self.http.cookies.get("_xsrf", path="/hub/")
        r = self.http.post(
            f"{hub['url']}/hub/login", timeout=120, data={"username": name, "password": hub["password"], "_xsrf": xsrf}
        )
        assert r.status_code == 200, r.text[:500]
        self.server = f"{hub['url']}/user/{name}/"
        deadline = time.monotonic() + 180  # the hub starts their server on first log-in
        while True:
            r = self.http.get(self.server + "voila/tree", timeout=120)
            if r.status_code == 200 and r.url.endswith("/voila/tree"):
                self.home = r.text
                break
            assert time.monotonic() < deadline, f"{name}'s server never came up"
            time.sleep(1)

    @property
    def xsrf(self) -> str:
        """The XSRF token of this person's own server (its forms carry it)."""
        return self.http.cookies.get("_xsrf", path=f"/user/{self.name}/") or ""

    def get(self, path: str, **query) -> requests.Response:
        q = f"?{urllib.parse.urlencode(query)}" if query else ""
        return self.http.get(f"{self.server}{path}{q}", timeout=120)

    def post(self, path: str, data: dict, xsrf: bool = True) -> requests.Response:
        data = {**data, "_xsrf": self.xsrf} if xsrf else data
        return self.http.post(f"{self.server}{path}", data=data, timeout=120, allow_redirects=False)
