"""The SO WHAT? planning matrix and follow-up boards, as DataFrames.

Pure functions: priorities and saved rows in, tables out. No widgets, no I/O.

>>> from orb_widgets.report import PriorityRow
>>> rows = prefill([PriorityRow(rank=1, element="C", mean=2.4, gap=0.9, change=None,
...                             reasons=("lowest score",), suppressed=False)], {"C": "Team structures"})
>>> rows["C"]["target"], rows["C"]["what_we_learned"]
('C', 'Team structures: average 2.40 (lowest score).')
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from .format import date, score
from .workbook import RATINGS, STATUSES, FollowUp, MatrixRow, Step

#: The row's own columns, in matrix order; ``steps`` stands for the steps (what, who, by when, status).
MATRIX_FIELDS = [
    "what_we_learned",
    "why_it_matters",
    "steps",
    "support_needed",
    "how_we_will_know",
    "status",
]

#: A step's columns in a table of the plan (one line per step).
STEP_FIELDS = ["step", "who", "by_when", "step_status", "done_on", "note", "due"]

#: Days ahead in which a step that is not done is "due soon" (today counts as due soon, not overdue).
DUE_SOON_DAYS = 14

#: Step statuses that are finished: such a step is never overdue nor due soon.
FINISHED = ("done", "dropped")


def due(by_when, status: str, today: dt.date | None = None) -> str:
    """``"overdue"`` when a step's date has passed and it is not finished, ``"due soon"`` within 14 days.

    A step due today is due soon, not overdue; a step done or dropped is never either.

    >>> d = dt.date(2026, 3, 5)
    >>> due(d, "not started", d), due(d, "under way", d + dt.timedelta(days=1)), due(d, "done", d.replace(day=9))
    ('due soon', 'overdue', '')
    >>> due(d, "not started", d - dt.timedelta(days=14)), due(d, "not started", d - dt.timedelta(days=15))
    ('due soon', '')
    """
    if by_when is None or status in FINISHED:
        return ""
    if isinstance(by_when, str):
        by_when = dt.date.fromisoformat(by_when)
    today = today or dt.date.today()
    if by_when < today:
        return "overdue"
    return "due soon" if (by_when - today).days <= DUE_SOON_DAYS else ""


def row_due(row, today: dt.date | None = None) -> str:
    """The row's flag: "overdue" when any step is, else "due soon" when any step is, else empty."""
    flags = {due(s.by_when, s.status, today) for s in _row(row).steps}
    return "overdue" if "overdue" in flags else "due soon" if "due soon" in flags else ""


def _row(row) -> MatrixRow:
    return row if isinstance(row, MatrixRow) else MatrixRow.model_validate(row)


def row_key(target: str, taken) -> str:
    """The key of a new row about ``target``: the target itself, else ``target#2``, ``target#3`` …

    >>> row_key("C", []), row_key("C", ["C", "C#2"])
    ('C', 'C#3')
    """
    taken = set(taken)
    if target not in taken:
        return target
    n = 2
    while f"{target}#{n}" in taken:
        n += 1
    return f"{target}#{n}"


def stamp_steps(steps: list, today: dt.date, before: list | None = None) -> list[dict]:
    """The steps with ``done_on`` set to ``today`` on a step newly marked done, and cleared on a step reopened.

    ``before`` are the steps as saved (matched by position: steps are added at the end and dropped,
    never taken out); a step already done there keeps its ``done_on``, even an unknown one.

    >>> [s["done_on"] for s in stamp_steps([{"status": "done"}, {"status": "done", "done_on": "2026-01-02"},
    ...                                     {"status": "under way", "done_on": "2026-01-02"}], dt.date(2026, 3, 5))]
    ['2026-03-05', '2026-01-02', None]
    >>> stamp_steps([{"status": "done"}], dt.date(2026, 3, 5), before=[{"status": "done"}])[0]["done_on"] is None
    True
    """
    before = before or []
    out = []
    for n, step in enumerate(steps):
        s = (step if isinstance(step, Step) else Step.model_validate(step)).model_dump(mode="json")
        was_done = n < len(before) and (before[n] or {}).get("status") == "done"
        if s["status"] == "done" and not s["done_on"] and not was_done:
            s["done_on"] = today.isoformat()
        elif s["status"] != "done":
            s["done_on"] = None
        out.append(s)
    return out


def step_counts(rows, today: dt.date | None = None) -> dict[str, int]:
    """How many steps the rows hold in each status, and how many are overdue and due soon.

    >>> step_counts({"C": {"target": "C", "steps": [{"text": "a", "status": "done"},
    ...   {"text": "b", "by_when": "2026-01-01"}]}}, dt.date(2026, 2, 1))
    {'steps': 2, 'not started': 1, 'under way': 0, 'done': 1, 'dropped': 0, 'overdue': 1, 'due soon': 0}
    """
    from .workbook import STEP_STATUSES

    out = {"steps": 0, **{s: 0 for s in STEP_STATUSES}, "overdue": 0, "due soon": 0}
    for row in rows.values():
        for s in _row(row).steps:
            out["steps"] += 1
            out[s.status] += 1
            flag = due(s.by_when, s.status, today)
            if flag:
                out[flag] += 1
    return out


