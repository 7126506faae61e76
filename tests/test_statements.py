"""Statement results (``items`` of ``orb score --json``, the Results page's Statements tab, the packet's
appendix) and the comment threshold: numbers checked by hand, small groups never surfacing."""

from __future__ import annotations

import json
import math
import re

import pytest

from orb_widgets.app import App
from orb_widgets.cli import main
from orb_widgets.instrument import tailor
from orb_widgets.packets import Packet
from orb_widgets.results import county_results, shareable_comments
from orb_widgets.store import NewResponse
from orb_widgets.views import statements_view
from orb_widgets.widgets.context import WorkbookContext
from orb_widgets.widgets.results import ResultsDashboard

COUNTY = "Juniper County"
WAVE = "2026-spring"
# Six people; A4 is worded the other way round; B1 has only four answers (two said "don't know").
ANSWERS = {
    "A1": [5, 4, 4, 2, 3, "dk"],
    "A4": [1, 2, 2, 5, 4, None],
    "B1": [3, 3, 3, 3, "dk", "dk"],
}


def _workspace(folder, people: int, answers=None, comment: str = "Our supervisor listens"):
    store = App.for_workspace(folder, create=True).store
    inst = tailor("cpm-orb", county=COUNTY, items=list(ANSWERS), points=5, min_group=5)
    store.save_instrument(inst)
    answers = answers or {i: [3] * people for i in ANSWERS}
    batch = [
        NewResponse(
            role="social_workers",
            answers={i: values[k] for i, values in answers.items()},
            comments={"A": f"{comment} {k}"},
        )
        for k in range(people)
    ]
    store.add_responses(COUNTY, WAVE, batch, instrument=inst, source="test")
    return store, inst


@pytest.fixture
def small(tmp_path, monkeypatch):
    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    folder = tmp_path / "ws"
    store, inst = _workspace(folder, 6, ANSWERS)
    return folder, store, inst


def test_items_are_each_statements_answers_checked_by_hand(small, capsys):
    folder, _, inst = small
    assert main(["score", "--workspace", str(folder), "--county", COUNTY, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    rows = {r["item"]: r for r in report["items"]}
    assert list(rows) == ["A1", "A4", "B1"]  # the survey's order
    a1, a4, b1 = rows["A1"], rows["A4"], rows["B1"]
    # A1: 5 4 4 2 3 and one "don't know": mean 18/5, squares about the mean 5.2 over 4, 3 of 5 in 4-5.
    assert (a1["element"], a1["n"], a1["local"], a1["suppressed"]) == ("A", 5, False, False)
    assert a1["text"] == inst.item("A1").text
    assert math.isclose(a1["mean"], 3.6) and math.isclose(a1["sd"], math.sqrt(1.3))
    assert math.isclose(a1["pct_agree"], 0.6) and math.isclose(a1["pct_dont_know"], 1 / 6)
    # A4 is turned round (1 2 2 5 4 -> 5 4 4 1 2); the skip is neither an answer nor a "don't know".
    assert a4["n"] == 5 and math.isclose(a4["mean"], 3.2) and math.isclose(a4["sd"], math.sqrt(2.7))
    assert math.isclose(a4["pct_agree"], 0.6) and a4["pct_dont_know"] == 0.0
    # B1: four answers, fewer than the smallest group of 5: nothing of it surfaces, not even its count.
    assert b1["suppressed"] is True
    assert [b1[k] for k in ("n", "mean", "sd", "pct_agree", "pct_dont_know")] == [None] * 5
    assert b1["text"] == inst.item("B1").text
    assert report["comment_min"] == 10


def test_a_wave_below_the_smallest_group_shows_no_statement(tmp_path, monkeypatch):
    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    store, _ = _workspace(tmp_path / "ws", 4)
    r = county_results(store, COUNTY)
    assert r.suppressed and len(r.items) == 3
    assert all(x.suppressed and x.n is None and x.mean is None for x in r.items)
    assert statements_view(r) is None
    page = Packet(store, COUNTY).section_html("statements")
    assert "Fewer than 5 people answered" in page and "<table" not in page


def test_statement_results_name_the_lowest_and_most_dont_know_never_a_hidden_one(small):
    folder, store, _ = small
    r = county_results(store, COUNTY)
    view = statements_view(r)
    a1, a4 = (r.items[0].text, r.items[1].text)
    assert view.lowest == (f"A4. {a4}", f"A1. {a1}")  # 3.20 below 3.60; B1 is hidden, so never named
    assert view.unsure == (f"A1. {a1}",)  # 17% chose "don't know"; A4 none
    page = Packet(store, COUNTY).section_html("statements")
    assert "Appendix: Statement results" in page
    assert (
        page.count('class="orb-table orb-stack orb-rows-long orb-statement-table"') == 2
    )  # one card-per-row table per element
    row = re.search(r"<tr><th scope=\"row\">A1\..*?</tr>", page).group(0)
    cells = re.findall(r'data-label="([^"]+)">([^<]*)<', row)
    assert cells == [
        ("People", "5"),
        ("Average", "3.60"),
        ("Agree", "60%"),
        ("Don&#39;t know", "17%"),
        ("Look at", "one of the lowest averages; many answered “don&#39;t know”"),
    ]
    b1 = re.search(r"<tr class=\"orb-hidden\"><th scope=\"row\">B1\..*?</tr>", page).group(0)
    assert "hidden: fewer than 5 answers" in b1 and not re.search(r">\d", b1)
    # The Results page's Statements tab shows the same table.
    dash = ResultsDashboard(WorkbookContext(store, COUNTY, user="", remember=False), charts=False)
    dash.tabs.selected_index = dash.PARTS.index("statements")
    assert dash.tabs.titles[dash.PARTS.index("statements")] == "Statements"
    assert row in dash.statements.value


@pytest.mark.parametrize("people, shown", [(9, False), (10, True)])
def test_comments_need_ten_people_in_the_wave(tmp_path, monkeypatch, people, shown):
    """9 people: their comments appear nowhere (page, packet); 10: they do."""
    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    store, _ = _workspace(tmp_path / "ws", people, comment="Nobody told us about the model")
    r = county_results(store, COUNTY)
    assert not r.suppressed  # the scores are shown either way (5 is the smallest group)
    assert bool(shareable_comments(store, COUNTY, r)) is shown
    dash = ResultsDashboard(WorkbookContext(store, COUNTY, user="", remember=False), charts=False)
    for index in range(len(dash.tabs.children)):
        dash.tabs.selected_index = index
    page = "".join(part.value for part in dash.tabs.children)
    packet = Packet(store, COUNTY)
    printed = "".join(packet.section_html(name) for name in ("glance", "scores", "statements"))
    for text in (page, printed):
        assert ("Nobody told us about the model" in text) is shown
        assert ("What people wrote" in text) is shown
