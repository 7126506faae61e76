"""A key message as the packet shows it: its versions, where it was tested, and its ratings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..format import date, short
from ..keymessages import SCALE_TEXT, rating_of, ratings_records


@dataclass(frozen=True)
class MessageTestLine:
    version: str
    audience: str
    where: str
    when: str
    people: str
    rating: str
    feedback: str


@dataclass(frozen=True)
class KeyMessageView:
    """One key message: every version's wording (so the comparison can be read), its tests, their ratings.

    ``records`` feed the comparison chart (:func:`orb_widgets.plots.key_message_ratings`).
    """

    title: str
    versions: tuple  # (label, text) pairs, oldest first
    tests: tuple  # MessageTestLine
    records: tuple
    scale: str
    chart_title: str


def key_message_view(message) -> KeyMessageView:
    """A key message as the packet shows it; ratings on the key messages' own 1–5 scale."""
    versions = tuple((f"Version {v.version}", v.text) for v in sorted(message.versions, key=lambda v: v.version))
    tests = tuple(
        MessageTestLine(
            f"Version {t.version}", t.audience, t.event, date(t.date), str(t.people), short(rating_of(t)), t.feedback
        )
        for t in sorted(message.tests, key=lambda t: (t.version, t.date or dt.date.min))
    )
    return KeyMessageView(
        message.title,
        versions,
        tests,
        tuple(ratings_records(message)),
        SCALE_TEXT,
        f"Average rating by version and audience\non a scale of {SCALE_TEXT}",
    )
