"""Step 2, for coaches: the webinar series — rooms that mix counties, the check-in, follow-ups.

A thin view over :mod:`orb_widgets.webinar`. The series belongs to the
coach, not to the county a page is opened on: every room is its own saved
entry (autosaved with a version check, so reporters typing in different
rooms at once lose nothing and two in the same room are merged), the
compiled SO WHAT? view re-reads the rooms while they write, and each
person's next steps go to *their* county. On a server locked to one
county, the page shows that county's own follow-ups only.
"""

from __future__ import annotations

import datetime as dt

import ipywidgets as w
from markupsafe import Markup

from .. import webinar
from ..content import framework_words
from ..exceptions import OrbError
from ..render import render
from ..settings import Settings
from ..store import Store
from ..views import date
from ..webinar import roomlinks, storage, views
from .context import page_app, remembered_name
from .controls import NAME_MAX, button, field, row, text_area, text_box
from .editor import EntryEditor
from .rooms_console import DEFAULT_BASE_URL, RoomsConsole
from .style import download, html, note, refused, section_header, status, style, styled, subheading

MAX_PEOPLE = 60
LIVE_CSS = ""  # the shared-screen look is part of the style sheet now: style(live=True)
#: Seconds between re-reads of the rooms for the coach's compiled view while a webinar runs.
REFRESH_SECONDS = 5


class CoachContext(w.VBox):
    """The coach's side of the workspace: the series' store and who is typing (no county of its own)."""

    def __init__(self, store: Store, user: str | None = None, settings: Settings | None = None):
        self._settings = settings or Settings()
        self._store = store
        name = user if user is not None else remembered_name(self._settings)
        self.name_box = field(
            w.Text(
                value=name[:NAME_MAX],
                description="Your name",
                placeholder="so the other coaches see who changed what",
                tooltip="Your name is saved with every change you make",
            ),
            "medium",
        )
        top = styled("widget_coach.html.j2", live=True, demo=store.get_meta("demo") or "")
        super().__init__([top, self.name_box])

    store = property(lambda self: self._store)
    settings = property(lambda self: self._settings)
    county = property(lambda self: storage.OWNER)  # where the series' entries are kept

    @property
    def user(self) -> str:
        return self.name_box.value.strip()[:NAME_MAX]

    def counties(self) -> list[str]:
        return [c.name for c in self._store.counties()]


# ------------------------------------------------------------------ the timer
class PromptTimer(w.VBox):
    """A countdown for one prompt, driven by the browser's Play control (no kernel thread).

    The kernel only turns the elapsed seconds into "7:32 left"; tests set
    ``play.value`` instead of waiting.
    """

    def __init__(self, minutes: int = 10):
        self.play = w.Play(
            value=0,
            min=0,
            max=minutes * 60,
            step=1,
            interval=1000,
            show_repeat=False,
            description="Timer",
            tooltip="Start, pause or stop the timer for this prompt",
        )
        self.left = w.HTML()
        self.play.observe(self._tick, "value")
        super().__init__(
            [w.HBox([w.Label("Prompt timer:"), self.play, self.left], layout=w.Layout(align_items="center"))]
        )
        self._tick()

    def set_minutes(self, minutes: int) -> None:
        self.play.max = max(1, int(minutes)) * 60
        self._tick()

    def reset(self) -> None:
        self.play.playing = False
        self.play.value = 0
        self._tick()

    @property
    def seconds_left(self) -> int:
        return max(0, self.play.max - self.play.value)

    def _tick(self, _=None) -> None:
        self.left.value = html("breakout_timer.html.j2", left=self.seconds_left)


