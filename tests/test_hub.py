"""JupyterHub for county teams, for real: the hub, its proxy and each person's server.

The hub is written by ``orb hub-config`` and started as a coordinator would
(``jupyterhub -f jupyterhub_config.py``) on 127.0.0.1, with the demo's shared
password log-in and the local process spawner. People log in through the
hub's log-in form over HTTP; their pages and kernels are reached through the
hub's proxy, as a browser reaches them.
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
import uuid
from pathlib import Path

import psutil
import pytest
import requests

sys.path.insert(0, str(Path(__file__).parent / "browser"))
from kernel_client import KernelChannel, page_kernel_id  # noqa: E402

pytestmark = pytest.mark.hub

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


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    from orb_widgets.demo import make_demo
    from orb_widgets.store import Store

    base = tmp_path_factory.mktemp("hub")
    store = Store.open(base / "ws", url=f"sqlite:///{base / 'ws' / 'orb.sqlite'}")
    assert make_demo(store, counties=2, seed=7)[:2] == [A, B]
    store.engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORB_") and k != "QUERY_STRING"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    hub_dir = base / "hub"
    hub_dir.mkdir()
    (hub_dir / "teams.yaml").write_text(TEAMS, "utf-8")
    port = _free_ports()
    written = subprocess.run([sys.executable, "-m", "orb_widgets.cli", "hub-config", "--workspace", str(base / "ws"),
                              "--out", str(hub_dir), "--port", str(port)], env=env, capture_output=True, text=True)
    assert written.returncode == 0, written.stderr
    password = re.search(r"password (\S+)", written.stdout).group(1)
    log = open(hub_dir / "hub.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(hub_dir / "jupyterhub_config.py")],
                            cwd=hub_dir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        assert proc.poll() is None, (hub_dir / "hub.log").read_text(errors="replace")[-3000:]
        try:
            if requests.get(f"{url}/hub/api", timeout=2).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        assert time.monotonic() < deadline, "the hub did not start"
        time.sleep(0.3)
    running = {"url": url, "password": password, "proc": proc, "dir": hub_dir, "ws": base / "ws", "log": log}
    yield running
    if proc.poll() is None:  # a test failed before the clean stop below: stop all of it anyway
        family = psutil.Process(proc.pid).children(recursive=True)
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
        for leftover in psutil.wait_procs(family, timeout=20)[1]:
            leftover.kill()
    log.close()


class Person:
    """One person in a browser session: logged in through the hub's log-in form."""

    def __init__(self, hub: dict, name: str):
        self.hub, self.name = hub, name
        self.http = requests.Session()
        self.http.get(f"{hub['url']}/hub/login", timeout=30)
        xsrf = self.http.cookies.get("_xsrf", path="/hub/")
        r = self.http.post(f"{hub['url']}/hub/login", timeout=120,
                           data={"username": name, "password": hub["password"], "_xsrf": xsrf})
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

    def get(self, path: str, **query) -> requests.Response:
        q = f"?{urllib.parse.urlencode(query)}" if query else ""
        return self.http.get(f"{self.server}{path}{q}", timeout=120)

    def page(self, notebook: str, **query) -> tuple[str, "HubChannel"]:
        """A step page and a websocket to its kernel (what the page shows arrives over it)."""
        r = self.get(f"voila/render/{notebook}", **query)
        assert r.status_code == 200, (notebook, r.status_code)
        return r.text, HubChannel(self, page_kernel_id(r.text))


class HubChannel(KernelChannel):
    """The page's kernel websocket through the hub's proxy, with the person's log-in cookies."""

    def __init__(self, person: Person, kid: str):
        import websocket

        self.session = uuid.uuid4().hex
        url = person.server.replace("http://", "ws://") + f"api/kernels/{kid}/channels?session_id={self.session}"
        cookie = "; ".join(f"{c.name}={c.value}" for c in person.http.cookies)
        self.ws = websocket.create_connection(url, timeout=10, cookie=cookie)
        self.v1 = False  # plain JSON messages


def _shown(channel) -> str:
    return "\n".join(str(st.get("value", "")) for st in channel.widget_states().values()
                     if st.get("_model_name") == "HTMLModel")


def _until(check, seconds: float = 20):
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.25)


