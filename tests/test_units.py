"""The optional "Which office or unit?" question: its breakdown, suppressed together with the roles'.

Complementary suppression holds across both breakdowns together: no group hidden for being small can
be worked out from the element's total and the groups shown in either breakdown, nor by combining
the two. Every case below is worked by hand in its comment.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from orb_cli import orb as _orb

from orb_widgets.exceptions import InvalidValue, WorkspaceError
from orb_widgets.instrument import tailor
from orb_widgets.scoring import score

ITEMS = pd.DataFrame({"item": ["a1"], "element": "A", "reverse": False})
LEVELS = {"supervisors": "supervisor", "workers": "staff", "nurses": "staff"}


def _wave(people):
    """``people``: (role, unit or None, how many, their answer to a1)."""
    rows, n = [], 0
    for role, unit, count, value in people:
        for _ in range(count):
            rows.append({"respondent": f"r{n}", "wave": "W1", "role": role, "unit": unit, "item": "a1",
                         "value": float(value), "dont_know": False})  # fmt: skip
            n += 1
    return pd.DataFrame(rows)


def _shown(result, by):
    return {row[by]: (row["n"], row["mean"]) for row in result[f"by_{by}"] if not row["suppressed"]}


def _hidden(result, by):
    rows = result[f"by_{by}"]
    assert all(r["n"] is None and r["mean"] is None for r in rows if r["suppressed"])
    return {r[by] for r in rows if r["suppressed"]}


def test_everything_is_shown_when_every_group_is_large():
    answers = _wave([("workers", "North", 6, 4), ("workers", "South", 5, 2), ("supervisors", "North", 5, 5)])
    r = score(answers, ITEMS, 5, 5, LEVELS, units=["North", "South"])
    assert _shown(r, "unit") == {"North": (11, (6 * 4 + 5 * 5) / 11), "South": (5, 2.0)}
    assert _shown(r, "role") == {"workers": (11, (6 * 4 + 5 * 2) / 11), "supervisors": (5, 5.0)}
    assert not _hidden(r, "unit") and not _hidden(r, "role")


def test_a_hidden_unit_next_to_a_shown_one_takes_the_next_smallest_with_it():
    # North 3 is small. With South 10 and West 6 shown, North = 19 - 10 - 6: West, the next smallest,
    # is hidden too; South stays. Roles (all workers, 19) show only the total again.
    answers = _wave([("workers", "North", 3, 1), ("workers", "South", 10, 4), ("workers", "West", 6, 3)])
    r = score(answers, ITEMS, 5, 5, LEVELS, units=["North", "South", "West"])
    assert _hidden(r, "unit") == {"North", "West"}
    assert _shown(r, "unit") == {"South": (10, 4.0)}
    assert _shown(r, "role") == {"workers": (19, (3 + 40 + 18) / 19)}
    # Two units, one small: both hidden (the total would give the small one away).
    two = score(_wave([("workers", "North", 3, 1), ("workers", "South", 10, 4)]), ITEMS, 5, 5, LEVELS)
    assert _hidden(two, "unit") == {"North", "South"}


def test_a_hidden_unit_the_role_table_would_give_away_is_protected():
    # North: 3 workers (small). South: 12 workers. West: the 8 supervisors, and no one else.
    # On its own the unit table hides North and West (next smallest) and shows South 12. But the
    # role table shows supervisors 8 = West, so North = total 23 - South 12 - supervisors 8 (its mean
    # too: (23·mean - 12·4 - 8·5) / 3). Hiding supervisors would not help (workers 15 - South 12 is
    # North again); hiding South does: North and South are then only known together (workers 15).
    answers = _wave([("workers", "North", 3, 1), ("workers", "South", 12, 4), ("supervisors", "West", 8, 5)])
    alone = score(answers.drop(columns="unit"), ITEMS, 5, 5, LEVELS)
    assert _shown(alone, "role") == {"workers": (15, (3 + 48) / 15), "supervisors": (8, 5.0)}
    r = score(answers, ITEMS, 5, 5, LEVELS, units=["North", "South", "West"])
    assert _hidden(r, "unit") == {"North", "South", "West"}
    assert _shown(r, "role") == {"workers": (15, (3 + 48) / 15), "supervisors": (8, 5.0)}
    element = r["elements"][0]
    assert element["n"] == 23 and np.isclose(element["mean"], (3 + 48 + 40) / 23)


def test_a_hidden_role_the_unit_table_would_give_away_is_protected():
    # Nurses 2 (small) and supervisors 6 (next smallest) hide each other in the role table.
    # First county: the 6 supervisors, 2 nurses and 5 workers are West (13), 12 workers North.
    # Shown: workers 17, North 12, West 13, total 25. Nurses + supervisors = 25 - 17 = 8, and
    # West - (workers - North) = 13 - 5 = 8 too: the same 8 people, never the 2 nurses alone.
    safe = _wave([("supervisors", "West", 6, 5), ("nurses", "West", 2, 1), ("workers", "West", 5, 3),
                  ("workers", "North", 12, 4)])  # fmt: skip
    r = score(safe, ITEMS, 5, 5, LEVELS, units=["North", "West"])
    assert _hidden(r, "role") == {"nurses", "supervisors"}
    assert _shown(r, "role") == {"workers": (17, (15 + 48) / 17)}
    assert _shown(r, "unit") == {"North": (12, 4.0), "West": (13, (30 + 2 + 15) / 13)}
    # Second county: the supervisors are a unit of their own, East 6. Cells: (sup, East) 6,
    # (nurse, West) 2, (worker, West) 5, (worker, North) 12. The hidden supervisors are East, so
    # nurses = total 25 - workers 17 - East 6 = 2 people, worked out (mean: (25·m - 17·m_w - 6·5) / 2).
    # Hiding East alone: nurses = West 7 - (workers 17 - North 12). West alone or North alone: still
    # total - workers - East. Hiding workers: total, North, West, East leave only West's 7 (nurses
    # and 5 workers together). So the workers go, and the role table shows nothing; every unit shows.
    exposed = _wave([("supervisors", "East", 6, 5), ("nurses", "West", 2, 1), ("workers", "West", 5, 3),
                     ("workers", "North", 12, 4)])  # fmt: skip
    r = score(exposed, ITEMS, 5, 5, LEVELS, units=["North", "West", "East"])
    assert _hidden(r, "role") == {"nurses", "supervisors", "workers"}
    assert _shown(r, "unit") == {"North": (12, 4.0), "West": (7, (2 + 15) / 7), "East": (6, 5.0)}
    # Without the unit question the same people show the workers (nothing to combine with).
    alone = score(exposed.drop(columns="unit"), ITEMS, 5, 5, LEVELS)
    assert _shown(alone, "role") == {"workers": (17, (15 + 48) / 17)}


def test_people_who_name_no_unit_count_in_the_total_and_in_their_role_only():
    answers = _wave([("workers", "North", 6, 4), ("workers", None, 5, 2)])
    r = score(answers, ITEMS, 5, 5, LEVELS, units=["North", "South"])
    assert _shown(r, "unit") == {"North": (6, 4.0)}
    assert [row["unit"] for row in r["by_unit"]] == ["North"]
    assert r["elements"][0]["n"] == 11
    # Without the question, no unit breakdown at all.
    assert score(answers.drop(columns="unit"), ITEMS, 5, 5, LEVELS)["by_unit"] == []


# ------------------------------------------------------------------ stored with the response
def _people(role, unit, count, value, items=("A1", "A2")):
    from orb_widgets.store import NewResponse

    return [NewResponse(role=role, unit=unit, answers=dict.fromkeys(items, value)) for _ in range(count)]


def test_the_unit_is_stored_with_the_response_and_broken_down_on_both_databases(db_url):
    from orb_widgets.results import county_results
    from orb_widgets.store import Store
    from orb_widgets.store.schema import _ENGINES

    store = Store(db_url)
    inst = tailor("cpm-orb", county="Cedar County", items="A1,A2", min_group=5,
                  units="North office, South office, West office")  # fmt: skip
    store.save_instrument(inst)
    people = _people("social_workers", "North office", 6, 4) + _people("social_workers", "south OFFICE", 5, 2)
    people += _people("social_workers", None, 4, 3) + _people("supervisors", "West office", 3, 5)
    store.add_responses("Cedar County", "W1", people, instrument=inst, source="test")
    report = county_results(store, "Cedar County")
    rows = {(u.unit, u.element): u for u in report.by_unit}
    # West 3 is small; South 5 is the next smallest shown unit, hidden with it. North shows.
    assert (rows[("North office", "A")].n, rows[("North office", "A")].mean) == (6, 4.0)
    assert rows[("West office", "A")].suppressed and rows[("West office", "A")].n is None
    assert rows[("South office", "A")].suppressed and rows[("South office", "A")].mean is None
    assert report.elements[0].n == 18  # the four who named no unit count in the total
    with pytest.raises(InvalidValue, match="office or unit 'East office' is not one this survey lists"):
        store.add_responses("Cedar County", "W1", _people("social_workers", "East office", 1, 4), instrument=inst)
    _ENGINES.pop(db_url, None)


def test_the_upgrade_to_schema_5_keeps_every_response_on_both_databases(db_url):
    from orb_widgets.results import county_results
    from orb_widgets.store import Store
    from orb_widgets.store.schema import _ENGINES

    store = Store(db_url)
    inst = tailor("cpm-orb", county="Cedar County", items="A1,A2", min_group=5)
    store.save_instrument(inst)
    store.add_responses("Cedar County", "W1", _people("social_workers", None, 6, 4), instrument=inst, source="test")
    before = county_results(store, "Cedar County").model_dump()
    with store.engine.begin() as conn:  # back to schema 4's layout
        conn.exec_driver_sql("ALTER TABLE responses DROP COLUMN unit")
        conn.exec_driver_sql("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    _ENGINES.pop(db_url, None)
    with pytest.raises(WorkspaceError, match="orb init --upgrade"):
        Store(db_url)
    upgraded = Store(db_url, upgrade=True)
    assert upgraded.upgraded == (4, 5)
    assert county_results(upgraded, "Cedar County").model_dump() == before
    with_units = tailor("cpm-orb", county="Cedar County", items="A1,A2", min_group=5, units="North,South")
    upgraded.save_instrument(with_units)
    upgraded.add_responses("Cedar County", "W2", _people("social_workers", "North", 6, 2), instrument=with_units)
    assert [(u.unit, u.n) for u in county_results(upgraded, "Cedar County", "W2").by_unit] == [("North", 6)]
    _ENGINES.pop(db_url, None)


# ------------------------------------------------------------------ made, asked, imported
def test_cli_adds_the_unit_question_and_an_import_reads_its_column(workspace, capsys, tmp_path):
    from orb_widgets.app import App
    from orb_widgets.results import county_results

    assert _orb(capsys, "init", "--workspace", workspace)[0] == 0
    code, out, err = _orb(capsys, "instrument", "create", "--workspace", workspace, "--county", "Bayside County",
                          "--framework", "cpm-orb", "--items", "A1,A2", "--min-group", "3",
                          "--units", "North office, South office,West office")  # fmt: skip
    assert code == 0 and "it asks which office or unit (3 listed)" in out, err
    inst = App.for_workspace(workspace).store.current_instrument("Bayside County")
    assert inst.units == ["North office", "South office", "West office"]
    assert inst.to_json()["unit_question"] == {"text": "Which office or unit?", "options": inst.units}
    # A column headed like the question; "Prefer not to say" and empty name no unit.
    rows = ["Role,Which office or unit?,[A1] a,[A2] b"]
    rows += ["Supervisor,north office,4,4"] * 3 + ["Supervisor,South office,2,2"] * 3
    rows += ["Supervisor,Prefer not to say,3,3", "Supervisor,,3,3"]
    export = tmp_path / "export.csv"
    export.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, out, err = _orb(capsys, "import", str(export), "--workspace", workspace, "--county", "Bayside County",
                          "--wave", "W1")  # fmt: skip
    assert code == 0 and "Imported 8 responses" in out, err
    report = county_results(App.for_workspace(workspace).store, "Bayside County")
    assert [(u.unit, u.n, u.mean) for u in report.by_unit] == [("North office", 3, 4.0), ("South office", 3, 2.0)]
    assert report.elements[0].n == 8
    bad = tmp_path / "bad.csv"
    bad.write_text("Role,Which office or unit?,[A1] a\nSupervisor,East office,4\n", encoding="utf-8")
    code, _, err = _orb(capsys, "import", str(bad), "--workspace", workspace, "--county", "Bayside County",
                        "--wave", "W2")  # fmt: skip
    assert code == 2 and "not one of this survey's offices or units" in err and "East office" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "units, words",
    [
        ("North,north", "--units: office or unit 'north' is listed twice; keep one"),
        ("North", "--units: only one office or unit ('North'): list two or more"),
        ("North,Prefer not to say", "--units: 'Prefer not to say' is always offered"),
    ],
)
def test_cli_bad_units_are_one_line_and_exit_2(workspace, capsys, units, words):
    assert _orb(capsys, "init", "--workspace", workspace)[0] == 0
    code, _, err = _orb(capsys, "instrument", "create", "--workspace", workspace, "--county", "Bayside County",
                        "--framework", "cpm-orb", "--units", units)  # fmt: skip
    assert code == 2 and words in err and len(err.strip().splitlines()) == 1, err


def test_tailoring_adds_the_unit_question_and_opens_a_survey_made_with_it(workspace):
    from orb_widgets.app import App
    from orb_widgets.widgets import TailorAssessment
    from orb_widgets.widgets.context import WorkbookContext

    store = App.for_workspace(workspace, create=True).store
    store.add_county("Cedar County", "cpm-orb")

    def open_page(user):
        return TailorAssessment(WorkbookContext(store, "Cedar County", user=user, remember=False),
                                scheduler=lambda delay, callback: None)  # fmt: skip

    page = open_page("Ana")
    page.units.value = "North office\n  South   office\n"
    inst = page.save()
    assert inst is not None, page.status.text
    assert inst.units == ["North office", "South office"]
    assert inst.id == tailor("cpm-orb", county="Cedar County", routed=True, units="North office,South office").id
    again = open_page("Ben")
    assert again.units.value == "North office\nSouth office" and again.build().id == inst.id
    again.units.value = "North office\nnorth office"
    assert again.save() is None and "listed twice" in again.status.text


@pytest.fixture
def unit_server(tmp_path, monkeypatch):
    from survey_server import COUNTY, make_workspace, start

    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    store = make_workspace(tmp_path / "ws")
    store.save_instrument(tailor("cpm-orb", county=COUNTY, routed=True, units="North office,South office"))
    running = start(tmp_path / "ws")
    yield running
    running.stop()


def test_the_survey_asks_the_unit_after_the_role_optional_and_stores_it(unit_server):
    from survey_server import COUNTY, WAVE, Browser

    b = Browser()
    first = b.get(unit_server.link())
    assert 'name="unit"' not in first  # the routed first page asks the role only
    page = b.get(unit_server.link(query="?role=supervisors"))
    assert page.index('id="role"') < page.index("Which office or unit?") < page.index('name="q-')
    assert re.findall(r'name="unit" value="([^"]*)"', page) == ["North office", "South office", ""]
    assert "Prefer not to say" in page and 'name="unit" value="" checked' in page  # nothing named unless chosen
    form = b.hidden()
    b.post(unit_server.link(), {"q-A1": "4", "unit": "East office"}, hidden=form)
    assert b.status == 400 and "Please choose an office or unit from the list" in b.page
    assert unit_server.store.response_count(COUNTY, WAVE) == 0
    b.post(unit_server.link(), {"q-A1": "4", "unit": "South office"})
    assert "Thank you" in b.page
    b.get(unit_server.link(query="?role=supervisors"))
    b.post(unit_server.link(), {"q-A1": "2", "unit": ""})  # Prefer not to say
    stored = unit_server.store.answers_frame(COUNTY)
    assert sorted(stored["unit"].fillna("-")) == ["-", "South office"]
    spanish = b.get(unit_server.link(query="?role=supervisors&lang=es"))
    assert "¿En qué oficina o unidad trabaja?" in spanish and "Prefiero no decirlo" in spanish


def test_results_and_the_packet_show_units_with_the_role_table_and_never_a_hidden_number(tmp_path, monkeypatch):
    from orb_widgets.app import App
    from orb_widgets.render import render
    from orb_widgets.results import county_results
    from orb_widgets.views import results_view

    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    store = App.for_workspace(tmp_path / "ws", create=True).store
    inst = tailor("cpm-orb", county="Cedar County", items="A1,A2", min_group=5, units="North,South,West")
    store.save_instrument(inst)
    # The case worked by hand above: West is exactly the supervisors, so North (3) would follow
    # from the total, South and the supervisors; every unit is hidden, both role groups show.
    people = _people("social_workers", "North", 3, 1) + _people("social_workers", "South", 12, 4)
    people += _people("supervisors", "West", 8, 5)
    store.add_responses("Cedar County", "W1", people, instrument=inst, source="test")
    report = county_results(store, "Cedar County")
    view = results_view(report)
    assert view.units.heads == ("Element", "North", "South", "West")
    assert [line.cells for line in view.units.lines] == [("hidden",) * 3]
    assert view.roles.lines[0].cells == ("5.00", "3.40")  # supervisors 5, workers (3 + 48) / 15
    html = render(
        "packet_roles.html.j2", id="roles", title="By role group", words=None, missing="", view=view, gap=False
    )
    assert "By office or unit" in html and "Average score by office or unit" in html
    assert "1.00" not in html and "4.00" not in html  # North's and South's own averages never appear


def test_the_paper_survey_and_the_survey_tool_text_ask_the_unit_after_the_role():
    from orb_widgets.instrument import export_printable, export_text

    inst = tailor("cpm-orb", county="Cedar County", items="A1", units="North office,South office")
    text = export_text(inst)
    assert text.index("ROLE:") < text.index("Which office or unit?") < text.index("SECTION A")
    assert "  ( ) South office\n  ( ) Prefer not to say\n" in text
    paper = export_printable(inst)
    assert paper.index("Which office or unit?") < paper.index("A. ") and "&#9744; North office" in paper
    assert "office or unit" not in export_text(tailor("cpm-orb", county="Cedar County", items="A1"))


# ------------------------------------------------------------------ the rule on random counties
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

ROLES = ["supervisors", "workers", "nurses"]
UNITS = ["North", "South", "West", None]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(ROLES), st.sampled_from(UNITS), st.integers(1, 9)), min_size=1, max_size=8))
def test_no_small_group_of_either_table_follows_from_what_is_shown(cells):
    people = _wave([(role, unit, count, 1 + count % 5) for role, unit, count in cells])
    r = score(people, ITEMS, 5, 5, LEVELS, units=UNITS[:3])
    # Everyone's role × unit cell, and each listed group as the cells it covers (checked by least squares,
    # not by the rank test the scoring uses).
    cell = people.groupby([people["role"], people["unit"].fillna("-")]).size()
    keys = list(cell.index)

    def cover(by, group):
        return np.array([float((k[0] if by == "role" else k[1]) == group) for k in keys])

    total = [np.ones(len(keys))] if r["elements"][0]["n"] is not None else []
    shown = total + [cover(by, row[by]) for by in ("role", "unit") for row in r[f"by_{by}"] if not row["suppressed"]]
    for by in ("role", "unit"):
        sizes = people.groupby(by).size() if by == "role" else people.dropna(subset=["unit"]).groupby("unit").size()
        for row in r[f"by_{by}"]:
            if sizes[row[by]] < 5:
                assert row["suppressed"] and row["n"] is None and row["mean"] is None
                target = cover(by, row[by])
                if shown:
                    basis = np.column_stack(shown)
                    fit = basis @ np.linalg.lstsq(basis, target, rcond=None)[0]
                    assert not np.allclose(fit, target), (by, row[by], cells)
