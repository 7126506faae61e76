"""One number, one text: a value reads the same in the packet, the pages and the command line.

A CPS unit's report (4-point scale) is given chosen values: an average of 2.65,
changes of +0.35, +0.16 and +0.14. Each view must write them alike, and the
"up"/"down" threshold it prints (0.15 on a 1–4 scale) must be the one it uses.
"""

from __future__ import annotations

import html
import re

import pytest

from orb_widgets import format as fmt
from orb_widgets import views

CPS = "Driftwood Municipality"


def test_one_rule_rounds_halves_up_and_keeps_two_decimals():
    assert [fmt.score(x) for x in (2.65, 2.675, 0.35, 0.16, 0.15, 3.0)] == [
        "2.65",
        "2.68",
        "0.35",
        "0.16",
        "0.15",
        "3.00",
    ]
    assert [fmt.signed(x) for x in (0.35, -0.35, 0.004, -0.004, 0.145)] == ["+0.35", "-0.35", "0.00", "0.00", "+0.15"]
    assert fmt.short(2.65) == fmt.score(2.65) and fmt.interval(2.645, 2.655) == "2.65 to 2.66"


@pytest.mark.parametrize("points,threshold", [(4, "0.15"), (5, "0.20")])
def test_the_threshold_is_printed_as_used(points, threshold):
    step = float(threshold)
    assert views.direction(step, points) == "up" and views.direction(-step, points) == "down"
    assert views.direction(step - 0.01, points) == "about the same"
    # a change that reads as the threshold is treated as the threshold
    assert views.direction(step - 0.004, points) == "up"


@pytest.fixture
def chosen(demo_store, monkeypatch):
    """The CPS unit's real report with chosen numbers, served to every view."""
    from orb_widgets import cache, results
    from orb_widgets.packets import sections

    real = results.county_results(demo_store, CPS)
    assert real.change and real.elements, "the demo CPS unit needs two waves"
    first = real.elements[0].element
    changes = {c.element: v for c, v in zip(real.change, (0.35, 0.16, 0.14, -0.16))}
    report = real.model_copy(
        update={
            "elements": tuple(
                e.model_copy(update={"mean": 2.65, "suppressed": False}) if e.element == first else e
                for e in real.elements
            ),
            "change": tuple(
                c.model_copy(update={"change": changes.get(c.element, c.change), "suppressed": False})
                for c in real.change
            ),
            "priorities": tuple(
                p.model_copy(update={"mean": 2.65}) if p.element == first else p for p in real.priorities
            ),
        }
    )

    def fake(store, county, wave=None):
        return report if county == CPS else real_results(store, county, wave)

    real_results = results.county_results
    monkeypatch.setattr(results, "county_results", fake)
    monkeypatch.setattr(sections, "county_results", fake, raising=False)
    # Pages and packets read results through the workspace's cache: keep none here, so the chosen
    # numbers are what every view computes from, and never land in the shared demo's cache.
    monkeypatch.setattr(cache, "folder_of", lambda store: None)
    return report


def _text(page: str) -> str:
    page = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _views(store, capsys) -> dict[str, str]:
    from orb_widgets import packets
    from orb_widgets.cli import main
    from orb_widgets.widgets import ResultsDashboard
    from orb_widgets.widgets.context import WorkbookContext

    assert main(["score", "--unit", CPS, "--workspace", str(store.folder)]) == 0
    cli = " ".join(capsys.readouterr().out.split())
    pk = packets.Packet(store, CPS)
    packet = _text(" ".join(pk.section_html(s) for s in ("glance", "scores", "change")))
    dash = ResultsDashboard(WorkbookContext(store, CPS, user="", remember=False), charts=False)
    for index in range(len(dash.tabs.children)):  # each tab is filled when it is opened
        dash.tabs.selected_index = index
    stack, parts = [dash], []
    while stack:
        x = stack.pop()
        if isinstance(getattr(x, "value", None), str):
            parts.append(x.value)
        stack.extend(getattr(x, "children", ()))
    return {"command line": cli, "packet": packet, "dashboard": _text(" ".join(parts))}


def test_every_view_writes_a_value_the_same_way(demo_store, chosen, capsys):
    for name, text in _views(demo_store, capsys).items():
        assert "2.65" in text, name
        assert not re.search(r"\b2\.[67]\b", text), (name, re.findall(r".{40}\b2\.[67]\b.{20}", text))
        assert "+0.35" in text and "+0.16" in text, name
        assert not re.search(r"[+-]0\.[34]\b", text), name
        assert "at least 0.15 on the 1–4 scale" in text, name
        assert not re.search(r"at least 0\.2\b", text), name


def test_a_change_is_up_exactly_when_it_reads_at_least_the_threshold(demo_store, chosen, capsys):
    from orb_widgets import packets

    change = packets.Packet(demo_store, CPS).view.change
    words = {line.cells[0]: line.cells[1] for line in change.lines if line.shown}
    assert words["+0.35"] == words["+0.16"] == "up" and words["+0.14"] == "about the same"
    assert words["-0.16"] == "down"
