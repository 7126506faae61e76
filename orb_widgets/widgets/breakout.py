"""Step 2: a coach's breakout session — rooms, prompts with a timer, notes, next steps.

The "SO WHAT? quick takeaways" are compiled by pure functions
(:func:`compile_takeaways` and the three renderers), so the same text can be
read out in the webinar, exported, or put in a packet.
"""
from __future__ import annotations

import datetime as dt

import ipywidgets as w
import pandas as pd

from .. import workbook
from ..exports import table_bytes
from ..paths import slugify
from .base import (LABEL_STYLE, EntryChooser, EntryEditor, WorkbookContext, button, download_link, esc, note,
                   text_area, text_box)

MAX_PEOPLE = 60


# ------------------------------------------------------------------ pure: compile the takeaways
def compile_takeaways(session) -> list[dict]:
    """One record per room: its name, facilitator, reporter, takeaway and everyone's next steps.

    >>> s = {"title": "Webinar", "rooms": [{"name": "Room 1", "takeaway": "Start small",
    ...       "next_steps": [{"person": "Ana", "steps": ["Talk to my unit"]}]}]}
    >>> compile_takeaways(s)[0]["next_steps"]
    [('Ana', 'Talk to my unit')]
    """
    s = session if isinstance(session, workbook.BreakoutSession) else workbook.BreakoutSession.model_validate(session)
    out = []
    for room in s.rooms:
        steps = [(ns.person.strip(), step.strip()) for ns in room.next_steps for step in ns.steps if step.strip()]
        out.append({"room": room.name, "facilitator": room.facilitator, "reporter": room.reporter,
                    "takeaway": room.takeaway.strip(), "next_steps": steps})
    return out


def takeaways_markdown(session) -> str:
    """The compiled takeaways as Markdown, ready to paste into minutes or an e-mail."""
    s = workbook.BreakoutSession.model_validate(session) if isinstance(session, dict) else session
    lines = [f"# SO WHAT? Quick takeaways: {s.title}", ""]
    if s.date:
        lines += [f"_{s.date.isoformat()}_", ""]
    for r in compile_takeaways(s):
        lines.append(f"## {r['room']}")
        who = ", ".join(x for x in [r["facilitator"] and f"facilitator {r['facilitator']}",
                                    r["reporter"] and f"reporter {r['reporter']}"] if x)
        if who:
            lines.append(f"_{who}_")
        lines += ["", f"**Takeaway:** {r['takeaway'] or '(not written yet)'}", ""]
        if r["next_steps"]:
            lines.append("**Next steps people are taking home:**")
            lines += [f"- {p + ': ' if p else ''}{step}" for p, step in r["next_steps"]]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def takeaways_html(session, full_page: bool = False) -> str:
    """The compiled takeaways as HTML; every piece of typed text is escaped."""
    s = workbook.BreakoutSession.model_validate(session) if isinstance(session, dict) else session
    parts = [f"<h3>SO WHAT? Quick takeaways: {esc(s.title)}</h3>"]
    if s.date:
        parts.append(f"<p class='orb-note'>{esc(s.date.isoformat())}</p>")
    rooms = compile_takeaways(s)
    if not rooms:
        parts.append("<p class='orb-note'>No rooms yet.</p>")
    for r in rooms:
        parts.append(f"<h4>{esc(r['room'])}</h4>")
        who = [f"facilitator {esc(r['facilitator'])}" if r["facilitator"] else "",
               f"reporter {esc(r['reporter'])}" if r["reporter"] else ""]
        if any(who):
            parts.append(f"<p class='orb-note'>{', '.join(x for x in who if x)}</p>")
        parts.append(f"<p><b>Takeaway:</b> {esc(r['takeaway']) or '<i>not written yet</i>'}</p>")
        if r["next_steps"]:
            items = "".join(f"<li>{esc(p) + ': ' if p else ''}{esc(step)}</li>" for p, step in r["next_steps"])
            parts.append(f"<p><b>Next steps people are taking home:</b></p><ul>{items}</ul>")
    body = "".join(parts)
    if full_page:
        return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{esc(s.title)}</title>"
                "<style>body{font-family:Arial,sans-serif;max-width:50em;margin:2em auto;color:#1d2733}"
                "h3{color:#17456b}.orb-note{color:#5a6b7b}</style></head><body>" + body + "</body></html>")
    return body


