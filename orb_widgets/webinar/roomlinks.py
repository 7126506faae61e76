"""Room links: one unguessable link per breakout room, and saving what people type there.

No web server here (:mod:`orb_widgets.survey.rooms` puts it on the web): the
links, the page's view, and the saves.

* **A link opens one room of one event.** ``webinar_link`` entries of the
  series' owner are keyed by the link's token; a token names its event and
  room and nothing else, so a room page can reach no other room, event or
  survey.
* **Each field saves on its own**, on top of the room's latest version (read,
  change one field, write with the version read; another save in between means
  read again). A field two people changed from the same starting text keeps
  both texts, joined by :data:`MARKER` (:func:`merge_text`): nothing typed is
  overwritten without a trace.
* **A person's own row**: the browser that added it holds a cookie signed for
  the row's id (:meth:`RoomService.row_cookie`), and only that browser (or the
  coach's console) changes it.
* **A closed event** (:func:`close_event`) shows its rooms and takes no save.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from pydantic import Field

from .. import templating, workbook
from ..content import load_framework
from ..exceptions import InvalidValue, StaleEdit, UnknownCounty
from ..store import link_token
from ..workbook import Short, _Entry
from .models import Event, Person, Room
from .storage import OWNER, event, new_event, room_key, save_event
from .storage import events as storage_events

#: Between two texts typed into one field at the same time: both are kept.
MARKER = "[typed at the same time on another phone]"
#: The same for a one-line field (a name, a county).
SHORT_MARKER = " / "
#: Fields of a room anyone in it may type into (``notes.<k>`` per prompt too).
ROOM_FIELDS = ("facilitator", "reporter", "takeaway")
#: Fields of a person's row.
PERSON_FIELDS = ("name", "county", "role", "step1", "step2")
SHORT_FIELDS = {"facilitator", "reporter", "name", "county", "role"}

#: The room pages' templates (the room, its notices, the printable page of an event's links).
TEMPLATES = templating.TEMPLATES / "rooms"

#: Tests set this to a function called between reading a room and writing it back (``"room"``),
#: to make two saves race at that moment every run.
race_hook = None


class RoomLink(_Entry):
    """What a room link's token opens: one room (from 0) of one event."""

    event: Short
    room: int = Field(ge=0, le=59)


workbook.MODELS["webinar_link"] = RoomLink


# ------------------------------------------------------------------ events and links
def create_event(
    store,
    title: str,
    date: dt.date | None,
    framework: str,
    rooms: int,
    user: str,
    minutes: int = 10,
    objectives: list[str] | None = None,
    agreements: list[str] | None = None,
    checkins: list[str] | None = None,
    counties: list[str] | None = None,
) -> str:
    """A new event with the prompts and facilitator note of ``framework``'s pack, and a link per room."""
    if not 1 <= int(rooms) <= 60:
        raise InvalidValue(f"--rooms {rooms}: an event has 1 to 60 rooms")
    if not 1 <= int(minutes) <= 120:
        raise InvalidValue(f"--minutes {minutes}: give 1 to 120 minutes per prompt")
    pack = load_framework(framework)  # an unknown pack names the ones there are
    key = new_event(store, title, date, user, prompts=list(pack.breakout_prompts), minutes=minutes, rooms=rooms)
    ev = event(store, key)
    ev.framework, ev.facilitator_note = pack.id, pack.breakout_note
    ev.objectives, ev.agreements = list(objectives or []), list(agreements or [])
    ev.checkins, ev.counties = list(checkins or []), list(counties or [])
    save_event(store, key, ev, user)
    open_links(store, key, user)
    return key


def open_links(store, event_id: str, user: str) -> list[str]:
    """The event's link tokens in room order, making one for each room that has none yet."""
    ev = event(store, event_id)
    have = links(store, event_id)
    out = []
    for n in range(len(ev.rooms)):
        if n not in have:
            token = link_token(18)  # 144 random bits: a link is found only by being given it
            workbook.save(store, OWNER, "webinar_link", token, RoomLink(event=event_id, room=n), user, 0)
            have[n] = token
        out.append(have[n])
    return out


def links(store, event_id: str) -> dict[int, str]:
    """Room number (from 0) → token, for the rooms of ``event_id`` that have a link."""
    found = {}
    for token, link in _load_all(store, "webinar_link").items():
        if link.event == event_id:
            found.setdefault(link.room, token)
    return found


