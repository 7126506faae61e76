"""The coach's webinar series: routing to each county, the check-in across events, live rooms, exports."""

import csv
import datetime as dt
import io
import threading
from html.parser import HTMLParser

import mistune
import openpyxl
import pytest

import orb_widgets.store as store_module
from orb_widgets import webinar, workbook
from orb_widgets.app import App
from orb_widgets.cli import main
from orb_widgets.exceptions import StaleEdit
from orb_widgets.exports import table_bytes
from orb_widgets.instrument import tailor
from orb_widgets.store import Store
from orb_widgets.webinar import Person, ReportBack, Room

X, Y = "Bayside County", "Cedar Valley County"
TYPED = "wren   valley county"  # typed in a room; not in the workspace
SCRIPT = "<script>alert(1)</script>"
HOSTILE = [
    SCRIPT,
    '"><img src=x onerror=alert(1)>',
    '=HYPERLINK("http://evil.example","x")',
    "@SUM(1)",
    "+1",
    "-1+2",
    "\t=1+2",
    "[link](javascript:alert(1))",
    "*bold* _it_ `code` | pipe",
]


def never(delay, callback):
    return None


def two_events(store, x_step="X: survey our supervisors", y_step="Y: ask partners"):
    """Two events; rooms mix X, Y and a typed county; X and Y report back at the second."""
    for c in (X, Y):
        store.save_instrument(tailor("cpm-orb", county=c, elements=["A", "B"], points=5, min_group=3))
    first = webinar.new_event(
        store, "September webinar", dt.date(2025, 9, 18), "Coach", prompts=["Where are we starting?"], rooms=2
    )
    second = webinar.new_event(
        store, "October webinar", dt.date(2025, 10, 23), "Coach", prompts=["What did you try?"], rooms=2
    )
    webinar.save_room(
        store,
        first,
        0,
        Room(
            event=first,
            name="Room 1",
            reporter="Rae",
            takeaway="Start with supervisors",
            notes={0: "supervisors first"},
            people=[
                Person(name="Ana", county=X, role="Supervisor", steps=[x_step]),
                Person(name="Bo", county=Y, steps=[y_step]),
            ],
        ),
        "Rae",
        0,
    )
    webinar.save_room(
        store,
        first,
        1,
        Room(
            event=first,
            name="Room 2",
            reporter="Sam",
            takeaway="Ask partners early",
            notes={0: "partners and supervisors"},
            people=[
                Person(name="Cy", county="bayside  COUNTY", steps=["X: second"]),
                Person(name="Di", county=TYPED, steps=["W: visit"]),
            ],
        ),
        "Sam",
        0,
    )
    webinar.save_reportback(
        store,
        second,
        ReportBack(
            event=second,
            county=X,
            done=[x_step],
            activities="We met",
            learned="X learned a lot",
            next_step="X: survey staff",
        ),
        "Coach",
        0,
    )
    webinar.save_reportback(
        store, second, ReportBack(event=second, county=Y, learned="Y learned", next_step="Y: next"), "Coach", 0
    )
    webinar.save_room(
        store,
        second,
        0,
        Room(
            event=second,
            name="Room 1",
            takeaway="Keep it small",
            people=[Person(name="Ana", county=X, steps=["X: share results"])],
        ),
        "Rae",
        0,
    )
    return first, second


