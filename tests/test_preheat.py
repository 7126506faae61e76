"""Kernels started ahead of time (``orb serve --pool``): a page waits for its request and shows only the
county that request asked for; the results cache is shared and never stale (no browser)."""

from __future__ import annotations

import re
import sys
import time
import urllib.parse
from pathlib import Path

import pytest

from orb_widgets import serve
from orb_widgets.app import App
from orb_widgets.exceptions import OrbError

sys.path.insert(0, str(Path(__file__).parent / "browser"))
sys.path.insert(0, str(Path(__file__).parent))
from kernel_client import KernelChannel, open_page, page_kernel_id

RESULTS = "06-results.ipynb"


@pytest.fixture(scope="module")
def pool_workspace(tmp_path_factory):
    from orb_widgets.demo import make_demo

    folder = tmp_path_factory.mktemp("pool-ws")
    store = App.for_workspace(folder, create=True).store
    names = make_demo(store, counties=3, seed=7)
    store.engine.dispose()
    return folder, names


#: A taken kernel's replacement starts at once. orb serve waits POOL_REFILL_DELAY seconds first, so the
#: pages being opened get the processor; these tests open one page at a time and wait for each
#: replacement, which still starts with the previous request's address in its environment.
QUICK_REFILL = 0


def _page(served, notebook: str, **query) -> tuple[str, str]:
    q = dict(query, **({"token": served.token} if served.token else {}))
    html = open_page(f"{served.url}voila/render/{notebook}?{urllib.parse.urlencode(q)}")
    return html, page_kernel_id(html)


def _shown(channel) -> str:
    return "\n".join(
        str(st.get("value", "")) for st in channel.widget_states().values() if st.get("_model_name") == "HTMLModel"
    )


def _pool_ready(served, seconds: float = 240) -> None:
    """Wait until the step's pool has a kernel nobody took and every kernel is idle: the pooled one has
    run its notebook up to its page's request and waits for it (only then is it handed out)."""
    import psutil

    seen: dict[int, psutil.Process] = {}
    deadline = time.monotonic() + seconds
    quiet = 0
    while time.monotonic() < deadline:
        log = served.log()
        filled = log.count(f"Kernel pool of {RESULTS} is filled") > log.count("Using pre-heated kernel:")
        busy = sum(_cpu(seen, p) for p in served.processes()[1:])
        quiet = quiet + 1 if filled and busy < 5 else 0
        if quiet >= 4:
            return
        time.sleep(0.5)
    raise AssertionError(f"the pool never filled:\n{served.log()[-2000:]}")


def _cpu(seen: dict, proc) -> float:
    """CPU use of a process since it was last asked (the same psutil object each time)."""
    import psutil

    try:
        return seen.setdefault(proc.pid, proc).cpu_percent(interval=None)
    except psutil.NoSuchProcess:
        return 0.0


def _taken(log: str) -> list[str]:
    return re.findall(r"Using pre-heated kernel: (\S+) for", log)


def _open_in_turn(served, counties: list[str]) -> list[tuple[str, str, str]]:
    """Open the Results page for each county in turn, each from the pool; returns (county, html+shown, kid)."""
    out = []
    for county in counties:
        _pool_ready(served)
        html, kid = _page(served, RESULTS, **({"county": county} if county else {}))
        assert kid in _taken(served.log()), "the page did not get a kernel started ahead of time"
        channel = KernelChannel(served, kid)
        out.append((county, html + _shown(channel), kid))
        channel.close()
    return out


@pytest.mark.slow  # serves pages with voila
def test_a_pooled_kernel_shows_the_county_it_was_asked_for_on_an_open_server(pool_workspace):
    folder, (a, b, c) = pool_workspace
    with serve.launch(folder, pool={"default": 0, RESULTS: 1}, refill_delay=QUICK_REFILL) as served:
        seen = _open_in_turn(served, [b, a, c, ""])
        for county, shown, _ in seen:
            expected = county or a  # no county in the address: the workspace's first, as before
            assert f"<b>{expected}</b>" in shown
            for other in {a, b, c} - {expected}:
                assert f"<b>{other}</b>" not in shown, (county, other)
        assert len({kid for _, _, kid in seen}) == 4  # a fresh kernel each time, never one used before


@pytest.mark.slow  # serves pages with voila
def test_a_pooled_kernel_on_a_locked_server_refuses_another_county(pool_workspace):
    folder, (a, b, _) = pool_workspace
    pool = {"default": 0, RESULTS: 1}
    with serve.launch(folder, county=a, lock=True, pool=pool, refill_delay=QUICK_REFILL) as served:
        (_, other, _), (_, own, _) = _open_in_turn(served, [b, a])
        assert f"open for {a} only" in other and f"<b>{b}</b>" not in other
        assert "Readiness survey results" not in other
        assert f"<b>{a}</b>" in own and f"<b>{b}</b>" not in own