def takeaways_frame(session) -> pd.DataFrame:
    """One row per takeaway or next step: room, kind, person, text (for CSV/Excel)."""
    records = []
    for r in compile_takeaways(session):
        records.append({"room": r["room"], "kind": "takeaway", "person": r["reporter"], "text": r["takeaway"]})
        records += [{"room": r["room"], "kind": "next step", "person": p, "text": step}
                    for p, step in r["next_steps"]]
    return pd.DataFrame(records, columns=["room", "kind", "person", "text"])


# ------------------------------------------------------------------ widgets
class PromptTimer(w.VBox):
    """A countdown for one prompt, driven by the browser's Play control (no kernel thread).

    The kernel only turns the elapsed seconds into "7:32 left"; tests set
    ``play.value`` instead of waiting.
    """

    def __init__(self, minutes: int = 10):
        self.play = w.Play(value=0, min=0, max=minutes * 60, step=1, interval=1000, show_repeat=False,
                           description="Timer", tooltip="Start, pause or stop the timer for this prompt")
        self.left = w.HTML()
        self.play.observe(self._tick, "value")
        super().__init__([w.HBox([w.Label("Prompt timer:"), self.play, self.left])])
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
        left = self.seconds_left
        if left == 0:
            self.left.value = ("<span class='orb-timer up' role='status'>Time is up: move on to the "
                               "next prompt</span>")
        else:
            self.left.value = f"<span class='orb-timer' role='timer'>{left // 60}:{left % 60:02d} left</span>"


class PersonSteps(w.HBox):
    def __init__(self, n: int):
        self.person = text_box(f"Person {n}", "name", width="260px")
        self.step1 = text_box("Next step 1", "", width="340px")
        self.step2 = text_box("Next step 2", "(optional)", width="340px")
        super().__init__([self.person, self.step1, self.step2], layout=w.Layout(flex_flow="row wrap"))

    def body(self) -> dict | None:
        steps = [s.value for s in (self.step1, self.step2) if s.value.strip()]
        if not self.person.value.strip() and not steps:
            return None
        return {"person": self.person.value, "steps": steps}


class RoomPanel(w.VBox):
    """One breakout room: who runs it, the prompts one at a time, notes, next steps, takeaway."""

    def __init__(self, prompts: list[str], minutes: int, on_edit, breakout_note: str = ""):
        self.prompts, self._on_edit = prompts, on_edit
        self.name = text_box("Room name", "e.g. Room 1", width="320px")
        self.facilitator = text_box("Facilitator", "who leads the talk", width="320px")
        self.reporter = text_box("Reporter", "who reports back", width="320px")
        self.current = 0
        self.prompt_head = w.HTML()
        self.prev_button = button("Previous prompt", icon="arrow-left")
        self.next_button = button("Next prompt", icon="arrow-right")
        self.prev_button.on_click(lambda _: self.show_prompt(self.current - 1))
        self.next_button.on_click(lambda _: self.show_prompt(self.current + 1))
        self.timer = PromptTimer(minutes)
        self.notes = [text_area(f"Notes for prompt {n + 1}", "What the room said, in a few words", rows=5)
                      for n in range(len(prompts))]
        self.people_box = w.VBox()
        self.people: list[PersonSteps] = []
        self.add_person_button = button("Add a person", "Add a row for one more person's next steps", icon="plus")
        self.add_person_button.on_click(lambda _: self.add_person())
        self.takeaway = text_area("SO WHAT? Our takeaway", "The one thing this room wants everyone to hear",
                                  rows=3)
        for c in (self.name, self.facilitator, self.reporter, *self.notes, self.takeaway):
            c.observe(self._changed, "value")
        super().__init__([
            w.HBox([self.name, self.facilitator, self.reporter], layout=w.Layout(flex_flow="row wrap")),
            self.prompt_head, w.HBox([self.prev_button, self.next_button]), self.timer, *self.notes,
            w.HTML("<h4 style='margin-bottom:.2em'>Next steps to take home</h4>"),
            note(breakout_note or "Each person names one or two next steps they will take back with them."),
            self.people_box, self.add_person_button, self.takeaway,
        ])
        self.show_prompt(0)

    def _changed(self, _=None) -> None:
        self._on_edit()

    def show_prompt(self, n: int) -> None:
        if not self.prompts:
            self.prompt_head.value = ""
            return
        n = max(0, min(len(self.prompts) - 1, int(n)))
        if n != self.current:
            self.timer.reset()
        self.current = n
        for k, box in enumerate(self.notes):
            box.layout.display = "flex" if k == n else "none"
        self.prev_button.disabled = n == 0
        self.next_button.disabled = n == len(self.prompts) - 1
        self.prompt_head.value = (f"<div class='orb-note'>Prompt {n + 1} of {len(self.prompts)}</div>"
                                  f"<div class='orb-prompt'>{esc(self.prompts[n])}</div>")

    def add_person(self, body: dict | None = None) -> PersonSteps | None:
        if len(self.people) >= MAX_PEOPLE:
            return None
        row = PersonSteps(len(self.people) + 1)
        if body:
            row.person.value = body.get("person", "")
            steps = list(body.get("steps", [])) + ["", ""]
            row.step1.value, row.step2.value = steps[0], steps[1]
        for c in (row.person, row.step1, row.step2):
            c.observe(self._changed, "value")
        self.people.append(row)
        self.people_box.children = tuple(self.people)
        return row

    def body(self) -> dict:
        return {"name": self.name.value.strip() or "Room", "facilitator": self.facilitator.value,
                "reporter": self.reporter.value,
                "notes": {str(k): box.value for k, box in enumerate(self.notes) if box.value.strip()},
                "next_steps": [b for b in (p.body() for p in self.people) if b], "takeaway": self.takeaway.value}

    def fill(self, body: dict) -> None:
        self.name.value = body.get("name", "")
        self.facilitator.value = body.get("facilitator", "")
        self.reporter.value = body.get("reporter", "")
        notes = {str(k): v for k, v in body.get("notes", {}).items()}
        for k, box in enumerate(self.notes):
            box.value = notes.get(str(k), "")
        self.people = []
        for ns in body.get("next_steps", []):
            self.add_person(ns)
        if not self.people:
            self.add_person()
        self.people_box.children = tuple(self.people)
        self.takeaway.value = body.get("takeaway", "")


