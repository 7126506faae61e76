"""``orb serve`` / ``orb lab`` configuration and the kernel websocket filter (no browser)."""

from __future__ import annotations

import json

import pytest

from orb_widgets import proc, serve
from orb_widgets.app import App
from orb_widgets.exceptions import NoInstrument, OrbError, UnknownCounty


def test_workbook_config_culls_and_hides_code():
    cfg = serve.voila_config(port=9999)
    v, vc, km = cfg["Voila"], cfg["VoilaConfiguration"], cfg["MappingKernelManager"]
    assert v["ip"] == "127.0.0.1" and v["port"] == 9999
    assert vc["strip_sources"] is True and vc["show_tracebacks"] is False
    assert vc["template"] == "voila-orb"
    assert vc["allow_template_override"] == "NO" and vc["allow_theme_override"] == "NO"
    assert vc["file_allowlist"] == [] and vc["http_header_envs"] == []
    assert km["cull_idle_timeout"] == serve.CULL_IDLE_TIMEOUT > 0
    assert km["cull_interval"] == serve.CULL_INTERVAL > 0
    assert km["cull_connected"] is False  # an open page keeps its kernel
    assert v["kernel_websocket_connection_class"] == "orb_widgets.kernel.RestrictedWebsocketConnection"
    assert "frame-ancestors" in v["tornado_settings"]["headers"]["Content-Security-Policy"]


def test_workbook_config_has_a_token_slot():
    cfg = serve.voila_config(port=1, token="abc")
    assert cfg["Voila"]["token"] == "abc"
    assert cfg["MappingKernelManager"]["cull_idle_timeout"] > 0


def test_runtime_folder_holds_config_and_template():
    cfg = serve.voila_config(port=1)
    runtime = serve._runtime(cfg)
    try:
        written = json.loads((runtime / "voila.json").read_text())
        assert written["Voila"].pop("connection_dir_root") == str(runtime)  # kernel keys stay inside
        assert written == cfg
        assert (runtime / "share/voila/templates/voila-orb/index.html.j2").is_file()
        assert runtime.stat().st_mode & 0o777 == 0o700
    finally:
        import shutil

        shutil.rmtree(runtime)


def test_template_extends_lab_and_makes_no_third_party_requests():
    folder = serve.template_dir()
    conf = json.loads((folder / "conf.json").read_text())
    assert conf["base_template"] == "lab"
    index = (folder / "index.html.j2").read_text()
    assert "extends 'voila/templates/lab/index.html.j2'" in index
    for path in folder.rglob("*"):
        if path.is_file():
            text = path.read_text("utf-8")
            assert "cdn." not in text and "https://" not in text, path


def test_cli_has_serve_and_lab():
    from orb_widgets.cli import build_parser

    p = build_parser()
    args = p.parse_args(["serve", "--form", "--county", "X", "--wave", "2026-fall", "--port", "9000"])
    assert args.form and args.county == "X" and args.wave == "2026-fall" and args.func is serve.cmd_serve
    assert p.parse_args(["lab", "--no-browser"]).func is serve.cmd_lab


def test_form_refuses_unknown_county_or_missing_survey(workspace):
    from orb_widgets.app import App

    store = App.for_workspace(workspace, create=True).store
    folder = store.folder
    with pytest.raises(UnknownCounty):
        serve.launch(folder, form=True, county="Nowhere County")
    store.add_county("Empty County")
    with pytest.raises(NoInstrument):
        serve.launch(folder, form=True, county="Empty County")
    from orb_widgets.instrument import tailor

    store.save_instrument(tailor("cpm-orb", county="Empty County"))
    with pytest.raises(OrbError, match="no open survey link"):
        serve.launch(folder, form=True, county="Empty County")


