"""Element scores by role group and by wave, the leadership–staff gap, the change since the previous
wave, and the readiness components (rules 9 to 12)."""

from __future__ import annotations

import pandas as pd

from ..exceptions import InvalidValue
from .elements import STATS, describe, respondent_scores, shares
from .prepare import RESPONDENT, element_order, plain_labels, prepare
from .suppression import hide, suppress_breakdown


def break_down(
    prepared, scores, by, items, points, min_group, order=None, complementary=True, positions=False
) -> pd.DataFrame:
    table = describe(scores, [by, "element"])
    table = table[table["n"] > 0].join(shares(prepared, [by], points)[["pct_agree"]])
    table = table.reset_index()
    groups = list(order or [])
    groups += [g for g in pd.unique(scores[by].dropna()) if g not in set(groups)]
    element_pos = {e: i for i, e in enumerate(element_order(items))}
    table["_pos"] = table[by].map({g: i for i, g in enumerate(groups)})
    table = (
        table.assign(_el=table["element"].map(element_pos))
        .sort_values(["_el", "_pos"], kind="mergesort")
        .reset_index(drop=True)
    )
    suppressed = suppress_breakdown(table, min_group) if complementary else table["n"] < min_group
    table = hide(table, suppressed, STATS + ["pct_agree"])
    return table[
        [by, "element", "n", "mean", "sd", "ci_low", "ci_high", "pct_agree", "suppressed"]
        + (["_pos"] if positions else [])
    ]


def breakdown(
    answers: pd.DataFrame, items: pd.DataFrame, points: int, by: str, min_group: int = 5, order=None
) -> pd.DataFrame:
    """Element scores broken down by ``by`` (``"role"`` or ``"wave"``).

    Groups with no scored respondent are left out. A group with fewer than
    ``min_group`` respondents is suppressed; when it is the only suppressed
    group of its element, the next smallest group is suppressed too, so the
    shown groups and the element total cannot give it away.

    Parameters
    ----------
    by : str
        ``"role"`` or ``"wave"`` (any column of ``answers`` works).
    order : list, optional
        Group order for the rows and for breaking ties when choosing the
        complementary group; pass the waves in chronological order. Groups not
        in it follow in order of first appearance.

    Returns
    -------
    pandas.DataFrame
        ``<by>, element, n, mean, sd, ci_low, ci_high, pct_agree, suppressed``.

    Examples
    --------
    >>> import pandas as pd
    >>> items = pd.DataFrame({"item": ["a1"], "element": "A", "reverse": False})
    >>> roles = ["lead"] * 2 + ["sup"] * 6 + ["staff"] * 9
    >>> answers = pd.DataFrame({"respondent": [f"r{i}" for i in range(17)], "wave": "W1",
    ...                         "role": roles, "item": "a1", "value": 4.0, "dont_know": False})
    >>> breakdown(answers, items, 5, "role")[["role", "n", "suppressed"]]
        role     n  suppressed
    0   lead  <NA>        True
    1    sup  <NA>        True
    2  staff     9       False
    """
    prepared = prepare(answers, items, points)
    return break_down(prepared, respondent_scores(prepared, items), by, items, points, min_group, order)


def gap_table(scores, role_levels, min_group, by_role, items) -> pd.DataFrame:
    levels = dict(role_levels or {})
    sides = ["leadership", "staff"]
    index = pd.Index(element_order(items), name="element")
    scored = plain_labels(scores.loc[scores["score"].notna(), ["element", "role", "score"]])
    level = scored["role"].map(levels)
    stats = (
        scored.loc[level.isin(sides)]
        .groupby(["element", level.rename("level")])["score"]
        .agg(["count", "mean"])
        .unstack("level")
        .reindex(index=index, columns=pd.MultiIndex.from_product([["count", "mean"], sides]))
    )
    count = stats["count"].fillna(0)
    # Treat both side means as known (the gap plus one shown side gives the other).
    # With the element total they split the role breakdown's hidden groups into a
    # leadership, a staff and an "other" part: each part must hold min_group people.
    role_n = scored.groupby(["element", "role"]).size().rename("count").reset_index()
    hidden = by_role.loc[by_role["suppressed"], ["element", "role"]].merge(role_n, on=["element", "role"], how="left")
    part = hidden["role"].map(levels).where(lambda lvl: lvl.isin(sides), "other")
    part_n = hidden.groupby(["element", part.rename("part")])["count"].sum()
    exposing = part_n.index.get_level_values("element")[(part_n < min_group).to_numpy()]
    suppressed = pd.Series(
        (count["leadership"] < min_group) | (count["staff"] < min_group) | index.isin(exposing), index=index
    )
    table = pd.DataFrame(
        {
            "leadership_n": count["leadership"],
            "staff_n": count["staff"],
            "gap": stats[("mean", "leadership")] - stats[("mean", "staff")],
        },
        index=index,
    )
    table = hide(table, suppressed, ["gap"], counts=("leadership_n", "staff_n"))
    return table.reset_index()


