"""How a value is written for a reader: numbers, intervals, shares, dates, and the plain table shapes.

The bottom of the package: it imports nothing of ``orb_widgets``, so every
layer above (view models, key messages, planning, packets, the webinar
views, the servers) writes a score, a date or a hidden cell the same way.
The rules a county reads about these (in the README) are stated in
:mod:`orb_widgets.views`.

One rule writes every score, gap, change and threshold: two decimals, a half
rounded up as a reader rounds it (2.65 reads "2.65", 2.675 reads "2.68", never
"2.6" on one page and "2.7" on another):

>>> score(3.2349), short(3.2349), interval(3.0991, 3.3659), pct(0.3827), signed(0.0528)
('3.23', '3.23', '3.10 to 3.37', '38%', '+0.05')
>>> score(2.675), signed(0.345), signed(-0.001), score(0.15)
('2.68', '+0.35', '0.00', '0.15')
>>> date("2026-03-05"), plural(2, "activity", "activities"), hidden_text(5)
('March 5, 2026', '2 activities', 'hidden: fewer than 5 answers')
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

#: What a cell says instead of a number when the group behind it is too small to show.
HIDDEN = "hidden"
#: A value that is missing (not hidden): no answer, no interval, nothing entered.
DASH = "–"


# ------------------------------------------------------------------ numbers
#: Decimals of every score, gap, change and threshold a reader sees.
DIGITS = 2


def rounded(x, digits: int = DIGITS) -> float:
    """``x`` as a reader sees it: rounded half up on its decimal text (``2.675`` → ``2.68``).

    Rules that compare a shown number with a threshold ("up", "fell") compare this,
    so what a table says always matches the number beside it.
    """
    d = Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return float(d) + 0.0  # + 0.0 turns -0.0 into 0.0


def score(x, digits: int = DIGITS) -> str:
    """A score, gap or threshold as every page, packet, chart and command writes it; a missing one is a dash."""
    if x is None or x != x:  # None or NaN
        return DASH
    return f"{rounded(x, digits):.{digits}f}"


def short(x) -> str:
    """A score in a sentence: the same text as in a table, so a value never reads two ways."""
    return score(x)


def interval(low, high) -> str:
    """A 95% interval, one format everywhere: ``3.10 to 3.37``."""
    return DASH if low is None or high is None else f"{score(low)} to {score(high)}"


def pct(x) -> str:
    return DASH if x is None else f"{100 * x:.0f}%"


def signed(x) -> str:
    """A change with its sign: ``+0.35``, ``-0.20``; no change is ``0.00``."""
    if x is None or x != x:
        return DASH
    v = rounded(x)
    return f"{v:+.{DIGITS}f}" if v else f"{0:.{DIGITS}f}"


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 session``, ``2 sessions``; give ``many`` where adding an s is wrong (``activities``, ``people``)."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def hidden_text(min_group: int) -> str:
    return f"{HIDDEN}: fewer than {min_group} answers"


def answered_of(answered: int | None, invited: int, fewer_than: int | None = None) -> str:
    """How many of those invited answered: ``42 of 60 answered (70%)``.

    ``answered`` is None where the count is hidden (a wave below the smallest group): then
    ``fewer than 5 of 60 answered``, with no share.

    >>> answered_of(42, 60), answered_of(None, 60, fewer_than=5)
    ('42 of 60 answered (70%)', 'fewer than 5 of 60 answered')
    """
    if answered is None:
        return f"fewer than {fewer_than} of {invited} answered"
    return f"{answered} of {invited} answered ({pct(answered / invited)})"


def closing(closes_on, today, closed_on=None) -> str:
    """A survey link's closing in words: ``closes in 5 days, on March 10, 2026``, ``closed on March 5, 2026``.

    ``closed_on`` is the day the link was closed (it wins); a closing day that has passed closed the link
    (it closes itself); with neither, an empty string.

    >>> import datetime as dt
    >>> day = dt.date(2026, 3, 5)
    >>> closing(dt.date(2026, 3, 10), day), closing(day, day), closing(dt.date(2026, 3, 6), day)
    ('closes in 5 days, on March 10, 2026', 'closes today', 'closes tomorrow')
    >>> closing(dt.date(2026, 3, 1), day), closing(None, day, closed_on=day)
    ('closed on March 1, 2026', 'closed on March 5, 2026')
    """
    if closed_on is not None:
        return f"closed on {date(closed_on)}"
    if closes_on is None:
        return ""
    if isinstance(closes_on, str):
        closes_on = dt.date.fromisoformat(closes_on[:10])
    days = (closes_on - today).days
    if days > 1:
        return f"closes in {days} days, on {date(closes_on)}"
    if days == 1:
        return "closes tomorrow"
    if days == 0:
        return "closes today"
    return f"closed on {date(closes_on)}"  # a link closes itself after its closing day


# ------------------------------------------------------------------ dates and times
def date(day) -> str:
    """A date, one format everywhere: ``March 5, 2026``."""
    if day is None:
        return ""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day[:10])
    return f"{day:%B} {day.day}, {day.year}"


def moment(iso: str | None) -> str:
    """A run's time from its ISO stamp, in the one date format and the machine's local time.

    >>> moment("2026-03-05T12:00:00+00:00").startswith("March 5, 2026 at ")
    True
    >>> moment(None), moment("not a time")
    ('', '')
    """
    try:
        local = _local(dt.datetime.fromisoformat(iso or ""))
    except (TypeError, ValueError):
        return ""
    return f"{date(local.date())} at {local:%H:%M}"


def _local(stamp: dt.datetime) -> dt.datetime:
    """``stamp`` in the machine's local time; a stamp without a zone is UTC, as the store keeps it."""
    if stamp.tzinfo is None:  # SQLite hands UTC back without a zone
        stamp = stamp.replace(tzinfo=dt.timezone.utc)
    return stamp.astimezone()


