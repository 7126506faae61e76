"""Everything for one wave, JSON-ready: :func:`score` (see "One wave at a time" in :mod:`orb_widgets.scoring`)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..exceptions import InvalidValue
from .breakdowns import break_down, change_since_previous, components_table, gap_table
from .elements import STATS, respondent_scores, summarise_elements, summarise_items
from .prepare import check_points, coded_labels, element_order, prepare
from .priorities import priorities
from .suppression import hide, suppress_jointly


def _plain(value):
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        return str(value)
    return None if pd.isna(value) else value


def _records(table: pd.DataFrame, columns: list) -> list[dict]:
    return [{c: _plain(row[c]) for c in columns} for row in table[columns].astype(object).to_dict("records")]


def score(
    answers: pd.DataFrame,
    items: pd.DataFrame,
    points: int,
    min_group: int = 5,
    role_levels: dict | None = None,
    components: list | None = None,
    waves: list | None = None,
    wave=None,
    units: list | None = None,
) -> dict:
    """Score one wave of a county's assessment; return a JSON-ready dict.

    Parameters
    ----------
    answers, items, points
        See the module docstring.
    min_group : int
        Smallest group whose results are shown (default 5).
    role_levels : dict
        Role-group id → "leadership", "supervisor", "staff" or "partner".
    components : list of dict
        ``{"id", "name", "elements"}`` readiness components.
    waves : list
        Every wave label in chronological order (never sorted here). May be
        omitted only when ``answers`` holds a single wave.
    wave : optional
        The wave to score; default the last wave in ``waves`` with answers.
        The wave breakdown covers the waves up to and including it.
    units : list, optional
        The office or unit question's answers in the survey's order (rows and ties follow it).
        With a ``unit`` column in ``answers`` (missing where a person gave none), ``by_unit``
        breaks the wave down by unit, suppressed together with ``by_role`` (rule 9).

    Returns
    -------
    dict
        Keys ``wave, n_respondents, suppressed, elements, items, by_role,
        by_unit, by_wave, gap, change, components, priorities``. Lists of plain dicts; NaN
        becomes None. ``n_respondents`` is None and ``suppressed`` True when
        fewer than ``min_group`` people answered the wave.

    Examples
    --------
    >>> import json, pandas as pd
    >>> items = pd.DataFrame({"item": ["a1", "b1"], "element": ["A", "B"], "reverse": False})
    >>> answers = pd.DataFrame({
    ...     "respondent": [f"r{i}" for i in range(6) for _ in range(2)], "wave": "W1",
    ...     "role": "worker", "item": ["a1", "b1"] * 6,
    ...     "value": [4.0, 2.0] * 6, "dont_know": False})
    >>> result = score(answers, items, 5, 5, {"worker": "staff"}, [], ["W1"])
    >>> result["n_respondents"], [p["element"] for p in result["priorities"]]
    (6, ['B', 'A'])
    >>> _ = json.dumps(result, allow_nan=False)
    """
    points = check_points(points)
    role_levels = dict(role_levels or {})
    answers = coded_labels(answers)  # labels coded once; everything below groups small integers
    prepared_all = prepare(answers, items, points)
    present = list(pd.unique(answers["wave"]))
    if waves is None:
        if len(present) > 1:
            raise InvalidValue("answers hold several waves: pass waves=[...] in chronological order.")
        waves = present
    waves = list(waves)
    unknown = [w for w in present if w not in waves]
    if unknown:
        raise InvalidValue(
            f"answers include wave '{unknown[0]}', which is not in the list of "
            f"waves ({', '.join(map(str, waves))}): add it in chronological order."
        )
    if wave is None:
        with_data = [w for w in waves if w in set(present)]
        wave = with_data[-1] if with_data else (waves[-1] if waves else None)
    elif wave not in waves:
        raise InvalidValue(f"wave '{wave}' is not one of {', '.join(map(str, waves))}.")
    upto = waves[: waves.index(wave) + 1] if wave in waves else []

    prepared = prepared_all.loc[prepared_all["wave"].isin(upto)]
    scores = respondent_scores(prepared, items)
    now = prepared.loc[prepared["wave"] == wave]
    scores_now = scores.loc[scores["wave"] == wave]

    n_respondents = int(answers.loc[answers["wave"] == wave, "respondent"].nunique())
    elements = summarise_elements(now, scores_now, items, points, min_group)
    statements = summarise_items(now, items, points, min_group)
    by_role = break_down(now, scores_now, "role", items, points, min_group, list(role_levels), positions=True)
    by_unit = None
    if "unit" in scores_now.columns and scores_now["unit"].notna().any():
        # Offices or units break the same people down a second way: no hidden group of either
        # breakdown may follow from the shown groups of both and the total (rule 9).
        by_unit = break_down(now, scores_now, "unit", items, points, min_group, list(units or []), positions=True)
        scored = scores_now.loc[scores_now["score"].notna(), ["element", "role", "unit"]]
        flags = suppress_jointly(scored, {"role": by_role, "unit": by_unit}, min_group)
        by_role = hide(by_role, flags["role"], STATS + ["pct_agree"])
        by_unit = hide(by_unit, flags["unit"], STATS + ["pct_agree"])
    # Waves are never added up into a shown total, so a hidden wave cannot be
    # worked out from the others: only primary suppression applies across waves.
    by_wave = break_down(prepared, scores, "wave", items, points, min_group, upto, complementary=False)
    gap = gap_table(scores_now, role_levels, min_group, by_role, items)

    changes = change_since_previous(by_wave, upto)
    change = (
        changes.loc[changes["wave"] == wave]
        .set_index("element")
        .reindex(pd.Index(element_order(items), name="element"))
        .reset_index()
    )
    no_row = change["wave"].isna()  # no scored respondent this wave: shown as hidden
    change["suppressed"] = change["suppressed"].astype(object).where(~no_row, True).astype(bool)
    change["previous_wave"] = change["previous_wave"].astype(object).where(~no_row, None)

    comps = components_table(scores_now, components, min_group)
    ranks = priorities(elements, gap, change, points)

    too_few = n_respondents < min_group
    return {
        "wave": _plain(wave),
        "n_respondents": None if too_few else n_respondents,
        "suppressed": bool(too_few),
        "elements": _records(
            elements,
            [
                "element",
                "n",
                "mean",
                "sd",
                "ci_low",
                "ci_high",
                "pct_agree",
                "alpha",
                "pct_dont_know",
                "rwg",
                "suppressed",
            ],
        ),
        "items": _records(
            statements, ["item", "element", "n", "mean", "sd", "pct_agree", "pct_dont_know", "suppressed"]
        ),
        "by_role": _records(by_role, ["role", "element", "n", "mean", "sd", "suppressed"]),
        "by_unit": [] if by_unit is None else _records(by_unit, ["unit", "element", "n", "mean", "sd", "suppressed"]),
        "by_wave": _records(by_wave, ["wave", "element", "n", "mean", "ci_low", "ci_high", "pct_agree", "suppressed"]),
        "gap": _records(gap, ["element", "leadership_n", "staff_n", "gap", "suppressed"]),
        "change": _records(change, ["element", "previous_wave", "change", "suppressed"]),
        "components": _records(
            comps, ["component", "name", "elements", "n", "mean", "sd", "ci_low", "ci_high", "suppressed"]
        ),
        "priorities": _records(
            ranks.assign(suppressed=ranks["rank"].isna()),
            ["rank", "element", "mean", "gap", "change", "reasons", "suppressed"],
        ),
    }