def test_a_team_member_sees_their_county_and_is_refused_the_other_by_every_route(hub):
    from orb_widgets.store import Store

    ana = Person(hub, "ana")
    assert "Results" in ana.home  # the workbook's own home page, not JupyterLab
    for notebook in ("06-results.ipynb", "07-planning-matrix.ipynb"):
        html, chan = ana.page(notebook)
        shown = _shown(chan)
        chan.close()
        assert A in shown and B not in shown, notebook
        # the same page naming the other county in its address: one plain line, nothing of B's
        html, chan = ana.page(notebook, county=B)
        shown = html + _shown(chan)
        chan.close()
        assert f"open for {A} only" in shown and f"<b>{B}</b>" not in shown, notebook

    # another person's server, the Jupyter server's files, contents, new kernels, lab: refused
    refused = {
        "ben's server": ana.http.get(f"{hub['url']}/user/ben/voila/render/06-results.ipynb?county="
                                     + urllib.parse.quote(B), timeout=60),
        "files": ana.get("files/06-results.ipynb"),
        "database": ana.get("files/" + urllib.parse.quote(str(hub["ws"] / "orb.sqlite"))),
        "voila files": ana.get("voila/files/" + urllib.parse.quote(str(hub["ws"] / "orb.sqlite"))),
        "contents": ana.get("api/contents"),
        "lab": ana.get("lab"),
        "new kernel": ana.http.post(f"{ana.server}api/kernels", json={"name": "python3"}, timeout=60,
                                    headers={"X-XSRFToken": ana.http.cookies.get("_xsrf", path="/user/ana/")
                                             or ""}),
    }
    for route, r in refused.items():
        assert r.status_code in (403, 404, 405), (route, r.status_code, r.url)
        assert B not in r.text, route

    # the kernel websocket: crafted widget messages and code on the Start page
    counties_before = [c.name for c in Store.open(hub["ws"], create=False).counties()]
    _, chan = ana.page("01-start-here.ipynb")
    states = chan.widget_states()
    picker = next(cid for cid, st in states.items() if st.get("_model_name") == "DropdownModel"
                  and str(st.get("description", "")).startswith("County"))
    assert states[picker]["_options_labels"] == [A]
    chan.update(picker, {"_options_labels": [B, A], "index": 1})
    named = lambda model, label: next(cid for cid, st in states.items() if st.get("_model_name") == model  # noqa: E731
                                      and str(st.get("description", "")).startswith(label))
    chan.update(named("TextModel", "New county"), {"value": "Sneaky County"})
    chan.click(named("ButtonModel", "Add county"))
    chan.send("execute_request", {"code": "import orb_widgets; 1/0", "silent": False})
    assert _until(lambda: [s for s in chan.widget_states().values() if "open for" in str(s.get("value", ""))])
    checklist = [s["value"] for s in chan.widget_states().values() if "steps done for" in str(s.get("value", ""))]
    chan.close()
    assert checklist and all(A in v and B not in v for v in checklist)
    assert [c.name for c in Store.open(hub["ws"], create=False).counties()] == counties_before


def test_a_coordinator_sees_every_county(hub):
    cora = Person(hub, "cora")
    for county, other in ((A, B), (B, A)):
        _, chan = cora.page("06-results.ipynb", county=county)
        shown = _shown(chan)
        chan.close()
        assert f"<b>{county}</b>" in shown and f"<b>{other}</b>" not in shown


def test_someone_outside_the_teams_cannot_log_in(hub):
    http = requests.Session()
    http.get(f"{hub['url']}/hub/login", timeout=30)
    r = http.post(f"{hub['url']}/hub/login", timeout=60, data={
        "username": "mallory", "password": hub["password"], "_xsrf": http.cookies.get("_xsrf", path="/hub/")})
    assert r.status_code == 403 or "/hub/login" in r.url
    assert http.get(f"{hub['url']}/user/mallory/voila/tree", timeout=60).url.split("?")[0].endswith("/hub/login")


def test_the_hub_and_every_server_stop_cleanly(hub):
    proc = hub["proc"]
    family = psutil.Process(proc.pid).children(recursive=True)
    assert any("orb_widgets.hub.singleuser" in " ".join(p.cmdline()) for p in family)
    os.killpg(proc.pid, signal.SIGTERM)
    assert proc.wait(90) == 0
    _, alive = psutil.wait_procs(family, timeout=30)
    assert not alive, f"left running after the hub stopped: {[p.cmdline() for p in alive]}"