def test_a_next_step_reaches_its_own_county_and_nowhere_else(store):
    first, second = two_events(store)
    s = webinar.load_series(store)
    x_sugg = [g.step for g in webinar.suggestions(s, X)]
    assert {"X: survey our supervisors", "X: second", "X: share results"} == set(x_sugg)
    assert [g.step for g in webinar.suggestions(s, Y)] == ["Y: ask partners"]
    # the packet view: X's people and report-backs only
    px, py = webinar.packet_view(s, X), webinar.packet_view(s, Y)
    html_x, html_y = webinar.takeaways_html(px), webinar.takeaways_html(py)
    assert "X: survey our supervisors" in html_x and "X learned a lot" in html_x and "Ana" in html_x
    assert "Y: ask partners" not in html_x and "Bo" not in html_x and "W: visit" not in html_x
    assert "X: " not in html_y and "Y learned" in html_y
    # the follow-up after the first event, in every format
    fx = webinar.followup(s, first, "BAYSIDE county")
    assert [p.name for p in fx.people] == ["Ana", "Cy"] and fx.county == X
    assert [r.room for r in fx.rooms_heard] == ["Room 1", "Room 2"]
    for text in (webinar.followup_markdown(fx), webinar.followup_text(fx), webinar.followup_html(fx)):
        assert "X: survey our supervisors" in text and "October webinar" in text
        assert "Y: ask partners" not in text and "Bo" not in text and "W: visit" not in text
    fy = webinar.followup(s, first, Y)
    assert [p.name for p in fy.people] == ["Bo"] and [r.room for r in fy.rooms_heard] == ["Room 1"]
    # a county typed in a room gets its own follow-up, with nothing of X or Y
    fw = webinar.followup(s, first, "Wren Valley County")
    assert fw.county == "wren valley county"
    assert [p.name for p in fw.people] == ["Di"] and "X:" not in webinar.followup_text(fw)
    frame = webinar.export_frame(s, first, Y)
    assert set(frame["county"]) == {Y} and not frame["text"].str.contains("X:").any()


def test_the_county_workbook_offers_its_own_steps_and_accepts_one_into_the_matrix(tmp_path, monkeypatch):
    from orb_widgets.widgets import PlanningMatrix, StartHere
    from orb_widgets.widgets.context import WorkbookContext

    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    store = App.for_workspace(tmp_path / "ws", create=True).store
    two_events(store)
    start = StartHere(store, X)
    assert (
        "X: survey our supervisors" in start.webinar_steps.value and "Y: ask partners" not in start.webinar_steps.value
    )
    assert webinar.OWNER not in start.county.options
    start.county.value = Y
    assert "Y: ask partners" in start.webinar_steps.value and "X:" not in start.webinar_steps.value
    matrix = PlanningMatrix(WorkbookContext(store, X, user="Ana"), scheduler=never)
    offered = [v for _, v in matrix.suggest_choice.options]
    assert "X: survey our supervisors" in offered and not any(v.startswith("Y:") for v in offered)
    assert matrix.accept("X: survey our supervisors", "B")
    (step,) = workbook.load(store, X, "matrix_row", "B").steps
    assert (step.text, step.source, step.status) == ("X: survey our supervisors", "webinar", "not started")
    assert step.who == "Ana" and "September webinar" in step.note  # led by the person who named it, and where
    assert "X: survey our supervisors" not in [v for _, v in matrix.suggest_choice.options]
    assert "in the matrix" in StartHere(store, X).webinar_steps.value
    ym = PlanningMatrix(WorkbookContext(store, Y, user="Bo"), scheduler=never)
    assert [v for _, v in ym.suggest_choice.options] == ["Y: ask partners"]


def test_the_series_view_follows_each_county_across_two_events(store):
    first, second = two_events(store)
    s = webinar.load_series(store)
    rows = webinar.series_view(s)
    assert list(rows) == [X, Y, "wren valley county"]  # a typed county keeps its spelling, spaces tidied
    x = rows[X]
    assert [r.event_id for r in x] == [first, second]
    assert x[0].committed == ["X: survey our supervisors", "X: second"] and x[0].reported_done == []
    assert x[1].reported_done == ["X: survey our supervisors"] and x[1].learned == "X learned a lot"
    assert x[1].next_step == "X: survey staff" and x[1].committed == ["X: share results"]
    assert [r.event_id for r in rows["wren valley county"]] == [first]  # never came back
    op = webinar.opening(s, second)
    assert op.previous_title == "September webinar" and op.questions == webinar.REPORT_BACK_QUESTIONS
    assert {c.county: [st for p in c.steps for st in p.steps] for c in op.counties}[X] == [
        "X: survey our supervisors",
        "X: second",
    ]
    assert webinar.opening(s, first) is None
    only_y = webinar.series_view(s, Y)
    assert list(only_y) == [Y]
    themes = webinar.themes(s.get(first))
    assert themes == []  # the rooms share the word "supervisor" only: a single word is no idea
    assert [t.takeaway for t in webinar.quick_takeaways(s.get(first))] == [
        "Start with supervisors",
        "Ask partners early",
    ]


