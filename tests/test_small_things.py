"""Small things a new user noticed, each checked as they would see it."""

from __future__ import annotations

import html
import re
import shutil

import pytest

from orb_widgets.app import App
from orb_widgets.progress import STEPS, progress

CPM = "Alder Creek County"


def never(delay, callback):
    return None


def text_of(value: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", value)).split())


@pytest.fixture
def ws(shared_demo, tmp_path, monkeypatch):
    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    monkeypatch.delenv("ORB_COUNTY", raising=False)
    monkeypatch.setenv("ORB_NAME_FILE", str(tmp_path / "name"))
    shutil.copytree(shared_demo, tmp_path / "ws")
    return App.for_workspace(tmp_path / "ws").store


def test_start_here_counts_the_nine_steps_of_the_workbook(ws):
    from orb_widgets.widgets.start import StartHere

    lines = progress(ws, CPM)
    assert len(lines) == len(STEPS) == 9
    # each line is about the step of that number: its page is the step's page (step 2's next steps go to the matrix)
    assert [line.page for n, line in enumerate(lines) if n != 1] == [nb for n, (nb, _, _) in enumerate(STEPS) if n != 1]
    text = text_of(StartHere(ws, CPM).checklist.value)
    done = sum(line.done for line in lines)
    assert f"{done} of 9 steps done for {CPM}" in text
    assert "1. Workbook chosen" in text and "9. Implementation plan made" in text


def test_a_next_step_reported_done_shows_done_not_suggested(ws):
    from orb_widgets.progress import webinar_steps
    from orb_widgets.webinar import load_series
    from orb_widgets.webinar.views import county_key
    from orb_widgets.widgets.start import StartHere

    series = load_series(ws)
    reported = {
        d for rec in series.events for key, rb in rec.reportbacks.items() if key == county_key(CPM) for d in rb.done
    }
    steps = webinar_steps(ws, CPM)
    done = [s for s in steps if s.step in reported]
    assert done, "the demo has a county that reported a next step done"
    assert all(s.done for s in done) and not any(s.done for s in steps if s.step not in reported)
    page = text_of(StartHere(ws, CPM).webinar_steps.value)
    for s in done:
        assert re.search(rf"reported done(, in the matrix)? {re.escape(s.step)}", page)
        assert f"suggested {s.step}" not in page


def test_the_webinar_step_chooser_shows_a_step_when_it_offers_some(ws):
    from orb_widgets.widgets import PlanningMatrix
    from orb_widgets.widgets.context import WorkbookContext

    page = PlanningMatrix(WorkbookContext(ws, CPM, user="Ana", remember=False), scheduler=never)
    offered = page.suggest_choice.options
    assert offered and page.suggest_box.layout.display == "flex"
    assert page.suggest_choice.value == offered[0][1] and page.suggest_target.value is not None
    page.accept(page.suggest_choice.value, page.suggest_target.value)
    if page.suggest_choice.options:  # the next one is shown at once, never a blank box
        assert page.suggest_choice.value == page.suggest_choice.options[0][1]


def test_the_minutes_per_prompt_shown_agree_with_the_timer_of_the_event_on_screen(ws):
    from orb_widgets.webinar import storage
    from orb_widgets.widgets import webinar_page

    page = webinar_page(ws.folder, user="Coach", scheduler=never)
    series = page.children[1]
    for key, ev in storage.events(ws).items():
        series.choice.value = key
        timer = series.editor.timer
        shown = re.search(r"(\d+):(\d\d)", text_of(timer.left.value))
        assert shown and int(shown[1]) == ev.minutes_per_prompt == series.new_minutes.value, ev.title
    assert len({ev.minutes_per_prompt for ev in storage.events(ws).values()}) > 1, "the demo's events differ"


def test_ideas_from_several_rooms_are_phrases_never_single_words():
    from orb_widgets.webinar.models import Event, Room
    from orb_widgets.webinar.storage import EventRecord
    from orb_widgets.webinar.views import themes

    rooms = [
        Room(event="e", name="Room 1", takeaway="Give guides protected time.", notes={0: "We already started"}),
        Room(
            event="e",
            name="Room 2",
            takeaway="Leaders should give guides protected time first",
            notes={0: "already done"},
        ),
        Room(event="e", name="Room 3", takeaway="Already on it", notes={0: "Guides need protected time!"}),
    ]
    rec = EventRecord(id="e", event=Event(title="T", prompts=["p"]), rooms=rooms)
    found = {t.word: t.rooms for t in themes(rec)}
    assert found == {
        "guide protected time": ["Room 1", "Room 2", "Room 3"],
        "give guide protected": ["Room 1", "Room 2"],
    }
    assert list(found)[0] == "guide protected time"  # most rooms first
    assert all(2 <= len(p.split()) <= 3 for p in found)
    single = EventRecord(
        id="e",
        event=Event(title="T", prompts=["p"]),
        rooms=[Room(event="e", name=n, takeaway="already") for n in ("Room 1", "Room 2", "Room 3")],
    )
    assert themes(single) == []


def test_survey_open_prints_the_address_the_server_uses(ws, monkeypatch, capsys):
    """``orb serve --port 9123`` serves the links on 9123: ``orb survey open`` then prints 9123, not 8866."""
    from types import SimpleNamespace

    from orb_widgets import serve
    from orb_widgets.cli import main

    monkeypatch.delenv("ORB_SURVEY_URL", raising=False)
    seen = {}

    def fake_launch(**kw):  # the server itself is tested in test_serve; here only what the CLI remembers
        seen.update(kw)
        url = f"http://127.0.0.1:{kw['port']}/"
        return SimpleNamespace(
            url=url, page_url=lambda: url, process=SimpleNamespace(wait=lambda: 0), stop=lambda: None
        )

    monkeypatch.setattr(serve, "launch", fake_launch)
    ws_args = ["--workspace", str(ws.folder)]
    assert main(["survey", "open", "--unit", CPM, *ws_args]) == 0
    assert "http://127.0.0.1:8866/survey/" in capsys.readouterr().out  # never served: the default port
    assert main(["serve", "--form", "--port", "9123", *ws_args]) == 0 and seen["port"] == 9123
    capsys.readouterr()
    assert main(["survey", "open", "--unit", CPM, *ws_args]) == 0
    out = capsys.readouterr().out
    assert "http://127.0.0.1:9123/survey/" in out and "8866" not in out
    assert main(["survey", "open", "--unit", CPM, "--base-url", "https://survey.example.gov", *ws_args]) == 0
    assert "https://survey.example.gov/survey/" in capsys.readouterr().out


# ------------------------------------------------------------------ the demo, as a new user reads it
def _strings(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list | tuple):
        return [s for v in node for s in _strings(v)]
    return []


def test_demo_dates_are_relative_to_the_day_it_is_made_and_overdue_steps_are_flagged(tmp_path, monkeypatch, capsys):
    import datetime as dt

    from orb_widgets import packets, workbook
    from orb_widgets.cli import main
    from orb_widgets.demo import make_demo
    from orb_widgets.webinar import load_series

    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    today = dt.date.today()
    store = App.for_workspace(tmp_path / "ws", create=True).store
    names = make_demo(store, counties=6, seed=2026)
    states = set()
    for name in names:
        rows = workbook.load_all(store, name, "matrix_row")
        if not rows:
            continue
        text = " ".join(_text_lines(packets.Packet(store, name).section_html("matrix")))
        assert main(["plan", "--unit", name, "--workspace", str(store.folder)]) == 0
        cli = capsys.readouterr().out
        cli = " ".join(cli.split())
        for row in rows.values():
            for step in row.steps:
                late = step.by_when < today and step.status not in ("done", "dropped")
                soon = today <= step.by_when <= today + dt.timedelta(days=14) and step.status != "done"
                states.add("overdue" if late else "due soon" if soon else step.status)
                said = f"{step.text} ({step.who}; by {_long(step.by_when)}; {step.status}"
                assert said in cli, said
                if late:
                    assert f"{said}) OVERDUE" in cli and step.text in text
                elif soon:
                    assert f"{said}) DUE SOON" in cli
                else:
                    assert f"{said}) OVERDUE" not in cli
                if step.status == "done":
                    assert step.done_on <= today and f"{said} {_long(step.done_on)})" in cli
    assert {"overdue", "done", "due soon"} <= states
    # the plan runs around today, and the last review is recent
    plan = workbook.load(store, names[0], "plan", "main")
    assert min(a.start for a in plan.activities) < today < max(a.end or a.start for a in plan.activities)
    # the coach's events (the only breakout sessions since the county's own kick-off entry went) each
    # have a day of their own
    webinars = [rec.event.date for rec in load_series(store).events]
    assert len(webinars) >= 2 and len(set(webinars)) == len(webinars)


def _long(day) -> str:
    from orb_widgets.format import date

    return date(day)


def _text_lines(page: str) -> list[str]:
    return [text_of(page)]


def test_the_real_exports_test_fails_without_its_corpus_only_in_ci(tmp_path, monkeypatch):
    from test_real_exports import corpus_or_skip

    missing = tmp_path / "shared" / "real-exports" / "check.sh"
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=re.escape(str(missing.parent))):
        corpus_or_skip(missing)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="missing in CI"):
        corpus_or_skip(missing)
    missing.parent.mkdir(parents=True)
    missing.write_text("exit 0\n")
    corpus_or_skip(missing)  # present: the test runs


@pytest.mark.parametrize(
    "partial, context",
    [
        ("survey_count.html.j2", {"total": 12, "wave": "2026-spring", "roles": [], "rate": None}),
        ("survey_links.html.j2", {"links": [], "wave": "2026-spring"}),
        (
            "widget_context.html.j2",
            {
                "county": "Alder Creek County",
                "framework": "cpm-orb",
                "wave": "2026-spring",
                "change": "",
                "demo": "",
                "words": None,
            },
        ),
    ],
)
def test_a_wave_label_on_a_workbook_page_never_breaks_at_its_hyphen(partial, context):
    """On a phone "2026-" / "spring" read as two things: the label is set in a no-wrap span the pages style."""
    from orb_widgets.widgets.style import html as page_html
    from orb_widgets.widgets.style import style

    page = page_html(partial, **context)
    assert '<span class="orb-keep">2026-spring</span>' in page
    assert re.search(r"\.orb-keep\{white-space:nowrap\}", str(style()))
