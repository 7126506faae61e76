"""The team's plans as shown: the planning matrix as cards, the testing profile, the implementation
plan, and the latest follow-up board; dates in the one format."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..format import DASH, date, pct
from ..planning import MATRIX_FIELDS
from ..workbook import MatrixRow


@dataclass(frozen=True)
class MatrixCard:
    """One matrix row as a card: what it is about, its filled-in columns, its status."""

    target: str
    fields: tuple  # (column heading, text) pairs, in matrix order, empty ones left out
    steps: tuple
    status: str
    due: str = ""  # "overdue" or "due soon" (see :func:`due`), else empty


#: Days ahead in which a step that is not done is "due soon".
DUE_SOON_DAYS = 14


def due(by_when, status: str, today: dt.date | None = None) -> str:
    """``"overdue"`` when a step's date has passed and it is not done, ``"due soon"`` within two weeks.

    >>> import datetime as dt
    >>> d = dt.date(2026, 3, 5)
    >>> due(d, "not started", d + dt.timedelta(days=1)), due(d, "done", d + dt.timedelta(days=9)), due(d, "under way", d)
    ('overdue', '', 'due soon')
    """
    if by_when is None or status == "done":
        return ""
    today = today or dt.date.today()
    if by_when < today:
        return "overdue"
    return "due soon" if (by_when - today).days <= DUE_SOON_DAYS else ""


@dataclass(frozen=True)
class MatrixView:
    cards: tuple
    suggested: bool  # True when the rows are starters from the scores, not the team's own
    steps_label: str = "Next steps"


def matrix_view(
    rows: dict,
    labels: dict | None = None,
    names: dict | None = None,
    suggested: bool = False,
    today: dt.date | None = None,
) -> MatrixView:
    """The planning matrix as cards, one per element or component.

    ``rows`` maps key to :class:`~orb_widgets.workbook.MatrixRow` (or its dict);
    ``labels`` are the framework's column headings, ``names`` the targets' names.
    A date that has passed on a step not done says so: "April 16, 2026 (overdue)".
    """
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
            if f == "by_when" and text and due(value, r.status, today):
                text += f" ({due(value, r.status, today)})"
            if text:
                fields.append((labels.get(f, f.replace("_", " ").capitalize()), text))
        steps = tuple(s.strip() for s in r.next_steps if s.strip())
        cards.append(
            MatrixCard(
                (names or {}).get(r.target, r.target), tuple(fields), steps, r.status, due(r.by_when, r.status, today)
            )
        )
    return MatrixView(tuple(cards), suggested, labels.get("next_steps", "Next steps"))


@dataclass(frozen=True)
class BoardView:
    """The latest follow-up review: Keep / Improve / Start / Stop, and what was brought forward."""

    when: str
    columns: tuple  # (heading, items) pairs in board order
    carried: tuple


def board_view(board) -> BoardView:
    return BoardView(
        date(board.date),
        (
            ("Keep", tuple(board.keep)),
            ("Improve", tuple(board.improve)),
            ("Start", tuple(board.start)),
            ("Stop", tuple(board.stop)),
        ),
        tuple(board.carried),
    )


@dataclass(frozen=True)
class ProfileView:
    buddy_county: str
    sections: tuple  # (label, text) pairs in the pack's order
    buddy: tuple  # (question, answer) pairs


def profile_view(profile, framework=None) -> ProfileView:
    """The testing profile as shown: the pack's section order, an unanswered field as a dash."""
    sec_labels = {s.id: s.label for s in framework.testing_profile} if framework else {}
    q_labels = {q.id: q.label for q in framework.buddy_questions} if framework else {}
    order = [s for s in sec_labels if s in profile.sections] + [s for s in profile.sections if s not in sec_labels]
    return ProfileView(
        profile.buddy_county or "",
        tuple((sec_labels.get(s, s), profile.sections[s] or DASH) for s in order),
        tuple((q_labels.get(q, q), t or DASH) for q, t in profile.buddy.items()),
    )


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
    lists: tuple  # (heading, items) pairs, empty lists left out
    activities: tuple
    competence: tuple
    competence_records: tuple  # level, label, when, share: for plots.competence
    empty: bool


NOT_YET = "Not yet at any level"


def plan_view(plan, levels=()) -> PlanView:
    lists = tuple(
        (title, tuple(items))
        for title, items in (("Goals", plan.goals), ("How we will see the effect", plan.effect_measures))
        if items
    )
    activities = tuple(
        ActivityLine(a.what, a.who or DASH, date(a.start) or DASH, date(a.end) or DASH) for a in plan.activities
    )
    lines, records = [], []
    if levels and plan.competence:
        rows = []
        for level in levels:
            share = plan.competence.get(level.id)
            rows.append(
                (level.id, level.label, share.now if share else 0.0, share.target if share else level.target_share)
            )
        rest_now, rest_target = 1 - sum(r[2] for r in rows), 1 - sum(r[3] for r in rows)
        if rest_now > 0.005 or rest_target > 0.005:
            rows.append(("none", NOT_YET, max(rest_now, 0.0), max(rest_target, 0.0)))
        for level_id, label, now, target in rows:
            lines.append(CompetenceLine(label, pct(now), pct(target)))
            records += [
                {"level": level_id, "label": label, "when": "now", "share": now},
                {"level": level_id, "label": label, "when": "target", "share": target},
            ]
    empty = not (plan.vision or lists or activities or lines)
    return PlanView(plan.vision, lists, activities, tuple(lines), tuple(records), empty)
