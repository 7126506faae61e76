"""Preparing answers for scoring: check the tables, keep the instrument's items, blank don't-knows,
put every answer on the instrument's scale, flip reverse-scored items (rules 1 and 2).

Label columns are coded once as categoricals, so everything downstream groups
small integers instead of hashing the same strings again and again.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import InvalidValue

ANSWER_COLUMNS = ("respondent", "wave", "role", "item", "value", "dont_know")
ITEM_COLUMNS = ("item", "element", "reverse")
RESPONDENT = ["wave", "respondent"]


def instrument_table(items: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ITEM_COLUMNS if c not in items.columns]
    if missing:
        raise InvalidValue(f"items table lacks column(s) {', '.join(missing)}: it needs {', '.join(ITEM_COLUMNS)}.")
    columns = [*ITEM_COLUMNS, *(["roles"] if "roles" in items.columns else [])]
    it = items.loc[:, columns].drop_duplicates("item")
    return it.assign(reverse=it["reverse"].eq(True))


def _route(value):
    """An item's ``roles`` cell as a set of role ids, or None when it is shown to everyone."""
    if value is None or isinstance(value, float) or value is pd.NA:
        return None
    return {value} if isinstance(value, str) else set(value)


def routed(items: pd.DataFrame) -> bool:
    """Whether some item is shown to some role groups only (an optional ``roles`` column)."""
    return "roles" in items.columns and any(_route(v) is not None for v in items["roles"])


def shown_matrix(items: pd.DataFrame, roles) -> np.ndarray:
    """Which item (instrument row) is shown to which role (a label of ``roles``): a boolean
    matrix, items × (roles + one last column for a missing role, shown only unrouted items)."""
    it = instrument_table(items)
    out = np.ones((len(it), len(roles) + 1), dtype=bool)
    if "roles" not in it.columns:
        return out
    labels = [str(r) for r in roles]
    for row, value in enumerate(it["roles"]):
        route = _route(value)
        if route is not None:
            out[row] = [r in route for r in labels] + [False]
    return out


def routes(it: pd.DataFrame, items: pd.DataFrame, a: pd.DataFrame, version) -> tuple[np.ndarray, np.ndarray]:
    """Each answer row's route (a column number) and which instrument row is shown on each route.

    Without versions a route is a role group (plus a last one for a missing role). When ``items``
    has a ``version`` column (one row per version and statement, with that version's ``roles``)
    and the answers say the ``version`` they were given under, a route is a (version, role) pair:
    a version shows its own statements, routed its own way, so a new version of the survey never
    changes how an earlier wave is scored. An answer under a version ``items`` does not list is
    routed as without versions.
    """
    role = coded(a["role"])
    base = shown_matrix(it, role.categories)
    role_code = label_codes(role)
    role_code = np.where(role_code >= 0, role_code, base.shape[1] - 1)
    if version is None or "version" not in items.columns:
        return role_code, base
    listed = {v: rows for v, rows in items.groupby(items["version"].astype(str), sort=False)}
    given = np.asarray(pd.Series(version, index=a.index).astype(object).where(lambda v: v.notna(), None))
    given = np.array([None if v is None else str(v) for v in given], dtype=object)
    known = np.array([v in listed for v in given], dtype=bool)
    pairs = pd.factorize(pd.Series([f"{v}\x1f{r}" for v, r in zip(given, role_code)]).where(known, None))[0]
    columns = [base[:, c] for c in range(base.shape[1])]  # routes without a version: the role's column
    route = np.where(known, pairs + base.shape[1], role_code)
    seen = np.flatnonzero(known & ~pd.Index(pairs).duplicated())
    labels = [str(x) for x in role.categories]
    ids = pd.Index(it["item"])
    for row in seen:
        rows = listed[given[row]]
        on = np.zeros(len(it), dtype=bool)
        r = role_code[row]
        for item, value in zip(rows["item"], rows["roles"] if "roles" in rows.columns else [None] * len(rows)):
            at = ids.get_indexer([item])[0]
            route_to = _route(value)
            if at >= 0:
                on[at] = route_to is None or (r < len(labels) and labels[r] in route_to)
        columns.append(on)
    return route, np.column_stack(columns) if columns else base


def element_order(items: pd.DataFrame) -> list:
    return list(pd.unique(items["element"]))


def check_points(points) -> int:
    if int(points) != points or points < 2:
        raise InvalidValue(f"scale points must be a whole number of at least 2 (4 or 5), got {points!r}.")
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
    points = check_points(points)
    reverse = answers["item"].map(instrument_table(items).set_index("item")["reverse"]).eq(True)
    value = answers["value"].astype(float)
    return answers.assign(value=value.where(~reverse, points + 1 - value))


def coded(values, labels=None) -> pd.Categorical:
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


def label_codes(column) -> np.ndarray:
    """The integer codes of a categorical column (or Categorical), -1 where missing."""
    return np.asarray(pd.Categorical(column).codes, dtype=np.int64)


def coded_labels(answers: pd.DataFrame) -> pd.DataFrame:
    """``answers`` with its label columns coded once (see :func:`coded`); values unchanged."""
    return answers.assign(
        **{c: coded(answers[c]) for c in ("wave", "respondent", "role", "item") if c in answers.columns}
    )


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
        raise InvalidValue(
            f"the answers' scale (column 'points') is {given[wrong][0]!r} in a row: "
            "it must be the whole number of points the question was asked on (4 or 5)."
        )
    return given


