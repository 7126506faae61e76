"""Tests for orb_widgets.scoring: the scoring rules, checked against values
computed independently (by hand, with the statistics module, or a different
formula) and against the privacy rules a county relies on."""

from __future__ import annotations

import json
import math
import statistics

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from orb_widgets import scoring
from orb_widgets.exceptions import InvalidValue

FAST = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])

COLUMNS = ["respondent", "wave", "role", "item", "value", "dont_know"]
DK = "dk"  # marks a "don't know" answer in the builders below

# Published two-sided 95% critical values of Student's t (t_{0.975, df}).
T_TABLE = {
    1: 12.706205,
    2: 4.302653,
    3: 3.182446,
    4: 2.776445,
    5: 2.570582,
    9: 2.262157,
    10: 2.228139,
    29: 2.045230,
    30: 2.042272,
    100: 1.983972,
    1000: 1.962339,
}

# A: four items, a4 reverse-scored; B: three items; C: one item.
ITEMS = pd.DataFrame(
    {
        "item": ["a1", "a2", "a3", "a4", "b1", "b2", "b3", "c1"],
        "element": ["A", "A", "A", "A", "B", "B", "B", "C"],
        "reverse": [False, False, False, True, False, False, False, False],
    }
)
LEVELS = {
    "director": "leadership",
    "manager": "leadership",
    "supervisor": "supervisor",
    "worker": "staff",
    "partner": "partner",
}

ELEMENT_KEYS = {
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
}
ROW_KEYS = {
    "elements": ELEMENT_KEYS,
    "items": {"item", "element", "n", "mean", "sd", "pct_agree", "pct_dont_know", "suppressed"},
    "by_role": {"role", "element", "n", "mean", "sd", "suppressed"},
    "by_wave": {"wave", "element", "n", "mean", "ci_low", "ci_high", "pct_agree", "suppressed"},
    "gap": {"element", "leadership_n", "staff_n", "gap", "suppressed"},
    "change": {"element", "previous_wave", "change", "suppressed"},
    "components": {"component", "name", "elements", "n", "mean", "sd", "ci_low", "ci_high", "suppressed"},
    "priorities": {"rank", "element", "mean", "gap", "change", "reasons", "suppressed"},
}
TOP_KEYS = {
    "wave",
    "n_respondents",
    "suppressed",
    "elements",
    "items",
    "by_role",
    "by_unit",
    "by_wave",
    "gap",
    "change",
    "components",
    "priorities",
}


