"""The score report as the results views show it: tables, cards, priorities with their reasons, chart words.

The reader-facing rules of :mod:`orb_widgets.views` that decide "up", "down"
and a priority's reason live here, beside the one function that applies them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..format import DASH, HIDDEN, Card, Line, Table, hidden_text, interval, pct, plural, rounded, score, short, signed
from ..report import ScoreReport
from ..scoring import NOTABLE


# ------------------------------------------------------------------ reader-facing rules
def notable(points: int) -> float:
    """The smallest change or gap worth naming: 5% of the scale's range (0.20 on a 5-point scale, 0.15 on 4)."""
    return NOTABLE * (points - 1)


def direction(change: float | None, points: int) -> str:
    """ "up", "down" or "about the same": up or down only by at least :func:`notable`.

    The same threshold decides when a fall is named as a priority's reason, so
    a table that says "down" and a priority that says "fell" always agree.
    """
    if change is None:
        return ""
    shown, step = rounded(change), rounded(notable(points))  # the change as the table writes it
    return "up" if shown >= step else "down" if shown <= -step else "about the same"


# A priority with no standout reason is on the list for its score alone: say so in plain words.
NO_NOTABLE_REASON = "next in line on its score; no notable gap between leaders and staff, no fall since the last wave"


def reasons(row) -> str:
    """The reason shown beside a ranked priority; never empty."""
    return "; ".join(row.reasons) if row.reasons else NO_NOTABLE_REASON


# ------------------------------------------------------------------ view models
# A score's shade, lowest to highest: the blues of the statewide heatmap, each with the text colour that
# reads on it at a contrast of 4.5 or more (dark ink on the four light ones, white on the two dark ones).
SHADES = (
    ("#e3eef9", "#1f2a37"),
    ("#c6dbef", "#1f2a37"),
    ("#94c4df", "#1f2a37"),
    ("#5ba3d0", "#1f2a37"),
    ("#2070b4", "#ffffff"),
    ("#084a91", "#ffffff"),
)


@dataclass(frozen=True)
class Shade:
    """A table cell's background and text colour, darker for a higher score."""

    background: str
    ink: str


def shade(mean, points: int) -> Shade | None:
    """The shade of a score on the 1…``points`` scale; None for a hidden or missing one.

    >>> shade(1.0, 5).background == SHADES[0][0], shade(5.0, 5).background == SHADES[-1][0]
    (True, True)
    >>> shade(None, 5) is None
    True
    """
    if mean is None or mean != mean:
        return None
    share = min(max((float(mean) - 1) / max(points - 1, 1), 0.0), 1.0)
    return Shade(*SHADES[min(int(share * len(SHADES)), len(SHADES) - 1)])


@dataclass(frozen=True)
class Priority:
    rank: int
    element: str
    label: str
    mean: str
    reason: str


@dataclass(frozen=True)
class ResultsView:
    """Everything the results views show for one county and wave."""

    county: str
    wave: str
    points: int
    min_group: int
    headline: str
    missing: str
    elements: Table
    components: Table | None
    roles: Table | None
    gap: Table | None
    change: Table | None
    cards: tuple
    priorities: tuple
    up: int
    down: int
    alt: dict = field(default_factory=dict)
    #: By office or unit (the optional "Which office or unit?" question), shaded like ``roles``.
    units: Table | None = None


def _group_table(r: ScoreReport, rows: list, title: str, note: str) -> Table | None:
    """Elements × groups (role groups, or offices or units) shaded by score; None without groups.

    ``rows`` are (group id, its label, the report row) in the report's order."""
    ids = list(dict.fromkeys(g for g, _, _ in rows))
    if not ids:
        return None
    label = {g: text for g, text, _ in rows}
    cell = {(g, x.element): x for g, _, x in rows}
    lines = []
    for e in r.elements:
        found = [cell.get((g, e.element)) for g in ids]
        shown = [x if x is not None and x.shown else None for x in found]
        lines.append(
            Line(
                r.name(e.element),
                tuple(score(x.mean) if x else HIDDEN for x in shown),
                shades=tuple(shade(x.mean, r.points) if x else None for x in shown),
            )
        )
    return Table(title, ("Element", *(label[g] for g in ids)), tuple(lines), hidden_text(r.min_group), note=note)


