"""The debrief guide and team ratings: each element's reflection prompts beside its result on Results and in
the packet, the team's reading saved with history, its own 1–5 rating where the survey cannot show the
element (labelled as the team's, never a survey number), the planning matrix starting from both, and
``orb debrief``."""

from __future__ import annotations

import json

import pytest

from orb_widgets import workbook
from orb_widgets.app import App
from orb_widgets.cli import main
from orb_widgets.content import load_framework
from orb_widgets.exceptions import InvalidValue
from orb_widgets.instrument import tailor
from orb_widgets.packets import Packet
from orb_widgets.store import NewResponse
from orb_widgets.widgets.context import WorkbookContext
from orb_widgets.widgets.debrief import DebriefGuide
from orb_widgets.widgets.matrix import PlanningMatrix
from orb_widgets.widgets.results import ResultsDashboard

COUNTY = "Juniper County"
WAVE = "2026-spring"
ITEMS = ["A1", "A2", "B1", "B2", "C1", "C2"]
FW = load_framework("cpm-orb")


def never(_delay, _callback):
    """A scheduler that never fires: an edit is saved on flush() only."""
    return object()


def _workspace(folder, people: int):
    """``people`` answer A and C; only 3 of them answer B (below the smallest group of 5)."""
    store = App.for_workspace(folder, create=True).store
    inst = tailor("cpm-orb", county=COUNTY, elements=["A", "B", "C"], items=ITEMS, points=5, min_group=5)
    store.save_instrument(inst)
    if people:
        batch = [
            NewResponse(
                role="social_workers",
                answers={"A1": 4, "A2": 4, "C1": 2, "C2": 2} | ({"B1": 3, "B2": 3} if k < 3 else {}),
            )
            for k in range(people)
        ]
        store.add_responses(COUNTY, WAVE, batch, instrument=inst, source="test")
    return store


@pytest.fixture
def ws(tmp_path, monkeypatch):
    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    return tmp_path / "ws"


def ctx(store, user="Ana Example"):
    return WorkbookContext(store, COUNTY, user=user, remember=False)


def docs(store) -> list:
    return store.list_docs(COUNTY, "debrief")


def test_results_page_shows_each_elements_prompts_beside_its_score_and_saves_the_teams_reading(ws):
    store = _workspace(ws, 8)
    dash = ResultsDashboard(ctx(store), charts=False)
    guide = DebriefGuide(ctx(store), follow=dash, scheduler=never)
    assert docs(store) == []  # opening the page writes nothing
    titles = [guide.panels.get_title(n) for n in range(3)]
    assert titles == [
        "A. Fit & Priority of implementing the practice model · average 4.00",
        "B. Organizational Climate · hidden",  # 3 answers: no number, not even in the title
        "C. Team Structures & Processes · average 2.00",
    ]
    a = guide.editors["A"]
    card = a.children[0].value
    assert "average 4.00 (95% interval" in card and "8 people" in card
    for prompt in FW.element("A").reflection_prompts:
        assert prompt.replace("'", "&#39;") in card
    # A shown element asks for no team rating; the hidden one does.
    assert a.rating_box.layout.display == "none" and guide.editors["B"].rating_box.layout.display is None
    assert "hidden: fewer than 5 answers" in guide.editors["B"].children[0].value
    a.reading.value = "Leaders say it matters; staff do not hear it yet."
    a.flush()
    a.reading.value = "Leaders say it matters; staff have not heard why."
    a.flush()
    history = store.doc_history(COUNTY, "debrief", f"A@{WAVE}")
    assert [h.body["reading"] for h in history] == [
        "Leaders say it matters; staff do not hear it yet.",
        "Leaders say it matters; staff have not heard why.",
    ]
    assert {h.updated_by for h in history} == {"Ana Example"}
    again = DebriefGuide(ctx(store, "Ben Example"), scheduler=never)  # a teammate opens the page
    assert again.editors["A"].reading.value == "Leaders say it matters; staff have not heard why."
    assert "Saved · by Ana Example" in again.editors["A"].status.text
    assert len(store.doc_history(COUNTY, "debrief", f"A@{WAVE}")) == 2  # and writes nothing


def test_a_team_rating_is_labelled_as_the_teams_and_never_mixed_with_survey_numbers(ws):
    store = _workspace(ws, 8)
    guide = DebriefGuide(ctx(store), scheduler=never)
    b = guide.editors["B"]
    b.rating.value = 2
    b.reasons.value = "Nobody <b>speaks up</b> in meetings & huddles"
    b.reading.value = "Too few answered; we talked it over instead."
    b.flush()
    assert guide.panels.get_title(1) == "B. Organizational Climate · team rating 2 of 5"
    saved = workbook.load(store, COUNTY, "debrief", f"B@{WAVE}")
    assert (saved.rating, saved.wave, saved.element) == (2, WAVE, "B")
    page = Packet(store, COUNTY).section_html("debrief")
    b_card = page.split("B. Organizational Climate", 1)[1].split("</section>", 1)[0]
    assert "<strong>2 of 5 (a little ready)</strong>" in b_card
    assert "the team&#39;s own judgement, talked over together; not a survey result" in b_card
    assert "Nobody &lt;b&gt;speaks up&lt;/b&gt; in meetings &amp; huddles" in b_card  # escaped, as typed
    assert "<b>speaks" not in page
    assert "hidden: fewer than 5 answers" in b_card
    # The survey's tables never carry the rating: B stays hidden in the scores, with no number.
    scores = Packet(store, COUNTY).section_html("scores")
    assert "a little ready" not in scores and "Team rating" not in scores


