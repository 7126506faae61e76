"""The workbook pages, driven from code as a person would use them (no browser).

Each test sets values, clicks buttons and flushes the autosave against a demo
workspace in a temporary folder, then checks what the person would notice:
what is in the store, under whose name, and what the page says.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import ipywidgets as w
import pytest
from traitlets import TraitError

from orb_widgets import workbook
from orb_widgets.app import App
from orb_widgets.content import load_framework
from orb_widgets.exceptions import UnknownCounty
from orb_widgets.instrument import tailor
from orb_widgets.merge import merge3
from orb_widgets.store import NewResponse
from orb_widgets.widgets import (
    FollowUpBoard,
    ImplementationPlan,
    KeyMessages,
    PlanningMatrix,
    ResultsDashboard,
    StartHere,
    TailorAssessment,
    TestingProfile,
    WorkbookContext,
    progress,
)
from orb_widgets.widgets.autosave import Autosave

CPM = "Alder Creek County"  # demo: CPM pack, matrix + profile saved
CPM_EMPTY = "Bayside County"  # demo: CPM pack, no matrix rows, no profile
CPS = "Driftwood Municipality"  # demo: CPS pack, 4-point scale, competence levels, matrix + profile saved


def never(delay, callback):
    """A scheduler that never fires: saving happens only on flush()."""
    return None


@pytest.fixture(scope="module")
def demo_folder(shared_demo):
    """The session's demo workspace; each test works on its own copy."""
    return shared_demo


@pytest.fixture
def ws(demo_folder, tmp_path, monkeypatch):
    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    monkeypatch.delenv("ORB_COUNTY", raising=False)
    monkeypatch.setenv("ORB_NAME_FILE", str(tmp_path / "name"))
    shutil.copytree(demo_folder, tmp_path / "ws")
    return App.for_workspace(tmp_path / "ws").store


def ctx_for(store, county, user="Ana Example"):
    return WorkbookContext(store, county, user=user, remember=False)


def doc(store, county, kind, key):
    return store.get_doc(county, kind, key)


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


# ------------------------------------------------------------------ shared pieces
def test_autosave_waits_for_quiet_then_saves_once():
    now, scheduled, saved = [0.0], [], []
    auto = Autosave(
        lambda: saved.append(now[0]),
        delay=1.0,
        scheduler=lambda d, cb: scheduled.append((d, cb)) or object(),
        clock=lambda: now[0],
    )
    auto.touch()
    now[0] = 0.5
    auto.touch()  # typed again: the save waits for a full quiet second
    assert len(scheduled) == 1 and saved == []
    now[0] = 1.0
    scheduled.pop()[1]()  # the first wake-up comes too early: reschedules
    assert saved == [] and scheduled and scheduled[-1][0] == pytest.approx(0.5)
    now[0] = 1.6
    scheduled.pop()[1]()
    assert saved == [1.6]
    auto.flush()  # nothing pending: no second save
    assert saved == [1.6]


def test_autosave_outside_an_event_loop_saves_at_once():
    saved = []
    Autosave(lambda: saved.append(1)).touch()
    assert saved == [1]


def test_merge3_keeps_both_teammates_changes_and_reports_real_conflicts():
    base = {"a": "x", "b": "y", "list": [1]}
    merged, conflicts = merge3(base, {"a": "mine", "b": "y", "list": [1, 2]}, {"a": "x", "b": "theirs", "list": [1, 3]})
    assert merged == {"a": "mine", "b": "theirs", "list": [1, 3, 2]} and conflicts == []
    merged, conflicts = merge3(base, {**base, "a": "mine"}, {**base, "a": "theirs"})
    assert merged["a"] == "mine" and conflicts == ["a"]


def test_context_county_is_fixed_and_not_a_browser_trait(ws):
    ctx = ctx_for(ws, CPM)
    assert "county" not in ctx.keys and "workspace" not in ctx.keys
    with pytest.raises(AttributeError):
        ctx.county = CPS
    page = TestingProfile(ctx, scheduler=never)
    assert "county" not in page.keys
    theirs = doc(ws, CPS, "testing_profile", "main")
    page.set_state({"county": CPS})  # a crafted message naming another county changes nothing
    page.sections["a"].value = "Ours"
    page.flush()
    assert doc(ws, CPM, "testing_profile", "main").body["sections"]["a"] == "Ours"
    assert doc(ws, CPS, "testing_profile", "main") == theirs
    with pytest.raises(UnknownCounty):
        ctx_for(ws, "No Such County")


def test_the_county_picked_on_start_belongs_to_that_page_not_the_workspace(ws):
    from orb_widgets.settings import Settings
    from orb_widgets.widgets import open_county

    served = Settings(workspace=ws.folder, served=True, remember_name=False)
    start = StartHere(ws, settings=served)
    start.county.value = CPS
    # Ana's step links now carry her county ...
    assert "07-planning-matrix.ipynb?county=Driftwood+Municipality" in start.links.value
    assert "county=Driftwood+Municipality" in start.checklist.value
    # ... while Ben's pages, opened without it, still open on the first county,
    assert open_county(ws.folder, user="Ben", settings=served).county == CPM
    assert ws.get_meta("workbook_county") is None
    # and a page opened from Ana's link works on hers.
    ana = open_county(ws.folder, user="Ana", settings=served.with_(page_query="county=Driftwood+Municipality"))
    assert ana.county == CPS
    assert "01-start-here.ipynb?county=Driftwood+Municipality" in ana.children[0].value