def find(store, token: str) -> RoomLink | None:
    """The room a token opens, or ``None``."""
    if not token:
        return None
    try:
        return workbook.load(store, OWNER, "webinar_link", token)
    except UnknownCounty:  # no series in this workspace yet
        return None


def _load_all(store, kind: str) -> dict:
    try:
        return workbook.load_all(store, OWNER, kind)
    except UnknownCounty:
        return {}


def close_event(store, event_id: str, user: str, closed: bool = True) -> None:
    """Close (or open again) an event: a closed event's room links are read-only."""
    ev = event(store, event_id)
    ev.closed = closed
    save_event(store, event_id, ev, user)


def room_url(base_url: str, token: str) -> str:
    """The address people open: ``https://webinar.example.gov/room/<token>``."""
    return f"{base_url.rstrip('/')}/room/{token}"


@functools.lru_cache(maxsize=1)
def _env():
    return templating.environment(TEMPLATES)


def render(template: str, **context) -> str:
    """A room page (``templates/rooms/<template>``), autoescaped."""
    return _env().get_template(template).render(**context)


def links_html(store, event_id: str, base_url: str) -> str:
    """A printable page of the event's room links: each room's address and a QR code to scan."""
    import segno
    from markupsafe import Markup

    ev = event(store, event_id)
    rooms = []
    for n, token in enumerate(open_links(store, event_id, "coach")):
        url = room_url(base_url, token)
        qr = segno.make(url, error="m").svg_inline(scale=5, dark="#0f3352", border=2)
        rooms.append({"name": ev.rooms[n], "url": url, "qr": Markup(qr)})
    return render("links.html.j2", ev=ev, rooms=rooms)


# ------------------------------------------------------------------ merging
def merge_text(base: str, current: str, mine: str, short: bool = False) -> tuple[str, bool]:
    """What a field holds after a save: ``(text, merged)``.

    ``base`` is what the saver's page showed, ``current`` what is stored now,
    ``mine`` what they typed. When someone else changed the field from the
    same ``base``, both texts are kept with a visible marker between them.

    >>> merge_text("", "", "Ana")
    ('Ana', False)
    >>> merge_text("", "Ben", "Ana", short=True)
    ('Ben / Ana', True)
    >>> merge_text("a", "a plus theirs", "a plus mine")[0].splitlines()
    ['a plus theirs', '', '[typed at the same time on another phone]', 'a plus mine']
    >>> merge_text("a", "a plus theirs", "a")  # I changed nothing: theirs stays
    ('a plus theirs', False)
    """
    if mine == current or current == base or current in ("", None):
        return mine, False
    if mine == base or mine in current:
        return current, False
    if mine.startswith(current):  # typed on from the text stored now: nothing of it is dropped
        return mine, False
    if short:
        return f"{current}{SHORT_MARKER}{mine}", True
    return f"{current}\n\n{MARKER}\n{mine}", True


# ------------------------------------------------------------------ the page's view
@dataclass
class Prompt:
    number: int
    text: str
    field: str
    notes: str


@dataclass
class PersonRow:
    id: str
    name: str
    county: str
    role: str
    steps: list[str]
    mine: bool = False


@dataclass
class RoomView:
    """Everything a room page shows."""

    token: str
    event_id: str
    event: Event
    room: Room
    number: int
    version: int
    prompts: list[Prompt]
    people: list[PersonRow]
    counties: list[str]
    mine: PersonRow | None = None
    updated_at: dt.datetime | None = None
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class Saved:
    """The result of one save: what the field holds now, the room's version, whether two texts were joined."""

    text: str
    version: int
    merged: bool
    row: str = ""  # the row's id, for a person's row