def when(stamp, now=None) -> str:
    """When something was saved, in the machine's local time: ``14:05`` today, else with the date.

    The date is written as :func:`date` writes it, so every page says dates one way.

    >>> import datetime as dt
    >>> noon = dt.datetime(2026, 3, 5, 12, 0, tzinfo=dt.timezone.utc).astimezone()
    >>> when(noon, now=noon) == noon.strftime("%H:%M")
    True
    >>> when(noon, now=noon + dt.timedelta(days=2)) == noon.strftime("%H:%M") + " on " + date(noon.date())
    True
    """
    if stamp is None:
        return ""
    local = _local(stamp)
    now = (now or dt.datetime.now(local.tzinfo)).astimezone(local.tzinfo)
    text = local.strftime("%H:%M")
    if local.date() != now.date():
        text += f" on {date(local.date())}"
    return text


# ------------------------------------------------------------------ table shapes the partials render
@dataclass(frozen=True)
class Line:
    """One row of a table: a label and its cells, or hidden; ``shades`` colour the cells of a heat table."""

    label: str
    cells: tuple = ()
    shown: bool = True
    note: str = ""
    shades: tuple = ()


@dataclass(frozen=True)
class Card:
    label: str
    value: str
    note: str


@dataclass(frozen=True)
class Table:
    caption: str
    heads: tuple
    lines: tuple
    hidden: str
    note: str = ""


#: What must never break across two lines: a date as :func:`date` writes it (or an ISO date), and a
#: wave's label or any other hyphenated word with a digit in it ("2026-spring", "wave-2").
UNBREAKABLE = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.? \d{1,2}, \d{4}\b"
    r"|\b(?=[\w-]*\d)\w+(?:-\w+)+\b"
)


def unbreakable_parts(text) -> list[tuple[str, bool]]:
    """``text`` cut into runs, each marked True where it must stay on one line (see :data:`UNBREAKABLE`);
    a template sets those runs in a no-wrap span, so a caption never breaks inside "2026-spring".

    >>> unbreakable_parts("From 2025-fall to 2026-spring, by May 4, 2026")
    [('From ', False), ('2025-fall', True), (' to ', False), ('2026-spring', True), (', by ', False), ('May 4, 2026', True)]
    """
    text, out, last = str(text), [], 0
    for m in UNBREAKABLE.finditer(text):
        if m.start() > last:
            out.append((text[last : m.start()], False))
        out.append((m.group(), True))
        last = m.end()
    if last < len(text) or not out:
        out.append((text[last:], False))
    return out
