"""The one settings object: read once from the environment, passed down."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import pytest

from orb_widgets.paths import database_url
from orb_widgets.settings import CountyLocked, Settings

ROOT = Path(__file__).resolve().parent.parent


def test_settings_come_from_the_environment_once_and_round_trip(tmp_path):
    env = {
        "ORB_WORKSPACE": str(tmp_path / "ws"),
        "ORB_COUNTY": "Alder County",
        "ORB_WAVE": "2026-fall",
        "ORB_LOCKED": "1",
        "ORB_SERVED": "1",
        "ORB_REMEMBER_NAME": "0",
        "ORB_NAME_FILE": str(tmp_path / "n"),
        "ORB_DATABASE_URL": "postgresql://db/orb",
        "QUERY_STRING": "county=Alder+County",
    }
    s = Settings.from_env(env)
    assert (s.workspace, s.county, s.wave, s.locked, s.served, s.remember_name) == (
        (tmp_path / "ws").resolve(),
        "Alder County",
        "2026-fall",
        True,
        True,
        False,
    )
    assert database_url(None, s) == "postgresql://db/orb" and s.page_query == "county=Alder+County"
    assert Settings.from_env({**s.to_env(), "QUERY_STRING": s.page_query}) == s
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.county = "Other"  # frozen: nothing deeper in the package can change it
    plain = Settings.from_env({"ORB_WORKSPACE": str(tmp_path)})
    assert database_url(None, plain) == f"sqlite:///{tmp_path.resolve() / 'orb.sqlite'}"
    assert plain.remember_name and not plain.locked and not plain.served


def test_only_served_pages_read_the_county_from_their_address():
    assert Settings.from_env({"QUERY_STRING": "county=X"}).page_query == ""
    s = Settings.from_env({"ORB_SERVED": "1", "ORB_COUNTY": "Default County", "QUERY_STRING": "county=Mine&wave=w2"})
    assert s.page_target() == ("Mine", "w2")
    assert s.page_target("From the notebook") == ("From the notebook", "w2")
    assert s.with_(page_query="").page_target() == ("Default County", "")
    assert s.page_link("06-results.ipynb", "San Luis Obispo", "w2") == "06-results.ipynb?county=San+Luis+Obispo&wave=w2"
    assert Settings().page_link("06-results.ipynb", "X") == "06-results.ipynb"


def test_a_locked_server_refuses_every_other_county():
    s = Settings(county="Alder County", locked=True, served=True)
    assert s.page_target() == ("Alder County", "")
    assert s.page_target(query="county=Alder+County") == ("Alder County", "")
    for county, query in [("Bayside County", ""), ("", "county=Bayside+County"), ("", "county=Alder&county=x")]:
        with pytest.raises(CountyLocked, match="open for Alder County only"):
            s.page_target(county, query=query)


def test_the_package_reads_the_environment_only_in_settings():
    """Configuration is read at the edge: no os.environ/getenv deep inside the package."""
    out = subprocess.run(
        ["grep", "-rnE", r"os\.environ\.get|os\.getenv|environ\[", "orb_widgets"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    allowed = (
        "orb_widgets/settings.py",
        "orb_widgets/serve.py",
        "orb_widgets/packets/cli.py",
        "orb_widgets/hub/singleuser.py",
    )  # entry points that set their children's environment
    assert [line for line in out if not line.startswith(allowed)] == []
