"""The plan from SO WHAT? to what was done: steps, overdue and due soon, rows saved by an older version,
``orb plan --json`` and the exports with one line per step."""

import datetime as dt
import json

import pandas as pd
import pytest

from orb_widgets import planning, workbook
from orb_widgets.app import App
from orb_widgets.render import render
from orb_widgets.views import follow_through_view, matrix_view

DAY = dt.date(2026, 3, 5)
COUNTY = "Old Plan County"

#: A row as the older version stored it: one owner, one date, up to three steps for the whole row.
OLD_ROW = {
    "target": "C",
    "what_we_learned": "Teams meet without a fixed time.",
    "why_it_matters": "Nobody owns the huddle.",
    "next_steps": ["Name a lead per unit", "Protect two hours a month", "Post the team roster"],
    "who": "Deputy director Ruiz",
    "by_when": "2026-04-16",
    "support_needed": "Cover for caseloads",
    "how_we_will_know": "Huddles held weekly",
    "status": "done",
    "status_history": [{"status": "under way", "on": "2026-02-01"}, {"status": "done", "on": "2026-03-01"}],
}


# ------------------------------------------------------------------ the overdue rule
@pytest.mark.parametrize(
    "by_when, status, flag",
    [
        (DAY, "not started", "due soon"),  # due today: not overdue yet
        (DAY - dt.timedelta(days=1), "not started", "overdue"),
        (DAY - dt.timedelta(days=1), "under way", "overdue"),
        (DAY - dt.timedelta(days=1), "done", ""),
        (DAY - dt.timedelta(days=400), "dropped", ""),
        (DAY + dt.timedelta(days=planning.DUE_SOON_DAYS), "under way", "due soon"),
        (DAY + dt.timedelta(days=planning.DUE_SOON_DAYS + 1), "under way", ""),
        (DAY + dt.timedelta(days=3), "done", ""),
        (None, "not started", ""),
    ],
)
def test_overdue_and_due_soon_at_the_date_boundary(by_when, status, flag):
    assert planning.due(by_when, status, DAY) == flag


def test_a_row_is_flagged_by_its_worst_step():
    row = {
        "target": "B",
        "steps": [
            {"text": "a", "by_when": "2026-03-10"},
            {"text": "b", "by_when": "2026-03-04", "status": "dropped"},
        ],
    }
    assert planning.row_due(row, DAY) == "due soon"
    row["steps"].append({"text": "c", "by_when": "2026-03-04", "status": "under way"})
    assert planning.row_due(row, DAY) == "overdue"
    view = follow_through_view({"B": row}, {"B": "B. Climate"}, DAY)
    assert [(n, s.text) for n, s in view.overdue] == [("B. Climate", "c")]
    assert [s.text for _, s in view.due_soon] == ["a"] and view.steps == 3
    assert dict(view.counts) == {"done": 0, "under way": 1, "not started": 1, "dropped": 1}


# ------------------------------------------------------------------ rows saved by the older version
@pytest.fixture
def old_store(workspace_store):
    store = workspace_store
    store.add_county(COUNTY, framework="cpm-orb")
    # stored as the older version did, without today's checks
    store.put_doc(COUNTY, "matrix_row", "C", OLD_ROW, user="Ana")
    return store


def _words(text: str) -> set[str]:
    return {w.strip(".,;:()").casefold() for w in text.split()} - {""}


def test_an_old_plan_opens_as_steps_without_losing_a_word(old_store):
    row = workbook.load(old_store, COUNTY, "matrix_row", "C")
    assert [s.text for s in row.steps] == OLD_ROW["next_steps"]
    assert {(s.who, s.by_when.isoformat(), s.status) for s in row.steps} == {
        ("Deputy director Ruiz", "2026-04-16", "done")
    }
    assert {s.done_on for s in row.steps} == {dt.date(2026, 3, 1)}  # the day its history says it was done
    every_word = set()
    for key in ("what_we_learned", "why_it_matters", "who", "support_needed", "how_we_will_know"):
        every_word |= _words(OLD_ROW[key])
    for step in OLD_ROW["next_steps"]:
        every_word |= _words(step)
    # the plan as a table (one line per step) and as text both keep every word and the date
    frame = planning.matrix_frame({"C": row}, today=DAY)
    assert len(frame) == 3 and set(frame["who"]) == {"Deputy director Ruiz"} and set(frame["by_when"]) == {"2026-04-16"}
    assert every_word <= _words(" ".join(frame.astype(str).to_numpy().ravel()))
    text = render("matrix.txt.j2", county=COUNTY, matrix=matrix_view({"C": row}, today=DAY))
    assert every_word <= _words(text) and "April 16, 2026" in text


