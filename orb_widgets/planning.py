"""The SO WHAT? planning matrix and follow-up boards, as DataFrames.

Pure functions: priorities and saved rows in, tables out. No widgets, no I/O.

>>> from orb_widgets.report import PriorityRow
>>> rows = prefill([PriorityRow(rank=1, element="C", mean=2.4, gap=0.9, change=None,
...                             reasons=("lowest score",), suppressed=False)], {"C": "Team structures"})
>>> rows["C"]["target"], rows["C"]["what_we_learned"]
('C', 'Team structures: average 2.4 (lowest score).')
"""
from __future__ import annotations

import pandas as pd

from .workbook import STATUSES, FollowUp, MatrixRow

MATRIX_FIELDS = ["what_we_learned", "why_it_matters", "next_steps", "who", "by_when",
                 "support_needed", "how_we_will_know", "status"]


def prefill(priorities, element_names: dict[str, str], top: int = 3) -> dict[str, dict]:
    """Starter matrix rows for the top ``top`` priority elements.

    ``priorities`` are the report's :class:`~orb_widgets.report.PriorityRow`
    rows. Only the "what we learned" column is filled, from the scores; the
    team writes the rest. Elements whose results are suppressed are not
    prefilled.
    """
    rows = {}
    for p in priorities:
        if len(rows) >= top:
            break
        if not p.shown:
            continue
        name = element_names.get(p.element, p.element)
        learned = f"{name}: average {p.mean:.1f}"
        if p.reasons:
            learned += " (" + "; ".join(p.reasons) + ")"
        rows[p.element] = MatrixRow(target=p.element, what_we_learned=learned + ".").model_dump(mode="json")
    return rows


def matrix_frame(rows: dict, labels: dict[str, str] | None = None,
                 target_names: dict[str, str] | None = None) -> pd.DataFrame:
    """The matrix as a table, one row per element/component, columns in matrix order.

    ``rows`` maps key to :class:`MatrixRow` (or its dict). ``labels`` renames
    the columns to the framework's headings; ``target_names`` names the targets.
    """
    records = []
    for key, row in rows.items():
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
        records.append({"level": level.id, "label": level.label, "when": "target",
                        "share": level.target_share if target is None else target})
    return pd.DataFrame(records, columns=["level", "label", "when", "share"])