# ------------------------------------------------------------------ one room
class PersonRow(w.HBox):
    def __init__(self, n: int, counties: list[str]):
        self.person = text_box(f"Person {n}", "name", size="medium")
        self.county = field(
            w.Combobox(
                options=counties,
                description="County",
                placeholder="pick or type",
                tooltip="The county this person takes their next steps back to",
                ensure_option=False,
            ),
            "medium",
        )
        self.role = text_box("Role", "e.g. supervisor", size="medium")
        # wide enough that both next steps share the row's second line on a laptop, under the person
        self.step1 = text_box("Next step 1", "what they will do back home", size="long")
        self.step2 = text_box("Next step 2", "(optional)", size="long")
        self.row_id = ""  # a row added from a room link keeps its id, so its person can still edit it
        super().__init__(
            [self.person, self.county, self.role, self.step1, self.step2],
            layout=w.Layout(border_bottom="1px solid #e3e8ee", padding="2px 0"),
        )
        self.add_class("orb-row")

    def controls(self):
        return (self.person, self.county, self.role, self.step1, self.step2)

    def body(self) -> dict | None:
        steps = [s.value for s in (self.step1, self.step2) if s.value.strip()]
        # a row is kept as soon as anything is typed in it (a county alone too): nothing typed is lost
        if not steps and not any(x.value.strip() for x in (self.person, self.county, self.role)):
            return None
        return {
            "name": self.person.value.strip() or "(no name)",
            "county": self.county.value.strip() or "(no county)",
            "role": self.role.value,
            "steps": steps,
            **({"id": self.row_id} if self.row_id else {}),
        }


class RoomEditor(EntryEditor):
    """One breakout room, one screen: who runs it, the prompts with the timer, notes, people, takeaway."""

    kind = "webinar_room"

    def __init__(self, ctx: CoachContext, event_id: str, n: int, ev: webinar.Event, **kw):
        self.event_id, self.n, self.ev = event_id, n, ev
        self.prompts = list(ev.prompts)
        self._counties = ctx.counties()
        self.name = text_box("Room name", "e.g. Room 1", size="medium")
        self.facilitator = text_box("Facilitator", "who leads the talk", size="medium")
        self.reporter = text_box("Reporter", "who reports back", size="medium")
        self.current = 0
        self.prompt_head = w.HTML()
        self.prev_button = button("Previous prompt", icon="arrow-left")
        self.next_button = button("Next prompt", icon="arrow-right")
        self.prev_button.on_click(lambda _: self.show_prompt(self.current - 1))
        self.next_button.on_click(lambda _: self.show_prompt(self.current + 1))
        self.timer = PromptTimer(ev.minutes_per_prompt)
        self.notes = [
            text_area(f"Notes for prompt {k + 1}", "What the room said, in a few words", rows=4)
            for k in range(len(self.prompts))
        ]
        self.people_box = w.VBox()
        self.people: list[PersonRow] = []
        self.add_person_button = button("Add a person", "Add a row for one more person", icon="plus")
        self.add_person_button.on_click(lambda _: self.add_person())
        self.takeaway = text_area("SO WHAT? Our takeaway", "The one thing this room wants everyone to hear", rows=3)
        super().__init__(
            ctx,
            storage.room_key(event_id, n),
            [
                row(self.name, self.facilitator, self.reporter),
                self.prompt_head,
                row(self.prev_button, self.next_button),
                self.timer,
                *self.notes,
                subheading("People and the next steps they take back to their county"),
                note("Pick each person's county from the list, or type it if it is not in the workspace yet."),
                self.people_box,
                self.add_person_button,
                self.takeaway,
            ],
            **kw,
        )
        self.watch(self.name, self.facilitator, self.reporter, *self.notes, self.takeaway)
        self.show_prompt(0)
        self.load()

    def default(self) -> dict:
        name = self.ev.rooms[self.n] if self.n < len(self.ev.rooms) else f"Room {self.n + 1}"
        return {"event": self.event_id, "name": name}

    def show_prompt(self, k: int) -> None:
        if not self.prompts:
            self.prompt_head.value = ""
            return
        k = max(0, min(len(self.prompts) - 1, int(k)))
        if k != self.current:
            self.timer.reset()
        self.current = k
        for j, box in enumerate(self.notes):
            box.layout.display = "flex" if j == k else "none"
        self.prev_button.disabled = k == 0
        self.next_button.disabled = k == len(self.prompts) - 1
        self.prompt_head.value = html("breakout_prompt.html.j2", n=k + 1, of=len(self.prompts), prompt=self.prompts[k])

    def add_person(self, body: dict | None = None) -> PersonRow | None:
        if len(self.people) >= MAX_PEOPLE:
            return None
        row = PersonRow(len(self.people) + 1, self._counties)
        if body:
            row.person.value, row.county.value = body.get("name", ""), body.get("county", "")
            row.role.value = body.get("role", "")
            steps = list(body.get("steps", [])) + ["", ""]
            row.step1.value, row.step2.value = steps[0], steps[1]
            row.row_id = body.get("id", "")
        self.watch(*row.controls())
        self.people.append(row)
        self.people_box.children = tuple(self.people)
        return row

    def collect(self) -> dict:
        return {
            "event": self.event_id,
            "name": self.name.value.strip() or f"Room {self.n + 1}",
            "facilitator": self.facilitator.value,
            "reporter": self.reporter.value,
            "notes": {str(k): box.value for k, box in enumerate(self.notes) if box.value.strip()},
            "people": [b for b in (p.body() for p in self.people) if b],
            "takeaway": self.takeaway.value,
        }

    def fill(self, body: dict) -> None:
        self.name.value = body.get("name", "")
        self.facilitator.value = body.get("facilitator", "")
        self.reporter.value = body.get("reporter", "")
        notes = {str(k): v for k, v in body.get("notes", {}).items()}
        for k, box in enumerate(self.notes):
            box.value = notes.get(str(k), "")
        self.people = []
        for p in body.get("people", []):
            self.add_person(p)
        while len(self.people) < 2:
            self.add_person()
        self.people_box.children = tuple(self.people)
        self.takeaway.value = body.get("takeaway", "")