def test_a_page_address_naming_an_unknown_county_shows_one_plain_line(ws):
    from orb_widgets.exceptions import OrbError
    from orb_widgets.settings import Settings
    from orb_widgets.widgets import open_county, start_here

    served = Settings(workspace=ws.folder, served=True, page_query="county=%3Cb%3ENowhere")
    with pytest.raises(OrbError) as err:
        open_county(ws.folder, settings=served)
    assert err.value._render_traceback_() == [f"orb: {err.value}"]
    page = start_here(ws.folder, settings=served)
    assert "cannot open" in page.value and "<b>Nowhere" not in page.value and "&lt;b&gt;Nowhere" in page.value


def test_a_locked_workbook_offers_and_opens_its_county_only(ws):
    from orb_widgets.settings import CountyLocked, Settings
    from orb_widgets.widgets import open_county, start_here
    from orb_widgets.widgets.context import PageRefused

    locked = Settings(workspace=ws.folder, served=True, county=CPM, locked=True)
    start = start_here(ws.folder, settings=locked)
    assert list(start.county.options) == [CPM] and start.county.disabled
    assert "Driftwood" not in start.links.value + start.checklist.value
    # a crafted widget message picking another county is refused by the control itself
    with pytest.raises(TraitError):
        start.county.set_state({"index": 1})
    start.county.set_state({"_options_labels": [CPS]})  # relabelling the list changes nothing stored
    assert start.county.value == CPM
    # a crafted click on the (hidden) "Add county" button adds nothing
    n = len(ws.counties())
    assert start.add_county("Sneaky County", "cpm-orb") is False and len(ws.counties()) == n
    # the page address and the notebook parameters cannot name another county
    assert isinstance(start_here(ws.folder, settings=locked.with_(page_query="county=Driftwood+Municipality")), w.HTML)
    with pytest.raises(PageRefused, match=f"open for {CPM} only"):
        open_county(ws.folder, settings=locked.with_(page_query="county=Driftwood+Municipality"))
    with pytest.raises(CountyLocked):
        open_county(ws.folder, CPS, settings=locked.with_(served=False))
    assert open_county(ws.folder, settings=locked.with_(page_query=f"county={CPM}")).county == CPM
    assert open_county(ws.folder, settings=locked).county == CPM


def test_pending_edits_are_saved_when_the_editor_closes_or_the_kernel_exits(ws):
    from orb_widgets.widgets.autosave import flush_all

    ctx = ctx_for(ws, CPM_EMPTY)
    page = TestingProfile(ctx, scheduler=lambda d, cb: object())  # a timer that has not fired yet
    page.sections["a"].value = "Typed just before closing the tab"
    assert doc(ws, CPM_EMPTY, "testing_profile", "main") is None
    page.close()
    assert doc(ws, CPM_EMPTY, "testing_profile", "main").body["sections"]["a"].startswith("Typed just")

    plan = ImplementationPlan(ctx, scheduler=lambda d, cb: object())
    before = doc(ws, CPM_EMPTY, "plan", "main")
    plan.vision.value = "Every family hears it first from their worker"
    assert doc(ws, CPM_EMPTY, "plan", "main") == before
    assert flush_all() >= 1  # what runs at interpreter exit
    assert doc(ws, CPM_EMPTY, "plan", "main").body["vision"].startswith("Every family")


# ------------------------------------------------------------------ saving, reopening, teammates
@pytest.mark.parametrize("county", [CPM, CPS])
def test_every_saved_field_comes_back_on_reopen(ws, county):
    """Opening a page and saving without changes must give back exactly what was stored."""
    ctx = ctx_for(ws, county)
    editors = [
        TestingProfile(ctx, scheduler=never),
        ImplementationPlan(ctx, scheduler=never),
        KeyMessages(ctx, scheduler=never).editor,
        FollowUpBoard(ctx, scheduler=never).editor,
        *PlanningMatrix(ctx, scheduler=never).editors.values(),
    ]
    for ed in editors:
        stored = ws.get_doc(county, ed.kind, ed.key)
        if stored is None:
            continue
        shown = workbook.validate(ed.kind, ed.collect()).model_dump(mode="json")
        assert shown == workbook.validate(ed.kind, stored.body).model_dump(mode="json"), ed.kind


def test_profile_edit_is_saved_with_the_name_and_shown_on_reopen(ws):
    page = TestingProfile(ctx_for(ws, CPM_EMPTY, "Ana Example"), scheduler=never)
    assert "Nothing saved yet" in page.status.text
    page.sections["b"].value = "We tried two short messages at unit meetings."
    assert "Not saved yet" in page.status.text
    page.flush()
    saved = doc(ws, CPM_EMPTY, "testing_profile", "main")
    assert saved.updated_by == "Ana Example"
    assert saved.body["sections"]["b"].startswith("We tried")
    assert re.search(r"Saved · by Ana Example at \d\d:\d\d", page.status.text)
    again = TestingProfile(ctx_for(ws, CPM_EMPTY, "Ben Example"), scheduler=never)
    assert again.sections["b"].value.startswith("We tried")
    assert "by Ana Example" in again.status.text


def test_teammates_editing_different_fields_are_merged(ws):
    ana = TestingProfile(ctx_for(ws, CPM_EMPTY, "Ana"), scheduler=never)
    ben = TestingProfile(ctx_for(ws, CPM_EMPTY, "Ben"), scheduler=never)
    ana.sections["a"].value = "Ana's part"
    ana.flush()
    ben.sections["c"].value = "Ben's part"
    ben.flush()
    body = doc(ws, CPM_EMPTY, "testing_profile", "main").body
    assert body["sections"]["a"] == "Ana's part" and body["sections"]["c"] == "Ben's part"
    assert ben.sections["a"].value == "Ana's part"  # Ben now sees Ana's text too
    assert "merged with Ana" in ben.status.text


