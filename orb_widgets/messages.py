"""Key messages, as data: how audiences rated each version, on the rating scale every test uses.

A test of a key message rates a few questions (the pack's
``key_message_questions``) from 1 (not at all) to 5 (very much); a test's
rating is the mean of the questions it asked. This scale is the key
messages' own, whatever scale the county's survey uses.

>>> from orb_widgets.workbook import KeyMessage
>>> m = KeyMessage(title="Why", versions=[{"version": 1, "text": "We care."}],
...                tests=[{"version": 1, "audience": "Staff", "ratings": {"clear": 4, "works": 3}},
...                       {"version": 1, "audience": "Partners", "ratings": {}}])
>>> ratings_records(m)
[{'version': 'Version 1', 'audience': 'Staff', 'rating': 3.5}]
>>> SCALE_TEXT
'1 (not at all) to 5 (very much)'
"""
from __future__ import annotations

LOW, HIGH = 1, 5
ANCHORS = {1: "not at all", 3: "somewhat", 5: "very much"}
SCALE_TEXT = f"{LOW} ({ANCHORS[LOW]}) to {HIGH} ({ANCHORS[HIGH]})"


def rating_of(test) -> float | None:
    """A test's rating: the mean of the questions it asked, or ``None`` when it asked none."""
    return sum(test.ratings.values()) / len(test.ratings) if test.ratings else None


def ratings_records(message) -> list[dict]:
    """One record per rated test, for the comparison chart: version label, audience, rating.

    The same rows as ``widgets.messages.ratings_frame`` (the workbook's chart), as plain records.
    """
    return [{"version": f"Version {t.version}", "audience": t.audience, "rating": rating_of(t)}
            for t in message.tests if t.ratings]
