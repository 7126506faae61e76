"""Which elements to work on first, and why, in plain words (rule 13)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..format import rounded, score
from .prepare import check_points

# A gap or a fall is worth naming as a reason from this share of the scale range.
NOTABLE = 0.05

_WORDS = dict(enumerate("zero one two three four five six seven eight nine ten eleven twelve".split()))
_ORDINALS = {1: "lowest", 2: "second-lowest", 3: "third-lowest"}


def _count(n: int) -> str:
    return _WORDS.get(n, str(n))


def priorities(elements: pd.DataFrame, gap: pd.DataFrame, change: pd.DataFrame, points: int) -> pd.DataFrame:
    """Rank elements to work on: low score, wide leadership–staff gap, falling trend.

    ``priority = ((points - mean) + |gap| + max(0, -change)) / (points - 1)``;
    a hidden or missing gap or change adds nothing. Highest priority ranks
    first (ties: lower mean, then instrument order). Suppressed elements get
    ``rank`` None and are listed last.

    Parameters
    ----------
    elements : pandas.DataFrame
        From :func:`element_summary`.
    gap : pandas.DataFrame
        From :func:`leadership_gap`.
    change : pandas.DataFrame
        ``element, change`` for the wave being scored (one row per element),
        e.g. :func:`change_since_previous` filtered to that wave.
    points : int
        Scale points.

    Returns
    -------
    pandas.DataFrame
        ``rank, element, mean, gap, change, priority, reasons`` (reasons is a
        list of short plain-English strings).

    Examples
    --------
    >>> import pandas as pd
    >>> elements = pd.DataFrame({"element": ["A", "B", "C"], "mean": [3.9, 3.1, 3.8],
    ...                          "suppressed": [False, False, False]})
    >>> gap = pd.DataFrame({"element": ["A", "B", "C"], "gap": [0.1, 0.0, 0.8]})
    >>> change = pd.DataFrame({"element": ["A", "B", "C"], "change": [-0.4, 0.0, 0.0]})
    >>> p = priorities(elements, gap, change, 5)
    >>> p[["rank", "element"]].values.tolist()
    [[1, 'C'], [2, 'B'], [3, 'A']]
    >>> p["reasons"].tolist()[0]
    ['leaders rate this 0.80 higher than staff']
    >>> p["reasons"].tolist()[2]
    ['highest score of the three', 'fell 0.40 since last wave']
    """
    points = check_points(points)
    scale = points - 1
    t = elements[["element", "mean", "suppressed"]].reset_index(drop=True)
    t = t.merge(gap[["element", "gap"]], on="element", how="left")
    t = t.merge(change[["element", "change"]], on="element", how="left")
    t["_order"] = np.arange(len(t))
    t["mean"] = t["mean"].astype(float)
    ranked = ~t["suppressed"].astype(bool) & t["mean"].notna()
    t.loc[~ranked, ["mean", "gap", "change"]] = np.nan
    gap_width = t["gap"].astype(float).abs()
    fall = (-t["change"].astype(float)).clip(lower=0)
    t["priority"] = ((points - t["mean"]) + gap_width.fillna(0) + fall.fillna(0)) / scale

    t = pd.concat(
        [
            t.loc[ranked].sort_values(["priority", "mean", "_order"], ascending=[False, True, True], kind="mergesort"),
            t.loc[~ranked],
        ]
    )
    k = int(ranked.sum())
    t["rank"] = pd.array(list(range(1, k + 1)) + [None] * (len(t) - k), dtype="Int64")
    low_rank = t["mean"].rank(method="min")
    high_rank = t["mean"].rank(method="min", ascending=False)
    ties = t["mean"].map(t["mean"].value_counts())

    reasons = []
    for idx, row in t.iterrows():  # one row per element: a handful, not per answer
        if not ranked[idx]:
            reasons.append(["not enough responses to report"])
            continue
        why = []
        if k > 1:
            joint = "joint " if ties[idx] > 1 else ""
            if low_rank[idx] in _ORDINALS and low_rank[idx] <= k / 2:
                why.append(f"{joint}{_ORDINALS[int(low_rank[idx])]} score of the {_count(k)}")
            elif high_rank[idx] == 1:
                why.append(f"{joint}highest score of the {_count(k)}")
        # compared as written (two decimals), so "fell 0.15" is named exactly when 0.15 is the threshold
        if rounded(gap_width[idx]) >= rounded(NOTABLE * scale):
            more, less = ("leaders", "staff") if row["gap"] > 0 else ("staff", "leaders")
            why.append(f"{more} rate this {score(abs(row['gap']))} higher than {less}")
        if rounded(fall[idx]) >= rounded(NOTABLE * scale):
            why.append(f"fell {score(fall[idx])} since last wave")
        reasons.append(why)
    t["reasons"] = reasons
    return t[["rank", "element", "mean", "gap", "change", "priority", "reasons"]].reset_index(drop=True)