def test_three_reporters_typing_into_three_rooms_at_once_lose_nothing(any_store, db_url, monkeypatch):
    ev = webinar.new_event(any_store, "Live", None, "Coach", prompts=["p"], rooms=3)
    if db_url.startswith("postgresql"):  # all three inside the write window together
        barrier = threading.Barrier(3, timeout=60)
        monkeypatch.setattr(store_module, "race_hook", lambda name: barrier.wait() if name == "doc" else None)
    start, errors = threading.Barrier(3, timeout=60), []

    def reporter(n):
        start.wait()
        try:
            s = Store(db_url)
            for k in range(3):  # each keystroke burst saved on top of the reporter's own last version
                doc = s.get_doc(webinar.OWNER, "webinar_room", webinar.room_key(ev, n))
                webinar.save_room(
                    s,
                    ev,
                    n,
                    Room(
                        event=ev,
                        name=f"Room {n + 1}",
                        takeaway=f"room {n} v{k}",
                        people=[Person(name=f"P{n}", county=X, steps=[f"step {n}.{k}"])],
                    ),
                    f"Reporter {n}",
                    expected_version=doc.version if doc else 0,
                )
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=reporter, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    monkeypatch.setattr(store_module, "race_hook", None)
    assert errors == []
    rooms = webinar.rooms(any_store, ev)
    assert [r.takeaway for r in rooms] == ["room 0 v2", "room 1 v2", "room 2 v2"]
    assert [len(any_store.doc_history(webinar.OWNER, "webinar_room", webinar.room_key(ev, n))) for n in range(3)] == [
        3
    ] * 3
    # two reporters in the same room from the same version: the second is told, never overwrites silently
    webinar.save_room(any_store, ev, 0, Room(event=ev, name="Room 1", takeaway="mine"), "A", expected_version=3)
    with pytest.raises(StaleEdit):
        webinar.save_room(any_store, ev, 0, Room(event=ev, name="Room 1", takeaway="theirs"), "B", expected_version=3)


def test_the_coach_page_runs_rooms_and_its_compiled_view_follows_other_reporters(tmp_path, monkeypatch):
    from orb_widgets.widgets.breakout import CoachContext, WebinarSeries

    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    store = App.for_workspace(tmp_path / "ws", create=True).store
    two_events(store)
    page = WebinarSeries(CoachContext(store, user="Coach Kim"), scheduler=never)
    key = page.new_event("March webinar")
    assert page.event_id == key and len(page.room_choice.options) == 3
    room = page.editor
    assert page.room_box.children == (room,)
    page.show_room(0)  # the room already on screen is kept, not built a second time
    assert page.editor is room
    room.reporter.value = "Rae"
    room.people[0].person.value, room.people[0].county.value = "Eve", "bayside county"
    room.people[0].step1.value = "X: from the page"
    room.takeaway.value = "Room one's takeaway"
    room.timer.play.value = room.timer.play.max
    assert "Time is up" in room.timer.left.value
    page.room_choice.value = 1  # another room on screen: the first is saved first
    assert webinar.rooms(store, key)[0].people[0].county == "bayside county"
    other = webinar.rooms(store, key)[2]  # a reporter on another laptop writes room 3
    webinar.save_room(store, key, 2, other.model_copy(update={"takeaway": "Typed elsewhere"}), "Sam", 0)
    assert "Typed elsewhere" not in page.compiled.value
    page.live.value += 1  # the browser's timer ticks: the view reads every room again
    assert "Typed elsewhere" in page.compiled.value and "Room one&#39;s takeaway" in page.compiled.value
    assert "X: from the page" in page.compiled.value and "Next steps people take back" in page.compiled.value
    s = webinar.load_series(store)
    assert "X: from the page" in [g.step for g in webinar.suggestions(s, X)]
    assert page.add_room() == 3 and len(webinar.event(store, key).rooms) == 4
    page.choice.value = [k for _, k in page.choice.options if k.startswith("2025-10")][0]
    assert X in page.report_county.options
    page.report_county.value = X
    assert page.report_editor.done.value == ("X: survey our supervisors",)
    page.report_editor.why.value = "Because"
    page.flush()
    assert webinar.reportbacks(store, page.event_id)["bayside county"].why == "Because"
    page.follow_county.value = X
    assert "X: share results" in page.follow_html.value and "Y:" not in page.follow_html.value