def answers_from(people, wave="W1"):
    """people: (respondent, role, {item: value | DK | None (skipped)})."""
    rows = [
        {
            "respondent": rid,
            "wave": wave,
            "role": role,
            "item": item,
            "value": np.nan if v is None or v == DK else float(v),
            "dont_know": v == DK,
        }
        for rid, role, responses in people
        for item, v in responses.items()
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def crowd(role, n, responses, wave="W1", prefix=None):
    """``n`` respondents of one role who all gave the same ``responses``."""
    prefix = prefix or f"{wave}-{role}"
    return answers_from([(f"{prefix}-{i}", role, responses) for i in range(n)], wave)


def items_for(n_items, element="E"):
    return pd.DataFrame({"item": [f"{element}{i}" for i in range(n_items)], "element": element, "reverse": False})


def row_of(table, **where):
    mask = np.ones(len(table), dtype=bool)
    for column, value in where.items():
        mask &= (table[column] == value).to_numpy()
    assert mask.sum() == 1, f"expected one row for {where}, found {mask.sum()}"
    return table.loc[mask].iloc[0]


# --------------------------------------------------------------------------
# Reverse scoring
# --------------------------------------------------------------------------


@pytest.mark.parametrize("points", [4, 5])
def test_flip_reverses_only_reverse_items_on_either_scale(points):
    values = np.arange(1, points + 1, dtype=float)
    answers = pd.DataFrame({"item": ["a4"] * points + ["a1"] * points, "value": np.concatenate([values, values])})
    flipped = scoring.flip(answers, ITEMS, points)["value"].to_numpy()
    assert flipped[:points].tolist() == values[::-1].tolist()  # 5→1 or 4→1 ...
    assert flipped[points:].tolist() == values.tolist()  # a1 is not reversed


def test_flip_top_answer_becomes_bottom():
    answers = pd.DataFrame({"item": ["a4"], "value": [5.0]})
    assert scoring.flip(answers, ITEMS, 5)["value"].iloc[0] == 1
    answers = pd.DataFrame({"item": ["a4"], "value": [4.0]})
    assert scoring.flip(answers, ITEMS, 4)["value"].iloc[0] == 1


@FAST
@given(points=st.sampled_from([4, 5]), data=st.data())
def test_flipping_twice_gives_the_answers_back(points, data):
    values = data.draw(st.lists(st.one_of(st.none(), st.integers(1, points)), min_size=1, max_size=30))
    item_ids = data.draw(st.lists(st.sampled_from(list(ITEMS["item"])), min_size=len(values), max_size=len(values)))
    answers = pd.DataFrame({"item": item_ids, "value": [np.nan if v is None else float(v) for v in values]})
    once = scoring.flip(answers, ITEMS, points)
    twice = scoring.flip(once, ITEMS, points)
    assert np.array_equal(twice["value"].to_numpy(), answers["value"].to_numpy(), equal_nan=True)
    assert once["value"].dropna().between(1, points).all()


def test_reverse_item_counts_flipped_in_the_respondent_score():
    answers = answers_from([("r1", "worker", {"a1": 5, "a2": 5, "a3": 5, "a4": 1})])
    scores = scoring.respondent_element_scores(answers, ITEMS, 5)
    assert row_of(scores, element="A")["score"] == 5.0


# --------------------------------------------------------------------------
# Don't know is missing, never zero
# --------------------------------------------------------------------------


def test_respondent_with_only_dont_know_has_no_score_and_is_not_counted():
    people = [(f"r{i}", "worker", {"a1": 4, "a2": 4, "a3": 4, "a4": 2}) for i in range(5)]
    people.append(("dk", "worker", {"a1": DK, "a2": DK, "a3": DK, "a4": DK}))
    answers = answers_from(people)
    scores = scoring.respondent_element_scores(answers, ITEMS, 5)
    assert math.isnan(row_of(scores, respondent="dk", element="A")["score"])
    summary = scoring.element_summary(answers, ITEMS, 5)
    a = row_of(summary, element="A")
    assert a["n"] == 5 and a["mean"] == 4.0


def test_dont_know_value_is_ignored_even_if_an_import_filled_in_zero():
    answers = answers_from([("r1", "worker", {"a1": 4, "a2": 4, "a3": 4, "a4": 2})])
    dk_zero = pd.DataFrame(
        [{"respondent": "r1", "wave": "W1", "role": "worker", "item": "b1", "value": 0.0, "dont_know": True}]
    )
    answers = pd.concat([answers, dk_zero], ignore_index=True)
    scores = scoring.respondent_element_scores(answers, ITEMS, 5)
    assert math.isnan(row_of(scores, element="B")["score"])


@FAST
@given(st.lists(st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=4, max_size=4), min_size=1, max_size=8))
def test_adding_dont_knows_never_changes_a_mean(grid):
    items = ["a1", "a2", "a3", "a4"]
    without = answers_from(
        [(f"r{i}", "worker", {it: v for it, v in zip(items, row) if v is not None}) for i, row in enumerate(grid)]
    )
    with_dk = answers_from(
        [(f"r{i}", "worker", {it: (DK if v is None else v) for it, v in zip(items, row)}) for i, row in enumerate(grid)]
    )
    a = row_of(scoring.element_summary(without, ITEMS, 5, min_group=1), element="A")
    b = row_of(scoring.element_summary(with_dk, ITEMS, 5, min_group=1), element="A")
    for column in ["n", "mean", "sd", "pct_agree"]:
        assert (pd.isna(a[column]) and pd.isna(b[column])) or np.isclose(a[column], b[column])


# --------------------------------------------------------------------------
# Half-answered rule
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "n_items, answered, scored",
    [
        (4, 2, True),
        (4, 1, False),
        (3, 2, True),
        (3, 1, False),
        (5, 3, True),
        (5, 2, False),
        (2, 1, True),
        (1, 1, True),
        (1, 0, False),
    ],
)
def test_score_needs_at_least_half_of_the_elements_items(n_items, answered, scored):
    items = items_for(n_items)
    responses = {it: (3 if i < answered else DK) for i, it in enumerate(items["item"])}
    scores = scoring.respondent_element_scores(answers_from([("r1", "worker", responses)]), items, 5)
    value = scores["score"].iloc[0]
    assert (value == 3.0) if scored else math.isnan(value)


def test_half_rule_counts_the_instruments_items_not_the_rows_shown():
    # Only 2 of A's 4 items were shown; 1 answered is not half of the instrument's 4.
    answers = answers_from([("r1", "worker", {"a1": 4, "a2": None})])
    assert math.isnan(scoring.respondent_element_scores(answers, ITEMS, 5)["score"].iloc[0])


# --------------------------------------------------------------------------
# Means, sd, confidence interval
# --------------------------------------------------------------------------


@pytest.mark.parametrize("df", sorted(T_TABLE))
def test_t_quantile_matches_published_table(df):
    assert np.isclose(scoring.stats.t_quantile(0.975, df), T_TABLE[df], rtol=0, atol=2e-6)