def test_an_old_row_opened_in_the_workbook_saves_as_steps_and_keeps_its_history(old_store):
    from orb_widgets.widgets import PlanningMatrix
    from orb_widgets.widgets.context import WorkbookContext

    page = PlanningMatrix(
        WorkbookContext(old_store, COUNTY, user="Ben", remember=False), scheduler=lambda *a: None, today=lambda: DAY
    )
    ed = page.editors["C"]
    assert [s.text.value for s in ed.step_editors] == OLD_ROW["next_steps"]
    assert {s.who.value for s in ed.step_editors} == {"Deputy director Ruiz"}
    page.flush()
    assert old_store.get_doc(COUNTY, "matrix_row", "C").version == 1  # opening writes nothing
    ed.step_editors[1].status_choice.value = "dropped"
    ed.step_editors[1].note.value = "The union said no"
    page.flush()
    doc = old_store.get_doc(COUNTY, "matrix_row", "C")
    assert doc.version == 2 and "next_steps" not in doc.body and "who" not in doc.body
    assert [s["text"] for s in doc.body["steps"]] == OLD_ROW["next_steps"]
    assert [s["status"] for s in doc.body["steps"]] == ["done", "dropped", "done"]
    assert doc.body["steps"][1]["note"] == "The union said no" and doc.body["steps"][1]["done_on"] is None
    first = old_store.doc_history(COUNTY, "matrix_row", "C")[0]
    assert first.body["next_steps"] == OLD_ROW["next_steps"]  # the old version is still in the history


# ------------------------------------------------------------------ steps in the workbook
def test_steps_are_added_dated_and_marked_done_with_the_day(workspace_store):
    from orb_widgets.widgets import PlanningMatrix
    from orb_widgets.widgets.context import WorkbookContext

    store = workspace_store
    store.add_county("Step County", framework="cpm-orb")
    ctx = WorkbookContext(store, "Step County", user="Ana", remember=False)
    page = PlanningMatrix(ctx, scheduler=lambda *a: None, today=lambda: DAY)
    assert page.add_row("C") and page.add_row("C")  # two rows about one element
    assert list(page.editors) == ["C", "C#2"]
    ed = page.editors["C#2"]
    first = ed.step_editors[0]
    first.text.value = "Ask each unit for a huddle time"
    first.who.value = "Supervisors' group"
    first.by_when.value = DAY - dt.timedelta(days=1)
    second = ed.add_step()
    second.text.value = "Share the huddle notes"
    second.by_when.value = DAY
    page.flush()
    assert "overdue" in page.rows.titles[1] and "overdue" in first.flag.value and "due soon" in second.flag.value
    first.status_choice.value = "done"
    page.flush()
    body = store.get_doc("Step County", "matrix_row", "C#2").body
    assert body["target"] == "C"
    assert [(s["text"], s["status"], s["done_on"]) for s in body["steps"]] == [
        ("Ask each unit for a huddle time", "done", DAY.isoformat()),
        ("Share the huddle notes", "not started", None),
    ]
    assert "due soon" in page.rows.titles[1] and "overdue" not in page.rows.titles[1]
    again = PlanningMatrix(ctx, scheduler=lambda *a: None, today=lambda: DAY)
    assert list(again.editors) == ["C", "C#2"]
    assert [s.text.value for s in again.editors["C#2"].step_editors] == [
        "Ask each unit for a huddle time",
        "Share the huddle notes",
    ]
    assert "done March 5, 2026" in again.editors["C#2"].step_editors[0].flag.value


# ------------------------------------------------------------------ orb plan
@pytest.fixture
def plan_ws(workspace, workspace_store):
    store = workspace_store
    store.add_county(COUNTY, framework="cpm-orb")
    store.put_doc(COUNTY, "matrix_row", "C", OLD_ROW | {"status": "under way", "status_history": []}, user="Ana")
    workbook.save(
        store,
        COUNTY,
        "matrix_row",
        "component:1",
        {
            "target": "component:1",
            "steps": [
                {"text": "Tell staff what we heard", "who": "Director", "by_when": "2026-03-04"},
                {"text": "Post a short update", "by_when": "2026-03-05", "status": "under way"},
                {"text": "Old idea", "by_when": "2026-01-01", "status": "dropped"},
            ],
        },
        "Ana",
    )
    return workspace


