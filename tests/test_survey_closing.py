"""A survey link closes itself after its closing day: the page says so kindly, answers sent later are not
stored, and ``orb survey list`` (and its ``--json``) says the link is closed. Checked at the date boundary
with the survey's own clock set to the closing day and to the day after (no waiting, no real midnight)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from survey_server import COUNTY, WAVE, Browser, make_workspace, start

from orb_widgets.cli import main
from orb_widgets.format import closing
from orb_widgets.results import response_rate

ANSWERS = {"role": "supervisors", "q-A1": "4", "q-A2": "5"}


@pytest.fixture
def server(tmp_path, monkeypatch):
    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    make_workspace(tmp_path / "ws")
    running = start(tmp_path / "ws")
    running.day = dt.date.today()  # read here, not when the module is imported: a run may cross midnight
    running.store.plan_link(running.token, 30, running.day)  # closes at the end of today
    yield running
    running.stop()


def test_the_link_takes_answers_through_its_closing_day(server):
    server.survey.today = lambda: server.day
    b = Browser()
    b.get(server.link())
    assert b.status == 200 and "<form" in b.page
    b.post(server.link(), ANSWERS)
    assert b.status == 200 and server.store.response_count(COUNTY, WAVE) == 1


def test_the_day_after_its_closing_day_the_page_says_it_has_closed_kindly(server):
    server.survey.today = lambda: server.day
    b = Browser()
    b.get(server.link())  # the form was opened on the last day …
    server.survey.today = lambda: server.day + dt.timedelta(days=1)  # … and sent after midnight
    b.post(server.link(), ANSWERS)
    assert b.status == 410 and "This survey closed before your answers arrived" in b.page
    assert b.checked()["q-A1"] == "4"  # what they chose is still on screen
    assert server.store.response_count(COUNTY, WAVE) == 0
    b.get(server.link())
    assert b.status == 410 and "<form" not in b.page
    assert "This survey has closed" in b.page and "Thank you for wanting to take part" in b.page
    # The other county's link has no closing day: still open.
    b.get(server.link(server.other_token))
    assert b.status == 200 and "<form" in b.page


def test_the_link_is_open_on_its_day_and_closed_after_it_everywhere(server):
    link = server.store.link(server.token)
    assert link.open_on(server.day) and not link.open_on(server.day + dt.timedelta(days=1))
    assert response_rate(server.store, link, server.day).closing == "closes today"
    after = response_rate(server.store, link, server.day + dt.timedelta(days=1)).closing
    assert (
        after
        == closing(server.day, server.day + dt.timedelta(days=1))
        == f"closed on {server.day:%B} {server.day.day}, {server.day.year}"
    )


def test_orb_survey_list_json_is_the_documented_contract(server, capsys, tmp_path):
    folder = str(tmp_path / "ws")
    assert main(["survey", "list", "--workspace", folder, "--county", COUNTY, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["county"] for r in rows] == [COUNTY]
    row = rows[0]
    assert row["token"] == server.token and row["url"].endswith(f"/survey/{server.token}")
    assert (row["open"], row["closes_on"], row["invited"], row["closed_at"]) == (True, server.day.isoformat(), 30, None)
    assert (row["responses"], row["answered"], row["closing"]) == (0, "0 of 30 answered (0%)", "closes today")
    server.store.close_link(server.token)
    assert main(["survey", "list", "--workspace", folder, "--county", COUNTY, "--json"]) == 0
    row = json.loads(capsys.readouterr().out)[0]
    assert row["open"] is False and row["closed_at"] and row["closing"].startswith("closed on ")
    assert main(["survey", "list", "--workspace", folder, "--county", "Nowhere County", "--json"]) == 2
    assert "Nowhere County" in capsys.readouterr().err