def prefill(priorities, element_names: dict[str, str], top: int = 3, debriefs: dict | None = None) -> dict[str, dict]:
    """Starter matrix rows for the top ``top`` priority elements.

    ``priorities`` are the report's :class:`~orb_widgets.report.PriorityRow`
    rows. Only the "what we learned" column is filled, from the scores and
    what the team wrote in its debrief (``debriefs``: element id to
    :class:`~orb_widgets.workbook.Debrief`); the team writes the rest.
    Elements whose results are suppressed are not prefilled from scores;
    when fewer than ``top`` rows come from the scores, the elements the team
    rated itself follow, lowest rating first, the rating named as the team's.

    >>> from orb_widgets.workbook import Debrief
    >>> rows = prefill([], {"C": "Team structures"}, debriefs={"C": Debrief(element="C", rating=2, reasons="No team yet")})
    >>> rows["C"]["what_we_learned"]
    "Team structures: team rating 2 of 5 (a little ready), the team's own judgement, not a survey result. Why: No team yet."
    """
    debriefs = debriefs or {}

    def reading(element: str) -> str:
        d = debriefs.get(element)
        text = " ".join((d.reading if d else "").split())
        return f" What we made of it: {text}" if text else ""

    rows = {}
    for p in priorities:
        if len(rows) >= top:
            break
        if not p.shown:
            continue
        name = element_names.get(p.element, p.element)
        learned = f"{name}: average {score(p.mean)}"
        if p.reasons:
            learned += " (" + "; ".join(p.reasons) + ")"
        learned += "." + reading(p.element)
        rows[p.element] = MatrixRow(target=p.element, what_we_learned=learned).model_dump(mode="json")
    order = {e: n for n, e in enumerate(element_names)}
    rated = sorted(
        (d for e, d in debriefs.items() if d.rating is not None and e not in rows),
        key=lambda d: (d.rating, order.get(d.element, len(order)), d.element),
    )
    for d in rated[: max(top - len(rows), 0)]:
        name = element_names.get(d.element, d.element)
        learned = (
            f"{name}: team rating {d.rating} of 5 ({RATINGS[d.rating]}), the team's own judgement, not a survey result."
        )
        why = " ".join(d.reasons.split())
        learned += (f" Why: {why}" + ("" if why.endswith((".", "!", "?")) else ".") if why else "") + reading(d.element)
        rows[d.element] = MatrixRow(target=d.element, what_we_learned=learned).model_dump(mode="json")
    return rows


def suggested_from(rows: dict, priorities) -> str:
    """Where :func:`prefill`'s rows come from, in plain words: the scores, the team's ratings, or both.

    A row is from the scores when its element is a shown priority, else from the team's rating.

    >>> suggested_from({"C": {}}, [])
    "the team's own ratings"
    """
    scored = {p.element for p in priorities if p.shown}
    kinds = {key in scored for key in rows}
    if kinds == {True, False}:
        return "the scores and the team's own ratings"
    return "the scores" if kinds != {False} else "the team's own ratings"


def matrix_frame(
    rows: dict,
    labels: dict[str, str] | None = None,
    target_names: dict[str, str] | None = None,
    today: dt.date | None = None,
) -> pd.DataFrame:
    """The matrix as a table, one line per step (a row with no step yet is one line), columns in matrix order.

    ``rows`` maps key to :class:`MatrixRow` (or its dict). ``labels`` renames
    the columns to the framework's headings; ``target_names`` names the targets.
    The ``due`` column says "overdue" or "due soon" as of ``today``.
    """
    records = []
    for key, row in rows.items():
        r = _row(row)
        base = {"row": key, "target": (target_names or {}).get(r.target, r.target)}
        for f in MATRIX_FIELDS:
            if f != "steps":
                base[f] = getattr(r, f)
        for s in r.steps or [None]:
            rec = dict(base)
            rec.update(
                {
                    "step": s.text if s else "",
                    "who": s.who if s else "",
                    "by_when": s.by_when.isoformat() if s and s.by_when else "",
                    "step_status": s.status if s else "",
                    "done_on": s.done_on.isoformat() if s and s.done_on else "",
                    "note": s.note if s else "",
                    "due": due(s.by_when, s.status, today) if s else "",
                }
            )
            records.append(rec)
    columns = ["target", "what_we_learned", "why_it_matters", *STEP_FIELDS]
    columns += ["support_needed", "how_we_will_know", "status", "row"]
    df = pd.DataFrame(records, columns=columns)
    if labels:
        df = df.rename(columns=labels)
    return df


