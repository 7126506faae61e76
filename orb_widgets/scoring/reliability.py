"""How far an element's items hang together and how far people agree: Cronbach's alpha (rule 7)
and rwg(J) (rule 8), on a respondents × items table."""

from __future__ import annotations

import math

import numpy as np

from .prepare import check_points


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
    points = check_points(points)
    x = _matrix(data)
    answered = ~np.isnan(x)
    if answered.any(axis=1).sum() < 2:
        return math.nan
    usable = answered.sum(axis=0) >= 2  # an item's variance needs two answers
    if not usable.any():
        return math.nan
    j = int(usable.sum())
    ratio = np.nanvar(x[:, usable], axis=0, ddof=1).mean() / ((points**2 - 1) / 12)
    if ratio >= 1:
        return 0.0
    return float(j * (1 - ratio) / (j * (1 - ratio) + ratio))
