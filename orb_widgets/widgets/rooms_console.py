"""Step 2, the coach's console for an event's room links: the event's set-up, each room live, follow-ups sent.

A thin view over :mod:`orb_widgets.webinar.roomlinks` and :mod:`orb_widgets.webinar.storage`,
shown as a tab of :class:`orb_widgets.widgets.breakout.WebinarSeries`:

* the event's title, date, minutes per prompt, prompts (from the framework's pack, editable),
  objectives, shared agreements, check-in questions and report-back questions, saved with a
  version check (a teammate's save in between is said, never overwritten);
* each room's state, read again on every tick of the page's live timer: how many people
  added their row, whether the takeaway is written, the last change, and its link;
* closing the event (its room links become read-only) and opening it again;
* per county, whether its follow-up was sent: by whom, when.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ipywidgets as w

from ..exceptions import OrbError
from ..format import when
from ..webinar import county_key, roomlinks, storage, views
from .controls import button, field, row, text_area, text_box
from .style import html, note, status, subheading

#: Where room links are opened when the settings name no address (``orb serve --form``'s port).
DEFAULT_BASE_URL = "http://127.0.0.1:8866"


@dataclass(frozen=True)
class RoomLine:
    name: str
    url: str
    people: int
    takeaway: bool
    last_change: str


def _lines(text: str) -> list[str]:
    return [line.strip() for line in str(text or "").splitlines() if line.strip()]


class RoomsConsole(w.VBox):
    """The coach's console for one event's room links (``ctx``: the page's :class:`CoachContext`)."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.event_id: str | None = None
        self._version = 0
        self.title = text_box("Title", "the event's title", size="long")
        self.date = field(w.DatePicker(description="Date", tooltip="The event's day"), "short")
        self.minutes = field(
            w.BoundedIntText(value=10, min=1, max=120, description="Minutes per prompt", tooltip="Per prompt"),
            "short",
        )
        self.prompts = text_area("Prompts, one a line", rows=4, help="The framework's prompts; change them if you like")
        self.note = text_area("Note for the facilitator", rows=2)
        self.objectives = text_area("Objectives, one a line", rows=3, help="What this event wants to reach")
        self.agreements = text_area("Shared agreements, one a line", rows=3)
        self.checkins = text_area("Check-in questions, one a line", rows=2, help="e.g. Questions so far?")
        self.counties = text_area(
            "Counties taking part, one a line",
            rows=3,
            help="Room pages offer them to pick from; their teams see the room links on their own page",
        )
        self.questions = text_area("Report-back questions for the next event, one a line", rows=3)
        self.save_button = button("Save the event", "Save the event's set-up", "primary", "save")
        self.save_button.on_click(lambda _: self.save())
        self.close_button = button("Close the room links", "Make the room links read-only", icon="lock")
        self.close_button.on_click(lambda _: self.toggle_closed())
        self.links_button = button("Make the room links", "Give each room without a link its own link", icon="link")
        self.links_button.on_click(lambda _: self.make_links())
        self.message = w.HTML()
        self.rooms_html = w.HTML()
        self.county = field(w.Dropdown(description="County", tooltip="The county whose follow-up you sent"), "long")
        self.sent_button = button(
            "Mark its follow-up sent", "Record that you sent this county's follow-up", icon="check"
        )
        self.sent_button.on_click(lambda _: self.mark_sent(self.county.value))
        self.sent_html = w.HTML()
        super().__init__(
            [
                subheading("Each room, live"),
                note("Post each room's link in its breakout room chat. This table reads the rooms again as they type."),
                self.rooms_html,
                row(self.links_button, self.close_button),
                subheading("The event"),
                row(self.title, self.date, self.minutes),
                self.prompts,
                self.note,
                self.objectives,
                self.agreements,
                self.checkins,
                self.counties,
                self.questions,
                row(self.save_button),
                self.message,
                subheading("Follow-ups sent"),
                row(self.county, self.sent_button),
                self.sent_html,
            ]
        )

    # -- reading
    def show(self, event_id: str | None) -> None:
        self.event_id = event_id
        self.message.value = ""
        if not event_id:
            self.rooms_html.value = self.sent_html.value = ""
            return
        doc = self.ctx.store.get_doc(storage.OWNER, "webinar_event", event_id)
        self._version = doc.version
        ev = storage.event(self.ctx.store, event_id)
        self.title.value, self.date.value, self.minutes.value = ev.title, ev.date, ev.minutes_per_prompt
        self.prompts.value = "\n".join(ev.prompts)
        self.note.value = ev.facilitator_note
        self.objectives.value = "\n".join(ev.objectives)
        self.agreements.value = "\n".join(ev.agreements)
        self.checkins.value = "\n".join(ev.checkins)
        self.counties.value = "\n".join(ev.counties)
        self.questions.value = "\n".join(ev.questions)
        self.refresh()

    def base_url(self) -> str:
        return self.ctx.settings.survey_url or self.ctx.store.get_meta("served_url") or DEFAULT_BASE_URL

    def refresh(self) -> None:
        """Read every room again: how many people, takeaway or not, last change; and the follow-ups sent."""
        if not self.event_id:
            return
        store = self.ctx.store
        ev = storage.event(store, self.event_id)
        base = self.base_url()
        lines = [
            RoomLine(
                s.name,
                roomlinks.room_url(base, s.token) if s.token else "",
                s.people,
                s.takeaway,
                when(s.last_change) if s.last_change else "",
            )
            for s in roomlinks.room_states(store, self.event_id)
        ]
        self.rooms_html.value = html("webinar_rooms_live.html.j2", rooms=lines, closed=ev.closed)
        self.links_button.layout.display = "flex" if any(not line.url for line in lines) else "none"
        self.close_button.description = "Open the room links again" if ev.closed else "Close the room links"
        series = storage.load_series(store)
        present = views.counties_in(series.get(self.event_id), series)
        sent = storage.followups_sent(store, self.event_id)
        if list(self.county.options) != present:
            self.county.options = present
        rows = []
        for c in present:
            record = sent.get(county_key(c))
            rows.append((c, record, when(record.sent_at) if record else ""))
        self.sent_html.value = html("webinar_followups_sent.html.j2", rows=rows)

    # -- changing
    def save(self) -> bool:
        """Save the event's set-up; a teammate's save since it was shown is said, and nothing is overwritten."""
        if not self.event_id:
            return False
        store = self.ctx.store
        ev = storage.event(store, self.event_id)
        update = {
            "title": self.title.value.strip() or ev.title,
            "date": self.date.value if isinstance(self.date.value, dt.date) else ev.date,
            "minutes_per_prompt": self.minutes.value,
            "prompts": _lines(self.prompts.value),
            "facilitator_note": self.note.value.strip(),
            "objectives": _lines(self.objectives.value),
            "agreements": _lines(self.agreements.value),
            "checkins": _lines(self.checkins.value),
            "counties": _lines(self.counties.value),
            "questions": _lines(self.questions.value),
        }
        try:
            saved = storage.save_event(
                store, self.event_id, ev.model_copy(update=update), self.ctx.user or "a coach", self._version
            )
        except OrbError as exc:
            self.message.value = status(f"Not saved: {exc}", "err")
            return False
        self._version = saved.version
        self.message.value = status("Saved. Room pages show the change when they are opened or reloaded.")
        return True

    def make_links(self) -> None:
        """A link for each room that has none (an event set up before room links, or a room added since)."""
        if self.event_id:
            roomlinks.open_links(self.ctx.store, self.event_id, self.ctx.user or "a coach")
            self.refresh()

    def toggle_closed(self) -> None:
        if not self.event_id:
            return
        ev = storage.event(self.ctx.store, self.event_id)
        roomlinks.close_event(self.ctx.store, self.event_id, self.ctx.user or "a coach", closed=not ev.closed)
        self._version = self.ctx.store.get_doc(storage.OWNER, "webinar_event", self.event_id).version
        self.message.value = status(
            "The room links are read-only now." if not ev.closed else "The room links take changes again."
        )
        self.refresh()

    def mark_sent(self, county: str | None) -> None:
        if not county or not self.event_id:
            return
        storage.mark_sent(self.ctx.store, self.event_id, county, self.ctx.user or "a coach")
        self.refresh()
