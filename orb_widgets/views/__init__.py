"""View models: the score report as a reader sees it, formatted once.

Every rule that decides what a reader sees lives here and nowhere else: how a
number, an interval, a share and a date are written, what a hidden cell says,
what counts as "up" or "down", the reason shown beside every priority, and the
words a screen reader says for a chart. The packet, the served dashboard and
the command line render these objects through the partials in
``templates/partials/`` (see :mod:`orb_widgets.render`); none of them formats
a number of the report itself.

The package's modules tell what each view is of: ``views.results`` (the
score report: tables, cards, priorities, chart words), ``views.planning`` (the
matrix, testing profile, implementation plan, follow-up board),
``views.messages`` (key messages); a county's part of the coach's webinars is
``orb_widgets.webinar.views``. How a single value is written (a score, an
interval, a date, a hidden cell) is ``orb_widgets.format``, re-exported here.

What a reader sees
------------------
14. **What a reader sees** (``orb_widgets/views/``, the one place these are
    decided, for the packet, the dashboard and ``orb score`` alike): a change
    is "up" or "down" when the change as shown (two decimals) is at least 5%
    of the scale range, 0.20 on a 1–5 scale and 0.15 on a 1–4 scale, and the
    page says that threshold as used (the same threshold names a fall as a
    priority's reason), otherwise "about the same"; the card "Since last wave" counts exactly the rows marked so in the
    change table. Every ranked priority shows its reasons, or "next in line on
    its score; no notable gap between leaders and staff, no fall since the last
    wave" when none applies. A hidden row shows the
    word "hidden" and why, never a number. Every score, gap, change and
    threshold is written by one rule (:func:`orb_widgets.format.score`): two
    decimals, a half rounded up, in tables, sentences, charts and the command
    line alike, so a value never reads two ways; intervals as "3.10 to 3.37"; dates as "March
    5, 2026". Statement results name the three statements with the lowest
    averages (as shown; ties in survey order) and the three with the largest
    share of "don't know", at least 10%; a hidden statement is never named.
    Free-text comments are shown (without role group) only for a wave that at
    least ``comment_min`` people answered: 10, or the smallest group shown
    when that is larger, because one comment can give its writer away.

>>> score(3.2349), interval(3.0991, 3.3659), pct(0.3827), signed(0.0528)
('3.23', '3.10 to 3.37', '38%', '+0.05')
>>> plural(1, "session"), plural(2, "activity", "activities")
('1 session', '2 activities')
>>> direction(0.25, 5), direction(0.15, 5), direction(-0.2, 5), direction(0.1496, 4)
('up', 'about the same', 'down', 'up')
"""

from __future__ import annotations

from ..format import (
    DASH,
    HIDDEN,
    Card,
    Line,
    Table,
    date,
    hidden_text,
    interval,
    moment,
    pct,
    plural,
    score,
    short,
    signed,
    when,
)
from .debrief import TEAM_RATING, TEAM_RATING_NOTE, DebriefCard, DebriefView, debrief_view, rating_text
from .messages import KeyMessageView, MessageTestLine, key_message_view
from .planning import (
    NOT_YET,
    ActivityLine,
    BoardView,
    CompetenceLine,
    FollowThroughView,
    MatrixCard,
    MatrixView,
    PlanView,
    ProfileView,
    board_view,
    follow_through_view,
    matrix_view,
    plan_view,
    profile_view,
)
from .results import (
    NO_NOTABLE_REASON,
    SHADES,
    Priority,
    ResultsView,
    Shade,
    StatementsView,
    direction,
    distribution_alt,
    notable,
    reasons,
    results_view,
    shade,
    statements_view,
)

__all__ = [
    "DASH",
    "HIDDEN",
    "NOT_YET",
    "NO_NOTABLE_REASON",
    "SHADES",
    "TEAM_RATING",
    "TEAM_RATING_NOTE",
    "ActivityLine",
    "BoardView",
    "Card",
    "CompetenceLine",
    "DebriefCard",
    "DebriefView",
    "FollowThroughView",
    "KeyMessageView",
    "Line",
    "MatrixCard",
    "MatrixView",
    "MessageTestLine",
    "PlanView",
    "Priority",
    "ProfileView",
    "ResultsView",
    "Shade",
    "StatementsView",
    "Table",
    "board_view",
    "date",
    "debrief_view",
    "direction",
    "distribution_alt",
    "follow_through_view",
    "hidden_text",
    "interval",
    "key_message_view",
    "matrix_view",
    "moment",
    "notable",
    "pct",
    "plan_view",
    "plural",
    "rating_text",
    "profile_view",
    "reasons",
    "results_view",
    "statements_view",
    "score",
    "shade",
    "short",
    "signed",
    "when",
]
