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
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

import psutil
import pytest
import requests

sys.path.insert(0, str(Path(__file__).parent / "browser"))
import hub_server  # noqa: E402
from hub_server import A, B, start_hub, stop_hub  # noqa: E402
from kernel_client import KernelChannel, page_kernel_id  # noqa: E402

pytestmark = pytest.mark.hub


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    running = start_hub(tmp_path_factory.mktemp("hub"))
    yield running
    stop_hub(running)  # a test failed before the clean stop below: stop all of it anyway


class Person(hub_server.Person):
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
    return "\n".join(
        str(st.get("value", "")) for st in channel.widget_states().values() if st.get("_model_name") == "HTMLModel"
    )


def _until(check, seconds: float = 20):
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.25)


def test_a_team_member_sees_their_county_and_is_refused_the_other_by_every_route(hub):
    from orb_widgets.app import App

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
        "ben's server": ana.http.get(
            f"{hub['url']}/user/ben/voila/render/06-results.ipynb?county=" + urllib.parse.quote(B), timeout=60
        ),
        "files": ana.get("files/06-results.ipynb"),
        "database": ana.get("files/" + urllib.parse.quote(str(hub["ws"] / "orb.sqlite"))),
        "voila files": ana.get("voila/files/" + urllib.parse.quote(str(hub["ws"] / "orb.sqlite"))),
        "contents": ana.get("api/contents"),
        "lab": ana.get("lab"),
        "new kernel": ana.http.post(
            f"{ana.server}api/kernels",
            json={"name": "python3"},
            timeout=60,
            headers={"X-XSRFToken": ana.http.cookies.get("_xsrf", path="/user/ana/") or ""},
        ),
    }
    for route, r in refused.items():
        assert r.status_code in (403, 404, 405), (route, r.status_code, r.url)
        assert B not in r.text, route

    # the kernel websocket: crafted widget messages and code on the Start page
    counties_before = [c.name for c in App.for_workspace(hub["ws"]).store.counties()]
    _, chan = ana.page("01-start-here.ipynb")
    states = chan.widget_states()
    picker = next(
        cid
        for cid, st in states.items()
        if st.get("_model_name") == "DropdownModel" and str(st.get("description", "")).startswith("County")
    )
    assert states[picker]["_options_labels"] == [A]
    chan.update(picker, {"_options_labels": [B, A], "index": 1})

    def named(model, label):
        return next(
            cid
            for cid, st in states.items()
            if st.get("_model_name") == model and str(st.get("description", "")).startswith(label)
        )

    chan.update(named("TextModel", "New county"), {"value": "Sneaky County"})
    chan.click(named("ButtonModel", "Add county"))
    chan.send("execute_request", {"code": "import orb_widgets; 1/0", "silent": False})
    assert _until(lambda: [s for s in chan.widget_states().values() if "open for" in str(s.get("value", ""))])
    checklist = [s["value"] for s in chan.widget_states().values() if "steps done for" in str(s.get("value", ""))]
    chan.close()
    assert checklist and all(A in v and B not in v for v in checklist)
    assert [c.name for c in App.for_workspace(hub["ws"]).store.counties()] == counties_before


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
    r = http.post(
        f"{hub['url']}/hub/login",
        timeout=60,
        data={"username": "mallory", "password": hub["password"], "_xsrf": http.cookies.get("_xsrf", path="/hub/")},
    )
    assert r.status_code == 403 or "/hub/login" in r.url
    assert http.get(f"{hub['url']}/user/mallory/voila/tree", timeout=60).url.split("?")[0].endswith("/hub/login")


# ------------------------------------------------------------------ packets through the hub
def _packet_page(person) -> str:
    r = person.get("orb/packets")
    assert r.status_code == 200, (r.status_code, r.text[:300])
    return r.text


def _until_built(person, seconds: float = 420) -> str:
    """The packet page once no build runs (while one does, the page reloads itself)."""
    deadline = time.monotonic() + seconds
    while True:
        page = _packet_page(person)
        if 'http-equiv="refresh"' not in page:
            return page
        assert time.monotonic() < deadline, "the packet build did not finish"
        time.sleep(2)


def _row(page: str, county: str) -> str:
    """The page's entry for one county (from its heading to the next one)."""
    start = page.index(f"<h3>{county}</h3>")
    end = page.find("<h3>", start + 1)
    return page[start : end if end > 0 else None]


@pytest.fixture(scope="module")
def coordinator_build(hub):
    """The coordinator builds Alder Creek's packet from the packet page; what each step answered."""
    cora = Person(hub, "cora")
    seen = {"cora": cora, "before": _packet_page(cora)}
    seen["no xsrf"] = cora.post("orb/packets/build", {"county": A}, xsrf=False)
    seen["status after no xsrf"] = (hub["ws"] / "packets" / ".hub-build.json").exists()
    seen["build A"] = cora.post("orb/packets/build", {"county": A})
    seen["build all at once"] = cora.post("orb/packets/build", {})
    seen["during"] = _packet_page(cora)
    seen["after"] = _until_built(cora)
    return seen