def _seeded_hostile(store):
    for c in (X,):
        store.save_instrument(tailor("cpm-orb", county=c, elements=["A"], points=5, min_group=3))
    ev = webinar.new_event(store, HOSTILE[1], None, "Coach", prompts=HOSTILE[:2], rooms=1, questions=HOSTILE[:3])
    webinar.save_room(
        store,
        ev,
        0,
        Room(
            event=ev,
            name=HOSTILE[0],
            facilitator=HOSTILE[1],
            reporter=HOSTILE[2],
            notes={0: HOSTILE[0]},
            takeaway=HOSTILE[3],
            people=[
                Person(name=h, county=X, role=HOSTILE[4], steps=[h, HOSTILE[(k + 2) % 9]])
                for k, h in enumerate(HOSTILE)
            ],
        ),
        "Coach",
        0,
    )
    webinar.save_reportback(
        store,
        ev,
        ReportBack(event=ev, county=X, activities=HOSTILE[0], learned=HOSTILE[2], next_step=HOSTILE[7], why=HOSTILE[1]),
        "Coach",
        0,
    )
    return ev


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _live(html: str):
    p = _Tags()
    p.feed(html)
    return [
        (t, a)
        for t, a in p.tags
        if t in ("script", "img")
        or any(k.startswith("on") for k in a)
        or any(str(v).startswith("javascript") for v in a.values())
    ]


def test_hostile_text_is_inert_in_every_export(store):
    ev = _seeded_hostile(store)
    s = webinar.load_series(store)
    f = webinar.followup(s, ev, X)
    assert _live(webinar.followup_html(f)) == []
    assert _live(webinar.takeaways_html(webinar.packet_view(s, X))) == []
    assert _live(mistune.html(webinar.followup_markdown(f))) == []  # the Markdown, as a mail client shows it
    assert SCRIPT in mistune.html(webinar.followup_markdown(f)).replace("&lt;", "<").replace("&gt;", ">")
    rec = s.get(ev)
    for partial, kw in [
        (
            "webinar_compiled.html.j2",
            dict(
                title=rec.event.title,
                takeaways=webinar.quick_takeaways(rec),
                themes=webinar.themes(rec, 1),
                steps=webinar.views.next_steps(rec, s),
            ),
        ),
        ("webinar_series.html.j2", dict(rows=webinar.series_view(s))),
        ("webinar_suggestions.html.j2", dict(items=webinar.suggestions(s, X), taken=set())),
    ]:
        assert _live(webinar.render(partial, **kw)) == [], partial
    frame = webinar.export_frame(s, ev)
    for fmt in ("csv", "xlsx"):
        data = table_bytes(frame, fmt)
        if fmt == "csv":
            cells = [c for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")) for c in row]
        else:
            wb = openpyxl.load_workbook(io.BytesIO(data))
            assert not [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]
            cells = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row]
        live = [
            c
            for c in cells
            if isinstance(c, str)
            and c[:1] in ("=", "+", "@", "\t", "\r")
            or isinstance(c, str)
            and c.startswith("-")
            and c != "-"
        ]
        assert live == [] and any(str(c).startswith("'=HYPERLINK") for c in cells)