def test_stale_edit_keeps_the_persons_text_and_says_so(ws):
    ana = TestingProfile(ctx_for(ws, CPM_EMPTY, "Ana"), scheduler=never)
    ben = TestingProfile(ctx_for(ws, CPM_EMPTY, "Ben"), scheduler=never)
    ana.sections["a"].value = "Ana wrote this"
    ana.flush()
    ben.sections["a"].value = "Ben wrote this"
    ben.flush()
    assert ben.sections["a"].value == "Ben wrote this"  # never dropped
    assert ben.status.kind == "warn" and "Ana changed the same part" in ben.status.text
    assert "Your text is still here" in ben.status.text
    assert ben.conflict_box.layout.display == "flex"
    assert doc(ws, CPM_EMPTY, "testing_profile", "main").body["sections"]["a"] == "Ana wrote this"
    ben.keep_mine.click()
    assert doc(ws, CPM_EMPTY, "testing_profile", "main").body["sections"]["a"] == "Ben wrote this"
    history = ws.doc_history(CPM_EMPTY, "testing_profile", "main")
    assert [h.updated_by for h in history] == ["Ana", "Ben"]


def test_taking_the_teammates_version_keeps_mine_in_the_history(ws):
    ana = TestingProfile(ctx_for(ws, CPM_EMPTY, "Ana"), scheduler=never)
    ben = TestingProfile(ctx_for(ws, CPM_EMPTY, "Ben"), scheduler=never)
    ana.sections["a"].value = "Ana wrote this"
    ana.flush()
    ben.sections["a"].value = "Ben wrote this"
    ben.flush()
    ben.use_theirs.click()
    assert ben.sections["a"].value == "Ana wrote this"
    bodies = [h.body["sections"]["a"] for h in ws.doc_history(CPM_EMPTY, "testing_profile", "main")]
    assert "Ben wrote this" in bodies and bodies[-1] == "Ana wrote this"


# ------------------------------------------------------------------ breakout (the coach's series: test_webinar.py)
def test_prompt_timer_counts_down_without_waiting(ws):
    from orb_widgets.widgets.breakout import CoachContext, WebinarSeries

    page = WebinarSeries(CoachContext(ws, user="Coach"), scheduler=never)
    page.new_minutes.value = 5
    page.new_event("Timer test")
    room = page.editor
    assert "5:00 left" in room.timer.left.value
    room.timer.play.value = 150
    assert "2:30 left" in room.timer.left.value
    room.timer.play.value = 300
    assert "Time is up" in room.timer.left.value
    room.next_button.click()  # next prompt: timer starts over, notes box changes
    assert room.current == 1 and room.timer.play.value == 0
    assert "Prompt 2 of 4" in room.prompt_head.value
    assert room.notes[1].layout.display == "flex" and room.notes[0].layout.display == "none"


# ------------------------------------------------------------------ key messages
def test_key_message_test_is_recorded_and_versions_compare(ws):
    page = KeyMessages(ctx_for(ws, CPM_EMPTY, "Ana"), scheduler=never)
    key = page.new_message("Why now")
    ed = page.editor
    ed.wording.value = "This is how we already work, named."
    ed.flush()
    ed.audience.value = "Supervisors"
    ed.event.value = "Huddle"
    ed.people.value = 12
    ed.when.value = dt.date(2026, 3, 1)
    for c in ed.ratings.values():
        c.value = 4
    ed.feedback.value = "Liked it"
    ed.record_button.click()
    assert "recorded" in ed.test_message.value
    assert ed.new_version()
    ed.wording.value = "Revised wording"
    ed.flush()
    body = doc(ws, CPM_EMPTY, "key_message", key).body
    assert [v["version"] for v in body["versions"]] == [1, 2]
    assert body["versions"][0]["text"] == "This is how we already work, named."
    assert body["versions"][1]["text"] == "Revised wording"
    assert body["tests"][0]["ratings"]["clear"] == 4 and body["tests"][0]["people"] == 12
    assert "<img" in ed.chart.value and "Supervisors" in ed.tests_table.value


def test_message_tests_read_in_the_order_they_happened_under_one_heading(ws):
    page = KeyMessages(ctx_for(ws, CPM_EMPTY, "Ana"), scheduler=never)
    page.new_message("Order")
    ed = page.editor
    ed.wording.value = "First words."
    ed.flush()
    assert ed.record_test(audience="Later group", date="2026-03-09", people=5, ratings={"clear": 3})
    assert ed.record_test(audience="Earlier group", date="2026-03-02", people=5, ratings={"clear": 4})
    assert ed.new_version()
    ed.wording.value = "Second words."
    ed.flush()
    assert ed.record_test(audience="Version two group", date="2026-03-01", people=5, ratings={"clear": 5})
    text = text_of(ed.tests_table.value)
    assert text.index("Earlier group") < text.index("Later group") < text.index("Version two group")
    assert "March 2, 2026" in text
    # The section heading says "Tests so far"; the table does not say it again.
    assert "Tests so far" not in text and "Ratings from 1 (not at all) to 5 (very much)" in text


def _opened_in_a_fresh_kernel(ws, page: str, county: str, shown: str) -> tuple[str, bool]:
    """What ``shown`` (an expression of ``page``) holds when the page opens in a new Python, and
    whether that Python imported matplotlib to show it."""
    opened = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys\n"
            "from orb_widgets.app import App\n"
            f"from orb_widgets.widgets import {page}\n"
            "from orb_widgets.widgets.context import WorkbookContext\n"
            f"store = App.for_workspace({str(ws.folder)!r}).store\n"
            f"page = {page}(WorkbookContext(store, {county!r}, user='Ana', remember=False), scheduler=lambda d, c: None)\n"
            f"print({shown})\n"
            "print('matplotlib' in sys.modules, file=sys.stderr)\n",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
    )
    assert opened.returncode == 0, opened.stderr
    return opened.stdout.strip(), opened.stderr.strip().endswith("True")