def test_lock_without_a_county_is_one_clear_line(served_workspace, capsys):
    from orb_widgets.cli import main

    assert main(["serve", "--workspace", str(served_workspace), "--lock"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ['orb: --lock needs the county to serve: orb serve --county "NAME" --lock']
    assert main(["serve", "--workspace", str(served_workspace), "--lock", "--county", "Nowhere County"]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("orb: ") and "Nowhere County" in err[0]


def test_serve_refuses_a_folder_that_is_not_a_workspace(tmp_path, monkeypatch):
    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    with pytest.raises(OrbError, match="not an ORB workspace"):
        serve.launch(tmp_path / "nothing-here")


def _v1(channel: str, msg_type: str) -> bytes:
    parts = [channel.encode(), json.dumps({"msg_type": msg_type}).encode(), b"{}", b"{}", b"{}"]
    offsets, pos = [], 8 * (len(parts) + 2)
    for part in parts:
        offsets.append(pos)
        pos += len(part)
    offsets.append(pos)
    head = len(offsets).to_bytes(8, "little") + b"".join(o.to_bytes(8, "little") for o in offsets)
    return head + b"".join(parts)


@pytest.mark.parametrize("subprotocol", [None, "v1.kernel.websocket.jupyter.org"])
def test_websocket_filter_passes_widget_messages_only(subprotocol):
    from orb_widgets.kernel import ALLOWED_FROM_BROWSER, peek

    def make(channel, msg_type):
        if subprotocol:
            return _v1(channel, msg_type)
        return json.dumps({"channel": channel, "header": {"msg_type": msg_type}})

    assert peek(subprotocol, make("shell", "comm_msg")) == ("shell", "comm_msg")
    assert peek(subprotocol, make("shell", "execute_request")) == ("shell", "execute_request")
    assert peek(subprotocol, b"\x00garbage" if subprotocol else "{not json") == (None, None)
    assert "execute_request" not in ALLOWED_FROM_BROWSER
    assert {"history_request", "inspect_request", "complete_request", "input_reply", "shutdown_request"}.isdisjoint(
        ALLOWED_FROM_BROWSER
    )
    assert {"comm_msg", "comm_open", "comm_info_request", "kernel_info_request"} <= ALLOWED_FROM_BROWSER


def test_websocket_filter_drops_code(monkeypatch):
    from orb_widgets.kernel import RestrictedWebsocketConnection

    forwarded = []
    monkeypatch.setattr(
        "jupyter_server.services.kernels.connection.channels.ZMQChannelsWebsocketConnection.handle_incoming_message",
        lambda self, msg: forwarded.append(msg),
    )
    conn = RestrictedWebsocketConnection.__new__(RestrictedWebsocketConnection)
    import logging

    monkeypatch.setattr(RestrictedWebsocketConnection, "log", logging.getLogger("t"), raising=False)
    monkeypatch.setattr(RestrictedWebsocketConnection, "subprotocol", None, raising=False)
    monkeypatch.setattr(RestrictedWebsocketConnection, "kernel_id", "k", raising=False)
    for channel, kind in [
        ("shell", "execute_request"),
        ("control", "comm_msg"),
        ("stdin", "input_reply"),
        ("shell", "history_request"),
        ("shell", "comm_msg"),
    ]:
        conn.handle_incoming_message(json.dumps({"channel": channel, "header": {"msg_type": kind}}))
    assert len(forwarded) == 1 and "comm_msg" in forwarded[0] and "shell" in forwarded[0]


def test_a_served_page_never_shows_the_last_visitors_name(tmp_path, monkeypatch):
    from orb_widgets.settings import Settings
    from orb_widgets.widgets.context import remember_name, remembered_name

    def kernel():  # a kernel's settings, read where it starts
        return Settings.from_env()

    monkeypatch.setenv("ORB_NAME_FILE", str(tmp_path / "name"))
    monkeypatch.delenv("ORB_USER", raising=False)
    remember_name("Ana", kernel())
    assert remembered_name(kernel()) == "Ana"
    monkeypatch.setenv("ORB_REMEMBER_NAME", "0")  # what `orb serve` sets for its kernels
    assert remembered_name(kernel()) == ""
    remember_name("Ben", kernel())
    monkeypatch.delenv("ORB_REMEMBER_NAME")
    assert remembered_name(kernel()) == "Ana"


# ------------------------------------------------------------------ real servers (voila subprocesses)
import os  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import urllib.error  # noqa: E402
import urllib.parse  # noqa: E402
import urllib.request  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent / "browser"))
from kernel_client import KernelChannel, open_page, page_kernel_id  # noqa: E402

A, B = "Alder Creek County", "Driftwood Municipality"
START, RESULTS, PROFILE = "01-start-here.ipynb", "06-results.ipynb", "08-testing-profile.ipynb"


@pytest.fixture(scope="module")
def served_workspace(tmp_path_factory, copy_demo):
    os.environ.pop("ORB_DATABASE_URL", None)
    return copy_demo(tmp_path_factory.mktemp("serve-ws") / "ws")


def _page(served, notebook: str, **query) -> tuple[str, str]:
    """Render a page as a browser would ask for it; returns (html, kernel id)."""
    q = dict(query, **({"token": served.token} if served.token else {}))
    html = open_page(f"{served.url}voila/render/{notebook}?{urllib.parse.urlencode(q)}")
    return html, page_kernel_id(html)


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _kernel_alive(served, kid: str) -> bool:
    return _status(f"{served.url}api/kernels/{kid}?token={served.token}") == 200


def _until(check, seconds: float = 60, every: float = 0.25):
    """Poll ``check`` until it returns something truthy (bounded); returns its last value."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(every)


def _widget(states: dict, model: str, description: str) -> str:
    found = [
        cid
        for cid, st in states.items()
        if st.get("_model_name") == model and str(st.get("description", "")).startswith(description)
    ]
    assert found, f"no {model} labelled {description!r} on the page"
    return found[0]


def _shown(channel) -> str:
    """All text the page's HTML widgets show (what the person reads)."""
    return "\n".join(
        str(st.get("value", "")) for st in channel.widget_states().values() if st.get("_model_name") == "HTMLModel"
    )


@pytest.mark.slow
def test_two_people_work_on_two_counties_at_once(served_workspace):
    from orb_widgets.app import App

    store = App.for_workspace(served_workspace).store
    # kernels kept ready only for the two steps the test opens: the other seven would start meanwhile
    # and take the processor from the pages under test (the pool itself is tested in test_preheat)
    with serve.launch(served_workspace, pool={"default": 0, START: 1, PROFILE: 1}) as served:
        # Ana picks Driftwood on her Start page: the page's own links change, nothing else.
        start_html, start_kid = _page(served, "01-start-here.ipynb")
        ana_start = KernelChannel(served, start_kid)
        states = ana_start.widget_states()
        picker = _widget(states, "DropdownModel", "County")
        ana_start.update(picker, {"index": states[picker]["_options_labels"].index(B)})
        assert _until(
            lambda: any(
                "county=Driftwood+Municipality" in str(s.get("value", "")) for s in ana_start.widget_states().values()
            ),
            20,
        )
        # Ana follows her link, Ben opens the same step with his own county, both at once.
        ana = KernelChannel(served, _page(served, "08-testing-profile.ipynb", county=B)[1])
        ben = KernelChannel(served, _page(served, "08-testing-profile.ipynb", county=A)[1])
        ana_sees, ben_sees = _shown(ana), _shown(ben)
        assert f"<b>{B}</b>" in ana_sees and f"<b>{A}</b>" not in ana_sees
        assert f"<b>{A}</b>" in ben_sees and f"<b>{B}</b>" not in ben_sees
        # a third person opening the step without a county is not moved by Ana's choice
        other = KernelChannel(served, _page(served, "08-testing-profile.ipynb")[1])
        assert f"<b>{A}</b>" in _shown(other)
        other.close()
        assert store.get_meta("workbook_county") is None

        for _who, channel, text in [
            ("Ana", ana, "Driftwood tried it in two units"),
            ("Ben", ben, "Alder Creek tried it with one team"),
        ]:
            st = channel.widget_states()
            channel.update(_widget(st, "TextareaModel", "a)"), {"value": text})
        saved = lambda county: store.get_doc(county, "testing_profile", "main") or None  # noqa: E731
        assert _until(lambda: saved(B) and saved(B).body["sections"].get("a") == "Driftwood tried it in two units")
        assert _until(lambda: saved(A) and saved(A).body["sections"].get("a") == "Alder Creek tried it with one team")
        for channel in (ana_start, ana, ben):
            channel.close()


@pytest.mark.slow
def test_a_locked_server_refuses_other_counties_by_every_route(served_workspace):
    from orb_widgets.app import App

    store = App.for_workspace(served_workspace).store
    counties_before = [c.name for c in store.counties()]
    with serve.launch(served_workspace, county=A, lock=True, pool={"default": 0, START: 1, RESULTS: 1}) as served:
        token = f"token={served.token}"
        # its own pages open
        own = KernelChannel(served, _page(served, "06-results.ipynb")[1])
        assert f"<b>{A}</b>" in _shown(own)
        own.close()
        # page address and query string naming another county: one plain line, none of its content
        for query in [{"county": B}, {"county": B, "wave": "2026-spring"}]:
            for notebook in ("06-results.ipynb", "01-start-here.ipynb", "05-take-assessment.ipynb"):
                html, kid = _page(served, notebook, **query)
                chan = KernelChannel(served, kid)
                shown = html + _shown(chan)
                chan.close()
                assert f"open for {A} only" in shown, notebook
                assert f"<b>{B}</b>" not in shown and "Part of this page could not be shown" not in html
        # the files handler serves nothing: notebooks, the database, paths outside
        for path in [
            "voila/files/06-results.ipynb",
            "voila/files/../" + str(served_workspace / "orb.sqlite"),
            "voila/files/" + urllib.parse.quote(str(served_workspace / "orb.sqlite")),
            "files/06-results.ipynb",
            "api/contents",
            "voila/tree/../",
        ]:
            assert _status(f"{served.url}{path}?{token}") in (403, 404, 405), path
        # the kernel websocket: crafted widget messages on the Start page
        _, kid = _page(served, "01-start-here.ipynb")
        chan = KernelChannel(served, kid)
        states = chan.widget_states()
        picker = _widget(states, "DropdownModel", "County")
        assert states[picker]["_options_labels"] == [A]
        chan.update(picker, {"_options_labels": [B, A], "index": 1})
        chan.update(_widget(states, "TextModel", "New county"), {"value": "Sneaky County"})
        chan.click(_widget(states, "ButtonModel", "Add county"))
        chan.send("execute_request", {"code": "import orb_widgets; 1/0", "silent": False})
        after = _until(lambda: [s for s in chan.widget_states().values() if "open for" in str(s.get("value", ""))], 20)
        assert after, "the page never answered the crafted click"
        assert [c.name for c in App.for_workspace(served_workspace).store.counties()] == counties_before
        checklist = [s["value"] for s in chan.widget_states().values() if "steps done for" in str(s.get("value", ""))]
        assert checklist and all(A in v and B not in v for v in checklist)
        chan.close()


@pytest.mark.slow
def test_a_closed_pages_kernel_goes_and_an_open_or_loading_ones_stays(served_workspace):
    with serve.launch(
        served_workspace, cull_idle_timeout=2, cull_interval=1, pool={"default": 0, PROFILE: 1}
    ) as served:
        # drawn, and its browser still loading the page's scripts (it has not connected yet)
        _, loading_kid = _page(served, "08-testing-profile.ipynb", county=B)
        _, open_kid = _page(served, "08-testing-profile.ipynb", county=A)
        kept = KernelChannel(served, open_kid)
        assert kept.widget_states()  # connected and talking
        _, closed_kid = _page(served, "08-testing-profile.ipynb", county=B)
        gone = KernelChannel(served, closed_kid)
        assert gone.widget_states()
        gone.close()  # the tab closed
        assert _until(lambda: not _kernel_alive(served, closed_kid), 60), "a closed page's kernel was never shut down"
        # the connected page and the loading one were idle longer than the culled one, and keep their kernels
        assert _kernel_alive(served, open_kid)
        assert _kernel_alive(served, loading_kid), "a page still loading lost its kernel: it would never be usable"
        kept.close()
        assert _until(lambda: not _kernel_alive(served, open_kid), 60), "closing the page did not free its kernel"


@pytest.mark.slow
def test_pending_autosave_is_written_when_the_kernel_shuts_down(served_workspace, tmp_path):
    """A kernel shut down (as the server does for a closed page) saves the edit still waiting."""
    import shutil

    from jupyter_client.manager import start_new_kernel

    from orb_widgets.app import App

    folder = tmp_path / "ws"
    shutil.copytree(served_workspace, folder)
    km, kc = start_new_kernel(
        kernel_name="python3",
        env={**os.environ, "ORB_WORKSPACE": str(folder), "PYTHONPATH": str(Path(__file__).parents[1])},
    )
    try:
        code = (
            "from orb_widgets.widgets import open_county, TestingProfile\n"
            f"page = TestingProfile(open_county(None, {B!r}, user='Ana'), delay=3600)\n"
            "page.sections['b'].value = 'typed a moment before the tab closed'\n"
            "assert page.autosave.pending"
        )
        reply = kc.execute_interactive(code, timeout=120)
        assert reply["content"]["status"] == "ok", reply["content"]
        before = App.for_workspace(folder).store.get_doc(B, "testing_profile", "main")
        assert before is None or before.body["sections"].get("b") != "typed a moment before the tab closed"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)
    doc = App.for_workspace(folder).store.get_doc(B, "testing_profile", "main")
    assert doc.body["sections"]["b"] == "typed a moment before the tab closed" and doc.updated_by == "Ana"