@pytest.mark.parametrize("n", [3, 10, 30])
def test_element_mean_sd_and_ci_match_an_independent_computation(n):
    rng = np.random.default_rng(n)
    people, expected_scores = [], []
    for i in range(n):
        values = rng.integers(1, 6, size=4)
        skipped = rng.integers(0, 5)  # 4 means none skipped
        responses = {f"a{j + 1}": (DK if j == skipped else int(v)) for j, v in enumerate(values)}
        people.append((f"r{i}", "worker", responses))
        kept = [(6 - int(v)) if j == 3 else int(v) for j, v in enumerate(values) if j != skipped]
        expected_scores.append(statistics.mean(kept))
    row = row_of(scoring.element_summary(answers_from(people), ITEMS, 5, min_group=1), element="A")
    mean = statistics.mean(expected_scores)
    sd = statistics.stdev(expected_scores)
    half = T_TABLE[n - 1] * sd / math.sqrt(n)
    assert row["n"] == n
    assert np.allclose([row["mean"], row["sd"], row["ci_low"], row["ci_high"]], [mean, sd, mean - half, mean + half])


def test_single_respondent_has_a_mean_but_no_sd_or_interval():
    answers = answers_from([("r1", "worker", {"c1": 4})])
    row = row_of(scoring.element_summary(answers, ITEMS, 5, min_group=1), element="C")
    assert row["mean"] == 4.0
    assert all(math.isnan(row[c]) for c in ["sd", "ci_low", "ci_high"])


# --------------------------------------------------------------------------
# Cronbach's alpha
# --------------------------------------------------------------------------


def alpha_from_covariance(x):
    c = np.cov(x, rowvar=False, ddof=1)
    k = x.shape[1]
    return k / (k - 1) * (1 - np.trace(c) / c.sum())


@FAST
@given(
    arrays(np.int64, st.tuples(st.integers(3, 15), st.integers(2, 6)), elements=st.integers(1, 5)), st.integers(0, 3)
)
def test_alpha_matches_the_covariance_formula_on_complete_cases(x, n_incomplete):
    assume(np.cov(x, rowvar=False, ddof=1).sum() > 1e-9)
    data = pd.DataFrame(x.astype(float))
    # Incomplete rows must be left out, whatever they hold.
    extra = pd.DataFrame(np.ones((n_incomplete, x.shape[1])), columns=data.columns)
    extra.iloc[:, 0] = np.nan
    got = scoring.cronbach_alpha(pd.concat([data, extra], ignore_index=True))
    assert np.allclose(got, alpha_from_covariance(x.astype(float)))


def test_alpha_hand_example():
    # item variances 10/3, 5/3, 5/3; totals 5, 8, 13, 14 have variance 18.
    x = [[1, 2, 2], [2, 3, 3], [4, 4, 5], [5, 5, 4]]
    assert np.isclose(scoring.cronbach_alpha(x), 1.5 * (1 - (20 / 3) / 18))


def test_alpha_is_missing_below_three_complete_cases_or_two_items():
    assert math.isnan(scoring.cronbach_alpha([[1, 2], [3, 4]]))
    assert math.isnan(scoring.cronbach_alpha([[1, 2], [3, 4], [5, np.nan], [np.nan, 3]]))
    assert not math.isnan(scoring.cronbach_alpha([[1, 2], [3, 4], [5, 4]]))
    assert math.isnan(scoring.cronbach_alpha([[1], [3], [5], [2]]))


def test_element_table_alpha_uses_complete_cases_and_hides_below_min_group():
    rng = np.random.default_rng(7)
    people = []
    for i in range(8):
        v = rng.integers(1, 6, size=3)
        people.append(
            (f"r{i}", "worker", {"b1": int(v[0]), "b2": int(v[1]), "b3": int(v[2]) if i < 6 else DK, "c1": 3})
        )
    answers = answers_from(people)
    table = scoring.element_summary(answers, ITEMS, 5, min_group=5)
    complete = answers[answers["respondent"].isin([f"r{i}" for i in range(6)])]
    wide = (
        complete[complete["item"].str.startswith("b")]
        .pivot(index="respondent", columns="item", values="value")
        .to_numpy()
    )
    assert np.isclose(row_of(table, element="B")["alpha"], alpha_from_covariance(wide))
    assert math.isnan(row_of(table, element="C")["alpha"])  # one item
    # 6 complete cases: alpha is shown at min_group 6 and hidden at 7.
    assert not math.isnan(row_of(scoring.element_summary(answers, ITEMS, 5, 6), element="B")["alpha"])
    assert math.isnan(row_of(scoring.element_summary(answers, ITEMS, 5, 7), element="B")["alpha"])


# --------------------------------------------------------------------------
# pct_agree and pct_dont_know
# --------------------------------------------------------------------------


def test_pct_agree_counts_top_two_points_and_leaves_out_dont_know():
    people = [(f"r{i}", "worker", {"c1": v}) for i, v in enumerate([5, 4, 3, 2, DK])]
    row = row_of(scoring.element_summary(answers_from(people), ITEMS, 5, 1), element="C")
    assert row["pct_agree"] == 0.5


def test_pct_agree_top_two_points_depend_on_the_scale():
    people = [(f"r{i}", "worker", {"c1": v}) for i, v in enumerate([4, 3, 2, 1])]
    answers = answers_from(people)
    assert row_of(scoring.element_summary(answers, ITEMS, 4, 1), element="C")["pct_agree"] == 0.5
    assert row_of(scoring.element_summary(answers, ITEMS, 5, 1), element="C")["pct_agree"] == 0.25