def test_orb_webinar_list_and_export(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    folder = tmp_path / "ws"
    first, second = two_events(App.for_workspace(folder, create=True).store)
    assert main(["webinar", "list", "--workspace", str(folder)]) == 0
    out = capsys.readouterr().out
    assert first in out and second in out and "wren valley county" in out
    assert main(["counties", "--workspace", str(folder)]) == 0
    assert webinar.OWNER not in capsys.readouterr().out
    assert main(["webinar", "export", "--workspace", str(folder), "--event", first, "--county", X]) == 0
    md = capsys.readouterr().out
    assert md.startswith(f"# {X}: after September webinar") and "Y: ask partners" not in md
    assert main(["webinar", "export", "--workspace", str(folder), "--event", first, "--format", "txt"]) == 0
    txt = capsys.readouterr().out
    assert txt.count(": after September webinar") == 3 and "Y: ask partners" in txt
    out_file = tmp_path / "f.csv"
    assert (
        main(
            [
                "webinar",
                "export",
                "--workspace",
                str(folder),
                "--event",
                first,
                "--county",
                Y,
                "--format",
                "csv",
                "--out",
                str(out_file),
            ]
        )
        == 0
    )
    rows = list(csv.DictReader(io.StringIO(out_file.read_text("utf-8-sig"))))
    assert {r["county"] for r in rows} == {Y} and {"next step", "room takeaway"} <= {r["kind"] for r in rows}
    capsys.readouterr()
    for bad, words in [
        (["--event", "nope"], "no webinar event 'nope'"),
        (["--event", first, "--county", "Nowhere County"], "nobody from 'Nowhere County'"),
        ([], "say which event"),
    ]:
        target = tmp_path / "never.md"
        assert main(["webinar", "export", "--workspace", str(folder), "--out", str(target), *bad]) == 2
        err = capsys.readouterr().err
        assert err.startswith("orb: ") and words in err and err.count("\n") == 1 and not target.exists()


def test_the_demo_has_a_two_event_series_with_report_backs(demo_store):
    s = webinar.load_series(demo_store)
    assert len(s.events) == 2
    first, second = s.events
    assert all(len({webinar.county_key(p.county) for p in r.people}) > 1 for r in first.rooms)  # mixed rooms
    assert len(second.reportbacks) >= 3
    county = demo_store.counties()[0].name
    view = webinar.packet_view(s, county)
    assert view.events and all(p for ev in view.events for p in ev.people)
    names = {p.name for ev in view.events for p in ev.people}
    others = {
        p.name
        for rec in s.events
        for r in rec.rooms
        for p in r.people
        if webinar.county_key(p.county) != webinar.county_key(county)
    }
    assert names and not names & others


def test_the_demo_never_has_two_people_of_a_county_take_home_the_same_step(demo_store):
    """What a county's team sees on Start here: each suggestion once, and each report-back's own reason."""
    s = webinar.load_series(demo_store)
    for ev in s.events:
        taken = {}
        for r in ev.rooms:
            for p in r.people:
                for step in p.steps:
                    key = (webinar.county_key(p.county), step)
                    assert key not in taken, f"{p.name} and {taken[key]} both take home {step!r} at {ev.title}"
                    taken[key] = p.name
    whys = [rb.why for ev in s.events for rb in ev.reportbacks.values()]
    assert len(whys) >= 3 and len(set(whys)) > 1


def test_each_countys_packet_shows_its_own_webinar_steps_and_no_other_countys(tmp_path, monkeypatch):
    """Through the real packet build: X's packet has X's steps and report-back, never Y's."""
    from orb_widgets import packets

    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    folder = tmp_path / "ws"
    s = App.for_workspace(folder, create=True).store
    two_events(s)
    report = packets.run_packets(folder, out=tmp_path / "out", pdf=False, progress=False, workers=1)
    assert report.ok, report.summary()
    pages = {c: (tmp_path / "out" / f"{s.county(c).slug}.html").read_text("utf-8") for c in (X, Y)}
    assert "X: survey our supervisors" in pages[X] and "X learned a lot" in pages[X]
    assert "Y: ask partners" in pages[Y] and "Y learned" in pages[Y]
    for leak in ("Y: ask partners", "Y learned", "W: visit"):
        assert leak not in pages[X]
    for leak in ("X: survey our supervisors", "X learned a lot", "W: visit"):
        assert leak not in pages[Y]
    # the coach's series is no county of its own: no packet for it
    assert sorted(p.name for p in (tmp_path / "out").glob("*.html")) == sorted(
        [f"{s.county(X).slug}.html", f"{s.county(Y).slug}.html", "index.html"]
    )


# ------------------------------------------------------------------ older workspaces
#: A breakout session as older versions saved it in a county's own workbook (kind "breakout").
OLD_SESSION = {
    "title": "Kick-off with # managers",
    "date": "2025-09-18",
    "minutes_per_prompt": 10,
    "rooms": [
        {
            "name": "Room 1",
            "facilitator": "Fay",
            "reporter": "Ray",
            "notes": {"0": "old note"},
            "takeaway": "X: old takeaway",
            "next_steps": [{"person": "Ola", "steps": ["X: old step"]}, {"person": "", "steps": ["X: nameless step"]}],
        },
        {"name": "Room 2", "reporter": "Rex", "takeaway": "X: second room", "next_steps": []},
    ],
}


def test_an_older_workspace_with_a_countys_own_breakout_opens_builds_its_packets_and_moves_it_on_upgrade(
    tmp_path, monkeypatch, capsys
):
    from orb_widgets import packets

    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    folder = tmp_path / "ws"
    s = App.for_workspace(folder, create=True).store
    two_events(s)
    s.put_doc(X, "breakout", "webinar-1", OLD_SESSION, user="an older version")
    s.put_doc(Y, "breakout", "broken", {"rooms": "not a list"}, user="an older version")

    def pages(out):
        report = packets.run_packets(folder, out=tmp_path / out, pdf=False, progress=False, workers=1)
        assert report.ok, report.summary()
        return {c: (tmp_path / out / f"{s.county(c).slug}.html").read_text("utf-8") for c in (X, Y)}

    # it opens, says what is not shown, and its packets build without it
    assert main(["init", "--workspace", str(folder)]) == 0
    assert "holds 2 breakout sessions recorded in an older version" in capsys.readouterr().out
    before = pages("before")
    assert "X: survey our supervisors" in before[X] and "X: old step" not in before[X]
    # the upgrade moves it into the coach's series as X's own, and names the one it cannot read
    assert main(["init", "--upgrade", "--workspace", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "Moved 1 breakout session" in out and f"{Y}: broken" in out and out.count("\n") == 3
    series = webinar.load_series(s)
    moved = [rec for rec in series.events if rec.event.title == f"Kick-off with # managers ({X})"]
    assert len(moved) == 1 and moved[0].event.date == dt.date(2025, 9, 18)
    part = next(ev for ev in webinar.packet_view(series, X).events if ev.title == moved[0].event.title)
    assert [r.takeaway for r in part.rooms] == ["X: old takeaway", "X: second room"]
    assert {s for p in part.people for s in p.steps} == {"X: old step", "X: nameless step"}
    assert webinar.followup_markdown(webinar.followup(series, moved[0].id, X)).startswith(
        f"# {X}: after Kick-off with \\# managers"
    )
    after = pages("after")
    for text in ("X: old step", "X: nameless step", "X: old takeaway", "X: second room", "X: survey our supervisors"):
        assert text in after[X] and text not in after[Y]
    assert "Y: ask partners" in after[Y]
    # the old entry's history keeps it; a second upgrade moves nothing more
    assert s.doc_history(X, "breakout", "webinar-1")[0].body == OLD_SESSION
    assert main(["init", "--upgrade", "--workspace", str(folder)]) == 0
    assert "Moved" not in capsys.readouterr().out
    assert len(webinar.load_series(s).events) == len(series.events) == 3


def test_two_upgrades_at_once_move_an_old_breakout_once(any_store, monkeypatch):
    from orb_widgets.webinar import legacy

    any_store.save_instrument(tailor("cpm-orb", county=X, elements=["A"], points=5, min_group=3))
    any_store.put_doc(X, "breakout", "s1", OLD_SESSION, user="an older version")
    real, raced = any_store.put_doc, []

    def put_doc(county, kind, key, body, user, expected_version=None):
        if kind == "breakout" and not raced:  # another upgrade moves it just before this one claims it
            raced.append("started")
            raced.append(legacy.move_breakouts(any_store))
        return real(county, kind, key, body, user, expected_version)

    monkeypatch.setattr(any_store, "put_doc", put_doc)
    assert legacy.move_breakouts(any_store).events == []
    assert len(raced[1].events) == 1 and len(webinar.events(any_store)) == 1 and legacy.waiting(any_store) == 0


def test_typed_text_never_changes_the_shape_of_the_follow_up_e_mails(store):
    """Headings, lists and tables in the Markdown and plain-text e-mails come from the templates only."""
    store.save_instrument(tailor("cpm-orb", county=X, elements=["A"], points=5, min_group=3))
    typed = [
        "# Not a heading",
        "1. not a numbered list",
        "- not an item",
        "| a | b |\n|---|---|\n| c | d |",
        "line one\n\n## WHAT THE ROOMS YOU WERE IN TOOK AWAY",
        "=1+2",
        "---",
        "> not a quote",
    ]
    ev = webinar.new_event(store, "# Title | with pipe", dt.date(2025, 9, 18), "Coach", rooms=1, questions=typed[:3])
    webinar.save_room(
        store,
        ev,
        0,
        Room(
            event=ev,
            name="| Room |",
            takeaway=typed[3],
            people=[
                Person(name=t, county=X, role=typed[(k + 1) % len(typed)], steps=[typed[(k + 2) % len(typed)]])
                for k, t in enumerate(typed)
            ],
        ),
        "Coach",
        0,
    )
    s = webinar.load_series(store)
    f = webinar.followup(s, ev, X)
    page = mistune.html(webinar.followup_markdown(f))
    tags = _Tags()
    tags.feed(page)
    names = [t for t, _ in tags.tags]
    assert names.count("h1") == 1 and names.count("h2") == 3 and "table" not in names and "blockquote" not in names
    assert "hr" not in names and names.count("ol") == 1  # the questions' list only
    assert names.count("li") == len(typed) * 2 + 1 + 3  # people, their steps, one room, questions
    shown = " ".join(page.replace("&gt;", ">").replace("&quot;", '"').split())
    for t in typed:
        assert " ".join(t.split()) in shown, t  # every typed text, as typed
    text = webinar.followup_text(f)
    heads = [line for line in text.splitlines() if line.isupper()]
    assert heads == [
        "YOUR PEOPLE AND THEIR NEXT STEPS",
        "WHAT THE ROOMS YOU WERE IN TOOK AWAY",
        "QUESTIONS FOR THE NEXT WEBINAR",
    ]
    # title, underline, date, greeting and the first heading; a line per person and per step; the room; questions
    assert len(text.splitlines()) == 7 + len(typed) * 2 + 3 + 2 + 3


def test_a_person_row_with_only_a_county_or_a_role_typed_is_kept():
    """The coach's room view keeps a person's row as soon as anything is typed in it."""
    from orb_widgets.widgets.breakout import PersonRow

    row = PersonRow(1, ["Alder Creek County"])
    assert row.body() is None  # nothing typed: no row
    row.county.value = "Alder Creek County"
    assert row.body()["county"] == "Alder Creek County"
    row.county.value, row.role.value = "", "supervisor"
    assert row.body()["role"] == "supervisor"
