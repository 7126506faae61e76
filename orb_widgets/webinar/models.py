"""The coach's webinar series, as validated models.

A series belongs to the coach, not to a county: its events, rooms and
report-backs are saved as workbook entries of an internal owner (see
:mod:`.storage`). Each room is its own entry, so reporters typing into
different rooms of the same event never write over each other.

==================  ==============================  =====================
kind                key                             model
==================  ==============================  =====================
webinar_event       event id                        :class:`Event`
webinar_room        ``<event id>/room-<n>``         :class:`Room`
webinar_reportback  ``<event id>/<county key>``     :class:`ReportBack`
webinar_followup_   ``<event id>/<county key>``     :class:`FollowUpSent`
sent
webinar_link        a room link's token             :class:`.roomlinks.RoomLink`
==================  ==============================  =====================
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from .. import workbook
from ..workbook import Short, Text, _Entry

#: What each county is asked when it reports back at the next event.
REPORT_BACK_QUESTIONS = [
    "What ORB planning or assessment activities did your team take on since the last webinar?",
    "What did you learn?",
    "What is your next step, and why?",
]


def county_key(name: str) -> str:
    """The identity of a county name as people type it: spaces and capitals do not matter.

    >>> county_key("  Bayside   COUNTY ")
    'bayside county'
    """
    return " ".join(str(name or "").split()).casefold()


class Person(_Entry):
    """Someone in a room: their county (a workspace county or one typed in), role and next steps.

    ``id`` names a row added from a room link: the browser that added it keeps a
    cookie signed for that id (:mod:`.rooms`), so its person can edit it later.
    """

    name: Short
    county: Short
    role: Short = ""
    steps: list[Text] = Field(default_factory=list, max_length=2)
    id: Short = ""


class Room(_Entry):
    event: Short
    name: Short
    facilitator: Short = ""
    reporter: Short = ""
    notes: dict[int, Text] = Field(default_factory=dict)
    people: list[Person] = Field(default_factory=list, max_length=60)
    takeaway: Text = ""


class Event(_Entry):
    title: Short
    date: dt.date | None = None
    prompts: list[Text] = Field(default_factory=list, max_length=12)
    minutes_per_prompt: int = Field(10, ge=1, le=120)
    rooms: list[Short] = Field(default_factory=list, max_length=60)
    #: asked of each county at the next event (the follow-up lists them)
    questions: list[Text] = Field(default_factory=lambda: list(REPORT_BACK_QUESTIONS), max_length=10)
    #: the content pack whose prompts and facilitator note the event uses
    framework: Short = "cpm-orb"
    facilitator_note: Text = ""
    objectives: list[Text] = Field(default_factory=list, max_length=12)
    agreements: list[Text] = Field(default_factory=list, max_length=12)
    #: asked of everyone during the event ("Questions so far?", "Did we reach today's goals?")
    checkins: list[Text] = Field(default_factory=list, max_length=12)
    #: the counties invited: a room page offers them to pick from, and their teams see the room links
    counties: list[Short] = Field(default_factory=list, max_length=100)
    #: a closed event's room links show what was written and take no more
    closed: bool = False


class ReportBack(_Entry):
    """One county's answers at the start of an event, about what it committed to at the one before."""

    event: Short
    county: Short
    activities: Text = ""
    done: list[Text] = Field(default_factory=list, max_length=60)  # earlier commitments reported done
    learned: Text = ""
    next_step: Text = ""
    why: Text = ""
    reported_by: Short = ""


class FollowUpSent(_Entry):
    """The coach's record that a county's follow-up after an event was sent: by whom, when."""

    event: Short
    county: Short
    sent_by: Short
    sent_at: dt.datetime


MODELS = {
    "webinar_event": Event,
    "webinar_room": Room,
    "webinar_reportback": ReportBack,
    "webinar_followup_sent": FollowUpSent,
}
# The workbook's entry registry: webinar entries are validated and merged like any other.
workbook.MODELS.update(MODELS)