def test_pct_agree_is_after_flipping():
    # "1" on the reverse item a4 is agreement with the positive statement.
    answers = answers_from([("r1", "worker", {"a1": 2, "a2": 2, "a3": 2, "a4": 1})])
    assert row_of(scoring.element_summary(answers, ITEMS, 5, 1), element="A")["pct_agree"] == 0.25


def test_pct_dont_know_is_share_of_shown_rows_and_skips_are_left_out():
    people = [("r1", "worker", {"b1": 4, "b2": 2, "b3": DK}), ("r2", "worker", {"b1": None, "b2": 3, "b3": 3})]
    row = row_of(scoring.element_summary(answers_from(people), ITEMS, 5, 1), element="B")
    assert np.isclose(row["pct_dont_know"], 1 / 5)


# --------------------------------------------------------------------------
# rwg(J)
# --------------------------------------------------------------------------


def test_rwg_hand_example():
    # item variances 1/3 and 1 → s̄² = 2/3; σ²E = (25-1)/12 = 2; ratio 1/3;
    # rwg(2) = 2·(2/3) / (2·(2/3) + 1/3) = 0.8
    assert np.isclose(scoring.rwg_j([[4, 3], [4, 4], [5, 5]], points=5), 0.8)
    # 4-point: variances 1/3 and 1/3; σ²E = 15/12; ratio 4/15 → (22/15) / (26/15) = 11/13
    assert np.isclose(scoring.rwg_j([[4, 3], [4, 4], [3, 4]], points=4), 11 / 13)


def rwg_reference(x, points):
    variances = [statistics.variance(c[~np.isnan(c)]) for c in x.T if (~np.isnan(c)).sum() > 1]
    if (~np.isnan(x)).any(axis=1).sum() < 2 or not variances:
        return math.nan
    ratio = statistics.mean(variances) / ((points**2 - 1) / 12)
    j = len(variances)
    return 0.0 if ratio >= 1 else j * (1 - ratio) / (j * (1 - ratio) + ratio)


def test_rwg_full_agreement_is_one_and_disagreement_is_truncated_to_zero():
    assert scoring.rwg_j([[3, 3], [3, 3], [3, 3]], points=5) == 1.0
    assert scoring.rwg_j([[1, 5], [5, 1], [1, 5], [5, 1]], points=5) == 0.0
    assert math.isnan(scoring.rwg_j([[3, 4]], points=5))


@FAST
@given(points=st.sampled_from([4, 5]), data=st.data())
def test_rwg_is_within_zero_and_one_and_matches_reference(points, data):
    x = data.draw(
        arrays(
            np.float64,
            st.tuples(st.integers(1, 12), st.integers(1, 5)),
            elements=st.one_of(st.just(np.nan), st.integers(1, points).map(float)),
        )
    )
    got = scoring.rwg_j(x, points)
    expected = rwg_reference(x, points)
    if math.isnan(expected):
        assert math.isnan(got)
    else:
        assert 0.0 <= got <= 1.0
        assert np.isclose(got, expected)


# --------------------------------------------------------------------------
# Suppression
# --------------------------------------------------------------------------


@pytest.mark.parametrize("min_group", [3, 5, 10])
def test_suppression_exactly_at_the_boundary(min_group):
    below = crowd("worker", min_group - 1, {"c1": 4})
    at = crowd("worker", min_group, {"c1": 4})
    hidden = row_of(scoring.element_summary(below, ITEMS, 5, min_group), element="C")
    shown = row_of(scoring.element_summary(at, ITEMS, 5, min_group), element="C")
    assert hidden["suppressed"] and pd.isna(hidden["n"]) and math.isnan(hidden["mean"])
    assert math.isnan(hidden["pct_agree"]) and math.isnan(hidden["pct_dont_know"])
    assert not shown["suppressed"] and shown["n"] == min_group and shown["mean"] == 4.0


def role_crowds(sizes, responses=None, wave="W1"):
    responses = responses or {"c1": 4}
    return pd.concat([crowd(role, n, responses, wave) for role, n in sizes.items()], ignore_index=True)


def flags(table, by):
    return dict(zip(table[by], table["suppressed"]))


def test_one_small_group_hides_the_next_smallest_too():
    answers = role_crowds({"director": 2, "supervisor": 6, "worker": 8, "partner": 10})
    table = scoring.breakdown(answers, ITEMS, 5, "role")
    assert flags(table, "role") == {"director": True, "supervisor": True, "worker": False, "partner": False}
    hidden = table[table["suppressed"]]
    assert hidden["n"].isna().all() and hidden["mean"].isna().all()
    # What the shown groups leave of the total covers two groups, not the small one.
    total = row_of(scoring.element_summary(answers, ITEMS, 5), element="C")["n"]
    remainder = total - table.loc[~table["suppressed"], "n"].sum()
    assert remainder == 8 and remainder != 2


