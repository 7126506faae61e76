"""A coach on the hub: the webinar series of every county, and no survey result or packet by any route."""

from __future__ import annotations

import sys
import urllib.parse
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "browser"))
sys.path.insert(0, str(Path(__file__).parent))
from hub_server import TEAMS, A, B, start_hub, stop_hub  # noqa: E402
from test_hub import Person  # noqa: E402


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    running = start_hub(tmp_path_factory.mktemp("hub"), TEAMS.replace("counties:", "coaches: [kim]\ncounties:"))
    yield running
    stop_hub(running)


@pytest.mark.hub
def test_a_coach_sees_the_series_of_every_county_and_no_survey_result_by_any_route(hub):
    from orb_widgets.app import App
    from orb_widgets.webinar import storage

    store = App.for_workspace(hub["ws"]).store
    events = storage.events(store)
    assert events  # the demo's series
    kim = Person(hub, "kim")
    # the home page offers the webinar series only: no results step, no packet page
    assert "02-breakout-session" in kim.home and "the webinar series (coach)" in kim.home
    assert "06-results" not in kim.home and "orb/packets" not in kim.home
    _, chan = kim.page("02-breakout-session.ipynb")
    states = chan.widget_states()
    chan.close()
    shown = "\n".join(str(st.get("value", "")) for st in states.values())
    # the coach's console, not a county's part: the follow-ups of every county of the series
    assert "Events and rooms" in shown
    follow = next(st for st in states.values() if str(st.get("description", "")).startswith("Follow-up for"))
    assert {A, B} <= set(follow["_options_labels"])
    refused = {
        "results": kim.get("voila/render/06-results.ipynb"),
        "results of B": kim.get("voila/render/06-results.ipynb", county=B),
        "planning matrix": kim.get("voila/render/07-planning-matrix.ipynb"),
        "start page": kim.get("voila/render/01-start-here.ipynb"),
        "tailoring": kim.get("voila/render/04-tailor-assessment.ipynb"),
        "../ to results": kim.get("voila/render/..%2Fnotebooks%2F06-results.ipynb"),
        "packets": kim.get("orb/packets"),
        "overview": kim.get("orb/packets/index.html"),
        "manifest": kim.get("orb/packets/manifest.json"),
        "build": kim.post("orb/packets/build", {"county": A}),
        "files": kim.get("files/06-results.ipynb"),
        "database": kim.get("files/" + urllib.parse.quote(str(hub["ws"] / "orb.sqlite"))),
        "voila files": kim.get("voila/files/" + urllib.parse.quote(str(hub["ws"] / "orb.sqlite"))),
        "contents": kim.get("api/contents"),
        "lab": kim.get("lab"),
    }
    for route, r in refused.items():
        assert r.status_code in (403, 404, 405), (route, r.status_code, r.url)
        assert "Mean" not in r.text and "respondents" not in r.text, route


def test_the_teams_file_names_coaches_and_a_coach_is_in_one_place_only(tmp_path):
    from orb_widgets.exceptions import OrbError
    from orb_widgets.hub.config import spawn_settings
    from orb_widgets.hub.singleuser import CoachAuthorizer, coach_notebooks, server_config
    from orb_widgets.hub.teams import read_teams
    from orb_widgets.settings import Settings

    path = tmp_path / "teams.yaml"
    path.write_text(TEAMS.replace("counties:", "coaches: [Kim]\ncounties:"), "utf-8")
    teams = read_teams(path)
    assert teams.coaches == {"kim"} and "kim" in teams.users
    coach = spawn_settings(Settings(workspace=tmp_path), teams, "kim")
    assert coach.coach and not coach.locked and coach.county == ""
    assert not spawn_settings(Settings(workspace=tmp_path), teams, "cora").coach
    assert Settings.from_env(coach.to_env()).coach
    coach = coach_notebooks(coach, tmp_path / "nb")
    config = server_config(coach)["ServerApp"]
    assert sorted(p.name for p in Path(config["root_dir"]).iterdir()) == ["02-breakout-session.ipynb"]
    assert config["jpserver_extensions"]["orb_widgets.hub.packet_page"] is False
    assert config["authorizer_class"].endswith("CoachAuthorizer")
    assert ("orb_packets", "read") not in CoachAuthorizer.allowed
    for text, says in [
        (
            TEAMS.replace("coordinators: [cora]", "coordinators: [cora]\ncoaches: [cora]"),
            "both a coach and a coordinator",
        ),
        (TEAMS.replace("counties:", "coaches: [ana]\ncounties:"), "both a coach and in Alder Creek County's team"),
        (TEAMS.replace("counties:", "coaches: kim\ncounties:"), "'coaches' are lists of names"),
    ]:
        path.write_text(text, "utf-8")
        with pytest.raises(OrbError, match=says):
            read_teams(path)
