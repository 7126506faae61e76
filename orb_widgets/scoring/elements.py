"""Respondents' element scores (rule 3) and each element's summary (rules 4 to 8)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .prepare import (
    element_order,
    group_keys,
    instrument_table,
    label_codes,
    plain_labels,
    prepare,
)
from .reliability import cronbach_alpha, rwg_j
from .stats import t975
from .suppression import hide

STATS = ["mean", "sd", "ci_low", "ci_high"]


def respondent_scores(prepared: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """One row per (wave, respondent, element) in order of first appearance; ``_r`` as in prepared."""
    n_items = instrument_table(items).groupby("element")["item"].nunique()
    element = label_codes(prepared["element"])
    kept = (prepared["_r"].to_numpy() >= 0) & (element >= 0)
    if not kept.all():
        prepared, element = prepared.loc[kept], element[kept]
    key = prepared["_r"].to_numpy() * max(len(prepared["element"].cat.categories), 1) + element
    group = pd.factorize(key)[0]
    first = np.flatnonzero(~pd.Index(group).duplicated())
    role = label_codes(prepared["role"])
    sums = (
        pd.DataFrame({"role": np.where(role >= 0, role, np.nan), "value": prepared["value"].to_numpy()})
        .groupby(group, sort=False)
        .agg(role=("role", "first"), n_answered=("value", "count"), total=("value", "sum"))
    )
    heads = prepared.iloc[first]
    out = pd.DataFrame(
        {
            "wave": heads["wave"].array,
            "respondent": heads["respondent"].array,
            "element": heads["element"].array,
            "role": pd.Categorical.from_codes(
                sums["role"].fillna(-1).to_numpy(dtype=np.int64), categories=prepared["role"].cat.categories
            ),
            "n_answered": sums["n_answered"].to_numpy(),
            "_r": heads["_r"].to_numpy(),
        }
    )
    if "unit" in prepared.columns:  # the office or unit a person named (one per response)
        out["unit"] = heads["unit"].array
    if "_need" in prepared.columns:
        # Half of the element's statements *shown to the person's role group*, in the version of the
        # survey they answered (rule 3); unrouted, that is every statement of the element.
        out["n_items"] = heads["_need"].to_numpy(dtype=np.int64)
    else:
        out["n_items"] = out["element"].map(n_items).astype(int)
    enough = (out["n_answered"] * 2 >= out["n_items"]) & (out["n_answered"] > 0)
    out["score"] = (sums["total"].to_numpy() / out["n_answered"].where(enough)).astype(float)
    return out


def respondent_element_scores(answers: pd.DataFrame, items: pd.DataFrame, points: int) -> pd.DataFrame:
    """Each respondent's score on each element they were shown.

    Reverse items are flipped and don't-knows are missing. The score is the
    mean of the answered items, kept only when at least half of the element's
    items in the instrument were answered (``answered * 2 >= n_items``).

    Returns
    -------
    pandas.DataFrame
        One row per (wave, respondent, element) with ``role``,
        ``n_answered``, ``n_items`` and ``score`` (NaN when too few answered).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> items = pd.DataFrame({"item": ["a1", "a2", "a3", "a4"], "element": "A",
    ...                       "reverse": [False, False, False, True]})
    >>> answers = pd.DataFrame({
    ...     "respondent": ["r1"] * 4 + ["r2"] * 4, "wave": "W1", "role": "staff",
    ...     "item": ["a1", "a2", "a3", "a4"] * 2,
    ...     "value": [4, 5, np.nan, 1, 3, np.nan, np.nan, np.nan],
    ...     "dont_know": [False, False, True, False, False, True, False, False]})
    >>> respondent_element_scores(answers, items, 5)[["respondent", "score"]]
      respondent     score
    0         r1  4.666667
    1         r2       NaN
    """
    return plain_labels(respondent_scores(prepare(answers, items, points), items).drop(columns="_r"))


def describe(scores: pd.DataFrame, keys: list) -> pd.DataFrame:
    group, index = group_keys(scores, keys)
    score = scores["score"].to_numpy()
    if (group < 0).any():
        score, group = score[group >= 0], group[group >= 0]
    res = pd.Series(score).groupby(group, sort=False).agg(n="count", mean="mean", sd="std")
    res.index = index
    half = res["n"].map(t975).astype(float) * res["sd"] / np.sqrt(res["n"])
    return res.assign(ci_low=res["mean"] - half, ci_high=res["mean"] + half)


def shares(prepared: pd.DataFrame, keys: list, points: int) -> pd.DataFrame:
    group, index = group_keys(prepared, keys + ["element"])
    value = prepared["value"].to_numpy()
    dont_know = prepared["dont_know"].to_numpy(dtype=bool)
    answered = ~np.isnan(value)
    kept = group >= 0

    def count(flag):  # rows per group with the flag set: whole numbers, so any order gives the same
        return np.bincount(group[kept], weights=flag[kept], minlength=len(index))

    sums = pd.DataFrame(
        {
            "answered": count(answered),
            "agree": count(prepared["agree"].to_numpy(dtype=bool)),
            "dont_know": count(dont_know),
            "shown": count(answered | dont_know),
        },
        index=index,
    )
    return pd.DataFrame(
        {
            "pct_agree": sums["agree"] / sums["answered"].where(sums["answered"] > 0),
            "pct_dont_know": sums["dont_know"] / sums["shown"].where(sums["shown"] > 0),
        }
    )


def _wide(prepared: pd.DataFrame) -> pd.DataFrame:
    """Respondents × items table of values, laid out exactly as
    ``prepared.pivot(index=RESPONDENT, columns="item", values="value")`` would
    (rows by wave then respondent, columns by item id), built from the codes."""
    prepared = prepared.loc[(prepared["_r"].to_numpy() >= 0) & (label_codes(prepared["item"]) >= 0)]
    person = pd.factorize(prepared["_r"].to_numpy())[0]
    item = label_codes(prepared["item"])
    first = np.flatnonzero(~pd.Index(person).duplicated())
    wave_rank = pd.factorize(prepared["wave"].to_numpy()[first], sort=True)[0]
    person_rank = pd.factorize(prepared["respondent"].to_numpy()[first], sort=True)[0]
    row = np.empty(len(first), dtype=np.int64)
    row[np.lexsort((person_rank, wave_rank))] = np.arange(len(first))
    ids = prepared["item"].cat.categories
    present = np.flatnonzero(np.bincount(item, minlength=len(ids)))
    columns = pd.Index(ids[present], name="item").sort_values()
    column = np.empty(len(ids), dtype=np.int64)
    column[ids.get_indexer(columns)] = np.arange(len(columns))
    values = np.full((len(first), len(columns)), np.nan)
    values[row[person], column[item]] = prepared["value"].to_numpy()
    return pd.DataFrame(values, columns=columns, copy=False)


def summarise_elements(prepared, scores, items, points, min_group) -> pd.DataFrame:
    order = element_order(items)
    table = describe(scores, ["element"]).join(shares(prepared, [], points)).reindex(pd.Index(order, name="element"))
    table["n"] = table["n"].fillna(0)
    wide = _wide(prepared)
    members = instrument_table(items).groupby("element", sort=False)["item"].agg(list)
    alpha, rwg, complete = {}, {}, {}
    for element, its in members.items():  # one pass per element, not per answer
        block = wide.reindex(columns=its)
        complete[element] = int(block.notna().all(axis=1).sum())
        alpha[element] = cronbach_alpha(block)
        rwg[element] = rwg_j(block, points)
    table["alpha"] = pd.Series(alpha).where(pd.Series(complete) >= max(3, min_group))
    table["rwg"] = pd.Series(rwg)
    suppressed = table["n"] < min_group
    table = hide(table, suppressed, STATS + ["pct_agree", "alpha", "pct_dont_know", "rwg"])
    return table.reset_index()[
        ["element", "n", "mean", "sd", "ci_low", "ci_high", "pct_agree", "alpha", "pct_dont_know", "rwg", "suppressed"]
    ]


def element_summary(answers: pd.DataFrame, items: pd.DataFrame, points: int, min_group: int = 5) -> pd.DataFrame:
    """Summarise each element over all respondents in ``answers``.

    Pass one wave's answers (several waves are pooled). Rows follow the
    instrument's element order; an element with fewer than ``min_group``
    scored respondents is suppressed (numbers and ``n`` hidden).

    Returns
    -------
    pandas.DataFrame
        ``element, n, mean, sd, ci_low, ci_high, pct_agree, alpha,
        pct_dont_know, rwg, suppressed``.

    Examples
    --------
    >>> import pandas as pd
    >>> items = pd.DataFrame({"item": ["a1", "a2"], "element": "A", "reverse": False})
    >>> answers = pd.DataFrame({
    ...     "respondent": [f"r{i}" for i in range(5) for _ in range(2)],
    ...     "wave": "W1", "role": "staff", "item": ["a1", "a2"] * 5,
    ...     "value": [4.0, 5.0, 3.0, 3.0, 5.0, 5.0, 2.0, 3.0, 4.0, 4.0],
    ...     "dont_know": False})
    >>> row = element_summary(answers, items, 5).iloc[0]
    >>> int(row["n"]), float(row["mean"]), float(row["pct_agree"])
    (5, 3.8, 0.6)
    >>> bool(element_summary(answers, items, 5, min_group=6)["suppressed"].iloc[0])
    True
    """
    prepared = prepare(answers, items, points)
    return summarise_elements(prepared, respondent_scores(prepared, items), items, points, min_group)


def summarise_items(prepared: pd.DataFrame, items: pd.DataFrame, points: int, min_group: int) -> pd.DataFrame:
    """One row per statement shown in ``prepared`` (instrument order): its answers summarised.

    ``n`` counts the people who answered it (don't-knows and skips left out), ``mean`` and
    ``sd`` (ddof=1) are of their answers after reverse-worded statements are turned round
    (rule 1), ``pct_agree`` and ``pct_dont_know`` are rules 5 and 6 for the one statement.
    A statement answered by fewer than ``min_group`` people is hidden like any other row (rule 9).
    """
    it = instrument_table(items)
    shown = set(pd.unique(prepared["item"].dropna()))
    order = pd.Index([i for i in it["item"] if i in shown], name="item")
    answers = prepared.assign(score=prepared["value"])
    table = describe(answers, ["item"])[["n", "mean", "sd"]]
    table = table.join(shares(prepared, ["item"], points).droplevel("element")).reindex(order)
    table["n"] = table["n"].fillna(0)
    table = hide(table, table["n"] < min_group, ["mean", "sd", "pct_agree", "pct_dont_know"])
    table["element"] = table.index.map(it.set_index("item")["element"])
    return table.reset_index()[["item", "element", "n", "mean", "sd", "pct_agree", "pct_dont_know", "suppressed"]]