def test_two_small_groups_need_no_extra_suppression():
    answers = role_crowds({"director": 2, "partner": 3, "worker": 10})
    assert flags(scoring.breakdown(answers, ITEMS, 5, "role"), "role") == {
        "director": True,
        "partner": True,
        "worker": False,
    }


def test_two_group_breakdown_with_one_small_group_is_hidden_entirely():
    answers = role_crowds({"director": 3, "worker": 20})
    assert flags(scoring.breakdown(answers, ITEMS, 5, "role"), "role") == {"director": True, "worker": True}


def test_tie_for_next_smallest_hides_exactly_one_chosen_by_group_order():
    answers = role_crowds({"director": 2, "supervisor": 6, "worker": 6, "partner": 9})
    table = scoring.breakdown(answers, ITEMS, 5, "role", order=["director", "worker", "supervisor", "partner"])
    assert flags(table, "role") == {"director": True, "worker": True, "supervisor": False, "partner": False}


def test_wave_breakdown_uses_complementary_suppression_in_wave_order():
    answers = pd.concat(
        [
            crowd("worker", 3, {"c1": 4}, "W1"),
            crowd("worker", 12, {"c1": 4}, "W2"),
            crowd("worker", 8, {"c1": 4}, "W3"),
        ],
        ignore_index=True,
    )
    table = scoring.breakdown(answers, ITEMS, 5, "wave", order=["W1", "W2", "W3"])
    assert table["wave"].tolist() == ["W1", "W2", "W3"]
    assert table["suppressed"].tolist() == [True, False, True]


@SLOW
@given(st.lists(st.integers(1, 12), min_size=1, max_size=5), st.integers(2, 6))
def test_breakdown_never_leaves_a_single_hidden_group(sizes, min_group):
    roles = ["director", "manager", "supervisor", "worker", "partner"]
    answers = role_crowds(dict(zip(roles, sizes)))
    table = scoring.breakdown(answers, ITEMS, 5, "role", min_group=min_group)
    n = dict(zip(roles, sizes))
    hidden = table.loc[table["suppressed"], "role"].tolist()
    small = [r for r in table["role"] if n[r] < min_group]
    assert set(small) <= set(hidden)
    assert len(hidden) - len(small) <= 1
    if len(table) > 1:
        assert len(hidden) != 1
    if len(small) == 1 and len(table) > 1:
        extra = (set(hidden) - set(small)).pop()
        assert n[extra] == min(n[r] for r in table["role"] if r not in small)
    shown = table[~table["suppressed"]]
    assert (shown["n"] >= min_group).all()
    assert table.loc[table["suppressed"], ["n", "mean", "sd"]].isna().all().all()


# --------------------------------------------------------------------------
# Leadership–staff gap
# --------------------------------------------------------------------------


def test_gap_is_leadership_mean_minus_staff_mean():
    answers = pd.concat(
        [
            crowd("director", 3, {"c1": 5}),
            crowd("manager", 3, {"c1": 4}),
            crowd("worker", 5, {"c1": 3}),
            crowd("worker", 5, {"c1": 2}, prefix="w2"),
            crowd("supervisor", 6, {"c1": 1}),  # on neither side
        ],
        ignore_index=True,
    )
    gap = row_of(scoring.leadership_gap(answers, ITEMS, 5, LEVELS), element="C")
    assert gap["leadership_n"] == 6 and gap["staff_n"] == 10
    assert np.isclose(gap["gap"], 4.5 - 2.5) and not gap["suppressed"]


def test_gap_is_hidden_when_a_side_is_small():
    answers = pd.concat([crowd("director", 4, {"c1": 5}), crowd("worker", 20, {"c1": 3})], ignore_index=True)
    gap = row_of(scoring.leadership_gap(answers, ITEMS, 5, LEVELS), element="C")
    assert gap["suppressed"] and math.isnan(gap["gap"])
    assert pd.isna(gap["leadership_n"]) and pd.isna(gap["staff_n"])


@pytest.mark.parametrize(
    "sizes, hidden",
    [
        # two small leadership groups, hidden together: their 6 people can show a gap
        ({"director": 3, "manager": 3, "supervisor": 6, "worker": 10}, False),
        # a small director group next to a shown manager group: gap would give it away
        ({"director": 2, "manager": 8, "supervisor": 6, "worker": 10}, True),
        # nothing hidden in the role breakdown
        ({"director": 5, "worker": 5}, False),
    ],
)
def test_gap_hides_only_when_it_would_expose_a_hidden_role_group(sizes, hidden):
    answers = role_crowds(sizes)
    gap = row_of(scoring.leadership_gap(answers, ITEMS, 5, LEVELS), element="C")
    assert gap["suppressed"] == hidden
    assert math.isnan(gap["gap"]) == hidden


