"""``orb serve`` / ``orb lab`` configuration and the kernel websocket filter (no browser)."""
from __future__ import annotations

import json

import pytest

from orb_widgets import serve
from orb_widgets.exceptions import NoInstrument, OrbError, UnknownCounty


def test_form_config_preheats_culls_and_hides_code():
    cfg = serve.voila_config(form=True, port=9999, pool_size=3)
    v, vc, km = cfg["Voila"], cfg["VoilaConfiguration"], cfg["MappingKernelManager"]
    assert v["ip"] == "127.0.0.1" and v["port"] == 9999
    assert vc["preheat_kernel"] is True and vc["default_pool_size"] == 3
    assert vc["strip_sources"] is True and vc["show_tracebacks"] is False
    assert vc["template"] == "voila-orb"
    assert vc["allow_template_override"] == "NO" and vc["allow_theme_override"] == "NO"
    assert vc["file_allowlist"] == [] and vc["http_header_envs"] == []
    assert km["cull_idle_timeout"] == serve.CULL_IDLE_TIMEOUT > 0
    assert km["cull_interval"] == serve.CULL_INTERVAL > 0
    assert km["cull_connected"] is True
    assert v["kernel_websocket_connection_class"] == "orb_widgets.kernel.RestrictedWebsocketConnection"
    assert "frame-ancestors" in v["tornado_settings"]["headers"]["Content-Security-Policy"]


def test_workbook_config_has_a_token_slot_and_no_pool():
    cfg = serve.voila_config(form=False, port=1, token="abc")
    assert cfg["Voila"]["token"] == "abc"
    assert cfg["VoilaConfiguration"]["preheat_kernel"] is False
    assert cfg["MappingKernelManager"]["cull_idle_timeout"] > 0


def test_runtime_folder_holds_config_and_template():
    cfg = serve.voila_config(form=True, port=1)
    runtime = serve._runtime(cfg)
    try:
        assert json.loads((runtime / "voila.json").read_text()) == cfg
        assert (runtime / "share/voila/templates/voila-orb/index.html.j2").is_file()
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
    from orb_widgets.store import Store

    store = Store.open(workspace)
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
    assert {"history_request", "inspect_request", "complete_request", "input_reply",
            "shutdown_request"}.isdisjoint(ALLOWED_FROM_BROWSER)
    assert {"comm_msg", "comm_open", "comm_info_request", "kernel_info_request"} <= ALLOWED_FROM_BROWSER


def test_websocket_filter_drops_code(monkeypatch):
    from orb_widgets.kernel import RestrictedWebsocketConnection

    forwarded = []
    monkeypatch.setattr("jupyter_server.services.kernels.connection.channels."
                        "ZMQChannelsWebsocketConnection.handle_incoming_message",
                        lambda self, msg: forwarded.append(msg))
    conn = RestrictedWebsocketConnection.__new__(RestrictedWebsocketConnection)
    import logging

    monkeypatch.setattr(RestrictedWebsocketConnection, "log", logging.getLogger("t"), raising=False)
    monkeypatch.setattr(RestrictedWebsocketConnection, "subprotocol", None, raising=False)
    monkeypatch.setattr(RestrictedWebsocketConnection, "kernel_id", "k", raising=False)
    for channel, kind in [("shell", "execute_request"), ("control", "comm_msg"), ("stdin", "input_reply"),
                          ("shell", "history_request"), ("shell", "comm_msg")]:
        conn.handle_incoming_message(json.dumps({"channel": channel, "header": {"msg_type": kind}}))
    assert len(forwarded) == 1 and "comm_msg" in forwarded[0] and "shell" in forwarded[0]


def test_a_served_page_never_shows_the_last_visitors_name(tmp_path, monkeypatch):
    from orb_widgets.widgets.base import remember_name, remembered_name

    monkeypatch.setenv("ORB_NAME_FILE", str(tmp_path / "name"))
    monkeypatch.delenv("ORB_USER", raising=False)
    remember_name("Ana")
    assert remembered_name() == "Ana"
    monkeypatch.setenv("ORB_REMEMBER_NAME", "0")  # what `orb serve` sets for its kernels
    assert remembered_name() == ""
    remember_name("Ben")
    monkeypatch.delenv("ORB_REMEMBER_NAME")
    assert remembered_name() == "Ana"
