"""Pulse checks on a plan row: a short survey of the row's statements and one of its own, whose answers
form a pulse wave that is shown beside the row and never taken for the latest full wave."""

import html
import json
import re

import numpy as np
import pytest

from orb_widgets import cache, packets, workbook
from orb_widgets.app import App
from orb_widgets.instrument import PULSE_ITEM, PULSE_MAX, tailor
from orb_widgets.results import county_results, pulse_results
from orb_widgets.store import NewResponse

COUNTY = "Pulse County"
FULL = "2026-spring"


@pytest.fixture
def ws(workspace, workspace_store):
    """A county with one full wave of 10 people on elements A-C, and plan rows on C and component 4."""
    store = workspace_store
    inst = tailor("cpm-orb", county=COUNTY, elements=["A", "B", "C"], points=5, min_group=5)
    store.save_instrument(inst)
    people = [
        NewResponse(role="social_workers", answers={i.id: 1 + (n + k) % 5 for k, i in enumerate(inst.items)})
        for n in range(10)
    ]
    store.add_responses(COUNTY, FULL, people, instrument=inst)
    workbook.save(store, COUNTY, "matrix_row", "C", {"target": "C", "steps": [{"text": "Name a lead"}]}, "Ana")
    workbook.save(store, COUNTY, "matrix_row", "C#2", {"target": "C", "steps": [{"text": "Hold a huddle"}]}, "Ana")
    return {"folder": workspace, "store": store, "inst": inst}


def _words(page: str) -> str:
    """What a reader of a page sees, in one line (tags that wrap a date or wave label add no space)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", page)).split())


def _open(ws, run_orb, row="C"):
    code, out, err = run_orb("survey", "open", "--county", COUNTY, "--pulse", row, "--workspace", ws["folder"])
    assert code == 0, err
    token = re.search(r"/survey/([\w-]+)", out).group(1)
    return ws["store"].link(token), out


def _answer(ws, link, values: list[int]):
    """Store pulse answers as the served form does: on the link's own survey."""
    from orb_widgets.results import link_instrument

    pulse = link_instrument(ws["store"], link)
    people = [
        NewResponse(role="social_workers", answers={i.id: v if i.id != PULSE_ITEM else 4 for i in pulse.items})
        for v in values
    ]
    ws["store"].add_responses(COUNTY, link.wave, people, instrument=pulse)
    return pulse


def test_the_pulse_link_shows_only_the_rows_statements_and_its_own(ws, run_orb):
    from survey_server import Browser, listen

    from orb_widgets.survey.app import make_app
    from orb_widgets.survey.service import Survey, SurveyConfig

    link, out = _open(ws, run_orb)
    assert "Pulse check on plan row C" in out and re.search(r"wave \d{4}-\d\d-pulse-C\b", out)
    survey = Survey(App.for_workspace(ws["folder"]).store, SurveyConfig(instrument_ttl=0))
    url, loop, thread = listen(survey, make_app)
    try:
        b = Browser()
        page = b.get(f"{url}survey/{link.token}")
        assert b.status == 200
        asked = sorted(set(re.findall(r'name="q-([\w-]+)"', page)))
        c_items = [i.id for i in ws["inst"].items if i.element == "C"][:PULSE_MAX]
        assert asked == sorted([*c_items, PULSE_ITEM]) and len(asked) <= PULSE_MAX + 1
        assert "told us what they did with what we said" in page
        # The county's full survey link is unchanged: every statement, no pulse statement.
        full = ws["store"].open_link(COUNTY, "2026-fall")
        page = b.get(f"{url}survey/{full.token}")
        assert sorted(set(re.findall(r'name="q-([\w-]+)"', page))) == sorted(i.id for i in ws["inst"].items)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
    assert ws["store"].current_instrument(COUNTY).id == ws["inst"].id  # the pulse is not a new version


def test_a_bad_pulse_row_is_one_line_and_exit_2(ws, run_orb):
    code, out, err = run_orb("survey", "open", "--county", COUNTY, "--pulse", "F", "--workspace", ws["folder"])
    assert code == 2 and "--pulse F" in err and "C#2" in err and len(err.strip().splitlines()) == 1
    assert ws["store"].links(COUNTY) == []