def test_gap_is_hidden_when_a_role_on_its_side_is_hidden_in_the_role_breakdown():
    # partner (2) is hidden, so the next smallest, director (6), is hidden too;
    # a shown gap plus the shown staff mean would give the director mean back.
    answers = pd.concat(
        [
            crowd("director", 6, {"c1": 5}),
            crowd("partner", 2, {"c1": 1}),
            crowd("supervisor", 10, {"c1": 3}),
            crowd("worker", 20, {"c1": 3}),
        ],
        ignore_index=True,
    )
    result = scoring.score(answers, ITEMS, 5, 5, LEVELS, [], ["W1"])
    by_role = {r["role"]: r["suppressed"] for r in result["by_role"] if r["element"] == "C"}
    assert by_role == {"director": True, "partner": True, "supervisor": False, "worker": False}
    gap = next(g for g in result["gap"] if g["element"] == "C")
    assert gap["suppressed"] and gap["gap"] is None and gap["leadership_n"] is None


# --------------------------------------------------------------------------
# Change since the previous wave
# --------------------------------------------------------------------------

WAVES = ["Spring 2024", "Fall 2024", "Spring 2025"]  # chronological, not alphabetical


def test_change_uses_the_given_wave_order_not_alphabetical():
    answers = pd.concat(
        [crowd("worker", 6, {"c1": 3}, "Spring 2024"), crowd("worker", 6, {"c1": 4}, "Fall 2024")], ignore_index=True
    )
    result = scoring.score(answers, ITEMS, 5, 5, LEVELS, [], WAVES)
    assert result["wave"] == "Fall 2024"  # last wave with data
    change = next(c for c in result["change"] if c["element"] == "C")
    assert change == {"element": "C", "previous_wave": "Spring 2024", "change": 1.0, "suppressed": False}
    assert [r["wave"] for r in result["by_wave"] if r["element"] == "C"] == WAVES[:2]


def test_change_skips_a_wave_without_data():
    answers = pd.concat(
        [crowd("worker", 6, {"c1": 4}, "Spring 2024"), crowd("worker", 6, {"c1": 3}, "Spring 2025")], ignore_index=True
    )
    result = scoring.score(answers, ITEMS, 5, 5, LEVELS, [], WAVES)
    change = next(c for c in result["change"] if c["element"] == "C")
    assert change["previous_wave"] == "Spring 2024" and np.isclose(change["change"], -1.0)


def test_change_is_missing_without_a_previous_wave():
    result = scoring.score(crowd("worker", 6, {"c1": 4}, "Spring 2024"), ITEMS, 5, 5, LEVELS, [], WAVES)
    change = next(c for c in result["change"] if c["element"] == "C")
    assert change["change"] is None and change["previous_wave"] is None
    assert change["suppressed"] is False


def test_change_is_hidden_when_the_previous_wave_is_hidden():
    answers = pd.concat(
        [
            crowd("worker", 3, {"c1": 4}, "Spring 2024"),
            crowd("worker", 4, {"c1": 4}, "Fall 2024"),
            crowd("worker", 12, {"c1": 3}, "Spring 2025"),
        ],
        ignore_index=True,
    )
    result = scoring.score(answers, ITEMS, 5, 5, LEVELS, [], WAVES)
    by_wave = {r["wave"]: r["suppressed"] for r in result["by_wave"] if r["element"] == "C"}
    assert by_wave == {"Spring 2024": True, "Fall 2024": True, "Spring 2025": False}
    change = next(c for c in result["change"] if c["element"] == "C")
    assert change["previous_wave"] == "Fall 2024"
    assert change["suppressed"] and change["change"] is None


def test_change_is_hidden_when_the_current_wave_is_hidden():
    answers = pd.concat(
        [crowd("worker", 9, {"c1": 4}, "Spring 2024"), crowd("worker", 3, {"c1": 3}, "Fall 2024")], ignore_index=True
    )
    result = scoring.score(answers, ITEMS, 5, 5, LEVELS, [], WAVES)
    change = next(c for c in result["change"] if c["element"] == "C")
    assert change["suppressed"] and change["change"] is None


def test_change_since_previous_on_a_table():
    by_wave = pd.DataFrame(
        {"wave": ["b", "a", "c"], "element": "A", "mean": [3.5, 3.0, np.nan], "suppressed": [False, False, True]}
    )
    out = scoring.change_since_previous(by_wave, ["a", "b", "c"])
    assert row_of(out, wave="b")["previous_wave"] == "a"
    assert np.isclose(row_of(out, wave="b")["change"], 0.5)
    assert row_of(out, wave="c")["suppressed"] and math.isnan(row_of(out, wave="c")["change"])
    with pytest.raises(InvalidValue, match="'b'"):
        scoring.change_since_previous(by_wave, ["a", "c"])


# --------------------------------------------------------------------------
# Components
# --------------------------------------------------------------------------