def plan_json(
    rows: dict, target_names: dict[str, str] | None = None, today: dt.date | None = None, pulses: dict | None = None
) -> list[dict]:
    """The plan as plain data for ``orb plan --json``: one dict per row, its steps, and what is overdue.

    Each row: ``row`` (its key), ``target`` (element id or ``component:N``),
    ``kind`` ("element" or "component"), ``name``, the SO WHAT? columns
    (``what_we_learned``, ``why_it_matters``, ``support_needed``,
    ``how_we_will_know``), ``status``, ``steps`` (each with ``text``, ``who``,
    ``by_when``, ``status``, ``done_on``, ``note``, ``source``, ``due``), ``overdue``
    (how many steps are overdue as of ``today``), ``due_soon``, and ``pulse``: the row's latest pulse
    check (``pulses``: row key to its JSON dict, see :class:`orb_widgets.results.Pulse`), or null.
    """
    out = []
    for key, row in rows.items():
        r = _row(row)
        steps = []
        for s in r.steps:
            d = s.model_dump(mode="json")
            d["due"] = due(s.by_when, s.status, today) or None
            steps.append(d)
        out.append(
            {
                "row": key,
                "target": r.target,
                "kind": "component" if r.target.startswith("component:") else "element",
                "name": (target_names or {}).get(r.target, r.target),
                "what_we_learned": r.what_we_learned,
                "why_it_matters": r.why_it_matters,
                "support_needed": r.support_needed,
                "how_we_will_know": r.how_we_will_know,
                "status": r.status,
                "steps": steps,
                "overdue": sum(1 for s in steps if s["due"] == "overdue"),
                "due_soon": sum(1 for s in steps if s["due"] == "due soon"),
                "pulse": (pulses or {}).get(key),
            }
        )
    return out


def status_counts(rows: dict) -> pd.Series:
    """How many matrix rows are in each status, in a fixed order (for a progress line)."""
    statuses = [_row(r).status for r in rows.values()]
    return pd.Series(statuses, dtype="object").value_counts().reindex(list(STATUSES), fill_value=0)


def carry_forward(previous: FollowUp | None) -> list[str]:
    """Items from the last review that still need doing: its Improve and Start lists.

    Keep items are working already and Stop items are dropped, so neither comes
    forward; items already carried and still open come again.
    """
    if previous is None:
        return []
    seen, out = set(), []
    for text in [*previous.carried, *previous.improve, *previous.start]:
        key = text.strip().casefold()
        if key and key not in seen:
            seen.add(key)
            out.append(text.strip())
    return out


def competence_frame(competence: dict, levels) -> pd.DataFrame:
    """Competence levels now vs target, long, for a chart: level, label, when, share."""
    records = []
    for level in levels:
        share = competence.get(level.id)
        now = getattr(share, "now", None) if share is not None else None
        target = getattr(share, "target", None) if share is not None else None
        if isinstance(share, dict):
            now, target = share.get("now"), share.get("target")
        records.append({"level": level.id, "label": level.label, "when": "now", "share": now or 0.0})
        records.append(
            {
                "level": level.id,
                "label": level.label,
                "when": "target",
                "share": level.target_share if target is None else target,
            }
        )
    return pd.DataFrame(records, columns=["level", "label", "when", "share"])


def competence_alt(frame: pd.DataFrame) -> str:
    """The competence chart in words, with what the shares leave out, for a screen reader.

    >>> f = pd.DataFrame([{"level": "basic", "label": "Basic skills", "when": "now", "share": 0.5},
    ...                   {"level": "basic", "label": "Basic skills", "when": "target", "share": 0.8}])
    >>> competence_alt(f)
    'Competence now and target: Basic skills now: 50%; Basic skills target: 80%. Now, 50% are at no level yet; target, 20% are at no level yet.'
    """
    parts = "; ".join(f"{r.label} {r.when}: {100 * r.share:.0f}%" for r in frame.itertuples())
    rest = [f"{when}, {pct:.0f}% are at no level yet" for when, pct in competence_rest(frame).items() if pct > 0.5]
    return f"Competence now and target: {parts}." + (f" {'; '.join(rest).capitalize()}." if rest else "")


def competence_rest(frame: pd.DataFrame) -> dict[str, float]:
    """Per ``now`` and ``target``: the percentage of people the levels leave out (never below 0)."""
    totals = frame.groupby("when", sort=False)["share"].sum() if len(frame) else pd.Series(dtype=float)
    return {when: max(0.0, 100 * (1 - float(totals.get(when, 0.0)))) for when in ("now", "target")}


def targets(fw, asked=None) -> dict[str, str]:
    """Every element and readiness component a matrix row can be about: key -> the name people see.

    With ``asked`` (the elements the county's survey asks about), only those
    elements, and the components informed by at least one of them.
    """
    keep = set(asked) if asked is not None else {e.id for e in fw.elements}
    out = {e.id: f"{e.id}. {e.name}" for e in fw.elements if e.id in keep}
    out.update(
        {f"component:{c.id}": f"Readiness component {c.id}: {c.name}" for c in fw.components if keep & set(c.elements)}
    )
    return out


def lines(text: str) -> list[str]:
    """Text typed one item per line, as a list without the empty lines.

    >>> lines(" Keep the huddle \\n\\n  Ask partners ")
    ['Keep the huddle', 'Ask partners']
    """
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def timeline_alt(activities: list[dict]) -> str:
    """The timeline chart in words: each activity with its dates."""
    return "Timeline: " + "; ".join(
        f"{a['what']} from {date(a['start'])} to {date(a.get('end') or a['start'])}" for a in activities
    )
