"""Like with like in the statewide index: counties are set side by side on an element only where they asked
the same bank statements about it; the others are marked "asked differently", and a county's own (local)
statements never count in the comparison."""

from __future__ import annotations

import math
import re

import pytest

from orb_widgets.app import App
from orb_widgets.instrument import tailor
from orb_widgets.packets import Packet
from orb_widgets.packets.index import render_index
from orb_widgets.packets.models import LastRun, Manifest, PacketEntry, Status
from orb_widgets.results import compared_means, compared_statements, county_results
from orb_widgets.store import NewResponse

WAVE = "2026-spring"
# Alder and Birch ask A1, A2 on element A; Cedar asks A1, A3 instead. All three ask B1, B2 alike.
SURVEYS = {
    "Alder County": ["A1", "A2", "B1", "B2"],
    "Birch County": ["A1", "A2", "B1", "B2"],
    "Cedar County": ["A1", "A3", "B1", "B2"],
}


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    store = App.for_workspace(tmp_path / "ws", create=True).store
    for n, (county, items) in enumerate(SURVEYS.items()):
        inst = tailor("cpm-orb", county=county, elements=["A", "B"], items=items, points=5, min_group=5)
        store.save_instrument(inst)
        answers = {item: 2 + n if item.startswith("A") else 3 for item in items}
        store.add_responses(
            county, WAVE, [NewResponse(role="social_workers", answers=answers) for _ in range(6)], instrument=inst
        )
    return store


def _index(store, counties=tuple(SURVEYS)) -> str:
    """The statewide index over ``counties``, each row as its packet build makes it."""
    entries = {
        c: PacketEntry(county=c, status=Status.OK, html=f"{c}.html", index_row=Packet(store, c).index_row())
        for c in counties
    }
    return render_index(Manifest(packets=entries, last_run=LastRun(ok=len(entries))), list(counties))


def _cells(page: str, county: str) -> dict[str, str]:
    row = re.search(rf'<tr><th scope="row">{county}</th>(.*?)</tr>', page).group(1)
    return dict(re.findall(r'data-label="(\w)\. [^"]*">([^<]*)<', row))


def test_a_county_that_asked_other_statements_is_marked_not_compared(store):
    page = _index(store)
    assert _cells(page, "Alder County") == {"A": "2.00", "B": "3.00"}
    assert _cells(page, "Birch County") == {"A": "3.00", "B": "3.00"}
    # Cedar's A is made of A1 and A3: not set beside the others; its B (the same statements) is.
    assert _cells(page, "Cedar County") == {"A": "asked differently", "B": "3.00"}
    assert "4.00" not in re.search(r'<table class="tbl grid orb-stack">.*?</table>', page, re.S).group(0)
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "only where they asked the same statements" in text
    assert "Statements a county added itself never count in this comparison" in text


def test_two_counties_with_nothing_in_common_on_an_element_are_both_marked(store):
    page = _index(store, ("Alder County", "Cedar County"))
    assert _cells(page, "Alder County")["A"] == _cells(page, "Cedar County")["A"] == "asked differently"
    assert _cells(page, "Alder County")["B"] == "3.00"


def test_local_statements_are_left_out_of_what_the_index_compares(store):
    """A statement the county added itself (``local``) is neither in the compared list nor in the score."""
    county = "Alder County"
    report = county_results(store, county)
    assert compared_statements(report) == {"A": ["A1", "A2"], "B": ["B1", "B2"]}
    # Mark B2 as the county's own statement and give it other answers: the compared B leaves it out.
    inst = store.current_instrument(county)
    store.add_responses(
        county,
        WAVE,
        [NewResponse(role="social_workers", answers={"B1": 5, "B2": 1}) for _ in range(6)],
        instrument=inst,
    )
    report = county_results(store, county)
    local = report.model_copy(
        update={"items": tuple(x.model_copy(update={"local": x.item == "B2"}) for x in report.items)}
    )
    assert compared_statements(local) == {"A": ["A1", "A2"], "B": ["B1"]}
    means = compared_means(store, county, local)
    # B1 alone: six people at 3, six at 5 -> 4.0; with B2 the element score would be 3.0.
    assert math.isclose(means["B"], 4.0) and math.isclose(report.elements[1].mean, 3.0)
    assert math.isclose(means["A"], report.elements[0].mean)
