"""Room links for live breakouts: what people in a room, and the coach, would notice."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import threading
import urllib.parse
import urllib.request

import pytest
from survey_server import COUNTY, OTHER, WAVE, Browser, listen, make_workspace

from orb_widgets.app import App
from orb_widgets.content import load_framework
from orb_widgets.exceptions import InvalidValue
from orb_widgets.store import Store
from orb_widgets.webinar import load_series, roomlinks, storage, views

DAY = dt.date(2026, 3, 12)


def _event(store, framework="cps", rooms=3, title="Spring webinar"):
    return roomlinks.create_event(store, title, DAY, framework, rooms, "coach")


# ---------------------------------------------------------------- two people, one field, at once
def _race(monkeypatch, parties: int):
    """Every save of the first round reads the room, then waits until all ``parties`` have read it."""
    barrier = threading.Barrier(parties, timeout=30)
    seen = threading.local()

    def hook(name):
        if name == "room" and not getattr(seen, "done", False):
            seen.done = True
            barrier.wait()

    monkeypatch.setattr(roomlinks, "race_hook", hook)


def _together(*calls):
    out, errors = [None] * len(calls), []

    def run(k, fn):
        try:
            out[k] = fn()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(k, fn)) for k, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return out


def test_two_people_typing_into_one_field_at_once_keep_both_texts(db_url, monkeypatch):
    store = Store(db_url)
    eid = _event(store)
    token = roomlinks.open_links(store, eid, "coach")[0]
    svc = roomlinks.RoomService(store)
    link = svc.link(token)
    svc.save_field(link, "notes.0", "We start with", "")
    _race(monkeypatch, 2)
    a, b = _together(
        lambda: svc.save_field(link, "notes.0", "We start with supervisors", "We start with"),
        lambda: svc.save_field(link, "notes.0", "We start with the front desk", "We start with"),
    )
    stored = roomlinks.RoomService(store).view(token, link).prompts[0].notes
    assert "We start with supervisors" in stored and "We start with the front desk" in stored
    assert roomlinks.MARKER in stored
    assert sorted([a.merged, b.merged]) == [False, True]  # the second to arrive hears that both were kept
    # the room's takeaway, typed at the same moment by a third person, is untouched by the notes' merge
    _race(monkeypatch, 2)
    _together(
        lambda: svc.save_field(link, "takeaway", "Start small", ""),
        lambda: svc.save_field(link, "notes.1", "Partners too", ""),
    )
    view = svc.view(token, link)
    assert view.room.takeaway == "Start small" and view.prompts[1].notes == "Partners too"
    assert roomlinks.MARKER not in view.room.takeaway


def test_people_adding_their_rows_at_once_are_all_kept(db_url, monkeypatch):
    store = Store(db_url)
    eid = _event(store)
    svc = roomlinks.RoomService(store)
    link = svc.link(roomlinks.open_links(store, eid, "coach")[1])
    _race(monkeypatch, 3)
    saved = _together(
        *[
            (lambda n=n: svc.save_person(link, "", {"name": f"P{n}", "county": COUNTY, "step1": f"Step {n}"}))
            for n in range(3)
        ]
    )
    room = storage.rooms(store, eid)[1]
    assert sorted(p.name for p in room.people) == ["P0", "P1", "P2"]
    assert {p.id for p in room.people} == {s.row for s in saved}
    assert storage.rooms(store, eid)[0].people == []  # another room: nothing


def test_a_person_and_the_reporter_changing_one_row_keep_both(db_url, monkeypatch):
    store = Store(db_url)
    eid = _event(store)
    svc = roomlinks.RoomService(store)
    link = svc.link(roomlinks.open_links(store, eid, "coach")[0])
    row = svc.save_person(link, "", {"name": "Ana", "county": COUNTY, "step1": "Call the union"}).row
    base = {"name": "Ana", "county": COUNTY, "role": "", "step1": "Call the union", "step2": ""}
    _race(monkeypatch, 2)
    _together(
        lambda: svc.save_person(link, row, {**base, "step1": "Call the union steward"}, base),
        lambda: svc.save_person(link, row, {**base, "step1": "Call the union this week"}, base),
    )
    (person,) = storage.rooms(store, eid)[0].people
    assert "Call the union steward" in person.steps[0] and "Call the union this week" in person.steps[0]
    assert roomlinks.MARKER in person.steps[0]


# ---------------------------------------------------------------- events, links, content per framework
def test_a_cps_event_shows_cps_prompts_and_note_a_cpm_event_its_own(store):
    cps, cpm = load_framework("cps"), load_framework("cpm-orb")
    for framework, pack in (("cps", cps), ("cpm-orb", cpm)):
        eid = _event(store, framework, title=f"{framework} webinar")
        ev = storage.event(store, eid)
        assert ev.prompts == pack.breakout_prompts and ev.facilitator_note == pack.breakout_note
        assert ev.framework == framework
    assert cps.breakout_prompts != cpm.breakout_prompts
    with pytest.raises(Exception, match="no such content pack"):
        _event(store, "nope")
    with pytest.raises(InvalidValue, match="--rooms 0"):
        _event(store, rooms=0)


def test_every_room_has_its_own_unguessable_link_made_once(store):
    eid = _event(store, rooms=4)
    tokens = roomlinks.open_links(store, eid, "coach")
    assert len(set(tokens)) == 4 and all(len(t) >= 24 for t in tokens)
    assert roomlinks.open_links(store, eid, "coach") == tokens  # asking again gives the same links
    assert [roomlinks.find(store, t).room for t in tokens] == [0, 1, 2, 3]
    assert roomlinks.find(store, "x" * 24) is None


def test_merging_never_drops_either_text():
    m = roomlinks.merge_text
    assert m("", "", "mine") == ("mine", False)
    assert m("old", "old", "new") == ("new", False)  # nobody else changed it
    assert m("old", "theirs", "old") == ("theirs", False)  # I changed nothing
    assert m("old", "old and more", "old and more, and mine") == ("old and more, and mine", False)
    text, merged = m("old", "theirs", "mine")
    assert merged and text.index("theirs") < text.index(roomlinks.MARKER) < text.index("mine")
    assert m("", "Ben", "Ana", short=True) == ("Ben / Ana", True)


# ---------------------------------------------------------------- the served page
@pytest.fixture
def served(tmp_path, monkeypatch):
    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    folder = tmp_path / "ws"
    make_workspace(folder)
    store = App.for_workspace(folder).store
    survey_token = store.open_link(COUNTY, WAVE).token
    first = _event(store, "cps", rooms=2, title="First webinar")
    second = _event(store, "cpm-orb", rooms=2, title="Second webinar")
    from orb_widgets.survey.app import make_app
    from orb_widgets.survey.service import Survey, SurveyConfig

    survey = Survey(App.for_workspace(folder).store, SurveyConfig(instrument_ttl=0))
    url, loop, thread = listen(survey, make_app)

    class S:
        pass

    s = S()
    s.url, s.store, s.survey_token = url, store, survey_token
    s.first, s.second = first, second
    s.tokens = {first: roomlinks.open_links(store, first, "c"), second: roomlinks.open_links(store, second, "c")}
    s.room = lambda token: f"{url}room/{token}"
    yield s
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def _forms(page: str) -> dict[str, dict]:
    """Each form on the page by its field: its hidden inputs (as a browser without JavaScript sends them)."""
    out = {}
    for form in re.findall(r"<form .*?</form>", page, re.S):
        hidden = dict(re.findall(r'<input type="hidden" name="([\w-]+)" value="([^"]*)"', form))
        out[hidden.get("field", "?")] = {k: _unescape(v) for k, v in hidden.items()}
    return out


def _unescape(v: str) -> str:
    import html

    return html.unescape(v)


def test_room_page_works_without_javascript_and_escapes_what_people_type(served):
    b = Browser()
    link = served.room(served.tokens[served.first][0])
    page = b.get(link)
    assert b.status == 200
    for prompt in load_framework("cps").breakout_prompts:
        assert prompt.replace("'", "&#39;") in page
    assert load_framework("cps").breakout_note in page
    forms = _forms(page)
    assert {"facilitator", "reporter", "takeaway", "notes.0", "notes.3", "person"} <= set(forms)
    b.post(link, {"text": "Start <script>alert(1)</script> small"}, forms["notes.0"])
    assert b.status == 200 and "saved=notes.0" in b.url
    assert "<script>alert" not in b.page and "Start &lt;script&gt;alert(1)&lt;/script&gt; small" in b.page
    room = storage.rooms(served.store, served.first)[0]
    assert room.notes == {0: "Start <script>alert(1)</script> small"}


def test_a_save_from_an_old_page_keeps_both_texts_and_says_so(served):
    link = served.room(served.tokens[served.first][0])
    ana, ben = Browser(), Browser()
    ana.get(link)
    ben.get(link)
    ana.post(link, {"text": "Ana's takeaway"}, _forms(ana.page)["takeaway"])
    ben.post(link, {"text": "Ben's takeaway"}, _forms(ben.page)["takeaway"])
    assert "merged=takeaway" in ben.url and "both texts are kept" in ben.page
    stored = storage.rooms(served.store, served.first)[0].takeaway
    assert stored == f"Ana's takeaway\n\n{roomlinks.MARKER}\nBen's takeaway"


def test_the_script_gets_what_was_stored_as_json(served):
    link = served.room(served.tokens[served.first][1])
    b = Browser()
    b.get(link)
    data = {**_forms(b.page)["reporter"], "text": "Noor"}
    req = urllib.request.Request(
        link, urllib.parse.urlencode(data).encode(), method="POST", headers={"Accept": "application/json"}
    )
    with b.opener.open(req, timeout=30) as r:
        answer = json.loads(r.read())
    assert answer == {"text": "Noor", "version": 1, "merged": False}


def test_each_person_adds_their_own_row_and_only_they_can_change_it(served):
    link = served.room(served.tokens[served.first][0])
    ana, ben = Browser(), Browser()
    ana.get(link)
    assert "Add your row" in ana.page
    ana.post(link, {"name": "Ana", "county": COUNTY, "role": "Principal", "step1": "Talk with staff"}, _person(ana))
    assert "Change your row" in ana.page and "(you)" in ana.page
    ben.get(link)
    assert "Add your row" in ben.page and "Ana" in ben.page  # Ben sees Ana's row, but has no way to change it
    ben.post(link, {"name": "Ben", "county": OTHER, "step1": "Ask parents"}, _person(ben))
    # Ana changes her row later from the same browser
    ana.get(link)
    ana.post(link, {"name": "Ana", "county": COUNTY, "role": "Principal", "step1": "Talk with all staff"}, _person(ana))
    # a forged cookie naming Ana's row adds a new row, never changes hers
    row = storage.rooms(served.store, served.first)[0].people[0].id
    eve = Browser()
    eve.get(link)
    eve.jar.set_cookie(_cookie("orb_room_row", f"{row}.forged", f"/room/{served.tokens[served.first][0]}"))
    eve.post(link, {"name": "Eve", "county": COUNTY, "step1": "Overwrite"}, _person(eve))
    people = storage.rooms(served.store, served.first)[0].people
    assert [(p.name, p.steps) for p in people] == [
        ("Ana", ["Talk with all staff"]),
        ("Ben", ["Ask parents"]),
        ("Eve", ["Overwrite"]),
    ]
    # the series routes each person's steps to their own county's follow-up
    s = load_series(served.store)
    assert [p.name for p in views.followup(s, served.first, COUNTY).people] == ["Ana", "Eve"]
    assert [p.name for p in views.followup(s, served.first, OTHER).people] == ["Ben"]


def _person(browser) -> dict:
    return _forms(browser.page)["person"]


def _cookie(name, value, path):
    import http.cookiejar

    return http.cookiejar.Cookie(
        0, name, value, None, False, "127.0.0.1", False, False, path, True, False, None, False, None, None, {}
    )


def test_a_row_needs_a_county(served):
    link = served.room(served.tokens[served.first][0])
    b = Browser()
    b.get(link)
    b.post(link, {"name": "Ana", "county": " ", "step1": "x"}, _person(b))
    assert b.status == 400 and "county" in b.page
    assert storage.rooms(served.store, served.first)[0].people == []


def test_a_room_link_reaches_its_own_room_only(served):
    first_room = served.tokens[served.first][0]
    link = served.room(first_room)
    b = Browser()
    b.get(link)
    forms = _forms(b.page)
    # whatever else is sent, a save lands in the link's own room of its own event
    b.post(link, {"text": "ours", "room": "1", "event": served.second, "county": OTHER}, forms["takeaway"])
    rooms1, rooms2 = storage.rooms(served.store, served.first), storage.rooms(served.store, served.second)
    assert [r.takeaway for r in rooms1] == ["ours", ""] and [r.takeaway for r in rooms2] == ["", ""]
    for field in ("people", "notes.9", "notes.01", "name", "event", "../takeaway"):
        b.post(link, {"text": "x", "field": field}, {k: v for k, v in forms["takeaway"].items() if k != "field"})
        assert b.status == 400, field
    # a room link is no survey link, and a survey link no room link
    for url in (served.room(served.survey_token), f"{served.url}survey/{first_room}", served.room("A" * 24)):
        other = Browser()
        other.get(url)
        assert other.status == 404, url
    assert served.store.response_count(COUNTY, WAVE) == 0


def test_a_closed_events_links_are_read_only(served):
    link = served.room(served.tokens[served.first][0])
    b = Browser()
    b.get(link)
    forms = _forms(b.page)
    b.post(link, {"text": "Before closing"}, forms["takeaway"])
    roomlinks.close_event(served.store, served.first, "coach")
    page = b.get(link)
    assert b.status == 200 and "This event is closed" in page and "Before closing" in page
    assert "<textarea" not in page and "<form" not in page
    b.post(link, {"text": "After closing"}, forms["takeaway"])
    assert b.status == 410
    b.post(link, {"name": "Late", "county": COUNTY, "step1": "x"}, forms["person"])
    assert b.status == 410
    room = storage.rooms(served.store, served.first)[0]
    assert room.takeaway == "Before closing" and room.people == []
    # the other event's rooms still take changes
    other = served.room(served.tokens[served.second][0])
    b.get(other)
    b.post(other, {"text": "Still open"}, _forms(b.page)["takeaway"])
    assert storage.rooms(served.store, served.second)[0].takeaway == "Still open"


def test_a_save_without_the_pages_safety_check_is_refused(served):
    link = served.room(served.tokens[served.first][0])
    b = Browser()
    b.get(link)
    hidden = {k: v for k, v in _forms(b.page)["takeaway"].items() if k != "_xsrf"}
    b.post(link, {"text": "forged"}, hidden)
    assert b.status == 403
    assert storage.rooms(served.store, served.first)[0].takeaway == ""


def test_room_pages_send_the_surveys_security_headers(served):
    from orb_widgets.survey.handlers import HEADERS

    with urllib.request.urlopen(served.room(served.tokens[served.first][0]), timeout=30) as r:
        for k, v in HEADERS.items():
            if k != "Content-Security-Policy":
                assert r.headers[k] == v
        # the survey's policy, and the page's own script may post to this server (nothing else)
        assert r.headers["Content-Security-Policy"] == HEADERS["Content-Security-Policy"] + "; connect-src 'self'"


# ---------------------------------------------------------------- orb webinar create / links
def _orb(workspace, *args):
    import os

    env = {**os.environ, "ORB_WORKSPACE": str(workspace)}
    env.pop("ORB_DATABASE_URL", None)
    env.pop("ORB_SURVEY_URL", None)
    return subprocess.run([sys.executable, "-m", "orb_widgets.cli", *args], capture_output=True, text=True, env=env)


def test_orb_webinar_create_and_links(workspace, tmp_path):
    App.for_workspace(workspace, create=True)
    made = _orb(workspace, "webinar", "create", "--title", "CPS day", "--date", "2026-03-12", "--framework", "cps",
                "--rooms", "3", "--minutes", "12")  # fmt: skip
    assert made.returncode == 0, made.stderr
    eid = made.stdout.strip()
    assert eid == "2026-03-12-cps-day"
    out = tmp_path / "links.html"
    shown = _orb(workspace, "webinar", "links", "--event", eid, "--base-url", "https://rooms.example.gov",
                 "--out", str(out))  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    urls = re.findall(r"https://rooms\.example\.gov/room/[\w-]+", shown.stdout)
    assert len(set(urls)) == 3
    page = out.read_text()
    assert page.count("<svg") == 3 and all(u in page for u in urls) and "CPS day" in page
    assert _orb(workspace, "webinar", "links", "--event", eid).stdout == shown.stdout.replace(
        "https://rooms.example.gov", "http://127.0.0.1:8866"
    )
    closed = _orb(workspace, "webinar", "close", "--event", eid)
    assert closed.returncode == 0 and "read-only" in closed.stdout


@pytest.mark.parametrize(
    "args, says",
    [
        (["--date", "2026-03-12", "--framework", "cps", "--rooms", "2"], "--title is missing"),
        (["--title", "T", "--date", "12/03/2026", "--framework", "cps", "--rooms", "2"], "--date '12/03/2026'"),
        (["--title", "T", "--date", "2026-03-12", "--framework", "nope", "--rooms", "2"], "no such content pack"),
        (["--title", "T", "--date", "2026-03-12", "--framework", "cps"], "--rooms is missing"),
        (["--title", "T", "--date", "2026-03-12", "--framework", "cps", "--rooms", "99"], "--rooms 99"),
    ],
)
def test_bad_input_to_create_is_one_line_and_exit_2(workspace, args, says):
    App.for_workspace(workspace, create=True)
    run = _orb(workspace, "webinar", "create", *args)
    assert run.returncode == 2 and says in run.stderr and len(run.stderr.strip().splitlines()) == 1
    assert storage.events(App.for_workspace(workspace).store) == {}


def test_orb_webinar_export_csv_holds_every_text_typed_into_the_rooms(workspace):
    import csv
    import io

    store = App.for_workspace(workspace, create=True).store
    store.add_county(COUNTY)
    eid = _event(store, rooms=2)
    svc = roomlinks.RoomService(store)
    typed = []
    for n, token in enumerate(roomlinks.open_links(store, eid, "coach")):
        link = svc.link(token)
        for field, text in [("facilitator", f"Fac {n}"), ("notes.0", f"Note 0 of {n}"), ("notes.2", f"Note 2 of {n}")]:
            svc.save_field(link, field, text, "")
            typed.append(text)
        svc.save_field(link, "takeaway", f"Takeaway {n}", "")
        typed.append(f"Takeaway {n}")
        for k in range(2):
            step = f"Step {k} in room {n}, county typed"
            svc.save_person(link, "", {"name": "", "county": "wren valley", "step1": step})
            typed.append(step)
    run = _orb(workspace, "webinar", "export", "--event", eid, "--format", "csv")
    assert run.returncode == 0, run.stderr
    rows = list(csv.DictReader(io.StringIO(run.stdout.lstrip("\ufeff"))))
    texts = [r["text"] for r in rows]
    assert all(t in texts for t in typed)
    assert {r["room"] for r in rows if r["kind"] == "room notes, prompt 3"} == {"Room 1", "Room 2"}


# ---------------------------------------------------------------- the coach's console (step 2)
def test_the_coachs_console_shows_each_room_live_edits_the_event_and_records_follow_ups(workspace):
    from orb_widgets.widgets.breakout import CoachContext, WebinarSeries

    store = App.for_workspace(workspace, create=True).store
    store.add_county(COUNTY)
    page = WebinarSeries(CoachContext(store, user="Coach Kim"), scheduler=lambda *a, **k: None)
    page.new_framework.value = "cps"
    page.new_rooms.value = 2
    eid = page.new_event("CPS spring")
    console = page.console
    assert storage.event(store, eid).prompts == load_framework("cps").breakout_prompts
    assert console.rooms_html.value.count("/room/") == 2 and "nothing typed yet" in console.rooms_html.value
    # a reporter types from their phone; the console's next tick shows it
    svc = roomlinks.RoomService(store)
    link = svc.link(roomlinks.open_links(store, eid, "coach")[1])
    svc.save_person(link, "", {"name": "Ana", "county": COUNTY, "step1": "Talk with staff"})
    svc.save_field(link, "takeaway", "Start small", "")
    page.live.value += 1
    cells = re.findall(r'<td data-label="([^"]+)">([^<]*)</td>', console.rooms_html.value)
    assert cells[:3] == [
        ("People with a row", "0"),
        ("SO WHAT? takeaway", "not yet"),
        ("Last change", "nothing typed yet"),
    ]
    assert cells[3:5] == [("People with a row", "1"), ("SO WHAT? takeaway", "written")]
    assert cells[5][1] not in ("", "nothing typed yet")
    # the event's set-up is editable
    console.title.value = "CPS spring webinar"
    console.objectives.value = "Hear each school\n\nName next steps"
    console.checkins.value = "Questions so far?"
    assert console.save()
    ev = storage.event(store, eid)
    assert (ev.title, ev.objectives, ev.checkins) == ("CPS spring webinar", ["Hear each school", "Name next steps"],
                                                      ["Questions so far?"])  # fmt: skip
    # a teammate's save in between is said, not overwritten
    storage.save_event(store, eid, ev.model_copy(update={"agreements": ["Be kind"]}), "Other coach")
    console.title.value = "Mine"
    assert not console.save() and "changed by someone else" in console.message.value
    assert storage.event(store, eid).agreements == ["Be kind"]
    # closing makes the links read-only
    console.toggle_closed()
    assert storage.event(store, eid).closed and "This event is closed" in console.rooms_html.value
    with pytest.raises(roomlinks.ClosedEvent):
        svc.save_field(link, "takeaway", "Late", "Start small")
    # follow-ups marked sent: by whom, when
    assert console.county.options == (COUNTY,) and "not sent yet" in console.sent_html.value
    console.mark_sent(COUNTY)
    sent = storage.followups_sent(store, eid)
    assert sent[COUNTY.casefold()].sent_by == "Coach Kim" and "sent by Coach Kim" in console.sent_html.value


def test_the_survey_and_room_server_loads_without_pandas():
    """Room links ride on the light survey server: serving them must not pull in pandas or the widgets."""
    from pathlib import Path

    code = (
        "import sys, orb_widgets.survey.app, orb_widgets.survey.rooms;"
        "print(sorted(m for m in ('pandas', 'numpy', 'ipywidgets', 'matplotlib') if m in sys.modules))"
    )
    root = Path(__file__).resolve().parent.parent
    run = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


def test_the_jupyter_server_extension_serves_room_links_beside_survey_links(workspace, monkeypatch):
    """JupyterLab or a hub's server with the extension on: /room/<token> is routed like /survey/<token>."""
    import logging

    from traitlets.config import Config, Configurable

    from orb_widgets.survey.app import load_jupyter_server_extension

    App.for_workspace(workspace, create=True)
    added = []

    class WebApp:
        def add_handlers(self, host, handlers):
            added.extend(handlers)

    class ServerApp(Configurable):
        base_url = "/user/kim/"
        web_app = WebApp()
        log = logging.getLogger("test")

    load_jupyter_server_extension(ServerApp(config=Config({"SurveyConfig": {"workspace": str(workspace)}})))
    routes = [h[0] for h in added]
    assert any(r.startswith("/user/kim/room/") and "token" in r for r in routes)
    assert any(r.startswith("/user/kim/survey/") for r in routes)