class ReportBackEditor(EntryEditor):
    """One county's report-back at the start of an event: what it did, learned, and its next step."""

    kind = "webinar_reportback"

    def __init__(
        self, ctx: CoachContext, event_id: str, county: str, commitments: list[str], questions: list[str], **kw
    ):
        self.event_id, self.county = event_id, county
        q = list(questions) + webinar.REPORT_BACK_QUESTIONS[len(questions) :]
        self.done = field(
            w.SelectMultiple(
                options=list(dict.fromkeys(commitments)),
                description="Done",
                tooltip="The commitments this county says it has done",
                rows=min(6, max(2, len(commitments))),
            ),
            "full",
        )
        self.activities = text_area(q[0], rows=2)
        self.learned = text_area(q[1], rows=2)
        self.next_step = text_area("Our next step", rows=2)
        self.why = text_area("Why", rows=1)
        self.reported_by = text_box("Reported by", "who spoke for the county", size="long")
        super().__init__(
            ctx,
            storage.reportback_key(event_id, county),
            [
                subheading(f"{county} reports back", "orb-county"),
                self.done,
                self.activities,
                self.learned,
                self.next_step,
                self.why,
                self.reported_by,
            ],
            **kw,
        )
        self.watch(self.done, self.activities, self.learned, self.next_step, self.why, self.reported_by)
        self.load()

    def default(self) -> dict:
        return {"event": self.event_id, "county": self.county}

    def collect(self) -> dict:
        return {
            "event": self.event_id,
            "county": self.county,
            "activities": self.activities.value,
            "done": list(self.done.value),
            "learned": self.learned.value,
            "next_step": self.next_step.value,
            "why": self.why.value,
            "reported_by": self.reported_by.value,
        }

    def fill(self, body: dict) -> None:
        done = [d for d in body.get("done", [])]
        self.done.options = list(dict.fromkeys([*self.done.options, *done]))
        self.done.value = tuple(done)
        self.activities.value = body.get("activities", "")
        self.learned.value = body.get("learned", "")
        self.next_step.value = body.get("next_step", "")
        self.why.value = body.get("why", "")
        self.reported_by.value = body.get("reported_by", "")