def test_the_pulse_change_equals_a_hand_computation_and_results_keep_the_full_wave(ws, run_orb):
    link, _ = _open(ws, run_orb, "C#2")
    pulse = _answer(ws, link, [5, 4, 4, 5, 3, 4])
    c_items = [i.id for i in pulse.items if i.element == "C"]
    # Hand computation: each person's mean over the C statements (reverse-worded ones turned round:
    # 6 - x on 5 points), then the mean over people.
    reverse = {i for i in c_items if ws["inst"].item(i).reverse}
    assert reverse and len(c_items) > len(reverse)  # the turning round is part of what is checked
    frame = ws["store"].answers_frame(COUNTY)
    assert not any(frame["wave"] == link.wave)  # the pulse's answers never join the full waves
    full = frame[(frame["wave"] == FULL) & frame["item"].isin(c_items)].copy()
    full["value"] = np.where(full["item"].isin(reverse), 6 - full["value"], full["value"])
    before = full.groupby("respondent")["value"].mean()
    k, r = len(c_items), len(reverse)
    after = np.mean([((k - r) * v + r * (6 - v)) / k for v in [5, 4, 4, 5, 3, 4]])
    got = pulse_results(ws["store"], COUNTY)["C#2"]
    assert got.n == 6 and not got.suppressed and got.last_full_wave == FULL
    assert np.allclose([got.mean, got.last_full_mean, got.change], [after, before.mean(), after - before.mean()])
    # Results, the waves listed and the change in the packet's scores all stay on the full wave.
    res = county_results(ws["store"], COUNTY)
    assert res.wave == FULL and list(res.waves) == [FULL] and ws["store"].waves(COUNTY) == [FULL]
    assert ws["store"].waves(COUNTY, pulses=True) == [FULL, link.wave]
    # orb plan and orb plan --json show it beside the row.
    code, out, _ = run_orb("plan", "--county", COUNTY, "--json", "--workspace", ws["folder"])
    rows = {r["row"]: r for r in json.loads(out)["rows"]}
    assert rows["C"]["pulse"] is None
    assert rows["C#2"]["pulse"] == got.as_json()
    code, out, _ = run_orb("plan", "--county", COUNTY, "--workspace", ws["folder"])
    change = f"{after - before.mean():+.2f}"
    said = f"Pulse check {link.wave}: 6 people answered; {after:.2f}, {change} since the last full wave"
    assert said in out
    # The packet shows it beside the row; its scores and its row in the statewide index stay on the full wave.
    packet = packets.Packet(ws["store"], COUNTY)
    assert said in _words(packet.section_html("matrix"))
    assert packet.results.wave == FULL and packet.index_row().wave == FULL
    assert packet.index_row().n_respondents == 10


def test_a_pulse_too_small_shows_no_number_anywhere(ws, run_orb):
    link, _ = _open(ws, run_orb)
    _answer(ws, link, [5, 5, 5, 5])  # 4 people, smallest group shown is 5
    got = pulse_results(ws["store"], COUNTY)["C"]
    assert got.suppressed and got.n is None and got.mean is None and got.change is None
    code, out, _ = run_orb("plan", "--county", COUNTY, "--json", "--workspace", ws["folder"])
    pulse = {r["row"]: r for r in json.loads(out)["rows"]}["C"]["pulse"]
    assert pulse["suppressed"] and pulse["n"] is None and pulse["mean"] is None and pulse["change"] is None
    code, out, _ = run_orb("plan", "--county", COUNTY, "--workspace", ws["folder"])
    line = next(x for x in out.splitlines() if "Pulse check" in x)
    assert "fewer than 5 people answered" in line and not re.search(r"\d\.\d\d|\b4\b", line)
    # The packet says so without a number; its scores and the statewide index still read the full wave of 10.
    packet = packets.Packet(ws["store"], COUNTY)
    matrix = _words(packet.section_html("matrix"))
    said = matrix[matrix.index("Pulse check") :].split(".")[0]
    assert "fewer than 5 people answered" in said and not re.search(r"\d\.\d\d|\b4\b", said)
    assert packet.results.wave == FULL and packet.results.n_respondents == 10
    assert packet.index_row().wave == FULL and packet.index_row().n_respondents == 10