def test_a_message_chart_is_drawn_once_and_again_only_when_a_rating_changes(ws):
    """Opening step 3 again shows the kept drawing: no matplotlib in a fresh kernel; a new test redraws."""
    shown = KeyMessages(ctx_for(ws, CPM), scheduler=never).editor.chart.value
    assert "<img" in shown
    again, drew = _opened_in_a_fresh_kernel(ws, "KeyMessages", CPM, "page.editor.chart.value")
    assert again == shown.strip() and not drew  # the same chart, for wide screens and phones, not drawn
    ed = KeyMessages(ctx_for(ws, CPM), scheduler=never).editor
    assert ed.record_test(audience="A new group", date="2026-03-09", people=6, ratings={"clear": 1})
    assert ed.chart.value != shown and "A new group" in base64_text(ed.chart.value)


def test_plan_charts_are_drawn_once_and_again_only_when_the_plan_changes(ws):
    page = ImplementationPlan(ctx_for(ws, CPS, "Ana"), scheduler=never)
    shown = page.timeline.value + page.competence_chart.value
    assert shown.count("<img") >= 4  # each chart for wide screens and for phones
    again, drew = _opened_in_a_fresh_kernel(
        ws, "ImplementationPlan", CPS, "page.timeline.value + page.competence_chart.value"
    )
    assert again == shown.strip() and not drew
    now = page.competence["user"][0]
    now.value = 35 if now.value != 35 else 45
    page.flush()
    assert page.competence_chart.value not in shown and page.timeline.value in shown


def base64_text(markup: str) -> str:
    """The text of every SVG image a widget's HTML holds as a data address."""
    import base64

    return " ".join(
        base64.b64decode(m).decode("utf-8") for m in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", markup)
    )


def test_crafted_rating_and_question_are_refused_and_nothing_saved(ws):
    page = KeyMessages(ctx_for(ws, CPM), scheduler=never)
    ed = page.editor
    before = doc(ws, CPM, "key_message", page.choice.value).version
    with pytest.raises(TraitError):
        ed.ratings["clear"].value = 9  # the control itself only holds 0..5
    assert not ed.record_test(audience="Staff", ratings={"clear": 9})
    assert "must be 1 to 5" in text_of(ed.test_message.value)
    assert not ed.record_test(audience="Staff", ratings={"hacked": 3})
    assert "not one of the feedback questions" in text_of(ed.test_message.value)
    assert not ed.record_test(audience="Staff", version=99)
    assert doc(ws, CPM, "key_message", page.choice.value).version == before


# ------------------------------------------------------------------ tailoring
def test_tailor_saves_the_chosen_elements_scale_and_wording(ws):
    ws.add_county("New Example County", "cpm-orb")
    page = TailorAssessment(ctx_for(ws, "New Example County", "Ana"), scheduler=never)
    assert "no survey" in page.version_note.value.lower()
    for e, check in page.element_checks.items():
        check.value = e in ("A", "C")
    page.items["C2"].use.value = False
    page.items["A1"].wording.value = "I know why our county uses the practice model."
    page.points.value = 4
    page.role_checks["partners"].value = False
    assert page.preview()
    frame = page.preview_box.children[1].value  # the survey page itself, in a sandboxed frame
    assert "sandbox" in frame and "I know why our county uses the practice model." in frame
    import html

    page_in_frame = html.unescape(re.search(r'srcdoc="([^"]*)"', frame).group(1))  # one attribute: all escaped
    assert "Part 2 of 2" in page_in_frame and "disabled" in page_in_frame and 'action="#"' in page_in_frame
    for e, check in page.element_checks.items():  # the part's name is its heading: the box says what it does
        assert page.fw.element(e).name not in check.description and "Ask about part" in check.description
    inst = page.save()
    assert (inst.county, inst.elements) == ("New Example County", ["A", "C"])
    saved = ws.current_instrument("New Example County")
    assert saved.id == inst.id and saved.elements == ["A", "C"] and saved.scale.points == 4
    assert "C2" not in {i.id for i in saved.items}
    a1 = saved.item("A1")
    assert a1.text.startswith("I know why our county") and a1.based_on == "A1"
    assert "partners" not in {r.id for r in saved.roles}
    assert "version 1" in page.status.text
    assert "[A1] I know why our county" in page.export("text").read_text("utf-8")
    assert page.export("print").suffix == ".html"


def test_tailor_says_a_new_version_is_made_once_answers_exist(ws):
    page = TailorAssessment(ctx_for(ws, CPM), scheduler=never)
    assert "makes <b>version 2</b>" in page.version_note.value
    page.items["A1"].wording.value = "Reworded"
    page.save()
    assert "new version 2" in page.status.text
    assert [v["version"] for v in ws.instrument_versions(CPM)] == [1, 2]


def test_tailor_draft_survives_a_restart(ws):
    page = TailorAssessment(ctx_for(ws, CPM, "Ana"), scheduler=never)
    page.items["B1"].wording.value = "Our own words"
    page.flush()
    again = TailorAssessment(ctx_for(ws, CPM, "Ben"), scheduler=never)
    assert again.items["B1"].wording.value == "Our own words"
    assert "unsaved changes are back (by Ana" in again.status.text


def test_tailor_refuses_an_empty_survey(ws):
    page = TailorAssessment(ctx_for(ws, CPM), scheduler=never)
    for check in page.role_checks.values():
        check.value = False
    assert page.save() is None and "at least one group" in page.status.text
    assert [v["version"] for v in ws.instrument_versions(CPM)] == [1]


# ------------------------------------------------------------------ results
def open_every_tab(page) -> None:
    """Go through the results' tabs as a person does (a tab is filled when it is first opened)."""
    for index in range(len(page.tabs.children)):
        page.tabs.selected_index = index


