"""Response rates: how many people a survey link went to and its closing day, stored with the link
(schema 4), and "answered of invited" wherever the answers are counted (command line, step 5, packet,
statewide index), per role group only where that group's count is shown."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from pathlib import Path

import pytest
from orb_cli import orb

from orb_widgets.app import App
from orb_widgets.exceptions import WorkspaceError
from orb_widgets.instrument import tailor
from orb_widgets.packets import Packet, run_packets
from orb_widgets.store import NewResponse, Store, schema
from orb_widgets.widgets.context import WorkbookContext
from orb_widgets.widgets.form import SurveyLinks

FIXTURES = Path(__file__).parent / "fixtures"
COUNTY = "Juniper County"
WAVE = "2026-spring"
# Supervisors are too few to show; leadership is then hidden with them, so the total cannot give them away.
PEOPLE = {"leadership": 6, "supervisors": 2, "social_workers": 10}
INVITED = "leadership=8,supervisors=4,social_workers=20"


def _workspace(folder: Path, people: dict = PEOPLE) -> Store:
    store = App.for_workspace(folder, create=True).store
    inst = tailor("cpm-orb", county=COUNTY, elements=["A"], points=5, min_group=5)
    store.save_instrument(inst)
    batch = [
        NewResponse(role=role, answers={i.id: 3 for i in inst.items}) for role, n in people.items() for _ in range(n)
    ]
    store.add_responses(COUNTY, WAVE, batch, instrument=inst, source="test")
    return store


@pytest.fixture
def ws(tmp_path, monkeypatch):
    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    monkeypatch.delenv("ORB_WORKSPACE", raising=False)
    folder = tmp_path / "ws"
    return folder, _workspace(folder)


def test_answered_of_invited_overall_and_only_for_groups_whose_count_is_shown(ws, capsys):
    folder, store = ws
    closes = dt.date.today() + dt.timedelta(days=5)
    code, out, err = orb(
        capsys, "survey", "open", "--workspace", folder, "--county", COUNTY, "--invited", INVITED, "--closes", closes
    )
    assert code == 0, err
    assert "18 of 32 answered (56%)" in out and "closes in 5 days" in out
    assert "Social worker or other line staff: 10 of 20 answered (50%)" in out
    link = store.links(COUNTY)[0]
    assert (link.invited, dict(link.invited_roles), link.closes_on) == (
        32,
        {"leadership": 8, "supervisors": 4, "social_workers": 20},
        closes,
    )
    code, listed, _ = orb(capsys, "survey", "list", "--workspace", folder)
    assert code == 0 and "18 of 32 answered (56%) | closes in 5 days" in listed
    # step 5 and the packet's cover say the same
    page = SurveyLinks(WorkbookContext(store, COUNTY, user="", remember=False), "http://x").count_html.value
    cover = Packet(store, COUNTY).section_html("cover")
    for text in (out, listed, page, cover):
        assert "10 of 20 answered (50%)" in text
        # two supervisors, and the leadership count that would give them away, never surface
        assert "of 4 answered" not in text and "of 8 answered" not in text
        assert not re.search(r"\b[26] of", text)
    assert "The link closes in 5 days" in page and "closes in 5 days" in cover


def test_a_wave_below_the_smallest_group_gives_no_count_in_the_packet(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    folder = tmp_path / "ws"
    store = _workspace(folder, {"social_workers": 4})
    assert orb(capsys, "survey", "open", "--workspace", folder, "--county", COUNTY, "--invited", 30)[0] == 0
    cover = Packet(store, COUNTY).section_html("cover")
    assert "fewer than 5 of 30 answered" in cover and "4 of 30" not in cover


@pytest.mark.parametrize(
    "args, words",
    [
        (["--invited", "leadership=3,nurses=5"], ["'nurses'", "leadership, supervisors, social_workers"]),
        (["--invited", "many"], ["--invited takes a number", "'many'"]),
        (["--invited", "0"], ["whole number above 0"]),
        (["--closes", "2026-02-30"], ["--closes takes a date written YYYY-MM-DD", "'2026-02-30'"]),
        (["--closes", "next friday"], ["--closes takes a date written YYYY-MM-DD"]),
        (["--closes", "2001-01-01"], ["--closes 2001-01-01 is in the past"]),
    ],
)
def test_a_bad_invited_count_or_closing_day_is_one_clear_line_and_opens_nothing(ws, capsys, args, words):
    folder, store = ws
    code, out, err = orb(capsys, "survey", "open", "--workspace", folder, "--county", COUNTY, *args)
    assert code == 2 and out == "" and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    for word in words:
        assert word in err
    assert store.links(COUNTY) == []


def test_step_5_sets_the_invited_counts_and_the_closing_day(ws):
    folder, store = ws
    page = SurveyLinks(WorkbookContext(store, COUNTY, user="Ana", remember=False), "http://x")
    assert page.plan_box.layout.display == "none"  # no link yet: nothing to set
    page.open_button.click()
    assert page.plan_box.layout.display is None
    page.invited.value = 40
    page.closes.value = dt.date.today()
    page.plan_button.click()
    link = store.links(COUNTY)[0]
    assert (link.invited, link.invited_roles, link.closes_on) == (40, None, dt.date.today())
    assert "18 of 40 answered (45%)" in page.count_html.value and "The link closes today" in page.count_html.value
    # counted per role group instead: the total is their sum, and the shown group gets its own line
    page.invited_roles["social_workers"].value = 20
    page.invited_roles["supervisors"].value = 4
    page.plan_button.click()
    assert store.links(COUNTY)[0].invited_roles == {"supervisors": 4, "social_workers": 20}
    assert "18 of 24 answered (75%)" in page.count_html.value
    assert "10 of 20 answered (50%)" in page.count_html.value and "of 4 answered" not in page.count_html.value
    page.close_button.click()
    assert f"closed on {dt.date.today():%B} {dt.date.today().day}" in page.count_html.value


def test_the_statewide_index_shows_answered_of_invited_and_the_days_left(ws, tmp_path, capsys):
    folder, store = ws
    closes = dt.date.today() + dt.timedelta(days=3)
    assert (
        orb(capsys, "survey", "open", "--workspace", folder, "--county", COUNTY, "--invited", 24, "--closes", closes)[0]
        == 0
    )
    out = tmp_path / "packets"
    run_packets(folder, out=out, pdf=False, progress=False)
    index = (out / "index.html").read_text("utf-8")
    assert re.search(r'data-label="Survey">18 of 24 answered \(75%\); closes in 3 days, on ', index)


# ------------------------------------------------------------------ the schema upgrade
def test_a_schema_3_workspace_is_upgraded_and_its_links_take_counts(tmp_path, capsys, monkeypatch):
    """``workspace-v3.sql`` was written by ORB Workbook at schema 3: six answers and one open link."""
    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    folder = tmp_path / "ws"
    folder.mkdir()
    with sqlite3.connect(folder / "orb.sqlite") as db:
        db.executescript((FIXTURES / "workspace-v3.sql").read_text("utf-8"))
    code, _, err = orb(capsys, "survey", "list", "--workspace", folder)
    assert code == 2 and "orb init --upgrade" in err
    code, out, err = orb(capsys, "init", "--upgrade", "--workspace", folder)
    assert code == 0 and "from layout 3 to 5" in out, err
    store = App.for_workspace(folder).store
    (link,) = store.links("Old County")
    assert (link.token, link.wave, link.opened_by, link.is_open) == ("oIHffD4uS2PA-Wd7H9r6gHug", WAVE, "Ana", True)
    assert (link.invited, link.invited_roles, link.closes_on) == (None, None, None)
    store.plan_link(link.token, {"social_workers": 10}, dt.date.today() + dt.timedelta(days=2))
    code, out, _ = orb(capsys, "survey", "list", "--workspace", folder)
    assert code == 0 and "6 responses | 6 of 10 answered (60%) | closes in 2 days" in out
    assert orb(capsys, "init", "--upgrade", "--workspace", folder)[1].startswith("Workspace ready")


def test_the_upgrade_to_schema_4_keeps_every_link_on_both_databases(db_url, tmp_path):
    store = Store(db_url)
    inst = tailor("cpm-orb", county=COUNTY, elements=["A"], points=5, min_group=5)
    store.save_instrument(inst)
    token = store.open_link(COUNTY, WAVE, user="Ana", invited=12).token
    with store.engine.begin() as conn:  # back to schema 3's layout
        for column in ("invited", "invited_roles", "closes_on"):
            conn.exec_driver_sql(f"ALTER TABLE survey_links DROP COLUMN {column}")
        conn.exec_driver_sql("ALTER TABLE responses DROP COLUMN unit")  # schema 5's
        conn.exec_driver_sql("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    with pytest.raises(WorkspaceError, match="orb init --upgrade"):
        Store(db_url)
    upgraded = Store(db_url, upgrade=True)
    assert upgraded.upgraded == (3, 5)
    (link,) = upgraded.links(COUNTY)
    assert (link.token, link.opened_by, link.invited) == (token, "Ana", None)
    upgraded.plan_link(token, {"leadership": 3, "partners": 9}, None)
    assert upgraded.link(token).invited == 12 and upgraded.link(token).invited_roles == {"leadership": 3, "partners": 9}
    schema._ENGINES.pop(db_url, None)
