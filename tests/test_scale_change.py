"""A county that changes its scale between waves (4 to 5 points) is still scored, and its waves compare."""

from __future__ import annotations

import random

import pytest

from orb_widgets.app import App
from orb_widgets.instrument import tailor
from orb_widgets.results import county_results, distribution
from orb_widgets.store import NewResponse

COUNTY = "Mix County"


def _answers(inst, n, value, seed):
    rng = random.Random(seed)
    roles = [r.id for r in inst.roles]
    return [
        NewResponse(role=roles[k % len(roles)], answers={i.id: value(rng, i) for i in inst.items}) for k in range(n)
    ]


@pytest.fixture
def store(tmp_path):
    st = App.for_workspace(tmp_path / "ws", create=True).store
    four = tailor("cpm-orb", county=COUNTY, points=4, min_group=3)
    st.save_instrument(four)
    # everyone "agrees" (3 on 4 points) with every statement, reverse-worded ones included as worded
    st.add_responses(
        COUNTY, "2025-fall", _answers(four, 30, lambda r, i: 2 if i.reverse else 3, 1), instrument=four, source="test"
    )
    five = tailor("cpm-orb", county=COUNTY, points=5, min_group=3)
    st.save_instrument(five)
    st.add_responses(
        COUNTY, "2026-spring", _answers(five, 30, lambda r, i: r.randint(1, 5), 2), instrument=five, source="test"
    )
    return st


def test_a_county_that_moved_from_four_to_five_points_is_scored_on_five(store):
    report = county_results(store, COUNTY, "2025-fall")
    assert report.points == 5
    for row in report.elements:
        # 3 of 4 sits at 1 + 2 * 4/3 on the 5-point scale, and it is still agreement
        assert row.mean == pytest.approx(1 + 2 * 4 / 3)
        assert row.pct_agree == pytest.approx(1.0)
    latest = county_results(store, COUNTY)
    assert latest.wave == "2026-spring" and latest.change
    for row in latest.change:
        before = next(w for w in latest.by_wave if w.wave == "2025-fall" and w.element == row.element)
        now = next(w for w in latest.by_wave if w.wave == "2026-spring" and w.element == row.element)
        assert row.change == pytest.approx(now.mean - before.mean, abs=1e-9)


def test_answers_in_detail_count_the_old_wave_on_the_new_scale(store):
    report = county_results(store, COUNTY, "2025-fall")
    shares = distribution(store, COUNTY, report)
    assert set(shares["point"]) == {1, 2, 3, 4, 5}
    assert shares.groupby("element")["share"].sum().round(9).eq(1).all()
    # every answer was "agree" on 4 points: on the 5-point picture it lands on 4 (3.67 rounded)
    assert shares.loc[shares["point"] == 4, "share"].eq(1).all()