def test_results_tabs_are_filled_when_opened_and_kept_for_the_next_page(ws):
    page = ResultsDashboard(ctx_for(ws, CPM))
    assert page.overview.value and page.headline.value  # the tab on show
    assert page.detail.value == "" and page.roles.value == ""  # not sent until someone opens them
    open_every_tab(page)
    assert all(getattr(page, part).value for part in page.PARTS)
    # the next person's page reads what this one made, and shows the same
    again = ResultsDashboard(ctx_for(ws, CPM))
    open_every_tab(again)
    assert not again._entry.computed
    assert [getattr(again, p).value for p in again.PARTS] == [getattr(page, p).value for p in page.PARTS]


def test_results_show_hidden_for_suppressed_cells_and_no_number(ws):
    page = ResultsDashboard(ctx_for(ws, CPM))
    open_every_tab(page)
    r = page.results
    hidden_roles = [x for x in r.by_role if x.suppressed]
    assert hidden_roles, "the demo has small role groups"
    role_label = r.role_labels[hidden_roles[0].role]
    assert role_label in page.roles.value and ">hidden</td>" in page.roles.value
    assert "<img" in page.overview.value and "alt=" in page.overview.value
    assert "Priorities" in page.tabs.titles


def test_results_of_a_tiny_wave_show_no_numbers(ws):
    inst = tailor("cpm-orb", county="Tiny Example County", elements=["A", "B"], points=5)
    ws.save_instrument(inst)
    ws.add_responses(
        "Tiny Example County",
        "2026-spring",
        [NewResponse(role="social_workers", answers={i.id: 4 for i in inst.items}) for _ in range(3)],
        instrument=inst,
    )
    page = ResultsDashboard(ctx_for(ws, "Tiny Example County"))
    open_every_tab(page)
    assert "Fewer than 5 people answered" in text_of(page.headline.value)
    for part in (page.overview, page.roles, page.over_time):
        assert not re.search(r"\d\.\d", text_of(part.value)), part.value[:300]
    assert "hidden" in page.overview.value


# ------------------------------------------------------------------ planning matrix
def test_matrix_prefill_comes_from_the_priorities(ws):
    from orb_widgets.results import county_results

    page = PlanningMatrix(ctx_for(ws, CPM_EMPTY, "Ana"), scheduler=never)
    assert page.editors == {}
    added = page.prefill()
    priorities = [p.element for p in county_results(ws, CPM_EMPTY).priorities if not p.suppressed]
    assert added == priorities[:3]
    row = doc(ws, CPM_EMPTY, "matrix_row", added[0])
    assert row.updated_by == "Ana" and "average" in row.body["what_we_learned"]
    assert page.editors[added[0]].learned.value == row.body["what_we_learned"]
    assert page.prefill() == []  # a second press adds nothing twice


def test_matrix_row_edit_status_history_and_reopen(ws):
    page = PlanningMatrix(ctx_for(ws, CPM_EMPTY, "Ana"), scheduler=never)
    assert page.add_row("component:4")
    ed = page.editors["component:4"]
    step = ed.step_editors[0]
    step.text.value = "Name a lead for each team"
    step.who.value = "Deputy director"
    step.by_when.value = dt.date(2026, 6, 30)
    ed.status_choice.value = "under way"
    page.flush()
    body = doc(ws, CPM_EMPTY, "matrix_row", "component:4").body
    assert [(s["text"], s["who"], s["by_when"]) for s in body["steps"]] == [
        ("Name a lead for each team", "Deputy director", "2026-06-30")
    ]
    assert [h["status"] for h in body["status_history"]] == ["under way"]
    assert "under way" in page.rows.titles[0]
    again = PlanningMatrix(ctx_for(ws, CPM_EMPTY, "Ben"), scheduler=never)
    assert again.editors["component:4"].step_editors[0].who.value == "Deputy director"
    assert "Status over time: under way" in again.editors["component:4"].history.value