def _port_free(port: int) -> bool:
    """Nobody answers on the port and a new server could listen on it (as voila would, SO_REUSEADDR)."""
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", port)) == 0:
            return False
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            s.listen()
            return True
        except OSError:
            return False


@pytest.mark.slow
@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT", "SIGKILL"])
def test_stopping_orb_serve_stops_voila_and_every_kernel(served_workspace, how):
    import psutil

    port = proc.free_port()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    orb = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "orb_widgets.cli",
            "serve",
            "--workspace",
            str(served_workspace),
            "--port",
            str(port),
            "--no-token",
            # one kept-ready kernel (it must stop too), not one per step
            "--pool",
            "0",
            "--pool",
            "08-testing-profile=1",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # as a script's `orb serve &` starts it: the shell makes a background job ignore Ctrl+C
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        first = orb.stdout.readline()
        assert first.startswith("Serving the workbook"), first + orb.stdout.read()
        served = proc.Served(orb, f"http://127.0.0.1:{port}/", "", Path("/nonexistent"), Path("/nonexistent"))
        kids = [_page(served, "08-testing-profile.ipynb", county=c)[1] for c in (A, B)]
        family = psutil.Process(orb.pid).children(recursive=True)
        assert len(family) >= 3, family  # voila and a kernel per page
        assert all(_kernel_alive(served, k) for k in kids)
        os.kill(orb.pid, getattr(signal, how))
        gone, alive = psutil.wait_procs(family, timeout=60)
        assert not alive, f"still running after {how}: {[p.cmdline() for p in alive]}"
        assert orb.wait(30) == (-signal.SIGKILL if how == "SIGKILL" else 0), f"exit code after {how}"
        assert _until(lambda: _port_free(port), 10), f"port {port} still taken after {how}"
    finally:
        if orb.poll() is None:
            orb.kill()
            orb.wait(10)