# ------------------------------------------------------------------ the whole page
class WebinarSeries(w.VBox):
    """Pick or set up an event; run its rooms one per screen; check in, compile, follow up."""

    def __init__(self, ctx: CoachContext, **editor_kw):
        self.ctx, self._editor_kw = ctx, editor_kw
        self.choice = field(w.Dropdown(description="Event", tooltip="Open an event of the series"), "long")
        self.new_title = text_box("New event title", "e.g. Readiness webinar, March", size="long")
        self.new_date = field(
            w.DatePicker(description="Date", value=dt.date.today(), tooltip="Date of the new event"), "short"
        )
        self.new_minutes = field(
            w.BoundedIntText(
                value=10,
                min=1,
                max=120,
                description="Minutes per prompt",
                tooltip="How long each room talks about one prompt",
            ),
            "short",
        )
        self.new_rooms = field(
            w.BoundedIntText(value=3, min=1, max=60, description="Rooms", tooltip="How many breakout rooms"), "short"
        )
        self.new_framework = field(
            w.Dropdown(
                options=[("Child welfare (CPM ORB)", "cpm-orb"), ("Schools (CPS)", "cps")],
                value="cpm-orb",
                description="Prompts",
                tooltip="Whose breakout prompts and facilitator note the rooms use",
            ),
            "medium",
        )
        self.new_button = button("Set up the event", "Save a new event with its rooms", "primary", "plus")
        self.new_button.on_click(lambda _: self.new_event(self.new_title.value))
        self.message = w.HTML()
        self.room_choice = field(w.ToggleButtons(description="Room", tooltip="Show one room on the screen"), "full")
        self.room_choice.observe(lambda c: self.show_room(c["new"]), "value")
        self.add_room_button = button("Add a room", "Add one more breakout room to this event", icon="plus")
        self.add_room_button.on_click(lambda _: self.add_room())
        self.room_box = w.VBox()
        self.opening_html = w.HTML()
        self.report_county = field(
            w.Dropdown(description="County reporting back", tooltip="Record this county's answers"), "long"
        )
        self.report_county.observe(lambda c: self.show_reportback(c["new"]), "value")
        self.report_box = w.VBox()
        self.compiled = w.HTML()
        self.refresh_button = button("Refresh now", "Read every room again", icon="refresh")
        self.refresh_button.on_click(lambda _: self.refresh_compiled())
        self.live = w.Play(
            value=0,
            min=0,
            max=10**6,
            step=1,
            interval=REFRESH_SECONDS * 1000,
            show_repeat=False,
            description="Live",
            tooltip="Keep this view up to date while rooms write",
        )
        self.live.observe(lambda _: self.refresh_compiled(), "value")
        self.console = RoomsConsole(ctx)
        self.live.observe(lambda _: self.console.refresh(), "value")
        self.series_html = w.HTML()
        self.follow_county = field(w.Dropdown(description="Follow-up for", tooltip="The county to write to"), "long")
        self.follow_county.observe(lambda _: self.show_followup(), "value")
        self.follow_links = w.HTML()
        self.follow_html = w.HTML()
        self.tabs = w.Tab(
            children=[
                w.VBox(
                    [
                        note("One room per screen: pick the room, share this screen with the room in Zoom."),
                        row(self.room_choice, self.add_room_button),
                        self.room_box,
                    ]
                ),
                w.VBox([self.opening_html, self.report_county, self.report_box]),
                w.VBox(
                    [
                        w.HBox(
                            [self.refresh_button, w.Label("Update by itself while rooms write:"), self.live],
                            layout=w.Layout(align_items="center"),
                        ),
                        self.compiled,
                    ]
                ),
                w.VBox(
                    [
                        note(
                            "Per county, event by event: what people committed to, what the county reported "
                            "done, what it learned and its next step."
                        ),
                        self.series_html,
                    ]
                ),
                w.VBox(
                    [
                        note(
                            "An e-mail for each county: its own people, their next steps, the room takeaways "
                            "they heard and the questions for the next webinar. Nothing of another county."
                        ),
                        self.follow_county,
                        self.follow_links,
                        self.follow_html,
                    ]
                ),
                self.console,
            ]
        )
        self.tabs.titles = (
            "Rooms",
            "Check-in: report-backs",
            "SO WHAT? compiled",
            "Series by county",
            "Follow-ups",
            "Room links",
        )
        self.tabs.add_class("orb-live")
        self.editor: RoomEditor | None = None
        self.report_editor: ReportBackEditor | None = None
        self.event_id: str | None = None
        super().__init__(
            [
                section_header(
                    "Events and rooms",
                    "Breakout rooms mix people from many counties. Each room names a facilitator and a "
                    "reporter, works through the prompts with the timer, and each person names one or two "
                    "next steps for their own county. Everything saves as the reporter types.",
                ),
                self.choice,
                row(
                    self.new_title, self.new_date, self.new_minutes, self.new_rooms, self.new_framework, self.new_button
                ),
                self.message,
                self.tabs,
            ]
        )
        self._load_choices()
        self.choice.observe(lambda c: self.show_event(c["new"]), "value")
        self.show_event(self.choice.value)

    # -- events
    def _load_choices(self, select: str | None = None) -> None:
        evs = storage.events(self.ctx.store)
        opts = [(f"{e.title}" + (f" ({date(e.date)})" if e.date else ""), k) for k, e in evs.items()]
        self.choice.options = opts
        self.choice.value = select if select is not None else (opts[-1][1] if opts else None)

    def new_event(self, title: str) -> str:
        try:
            key = roomlinks.create_event(
                self.ctx.store,
                title,
                self.new_date.value,
                self.new_framework.value,
                self.new_rooms.value,
                self.ctx.user or "a coach",
                minutes=self.new_minutes.value,
            )
        except OrbError as exc:
            self.message.value = status(f"Not set up: {exc}", "err")
            return ""
        self.new_title.value = ""
        self.message.value = status("Event set up. Open a room below and share the screen.")
        self._load_choices(select=key)
        return key

    def show_event(self, event_id: str | None) -> None:
        self.flush()
        self.event_id = event_id
        self.console.show(event_id)
        if not event_id:
            self.room_choice.options = ()
            self.room_box.children = (note("No events yet: give one a title and set it up."),)
            self.editor = None
            self.refresh_compiled()
            return
        ev = storage.event(self.ctx.store, event_id)
        # a new event starts like the one on screen: its minutes per prompt agree with the timer shown
        self.new_minutes.value = min(max(ev.minutes_per_prompt, self.new_minutes.min), self.new_minutes.max)
        self.room_choice.options = [(name, n) for n, name in enumerate(ev.rooms)]
        self.room_choice.value = 0 if ev.rooms else None
        self.show_room(self.room_choice.value)
        self._fill_views()

    def add_room(self) -> int | None:
        if not self.event_id:
            return None
        n = storage.add_room(self.ctx.store, self.event_id, self.ctx.user or "a coach")
        self.console.make_links()  # the new room gets its link at once
        ev = storage.event(self.ctx.store, self.event_id)
        self.room_choice.options = [(name, k) for k, name in enumerate(ev.rooms)]
        self.room_choice.value = n
        return n

    def show_room(self, n: int | None) -> None:
        if self.editor is not None:
            self.editor.flush()
        if n is None or not self.event_id:
            return
        if self.editor is not None and (self.editor.event_id, self.editor.n) == (self.event_id, n):
            return  # already on screen: a second editor would race the first for what the reporter types
        ev = storage.event(self.ctx.store, self.event_id)
        self.editor = RoomEditor(self.ctx, self.event_id, n, ev, **self._editor_kw)
        self.room_box.children = (self.editor,)

    # -- the views that read every room
    def _series(self):
        return storage.load_series(self.ctx.store)

    def _fill_views(self) -> None:
        series = self._series()
        rec = series.get(self.event_id)
        opening = views.opening(series, self.event_id)
        self.opening_html.value = views.render("webinar_opening.html.j2", view=opening)
        self.report_county.options = [c.county for c in opening.counties] if opening else []
        if not self.report_county.options:
            self.report_box.children = ()
        self.refresh_compiled(series)
        self.series_html.value = views.render("webinar_series.html.j2", rows=views.series_view(series))
        present = views.counties_in(rec, series)
        self.follow_county.options = present
        self.follow_county.value = present[0] if present else None
        self.show_followup(series)

    def show_reportback(self, county: str | None) -> None:
        if self.report_editor is not None:
            self.report_editor.flush()
        if not county or not self.event_id:
            return
        series = self._series()
        prev = series.previous(self.event_id)
        commitments = [s for p in views._people(prev, county) for s in p.steps] if prev else []
        self.report_editor = ReportBackEditor(
            self.ctx, self.event_id, county, commitments, prev.event.questions if prev else [], **self._editor_kw
        )
        self.report_box.children = (self.report_editor,)

    def refresh_compiled(self, series=None) -> None:
        """Read every room again (other reporters' saves included) and recompile the takeaways."""
        if not self.event_id:
            self.compiled.value = note("No event open.").value
            return
        series = series or self._series()
        rec = series.get(self.event_id)
        self.compiled.value = views.render(
            "webinar_compiled.html.j2",
            title=rec.event.title,
            takeaways=views.quick_takeaways(rec),
            themes=views.themes(rec),
            steps=views.next_steps(rec, series),
        )

    def show_followup(self, series=None) -> None:
        county = self.follow_county.value
        if not county or not self.event_id:
            self.follow_html.value, self.follow_links.value = "", ""
            return
        series = series or self._series()
        f = views.followup(series, self.event_id, county)
        page = views.followup_html(f)
        base = f"follow-up-{self.event_id}-{county}".replace(" ", "-").lower()
        self.follow_links.value = status(
            "",
            links=[
                download(f"{base}.md", views.followup_markdown(f), "text/markdown", "Markdown e-mail"),
                download(f"{base}.txt", views.followup_text(f), "text/plain", "Plain-text e-mail"),
                download(f"{base}.html", page, "text/html", "Web page"),
            ],
        )
        # The e-mail's own page (every typed text escaped by its partial), shown framed on this one.
        self.follow_html.value = html("widget_boxed.html.j2", body=render("webinar_followup_body.html.j2", f=f))

    def flush(self) -> None:
        for ed in (getattr(self, "editor", None), getattr(self, "report_editor", None)):
            if ed is not None:
                ed.flush()

    def close(self) -> None:
        self.flush()
        super().close()