def leadership_gap(
    answers: pd.DataFrame, items: pd.DataFrame, points: int, role_levels: dict, min_group: int = 5
) -> pd.DataFrame:
    """Leadership mean minus staff mean, per element.

    Role groups are mapped to levels with ``role_levels``; supervisors,
    partners and unmapped roles are on neither side. The gap is hidden when
    either side has fewer than ``min_group`` respondents, or when it would
    expose groups hidden in the role breakdown: the hidden groups on each side,
    and the other hidden groups, must each total ``min_group`` people.

    Returns
    -------
    pandas.DataFrame
        ``element, leadership_n, staff_n, gap, suppressed``.

    Examples
    --------
    >>> import pandas as pd
    >>> items = pd.DataFrame({"item": ["a1"], "element": "A", "reverse": False})
    >>> answers = pd.DataFrame({
    ...     "respondent": [f"r{i}" for i in range(12)], "wave": "W1",
    ...     "role": ["director"] * 5 + ["worker"] * 7, "item": "a1",
    ...     "value": [5.0] * 5 + [3.0, 4.0] * 3 + [4.0], "dont_know": False})
    >>> levels = {"director": "leadership", "worker": "staff"}
    >>> round(float(leadership_gap(answers, items, 5, levels)["gap"].iloc[0]), 4)
    1.4286
    """
    prepared = prepare(answers, items, points)
    scores = respondent_scores(prepared, items)
    by_role = break_down(prepared, scores, "role", items, points, min_group, list(role_levels))
    return gap_table(scores, role_levels, min_group, by_role, items)


def change_since_previous(by_wave: pd.DataFrame, waves: list) -> pd.DataFrame:
    """Change in each element's mean since the previous wave that has data.

    Parameters
    ----------
    by_wave : pandas.DataFrame
        The output of :func:`breakdown` with ``by="wave"`` (already
        suppressed).
    waves : list
        Wave labels in chronological order; labels are never sorted.

    Returns
    -------
    pandas.DataFrame
        ``wave, element, previous_wave, change, suppressed`` for each row of
        ``by_wave``: ``change`` is NaN with no previous wave, and hidden
        (``suppressed`` True) when either wave's row is suppressed.

    Examples
    --------
    >>> import pandas as pd
    >>> by_wave = pd.DataFrame({"wave": ["Spring", "Fall"], "element": "A",
    ...                         "mean": [3.0, 3.5], "suppressed": False})
    >>> change_since_previous(by_wave, ["Spring", "Fall"])
         wave element previous_wave  change  suppressed
    0  Spring       A          None     NaN       False
    1    Fall       A        Spring     0.5       False
    """
    position = {w: i for i, w in enumerate(waves)}
    unknown = [w for w in pd.unique(by_wave["wave"]) if w not in position]
    if unknown:
        raise InvalidValue(
            f"wave '{unknown[0]}' is not in the list of waves "
            f"({', '.join(map(str, waves))}): add it in chronological order."
        )
    t = by_wave[["wave", "element", "mean", "suppressed"]].assign(_pos=by_wave["wave"].map(position))
    t = t.sort_values("_pos", kind="mergesort")
    g = t.groupby("element", sort=False)
    previous = g["wave"].shift(1)
    suppressed = t["suppressed"].astype(bool) | g["suppressed"].shift(1).eq(True)
    out = pd.DataFrame(
        {
            "wave": t["wave"],
            "element": t["element"],
            "previous_wave": previous.astype(object).where(previous.notna(), None),
            "change": (t["mean"] - g["mean"].shift(1)).astype(float).mask(suppressed),
            "suppressed": suppressed,
        }
    )
    return out.sort_index()


def components_table(scores, components, min_group) -> pd.DataFrame:
    components = list(components or [])
    links = pd.DataFrame([(c["id"], e) for c in components for e in c["elements"]], columns=["component", "element"])
    scored = plain_labels(scores.loc[scores["score"].notna(), RESPONDENT + ["element", "score"]])
    per_respondent = scored.merge(links, on="element").groupby(["component"] + RESPONDENT)["score"].mean().reset_index()
    index = pd.Index([c["id"] for c in components], name="component")
    table = describe(per_respondent, ["component"]).reindex(index)
    table["n"] = table["n"].fillna(0)
    table = hide(table, table["n"] < min_group, STATS).reset_index()
    table.insert(1, "name", [c.get("name", c["id"]) for c in components])
    table.insert(2, "elements", [list(c["elements"]) for c in components])
    return table[["component", "name", "elements", "n", "mean", "sd", "ci_low", "ci_high", "suppressed"]]


def component_scores(
    answers: pd.DataFrame, items: pd.DataFrame, points: int, components: list, min_group: int = 5
) -> pd.DataFrame:
    """Summarise readiness components from the elements that inform them.

    A respondent's component score is the mean of the element scores they
    have among the component's elements; these are summarised like elements.

    Parameters
    ----------
    components : list of dict
        ``{"id", "name", "elements": [element ids]}``.

    Returns
    -------
    pandas.DataFrame
        ``component, name, elements, n, mean, sd, ci_low, ci_high,
        suppressed``.

    Examples
    --------
    >>> import pandas as pd
    >>> items = pd.DataFrame({"item": ["a1", "b1"], "element": ["A", "B"], "reverse": False})
    >>> answers = pd.DataFrame({
    ...     "respondent": ["r1", "r1", "r2"], "wave": "W1", "role": "staff",
    ...     "item": ["a1", "b1", "a1"], "value": [2.0, 4.0, 5.0], "dont_know": False})
    >>> comps = [{"id": "1", "name": "Engagement", "elements": ["A", "B"]}]
    >>> component_scores(answers, items, 5, comps, min_group=1)[["component", "n", "mean"]]
      component  n  mean
    0         1  2   4.0
    """
    prepared = prepare(answers, items, points)
    return components_table(respondent_scores(prepared, items), components, min_group)
