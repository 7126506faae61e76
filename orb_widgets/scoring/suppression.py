"""Privacy: hiding a row computed from too few people, and its complementary partner (rule 9)."""

from __future__ import annotations

import pandas as pd


def hide(table: pd.DataFrame, suppressed: pd.Series, columns: list, counts: tuple = ("n",)) -> pd.DataFrame:
    out = table.copy()
    for c in counts:
        out[c] = out[c].astype("Int64").mask(suppressed)
    for c in columns:
        out[c] = out[c].astype(float).mask(suppressed)
    out["suppressed"] = suppressed.astype(bool)
    return out


def suppress_breakdown(table: pd.DataFrame, min_group: int) -> pd.Series:
    """Primary plus complementary suppression flags for a breakdown table.

    ``table`` has ``element``, ``n`` and ``_pos`` (group order, for ties).
    """
    primary = table["n"] < min_group
    lonely = primary.groupby(table["element"]).transform("sum") == 1
    candidates = table.loc[~primary & lonely]
    partner = candidates.sort_values(["n", "_pos"], kind="mergesort").groupby("element", sort=False).head(1).index
    return primary | table.index.isin(partner)