def test_plan_json_contract_counts_overdue_as_of_the_day_given(plan_ws, run_orb):
    code, out, err = run_orb("plan", "--county", COUNTY, "--json", "--today", "2026-03-05", "--workspace", plan_ws)
    assert code == 0, err
    data = json.loads(out)
    assert data["county"] == COUNTY and data["today"] == "2026-03-05" and not data["suggested"]
    rows = {r["row"]: r for r in data["rows"]}
    c, comp = rows["C"], rows["component:1"]
    assert (c["target"], c["kind"], comp["kind"]) == ("C", "element", "component")
    assert (
        c["what_we_learned"] == OLD_ROW["what_we_learned"] and [s["text"] for s in c["steps"]] == OLD_ROW["next_steps"]
    )
    assert (c["overdue"], c["due_soon"]) == (0, 0)  # April 16: more than two weeks ahead
    assert [s["due"] for s in comp["steps"]] == ["overdue", "due soon", None]
    assert (comp["overdue"], comp["due_soon"]) == (1, 1)
    assert set(comp["steps"][0]) == {"text", "who", "by_when", "status", "done_on", "note", "source", "due"}
    # a later day: what was due soon is overdue now, and the April steps are due soon
    later = json.loads(
        run_orb("plan", "--county", COUNTY, "--json", "--today", "2026-04-10", "--workspace", plan_ws)[1]
    )
    assert [(r["overdue"], r["due_soon"]) for r in later["rows"]] == [(0, 3), (2, 0)]


def test_plan_text_flags_overdue_and_due_soon(plan_ws, run_orb):
    code, out, _ = run_orb("plan", "--county", COUNTY, "--today", "2026-03-05", "--workspace", plan_ws)
    assert code == 0
    assert "Tell staff what we heard (Director; by March 4, 2026; not started) OVERDUE" in " ".join(out.split())
    assert "Post a short update" in out and "DUE SOON" in out and "[not started, OVERDUE]" in out


@pytest.mark.parametrize("bad", ["2026-13-01", "5/3/2026", "tomorrow"])
def test_a_bad_today_is_one_line_and_exit_2(plan_ws, run_orb, bad):
    code, out, err = run_orb("plan", "--county", COUNTY, "--json", "--today", bad, "--workspace", plan_ws)
    assert code == 2 and out == ""
    assert err.strip().count("\n") == 0 and "--today" in err and "YYYY-MM-DD" in err and repr(bad) in err


@pytest.mark.parametrize("suffix", ["xlsx", "csv"])
def test_plan_exports_one_line_per_step(plan_ws, run_orb, tmp_path, suffix):
    out_file = tmp_path / f"plan.{suffix}"
    code, _, err = run_orb(
        "plan", "--county", COUNTY, "--out", out_file, "--today", "2026-03-05", "--workspace", plan_ws
    )
    assert code == 0, err
    df = pd.read_excel(out_file) if suffix == "xlsx" else pd.read_csv(out_file, encoding="utf-8-sig")
    assert len(df) == 6  # three steps in each row
    assert list(df["Step"]) == [*OLD_ROW["next_steps"], "Tell staff what we heard", "Post a short update", "Old idea"]
    assert list(df["Overdue or due soon"].fillna("")) == ["", "", "", "overdue", "due soon", ""]
    assert set(df["Who"].dropna()) == {"Deputy director Ruiz", "Director"}
    assert "What we learned" in df.columns and "Row status" in df.columns


def test_start_here_names_the_steps_overdue_and_due_soon(plan_ws):
    from orb_widgets.progress import progress
    from orb_widgets.widgets import StartHere

    store = App.for_workspace(plan_ws).store
    line = {p.step: p for p in progress(store, COUNTY, DAY)}["Planning matrix started"]
    assert line.flag == "overdue" and line.detail == "1 overdue step, 1 due soon step; 2 rows, 6 steps, 0 done"
    later = {p.step: p for p in progress(store, COUNTY, dt.date(2026, 4, 10))}["Planning matrix started"]
    assert later.flag == "overdue" and later.detail.startswith("2 overdue steps, 3 due soon steps;")
    quiet = {p.step: p for p in progress(store, COUNTY, dt.date(2025, 1, 1))}["Planning matrix started"]
    assert quiet.flag == "" and quiet.detail == "2 rows, 6 steps, 0 done"
    page = StartHere(store, COUNTY)  # today: every date of this plan has passed
    assert "overdue" in page.checklist.value and "5 overdue steps" in page.checklist.value