def _runtime_of(tmp: Path, pid: int) -> Path:
    found = [
        f
        for f in tmp.glob("orb-*")
        if (f / proc.OWNER_FILE).is_file() and json.loads((f / proc.OWNER_FILE).read_text())["pid"] == pid
    ]
    assert len(found) == 1, list(tmp.iterdir())
    return found[0]


@pytest.mark.slow  # serves pages with voila
def test_a_killed_servers_folder_is_removed_at_the_next_start(served_workspace, tmp_path, monkeypatch):
    """kill -9 of orb serve leaves its folder (the workbook's held voila.json); the next start removes it."""
    import tempfile

    import psutil

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1]), "TMPDIR": str(tmp)}
    killed = []
    for form in (False, True):
        port = proc.free_port()
        orb = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "orb_widgets.cli",
                "serve",
                "--workspace",
                str(served_workspace),
                "--port",
                str(port),
                *(["--form"] if form else []),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            first = orb.stdout.readline()
            assert first.startswith("Serving"), first + orb.stdout.read()
            folder = _runtime_of(tmp, orb.pid)
            assert folder.stat().st_mode & 0o777 == 0o700
            if not form:
                token = first.split("?token=")[1].split()[0]
                assert token not in (folder / "voila.json").read_text()  # read by voila, then forgotten
                assert list(folder.glob("voila_*"))  # voila's kernel connection files are inside it
            family = psutil.Process(orb.pid).children(recursive=True)
            orb.kill()
            orb.wait(30)
            _, alive = psutil.wait_procs(family, timeout=60)
            assert not alive
        finally:
            if orb.poll() is None:
                orb.kill()
                orb.wait(10)
        assert folder.is_dir()  # nobody was left to remove it
        killed.append(folder)
    someone_elses = tmp / "orb-serve-running"  # a server of a process still running is left alone
    someone_elses.mkdir(mode=0o700)
    (someone_elses / proc.OWNER_FILE).write_text(
        json.dumps({"pid": os.getppid(), "started": proc.started(os.getppid())})
    )

    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    with serve.launch(served_workspace, form=True) as served:
        assert [f for f in killed if f.exists()] == []
        assert someone_elses.is_dir()
        assert served.runtime.parent == tmp and served.runtime.stat().st_mode & 0o777 == 0o700
    assert not served.runtime.exists()