class RoomService:
    """Room links of one workspace: reading a room by its token, saving a field or a person's row."""

    def __init__(self, store):
        self.store = store
        self._secret = self._row_secret()

    def _row_secret(self) -> bytes:
        key = "room_row_secret"
        value = self.store.get_meta(key)
        if not value:
            self.store.set_meta(key, secrets.token_urlsafe(32))
            value = self.store.get_meta(key)
        return value.encode()

    # -- a person's row cookie
    def row_cookie(self, token: str, row_id: str) -> str:
        return f"{row_id}.{self._sign(token, row_id)}"

    def cookie_row(self, token: str, value: str | None) -> str:
        """The row id a cookie proves its browser added in this room, else ``""``."""
        row_id, _, mac = (value or "").partition(".")
        if not row_id or len(row_id) > 40 or not hmac.compare_digest(mac, self._sign(token, row_id)):
            return ""
        return row_id

    def _sign(self, token: str, row_id: str) -> str:
        digest = hmac.new(self._secret, f"row:{token}:{row_id}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:18]).decode()

    # -- reading
    def link(self, token: str) -> RoomLink | None:
        return find(self.store, token)

    def view(self, token: str, link: RoomLink, mine: str = "") -> RoomView:
        ev = event(self.store, link.event)
        doc = self.store.get_doc(OWNER, "webinar_room", room_key(link.event, link.room))
        name = ev.rooms[link.room] if link.room < len(ev.rooms) else f"Room {link.room + 1}"
        room = Room.model_validate(doc.body) if doc else Room(event=link.event, name=name)
        notes = {int(k): v for k, v in room.notes.items()}
        prompts = [Prompt(k + 1, text, f"notes.{k}", notes.get(k, "")) for k, text in enumerate(ev.prompts)]
        people = [
            PersonRow(p.id, p.name, p.county, p.role, list(p.steps), mine=bool(mine) and p.id == mine)
            for p in room.people
        ]
        fields = {f: getattr(room, f) for f in ROOM_FIELDS} | {p.field: p.notes for p in prompts}
        return RoomView(
            token=token,
            event_id=link.event,
            event=ev,
            room=room,
            number=link.room + 1,
            version=doc.version if doc else 0,
            prompts=prompts,
            people=people,
            counties=list(ev.counties) or [c.name for c in self.store.counties()],
            mine=next((p for p in people if p.mine), None),
            updated_at=doc.updated_at if doc else None,
            fields=fields,
        )

    # -- saving
    def save_field(self, link: RoomLink, name: str, text: str, base: str, user: str = "room link") -> Saved:
        """Save one field of the room on top of whatever is stored now (see :func:`merge_text`)."""
        ev = self._open_event(link)
        if name not in ROOM_FIELDS and not _is_note(name, len(ev.prompts)):
            raise InvalidValue(f"field '{name}': this room has no such field")
        short = name in SHORT_FIELDS
        text = _clean(text, short)
        base = _clean(base, short)

        def change(body: dict) -> tuple[str, bool]:
            if name.startswith("notes."):
                notes = body.setdefault("notes", {})
                new, merged = merge_text(base, notes.get(name[6:], ""), text)
                if new.strip():
                    notes[name[6:]] = new
                else:
                    notes.pop(name[6:], None)
            else:
                new, merged = merge_text(base, body.get(name, ""), text, short)
                body[name] = new
            return new, merged

        return self._update(link, ev, change, user)

    def save_person(
        self,
        link: RoomLink,
        row_id: str,
        values: dict[str, str],
        bases: dict[str, str] | None = None,
        user: str = "room link",
    ) -> Saved:
        """Add a person's row (``row_id`` empty) or change the row ``row_id``; returns it with its id."""
        ev = self._open_event(link)
        bases = bases or {}
        clean = {k: _clean(values.get(k, ""), k in SHORT_FIELDS) for k in PERSON_FIELDS}
        if not clean["county"]:
            raise InvalidValue("county: say which county you take your next steps back to")
        new_id = row_id or secrets.token_urlsafe(9)
        merged_any = False

        def change(body: dict) -> tuple[str, bool]:
            nonlocal merged_any
            people = body.setdefault("people", [])
            row = next((p for p in people if p.get("id") == new_id), None)
            if row is None:
                row = {"id": new_id, "name": "", "county": "", "role": "", "steps": []}
                people.append(row)
                current_bases: dict[str, str] = {}
            else:
                current_bases = bases
            steps = list(row.get("steps", [])) + ["", ""]
            now = {"name": row.get("name", ""), "county": row.get("county", ""), "role": row.get("role", "")}
            now |= {"step1": steps[0], "step2": steps[1]}
            out = {}
            for k in PERSON_FIELDS:
                b = _clean(current_bases.get(k, now[k]), k in SHORT_FIELDS)
                out[k], merged = merge_text(b, now[k], clean[k], k in SHORT_FIELDS)
                merged_any |= merged
            row.update(name=out["name"], county=out["county"], role=out["role"])
            row["steps"] = [s for s in (out["step1"], out["step2"]) if s.strip()]
            return new_id, merged_any

        saved = self._update(link, ev, change, user)
        saved.row = new_id
        return saved

    def _open_event(self, link: RoomLink) -> Event:
        ev = event(self.store, link.event)
        if ev.closed:
            raise ClosedEvent("this event is closed: its room pages can be read but take no more changes")
        return ev

    def _update(self, link: RoomLink, ev: Event, change, user: str) -> Saved:
        key = room_key(link.event, link.room)
        for _attempt in range(50):
            doc = self.store.get_doc(OWNER, "webinar_room", key)
            name = ev.rooms[link.room] if link.room < len(ev.rooms) else f"Room {link.room + 1}"
            body = dict(doc.body) if doc else Room(event=link.event, name=name).model_dump(mode="json")
            body = {**body, "notes": dict(body.get("notes", {})), "people": [dict(p) for p in body.get("people", [])]}
            text, merged = change(body)
            if race_hook is not None:
                race_hook("room")
            try:
                saved = workbook.save(
                    self.store, OWNER, "webinar_room", key, body, user, expected_version=doc.version if doc else 0
                )
            except StaleEdit:
                continue  # someone saved this room in between: change their version instead
            return Saved(text, saved.version, merged)
        raise StaleEdit("this room is being saved by many people right now; press Save again")


class ClosedEvent(InvalidValue):
    """A save on a room of a closed event."""


def _is_note(name: str, prompts: int) -> bool:
    head, _, k = name.partition(".")
    return head == "notes" and k.isdigit() and int(k) < prompts and str(int(k)) == k


def _clean(text, short: bool) -> str:
    text = str(text or "").replace("\r\n", "\n").replace("\r", "\n")
    return " ".join(text.split()) if short else text


# ------------------------------------------------------------------ a county's view of the links
@dataclass
class EventLinks:
    event_id: str
    title: str
    date: dt.date | None
    rooms: list[tuple[str, str]]  # (room name, link)


def county_links(store, county: str, base_url: str) -> list[EventLinks]:
    """The room links of the open events ``county`` takes part in: invited to, or with its people in a room."""
    from .models import county_key

    key = county_key(county)
    out = []
    for eid, ev in storage_events(store).items():
        if ev.closed:
            continue
        invited = key in {county_key(c) for c in ev.counties}
        if not invited:
            rooms = [workbook.load(store, OWNER, "webinar_room", room_key(eid, n)) for n in range(len(ev.rooms))]
            invited = any(county_key(p.county) == key for r in rooms if r for p in r.people)
        if invited:
            tokens = links(store, eid)
            out.append(
                EventLinks(
                    eid,
                    ev.title,
                    ev.date,
                    [(name, room_url(base_url, tokens[n])) for n, name in enumerate(ev.rooms) if n in tokens],
                )
            )
    return out


# ------------------------------------------------------------------ the coach's view of the rooms
@dataclass
class RoomState:
    number: int
    name: str
    token: str
    people: int
    takeaway: bool
    last_change: dt.datetime | None


def room_states(store, event_id: str) -> list[RoomState]:
    """Each room of the event: how many people added a row, whether it wrote its takeaway, its last change."""
    ev = event(store, event_id)
    tokens = links(store, event_id)
    out = []
    for n, name in enumerate(ev.rooms):
        doc = store.get_doc(OWNER, "webinar_room", room_key(event_id, n))
        room = Room.model_validate(doc.body) if doc else Room(event=event_id, name=name)
        out.append(
            RoomState(
                number=n + 1,
                name=room.name,
                token=tokens.get(n, ""),
                people=len(room.people),
                takeaway=bool(room.takeaway.strip()),
                last_change=doc.updated_at if doc else None,
            )
        )
    return out


__all__ = [
    "MARKER",
    "ClosedEvent",
    "Person",
    "RoomLink",
    "RoomService",
    "RoomState",
    "RoomView",
    "Saved",
    "close_event",
    "create_event",
    "find",
    "links",
    "merge_text",
    "open_links",
    "room_states",
    "room_url",
]