def results_view(r: ScoreReport, focus: int = 3) -> ResultsView:
    """Format a report once for every view.

    ``priorities`` holds the top ``focus`` ranked elements, each with a reason.
    """
    m, hide = r.min_group, hidden_text(r.min_group)
    missing = ""
    if r.suppressed:
        missing = f"Fewer than {m} people answered in wave {r.wave}, so scores are hidden to protect their anonymity."
    headline = (
        missing
        or f"{plural(r.n_respondents or 0, 'person', 'people')} answered in wave {r.wave}. "
        f"Scores run from 1 (lowest) to {r.points} (highest); any group of fewer than {m} people "
        f"is shown as “{HIDDEN}”."
    )

    elements = Table(
        "Average score by element, with the range the true value most likely falls in (95% interval)",
        ("Element", "Average", "95% interval", "Agree", "Don't know", "People"),
        tuple(
            Line(
                r.name(e.element),
                (score(e.mean), interval(e.ci_low, e.ci_high), pct(e.pct_agree), pct(e.pct_dont_know), str(e.n)),
            )
            if e.shown
            else Line(r.name(e.element), shown=False)
            for e in r.elements
        ),
        hide,
    )

    components = None
    if r.components:
        components = Table(
            "Readiness components, each scored from the elements that inform it",
            ("Component", "Informed by", "Average", "95% interval"),
            tuple(
                Line(f"{c.component}. {c.name}", (", ".join(c.elements), score(c.mean), interval(c.ci_low, c.ci_high)))
                if c.shown
                else Line(f"{c.component}. {c.name}", (", ".join(c.elements),), shown=False)
                for c in r.components
            ),
            hide,
        )

    roles = _group_table(
        r,
        [(x.role, x.label, x) for x in r.by_role],
        "Average score by role group",
        f"The darker a cell, the higher the score. A cell marked “{HIDDEN}” had fewer "
        f"than {m} answers from that role group (or would let someone work one out), so "
        f"it is not shown.",
    )
    units = _group_table(
        r,
        [(x.unit, x.unit, x) for x in r.by_unit],
        "Average score by office or unit",
        f"The darker a cell, the higher the score. A cell marked “{HIDDEN}” had fewer than {m} "
        "answers from that office or unit, or would let someone work out a small office, unit or "
        "role group with the role table, so it is not shown. People who chose “Prefer not to say” "
        "count in the totals only.",
    )

    gap = None
    if r.gap:
        gap = Table(
            "Leaders compared with staff",
            ("Element", "Gap"),
            tuple(
                Line(r.name(g.element), (signed(g.gap),)) if g.shown else Line(r.name(g.element), shown=False)
                for g in r.gap
            ),
            f"{HIDDEN}: leaders or staff had fewer than {m} answers",
            note="Leaders’ average minus staff’s average. A large positive gap means leaders see "
            "more readiness than staff do.",
        )

    change, up, down = None, 0, 0
    previous = next((c.previous_wave for c in r.change if c.previous_wave), None)
    if previous and not r.suppressed:
        lines = []
        for c in r.change:
            if c.shown:
                word = direction(c.change, r.points)
                up, down = up + (word == "up"), down + (word == "down")
                lines.append(Line(r.name(c.element), (signed(c.change), word)))
            else:
                lines.append(Line(r.name(c.element), shown=False))
        change = Table(
            f"Change in the average from wave {previous} to wave {r.wave}",
            ("Element", "Change", "Direction"),
            tuple(lines),
            f"{HIDDEN}: a wave had fewer than {m} answers",
            note=f"“Up” and “down” mean a change of at least {score(notable(r.points))} on the "
            f"1–{r.points} scale; anything smaller is about the same.",
        )

    shown = [e for e in r.elements if e.shown]
    cards = []
    prios = []
    if not r.suppressed:
        cards.append(Card("People who answered", str(r.n_respondents), f"wave {r.wave}"))
        if shown:
            top = max(shown, key=lambda e: e.mean)
            low = min(shown, key=lambda e: e.mean)
            cards.append(Card("Strongest element", short(top.mean), r.name(top.element)))
            cards.append(Card("Most room to grow", short(low.mean), r.name(low.element)))
        if change is not None:
            counted = sum(line.shown for line in change.lines)
            cards.append(
                Card(
                    "Since last wave",
                    f"{up} up, {down} down",
                    f"of {plural(counted, 'element')} (change of {score(notable(r.points))} or more)",
                )
            )
        prios = [
            Priority(p.rank, p.element, r.name(p.element), short(p.mean), reasons(p)) for p in r.priorities if p.shown
        ][:focus]

    alt = {
        "elements": "Average score by element: "
        + "; ".join(f"{e.element}: {short(e.mean) if e.shown else HIDDEN}" for e in r.elements),
        "components": "Readiness components: "
        + "; ".join(f"{c.name}: {short(c.mean) if c.shown else HIDDEN}" for c in r.components),
        "change": "Average score by element in each wave",
    }
    return ResultsView(
        r.county,
        r.wave or "",
        r.points,
        m,
        headline,
        missing,
        elements,
        components,
        roles,
        gap,
        change,
        tuple(cards),
        tuple(prios),
        up,
        down,
        alt,
        units,
    )


