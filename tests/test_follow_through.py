"""The coordinator's follow-through view on the hub's packet page: the statewide index's figures per county,
ordered by a plain link on a column heading (no script), never a count below the smallest group."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from markupsafe import Markup

from orb_widgets.content import DEFAULT_WORDS
from orb_widgets.hub import packet_build
from orb_widgets.hub.packet_page import FOLLOW_SORTS, STATES, _env
from orb_widgets.packets.index import FOLLOW_SORTS as INDEX_SORTS
from orb_widgets.settings import Settings

TODAY = dt.date(2026, 3, 5)


def _row(**more):
    return {"wave": "2026-spring", "n_respondents": 30, "invited": 60, "min_group": 5, **more}


ROWS = {
    "Alder Creek County": _row(
        steps={"done": 1, "under way": 1, "not started": 2},
        open_due=["2026-03-01", "2026-03-02", "2026-03-10"],
        last_activity="2026-02-01",
    ),
    "Bayside County": _row(
        n_respondents=None,
        suppressed=True,
        invited=40,  # 3 answered: fewer than the smallest group
        steps={"done": 5, "not started": 1},
        open_due=["2026-02-20"],
        last_activity="2026-03-04",
    ),
    "Cedar Falls": _row(steps={"done": 2}, open_due=[], last_activity=None, webinar_steps=4, webinar_done=3),
}


@pytest.fixture
def settings(tmp_path):
    s = Settings.from_env({}, workspace=tmp_path / "ws")
    out = packet_build.packets_dir(s)
    out.mkdir(parents=True)
    entries = {
        name: {
            "county": name,
            "status": "ok",
            "fingerprint": "x",
            "html": f"{n}.html",
            "built": "2026-03-04T10:00:00+00:00",
            "index_row": {"county": name, **row},
        }
        for n, (name, row) in enumerate(ROWS.items())
    }
    (out / "manifest.json").write_text(json.dumps({"version": 1, "packets": entries}), "utf-8")
    return s


def _page(follow, sort, coordinator=True, county="", who="cora"):
    """The packet page as the hub renders it; a coordinator's unless told (a team member's: ``county``, ``who``)."""
    return (
        _env()
        .get_template("packets.html.j2")
        .render(
            coordinator=coordinator,
            county=county,
            words=DEFAULT_WORDS,
            who=who,
            logout="",
            rows=[],
            follow=follow,
            sort=sort,
            sorts=FOLLOW_SORTS,
            states=STATES,
            build=packet_build.Build(),
            base="/orb/packets/",
            home="/voila/tree",
            xsrf=Markup(""),
            refresh=0,
            notice="",
            index=False,
            css=Markup(""),
        )
    )


def _order(page):
    return re.findall(r'<th scope="row">([^<]+)</th>', page)


@pytest.mark.parametrize(
    "sort, order",
    [
        ("overdue", ["Alder Creek County", "Bayside County", "Cedar Falls"]),  # 2 overdue, then 1, then 0
        ("county", ["Alder Creek County", "Bayside County", "Cedar Falls"]),
        ("done", ["Bayside County", "Cedar Falls", "Alder Creek County"]),  # 5, 2, 1 done
        ("last", ["Bayside County", "Alder Creek County", "Cedar Falls"]),  # newest work first; none last
    ],
)
def test_each_heading_orders_the_table_on_the_server(settings, sort, order):
    rows = packet_build.follow_through(settings, list(ROWS), TODAY, sort)
    page = _page(rows, sort)
    assert _order(page) == order
    for key in FOLLOW_SORTS:  # every sortable heading is a plain link
        assert f'href="?sort={key}#follow-heading"' in page
    assert len(re.findall(r"aria-sort=", page)) == 1 and "<script" not in page
    assert set(FOLLOW_SORTS) == set(INDEX_SORTS)


def test_the_figures_are_the_indexs_and_a_small_wave_gives_no_count(settings):
    rows = {r["county"]: r for r in packet_build.follow_through(settings, list(ROWS), TODAY, "overdue")}
    alder, bayside, cedar = (rows[c] for c in ROWS)
    assert (alder["overdue"], alder["due_soon"], alder["done"], alder["planned"]) == (2, 1, 1, 4)
    assert alder["people"] == 30 and "30 of 60 answered (50%)" in alder["survey"]
    assert bayside["people"] is None and cedar["webinar"] == "3 of 4"
    page = _page(list(rows.values()), "overdue")
    bay = page[page.index("Bayside County</th>") :].split("</tr>")[0]
    assert "too few to show" in bay and not re.search(r">\s*3\s*<|\b3 of 40\b", bay)


def test_a_team_member_sees_no_follow_through_table(settings):
    page = _page(packet_build.follow_through(settings, list(ROWS), TODAY), "overdue")
    team = _page([], "overdue", coordinator=False, county="Alder Creek County", who="ana")
    assert "Follow-through by county" in page and "Follow-through" not in team
