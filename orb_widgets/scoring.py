"""Scoring the readiness assessment: answers in, tables out.

Everything here is pure pandas: no widgets, no files, no database. The store
hands over one long table of answers and the instrument's items; the functions
below turn them into the element, role-group, wave, gap, change, component and
priority tables a county packet shows, and :func:`score` bundles them into one
JSON-ready dict.

Input shapes
------------
``answers``
    One row per (respondent, item) shown: ``respondent``, ``wave``, ``role``
    (a role-group id), ``item``, ``value`` (float, NaN when skipped or
    don't-know) and ``dont_know`` (True when the person chose "Don't know / not
    applicable"). A respondent is a (wave, respondent) pair. Rows for items
    that are not in ``items`` are ignored.
``items``
    The instrument: ``item``, ``element``, ``reverse``.
``points``
    Scale points (4 or 5); answers are integers 1..points. An optional
    ``points`` column in ``answers`` gives the scale a row was answered on
    when a county changed its scale between waves (see rule 1).

Scoring rules
-------------
1. **Reverse-scored items** are flipped: ``points + 1 - x`` (5 → 1 on a
   5-point scale, 4 → 1 on a 4-point scale). An answer given on another
   scale (a county that went from 4 to 5 points between waves) is flipped on
   the scale it was given on, then put linearly on the instrument's:
   ``1 + (x - 1) · (points - 1) / (given - 1)`` (on 4 → 5 points: 1 → 1,
   3 → 3.67, 4 → 5); whether it agrees (rule 5) is decided on the scale it
   was given on.
2. **Don't know is missing, never zero.** A don't-know row's value is ignored
   even if an import filled one in.
3. **A respondent's element score** is the mean of their answered items in
   that element, but only when they answered at least half of the element's
   items in the instrument (``answered * 2 >= items``: 2 of 4, 2 of 3, 3 of 5);
   otherwise they have no score for that element.
4. **Element score**: the mean of respondents' element scores, with ``n``
   (respondents who have a score), ``sd`` (ddof=1) and a 95% interval
   ``mean ± t(0.975, n-1) · sd / √n`` (no interval when n < 2).
5. **pct_agree**: the share of answered item responses, after flipping, in the
   top two scale points (4–5 on a 5-point scale, 3–4 on a 4-point scale).
   Don't-know and skipped items are left out of the denominator.
6. **pct_dont_know**: the share of the element's *shown* item rows that were
   answered "don't know", where shown = answered or don't know. Plain skips
   are left out: a skip says nothing about whether the person knows (it is
   often a page never reached), while a don't-know is an answer that points to
   a gap in information.
7. **Cronbach's alpha** per element on complete cases (respondents who
   answered every item of the element), ddof=1:
   ``k/(k-1) · (1 - Σ item variances / variance of the total)``. Missing when
   the element has fewer than 2 items or fewer than 3 complete cases; in the
   element table also when there are fewer than ``min_group`` complete cases.
8. **rwg(J)** (James, Demaree & Wolf, 1984) per element: s̄² is the mean of the
   item variances (ddof=1, each item over the respondents who answered it, J =
   items with at least two answers), σ²E = (A² − 1)/12 with A = points, and
   ``rwg(J) = J(1 - s̄²/σ²E) / (J(1 - s̄²/σ²E) + s̄²/σ²E)``. When s̄² ≥ σ²E
   (no more agreement than random answering) it is truncated to 0, so rwg(J)
   is always in [0, 1]. Missing with fewer than 2 respondents.
9. **Suppression** (privacy; holds in every table). A row computed from fewer
   than ``min_group`` respondents is suppressed: ``suppressed`` is True and all
   its numbers are hidden, ``n`` included, because a count of 2 is itself
   identifying. In the role-group breakdown of an element, when
   exactly one group is suppressed the next smallest group is suppressed too
   (complementary suppression), so the hidden group cannot be worked out by
   subtracting the shown groups from the total; ties for next smallest are
   broken by role-group order, and a breakdown of two groups with one small is
   hidden entirely. Waves are never added into a shown total, so across waves
   only the small wave itself is hidden. The counts of
   complementary-suppressed groups are hidden as well, since the small group's
   count would otherwise follow from the total. Groups with no scored
   respondent are not listed at all.
10. **Leadership–staff gap**: mean of respondents whose role group has level
    "leadership" minus the mean of those with level "staff". Hidden when either
    side has fewer than ``min_group`` respondents. Because the gap plus one
    side's mean gives the other side's mean, it is also hidden when it would
    expose role groups hidden in the role breakdown: the hidden groups on the
    leadership side, on the staff side, and the rest, must each add up to at
    least ``min_group`` people (so two small leadership groups of 3 can still
    show a gap, but a small partner group hidden together with a leadership
    group cannot).
11. **Change** since the previous wave (in the given chronological order) that
    has data for the element; hidden when either wave's row is hidden in the
    wave breakdown; missing when there is no earlier wave.
12. **Components**: a respondent's component score is the mean of the element
    scores they have among the component's elements; summarised and suppressed
    like elements.
13. **Priorities**: for each reportable element,
    ``priority = ((points - mean) + |gap| + max(0, -change)) / (points - 1)``,
    i.e. how far below the top of the scale, how wide the leadership–staff
    gap, and how far it fell since the last wave, each in units of the scale
    range so 4- and 5-point instruments rank alike. A hidden gap or change adds
    nothing. Highest priority ranks first (ties: lower mean, then instrument
    order). Suppressed elements are not ranked (``rank`` is None) and are
    listed last with the reason "not enough responses to report". A gap or a
    fall is named as a reason when it is at least 5% of the scale range (0.2
    points on a 5-point scale).

One wave at a time
------------------
:func:`score` scores one wave (by default the last wave in ``waves`` that has
answers). Its element, role, gap, component and priority tables cover that
wave; the wave breakdown and the change cover the waves up to and including
it, in the order given (wave labels are never sorted). The top-level
``n_respondents`` is None and ``suppressed`` True when fewer than
``min_group`` people answered the wave.
"""
from __future__ import annotations

