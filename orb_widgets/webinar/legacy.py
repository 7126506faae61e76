"""Breakout sessions a county recorded itself in older versions, moved into the coach's series.

Before the coach's series, a county could keep its own breakout sessions as
workbook entries of kind ``breakout`` (rooms, each with its facilitator,
reporter, notes, takeaway and people's next steps, but no county per person).
Nothing reads that kind any more, so an older workspace opens and builds its
packets as before, without them. ``orb init --upgrade`` moves each one into
the series (:func:`move_breakouts`): one event per session, its people of the
county that recorded it, so its next steps and room takeaways show in that
county's packet and follow-up, and nowhere else. The old entry is then marked
moved (its history keeps what it held), so a second upgrade moves nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, ValidationError

from ..content import load_framework
from ..exceptions import OrbError, StaleEdit
from .models import Event, Person, Room
from .storage import event, new_event, save_event, save_room

#: The entry kind older versions saved a county's own breakout sessions under.
KIND = "breakout"
USER = "orb init --upgrade"


class _OldModel(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _OldNextSteps(_OldModel):
    person: str = ""
    steps: list[str] = []


class _OldRoom(_OldModel):
    name: str = ""
    facilitator: str = ""
    reporter: str = ""
    notes: dict[int, str] = {}
    next_steps: list[_OldNextSteps] = []
    takeaway: str = ""


class _OldSession(_OldModel):
    title: str = ""
    date: dt.date | None = None
    minutes_per_prompt: int = 10
    rooms: list[_OldRoom] = []


@dataclass
class Moved:
    """What :func:`move_breakouts` did: the events it made, and the entries it could not read."""

    events: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # "<county>: <key>"


def _waiting(store):
    for county in store.counties():
        for doc in store.list_docs(county.name, KIND):
            if not doc.body.get("_deleted"):
                yield county, doc


def waiting(store) -> int:
    """How many breakout sessions of older versions have not been moved into the series yet."""
    return sum(1 for _ in _waiting(store))


def _as_rooms(old: _OldSession, county: str) -> list[Room]:
    """The session's rooms as the series keeps them, every person of ``county`` (checked before anything is saved)."""
    rooms = []
    for n, r in enumerate(old.rooms):
        people = [
            Person(
                name=ns.person.strip() or f"Someone from {county}",
                county=county,
                steps=[s for s in ns.steps if s.strip()][:2],
            )
            for ns in r.next_steps
        ]
        if not people:  # the room still belongs to the county that recorded it
            people = [
                Person(name=r.reporter.strip() or r.facilitator.strip() or f"Someone from {county}", county=county)
            ]
        rooms.append(
            Room(
                event="",
                name=r.name.strip() or f"Room {n + 1}",
                facilitator=r.facilitator,
                reporter=r.reporter,
                notes=r.notes,
                people=people,
                takeaway=r.takeaway,
            )
        )
    return rooms


def move_breakouts(store, user: str = USER) -> Moved:
    """Move every county's older breakout sessions into the coach's series; safe to run again.

    Each session becomes an event titled "<title> (<county>)" on its date,
    with the county's framework's prompts. The old entry is marked moved
    first, with its version checked, so two upgrades running at once move it
    once. An entry that cannot be read is left as it is and named.
    """
    out = Moved()
    for county, doc in list(_waiting(store)):
        try:
            old = _OldSession.model_validate(doc.body)
            rooms = _as_rooms(old, county.name)
            title = (f"{old.title.strip() or 'Breakout session'}"[:180] + f" ({county.name})")[:200]
            Event(title=title, date=old.date, minutes_per_prompt=old.minutes_per_prompt)
        except ValidationError:
            out.unreadable.append(f"{county.name}: {doc.key}")
            continue
        try:
            prompts = load_framework(county.framework).breakout_prompts if county.framework else []
        except OrbError:
            prompts = []
        try:
            store.put_doc(
                county.name,
                KIND,
                doc.key,
                {"_deleted": True, "moved_to_webinar": True},
                user,
                expected_version=doc.version,
            )
        except StaleEdit:
            continue  # another upgrade is moving this one
        event_id = new_event(
            store, title, old.date, user, prompts=prompts, minutes=old.minutes_per_prompt, rooms=len(rooms)
        )
        ev = event(store, event_id).model_copy(update={"rooms": [r.name for r in rooms]})
        save_event(store, event_id, ev, user, expected_version=1)
        for n, room in enumerate(rooms):
            save_room(store, event_id, n, room.model_copy(update={"event": event_id}), user, expected_version=0)
        out.events.append(event_id)
    return out
