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
    The instrument: ``item``, ``element``, ``reverse``, and optionally
    ``roles``: the role-group ids each item is shown to (routing; None or a
    missing column: every group).
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
   otherwise they have no score for that element. **Routed statements**: when
   the survey shows some items to some role groups only, ``items`` counts the
   element's items *shown to the person's role group*, and answers to items
   not shown to it (a paper form, a survey tool without display logic) are
   left out everywhere. A group shown no item of an element has no score
   there: it is not counted, not even as missing. An unrouted survey scores
   exactly as before. Each response is routed as the survey version it
   answered was: when ``items`` lists each version's statements (a
   ``version`` column, one row per version and statement, with that
   version's ``roles``) and ``answers`` say the ``version`` each answer was
   given under, ``items`` above counts that version's statements shown to
   the role, so a new version never changes an earlier wave's scores.
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
   respondent are not listed at all. **Offices or units** (an optional
   ``unit`` column) break the same people down a second way, suppressed the
   same way on their own and then together with the role groups: no group
   hidden for being small may be a combination of the element's total and
   the groups shown in either breakdown (a hidden unit next to a unit that
   is exactly one shown role group, say); while one is, the smallest shown
   group whose hiding stops it is hidden too (else the smallest shown
   group). People who name no unit count in the total and their role group.
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
    fall is named as a reason when, written to two decimals as every page
    writes it, it is at least 5% of the scale range (0.20 points on a 5-point
    scale, 0.15 on a 4-point one).

One wave at a time
------------------
:func:`score` scores one wave (by default the last wave in ``waves`` that has
answers). Its element, role, gap, component and priority tables cover that
wave; the wave breakdown and the change cover the waves up to and including
it, in the order given (wave labels are never sorted). The top-level
``n_respondents`` is None and ``suppressed`` True when fewer than
``min_group`` people answered the wave. The statement table (``items``)
covers that wave too: per statement asked, ``n`` (people who answered it),
``mean`` and ``sd`` of their answers as scored (reverse-worded statements
turned round, rule 1), and ``pct_agree`` and ``pct_dont_know`` as rules 5 and
6 state them for one statement; a statement fewer than ``min_group`` people
answered is hidden (rule 9).

Example
-------
>>> import pandas as pd
>>> items = pd.DataFrame({"item": ["a1", "a2"], "element": "A", "reverse": [False, True]})
>>> answers = pd.DataFrame({"respondent": ["r1", "r1"], "wave": "W1", "role": "staff",
...                         "item": ["a1", "a2"], "value": [4.0, 2.0], "dont_know": False})
>>> score(answers, items, 5, min_group=1)["elements"][0]["mean"]
4.0
"""

from __future__ import annotations

# The rules above are carried out by the package's modules, in the order a score is made:
# prepare (rules 1-2), elements (3-6), reliability (7-8), suppression (9), breakdowns (9-12),
# priorities (13), and wave (one wave at a time); stats holds the t quantile of the intervals.
from .breakdowns import breakdown, change_since_previous, component_scores, leadership_gap
from .elements import element_summary, respondent_element_scores
from .prepare import ANSWER_COLUMNS, ITEM_COLUMNS, RESPONDENT, flip, on_scale
from .priorities import NOTABLE, priorities
from .reliability import cronbach_alpha, rwg_j
from .wave import score

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
    "on_scale",
    "ANSWER_COLUMNS",
    "ITEM_COLUMNS",
    "RESPONDENT",
    "NOTABLE",
]
