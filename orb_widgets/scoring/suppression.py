"""Privacy: hiding a row computed from too few people, and its complementary partner (rule 9)."""

from __future__ import annotations

import numpy as np
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


def _derivable(target: np.ndarray, known: list) -> bool:
    """Whether ``target`` (a vector over the role × unit cells) is a linear combination of ``known``."""
    if not known:
        return not target.any()
    basis = np.column_stack(known).astype(float)
    return np.linalg.matrix_rank(np.column_stack([basis, target])) == np.linalg.matrix_rank(basis)


def suppress_jointly(scores: pd.DataFrame, tables: dict, min_group: int) -> dict:
    """Complementary suppression across two breakdowns of the same people (rule 9): by role and by unit.

    ``scores`` has one row per scored respondent and element with ``element`` and each breakdown's
    column (``role``, ``unit``; missing where a person gave none); ``tables`` maps each column to its
    breakdown (``element``, the column, ``suppressed``, ``_pos``) after each was suppressed on its own.
    Every number a breakdown shows (a group's count, and its sum, its mean times its count) is a sum
    over the people of the role × unit cells it covers, and so is the element's total when shown.
    A group hidden for being small can be worked out exactly when its cells are a combination of the
    shown groups' cells and the total (a hidden unit next to one whose people are all of one shown
    role, say); a group hidden as a partner is safe when the small ones are, since with the shown
    ones it adds up to them. While some small group of either breakdown can be worked out, one more
    shown group is hidden: the smallest one whose hiding stops it (ties: role groups first, then in
    their order), else the smallest one. Returns the new ``suppressed`` flags per column.
    """
    keys = list(tables)
    flags = {k: tables[k]["suppressed"].astype(bool).copy() for k in keys}
    for element, people in scores.groupby("element", sort=False, observed=True):
        cells = people.groupby([people[k].astype(object).fillna("\x00none") for k in keys], sort=False).size()
        if cells.empty:
            continue
        labels = {k: np.asarray(cells.index.get_level_values(i), dtype=object) for i, k in enumerate(keys)}
        rows = {k: tables[k].index[tables[k]["element"] == element] for k in keys}
        vector = {(k, r): (labels[k] == tables[k].at[r, k]).astype(float) for k in keys for r in rows[k]}
        size = {(k, r): float(cells.to_numpy()[vector[(k, r)] > 0].sum()) for (k, r) in vector}
        total = [np.ones(len(cells))] if cells.sum() >= min_group else []

        small = [g for g in vector if size[g] < min_group]  # a complementary group exposed exposes these

        def exposed():
            known = total + [v for (k, r), v in vector.items() if not flags[k].at[r]]
            return [g for g in small if _derivable(vector[g], known)]

        while exposed():
            target = exposed()[0]
            shown = sorted(
                (g for g in vector if not flags[g[0]].at[g[1]]),
                key=lambda g: (size[g], keys.index(g[0]), tables[g[0]].at[g[1], "_pos"]),
            )
            if not shown:
                break
            chosen = shown[0]
            for g in shown:  # the smallest group whose hiding makes the target safe
                flags[g[0]].at[g[1]] = True
                safe = target not in exposed()
                flags[g[0]].at[g[1]] = False
                if safe:
                    chosen = g
                    break
            flags[chosen[0]].at[chosen[1]] = True
    return flags