class CountyWebinarView(w.VBox):
    """What a county team sees of the series: its own people's part, nothing of any other county."""

    def __init__(self, store: Store, county: str, base_url: str = ""):
        series = storage.load_series(store)
        base_url = base_url or store.get_meta("served_url") or DEFAULT_BASE_URL
        links = roomlinks.county_links(store, county, base_url)
        view = views.packet_view(series, county)
        rows = views.series_view(series, county)
        words = framework_words(store.county(county).framework)
        super().__init__(
            [
                section_header(
                    "Our part in the coach's webinars",
                    "The next steps your people named at the webinars, and what your "
                    f"{words.unit} reported back. Other {words.unit_plural}' notes are "
                    "not shown here.",
                ),
                w.HTML(views.render("webinar_room_links.html.j2", events=links)),
                w.HTML(str(style(live=True) + Markup(views.takeaways_html(view)))),
                w.HTML(views.render("webinar_series.html.j2", rows=rows)),
            ]
        )


def webinar_page(workspace=None, county: str = "", user: str | None = None, settings: Settings | None = None, **kw):
    """The page of ``02-breakout-session``: the coach's series, or on a locked server that county's part."""
    app = page_app(workspace, settings)  # a page call: its kernel's entry point
    settings = app.settings
    try:
        store = app.store
        if settings.locked:
            target, _ = settings.page_target(county or "", "")
            return CountyWebinarView(store, store.county(target).name, settings.survey_url)
        ctx = CoachContext(store, user, settings)
    except OrbError as exc:
        if not settings.served:
            raise
        return refused(exc)
    return w.VBox([ctx, WebinarSeries(ctx, **kw)])
