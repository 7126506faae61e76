"""View models: the score report as a reader sees it, formatted once.

Every rule that decides what a reader sees lives here and nowhere else: how a
number, an interval, a share and a date are written, what a hidden cell says,
what counts as "up" or "down", the reason shown beside every priority, and the
words a screen reader says for a chart. The packet, the served dashboard and
the command line render these objects through the partials in
``templates/partials/`` (see :mod:`orb_widgets.render`); none of them formats
a number of the report itself.

What a reader sees
------------------
14. **What a reader sees** (``orb_widgets/views.py``, the one place these are
    decided, for the packet, the dashboard and ``orb score`` alike): a change
    is "up" or "down" when it is at least 5% of the scale range (the same
    threshold that names a fall as a priority's reason), otherwise "about the
    same"; the card "Since last wave" counts exactly the rows marked so in the
    change table. Every ranked priority shows its reasons, or "next in line on
    its score; no notable gap between leaders and staff, no fall since the last
    wave" when none applies. A hidden row shows the
    word "hidden" and why, never a number. Scores are shown to two decimals in
    tables and one in sentences; intervals as "3.10 to 3.37"; dates as "March
    5, 2026".

>>> score(3.2349), interval(3.0991, 3.3659), pct(0.3827), signed(0.0528)
('3.23', '3.10 to 3.37', '38%', '+0.05')
>>> plural(1, "session"), plural(2, "activity", "activities")
('1 session', '2 activities')
>>> direction(0.25, 5), direction(0.15, 5), direction(-0.2, 5)
('up', 'about the same', 'down')
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .report import ScoreReport
from .scoring import NOTABLE

HIDDEN = "hidden"
DASH = "–"


# ------------------------------------------------------------------ formats
def score(x, digits: int = 2) -> str:
    """A score as shown in tables (two decimals); a missing one is a dash."""
    return DASH if x is None else f"{x:.{digits}f}"


def short(x) -> str:
    """A score as shown in sentences and on charts (one decimal)."""
    return score(x, 1)


def interval(low, high) -> str:
    """A 95% interval, one format everywhere: ``3.10 to 3.37``."""
    return DASH if low is None or high is None else f"{low:.2f} to {high:.2f}"


def pct(x) -> str:
    return DASH if x is None else f"{100 * x:.0f}%"


def signed(x) -> str:
    return DASH if x is None else f"{x:+.2f}"


def date(day) -> str:
    """A date, one format everywhere: ``March 5, 2026``."""
    if day is None:
        return ""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day[:10])
    return f"{day:%B} {day.day}, {day.year}"


def moment(iso: str | None) -> str:
    """A run's time from its ISO stamp, in the one date format and the machine's local time.

    >>> moment("2026-03-05T12:00:00+00:00").startswith("March 5, 2026 at ")
    True
    >>> moment(None), moment("not a time")
    ('', '')
    """
    try:
        local = _local(dt.datetime.fromisoformat(iso or ""))
    except ValueError:
        return ""
    return f"{date(local.date())} at {local:%H:%M}"


def _local(stamp: dt.datetime) -> dt.datetime:
    """``stamp`` in the machine's local time; a stamp without a zone is UTC, as the store keeps it."""
    if stamp.tzinfo is None:  # SQLite hands UTC back without a zone
        stamp = stamp.replace(tzinfo=dt.timezone.utc)
    return stamp.astimezone()


def when(stamp, now=None) -> str:
    """When something was saved, in the machine's local time: ``14:05`` today, else with the date.

    The date is written as :func:`date` writes it, so every page says dates one way.

    >>> import datetime as dt
    >>> noon = dt.datetime(2026, 3, 5, 12, 0, tzinfo=dt.timezone.utc).astimezone()
    >>> when(noon, now=noon) == noon.strftime("%H:%M")
    True
    >>> when(noon, now=noon + dt.timedelta(days=2)) == noon.strftime("%H:%M") + " on " + date(noon.date())
    True
    """
    if stamp is None:
        return ""
    local = _local(stamp)
    now = (now or dt.datetime.now(local.tzinfo)).astimezone(local.tzinfo)
    text = local.strftime("%H:%M")
    if local.date() != now.date():
        text += f" on {date(local.date())}"
    return text


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 session``, ``2 sessions``; give ``many`` where adding an s is wrong (``activities``, ``people``)."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def hidden_text(min_group: int) -> str:
    return f"{HIDDEN}: fewer than {min_group} answers"


# ------------------------------------------------------------------ reader-facing rules
def notable(points: int) -> float:
    """The smallest change or gap worth naming: 5% of the scale's range (0.2 on a 5-point scale)."""
    return NOTABLE * (points - 1)


