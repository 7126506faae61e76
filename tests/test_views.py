"""What a reader sees agrees with itself: counts equal the lists they count, "up" on the card is
"up" in the table, every ranked priority says why, and the command line prints plain text."""

import re
from html.parser import HTMLParser

import pytest

from orb_widgets import packets, views
from orb_widgets.cli import main
from orb_widgets.report import ChangeRow, PriorityRow
from orb_widgets.results import county_results
from orb_widgets.scoring import NOTABLE


class Text(HTMLParser):
    def __init__(self, page):
        super().__init__(convert_charrefs=True)
        self.parts, self.items, self._li = [], [], None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if tag == "li":
            self._li = []

    def handle_endtag(self, tag):
        if tag == "li" and self._li is not None:
            self.items.append(" ".join("".join(self._li).split()))
            self._li = None

    def handle_data(self, data):
        self.parts.append(data)
        if self._li is not None:
            self._li.append(data)

    @property
    def text(self):
        return " ".join(" ".join(self.parts).split())


# ------------------------------------------------------------------ the rules, once
@pytest.mark.parametrize("points", [4, 5])
def test_up_and_down_start_at_the_notable_change_which_also_names_a_fall(points):
    step = NOTABLE * (points - 1)
    assert views.direction(step, points) == "up" and views.direction(-step, points) == "down"
    assert views.direction(step * 0.9, points) == views.direction(-step * 0.9, points) == "about the same"
    assert views.direction(None, points) == ""


def test_a_priority_without_a_named_reason_still_says_why():
    bare = PriorityRow(rank=3, element="D", mean=3.3, gap=None, change=0.0, reasons=(), suppressed=False)
    named = bare.model_copy(update={"reasons": ("lowest score of the five", "fell 0.3 since last wave")})
    assert views.reasons(bare) == views.NO_NOTABLE_REASON and views.reasons(bare).strip()
    assert views.reasons(named) == "lowest score of the five; fell 0.3 since last wave"


def test_one_format_for_intervals_dates_and_plurals():
    import datetime as dt

    assert views.interval(3.1, 3.7) == "3.10 to 3.70" and views.interval(None, 3.7) == views.DASH
    assert views.date(dt.date(2026, 3, 5)) == views.date("2026-03-05T10:00:00") == "March 5, 2026"
    assert [views.plural(n, "session") for n in (0, 1, 2)] == ["0 sessions", "1 session", "2 sessions"]


def test_a_hidden_change_is_never_counted_up_or_down():
    row = ChangeRow(element="A", previous_wave="W1", change=None, suppressed=True)
    assert not row.shown and views.direction(row.change, 5) == ""


# ------------------------------------------------------------------ the demo, read as a reader would
@pytest.fixture(scope="module")
def counties(demo_store):
    return [c.name for c in demo_store.counties()]


def test_card_counts_equal_the_change_table(demo_store, counties):
    checked = 0
    for name in counties:
        pk = packets.Packet(demo_store, name)
        v = pk.view
        if v is None or v.change is None:
            continue
        glance = Text(pk.section_html("glance")).text
        change = pk.section_html("change")
        ups = len(re.findall(r"<td class=\"num\"[^>]*>up</td>", change))
        downs = len(re.findall(r"<td class=\"num\"[^>]*>down</td>", change))
        assert f"{ups} up, {downs} down" in glance, (name, glance)
        shown = sum(line.shown for line in v.change.lines)
        assert f"of {views.plural(shown, 'element')}" in glance
        # a fall named as a priority's reason is "down" in the table, and nothing else is
        fell = {p.element for p in pk.results.priorities if any(r.startswith("fell") for r in p.reasons)}
        down = {c.element for c in pk.results.change if views.direction(c.change, v.points) == "down"}
        assert fell <= down
        checked += 1
    assert checked >= 2


def test_every_priority_shown_has_its_reason(demo_store, counties):
    for name in counties:
        pk = packets.Packet(demo_store, name)
        if pk.view is None or pk.view.missing:
            continue
        page = Text(pk.section_html("glance"))
        focus = [t for t in page.items if " — average " in t]
        assert len(focus) == len(pk.view.priorities) > 0
        for item in focus:
            reason = item.split(": ", 1)[1] if ": " in item else ""
            assert reason.strip(), item