def test_a_coordinator_builds_and_opens_a_county_packet_on_the_hub(hub, coordinator_build):
    seen, cora = coordinator_build, coordinator_build["cora"]
    assert 'href="/user/cora/orb/packets"' in cora.home and "County packets" in cora.home
    before = seen["before"]
    assert "Not built yet" in _row(before, A) and "Not built yet" in _row(before, B)
    assert "Build all packets" in before and 'name="_xsrf"' in before

    # a form posted without the server's XSRF token starts nothing
    assert seen["no xsrf"].status_code == 403 and not seen["status after no xsrf"]
    # one build at a time: the second press, while the first runs, is told to wait
    assert seen["build A"].status_code == 303 and seen["build A"].headers["Location"].endswith("notice=started")
    assert seen["build all at once"].headers["Location"].endswith("notice=busy")
    assert "Being built now" in _row(seen["during"], A) and "Being built now" not in _row(seen["during"], B)
    assert 'http-equiv="refresh"' in seen["during"]  # progress shows on reload, no script needed

    after = seen["after"]
    row = _row(after, A)
    assert "Up to date" in row and "Built " in row and "survey wave " in row, row
    assert "Not built yet" in _row(after, B)
    assert "Last build finished" in after and "1 packet built" in after and 'href="/hub/logout"' in after
    html_name = re.search(r'href="/user/cora/orb/packets/([^"]+\.html)"', row).group(1)
    pdf_name = re.search(r'href="/user/cora/orb/packets/([^"]+\.pdf)"', row).group(1)
    page = cora.get(f"orb/packets/{html_name}")
    assert page.status_code == 200 and A in page.text
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    pdf = cora.get(f"orb/packets/{pdf_name}")
    assert (
        pdf.status_code == 200
        and pdf.content.startswith(b"%PDF")
        and "attachment" in pdf.headers["Content-Disposition"]
    )
    assert 'href="/user/cora/orb/packets/index.html"' in after
    overview = cora.get("orb/packets/index.html")
    assert overview.status_code == 200 and A in overview.text


def test_a_packet_goes_out_of_date_when_its_county_changes(hub, coordinator_build):
    from orb_widgets import workbook
    from orb_widgets.app import App

    cora = coordinator_build["cora"]
    store = App.for_workspace(hub["ws"]).store
    workbook.save(
        store,
        A,
        "matrix_row",
        "hub-test",
        {"target": "F", "what_we_learned": "Leaders want a monthly huddle"},
        user="Test",
    )
    store.engine.dispose()
    row = _row(_packet_page(cora), A)
    assert "Out of date" in row and "Build" in row


def test_a_team_member_sees_only_their_own_county_packet_by_every_route(hub, coordinator_build):
    from orb_widgets.paths import unique_slug

    ana = Person(hub, "ana")
    assert 'href="/user/ana/orb/packets"' in ana.home and re.search("Your county(&#39;|')s packet", ana.home)
    mine, theirs = unique_slug(A), unique_slug(B)
    packets = hub["ws"] / "packets"
    (packets / f"{theirs}.html").write_text(f"<h1>{B}</h1>", "utf-8")  # as if B's packet were built too
    manifest = (packets / "manifest.json").read_text("utf-8")

    page = _packet_page(ana)
    assert A in page and B not in page and "<button" not in page and "/build" not in page and "index.html" not in page
    assert f'href="/user/ana/orb/packets/{mine}.html"' in page
    assert B not in ana.get("orb/packets", county=B).text
    own = ana.get(f"orb/packets/{mine}.html")
    assert own.status_code == 200 and A in own.text

    ws = urllib.parse.quote(str(hub["ws"]), safe="")
    refused = {
        "B's page": ana.get(f"orb/packets/{theirs}.html"),
        "B's PDF": ana.get(f"orb/packets/{theirs}.pdf"),
        "the statewide overview": ana.get("orb/packets/index.html"),
        "the manifest": ana.get("orb/packets/manifest.json"),
        "../ to the database": ana.get("orb/packets/..%2Forb.sqlite"),
        "../ to B's page": ana.get(f"orb/packets/..%2Fpackets%2F{theirs}.html"),
        "encoded dots": ana.get(f"orb/packets/%2E%2E%2Fpackets%2F{theirs}.html"),
        "an absolute path": ana.get(f"orb/packets/{ws}%2Fpackets%2F{theirs}.html"),
        "plain ../": ana.http.get(f"{ana.server}orb/packets/../packets/{theirs}.html", timeout=60),
        "B's page by query": ana.get("orb/packets/file", name=f"{theirs}.html"),
        "ben's server": ana.http.get(f"{hub['url']}/user/ben/orb/packets/{theirs}.html", timeout=60),
        "build": ana.post("orb/packets/build", {"county": B}),
        "build all": ana.post("orb/packets/build", {}),
    }
    for route, r in refused.items():
        assert r.status_code in (403, 404, 405), (route, r.status_code, r.url)
        assert B not in r.text, route
    assert (packets / "manifest.json").read_text("utf-8") == manifest  # nothing was built


def test_the_hub_and_every_server_stop_cleanly(hub):
    proc = hub["proc"]
    family = psutil.Process(proc.pid).children(recursive=True)
    assert any("orb_widgets.hub.singleuser" in " ".join(p.cmdline()) for p in family)
    os.killpg(proc.pid, signal.SIGTERM)
    assert proc.wait(90) == 0
    _, alive = psutil.wait_procs(family, timeout=30)
    assert not alive, f"left running after the hub stopped: {[p.cmdline() for p in alive]}"