def direction(change: float | None, points: int) -> str:
    """"up", "down" or "about the same": up or down only by at least :func:`notable`.

    The same threshold decides when a fall is named as a priority's reason, so
    a table that says "down" and a priority that says "fell" always agree.
    """
    if change is None:
        return ""
    step = notable(points) - 1e-9
    return "up" if change >= step else "down" if change <= -step else "about the same"


# A priority with no standout reason is on the list for its score alone: say so in plain words.
NO_NOTABLE_REASON = "next in line on its score; no notable gap between leaders and staff, no fall since the last wave"


def reasons(row) -> str:
    """The reason shown beside a ranked priority; never empty."""
    return "; ".join(row.reasons) if row.reasons else NO_NOTABLE_REASON


# ------------------------------------------------------------------ view models
# A score's shade, lowest to highest: the blues of the statewide heatmap, each with the text colour that
# reads on it at a contrast of 4.5 or more (dark ink on the four light ones, white on the two dark ones).
SHADES = (("#e3eef9", "#1f2a37"), ("#c6dbef", "#1f2a37"), ("#94c4df", "#1f2a37"), ("#5ba3d0", "#1f2a37"),
          ("#2070b4", "#ffffff"), ("#084a91", "#ffffff"))


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
class Line:
    """One row of a table: a label and its cells, or hidden; ``shades`` colour the cells of a heat table."""

    label: str
    cells: tuple = ()
    shown: bool = True
    note: str = ""
    shades: tuple = ()


@dataclass(frozen=True)
class Card:
    label: str
    value: str
    note: str


@dataclass(frozen=True)
class Priority:
    rank: int
    element: str
    label: str
    mean: str
    reason: str


@dataclass(frozen=True)
class Table:
    caption: str
    heads: tuple
    lines: tuple
    hidden: str
    note: str = ""


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


def results_view(r: ScoreReport, focus: int = 3) -> ResultsView:
    """Format a report once for every view.

    ``priorities`` holds the top ``focus`` ranked elements, each with a reason.
    """
    m, hide = r.min_group, hidden_text(r.min_group)
    missing = ""
    if r.suppressed:
        missing = (f"Fewer than {m} people answered in wave {r.wave}, so scores are hidden to protect "
                   f"their anonymity.")
    headline = (missing or f"{plural(r.n_respondents or 0, 'person', 'people')} answered in wave {r.wave}. "
                f"Scores run from 1 (lowest) to {r.points} (highest); any group of fewer than {m} people "
                f"is shown as “{HIDDEN}”.")

    elements = Table(
        "Average score by element, with the range the true value most likely falls in (95% interval)",
        ("Element", "Average", "95% interval", "Agree", "Don't know", "People"),
        tuple(Line(r.name(e.element), (score(e.mean), interval(e.ci_low, e.ci_high), pct(e.pct_agree),
                                       pct(e.pct_dont_know), str(e.n)))
              if e.shown else Line(r.name(e.element), shown=False) for e in r.elements),
        hide)

    components = None
    if r.components:
        components = Table(
            "Readiness components, each scored from the elements that inform it",
            ("Component", "Informed by", "Average", "95% interval"),
            tuple(Line(f"{c.component}. {c.name}", (", ".join(c.elements), score(c.mean),
                                                     interval(c.ci_low, c.ci_high)))
                  if c.shown else Line(f"{c.component}. {c.name}", (", ".join(c.elements),), shown=False)
                  for c in r.components),
            hide)

    roles = None
    role_ids = list(dict.fromkeys(x.role for x in r.by_role))
    if role_ids:
        label = {x.role: x.label for x in r.by_role}
        cell = {(x.role, x.element): x for x in r.by_role}
        lines = []
        for e in r.elements:
            found = [cell.get((role, e.element)) for role in role_ids]
            shown = [x if x is not None and x.shown else None for x in found]
            lines.append(Line(r.name(e.element), tuple(score(x.mean) if x else HIDDEN for x in shown),
                              shades=tuple(shade(x.mean, r.points) if x else None for x in shown)))
        roles = Table("Average score by role group", ("Element", *(label[x] for x in role_ids)), tuple(lines),
                      hide, note=f"The darker a cell, the higher the score. A cell marked “{HIDDEN}” had fewer "
                                 f"than {m} answers from that role group (or would let someone work one out), so "
                                 f"it is not shown.")

    gap = None
    if r.gap:
        gap = Table("Leaders compared with staff", ("Element", "Gap"),
                    tuple(Line(r.name(g.element), (signed(g.gap),)) if g.shown
                          else Line(r.name(g.element), shown=False) for g in r.gap),
                    f"{HIDDEN}: leaders or staff had fewer than {m} answers",
                    note="Leaders’ average minus staff’s average. A large positive gap means leaders see "
                         "more readiness than staff do.")

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
        change = Table(f"Change in the average from wave {previous} to wave {r.wave}",
                       ("Element", "Change", "Direction"), tuple(lines),
                       f"{HIDDEN}: a wave had fewer than {m} answers",
                       note=f"“Up” and “down” mean a change of at least {notable(r.points):.1f} on the "
                            f"1–{r.points} scale; anything smaller is about the same.")

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
            cards.append(Card("Since last wave", f"{up} up, {down} down",
                              f"of {plural(counted, 'element')} (change of {notable(r.points):.1f} or more)"))
        prios = [Priority(p.rank, p.element, r.name(p.element), short(p.mean), reasons(p))
                 for p in r.priorities if p.shown][:focus]

    alt = {
        "elements": "Average score by element: " + "; ".join(
            f"{e.element}: {short(e.mean) if e.shown else HIDDEN}" for e in r.elements),
        "components": "Readiness components: " + "; ".join(
            f"{c.name}: {short(c.mean) if c.shown else HIDDEN}" for c in r.components),
        "change": "Average score by element in each wave",
    }
    return ResultsView(r.county, r.wave or "", r.points, m, headline, missing, elements, components, roles, gap,
                       change, tuple(cards), tuple(prios), up, down, alt)


