"""Saving and reading the coach's series through the store's workbook entries.

The store keeps entries per county and has no scope for the coach's own
work, so the series is kept under one reserved internal owner, :data:`OWNER`
(made on the first save). Every save goes through :func:`workbook.save`
with ``expected_version``: the version check is in the store's ``UPDATE``,
so two people saving the same room at once get :class:`StaleEdit` (the page
merges), never a silent overwrite; different rooms are different entries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .. import workbook
from ..exceptions import InvalidValue, StaleEdit, UnknownCounty
from ..paths import slugify
from .models import Event, FollowUpSent, ReportBack, Room, county_key

#: The internal owner of the coach's series: not a county, so ``Store.counties()`` leaves it out.
OWNER = "Coach webinar series (internal)"


def is_internal(county_name: str) -> bool:
    return county_key(county_name) == county_key(OWNER)


def _owner(store, create: bool) -> str | None:
    if create:
        return store.add_county(OWNER, internal=True).name
    try:
        return store.county(OWNER).name
    except UnknownCounty:
        return None


def room_key(event_id: str, n: int) -> str:
    return f"{event_id}/room-{int(n) + 1}"


def reportback_key(event_id: str, county: str) -> str:
    return f"{event_id}/{county_key(county)}"[:200]


# ------------------------------------------------------------------ events
def events(store) -> dict[str, Event]:
    """Every event of the series by id, oldest first."""
    owner = _owner(store, create=False)
    if owner is None:
        return {}
    found = workbook.load_all(store, owner, "webinar_event")
    return dict(sorted(found.items(), key=lambda kv: (kv[1].date or dt.date.max, kv[0])))


def event(store, event_id: str) -> Event:
    """One event; an unknown id names the ones there are."""
    known = events(store)
    if event_id not in known:
        listed = ", ".join(known) or "none yet"
        raise InvalidValue(f"no webinar event '{event_id}' (events: {listed}); 'orb webinar list' shows them")
    return known[event_id]


def new_event(
    store,
    title: str,
    date: dt.date | None,
    user: str,
    prompts: list[str] | None = None,
    minutes: int = 10,
    rooms: int = 3,
    questions: list[str] | None = None,
) -> str:
    """Save a new event with ``rooms`` empty rooms; returns its id (``2025-09-18-readiness-webinar``)."""
    owner = _owner(store, create=True)
    title = (title or "").strip() or "Webinar"
    stem = f"{date.isoformat() + '-' if date else ''}{slugify(title, 40)}"
    taken = set(workbook.load_all(store, owner, "webinar_event"))
    key, n = stem, 1
    while key in taken:
        n += 1
        key = f"{stem}-{n}"
    body = Event(
        title=title,
        date=date,
        prompts=list(prompts or []),
        minutes_per_prompt=minutes,
        rooms=[f"Room {k}" for k in range(1, rooms + 1)],
        **({"questions": questions} if questions is not None else {}),
    )
    workbook.save(store, owner, "webinar_event", key, body, user, expected_version=0)
    return key


def save_event(store, event_id: str, body, user: str, expected_version: int | None = None):
    return workbook.save(store, _owner(store, create=True), "webinar_event", event_id, body, user, expected_version)


def add_room(store, event_id: str, user: str) -> int:
    """Add a room to an event (retrying if the coach's other tab saved the event meanwhile); its index."""
    owner = _owner(store, create=True)
    for _ in range(10):
        doc = store.get_doc(owner, "webinar_event", event_id)
        ev = Event.model_validate(doc.body)
        ev.rooms.append(f"Room {len(ev.rooms) + 1}")
        try:
            workbook.save(store, owner, "webinar_event", event_id, ev, user, expected_version=doc.version)
            return len(ev.rooms) - 1
        except StaleEdit:
            continue
    raise StaleEdit("the event is being changed by several people right now; try again")


# ------------------------------------------------------------------ rooms and report-backs
def save_room(store, event_id: str, n: int, body, user: str, expected_version: int | None = None):
    """Save room ``n`` (from 0) of an event; with ``expected_version`` a teammate's save in between is refused."""
    return workbook.save(
        store, _owner(store, create=True), "webinar_room", room_key(event_id, n), body, user, expected_version
    )


def rooms(store, event_id: str, ev: Event | None = None) -> list[Room]:
    """The event's rooms in order; a room nobody has written in yet is empty."""
    ev = ev or event(store, event_id)
    owner = _owner(store, create=False)
    out = []
    for n, name in enumerate(ev.rooms):
        saved = workbook.load(store, owner, "webinar_room", room_key(event_id, n)) if owner else None
        out.append(saved or Room(event=event_id, name=name))
    return out


def save_reportback(store, event_id: str, body, user: str, expected_version: int | None = None):
    rb = ReportBack.model_validate(body if isinstance(body, dict) else body.model_dump(mode="json"))
    return workbook.save(
        store,
        _owner(store, create=True),
        "webinar_reportback",
        reportback_key(event_id, rb.county),
        rb,
        user,
        expected_version,
    )


def reportbacks(store, event_id: str) -> dict[str, ReportBack]:
    """Report-backs given at an event, by county key."""
    return _by_county(store, event_id, "webinar_reportback")


def _by_county(store, event_id: str, kind: str) -> dict:
    """An event's saved ``kind`` (one per county, kept under :func:`reportback_key`), by county key."""
    owner = _owner(store, create=False)
    if owner is None:
        return {}
    return {
        county_key(doc.county): doc
        for key, doc in workbook.load_all(store, owner, kind).items()
        if key.startswith(f"{event_id}/") and doc.event == event_id
    }


# ------------------------------------------------------------------ follow-ups sent
def mark_sent(store, event_id: str, county: str, user: str, sent: bool = True) -> FollowUpSent | None:
    """Record that ``county``'s follow-up after the event was sent (by ``user``, now); ``sent=False`` undoes it."""
    event(store, event_id)
    key = reportback_key(event_id, county)
    owner = _owner(store, create=True)
    if not sent:
        store.delete_doc(owner, "webinar_followup_sent", key, user)
        return None
    body = FollowUpSent(
        event=event_id, county=county, sent_by=user or "a coach", sent_at=dt.datetime.now(dt.timezone.utc)
    )
    workbook.save(store, owner, "webinar_followup_sent", key, body, user)
    return body


def followups_sent(store, event_id: str) -> dict[str, FollowUpSent]:
    """The follow-ups of an event marked sent, by county key."""
    return _by_county(store, event_id, "webinar_followup_sent")


# ------------------------------------------------------------------ the whole series at once
@dataclass
class EventRecord:
    id: str
    event: Event
    rooms: list[Room]
    reportbacks: dict[str, ReportBack] = field(default_factory=dict)


@dataclass
class Series:
    """Everything of the series, read once; the views in :mod:`.views` are pure functions of it."""

    events: list[EventRecord]
    counties: list[str] = field(default_factory=list)  # the workspace's counties, for matching names

    def get(self, event_id: str) -> EventRecord:
        for rec in self.events:
            if rec.id == event_id:
                return rec
        listed = ", ".join(r.id for r in self.events) or "none yet"
        raise InvalidValue(f"no webinar event '{event_id}' (events: {listed}); 'orb webinar list' shows them")

    def previous(self, event_id: str) -> EventRecord | None:
        ids = [r.id for r in self.events]
        k = ids.index(self.get(event_id).id)
        return self.events[k - 1] if k > 0 else None


def load_series(store) -> Series:
    known = events(store)
    recs = [EventRecord(eid, ev, rooms(store, eid, ev), reportbacks(store, eid)) for eid, ev in known.items()]
    return Series(recs, [c.name for c in store.counties()])