def test_component_score_is_each_respondents_mean_over_their_elements():
    people = [
        ("r1", "worker", {"b1": 4, "b2": 4, "b3": 4, "c1": 2}),  # B 4, C 2 → 3
        ("r2", "worker", {"b1": 5, "b2": 5, "b3": None, "c1": 5}),  # B 5, C 5 → 5
        ("r3", "worker", {"b1": 2, "b2": None, "b3": None, "c1": 4}),  # B missing → C 4
    ]
    comps = [
        {"id": "1", "name": "Climate", "elements": ["B", "C"]},
        {"id": "2", "name": "Nothing asked", "elements": ["Z"]},
    ]
    table = scoring.component_scores(answers_from(people), ITEMS, 5, comps, min_group=1)
    one = row_of(table, component="1")
    expected = [3.0, 5.0, 4.0]
    assert one["name"] == "Climate" and one["elements"] == ["B", "C"] and one["n"] == 3
    assert np.allclose([one["mean"], one["sd"]], [statistics.mean(expected), statistics.stdev(expected)])
    two = row_of(table, component="2")
    assert two["suppressed"] and pd.isna(two["n"])


# --------------------------------------------------------------------------
# Priorities
# --------------------------------------------------------------------------


def test_clearly_lowest_element_ranks_first():
    answers = crowd("worker", 8, {"a1": 4, "a2": 4, "a3": 4, "a4": 2, "b1": 2, "b2": 1, "b3": 2, "c1": 4})
    result = scoring.score(answers, ITEMS, 5, 5, LEVELS, [], ["W1"])
    first = result["priorities"][0]
    assert first["rank"] == 1 and first["element"] == "B"
    assert "lowest score of the three" in first["reasons"]


def test_falling_element_ranks_above_a_stable_one_with_the_same_score():
    # B comes first in the instrument, so only the fall can put C above it.
    before = crowd("worker", 8, {"b1": 3, "b2": 3, "b3": 3, "c1": 4}, "Spring 2024")
    now = crowd("worker", 8, {"b1": 3, "b2": 3, "b3": 3, "c1": 3}, "Fall 2024")
    items = ITEMS[ITEMS["element"].isin(["B", "C"])]
    result = scoring.score(pd.concat([before, now]), items, 5, 5, LEVELS, [], WAVES)
    ranked = [p["element"] for p in result["priorities"]]
    assert ranked == ["C", "B"]
    assert "fell 1.00 since last wave" in result["priorities"][0]["reasons"]


def test_wide_gap_ranks_above_no_gap_and_is_named():
    elements = pd.DataFrame({"element": ["A", "B"], "mean": [3.0, 3.0], "suppressed": [False, False]})
    gap = pd.DataFrame({"element": ["A", "B"], "gap": [0.0, -0.6]})
    change = pd.DataFrame({"element": ["A", "B"], "change": [0.0, 0.0]})
    table = scoring.priorities(elements, gap, change, 5)
    assert table["element"].tolist() == ["B", "A"]
    assert "staff rate this 0.60 higher than leaders" in table["reasons"].iloc[0]


def test_priority_is_comparable_between_4_and_5_point_scales():
    change = pd.DataFrame({"element": ["A"], "change": [-0.3]})
    gap = pd.DataFrame({"element": ["A"], "gap": [0.3]})
    five = scoring.priorities(pd.DataFrame({"element": ["A"], "mean": [3.0], "suppressed": [False]}), gap, change, 5)
    four = scoring.priorities(
        pd.DataFrame({"element": ["A"], "mean": [2.5], "suppressed": [False]}),
        gap.assign(gap=0.3 * 3 / 4),
        change.assign(change=-0.3 * 3 / 4),
        4,
    )
    assert np.isclose(five["priority"].iloc[0], four["priority"].iloc[0])


def test_suppressed_element_is_listed_last_unranked():
    answers = pd.concat(
        [
            crowd("worker", 8, {"a1": 4, "a2": 4, "a3": 4, "a4": 2, "b1": 4, "b2": 4, "b3": 4}),
            crowd("worker", 2, {"c1": 1}, prefix="few"),
        ],
        ignore_index=True,
    )
    result = scoring.score(answers, ITEMS, 5, 5, LEVELS, [], ["W1"])
    last = result["priorities"][-1]
    assert last == {
        "rank": None,
        "element": "C",
        "mean": None,
        "gap": None,
        "change": None,
        "reasons": ["not enough responses to report"],
        "suppressed": True,
    }
    assert [p["rank"] for p in result["priorities"][:-1]] == [1, 2]
    assert not any(p["suppressed"] for p in result["priorities"][:-1])


def test_a_small_earlier_wave_does_not_hide_the_current_one():
    answers = pd.concat(
        [crowd("worker", 3, {"c1": 4}, "Spring 2024"), crowd("worker", 12, {"c1": 3}, "Spring 2025")], ignore_index=True
    )
    result = scoring.score(answers, ITEMS, 5, 5, LEVELS, [], WAVES)
    by_wave = {r["wave"]: r for r in result["by_wave"] if r["element"] == "C"}
    assert by_wave["Spring 2024"]["suppressed"] and by_wave["Spring 2024"]["mean"] is None
    assert not by_wave["Spring 2025"]["suppressed"] and np.isclose(by_wave["Spring 2025"]["mean"], 3.0)


