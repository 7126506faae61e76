"""Student's t quantile without scipy, for the 95% intervals (rule 4).

The exact finite series for integer df (Abramowitz & Stegun 26.7.3-4)
inverted by Newton's method. P(|T| < t) is concave in t > 0, so starting from
the normal quantile (always below the t quantile) the iterates rise
monotonically to the root.

>>> round(t_quantile(0.975, 10), 4), round(t975(11), 4)
(2.2281, 2.2281)
"""

from __future__ import annotations

import functools
import math
import statistics

import numpy as np


@functools.lru_cache(maxsize=4096)
def t_quantile(p: float, df: int) -> float:
    """Quantile of Student's t with integer ``df`` degrees of freedom."""
    if not 0.0 < p < 1.0 or df < 1:
        raise ValueError(f"need 0 < p < 1 and df >= 1, got p={p}, df={df}")
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
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
    log_norm = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)

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


def t975(n) -> float:
    return t_quantile(0.975, int(n) - 1) if n >= 2 else math.nan