import functools
import math
import statistics

import numpy as np
import pandas as pd

from .exceptions import InvalidValue

__all__ = [
    "flip",
    "respondent_element_scores",
    "element_summary",
    "cronbach_alpha",
    "rwg_j",
    "breakdown",
    "leadership_gap",
    "change_since_previous",
    "component_scores",
    "priorities",
    "score",
]

ANSWER_COLUMNS = ("respondent", "wave", "role", "item", "value", "dont_know")
ITEM_COLUMNS = ("item", "element", "reverse")
RESPONDENT = ["wave", "respondent"]
# A gap or a fall is worth naming as a reason from this share of the scale range.
NOTABLE = 0.05

_STATS = ["mean", "sd", "ci_low", "ci_high"]
_WORDS = dict(enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split()))
_ORDINALS = {1: "lowest", 2: "second-lowest", 3: "third-lowest"}


# --------------------------------------------------------------------------
# Student t quantile without scipy: the exact finite series for integer df
# (Abramowitz & Stegun 26.7.3-4) inverted by Newton's method. P(|T| < t) is
# concave in t > 0, so starting from the normal quantile (always below the t
# quantile) the iterates rise monotonically to the root.
# --------------------------------------------------------------------------

@functools.lru_cache(maxsize=4096)
def _t_quantile(p: float, df: int) -> float:
    """Quantile of Student's t with integer ``df`` degrees of freedom."""
    if not 0.0 < p < 1.0 or df < 1:
        raise ValueError(f"need 0 < p < 1 and df >= 1, got p={p}, df={df}")
    if p < 0.5:
        return -_t_quantile(1.0 - p, df)
    if p == 0.5:
        return 0.0
    if df == 1:
        return math.tan(math.pi * (p - 0.5))
    if df == 2:
        return (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    odd = df % 2 == 1
    k = np.arange(1, (df - 1) // 2 if odd else df // 2)
    ratio = 2 * k / (2 * k + 1) if odd else (2 * k - 1) / (2 * k)
    coef = np.concatenate([[1.0], np.cumprod(ratio)])
    log_norm = (math.lgamma((df + 1) / 2) - math.lgamma(df / 2)
                - 0.5 * math.log(df * math.pi))

    def within(t: float) -> float:  # P(|T| < t)
        theta = math.atan(t / math.sqrt(df))
        s, c = math.sin(theta), math.cos(theta)
        series = np.polynomial.polynomial.polyval(c * c, coef)
        if odd:
            return 2 / math.pi * (theta + s * c * series)
        return s * series

    t = statistics.NormalDist().inv_cdf(p)
    for _ in range(200):
        density = math.exp(log_norm - (df + 1) / 2 * math.log1p(t * t / df))
        step = (within(t) - (2 * p - 1)) / (2 * density)
        t -= step
        if abs(step) <= 1e-12 * t:
            break
    return float(t)


def _t975(n) -> float:
    return _t_quantile(0.975, int(n) - 1) if n >= 2 else math.nan


# --------------------------------------------------------------------------
# Preparing answers
# --------------------------------------------------------------------------

def _instrument(items: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ITEM_COLUMNS if c not in items.columns]
    if missing:
        raise InvalidValue(f"items table lacks column(s) {', '.join(missing)}: "
                           f"it needs {', '.join(ITEM_COLUMNS)}.")
    it = items.loc[:, list(ITEM_COLUMNS)].drop_duplicates("item")
    return it.assign(reverse=it["reverse"].eq(True))


def _element_order(items: pd.DataFrame) -> list:
    return list(pd.unique(items["element"]))


def _check_points(points) -> int:
    if int(points) != points or points < 2:
        raise InvalidValue(f"scale points must be a whole number of at least 2 (4 or 5), "
                           f"got {points!r}.")
    return int(points)


def flip(answers: pd.DataFrame, items: pd.DataFrame, points: int) -> pd.DataFrame:
    """Reverse-score the answers to reverse-scored items.

    Parameters
    ----------
    answers : pandas.DataFrame
        Long answers with at least ``item`` and ``value``.
    items : pandas.DataFrame
        The instrument: ``item``, ``element``, ``reverse``.
    points : int
        Scale points; a reverse item's value ``x`` becomes ``points + 1 - x``.

    Returns
    -------
    pandas.DataFrame
        A copy of ``answers`` with ``value`` flipped where the item is
        reverse-scored. Missing values stay missing; flipping twice gives the
        original back.

    Examples
    --------
    >>> import pandas as pd
    >>> items = pd.DataFrame({"item": ["a1", "a2"], "element": ["A", "A"],
    ...                       "reverse": [False, True]})
    >>> answers = pd.DataFrame({"item": ["a1", "a2", "a2"], "value": [4.0, 4.0, 2.0]})
    >>> flip(answers, items, 5)["value"].tolist()
    [4.0, 2.0, 4.0]
    >>> flip(answers, items, 4)["value"].tolist()
    [4.0, 1.0, 3.0]
    """
    points = _check_points(points)
    reverse = answers["item"].map(_instrument(items).set_index("item")["reverse"]).eq(True)
    value = answers["value"].astype(float)
    return answers.assign(value=value.where(~reverse, points + 1 - value))


def _coded(values, labels=None) -> pd.Categorical:
    """``values`` as a categorical: labels in order of first appearance (or ``labels``'s order).

    Grouping, sorting and matching then work on small integers (``.codes``, -1 for
    missing) instead of hashing the same strings again and again.
    """
    if labels is None:
        codes, labels = pd.factorize(values)
        if isinstance(labels, pd.CategoricalIndex):  # already coded: keep the plain labels
            labels = labels.astype(labels.categories.dtype)
    else:
        codes = pd.Index(labels).get_indexer(values)
    return pd.Categorical.from_codes(codes, categories=labels)


def _codes(column) -> np.ndarray:
    """The integer codes of a categorical column (or Categorical), -1 where missing."""
    return np.asarray(pd.Categorical(column).codes, dtype=np.int64)


def _categorical(answers: pd.DataFrame) -> pd.DataFrame:
    """``answers`` with its label columns coded once (see :func:`_coded`); values unchanged."""
    return answers.assign(**{c: _coded(answers[c]) for c in ("wave", "respondent", "role", "item")
                             if c in answers.columns})


def on_scale(answers: pd.DataFrame, points: int) -> pd.DataFrame:
    """``answers`` with every value on the ``points`` scale (rule 1), without the ``points`` column.

    >>> a = pd.DataFrame({"value": [1.0, 3.0, 4.0, np.nan], "points": [4, 4, 4, 5]})
    >>> on_scale(a, 5)["value"].round(2).tolist()
    [1.0, 3.67, 5.0, nan]
    """
    if "points" not in answers.columns:
        return answers
    given = answers["points"].astype(float)
    value = answers["value"].astype(float)
    moved = value.where(given == points, _to_scale(value, given, points))
    return answers.drop(columns="points").assign(value=moved)


def _to_scale(value, given, points: int):
    """Values answered on a ``given``-point scale, put linearly on the ``points`` scale (rule 1)."""
    return 1 + (value - 1) * (points - 1) / (given - 1)


def _given_on(answers: pd.DataFrame, rows, points: int) -> np.ndarray:
    """The scale (points) each kept answer was given on: the optional ``points`` column, else ``points``."""
    if "points" not in answers.columns:
        return np.full(int(np.count_nonzero(rows)), float(points))
    given = pd.to_numeric(answers["points"], errors="coerce").to_numpy(dtype=float)[rows]
    wrong = ~np.isin(given, [float(p) for p in range(2, 12)])
    if wrong.any():
        raise InvalidValue(f"the answers' scale (column 'points') is {given[wrong][0]!r} in a row: "
                           "it must be the whole number of points the question was asked on (4 or 5).")
    return given


def _prepare(answers: pd.DataFrame, items: pd.DataFrame, points: int) -> pd.DataFrame:
    """Check, keep the instrument's items, blank don't-knows, flip, add element.

    Label columns come back as categoricals (:func:`_coded`): ``item`` and
    ``element`` in instrument order, the others in order of first appearance;
    ``_r`` numbers the (wave, respondent) pairs in order of first appearance
    (-1 when either is missing).
    """
    points = _check_points(points)
    missing = [c for c in ANSWER_COLUMNS if c not in answers.columns]
    if missing:
        raise InvalidValue(f"answers table lacks column(s) {', '.join(missing)}: "
                           f"it needs {', '.join(ANSWER_COLUMNS)}.")
    it = _instrument(items)
    item = _coded(answers["item"])
    at = pd.Index(it["item"]).get_indexer(item.categories)  # instrument row of each distinct item
    position = np.where(item.codes >= 0, at[item.codes], -1)
    on_instrument = position >= 0
    a = answers.loc[:, list(ANSWER_COLUMNS)]
    if not on_instrument.all():
        a, position = a.loc[on_instrument], position[on_instrument]
    dont_know = a["dont_know"].eq(True)
    value = pd.to_numeric(a["value"]).astype(float).where(~dont_know)
    given_on = _given_on(answers, on_instrument, points)
    bad = value.notna() & ~((value == np.round(value)) & (value >= 1) & (value <= given_on))
    if bad.any():
        row, scale = a.loc[bad].iloc[0], int(given_on[bad.to_numpy()][0])
        raise InvalidValue(
            f"answer to item '{row['item']}' by respondent '{row['respondent']}' is "
            f"{row['value']!r}, not a whole number from 1 to {scale} on this {scale}-point "
            "scale: correct the response data or re-import it.",
            item=row["item"], respondent=row["respondent"], value=row["value"])
    wave, person = _coded(a["wave"]), _coded(a["respondent"])
    w, p = _codes(wave), _codes(person)
    pair = (w + 1) * (len(person.categories) + 1) + (p + 1)  # one integer per (wave, respondent)
    dup = pd.Index(pair * len(it) + position).duplicated()
    if dup.any():
        row = a.loc[dup].iloc[0]
        raise InvalidValue(
            f"respondent '{row['respondent']}' answered item '{row['item']}' more than once "
            f"in wave '{row['wave']}': keep one answer per item.",
            item=row["item"], respondent=row["respondent"], wave=row["wave"])
    reverse = it["reverse"].to_numpy()[position]
    flipped = np.where(reverse, given_on + 1 - value.to_numpy(), value.to_numpy())
    agree = flipped >= given_on - 1  # on the scale the answer was given on
    same = given_on == points
    placed = np.where(same, flipped, _to_scale(flipped, given_on, points))
    elements = _element_order(items)
    element_of = _coded(it["element"], [e for e in elements if not pd.isna(e)]).codes
    respondent = np.where((w >= 0) & (p >= 0), pd.factorize(pair)[0], -1)
    return pd.DataFrame({
        "wave": wave,
        "respondent": person,
        "role": _coded(a["role"]),
        "item": pd.Categorical.from_codes(position, categories=it["item"]),
        "element": pd.Categorical.from_codes(element_of[position],
                                             categories=[e for e in elements if not pd.isna(e)]),
        "value": placed,
        "agree": agree,
        "dont_know": dont_know,
        "_r": respondent,
    }, index=a.index)


# --------------------------------------------------------------------------
# Respondent scores and summaries
# --------------------------------------------------------------------------

def _scores(prepared: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """One row per (wave, respondent, element) in order of first appearance; ``_r`` as in prepared."""
    n_items = _instrument(items).groupby("element")["item"].nunique()
    element = _codes(prepared["element"])
    kept = (prepared["_r"].to_numpy() >= 0) & (element >= 0)
    if not kept.all():
        prepared, element = prepared.loc[kept], element[kept]
    key = prepared["_r"].to_numpy() * max(len(prepared["element"].cat.categories), 1) + element
    group = pd.factorize(key)[0]
    first = np.flatnonzero(~pd.Index(group).duplicated())
    role = _codes(prepared["role"])
    sums = (pd.DataFrame({"role": np.where(role >= 0, role, np.nan), "value": prepared["value"].to_numpy()})
            .groupby(group, sort=False).agg(role=("role", "first"), n_answered=("value", "count"),
                                             total=("value", "sum")))
    heads = prepared.iloc[first]
    out = pd.DataFrame({
        "wave": heads["wave"].array,
        "respondent": heads["respondent"].array,
        "element": heads["element"].array,
        "role": pd.Categorical.from_codes(sums["role"].fillna(-1).to_numpy(dtype=np.int64),
                                          categories=prepared["role"].cat.categories),
        "n_answered": sums["n_answered"].to_numpy(),
        "_r": heads["_r"].to_numpy(),
    })
    out["n_items"] = out["element"].map(n_items).astype(int)
    enough = (out["n_answered"] * 2 >= out["n_items"]) & (out["n_answered"] > 0)
    out["score"] = (sums["total"].to_numpy() / out["n_answered"].where(enough)).astype(float)
    return out


def respondent_element_scores(answers: pd.DataFrame, items: pd.DataFrame,
                              points: int) -> pd.DataFrame:
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
    return _plain_labels(_scores(_prepare(answers, items, points), items).drop(columns="_r"))


def _plain_labels(table: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns back to their plain labels, for tables handed to the caller."""
    return table.assign(**{c: table[c].astype(table[c].cat.categories.dtype)
                           for c in table.columns if isinstance(table[c].dtype, pd.CategoricalDtype)})


def _group(table: pd.DataFrame, keys: list) -> tuple[np.ndarray, pd.Index]:
    """Group numbers for ``keys`` in order of first appearance (-1 where a key is missing),
    and the index of key labels for each group, as ``groupby(keys, sort=False)`` gives them."""
    codes = [_codes(table[k]) if isinstance(table[k].dtype, pd.CategoricalDtype)
             else _codes(_coded(table[k])) for k in keys]
    key = np.zeros(len(table), dtype=np.int64)
    missing = np.zeros(len(table), dtype=bool)
    for c in codes:
        key = key * (int(c.max(initial=0)) + 1) + c
        missing |= c < 0
    group = pd.factorize(np.where(missing, np.nan, key))[0]  # -1 where missing, as groupby drops them
    first = np.flatnonzero(~pd.Index(group).duplicated() & ~missing)
    labels = [table[k].iloc[first].to_numpy() for k in keys]
    for i, k in enumerate(keys):
        if isinstance(table[k].dtype, pd.CategoricalDtype):
            labels[i] = pd.Index(labels[i]).astype(table[k].cat.categories.dtype)
    index = (pd.Index(labels[0], name=keys[0]) if len(keys) == 1
             else pd.MultiIndex.from_arrays(labels, names=keys))
    return group, index


def _describe(scores: pd.DataFrame, keys: list) -> pd.DataFrame:
    group, index = _group(scores, keys)
    score = scores["score"].to_numpy()
    if (group < 0).any():
        score, group = score[group >= 0], group[group >= 0]
    res = pd.Series(score).groupby(group, sort=False).agg(n="count", mean="mean", sd="std")
    res.index = index
    half = res["n"].map(_t975).astype(float) * res["sd"] / np.sqrt(res["n"])
    return res.assign(ci_low=res["mean"] - half, ci_high=res["mean"] + half)


def _shares(prepared: pd.DataFrame, keys: list, points: int) -> pd.DataFrame:
    group, index = _group(prepared, keys + ["element"])
    value = prepared["value"].to_numpy()
    dont_know = prepared["dont_know"].to_numpy(dtype=bool)
    answered = ~np.isnan(value)
    kept = group >= 0

    def count(flag):  # rows per group with the flag set: whole numbers, so any order gives the same
        return np.bincount(group[kept], weights=flag[kept], minlength=len(index))

    sums = pd.DataFrame({
        "answered": count(answered),
        "agree": count(prepared["agree"].to_numpy(dtype=bool)),
        "dont_know": count(dont_know),
        "shown": count(answered | dont_know),
    }, index=index)
    return pd.DataFrame({
        "pct_agree": sums["agree"] / sums["answered"].where(sums["answered"] > 0),
        "pct_dont_know": sums["dont_know"] / sums["shown"].where(sums["shown"] > 0),
    })


def _hide(table: pd.DataFrame, suppressed: pd.Series, columns: list,
          counts: tuple = ("n",)) -> pd.DataFrame:
    out = table.copy()
    for c in counts:
        out[c] = out[c].astype("Int64").mask(suppressed)
    for c in columns:
        out[c] = out[c].astype(float).mask(suppressed)
    out["suppressed"] = suppressed.astype(bool)
    return out


def _matrix(data) -> np.ndarray:
    x = np.asarray(data, dtype=float)
    return x[:, None] if x.ndim == 1 else x


def cronbach_alpha(data) -> float:
    """Cronbach's alpha of a respondents × items table, on complete cases.

    ``alpha = k/(k-1) · (1 - Σ item variances / variance of the total)`` with
    ddof=1, using only the rows with every item answered.

    Parameters
    ----------
    data : pandas.DataFrame or array-like
        One row per respondent, one column per item; NaN for missing.

    Returns
    -------
    float
        NaN with fewer than 2 items, fewer than 3 complete cases, or a total
        score that does not vary.

    Examples
    --------
    >>> round(cronbach_alpha([[1, 2, 2], [2, 3, 3], [4, 4, 5], [5, 5, 4]]), 4)
    0.9444
    >>> cronbach_alpha([[1, 2], [2, 3]])
    nan
    """
    x = _matrix(data)
    x = x[~np.isnan(x).any(axis=1)]
    n, k = x.shape
    if k < 2 or n < 3:
        return math.nan
    total_var = x.sum(axis=1).var(ddof=1)
    if not total_var > 0:
        return math.nan
    return float(k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / total_var))


def rwg_j(data, points: int) -> float:
    """Within-group agreement rwg(J) of a respondents × items table.

    James, Demaree & Wolf (1984): with s̄² the mean item variance (ddof=1, each
    item over those who answered it), σ²E = (points² − 1)/12 the variance of
    uniform random answering and J the number of items with at least two
    answers, ``rwg(J) = J(1 - s̄²/σ²E) / (J(1 - s̄²/σ²E) + s̄²/σ²E)``.
    Truncated to 0 when s̄² ≥ σ²E, so the result is in [0, 1].

    Parameters
    ----------
    data : pandas.DataFrame or array-like
        One row per respondent, one column per item; NaN for missing.
    points : int
        Scale points (A).

    Returns
    -------
    float
        NaN with fewer than 2 respondents who answered anything.

    Examples
    --------
    >>> round(rwg_j([[4, 3], [4, 4], [5, 5]], points=5), 6)
    0.8
    >>> rwg_j([[1, 4], [4, 1]], points=4)
    0.0
    """
    points = _check_points(points)
    x = _matrix(data)
    answered = ~np.isnan(x)
    if answered.any(axis=1).sum() < 2:
        return math.nan
    usable = answered.sum(axis=0) >= 2  # an item's variance needs two answers
    if not usable.any():
        return math.nan
    j = int(usable.sum())
    ratio = np.nanvar(x[:, usable], axis=0, ddof=1).mean() / ((points ** 2 - 1) / 12)
    if ratio >= 1:
        return 0.0
    return float(j * (1 - ratio) / (j * (1 - ratio) + ratio))


def _wide(prepared: pd.DataFrame) -> pd.DataFrame:
    """Respondents × items table of values, laid out exactly as
    ``prepared.pivot(index=RESPONDENT, columns="item", values="value")`` would
    (rows by wave then respondent, columns by item id), built from the codes."""
    prepared = prepared.loc[(prepared["_r"].to_numpy() >= 0) & (_codes(prepared["item"]) >= 0)]
    person = pd.factorize(prepared["_r"].to_numpy())[0]
    item = _codes(prepared["item"])
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


def _element_summary(prepared, scores, items, points, min_group) -> pd.DataFrame:
    order = _element_order(items)
    table = (_describe(scores, ["element"])
             .join(_shares(prepared, [], points))
             .reindex(pd.Index(order, name="element")))
    table["n"] = table["n"].fillna(0)
    wide = _wide(prepared)
    members = _instrument(items).groupby("element", sort=False)["item"].agg(list)
    alpha, rwg, complete = {}, {}, {}
    for element, its in members.items():  # one pass per element, not per answer
        block = wide.reindex(columns=its)
        complete[element] = int(block.notna().all(axis=1).sum())
        alpha[element] = cronbach_alpha(block)
        rwg[element] = rwg_j(block, points)
    table["alpha"] = pd.Series(alpha).where(pd.Series(complete) >= max(3, min_group))
    table["rwg"] = pd.Series(rwg)
    suppressed = table["n"] < min_group
    table = _hide(table, suppressed,
                  _STATS + ["pct_agree", "alpha", "pct_dont_know", "rwg"])
    return table.reset_index()[["element", "n", "mean", "sd", "ci_low", "ci_high", "pct_agree",
                                "alpha", "pct_dont_know", "rwg", "suppressed"]]


def element_summary(answers: pd.DataFrame, items: pd.DataFrame, points: int,
                    min_group: int = 5) -> pd.DataFrame:
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
    prepared = _prepare(answers, items, points)
    return _element_summary(prepared, _scores(prepared, items), items, points, min_group)


# --------------------------------------------------------------------------
# Breakdowns and suppression
# --------------------------------------------------------------------------

def _suppress_breakdown(table: pd.DataFrame, min_group: int) -> pd.Series:
    """Primary plus complementary suppression flags for a breakdown table.

    ``table`` has ``element``, ``n`` and ``_pos`` (group order, for ties).
    """
    primary = table["n"] < min_group
    lonely = primary.groupby(table["element"]).transform("sum") == 1
    candidates = table.loc[~primary & lonely]
    partner = (candidates.sort_values(["n", "_pos"], kind="mergesort")
               .groupby("element", sort=False).head(1).index)
    return primary | table.index.isin(partner)


def _breakdown(prepared, scores, by, items, points, min_group, order=None,
               complementary=True) -> pd.DataFrame:
    table = _describe(scores, [by, "element"])
    table = table[table["n"] > 0].join(_shares(prepared, [by], points)[["pct_agree"]])
    table = table.reset_index()
    groups = list(order or [])
    groups += [g for g in pd.unique(scores[by].dropna()) if g not in set(groups)]
    element_pos = {e: i for i, e in enumerate(_element_order(items))}
    table["_pos"] = table[by].map({g: i for i, g in enumerate(groups)})
    table = table.assign(_el=table["element"].map(element_pos)).sort_values(
        ["_el", "_pos"], kind="mergesort").reset_index(drop=True)
    suppressed = (_suppress_breakdown(table, min_group) if complementary
                  else table["n"] < min_group)
    table = _hide(table, suppressed, _STATS + ["pct_agree"])
    return table[[by, "element", "n", "mean", "sd", "ci_low", "ci_high", "pct_agree",
                  "suppressed"]]


def breakdown(answers: pd.DataFrame, items: pd.DataFrame, points: int, by: str,
              min_group: int = 5, order=None) -> pd.DataFrame:
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
    prepared = _prepare(answers, items, points)
    return _breakdown(prepared, _scores(prepared, items), by, items, points, min_group, order)


def _gap(scores, role_levels, min_group, by_role, items) -> pd.DataFrame:
    levels = dict(role_levels or {})
    sides = ["leadership", "staff"]
    index = pd.Index(_element_order(items), name="element")
    scored = _plain_labels(scores.loc[scores["score"].notna(), ["element", "role", "score"]])
    level = scored["role"].map(levels)
    stats = (scored.loc[level.isin(sides)]
             .groupby(["element", level.rename("level")])["score"].agg(["count", "mean"])
             .unstack("level")
             .reindex(index=index, columns=pd.MultiIndex.from_product([["count", "mean"], sides])))
    count = stats["count"].fillna(0)
    # Treat both side means as known (the gap plus one shown side gives the other).
    # With the element total they split the role breakdown's hidden groups into a
    # leadership, a staff and an "other" part: each part must hold min_group people.
    role_n = scored.groupby(["element", "role"]).size().rename("count").reset_index()
    hidden = by_role.loc[by_role["suppressed"], ["element", "role"]].merge(
        role_n, on=["element", "role"], how="left")
    part = hidden["role"].map(levels).where(lambda lvl: lvl.isin(sides), "other")
    part_n = hidden.groupby(["element", part.rename("part")])["count"].sum()
    exposing = part_n.index.get_level_values("element")[(part_n < min_group).to_numpy()]
    suppressed = pd.Series(
        (count["leadership"] < min_group) | (count["staff"] < min_group)
        | index.isin(exposing), index=index)
    table = pd.DataFrame({
        "leadership_n": count["leadership"],
        "staff_n": count["staff"],
        "gap": stats[("mean", "leadership")] - stats[("mean", "staff")],
    }, index=index)
    table = _hide(table, suppressed, ["gap"], counts=("leadership_n", "staff_n"))
    return table.reset_index()


def leadership_gap(answers: pd.DataFrame, items: pd.DataFrame, points: int, role_levels: dict,
                   min_group: int = 5) -> pd.DataFrame:
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
    prepared = _prepare(answers, items, points)
    scores = _scores(prepared, items)
    by_role = _breakdown(prepared, scores, "role", items, points, min_group, list(role_levels))
    return _gap(scores, role_levels, min_group, by_role, items)


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
        raise InvalidValue(f"wave '{unknown[0]}' is not in the list of waves "
                           f"({', '.join(map(str, waves))}): add it in chronological order.")
    t = by_wave[["wave", "element", "mean", "suppressed"]].assign(
        _pos=by_wave["wave"].map(position))
    t = t.sort_values("_pos", kind="mergesort")
    g = t.groupby("element", sort=False)
    previous = g["wave"].shift(1)
    suppressed = t["suppressed"].astype(bool) | g["suppressed"].shift(1).eq(True)
    out = pd.DataFrame({
        "wave": t["wave"],
        "element": t["element"],
        "previous_wave": previous.astype(object).where(previous.notna(), None),
        "change": (t["mean"] - g["mean"].shift(1)).astype(float).mask(suppressed),
        "suppressed": suppressed,
    })
    return out.sort_index()


def _components(scores, components, min_group) -> pd.DataFrame:
    components = list(components or [])
    links = pd.DataFrame([(c["id"], e) for c in components for e in c["elements"]],
                         columns=["component", "element"])
    scored = _plain_labels(scores.loc[scores["score"].notna(), RESPONDENT + ["element", "score"]])
    per_respondent = (scored.merge(links, on="element")
                      .groupby(["component"] + RESPONDENT)["score"].mean().reset_index())
    index = pd.Index([c["id"] for c in components], name="component")
    table = _describe(per_respondent, ["component"]).reindex(index)
    table["n"] = table["n"].fillna(0)
    table = _hide(table, table["n"] < min_group, _STATS).reset_index()
    table.insert(1, "name", [c.get("name", c["id"]) for c in components])
    table.insert(2, "elements", [list(c["elements"]) for c in components])
    return table[["component", "name", "elements", "n", "mean", "sd", "ci_low", "ci_high",
                  "suppressed"]]


def component_scores(answers: pd.DataFrame, items: pd.DataFrame, points: int,
                     components: list, min_group: int = 5) -> pd.DataFrame:
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
    prepared = _prepare(answers, items, points)
    return _components(_scores(prepared, items), components, min_group)


# --------------------------------------------------------------------------
# Priorities
# --------------------------------------------------------------------------

def _count(n: int) -> str:
    return _WORDS.get(n, str(n))


def priorities(elements: pd.DataFrame, gap: pd.DataFrame, change: pd.DataFrame,
               points: int) -> pd.DataFrame:
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
    ['leaders rate this 0.8 higher than staff']
    >>> p["reasons"].tolist()[2]
    ['highest score of the three', 'fell 0.4 since last wave']
    """
    points = _check_points(points)
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

    t = pd.concat([
        t.loc[ranked].sort_values(["priority", "mean", "_order"],
                                  ascending=[False, True, True], kind="mergesort"),
        t.loc[~ranked],
    ])
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
        if gap_width[idx] >= NOTABLE * scale:
            more, less = ("leaders", "staff") if row["gap"] > 0 else ("staff", "leaders")
            why.append(f"{more} rate this {abs(row['gap']):.1f} higher than {less}")
        if fall[idx] >= NOTABLE * scale:
            why.append(f"fell {fall[idx]:.1f} since last wave")
        reasons.append(why)
    t["reasons"] = reasons
    return t[["rank", "element", "mean", "gap", "change", "priority", "reasons"]].reset_index(
        drop=True)


# --------------------------------------------------------------------------
# Everything for one wave, JSON-ready
# --------------------------------------------------------------------------

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
    return [{c: _plain(row[c]) for c in columns}
            for row in table[columns].astype(object).to_dict("records")]


def score(answers: pd.DataFrame, items: pd.DataFrame, points: int, min_group: int = 5,
          role_levels: dict | None = None, components: list | None = None,
          waves: list | None = None, wave=None) -> dict:
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

    Returns
    -------
    dict
        Keys ``wave, n_respondents, suppressed, elements, by_role, by_wave,
        gap, change, components, priorities``. Lists of plain dicts; NaN
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
    points = _check_points(points)
    role_levels = dict(role_levels or {})
    answers = _categorical(answers)  # labels coded once; everything below groups small integers
    prepared_all = _prepare(answers, items, points)
    present = list(pd.unique(answers["wave"]))
    if waves is None:
        if len(present) > 1:
            raise InvalidValue("answers hold several waves: pass waves=[...] in "
                               "chronological order.")
        waves = present
    waves = list(waves)
    unknown = [w for w in present if w not in waves]
    if unknown:
        raise InvalidValue(f"answers include wave '{unknown[0]}', which is not in the list of "
                           f"waves ({', '.join(map(str, waves))}): add it in chronological order.")
    if wave is None:
        with_data = [w for w in waves if w in set(present)]
        wave = with_data[-1] if with_data else (waves[-1] if waves else None)
    elif wave not in waves:
        raise InvalidValue(f"wave '{wave}' is not one of {', '.join(map(str, waves))}.")
    upto = waves[: waves.index(wave) + 1] if wave in waves else []

    prepared = prepared_all.loc[prepared_all["wave"].isin(upto)]
    scores = _scores(prepared, items)
    now = prepared.loc[prepared["wave"] == wave]
    scores_now = scores.loc[scores["wave"] == wave]

    n_respondents = int(answers.loc[answers["wave"] == wave, "respondent"].nunique())
    elements = _element_summary(now, scores_now, items, points, min_group)
    by_role = _breakdown(now, scores_now, "role", items, points, min_group, list(role_levels))
    # Waves are never added up into a shown total, so a hidden wave cannot be
    # worked out from the others: only primary suppression applies across waves.
    by_wave = _breakdown(prepared, scores, "wave", items, points, min_group, upto,
                         complementary=False)
    gap = _gap(scores_now, role_levels, min_group, by_role, items)

    changes = change_since_previous(by_wave, upto)
    change = (changes.loc[changes["wave"] == wave].set_index("element")
              .reindex(pd.Index(_element_order(items), name="element")).reset_index())
    no_row = change["wave"].isna()  # no scored respondent this wave: shown as hidden
    change["suppressed"] = change["suppressed"].astype(object).where(~no_row, True).astype(bool)
    change["previous_wave"] = change["previous_wave"].astype(object).where(~no_row, None)

    comps = _components(scores_now, components, min_group)
    ranks = priorities(elements, gap, change, points)

    too_few = n_respondents < min_group
    return {
        "wave": _plain(wave),
        "n_respondents": None if too_few else n_respondents,
        "suppressed": bool(too_few),
        "elements": _records(elements, ["element", "n", "mean", "sd", "ci_low", "ci_high",
                                        "pct_agree", "alpha", "pct_dont_know", "rwg",
                                        "suppressed"]),
        "by_role": _records(by_role, ["role", "element", "n", "mean", "sd", "suppressed"]),
        "by_wave": _records(by_wave, ["wave", "element", "n", "mean", "ci_low", "ci_high",
                                      "pct_agree", "suppressed"]),
        "gap": _records(gap, ["element", "leadership_n", "staff_n", "gap", "suppressed"]),
        "change": _records(change, ["element", "previous_wave", "change", "suppressed"]),
        "components": _records(comps, ["component", "name", "elements", "n", "mean", "sd",
                                       "ci_low", "ci_high", "suppressed"]),
        "priorities": _records(ranks.assign(suppressed=ranks["rank"].isna()),
                               ["rank", "element", "mean", "gap", "change", "reasons", "suppressed"]),
    }