def test_the_matrix_starts_from_the_scores_the_teams_reading_and_its_ratings(ws):
    store = _workspace(ws, 8)
    workbook.save(
        store, COUNTY, "debrief", f"C@{WAVE}", {"element": "C", "wave": WAVE, "reading": "No team owns this."}, "Ana"
    )
    workbook.save(
        store, COUNTY, "debrief", f"B@{WAVE}",
        {"element": "B", "wave": WAVE, "rating": 2, "reasons": "People keep quiet"}, "Ana",
    )  # fmt: skip
    matrix = PlanningMatrix(ctx(store), scheduler=never)
    added = matrix.prefill()
    assert added == ["C", "A", "B"]  # the shown priorities first (lowest score first), then the team rating
    learned = {k: matrix.editors[k].learned.value for k in added}
    assert learned["C"].startswith("Team Structures & Processes: average 2.00")
    assert learned["C"].endswith("What we made of it: No team owns this.")
    assert learned["B"] == (
        "Organizational Climate: team rating 2 of 5 (a little ready), the team's own judgement, not a survey "
        "result. Why: People keep quiet."
    )
    assert "average" not in learned["B"]


def test_without_a_survey_the_team_rates_every_element_and_the_coordinator_sees_it(ws, capsys):
    store = _workspace(ws, 0)
    page = ResultsDashboard(ctx(store), charts=False)
    assert page.results is None or page.results.wave is None  # no survey wave yet
    guide = DebriefGuide(ctx(store), follow=page, scheduler=never)
    assert all(ed.rating_box.layout.display is None for ed in guide.editors.values())
    assert "no survey results yet" in guide.editors["A"].children[0].value
    c = guide.editors["C"]
    c.rating.value = 4
    c.reasons.value = "Our implementation team meets weekly"
    c.flush()
    assert workbook.load(store, COUNTY, "debrief", "C@").rating == 4
    assert main(["debrief", "--workspace", str(ws), "--county", COUNTY, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["county"] == COUNTY and out["wave"] is None
    rows = {r["element"]: r for r in out["elements"]}
    assert list(rows) == ["A", "B", "C"]
    assert rows["C"]["team_rating"] == 4 and rows["C"]["team_rating_words"] == "4 of 5 (mostly ready)"
    assert rows["C"]["reasons"] == "Our implementation team meets weekly" and rows["C"]["updated_by"] == "Ana Example"
    assert rows["A"]["team_rating"] is None and rows["A"]["survey_shown"] is False
    assert main(["debrief", "--workspace", str(ws), "--county", COUNTY]) == 0
    text = capsys.readouterr().out
    assert "Team rating (the team's own judgement, talked over together; not a survey result): 4 of 5" in text
    # The packet shows it too, and the matrix can start from it with no survey at all.
    assert "<strong>4 of 5 (mostly ready)</strong>" in Packet(store, COUNTY).section_html("debrief")
    starters = Packet(store, COUNTY).section_html("matrix")
    assert "From the team&#39;s own ratings, good places to start are: C. Team Structures" in starters
    matrix = PlanningMatrix(ctx(store), scheduler=never)
    assert matrix.prefill() == ["C"]
    assert "team rating 4 of 5 (mostly ready)" in matrix.editors["C"].learned.value


def test_orb_debrief_json_shows_the_wave_and_says_which_elements_the_survey_shows(ws, capsys):
    store = _workspace(ws, 8)
    workbook.save(store, COUNTY, "debrief", f"B@{WAVE}", {"element": "B", "wave": WAVE, "rating": 3}, "Ana")
    assert main(["debrief", "--workspace", str(ws), "--county", COUNTY, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["wave"] == WAVE
    shown = {r["element"]: (r["survey_shown"], r["team_rating"]) for r in out["elements"]}
    assert shown == {"A": (True, None), "B": (False, 3), "C": (True, None)}
    assert "mean" not in json.dumps(out)  # the survey's numbers are orb score's, never mixed in here


def test_bad_input_is_one_line_and_exit_2(ws, capsys):
    store = _workspace(ws, 8)
    assert main(["debrief", "--workspace", str(ws), "--county", COUNTY, "--wave", "1999-fall"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "1999-fall" in err and WAVE in err
    with pytest.raises(InvalidValue, match="debrief 'rating'"):
        workbook.save(store, COUNTY, "debrief", "A@", {"element": "A", "rating": 6}, "Ana")
    assert docs(store) == []
