"""The SO WHAT? planning matrix and follow-up boards, as DataFrames.

Pure functions: priorities and saved rows in, tables out. No widgets, no I/O.

>>> from orb_widgets.report import PriorityRow
>>> rows = prefill([PriorityRow(rank=1, element="C", mean=2.4, gap=0.9, change=None,
...                             reasons=("lowest score",), suppressed=False)], {"C": "Team structures"})
>>> rows["C"]["target"], rows["C"]["what_we_learned"]
('C', 'Team structures: average 2.40 (lowest score).')
"""

from __future__ import annotations

import pandas as pd

from .format import date, score
from .workbook import RATINGS, STATUSES, FollowUp, MatrixRow

MATRIX_FIELDS = [
    "what_we_learned",
    "why_it_matters",
    "next_steps",
    "who",
    "by_when",
    "support_needed",
    "how_we_will_know",
    "status",
]


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


def matrix_frame(
    rows: dict, labels: dict[str, str] | None = None, target_names: dict[str, str] | None = None
) -> pd.DataFrame:
    """The matrix as a table, one row per element/component, columns in matrix order.

    ``rows`` maps key to :class:`MatrixRow` (or its dict). ``labels`` renames
    the columns to the framework's headings; ``target_names`` names the targets.
    """
    records = []
    for row in rows.values():
        r = row if isinstance(row, MatrixRow) else MatrixRow.model_validate(row)
        rec = {"target": (target_names or {}).get(r.target, r.target)}
        for f in MATRIX_FIELDS:
            value = getattr(r, f)
            if f == "next_steps":
                value = "\n".join(f"{n}. {s}" for n, s in enumerate(value, 1) if s.strip())
            elif f == "by_when":
                value = value.isoformat() if value else ""
            rec[f] = value
        records.append(rec)
    df = pd.DataFrame(records, columns=["target", *MATRIX_FIELDS])
    if labels:
        df = df.rename(columns=labels)
    return df


def status_counts(rows: dict) -> pd.Series:
    """How many matrix rows are in each status, in a fixed order (for a progress line)."""
    statuses = [(r if isinstance(r, MatrixRow) else MatrixRow.model_validate(r)).status for r in rows.values()]
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