def test_pool_sizes_are_read_from_the_command_line():
    assert serve.pool_sizes(None) == {"default": serve.DEFAULT_POOL}
    assert serve.pool_sizes(["0", "06-results=8"]) == {"default": 0, RESULTS: 8}
    cfg = serve.voila_config(1, pool={"default": 1, RESULTS: 8})
    assert cfg["VoilaConfiguration"]["preheat_kernel"] is True
    assert cfg["VoilaKernelManager"]["kernel_pools_config"][RESULTS] == {"pool_size": 8}
    assert "packet.ipynb" in cfg["VoilaKernelManager"]["preheat_denylist"]
    assert serve.voila_config(1, pool=0)["VoilaConfiguration"]["preheat_kernel"] is False
    for bad in (["06-results=many"], ["-1"]):
        with pytest.raises(OrbError, match="--pool"):
            serve.pool_sizes(bad)


def test_the_hubs_refill_delay_is_read_from_the_environment():
    from orb_widgets.hub.singleuser import server_config
    from orb_widgets.settings import Settings

    def fill_delay(environ: dict) -> int:
        settings = Settings.from_env({**environ, "ORB_SERVED": "1", "ORB_USER": "ana"})
        return server_config(settings)["VoilaKernelManager"]["fill_delay"]

    assert fill_delay({}) == serve.POOL_REFILL_DELAY
    assert fill_delay({"ORB_POOL_REFILL": "5"}) == 5
    assert Settings.from_env({"ORB_POOL_REFILL": "5"}).to_env()["ORB_POOL_REFILL"] == "5"  # handed to the servers
    for bad in ("soon", "-1"):
        with pytest.raises(OrbError, match=f"ORB_POOL_REFILL={bad}: give whole seconds, 0 or more"):
            fill_delay({"ORB_POOL_REFILL": bad})


def test_an_unknown_step_in_pool_is_one_clear_line(pool_workspace):
    folder, _ = pool_workspace
    with pytest.raises(OrbError, match="--pool 6-results: there is no such step; the steps are 01-start-here"):
        serve.launch(folder, pool=["6-results=8"])


KEPT_READY = """import os, pathlib, signal
from orb_widgets.settings import Settings
marks = pathlib.Path({marks!r})
signal.signal(signal.SIGINT, lambda *_: (marks / "interrupted").touch())
(marks / f"waiting-{{os.getpid()}}").touch()
Settings.after_request()
"""


@pytest.mark.slow  # serves pages with voila
def test_stopping_the_server_stops_a_kept_ready_kernel_without_interrupting_it(pool_workspace, tmp_path):
    """A kernel nobody took is stopped with the server, never interrupted first: an interrupted kernel
    that is still running its notebook or waiting for its request answers on sockets already closed,
    and its ZMQ traceback ends up in the server's log. (This kernel marks an interrupt instead.)"""
    import json

    from orb_widgets.settings import Settings

    folder, _ = pool_workspace
    notebooks, marks = tmp_path / "notebooks", tmp_path / "marks"
    notebooks.mkdir()
    marks.mkdir()
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None}
    notebook = {
        "cells": [dict(cell, source=KEPT_READY.format(marks=str(marks)))],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (notebooks / "kept-ready.ipynb").write_text(json.dumps(notebook), "utf-8")
    log = tmp_path / "voila.log"
    pool = {"default": 0, "kept-ready.ipynb": 1}
    with serve.launch(folder, settings=Settings(notebooks=notebooks), pool=pool, log_path=log) as served:
        deadline = time.monotonic() + 240
        while not list(marks.glob("waiting-*")):
            assert time.monotonic() < deadline, served.log()[-2000:]
            time.sleep(0.1)
        kid = re.search(r"Kernel started: (\S+)", served.log()).group(1)
    assert not (marks / "interrupted").exists()
    assert f"Kernel shutdown: {kid}" in log.read_text()  # stopped by the server, not left for the fallback kill
    assert "Traceback" not in log.read_text()


@pytest.mark.hub
def test_a_hub_members_pooled_results_page_shows_their_county_only(tmp_path):
    """On the hub, a member's server keeps a results kernel ready; taken in turn, each shows only what it
    was asked for, and the other county is refused as before."""
    from hub_server import A, B, hub_family, start_hub, stop_hub
    from test_hub import Person, _shown

    hub = start_hub(tmp_path, env={"ORB_POOL_REFILL": str(QUICK_REFILL)})  # as on orb serve above
    try:
        ana = Person(hub, "ana")

        def log():
            return (hub["dir"] / "hub.log").read_text("utf-8", "replace")

        seen, shown = {}, []
        for query in ({"county": B}, {}, {"county": A}):
            deadline = time.monotonic() + 240
            quiet = 0
            while quiet < 4:  # a kernel in the pool, and every process idle (it waits for its request)
                assert time.monotonic() < deadline, log()[-3000:]
                filled = log().count(f"Kernel pool of {RESULTS} is filled") > log().count("Using pre-heated kernel")
                busy = sum(_cpu(seen, p) for p in hub_family(hub))
                quiet = quiet + 1 if filled and busy < 5 else 0
                time.sleep(0.5)
            html, chan = ana.page(RESULTS, **query)
            shown.append(html + _shown(chan))
            chan.close()
        assert log().count("Using pre-heated kernel") >= 3
        refused, own, asked = shown
        assert f"open for {A} only" in refused and f"<b>{B}</b>" not in refused
        for shown in (own, asked):
            assert f"<b>{A}</b>" in shown and f"<b>{B}</b>" not in shown
    finally:
        stop_hub(hub)