def test_a_county_team_sees_the_room_links_of_the_open_events_it_takes_part_in(workspace):
    from orb_widgets.widgets.breakout import CountyWebinarView

    store = App.for_workspace(workspace, create=True).store
    for name in (COUNTY, OTHER, "Cedar Flats County"):
        store.add_county(name)
    invited = roomlinks.create_event(store, "Invited", DAY, "cps", 2, "coach", counties=[COUNTY])
    sat_in = roomlinks.create_event(store, "Sat in", DAY, "cps", 1, "coach")
    closed = roomlinks.create_event(store, "Closed", DAY, "cps", 1, "coach", counties=[COUNTY])
    svc = roomlinks.RoomService(store)
    svc.save_person(svc.link(roomlinks.open_links(store, sat_in, "c")[0]), "", {"county": COUNTY, "step1": "x"})
    roomlinks.close_event(store, closed, "coach")
    # the room page offers the event's counties to pick from
    token = roomlinks.open_links(store, invited, "c")[0]
    assert svc.view(token, svc.link(token)).counties == [COUNTY]

    def shown(county):
        return "\n".join(str(c.value) for c in CountyWebinarView(store, county, "https://w.example.gov").children)

    mine = shown(COUNTY)
    for eid in (invited, sat_in):
        for t in roomlinks.open_links(store, eid, "c"):
            assert f"https://w.example.gov/room/{t}" in mine
    assert "Closed" not in mine and roomlinks.open_links(store, closed, "c")[0] not in mine
    assert "/room/" not in shown(OTHER)  # not invited, nobody in a room: no link
