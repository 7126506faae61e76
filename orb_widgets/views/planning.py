"""The team's plans as shown: the planning matrix as cards, the testing profile, the implementation
plan, and the latest follow-up board; dates in the one format."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..format import DASH, date, pct, plural, score, signed
from ..planning import DUE_SOON_DAYS, MATRIX_FIELDS, due, row_due, step_counts
from ..workbook import MatrixRow


@dataclass(frozen=True)
class StepLine:
    """One step as shown: its words, who leads it, its date in the one format, where it stands."""

    text: str
    who: str
    by_when: str
    status: str
    done_on: str = ""
    note: str = ""
    due: str = ""  # "overdue" or "due soon" (see :func:`orb_widgets.planning.due`), else empty


@dataclass(frozen=True)
class MatrixCard:
    """One matrix row as a card: what it is about, its filled-in columns, its steps, its status."""

    target: str
    fields: tuple  # (column heading, text) pairs, in matrix order, empty ones left out
    steps: tuple  # StepLine
    status: str
    due: str = ""  # "overdue" when a step is, else "due soon" when a step is, else empty
    key: str = ""
    pulse: str = ""  # the row's latest pulse check in words (:func:`pulse_text`), else empty


def pulse_text(pulse, min_group: int | None = None) -> str:
    """A pulse check in words, beside its row; no number at all when too few answered.

    ``pulse`` is an :class:`orb_widgets.results.Pulse` (or its JSON dict).

    >>> pulse_text({"wave": "2027-01-pulse-C", "n": 12, "mean": 3.4, "last_full_wave": "2026-fall",
    ...             "last_full_mean": 3.15, "change": 0.25, "suppressed": False})
    'Pulse check 2027-01-pulse-C: 12 people answered; 3.40, +0.25 since the last full wave (2026-fall: 3.15).'
    >>> pulse_text({"wave": "2027-01-pulse-C", "n": None, "mean": None, "last_full_wave": "2026-fall",
    ...             "last_full_mean": 3.15, "change": None, "suppressed": True}, 5)
    'Pulse check 2027-01-pulse-C: fewer than 5 people answered, too few to show a number.'
    """
    p = pulse if isinstance(pulse, dict) else pulse.as_json()
    head = f"Pulse check {p['wave']}: "
    if p["suppressed"]:
        fewer = f"fewer than {min_group} people" if min_group else "too few people"
        return head + f"{fewer} answered, too few to show a number."
    text = head + f"{plural(p['n'], 'person', 'people')} answered; {score(p['mean'])}"
    if p["change"] is not None:
        return (
            text
            + f", {signed(p['change'])} since the last full wave ({p['last_full_wave']}: {score(p['last_full_mean'])})."
        )
    if p["last_full_wave"]:
        return text + f"; the last full wave ({p['last_full_wave']}) has too few answers to compare with."
    return text + "; no full wave before it to compare with."


def step_line(step, today: dt.date | None = None) -> StepLine:
    return StepLine(
        step.text.strip(),
        step.who.strip(),
        date(step.by_when) if step.by_when else "",
        step.status,
        date(step.done_on) if step.done_on else "",
        step.note.strip(),
        due(step.by_when, step.status, today),
    )


@dataclass(frozen=True)
class MatrixView:
    cards: tuple
    suggested: bool  # True when the rows are starters from the scores or the team's ratings, not the team's own
    steps_label: str = "Steps"
    source: str = "the scores"  # where suggested rows come from, in plain words


def matrix_view(
    rows: dict,
    labels: dict | None = None,
    names: dict | None = None,
    suggested: bool = False,
    today: dt.date | None = None,
    pulses: dict | None = None,
    min_group: int | None = None,
    source: str = "the scores",
) -> MatrixView:
    """The planning matrix as cards, one per row (several rows may be about one element).

    ``rows`` maps key to :class:`~orb_widgets.workbook.MatrixRow` (or its dict);
    ``labels`` are the framework's column headings, ``names`` the targets' names.
    Each step shows its date, and "overdue" or "due soon" as of ``today``; a row with a pulse check
    (``pulses``: row key to :class:`orb_widgets.results.Pulse`) shows it in words.
    ``source`` says where suggested rows come from (see :func:`orb_widgets.planning.suggested_from`).
    """
    labels = labels or {}
    cards = []
    for key, row in rows.items():
        r = row if isinstance(row, MatrixRow) else MatrixRow.model_validate(row)
        fields = []
        for f in MATRIX_FIELDS:
            if f in ("steps", "status"):
                continue
            text = str(getattr(r, f) or "").strip()
            if text:
                fields.append((labels.get(f, f.replace("_", " ").capitalize()), text))
        steps = tuple(step_line(s, today) for s in r.steps)
        cards.append(
            MatrixCard(
                (names or {}).get(r.target, r.target),
                tuple(fields),
                steps,
                r.status,
                row_due(r, today),
                key,
                pulse_text(pulses[key], min_group) if pulses and key in pulses else "",
            )
        )
    return MatrixView(tuple(cards), suggested, "Steps", source)


@dataclass(frozen=True)
class FollowThroughView:
    """Where the plan's steps stand as of a day: counts, and the steps overdue or due soon (earliest first)."""

    today: str
    counts: tuple  # (status, n) pairs: done, under way, not started, dropped
    overdue: tuple  # (row name, StepLine)
    due_soon: tuple  # (row name, StepLine)
    steps: int
    due_soon_days: int = DUE_SOON_DAYS


def follow_through_view(rows: dict, names: dict | None = None, today: dt.date | None = None) -> FollowThroughView:
    """The plan's follow-through: how many steps are done, under way, overdue, due soon, and which."""
    today = today or dt.date.today()
    counts = step_counts(rows, today)
    flagged = []
    for row in rows.values():
        r = row if isinstance(row, MatrixRow) else MatrixRow.model_validate(row)
        for s in r.steps:
            line = step_line(s, today)
            if line.due:
                flagged.append((s.by_when, (names or {}).get(r.target, r.target), line))
    flagged.sort(key=lambda x: (x[0], x[1]))
    return FollowThroughView(
        date(today),
        tuple((s, counts[s]) for s in ("done", "under way", "not started", "dropped")),
        tuple((name, line) for _, name, line in flagged if line.due == "overdue"),
        tuple((name, line) for _, name, line in flagged if line.due == "due soon"),
        counts["steps"],
    )


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