def distribution_alt(frame, labels) -> str:
    """What a screen reader says for the "how people answered" chart: each element's shares in words.

    >>> import pandas as pd
    >>> distribution_alt(pd.DataFrame({"element": ["A", "A"], "point": [1, 2], "share": [0.25, 0.75]}),
    ...                  ["Disagree", "Agree"])
    'How people answered: A: Disagree 25%, Agree 75%'
    """
    parts = ["{}: {}".format(e, ", ".join(f"{labels[p - 1]} {pct(s)}" for p, s in zip(part["point"], part["share"])))
             for e, part in frame.groupby("element", sort=False)]
    return "How people answered: " + "; ".join(parts)


# ------------------------------------------------------------------ planning matrix
@dataclass(frozen=True)
class MatrixCard:
    """One matrix row as a card: what it is about, its filled-in columns, its status."""

    target: str
    fields: tuple          # (column heading, text) pairs, in matrix order, empty ones left out
    steps: tuple
    status: str


@dataclass(frozen=True)
class MatrixView:
    cards: tuple
    suggested: bool        # True when the rows are starters from the scores, not the team's own
    steps_label: str = "Next steps"


def matrix_view(rows: dict, labels: dict | None = None, names: dict | None = None,
                suggested: bool = False) -> MatrixView:
    """The planning matrix as cards, one per element or component.

    ``rows`` maps key to :class:`~orb_widgets.workbook.MatrixRow` (or its dict);
    ``labels`` are the framework's column headings, ``names`` the targets' names.
    """
    from .planning import MATRIX_FIELDS
    from .workbook import MatrixRow

    labels = labels or {}
    cards = []
    for row in rows.values():
        r = row if isinstance(row, MatrixRow) else MatrixRow.model_validate(row)
        fields = []
        for f in MATRIX_FIELDS:
            if f in ("next_steps", "status"):
                continue
            value = getattr(r, f)
            text = date(value) if f == "by_when" else str(value or "").strip()
            if text:
                fields.append((labels.get(f, f.replace("_", " ").capitalize()), text))
        steps = tuple(s.strip() for s in r.next_steps if s.strip())
        cards.append(MatrixCard((names or {}).get(r.target, r.target), tuple(fields), steps, r.status))
    return MatrixView(tuple(cards), suggested, labels.get("next_steps", "Next steps"))


# ------------------------------------------------------------------ breakouts and follow-up
@dataclass(frozen=True)
class SessionTakeaways:
    title: str
    when: str
    rooms: tuple           # (room name, takeaway or "") pairs
    steps: tuple           # each next step named, once, in the order named


@dataclass(frozen=True)
class TakeawaysView:
    """The "Breakout takeaways" section: the county's own sessions, each with its rooms and next steps.

    ``webinar`` is the county's own people's part of the coach's webinar series
    (:func:`orb_widgets.webinar.packet_view`, rendered by
    ``partials/webinar_takeaways.html.j2``), or None when they took part in none.
    """

    sessions: tuple
    webinar: object = None
    limit: int = 10


def takeaways_view(sessions, limit: int = 10) -> TakeawaysView:
    """Breakout sessions as shown: the count of next steps is the count of the steps listed."""
    out = []
    for s in sessions:
        steps = [step.strip() for room in s.rooms for ns in room.next_steps for step in ns.steps if step.strip()]
        out.append(SessionTakeaways(s.title, date(s.date) if s.date else "",
                                    tuple((room.name, room.takeaway.strip()) for room in s.rooms),
                                    tuple(dict.fromkeys(steps))))
    return TakeawaysView(tuple(out), None, limit)