def prepare(answers: pd.DataFrame, items: pd.DataFrame, points: int) -> pd.DataFrame:
    """Check, keep the instrument's items, blank don't-knows, flip, add element.

    Label columns come back as categoricals (:func:`coded`): ``item`` and
    ``element`` in instrument order, the others in order of first appearance;
    ``_r`` numbers the (wave, respondent) pairs in order of first appearance
    (-1 when either is missing).
    """
    points = check_points(points)
    missing = [c for c in ANSWER_COLUMNS if c not in answers.columns]
    if missing:
        raise InvalidValue(f"answers table lacks column(s) {', '.join(missing)}: it needs {', '.join(ANSWER_COLUMNS)}.")
    it = instrument_table(items)
    item = coded(answers["item"])
    at = pd.Index(it["item"]).get_indexer(item.categories)  # instrument row of each distinct item
    position = np.where(item.codes >= 0, at[item.codes], -1)
    on_instrument = position >= 0
    a = answers.loc[:, list(ANSWER_COLUMNS)]
    if not on_instrument.all():
        a, position = a.loc[on_instrument], position[on_instrument]
    given_on = _given_on(answers, on_instrument, points)
    # Routing: a person is scored on the statements shown to their role group only, in the survey
    # version they answered; an answer to another one (a survey tool without display logic, a paper
    # form) is kept but never scored. ``need`` counts each element's statements shown per route.
    route, shown_by_route = routes(it, items, a, answers["version"][on_instrument] if "version" in answers else None)
    shown = shown_by_route[position, route]
    if not shown.all():
        a, position, given_on, route = a.loc[shown], position[shown], given_on[shown], route[shown]
    unit = answers["unit"].loc[a.index] if "unit" in answers.columns else None
    dont_know = a["dont_know"].eq(True)
    value = pd.to_numeric(a["value"]).astype(float).where(~dont_know)
    bad = value.notna() & ~((value == np.round(value)) & (value >= 1) & (value <= given_on))
    if bad.any():
        row, scale = a.loc[bad].iloc[0], int(given_on[bad.to_numpy()][0])
        raise InvalidValue(
            f"answer to item '{row['item']}' by respondent '{row['respondent']}' is "
            f"{row['value']!r}, not a whole number from 1 to {scale} on this {scale}-point "
            "scale: correct the response data or re-import it.",
            item=row["item"],
            respondent=row["respondent"],
            value=row["value"],
        )
    wave, person = coded(a["wave"]), coded(a["respondent"])
    w, p = label_codes(wave), label_codes(person)
    pair = (w + 1) * (len(person.categories) + 1) + (p + 1)  # one integer per (wave, respondent)
    dup = pd.Index(pair * len(it) + position).duplicated()
    if dup.any():
        row = a.loc[dup].iloc[0]
        raise InvalidValue(
            f"respondent '{row['respondent']}' answered item '{row['item']}' more than once "
            f"in wave '{row['wave']}': keep one answer per item.",
            item=row["item"],
            respondent=row["respondent"],
            wave=row["wave"],
        )
    reverse = it["reverse"].to_numpy()[position]
    flipped = np.where(reverse, given_on + 1 - value.to_numpy(), value.to_numpy())
    agree = flipped >= given_on - 1  # on the scale the answer was given on
    same = given_on == points
    placed = np.where(same, flipped, _to_scale(flipped, given_on, points))
    elements = element_order(items)
    element_of = coded(it["element"], [e for e in elements if not pd.isna(e)]).codes
    need = np.zeros((max(len(elements), 1), shown_by_route.shape[1]), dtype=np.int64)
    np.add.at(need, element_of[element_of >= 0], shown_by_route[element_of >= 0])
    respondent = np.where((w >= 0) & (p >= 0), pd.factorize(pair)[0], -1)
    return pd.DataFrame(
        {
            "wave": wave,
            "respondent": person,
            "role": coded(a["role"]),
            "item": pd.Categorical.from_codes(position, categories=it["item"]),
            "element": pd.Categorical.from_codes(
                element_of[position], categories=[e for e in elements if not pd.isna(e)]
            ),
            "value": placed,
            "agree": agree,
            "dont_know": dont_know,
            "_r": respondent,
            "_need": need[np.maximum(element_of[position], 0), route],
        }
        | ({} if unit is None else {"unit": coded(unit)}),
        index=a.index,
    )


def plain_labels(table: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns back to their plain labels, for tables handed to the caller."""
    return table.assign(
        **{
            c: table[c].astype(table[c].cat.categories.dtype)
            for c in table.columns
            if isinstance(table[c].dtype, pd.CategoricalDtype)
        }
    )


def group_keys(table: pd.DataFrame, keys: list) -> tuple[np.ndarray, pd.Index]:
    """Group numbers for ``keys`` in order of first appearance (-1 where a key is missing),
    and the index of key labels for each group, as ``groupby(keys, sort=False)`` gives them."""
    codes = [
        label_codes(table[k]) if isinstance(table[k].dtype, pd.CategoricalDtype) else label_codes(coded(table[k]))
        for k in keys
    ]
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
    index = pd.Index(labels[0], name=keys[0]) if len(keys) == 1 else pd.MultiIndex.from_arrays(labels, names=keys)
    return group, index
