"""The hub's packet page, without a hub: each county's state, which files a person may open, one build at a time.

tests/test_hub.py and tests/browser/test_hub_login.py drive the same page through a real hub.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os

import pytest
from markupsafe import Markup

from orb_widgets.app import App
from orb_widgets.hub import packet_build
from orb_widgets.hub.packet_build import Build, county_packets, packet_files, read_build, start_build
from orb_widgets.settings import Settings

A, B = "Alder Creek County", "Bayside County"


@pytest.fixture(scope="module")
def settings(tmp_path_factory, copy_demo):

    folder = copy_demo(tmp_path_factory.mktemp("hub-packets") / "ws")
    store = App.for_workspace(folder).store
    assert [c.name for c in store.counties()][:2] == [A, B]
    store.engine.dispose()
    return Settings.from_env({}, workspace=folder)


def _built(settings, entries: dict) -> None:
    """A packet folder as the runner leaves it: the files and its manifest."""
    out = packet_build.packets_dir(settings)
    out.mkdir(exist_ok=True)
    for entry in entries.values():
        for kind in ("html", "pdf"):
            if entry.get(kind):
                (out / entry[kind]).write_text(f"<p>{entry['county']}</p>", "utf-8")
    (out / "index.html").write_text("<p>every county</p>", "utf-8")
    (out / "manifest.json").write_text(json.dumps({"version": 1, "packets": entries}), "utf-8")


def _entry(county, slug, fingerprint, status="ok", built="2026-05-12T14:02:00+00:00", **more):
    return {
        "county": county,
        "status": status,
        "fingerprint": fingerprint,
        "html": f"{slug}.html",
        "pdf": f"{slug}.pdf",
        "built": built,
        "index_row": {"wave": "2026-spring"},
        **more,
    }


def _states(rows):
    return {r.county: r.state for r in rows}


def test_each_county_packet_is_up_to_date_out_of_date_failed_or_not_built(settings):
    assert _states(county_packets(settings, [A, B])) == {A: "none", B: "none"}

    now = packet_build._fingerprints(settings, [A, B])
    _built(settings, {A: _entry(A, "alder", now[A]), B: _entry(B, "bayside", "made from older answers")})
    rows = county_packets(settings, [A, B])
    assert _states(rows) == {A: "current", B: "stale"}
    assert rows[0].wave == "2026-spring" and rows[0].html == "alder.html" and rows[0].pdf == "alder.pdf"

    _built(
        settings,
        {
            A: _entry(A, "alder", now[A]),
            B: _entry(B, "bayside", None, status="failed", error="the results step stopped"),
        },
    )
    rows = county_packets(settings, [A, B])
    assert _states(rows) == {A: "current", B: "failed"} and rows[1].error == "the results step stopped"

    # while a build of B runs, B is being built and A keeps its state
    running = Build(state="running", counties=[B], started="2026-05-12T15:00:00+00:00")
    assert _states(county_packets(settings, [A, B], running)) == {A: "current", B: "building"}
    # a county finished during the build is no longer "being built"
    _built(
        settings, {A: _entry(A, "alder", now[A]), B: _entry(B, "bayside", now[B], built="2026-05-12T15:01:00+00:00")}
    )
    assert _states(county_packets(settings, [A, B], running)) == {A: "current", B: "current"}


def test_a_person_opens_only_the_files_of_their_counties(settings):
    now = packet_build._fingerprints(settings, [A, B])
    _built(settings, {A: _entry(A, "alder", now[A]), B: _entry(B, "bayside", now[B])})
    member = packet_files(settings, [A], index=False)
    assert sorted(member) == ["alder.html", "alder.pdf"]
    coordinator = packet_files(settings, [A, B], index=True)
    assert sorted(coordinator) == ["alder.html", "alder.pdf", "bayside.html", "bayside.pdf", "index.html"]
    # a manifest naming a file outside the packet folder opens nothing there
    _built(settings, {A: {**_entry(A, "alder", now[A]), "html": "../orb.sqlite", "pdf": None}})
    assert packet_files(settings, [A], index=False) == {}


def test_one_build_at_a_time(settings):
    out = packet_build.packets_dir(settings)
    out.mkdir(exist_ok=True)
    (out / packet_build.STATUS).write_text(
        json.dumps({"state": "running", "started": "2026-05-12T15:00:00+00:00", "by": "cora", "counties": []}), "utf-8"
    )
    fd = os.open(out / packet_build.LOCK, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a build (another coordinator's) holds the lock
        assert read_build(out).running
        assert start_build(settings, None, by="dana") is False
        assert json.loads((out / packet_build.STATUS).read_text("utf-8"))["by"] == "cora"  # untouched
    finally:
        os.close(fd)
    # the build's process is gone without saying so: the page says it stopped
    assert read_build(out).state == "stopped"


def test_the_packet_page_escapes_what_people_typed():
    from orb_widgets.content import DEFAULT_WORDS
    from orb_widgets.hub.packet_page import STATES, _env

    hostile = '<script>alert("x")</script> County'
    rows = [
        packet_build.CountyPacket(
            county=hostile, state="failed", built=dt.datetime.now().isoformat(), error="<img src=x onerror=alert(1)>"
        )
    ]
    for coordinator in (True, False):
        page = (
            _env()
            .get_template("packets.html.j2")
            .render(
                coordinator=coordinator,
                county=hostile,
                words=DEFAULT_WORDS,
                who="<b>cora</b>",
                logout="/hub/logout",
                rows=rows,
                states=STATES,
                build=Build(state="done", by="<i>cora</i>", summary="<u>1 built</u>", failed=[hostile]),
                base="/user/cora/orb/packets/",
                home="/user/cora/voila/tree",
                xsrf=Markup(""),
                refresh=0,
                notice="",
                index=False,
                css=Markup(""),
            )
        )
        assert "<script>alert" not in page and "<img src=x" not in page and "<b>cora" not in page
        assert "&lt;script&gt;alert" in page