# ------------------------------------------------------------------ statement results
#: How many statements are named as the lowest, and as the most "don't know".
FLAGGED = 3
#: A statement is named for "don't know" only when at least this share of the people shown it chose it.
UNSURE = 0.10
LOWEST = "one of the lowest averages"
MOST_UNSURE = "many answered “don't know”"


@dataclass(frozen=True)
class StatementsView:
    """Each element's statements with their answers (one table per element), and the ones to look at."""

    lead: str
    lowest: tuple
    unsure: tuple
    tables: tuple


def statements_view(r: ScoreReport) -> StatementsView | None:
    """The statement results of a report, or None when the wave is too small to show any.

    The ``FLAGGED`` (3) statements with the lowest averages (as shown, two decimals; ties in survey
    order) and those with the largest shares of "don't know" (at least ``UNSURE``, 10%) are named
    above the tables and marked in them. Hidden statements are never named.
    """
    if r.suppressed or not r.items:
        return None
    shown = [x for x in r.items if x.shown]
    order = {x.item: k for k, x in enumerate(r.items)}
    lowest = [x.item for x in sorted(shown, key=lambda x: (rounded(x.mean), order[x.item]))[:FLAGGED]]
    unsure = [
        x.item
        for x in sorted(shown, key=lambda x: (-(x.pct_dont_know or 0), order[x.item]))
        if (x.pct_dont_know or 0) >= UNSURE
    ][:FLAGGED]

    def label(x) -> str:
        own = " (own statement)" if x.local else ""  # the county's own: scored with its element, never compared
        return f"{x.item}. {x.text}{own}" if x.text else x.item

    def flags(x) -> str:
        said = [LOWEST] * (x.item in lowest) + [MOST_UNSURE] * (x.item in unsure)
        return "; ".join(said) or DASH

    tables = []
    for element in dict.fromkeys(x.element for x in r.items):
        tables.append(
            Table(
                r.name(element),
                ("Statement", "People", "Average", "Agree", "Don't know", "Look at"),
                tuple(
                    Line(label(x), (str(x.n), score(x.mean), pct(x.pct_agree), pct(x.pct_dont_know), flags(x)))
                    if x.shown
                    else Line(label(x), shown=False)
                    for x in r.items
                    if x.element == element
                ),
                hidden_text(r.min_group),
            )
        )
    lead = (
        f"How people answered each statement in wave {r.wave}. “People” counts those who gave an answer; "
        "“Agree” is the share in the top two answers and “Don't know” the share of people shown the "
        "statement who chose it. For a statement worded the other way round (where agreeing means less "
        f"ready) the answers are turned round, so a higher average is always better. A statement fewer "
        f"than {r.min_group} people answered is shown as “{HIDDEN}”."
    )
    named = {x.item: label(x) for x in shown}
    return StatementsView(lead, tuple(named[i] for i in lowest), tuple(named[i] for i in unsure), tuple(tables))


def distribution_alt(frame, labels) -> str:
    """What a screen reader says for the "how people answered" chart: each element's shares in words.

    >>> import pandas as pd
    >>> distribution_alt(pd.DataFrame({"element": ["A", "A"], "point": [1, 2], "share": [0.25, 0.75]}),
    ...                  ["Disagree", "Agree"])
    'How people answered: A: Disagree 25%, Agree 75%'
    """
    parts = [
        "{}: {}".format(e, ", ".join(f"{labels[p - 1]} {pct(s)}" for p, s in zip(part["point"], part["share"])))
        for e, part in frame.groupby("element", sort=False)
    ]
    return "How people answered: " + "; ".join(parts)