def _step7(ws):
    from orb_widgets.widgets import PlanningMatrix
    from orb_widgets.widgets.context import WorkbookContext

    return PlanningMatrix(WorkbookContext(ws["store"], COUNTY, user="Ben", remember=False), scheduler=lambda *a: None)


def test_step_7_opens_a_pulse_only_on_the_click_and_shows_it_beside_the_row(ws):
    page = _step7(ws)
    ed = page.editors["C#2"]
    assert ws["store"].links(COUNTY) == [] and ed.pulse_line.value == ""  # opening the page writes nothing
    ed.pulse_button.click()
    (link,) = ws["store"].links(COUNTY)
    assert link.wave.endswith("-pulse-C-2") and link.token in ed.pulse_status.value
    _answer(ws, link, [5, 4, 4, 5, 3, 4])
    got = pulse_results(ws["store"], COUNTY)["C#2"]
    again = _step7(ws)
    shown = again.editors["C#2"].pulse_line.value
    assert f"{got.mean:.2f}" in shown and f"{got.change:+.2f}" in shown and "since the last full wave" in shown
    assert again.editors["C"].pulse_line.value == ""
    # the page's pulses are kept in the workspace (the first page kept "none yet"; the answers made it stale)
    assert cache.pulse_results(ws["store"], COUNTY) == pulse_results(ws["store"], COUNTY)


def test_step_7_shows_no_number_for_a_pulse_too_small(ws, run_orb):
    link, _ = _open(ws, run_orb)
    _answer(ws, link, [5, 5, 5, 5])
    shown = _step7(ws).editors["C"].pulse_line.value
    assert "fewer than 5 people answered" in shown and not re.search(r"\d\.\d\d", shown)


def test_a_pulse_survey_is_stored_beside_the_countys_versions_on_both_databases(any_store):
    from orb_widgets.instrument import pulse_instrument

    inst = tailor("cpm-orb", county=COUNTY, elements=["B", "C"], min_group=5)
    any_store.save_instrument(inst)
    any_store.add_responses(COUNTY, FULL, [NewResponse(role="social_workers", answers={"C1": 3})] * 5, instrument=inst)
    first, second = pulse_instrument(inst, "C", ["C"]), pulse_instrument(inst, "B", ["B"])
    assert any_store.save_instrument(first) == (first.id, -1)
    assert any_store.save_instrument(second) == (second.id, -2) and any_store.save_instrument(first)[1] == -1
    assert any_store.current_instrument(COUNTY).id == inst.id
    assert [v["id"] for v in any_store.instrument_versions(COUNTY)] == [inst.id]
    any_store.add_responses(
        COUNTY, "2026-10-pulse-C", [NewResponse(role="leadership", answers={"C1": 4})], instrument=first
    )
    assert any_store.waves(COUNTY) == [FULL] and any_store.waves(COUNTY, pulses=True) == [FULL, "2026-10-pulse-C"]
    assert any_store.pulse_waves(COUNTY) == {"2026-10-pulse-C": first.id}
    assert set(any_store.answers_frame(COUNTY)["wave"]) == {FULL}
    assert set(any_store.answers_frame(COUNTY, pulses=True)["wave"]) == {FULL, "2026-10-pulse-C"}
    # A changed full survey after a pulse: a new version 2, the pulse survey kept.
    changed = tailor("cpm-orb", county=COUNTY, elements=["C"], min_group=5)
    assert any_store.save_instrument(changed)[1] == 2 and any_store.instrument(first.id).pulse_of == "C"


def test_the_pulse_check_is_offered_in_the_surveys_other_languages():
    """A Spanish-speaking staff member reads the pulse check, its own statement too, in Spanish."""
    from orb_widgets.instrument import pulse_instrument
    from orb_widgets.survey.form import form_languages, form_view

    inst = tailor("cpm-orb", county=COUNTY, elements=["A", "B", "C"], points=5, min_group=5)
    pulse = pulse_instrument(inst, "C", ["C"])
    assert form_languages(pulse) == form_languages(inst) and "es" in form_languages(pulse)
    spanish = form_view(pulse, "es")
    last = spanish.parts[-1]
    assert last.name == "Después de la última encuesta"
    assert last.questions[-1].text.startswith("Desde la última encuesta")
    english = form_view(pulse)
    assert english.parts[-1].questions[-1].text == pulse.items[-1].text