def test_role_table_is_shaded_darker_for_higher_scores_and_hidden_cells_stay_blank(demo_store, counties):
    """The role groups' table doubles as their heat chart: a shown score's cell is shaded (darker is
    higher), a hidden cell has neither a number nor a shade, and the packet draws no separate chart."""
    checked = hidden = 0
    for name in counties:
        pk = packets.Packet(demo_store, name)
        v = pk.view
        if v is None or v.roles is None or v.missing:
            continue
        html = pk.section_html("roles")
        assert "<img" not in html and "darker" in html
        cells = re.findall(
            r'<td class="num(?: orb-hidden-cell)?"(?: data-label="[^"]*")?'
            r'(?: style="background:(#[0-9a-f]{6});color:(#[0-9a-f]{6})")?>([^<]*)</td>',
            html.split("Leaders compared")[0],
        )
        assert cells
        order = [bg for bg, _ in views.SHADES]
        by_value = []
        for bg, ink, text in cells:
            if text == views.HIDDEN:
                assert not bg, (name, "a hidden cell is shaded")
                hidden += 1
            else:
                assert bg in order and (bg, ink) in views.SHADES, (name, text, bg)
                by_value.append((float(text), order.index(bg)))
        by_value.sort()
        assert [lvl for _, lvl in by_value] == sorted(lvl for _, lvl in by_value), (name, by_value)
        checked += 1
    assert checked >= 3 and hidden >= 1


def test_the_breakout_section_shows_the_countys_own_webinar_part_and_nothing_of_another_county(demo_store, counties):
    """The packet's "Breakout takeaways": the next steps the county's own people took home, the takeaways of the
    rooms they sat in and its report-backs; never another county's people, steps, rooms or report-backs."""
    from orb_widgets import webinar

    series, seen = webinar.load_series(demo_store), 0
    for name in counties:
        page = Text(packets.Packet(demo_store, name).section_html("breakouts")).text
        mine, theirs = (
            {"steps": set(), "rooms": set(), "said": set()},
            {"people": set(), "steps": set(), "rooms": set(), "said": set()},
        )
        for rec in series.events:
            for r in rec.rooms:
                here = [p for p in r.people if webinar.county_key(p.county) == webinar.county_key(name)]
                mine["steps"] |= {s for p in here for s in p.steps}
                theirs["steps"] |= {s for p in r.people if p not in here for s in p.steps}
                theirs["people"] |= {p.name for p in r.people if p not in here}
                (mine if here else theirs)["rooms"].add(r.takeaway)
            for key, rb in rec.reportbacks.items():
                (mine if key == webinar.county_key(name) else theirs)["said"] |= {rb.learned, rb.why}
        if not mine["steps"]:
            assert f"Nobody from {name} has taken part in a breakout yet." in page
            continue
        for kind in ("steps", "rooms", "said"):
            assert all(" ".join(t.split()) in page for t in mine[kind]), (name, kind)
            # a step or takeaway another county shares word for word is still this county's own
            assert not [t for t in theirs[kind] - mine[kind] if " ".join(t.split()) in page], (name, kind)
        assert not [who for who in theirs["people"] if who in page], name
        seen += 1
    assert seen >= 2


def test_cli_prints_plain_text_within_100_columns(demo_store, counties, capsys):
    folder = str(demo_store.folder)
    for name in counties:
        for cmd in (["score"], ["plan"]):
            assert main([*cmd, "--workspace", folder, "--county", name]) == 0
            out = capsys.readouterr().out
            assert out.strip() and "\\n" not in out and "<" not in out
            assert max(len(line) for line in out.splitlines()) <= 100, (cmd, name)
        report = county_results(demo_store, name)
        assert main(["score", "--workspace", folder, "--county", name]) == 0
        out = capsys.readouterr().out
        view = views.results_view(report)
        if view.change is not None:
            assert len(re.findall(r"\s(up)$", out, re.M)) == view.up
        for p in view.priorities:
            assert f"{p.rank}. {p.label}" in out