# --------------------------------------------------------------------------
# score(): the packet's contract
# --------------------------------------------------------------------------


def demo_answers(seed=0, waves=("W1", "W2"), sizes=None):
    """Random answers (10% don't know, 5% skipped) for every role and wave."""
    rng = np.random.default_rng(seed)
    sizes = sizes or {"director": 4, "manager": 3, "supervisor": 6, "worker": 25, "partner": 2}
    roles = np.repeat(list(sizes), list(sizes.values()))
    people = [f"{role}-{i}" for role, n in sizes.items() for i in range(n)]
    k, n = len(ITEMS), len(people)
    frames = []
    for wave in waves:
        values = rng.integers(1, 6, size=n * k).astype(float)
        dk = rng.random(n * k) < 0.1
        values[dk | (rng.random(n * k) < 0.05)] = np.nan
        frames.append(
            pd.DataFrame(
                {
                    "respondent": np.repeat([f"{wave}-{p}" for p in people], k),
                    "wave": wave,
                    "role": np.repeat(roles, k),
                    "item": np.tile(ITEMS["item"].to_numpy(), n),
                    "value": values,
                    "dont_know": dk,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


COMPONENTS = [
    {"id": "1", "name": "Communication for engagement", "elements": ["A", "B"]},
    {"id": "2", "name": "Climate for change", "elements": ["B"]},
]


def test_score_is_json_ready_with_exactly_the_contract_keys():
    result = scoring.score(demo_answers(), ITEMS, 5, 5, LEVELS, COMPONENTS, ["W1", "W2"])
    json.dumps(result, allow_nan=False)
    assert set(result) == TOP_KEYS
    assert result["wave"] == "W2" and result["n_respondents"] == 40
    assert result["suppressed"] is False
    for key, keys in ROW_KEYS.items():
        assert result[key], key
        for row in result[key]:
            assert set(row) == keys, key
    assert [e["element"] for e in result["elements"]] == ["A", "B", "C"]
    assert [c["component"] for c in result["components"]] == ["1", "2"]


def test_score_elements_agree_with_element_summary_of_that_wave():
    answers = demo_answers()
    result = scoring.score(answers, ITEMS, 5, 5, LEVELS, COMPONENTS, ["W1", "W2"], wave="W1")
    table = scoring.element_summary(answers[answers["wave"] == "W1"], ITEMS, 5)
    assert result["wave"] == "W1"
    assert np.allclose([e["mean"] for e in result["elements"]], table["mean"])
    assert [r["wave"] for r in result["by_wave"]] == ["W1"] * 3  # nothing after W1


def test_score_of_a_county_below_min_group_hides_its_count():
    result = scoring.score(crowd("worker", 4, {"c1": 4}), ITEMS, 5, 5, LEVELS, COMPONENTS, ["W1"])
    json.dumps(result, allow_nan=False)
    assert result["n_respondents"] is None and result["suppressed"] is True
    assert all(e["suppressed"] and e["n"] is None and e["mean"] is None for e in result["elements"])
    assert all(p["rank"] is None for p in result["priorities"])


NUMBERS = {
    "n",
    "mean",
    "sd",
    "ci_low",
    "ci_high",
    "pct_agree",
    "alpha",
    "pct_dont_know",
    "rwg",
    "leadership_n",
    "staff_n",
    "gap",
    "change",
}


@SLOW
@given(
    st.integers(0, 10_000),
    st.integers(2, 8),
    st.dictionaries(st.sampled_from(sorted(LEVELS)), st.integers(1, 9), min_size=1),
)
def test_no_suppressed_row_anywhere_shows_a_number(seed, min_group, sizes):
    result = scoring.score(demo_answers(seed, sizes=sizes), ITEMS, 5, min_group, LEVELS, COMPONENTS, ["W1", "W2"])
    json.dumps(result, allow_nan=False)
    for key in ROW_KEYS:
        for row in result[key]:
            if row.get("suppressed"):
                assert all(row[c] is None for c in NUMBERS & set(row)), (key, row)
            for c in {"n", "leadership_n", "staff_n"} & set(row):
                assert row[c] is None or row[c] >= min_group, (key, row)
    # role groups add up to the shown total, so one hidden role never stands alone
    per_element = pd.DataFrame(result["by_role"]).groupby("element")["suppressed"]
    for _, hidden in per_element:
        assert hidden.sum() != 1 or len(hidden) == 1


def test_out_of_scale_value_is_refused_with_the_item_named():
    answers = answers_from([("r1", "worker", {"c1": 5})])
    with pytest.raises(InvalidValue, match="item 'c1'.*4-point"):
        scoring.score(answers, ITEMS, 4, 5, LEVELS, [], ["W1"])


def test_wave_missing_from_the_wave_list_is_refused():
    with pytest.raises(InvalidValue, match="'W9'"):
        scoring.score(crowd("worker", 6, {"c1": 4}, "W9"), ITEMS, 5, 5, LEVELS, [], ["W1"])