@dataclass(frozen=True)
class BoardView:
    """The latest follow-up review: Keep / Improve / Start / Stop, and what was brought forward."""

    when: str
    columns: tuple         # (heading, items) pairs in board order
    carried: tuple


def board_view(board) -> BoardView:
    return BoardView(date(board.date), (("Keep", tuple(board.keep)), ("Improve", tuple(board.improve)),
                                        ("Start", tuple(board.start)), ("Stop", tuple(board.stop))),
                     tuple(board.carried))


# ------------------------------------------------------------------ packet: key messages, testing profile, plan
@dataclass(frozen=True)
class MessageTestLine:
    version: str
    audience: str
    where: str
    when: str
    people: str
    rating: str
    feedback: str


@dataclass(frozen=True)
class KeyMessageView:
    """One key message: every version's wording (so the comparison can be read), its tests, their ratings.

    ``records`` feed the comparison chart (:func:`orb_widgets.plots.key_message_ratings`).
    """

    title: str
    versions: tuple        # (label, text) pairs, oldest first
    tests: tuple           # MessageTestLine
    records: tuple
    scale: str
    chart_title: str


def key_message_view(message) -> KeyMessageView:
    """A key message as the packet shows it; ratings on the key messages' own 1–5 scale."""
    from .keymessages import SCALE_TEXT, rating_of, ratings_records

    versions = tuple((f"Version {v.version}", v.text) for v in sorted(message.versions, key=lambda v: v.version))
    tests = tuple(MessageTestLine(f"Version {t.version}", t.audience, t.event, date(t.date), str(t.people),
                                  short(rating_of(t)), t.feedback)
                  for t in sorted(message.tests, key=lambda t: (t.version, t.date or dt.date.min)))
    return KeyMessageView(message.title, versions, tests, tuple(ratings_records(message)), SCALE_TEXT,
                          f"Average rating by version and audience\non a scale of {SCALE_TEXT}")


@dataclass(frozen=True)
class ProfileView:
    buddy_county: str
    sections: tuple        # (label, text) pairs in the pack's order
    buddy: tuple           # (question, answer) pairs


def profile_view(profile, framework=None) -> ProfileView:
    """The testing profile as shown: the pack's section order, an unanswered field as a dash."""
    sec_labels = {s.id: s.label for s in framework.testing_profile} if framework else {}
    q_labels = {q.id: q.label for q in framework.buddy_questions} if framework else {}
    order = [s for s in sec_labels if s in profile.sections] + [s for s in profile.sections if s not in sec_labels]
    return ProfileView(profile.buddy_county or "",
                       tuple((sec_labels.get(s, s), profile.sections[s] or DASH) for s in order),
                       tuple((q_labels.get(q, q), t or DASH) for q, t in profile.buddy.items()))


@dataclass(frozen=True)
class ActivityLine:
    what: str
    who: str
    start: str
    end: str


@dataclass(frozen=True)
class CompetenceLine:
    label: str
    now: str
    target: str


@dataclass(frozen=True)
class PlanView:
    """The implementation plan: vision, lists, activities with dates in the one format, competence shares.

    ``competence`` rows total 100% in both columns: what the levels leave out is
    its own row, "Not yet at any level", so no bar or sum is left unexplained.
    """

    vision: str
    lists: tuple           # (heading, items) pairs, empty lists left out
    activities: tuple
    competence: tuple
    competence_records: tuple   # level, label, when, share: for plots.competence
    empty: bool


NOT_YET = "Not yet at any level"


def plan_view(plan, levels=()) -> PlanView:
    lists = tuple((title, tuple(items)) for title, items in (("Goals", plan.goals),
                                                             ("How we will see the effect", plan.effect_measures))
                  if items)
    activities = tuple(ActivityLine(a.what, a.who or DASH, date(a.start) or DASH, date(a.end) or DASH)
                       for a in plan.activities)
    lines, records = [], []
    if levels and plan.competence:
        rows = []
        for level in levels:
            share = plan.competence.get(level.id)
            rows.append((level.id, level.label, share.now if share else 0.0,
                         share.target if share else level.target_share))
        rest_now, rest_target = 1 - sum(r[2] for r in rows), 1 - sum(r[3] for r in rows)
        if rest_now > 0.005 or rest_target > 0.005:
            rows.append(("none", NOT_YET, max(rest_now, 0.0), max(rest_target, 0.0)))
        for level_id, label, now, target in rows:
            lines.append(CompetenceLine(label, pct(now), pct(target)))
            records += [{"level": level_id, "label": label, "when": "now", "share": now},
                        {"level": level_id, "label": label, "when": "target", "share": target}]
    empty = not (plan.vision or lists or activities or lines)
    return PlanView(plan.vision, lists, activities, tuple(lines), tuple(records), empty)