@pytest.mark.slow  # serves pages with voila
def test_the_workbook_servers_log_holds_no_token_and_no_address(served_workspace, tmp_path):
    """orb serve (voila with the survey links): its whole log, after pages, a survey send and bad requests."""

    link = App.for_workspace(served_workspace).store.open_link(A, "2026-fall").token
    log_path = tmp_path / "voila.log"
    # With the default kernels kept ready: stopping the server stops them without a traceback.
    with serve.launch(served_workspace, log_path=log_path) as served:
        q = f"token={served.token}"
        _page(served, "08-testing-profile.ipynb", county=A)
        for path in (
            f"api/kernels?{q}",
            f"no/such/page?{q}",
            f"voila/render/nothing.ipynb?{q}",
            f"survey/{link}",
            f"survey/{link}/thanks?lang=%ff",
            "api/kernels?token=wrong",
        ):
            _status(served.url + path)
        request = urllib.request.Request(
            f"{served.url}survey/{link}", b"q-A1=%ff&" + b"&".join(b"x%d=1" % k for k in range(20_000)), method="POST"
        )
        assert _status(request) in (400, 403)
    log = log_path.read_text()
    assert "Voil" in log and "GET" in log  # it did log, privately
    assert served.token not in log and link not in log and link[4:12] not in log
    assert "127.0.0.1" not in log and "Traceback" not in log