class SessionEditor(EntryEditor):
    """A saved breakout session: its rooms and the compiled takeaways."""

    kind = "breakout"

    def __init__(self, ctx: WorkbookContext, key: str, **kw):
        fw = ctx.framework
        self.prompts = list(fw.breakout_prompts) if fw else []
        self.breakout_note = fw.breakout_note if fw else ""
        self.title = text_box("Session title", "e.g. Readiness webinar, March", width="520px")
        self.date = w.DatePicker(description="Date", style=LABEL_STYLE, tooltip="Date of the session")
        self.minutes = w.BoundedIntText(value=10, min=1, max=120, description="Minutes per prompt",
                                        style=LABEL_STYLE, layout=w.Layout(width="220px"),
                                        tooltip="How long each room talks about one prompt")
        self.add_room_button = button("Add a room", "Add one more breakout room", icon="plus")
        self.add_room_button.on_click(lambda _: self.add_room())
        self.rooms: list[RoomPanel] = []
        self.tabs = w.Tab()
        self.compiled = w.HTML()
        self.export_md = button("Markdown", "Download the takeaways as Markdown", icon="download")
        self.export_html = button("Web page (HTML)", "Download the takeaways as a web page", icon="download")
        self.export_csv = button("Spreadsheet (CSV)", "Download the takeaways as a CSV table", icon="download")
        self.export_md.on_click(lambda _: self.export("md"))
        self.export_html.on_click(lambda _: self.export("html"))
        self.export_csv.on_click(lambda _: self.export("csv"))
        self.export_out = w.HTML()
        self.compiled_panel = w.VBox([
            note("Everything the rooms wrote, ready to read out when everyone is back together."),
            self.compiled, w.HBox([w.Label("Export:"), self.export_md, self.export_html, self.export_csv]),
            self.export_out])
        self.minutes.observe(self._minutes_changed, "value")
        self.tabs.observe(self._tab_changed, "selected_index")
        super().__init__(ctx, key, [w.HBox([self.title, self.date, self.minutes],
                                           layout=w.Layout(flex_flow="row wrap")),
                                    self.add_room_button, self.tabs], **kw)
        self.watch(self.title, self.date, self.minutes)
        self.load()

    def default(self) -> dict:
        return {"title": "Breakout session", "date": None, "minutes_per_prompt": 10,
                "rooms": [{"name": f"Room {n}"} for n in (1, 2, 3)]}

    def add_room(self, body: dict | None = None) -> RoomPanel | None:
        if len(self.rooms) >= 60:
            return None
        panel = RoomPanel(self.prompts, self.minutes.value, self._edited, self.breakout_note)
        panel.fill(body or {"name": f"Room {len(self.rooms) + 1}"})
        self.rooms.append(panel)
        self._layout_tabs()
        if body is None:
            self._edited()
        return panel

    def _layout_tabs(self) -> None:
        self.tabs.children = (*self.rooms, self.compiled_panel)
        self.tabs.titles = (*[r.name.value or f"Room {n + 1}" for n, r in enumerate(self.rooms)],
                            "SO WHAT? Takeaways")

    def _minutes_changed(self, change) -> None:
        for r in self.rooms:
            r.timer.set_minutes(change["new"])

    def _tab_changed(self, change) -> None:
        if change["new"] == len(self.rooms):
            self.refresh_compiled()

    def collect(self) -> dict:
        return {"title": self.title.value.strip() or "Breakout session",
                "date": self.date.value.isoformat() if self.date.value else None,
                "minutes_per_prompt": self.minutes.value, "rooms": [r.body() for r in self.rooms]}

    def fill(self, body: dict) -> None:
        self.title.value = body.get("title", "")
        d = body.get("date")
        self.date.value = dt.date.fromisoformat(d) if isinstance(d, str) and d else None
        self.minutes.value = int(body.get("minutes_per_prompt", 10))
        self.rooms = []
        for room in body.get("rooms", []):
            panel = RoomPanel(self.prompts, self.minutes.value, self._edited, self.breakout_note)
            panel.fill(room)
            self.rooms.append(panel)
        self._layout_tabs()
        self.refresh_compiled()

    def after_save(self, doc) -> None:
        self.tabs.titles = (*[r.name.value or f"Room {n + 1}" for n, r in enumerate(self.rooms)],
                            "SO WHAT? Takeaways")
        self.refresh_compiled()

    def session(self) -> workbook.BreakoutSession:
        return workbook.BreakoutSession.model_validate(self.collect())

    def refresh_compiled(self) -> None:
        try:
            self.compiled.value = takeaways_html(self.session())
        except Exception as exc:  # an invalid value is reported by the status line already
            self.compiled.value = f"<p class='orb-note'>{esc(exc)}</p>"

    def export(self, fmt: str):
        self.flush()
        s = self.session()
        base = f"takeaways-{slugify(self.key)}"
        if fmt == "md":
            data, mime = takeaways_markdown(s), "text/markdown"
        elif fmt == "html":
            data, mime = takeaways_html(s, full_page=True), "text/html"
        else:
            data, mime = table_bytes(takeaways_frame(s), "csv"), "text/csv"
        from ..exports import write_atomic

        path = write_atomic(self.ctx.export_dir() / f"{base}.{fmt}", data)
        self.export_out.value = (f"<div class='orb-status'>Saved to {esc(path)}. "
                                 + download_link(path.name, path.read_bytes(), mime, f"Download {path.name}")
                                 + "</div>")
        return path


class Breakout(EntryChooser):
    """Pick or set up a breakout session, then run it room by room."""

    kind = "breakout"
    choose_label, choose_tooltip = "Session", "Open a saved breakout session"
    new_label, new_placeholder = "New session title", "e.g. Readiness webinar, March"
    new_button_label, new_button_tooltip = "Set up a new session", "Create a session with three rooms"
    header_title = "Breakout session"
    header_text = ("Set up the rooms, name a facilitator and a reporter for each, and go through the "
                   "prompts one at a time with the timer. Notes save as you type.")
    empty_text = "No sessions yet: give one a title and set it up."
    default_title = "Breakout session"
    newest_first = True

    def option_label(self, session) -> str:
        return session.title + (f" ({session.date.isoformat()})" if session.date else "")

    def new_body(self, title: str) -> dict:
        return {"title": title, "date": dt.date.today().isoformat(), "minutes_per_prompt": 10,
                "rooms": [{"name": f"Room {n}"} for n in (1, 2, 3)]}

    def make_editor(self, key: str):
        return SessionEditor(self.ctx, key, **self._editor_kw)

    new_session = EntryChooser.new_entry
    show_session = EntryChooser.show_entry