def test_matrix_export_writes_an_xlsx(ws):
    import openpyxl

    page = PlanningMatrix(ctx_for(ws, CPM), scheduler=never)
    path = page.export("xlsx")
    assert path.suffix == ".xlsx" and path.exists()
    sheet = openpyxl.load_workbook(path).active
    header = [c.value for c in sheet[1]]
    assert header[0] == "Element or component" and "What we learned" in header
    steps = sum(max(1, len(ed.collect()["steps"])) for ed in page.editors.values())
    assert sheet.max_row == 1 + steps > 1 + len(page.editors)  # one line per step
    assert "Step" in header and "Who" in header and "Overdue or due soon" in header
    assert page.export("csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_crafted_status_and_element_are_refused_and_nothing_saved(ws):
    page = PlanningMatrix(ctx_for(ws, CPM), scheduler=never)
    key = next(iter(page.editors))
    ed = page.editors[key]
    before = doc(ws, CPM, "matrix_row", key).version
    with pytest.raises(TraitError):
        ed.status_choice.value = "hacked"
    assert not ed.save_body({**ed.collect(), "status": "hacked"})
    assert ed.status.kind == "err" and "status must be one of" in ed.status.text
    assert doc(ws, CPM, "matrix_row", key).version == before
    assert not page.add_row("Z")
    assert "not an element" in text_of(page.message.value)
    assert doc(ws, CPM, "matrix_row", "Z") is None
    with pytest.raises(TraitError):
        page.add_choice.value = "Z"


# ------------------------------------------------------------------ plan and follow-up
def test_plan_competence_chart_and_activities(ws):
    page = ImplementationPlan(ctx_for(ws, CPS, "Ana"), scheduler=never)
    assert set(page.competence) == {"basic", "user", "independent"}
    assert "<img" in page.competence_chart.value and "<img" in page.timeline.value
    page.competence["user"][0].value = 35
    page.activities[-1].what.value = "Plan B practice in pairs"
    page.activities[-1].start.value = dt.date(2026, 9, 1)
    page.flush()
    body = doc(ws, CPS, "plan", "main").body
    assert body["competence"]["user"]["now"] == pytest.approx(0.35)
    assert body["activities"][-1]["what"] == "Plan B practice in pairs"
    assert "Plan B practice" in page.timeline.value  # in the chart's alternative text


def test_followup_carries_unfinished_items_forward(ws):
    board = FollowUpBoard(ctx_for(ws, CPM, "Ana"), scheduler=never)
    reviewed = max(workbook.load_all(ws, CPM, "followup"))  # the demo's review, three weeks before it was made
    made = dt.date.fromisoformat(reviewed) + dt.timedelta(weeks=3)
    assert made in (dt.date.today(), dt.date.today() - dt.timedelta(days=1))  # yesterday: a run across midnight
    assert board.choice.value == reviewed
    saved = workbook.load(ws, CPM, "followup", reviewed)
    board.editor.boxes["improve"].value += "\nShorter agendas"
    board.flush()
    next_review = dt.date.today() + dt.timedelta(days=30)
    key = board.new_review(next_review)
    assert board.choice.value == key == next_review.isoformat()
    carried = board.editor.carried.value.splitlines()
    assert "Shorter agendas" in carried and saved.improve[0] in carried and saved.start[0] in carried
    assert not set(saved.keep) & set(carried)  # Keep items stay behind


# ------------------------------------------------------------------ start page
def test_start_progress_reflects_the_store(ws):
    steps = {p.step: p for p in progress(ws, CPM_EMPTY)}
    assert steps["Assessment tailored"].done and steps["Survey answers in"].done
    assert not steps["Planning matrix started"].done
    page = StartHere(ws, CPM_EMPTY)
    assert "to do" in page.checklist.value
    workbook.save(ws, CPM_EMPTY, "matrix_row", "A", {"target": "A"}, "Ana")
    page.refresh()
    assert {p.step: p for p in progress(ws, CPM_EMPTY)}["Planning matrix started"].done
    assert page.add_county("<b>Example</b> County", "cps")
    assert "&lt;b&gt;Example" in page.message.value
    assert not page.add_county("", "cps") and not page.add_county("X", "hacked")


# ------------------------------------------------------------------ every control is labelled
def _controls(widget):
    seen, stack = [], [widget]
    while stack:
        x = stack.pop()
        seen.append(x)
        stack.extend(getattr(x, "children", ()))
    return seen


@pytest.mark.parametrize(
    "make",
    [
        lambda s: StartHere(s),
        lambda s: __import__("orb_widgets.widgets.breakout", fromlist=["x"]).webinar_page(s.folder, scheduler=never),
        lambda s: KeyMessages(ctx_for(s, CPM), scheduler=never),
        lambda s: TailorAssessment(ctx_for(s, CPM), scheduler=never),
        lambda s: PlanningMatrix(ctx_for(s, CPM), scheduler=never),
        lambda s: TestingProfile(ctx_for(s, CPM), scheduler=never),
        lambda s: ImplementationPlan(ctx_for(s, CPS), scheduler=never),
        lambda s: FollowUpBoard(ctx_for(s, CPS), scheduler=never),
        lambda s: ctx_for(s, CPM),
    ],
    ids=["start", "breakout", "messages", "tailor", "matrix", "profile", "plan", "followup", "context"],
)
def test_every_control_has_a_visible_label(ws, make):
    page = make(ws)
    inputs = [
        c
        for c in _controls(page)
        if isinstance(c, (w.ValueWidget, w.Button)) and not isinstance(c, (w.HTML, w.Label, w.HTMLMath))
    ]
    assert inputs
    unlabeled = [type(c).__name__ for c in inputs if not (c.description or "").strip()]
    assert unlabeled == []


# ------------------------------------------------------------------ the survey link (step 5)
def test_survey_links_open_count_and_close(ws):
    from orb_widgets.widgets.form import SurveyLinks

    page = SurveyLinks(ctx_for(ws, CPM, "Ana"), survey_url="https://survey.example.gov")
    assert "No link is open" in page.links_html.value and page.page_html.value == ""
    page.open_link()
    link = [x for x in ws.links(CPM) if x.is_open][0]
    assert f"https://survey.example.gov/survey/{link.token}" in page.links_html.value
    assert f"/survey/{link.token}?preview=1" in page.page_html.value
    assert link.wave == page.wave and link.opened_by == "Ana"
    total = ws.response_count(CPM, page.wave)
    assert f"<b>{total}</b>" in page.count_html.value
    inst = ws.current_instrument(CPM)
    shown = [int(n) for n in re.findall(r": (\d+)</li>", page.count_html.value)]
    assert all(n >= inst.min_group for n in shown)
    page.flyer()
    assert "download=" in page.flyer_out.value
    page.close_link()
    assert not any(x.is_open for x in ws.links(CPM)) and "No link is open" in page.links_html.value


# ------------------------------------------------------------------ what pages read like
def test_start_checklist_writes_counts_in_plain_plurals_and_dates_one_way(ws):
    workbook.save(
        ws,
        CPS,
        "plan",
        "main",
        {
            "vision": "Every child heard",
            "goals": ["One goal"],
            "activities": [{"what": "Train the team", "start": "2026-03-05"}],
        },
        "Ana",
    )
    later = dt.date.today() + dt.timedelta(days=3)  # after the demo's own review
    workbook.save(ws, CPS, "followup", later.isoformat(), {"date": later.isoformat()}, "Ana")
    text = text_of(StartHere(ws, CPS).checklist.value)
    assert "1 goal, 1 activity" in text and f"last review {later:%B} {later.day}, {later.year}" in text
    assert not re.search(r"\w\((s|ies|es)\)", text), "no 'session(s)' or 'activit(ies)'"
    assert later.isoformat() not in text


def test_a_page_names_the_survey_wave_a_wave_and_never_repeats_its_notebook_heading(ws):
    ctx = WorkbookContext(ws, CPM, wave="2", user="Ana", remember=False)
    top = re.sub(r"\s+", " ", text_of(ctx.children[0].value))
    assert "wave 2" in top and not re.search(r"\bround\b", top)
    from orb_widgets.progress import step_title
    from orb_widgets.widgets.form import SurveyLinks

    for page, notebook in (
        (StartHere(ws, CPM), "01-start-here.ipynb"),
        (KeyMessages(ctx_for(ws, CPM)), "03-key-messages.ipynb"),
        (TailorAssessment(ctx_for(ws, CPM), scheduler=never), "04-tailor-assessment.ipynb"),
        (SurveyLinks(ctx_for(ws, CPM), survey_url="https://survey.example.gov"), "05-take-assessment.ipynb"),
    ):
        headings = [
            re.sub(r"\s+", " ", text_of(c.value.split("</style>")[-1])).strip()
            for c in page.children
            if isinstance(c, w.HTML) and "orb-head" in c.value
        ]
        # the notebook's own heading names the step already: the page's parts say something else
        assert headings and not any(h.startswith(step_title(notebook)) for h in headings), headings


def test_saved_times_on_another_day_carry_the_date_written_as_everywhere_else():
    from orb_widgets.views import when

    stamp = dt.datetime(2026, 3, 5, 9, 30, tzinfo=dt.timezone.utc)
    assert when(stamp, now=stamp + dt.timedelta(days=3)).endswith(" on March 5, 2026")


def test_matrix_offers_rows_only_for_what_the_county_asks(ws):
    """A county that left an element out of its survey is not offered a matrix row for it."""
    inst = ws.current_instrument(CPM_EMPTY)
    fw = load_framework(inst.framework)
    left_out = [e.id for e in fw.elements if e.id not in inst.elements]
    page = PlanningMatrix(ctx_for(ws, CPM_EMPTY), scheduler=never)
    offered = [key for _, key in page.add_choice.options]
    assert all(e in offered for e in inst.elements)
    assert not [e for e in left_out if e in offered]
    components = [key for key in offered if key.startswith("component:")]
    assert components and all(
        set(c.elements) & set(inst.elements) for c in fw.components if f"component:{c.id}" in components
    )


# ------------------------------------------------------------------ opening a page writes nothing
class Timers:
    """A scheduler that keeps the autosave's timers; ``run()`` is the debounce delay passing."""

    def __init__(self):
        self.waiting = []

    def __call__(self, delay, callback):
        self.waiting.append(callback)
        return object()

    def run(self) -> None:
        while self.waiting:
            self.waiting.pop(0)()


def as_a_browser_draws_it(page) -> None:
    """Send back what each control's view in a browser sends once drawn, as its comm message would.

    A slider's view snaps its value to the step (noUiSlider, rounding half up) and
    sends the snapped number; every other control's value goes back as the
    browser holds it (serialised and read again: a date, a tuple of choices).
    """
    import math

    for c in _controls(page):
        if not isinstance(c, w.ValueWidget) or isinstance(c, (w.HTML, w.Label, w.HTMLMath)):
            continue
        if isinstance(c, (w.IntSlider, w.FloatSlider)):
            snapped = c.min + math.floor((c.value - c.min) / c.step + 0.5) * c.step
            c.set_state({"value": min(max(snapped, c.min), c.max)})
        else:
            c.set_state(c.get_state("value"))


def _every_step(store, county, user, timers):
    """Each workbook step's page for ``county``, built as its notebook builds it."""
    from orb_widgets.widgets import survey_links, webinar_page
    from orb_widgets.widgets.start import start_here

    ctx = WorkbookContext(store, county, user=user, remember=False)
    return {
        "01 start": start_here(store.folder, county),
        "02 breakout": webinar_page(store.folder, county, user=user, scheduler=timers),
        "03 key messages": KeyMessages(ctx, scheduler=timers),
        "04 tailor": TailorAssessment(ctx, scheduler=timers),
        "05 survey link": survey_links(ctx, "https://survey.example.gov"),
        "06 results": ResultsDashboard(ctx, charts=False),
        "07 matrix": PlanningMatrix(ctx, scheduler=timers),
        "08 profile": TestingProfile(ctx, scheduler=timers),
        "09 plan": ImplementationPlan(ctx, scheduler=timers),
        "09 follow-up": FollowUpBoard(ctx, scheduler=timers),
        "the county and name": ctx,
    }


@pytest.mark.parametrize("user", ["", "Ana Example"], ids=["no name", "named"])
@pytest.mark.parametrize("county", [CPM, CPS], ids=["cpm-orb", "cps"])
def test_opening_every_step_and_touching_nothing_writes_nothing(ws, county, user):
    """Every table is as it was after each step is built, drawn by a browser, its timers run and the kernel ends."""
    from db_snapshot import changes, table_contents

    from orb_widgets.widgets.autosave import flush_all

    before = table_contents(ws)
    timers = Timers()
    pages = _every_step(ws, county, user, timers)
    for name, page in pages.items():
        as_a_browser_draws_it(page)
        timers.run()
        assert changes(before, table_contents(ws)) == [], f"opening {name} for {county} wrote to the workspace"
    flush_all()  # what runs when the page's kernel ends
    assert table_contents(ws) == before
    plan = pages["09 plan"]
    assert plan.status.kind == "ok" and plan.status.text.startswith("Saved · by demo script")


@pytest.mark.parametrize("step", [1, 5], ids=["shipped step 1", "a step of 5"])
def test_a_saved_share_is_shown_as_saved_and_only_a_persons_move_writes_it(ws, monkeypatch, step):
    """73 % and 7 % stay 73 % and 7 %: never rounded into the store, and one move is one version under a name."""
    from db_snapshot import changes, table_contents

    from orb_widgets.widgets import plan as plan_page
    from orb_widgets.widgets.autosave import flush_all

    monkeypatch.setattr(plan_page, "COMPETENCE_STEP", step)
    body = workbook.load(ws, CPS, "plan", "main").model_dump(mode="json")
    body["competence"] = {
        "basic": {"now": 0.73, "target": 0.185},
        "user": {"now": 0.07, "target": 0.615},
        "independent": {"now": 0.2, "target": 0.2},
    }
    workbook.save(ws, CPS, "plan", "main", body, "demo script")
    before = table_contents(ws)

    timers = Timers()
    page = ImplementationPlan(ctx_for(ws, CPS, user=""), scheduler=timers)
    basic, user = page.competence["basic"][0], page.competence["user"][0]
    assert (basic.value, user.value) == (73, 7)
    as_a_browser_draws_it(page)
    # shown as saved (step 1), or the nearest the slider can show (a step of 5): never saved that way
    assert (basic.value, user.value) == ((73, 7) if step == 1 else (75, 5))
    timers.run()
    flush_all()
    assert changes(before, table_contents(ws)) == []
    assert page.status.text.startswith("Saved · by demo script")

    # Ana moves one slider: exactly one new version, under her name; every other share exactly as saved.
    ana = ImplementationPlan(ctx_for(ws, CPS, "Ana"), scheduler=timers)
    as_a_browser_draws_it(ana)
    ana.competence["independent"][0].set_state({"value": 25})  # her move, as the browser sends it
    assert "Not saved yet" in ana.status.text
    timers.run()
    flush_all()
    after = table_contents(ws)
    assert len(after["document_history"]) == len(before["document_history"]) + 1
    assert len(after["documents"]) == len(before["documents"])
    assert [t for t in after if t not in ("documents", "document_history") and after[t] != before[t]] == []
    saved = ws.get_doc(CPS, "plan", "main")
    assert saved.updated_by == "Ana" and ws.doc_history(CPS, "plan", "main")[-1].updated_by == "Ana"
    assert saved.body["competence"] == {
        "basic": {"now": 0.73, "target": 0.185},
        "user": {"now": 0.07, "target": 0.615},
        "independent": {"now": 0.25, "target": 0.2},
    }
    assert {k: v for k, v in saved.body.items() if k != "competence"} == {
        k: v for k, v in body.items() if k != "competence"
    }


def test_typing_then_undoing_it_saves_nothing_and_says_saved_again(ws):
    page = TestingProfile(ctx_for(ws, CPM, "Ana"), scheduler=Timers())
    before, line = ws.doc_history(CPM, "testing_profile", "main"), page.status.text
    original = page.sections["a"].value
    page.sections["a"].value = original + " and more"
    assert "Not saved yet" in page.status.text and page.autosave.pending
    page.sections["a"].value = original
    assert not page.autosave.pending and page.status.text == line
    page.flush()
    assert ws.doc_history(CPM, "testing_profile", "main") == before


def test_opening_the_survey_page_of_a_county_without_a_survey_keeps_no_draft(ws):
    """The starting title is filled in by the page, not typed: no draft 'by someone' is kept for it."""
    from orb_widgets.widgets.tailor import draft_key

    ws.add_county("Example County", "cps")
    timers = Timers()
    page = TailorAssessment(ctx_for(ws, "Example County", user=""), scheduler=timers)
    as_a_browser_draws_it(page)
    timers.run()
    page.flush()
    assert not ws.get_meta(draft_key("Example County"))
    page.title.value = "Our own title"
    timers.run()
    assert "Our own title" in ws.get_meta(draft_key("Example County"))


def test_any_page_ignores_a_slider_drawing_its_value_on_its_step_and_saves_a_real_move(ws):
    """The editor layer itself, for a page that keeps no saved shares of its own: the echo is no edit."""
    from orb_widgets.widgets.editor import EntryEditor

    class OneSlider(EntryEditor):
        kind = "plan"

        def __init__(self, ctx, **kw):
            self.share = w.IntSlider(min=0, max=100, step=5, description="Now (%)")
            super().__init__(ctx, "main", [self.share], **kw)
            self.watch(self.share)
            self.load()

        def collect(self):
            return {"competence": {"basic": {"now": self.share.value / 100, "target": 0.2}}}

        def fill(self, body):
            self.share.value = round(100 * body.get("competence", {}).get("basic", {}).get("now", 0))

    workbook.save(ws, CPS, "plan", "main", {"competence": {"basic": {"now": 0.73, "target": 0.2}}}, "demo script")
    history = ws.doc_history(CPS, "plan", "main")
    page = OneSlider(ctx_for(ws, CPS, user=""), scheduler=never)
    as_a_browser_draws_it(page)
    assert page.share.value == 75 and not page.autosave.pending and "Not saved yet" not in page.status.text
    page.flush()
    assert ws.doc_history(CPS, "plan", "main") == history
    page.share.set_state({"value": 80})  # a person's move, as the browser sends it
    page.flush()
    after = ws.doc_history(CPS, "plan", "main")
    assert len(after) == len(history) + 1 and after[-1].updated_by == "someone (no name given)"
    assert after[-1].body["competence"]["basic"]["now"] == 0.8
