"""Key messages: how each version landed with each audience.

A team tries a message out with groups and rates how it landed on the
framework's feedback questions, from 1 (not at all) to 5 (very much). This
module checks a test before it is recorded, averages the ratings per version
and audience, and lays the tests out as a table and in words for a screen
reader. No widgets: the Key messages page, the packets and the command line
can all use it.

>>> m = {"title": "Why", "versions": [{"version": 1, "text": "We listen."}],
...      "tests": [{"version": 1, "audience": "line staff", "ratings": {"clear": 4, "fits": 5}},
...                {"version": 1, "audience": "line staff", "ratings": {"clear": 3}}]}
>>> ratings_frame(m)
     version    audience  rating
0  Version 1  line staff     4.5
1  Version 1  line staff     3.0
>>> ratings_alt(ratings_frame(m))
'Average rating of the message by version and audience: Version 1, line staff: 3.75'
"""

from __future__ import annotations

import pandas as pd
from pydantic import ValidationError

from .exceptions import InvalidValue
from .format import DASH, Line, Table, date, score
from .workbook import KeyMessage, MessageTest

#: The rating scale of a test, lowest to highest; 0 is "not asked" (left out of every average).
#: It is the key messages' own, whatever scale the county's survey uses.
LOW, HIGH = 1, 5
RATING_SCALE = HIGH
ANCHORS = {1: "not at all", 3: "somewhat", 5: "very much"}
SCALE_TEXT = f"{LOW} ({ANCHORS[LOW]}) to {HIGH} ({ANCHORS[HIGH]})"
RATING_CHOICES = [
    ("not asked", 0),
    ("1 · not at all", 1),
    ("2", 2),
    ("3 · somewhat", 3),
    ("4", 4),
    ("5 · very much", 5),
]


def _message(message):
    return message if isinstance(message, KeyMessage) else KeyMessage.model_validate(message)


def rating_of(test) -> float | None:
    """A test's rating: the mean of the questions it asked, or ``None`` when it asked none."""
    return sum(test.ratings.values()) / len(test.ratings) if test.ratings else None


def ratings_records(message) -> list[dict]:
    """One record per rated test: version label, audience, the test's average rating (1–5).

    >>> ratings_records({"title": "Why", "versions": [{"version": 1, "text": "We care."}],
    ...                  "tests": [{"version": 1, "audience": "Staff", "ratings": {"clear": 4, "works": 3}},
    ...                            {"version": 1, "audience": "Partners", "ratings": {}}]})
    [{'version': 'Version 1', 'audience': 'Staff', 'rating': 3.5}]
    >>> SCALE_TEXT
    '1 (not at all) to 5 (very much)'
    """
    return [
        {"version": f"Version {t.version}", "audience": t.audience, "rating": rating_of(t)}
        for t in _message(message).tests
        if t.ratings
    ]


def ratings_frame(message) -> pd.DataFrame:
    """The records of :func:`ratings_records` as a table, for the workbook's chart."""
    return pd.DataFrame(ratings_records(message), columns=["version", "audience", "rating"])


def ratings_alt(frame: pd.DataFrame) -> str:
    """The ratings chart in words: each version and audience with its average."""
    means = frame.groupby(["version", "audience"], as_index=False, sort=False)["rating"].mean()
    return "Average rating of the message by version and audience: " + "; ".join(
        f"{r.version}, {r.audience}: {score(r.rating)}" for r in means.itertuples()
    )


def check_test(test: dict, versions, questions) -> dict:
    """A test as recorded, or :class:`~orb_widgets.exceptions.InvalidValue` saying what to fix.

    ``versions`` are the message's version numbers, ``questions`` the ids of
    the framework's feedback questions.

    >>> check_test({"version": 2, "audience": "staff"}, [1], ["clear"])
    Traceback (most recent call last):
    ...
    orb_widgets.exceptions.InvalidValue: version 2 of this message does not exist
    """

    if test.get("version") not in set(versions):
        raise InvalidValue(f"version {test.get('version')!r} of this message does not exist")
    unknown = set(test.get("ratings", {})) - set(questions)
    if unknown:
        raise InvalidValue(f"'{sorted(unknown)[0]}' is not one of the feedback questions")
    if not str(test.get("audience", "")).strip():
        raise InvalidValue("say who the audience was")
    try:
        MessageTest.model_validate(test)
    except ValidationError as exc:
        raise InvalidValue(exc.errors()[0]["msg"].removeprefix("Value error, ")) from None
    except (ValueError, TypeError, KeyError) as exc:
        raise InvalidValue(str(exc)) from None
    return test


def tests_table(message, questions) -> Table:
    """Every test of a message as a table: version, date, audience, where, people, each rating, what was said.

    ``questions`` are the framework's feedback questions (``id``, ``label``).
    """
    m = _message(message)
    heads = ("Version", "Date", "Audience", "Where", "People", *(q.label for q in questions), "What people said")
    lines = tuple(
        Line(
            f"Version {t.version}",
            (
                date(t.date),
                t.audience,
                t.event,
                str(t.people),
                *(str(t.ratings.get(q.id, DASH)) for q in questions),
                t.feedback,
            ),
        )
        for t in m.tests
    )
    return Table(f"Tests so far (ratings from 1, not at all, to {RATING_SCALE}, very much)", heads, lines, "")