# ------------------------------------------------------------------ the coordinator's follow-through view
def test_the_statewide_index_shows_each_countys_follow_through_as_of_the_day_it_is_drawn(plan_ws):
    from orb_widgets import packets
    from orb_widgets.packets.index import follow_through_rows
    from orb_widgets.packets.models import LastRun, Manifest, PacketEntry, Status

    store = App.for_workspace(plan_ws).store
    ir = packets.Packet(store, COUNTY).index_row()
    assert ir.steps == {"done": 0, "under way": 4, "not started": 1, "dropped": 1}
    assert [d.isoformat() for d in ir.open_due] == ["2026-03-04", "2026-03-05", *["2026-04-16"] * 3]
    assert ir.last_activity is not None and ir.webinar_steps == 0
    quiet = packets.models.IndexRow(county="Quiet County", steps={"done": 2}, webinar_steps=3, webinar_done=1)
    manifest = Manifest(
        packets={
            c: PacketEntry(county=c, slug=c.lower().replace(" ", "-"), status=Status.OK, index_row=row)
            for c, row in ((COUNTY, ir), ("Quiet County", quiet))
        },
        last_run=LastRun(started="2026-03-05T09:00:00+00:00", ok=2),
    )
    rows = follow_through_rows(manifest, ["Quiet County", COUNTY], DAY)
    assert [r["county"] for r in rows] == [COUNTY, "Quiet County"]  # the most overdue first
    mine = rows[0]
    assert (mine["planned"], mine["done"], mine["under_way"], mine["overdue"], mine["due_soon"]) == (6, 0, 4, 1, 1)
    assert rows[1]["webinar"] == "1 of 3" and rows[1]["overdue"] == 0
    later = {r["county"]: r for r in follow_through_rows(manifest, [COUNTY], dt.date(2026, 4, 17))}[COUNTY]
    assert (later["overdue"], later["due_soon"]) == (5, 0)  # judged on the day the index is drawn
    page = packets.index.render_index(manifest, ["Quiet County", COUNTY])
    assert "Follow-through by county" in page and page.index(COUNTY) < page.index(
        "Quiet County", page.index("Follow-through")
    )


def test_opening_an_old_done_row_with_no_day_writes_nothing(old_store):
    from orb_widgets.widgets import PlanningMatrix
    from orb_widgets.widgets.context import WorkbookContext

    old_store.put_doc(
        COUNTY, "matrix_row", "B", {"target": "B", "next_steps": ["Thank people"], "status": "done"}, "Ana"
    )
    page = PlanningMatrix(
        WorkbookContext(old_store, COUNTY, user="Ben", remember=False), scheduler=lambda *a: None, today=lambda: DAY
    )
    page.editors["B"].save_now()
    page.flush()
    assert old_store.get_doc(COUNTY, "matrix_row", "B").version == 1  # no made-up "done on" day is saved
    step = page.editors["B"].step_editors[0]
    step.note.value = "Every Friday"
    page.flush()
    saved = old_store.get_doc(COUNTY, "matrix_row", "B").body["steps"][0]
    assert (saved["status"], saved["done_on"], saved["note"]) == ("done", None, "Every Friday")


def test_suggested_rows_say_whether_they_come_from_the_scores_or_the_teams_ratings():
    from orb_widgets.planning import prefill, suggested_from
    from orb_widgets.report import PriorityRow
    from orb_widgets.workbook import Debrief

    names = {"A": "Fit", "B": "Climate", "C": "Team structures"}
    rated = {"C": Debrief(element="C", rating=2, reasons="No team yet")}
    shown = [PriorityRow(rank=1, element="A", mean=2.5, gap=None, change=None, reasons=[], suppressed=False)]
    assert suggested_from(prefill([], names, debriefs=rated), []) == "the team's own ratings"
    assert suggested_from(prefill(shown, names, debriefs=rated), shown) == "the scores and the team's own ratings"
    assert suggested_from(prefill(shown, names), shown) == "the scores"
    from orb_widgets.render import render
    from orb_widgets.views import matrix_view

    rows = prefill([], names, debriefs=rated)
    out = " ".join(
        render(
            "matrix.txt.j2",
            county="Pine County",
            matrix=matrix_view(rows, {}, names, True, None, source=suggested_from(rows, [])),
        ).split()
    )
    assert "SUGGESTIONS from the team's own ratings, not saved" in out and "from the scores" not in out