def test_terminal_escapes_never_reach_the_command_line():
    from orb_widgets.render import render

    matrix = views.matrix_view(
        {"A": {"target": "A", "what_we_learned": "ok\x1b[2J\x1b]0;x\x07 done", "next_steps": ["\x1b[31mred"]}},
        {},
        {"A": "A. Fit\x1b[1m"},
    )
    out = render("matrix.txt.j2", county="X\x1b[0m", matrix=matrix)
    assert "\x1b" not in out and "\x07" not in out
    assert "ok[2J]0;x done" in out and "1. [31mred" in out


def test_the_docs_state_the_rules_the_views_apply():
    from pathlib import Path

    from orb_widgets import rules

    page = Path(__file__).resolve().parent.parent.joinpath(rules.PAGE).read_text(encoding="utf-8")
    text = " ".join(page.split())
    assert f"at least {NOTABLE:.0%} of the scale range" in text
    assert f'"{views.NO_NOTABLE_REASON}"' in text
    assert f'"{views.interval(3.1, 3.37)}"' in text and f'"{views.date("2026-03-05")}"' in text


def test_the_docs_scoring_rules_are_the_rules_the_code_states():
    """The documented rules are generated from the docstrings of scoring.py and views.py, never edited apart."""
    from pathlib import Path

    from orb_widgets import rules

    page = Path(__file__).resolve().parent.parent.joinpath(rules.PAGE).read_text(encoding="utf-8")
    assert rules.block() in page, f"{rules.PAGE}'s scoring rules differ from the code's: run python3 dev.py rules"
    assert rules.markdown().count("\n1. **") == 0 and rules.markdown().startswith("1. **Reverse-scored")
    numbers = [int(n) for n in re.findall(r"(?m)^(\d+)\. \*\*", rules.markdown())]
    assert numbers == list(range(1, 15))


def test_no_section_shows_its_own_markup_as_text(demo_store, counties):
    """Joining escaped partials with a section's markup must not escape the markup a second time."""
    for name in counties[:2]:
        pk = packets.Packet(demo_store, name)
        for section in packets.SECTIONS:
            html = pk.section_html(section)
            assert not re.search(r"&lt;/?(h\d|p|table|div|ul|ol|li|section)\b", html), (name, section)


def test_competence_shares_total_one_hundred_percent_or_say_what_the_rest_is():
    from orb_widgets.content import load_framework
    from orb_widgets.workbook import ImplementationPlan

    levels = load_framework("cps").competence_levels
    plan = ImplementationPlan(
        competence={
            "basic": {"now": 0.5, "target": 0.2},
            "user": {"now": 0.25, "target": 0.6},
            "independent": {"now": 0.06, "target": 0.2},
        }
    )
    v = views.plan_view(plan, levels)
    now = {r["label"]: r["share"] for r in v.competence_records if r["when"] == "now"}
    assert abs(sum(now.values()) - 1) < 1e-9
    assert abs(now[views.NOT_YET] - 0.19) < 1e-9
    assert [c.now for c in v.competence] == ["50%", "25%", "6%", "19%"]


def test_key_message_chart_runs_over_the_rating_scale():
    from orb_widgets import plots

    ax = plots.key_message_ratings(
        [
            {"version": "Version 1", "audience": "Staff", "rating": 3.5},
            {"version": "Version 2", "audience": "Staff", "rating": 4.25},
        ]
    )
    assert ax.get_ylim()[0] == 1 and 5 <= ax.get_ylim()[1] < 6
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "1 not at all" and labels[-1] == "5 very much"


def test_statewide_heatmap_writes_hidden_in_a_hidden_cell():
    import numpy as np
    import pandas as pd

    from orb_widgets import plots

    grid = pd.DataFrame({"A": [3.2, np.nan], "B": [np.nan, 2.5]}, index=["One County", "Two County"])
    notes = pd.DataFrame({"A": ["", "hidden"], "B": ["not asked", ""]}, index=grid.index)
    ax = plots.counties_heatmap(grid, {"A": "Fit", "B": "Climate"}, 5, notes=notes)
    texts = sorted(t.get_text() for t in ax.texts)
    assert texts == ["2.50", "3.20", "hidden", "not asked"]  # written as every table writes a score
