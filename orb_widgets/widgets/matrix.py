"""Step 7: the SO WHAT? planning matrix: saved rows about elements or components, each with its steps."""

from __future__ import annotations

import datetime as dt

import ipywidgets as w

from .. import planning, workbook
from ..exceptions import OrbError, StaleEdit
from ..exports import write_table
from ..planning import targets
from ..progress import webinar_steps
from ..views import date
from ..workbook import STATUSES, STEP_STATUSES
from .context import WorkbookContext
from .controls import button, field, row, text_area, text_box
from .editor import ANONYMOUS, EntryEditor
from .style import download, html, note, section_header, status, subheading

__all__ = ["MatrixRowEditor", "PlanningMatrix", "StepEditor", "targets"]


class StepEditor(w.VBox):
    """One step of a row: what, who leads it, by when, where it stands, a note.

    A step is never deleted: a step the team gives up is marked "dropped", so its words stay.
    """

    def __init__(self, number: int, help_: str = ""):
        self.text = text_box(f"Step {number}", help_, size="full")
        self.who = text_box("Who", "the person or team who leads this step", size="long")
        self.by_when = field(
            w.DatePicker(description="By when", tooltip="The day this step should be done by"), "short"
        )
        self.status_choice = field(
            w.Dropdown(
                options=list(STEP_STATUSES),
                value="not started",
                description="Step status",
                tooltip="Where this step stands",
            ),
            "medium",
        )
        self.note = text_box("Note", "what happened, or why it was dropped", size="full")
        self.flag = w.HTML()
        self.done_on = None
        self.source = ""
        super().__init__(
            [self.text, row(self.who, self.by_when), row(self.status_choice, self.flag), self.note],
            layout=w.Layout(border_left="3px solid #d0d7de", padding="0 0 0 8px", margin="4px 0"),
        )

    @property
    def controls(self) -> tuple:
        return (self.text, self.who, self.by_when, self.status_choice, self.note)

    def collect(self) -> dict | None:
        """The step as a dict, or None when nothing is written in it yet (an empty new step)."""
        by = self.by_when.value
        if not (self.text.value.strip() or self.who.value.strip() or by or self.note.value.strip()) and (
            self.status_choice.value == "not started"
        ):
            return None
        return {
            "text": self.text.value,
            "who": self.who.value,
            "by_when": by.isoformat() if by else None,
            "status": self.status_choice.value,
            "done_on": self.done_on,
            "note": self.note.value,
            "source": self.source,
        }

    def fill(self, step: dict) -> None:
        self.text.value = step.get("text", "")
        self.who.value = step.get("who", "")
        by = step.get("by_when")
        self.by_when.value = dt.date.fromisoformat(by) if isinstance(by, str) and by else None
        st = step.get("status", "not started")
        self.status_choice.value = st if st in STEP_STATUSES else "not started"
        self.note.value = step.get("note", "")
        self.done_on = step.get("done_on")
        self.source = step.get("source", "")

    def show_flag(self, today: dt.date) -> None:
        flag = planning.due(self.by_when.value, self.status_choice.value, today)
        done = f"done {date(self.done_on)}" if self.status_choice.value == "done" and self.done_on else ""
        self.flag.value = html("matrix_step_flag.html.j2", flag=flag, done=done)


class MatrixRowEditor(EntryEditor):
    """One row of the matrix: what we learned, why it matters, its steps (each with who and by when) …"""

    kind = "matrix_row"

    def __init__(
        self, ctx: WorkbookContext, key: str, target: str | None = None, today=dt.date.today, pulses=None, **kw
    ):
        """``pulses``: a function giving every row's latest pulse check (the matrix works them out once
        for all its rows); without it the row works out its own."""
        self._pulses = pulses
        fw = ctx.framework
        cols = {c.id: c for c in fw.planning_columns}

        def label(cid, fallback):
            c = cols.get(cid)
            return (c.label, c.help) if c else (fallback, "")

        def area(cid, fallback, rows=3):
            text, help_ = label(cid, fallback)
            return text_area(text, help=help_, rows=rows)

        self.target = target or key
        self._today = today
        self.learned = area("what_we_learned", "What we learned")
        self.why = area("why_it_matters", "Why it matters")
        steps_label, self._steps_help = label("next_steps", "Steps")
        self.step_editors: list[StepEditor] = []
        self.steps_box = w.VBox()
        self.add_step_button = button("Add a step", "Add one more step to this row", icon="plus")
        self.add_step_button.on_click(lambda _: self.add_step())
        self.support = area("support_needed", "Support we need", 2)
        self.know = area("how_we_will_know", "How we will know", 2)
        self.status_choice = field(
            w.Dropdown(
                options=list(STATUSES), value="not started", description="Status", tooltip="Where this row stands today"
            ),
            "medium",
        )
        self.history = w.HTML()
        self._history: list[dict] = []
        self._status_before = "not started"
        self.on_saved = None  # the matrix's refresh: a row's title shows its steps' flags
        self.pulse_line = w.HTML()
        self.pulse_button = button(
            "Start a pulse check",
            "Open a short survey link with this row's statements (at most 6), about a month after acting",
            icon="heartbeat",
        )
        self.pulse_button.on_click(lambda _: self.start_pulse())
        self.pulse_status = w.HTML()
        body = [
            self.learned,
            self.why,
            subheading(steps_label),
            self.steps_box,
            row(self.add_step_button),
            self.support,
            self.know,
            row(self.status_choice, self.history),
            self.pulse_line,
            row(self.pulse_button),
            self.pulse_status,
        ]
        super().__init__(ctx, key, body, **kw)
        self.watch(self.learned, self.why, self.support, self.know, self.status_choice)
        self.load()
        self.show_pulse()

    def show_pulse(self) -> None:
        """The row's latest pulse check beside it: the change since the last full wave, or no number."""
        from ..results import pulse_results
        from ..views.planning import pulse_text

        found = (self._pulses() if self._pulses else pulse_results(self.ctx.store, self.ctx.county)).get(self.key)
        if found is None:
            self.pulse_line.value = ""
            return
        min_group = self.ctx.store.current_instrument(self.ctx.county).min_group
        self.pulse_line.value = html("widget_note.html.j2", text=pulse_text(found, min_group))

    def start_pulse(self) -> None:
        """Open the pulse check's link (only on the person's own click) and show it."""
        from ..results import open_pulse
        from ..survey.cli import DEFAULT_BASE_URL
        from ..survey.flyer import link_url

        try:
            link = open_pulse(
                self.ctx.store, self.ctx.county, self.key, self._today(), user=self.ctx.user or "workbook"
            )
        except OrbError as exc:
            self.pulse_status.value = status(str(exc), "warn")
            return
        url = link_url((self.ctx.settings.survey_url or DEFAULT_BASE_URL).rstrip("/"), link.token)
        self.pulse_status.value = status(
            f"Pulse check open (wave {link.wave}): {url} . Close it in step 5 or with 'orb survey close'."
        )

    def add_step(self, step: dict | None = None) -> StepEditor:
        """A new step at the end of the row (filled with ``step`` when given); saving waits for a first word."""
        ed = StepEditor(len(self.step_editors) + 1, self._steps_help if not self.step_editors else "")
        if step:
            before, self._filling = self._filling, True
            try:
                ed.fill(step)
            finally:
                self._filling = before
        for c in ed.controls:
            c.observe(self._edited, "value")
        ed.status_choice.observe(lambda _: ed.show_flag(self._today()), "value")
        ed.by_when.observe(lambda _: ed.show_flag(self._today()), "value")
        ed.show_flag(self._today())
        self.step_editors.append(ed)
        self.steps_box.children = tuple(self.step_editors)
        return ed

    def default(self) -> dict:
        return workbook.MatrixRow(target=self.target).model_dump(mode="json")

    def collect(self) -> dict:
        history = [dict(h) for h in self._history]
        status = self.status_choice.value
        last = history[-1]["status"] if history else self._status_before
        if status != last:
            history.append({"status": status, "on": self._today().isoformat(), "note": ""})
        steps = [s for s in (ed.collect() for ed in self.step_editors) if s is not None]
        return {
            "target": self.target,
            "what_we_learned": self.learned.value,
            "why_it_matters": self.why.value,
            "steps": planning.stamp_steps(steps, self._today(), self._saved_steps()),
            "support_needed": self.support.value,
            "how_we_will_know": self.know.value,
            "status": status,
            "status_history": history,
        }

    def _saved_steps(self) -> list[dict]:
        """The steps as this page loaded or last saved them (a step done there keeps its day, known or not)."""
        if self._base is None:
            return []
        return workbook.MatrixRow.model_validate(self._base).model_dump(mode="json")["steps"]

    def fill(self, body: dict) -> None:
        # a row saved by an older version (one owner, one date, up to three steps) is shown as steps
        body = workbook.MatrixRow.model_validate(body).model_dump(mode="json")
        self.target = body["target"]
        self.learned.value = body.get("what_we_learned", "")
        self.why.value = body.get("why_it_matters", "")
        steps = body.get("steps", [])
        if len(steps) != len(self.step_editors) or not steps:
            self.step_editors = []
            for step in steps:
                self.add_step(step)
            if not steps:
                self.add_step()
        else:
            for ed, step in zip(self.step_editors, steps):
                ed.fill(step)
                ed.show_flag(self._today())
        self.support.value = body.get("support_needed", "")
        self.know.value = body.get("how_we_will_know", "")
        status = body.get("status", "not started")
        self.status_choice.value = status if status in STATUSES else "not started"
        self._status_before = self.status_choice.value
        self._history = [dict(h) for h in body.get("status_history", [])]
        self._show_history()

    def load(self) -> None:
        super().load()
        if self._base is not None:  # merge against the row as this version reads it
            self._base = self._canonical(self._base)

    def after_save(self, doc) -> None:
        self._history = [dict(h) for h in doc.body.get("status_history", [])]
        self._status_before = doc.body.get("status", "not started")
        saved = doc.body.get("steps", [])
        kept = [ed for ed in self.step_editors if ed.collect() is not None]
        for ed, step in zip(kept, saved):
            ed.done_on = step.get("done_on")
            ed.show_flag(self._today())
        self._show_history()
        if self.on_saved is not None:
            self.on_saved()

    def _show_history(self) -> None:
        self.history.value = html(
            "matrix_history.html.j2", history=[(h["status"], date(h["on"])) for h in self._history[-4:]]
        )

    @property
    def due(self) -> str:
        """The row's flag as of today: "overdue", "due soon" or empty (see :func:`orb_widgets.planning.row_due`)."""
        steps = [s for s in (ed.collect() for ed in self.step_editors) if s is not None]
        return planning.row_due({"target": self.target, "steps": steps}, self._today())


class PlanningMatrix(w.VBox):
    """The whole matrix: start from the priorities, add rows, edit them, export."""

    def __init__(self, ctx: WorkbookContext, results=None, **editor_kw):
        self.ctx, self._editor_kw = ctx, editor_kw
        fw = ctx.framework
        try:  # a row is about what the county's survey asks (rows saved earlier keep their names below)
            asked = ctx.store.current_instrument(ctx.county).elements
        except OrbError:
            asked = None
        self.names = targets(fw)  # every name, so a row saved before the survey changed keeps its name
        self._offered = targets(fw, asked)
        self._results = results
        self._pulses = None
        self.editors: dict[str, MatrixRowEditor] = {}
        self.prefill_button = button(
            "Start from our survey priorities",
            "Add a row for each of the top priority elements in your results",
            "primary",
            "magic",
        )
        self.prefill_button.on_click(lambda _: self.prefill())
        self.add_choice = field(
            w.Dropdown(description="Add a row for", tooltip="Pick an element or readiness component"), "long"
        )
        self.add_button = button("Add row", "Add a row for the chosen element or component", icon="plus")
        self.add_button.on_click(lambda _: self.add_row(self.add_choice.value))
        self.suggest_choice = field(
            w.Dropdown(
                description="Next step from a webinar", tooltip="A next step your people named at the coach's webinars"
            ),
            "long",
        )
        self.suggest_target = field(
            w.Dropdown(
                options=[(n, k) for k, n in self.names.items()],
                description="into the row for",
                tooltip="The element or component this step works on",
            ),
            "long",
        )
        self.accept_button = button("Accept into the matrix", "Add this next step to the chosen row", icon="check")
        self.accept_button.on_click(lambda _: self.accept(self.suggest_choice.value, self.suggest_target.value))
        self.suggest_box = w.VBox([row(self.suggest_choice), row(self.suggest_target, self.accept_button)])
        self.message = w.HTML()
        self.rows = w.Accordion()
        self.summary = w.HTML()
        self.export_xlsx = button("Export to Excel (.xlsx)", "Save the matrix as a spreadsheet", icon="download")
        self.export_csv = button("Export to CSV", "Save the matrix as a CSV file", icon="download")
        self.export_xlsx.on_click(lambda _: self.export("xlsx"))
        self.export_csv.on_click(lambda _: self.export("csv"))
        self.export_out = w.HTML()
        super().__init__(
            [
                section_header(
                    "Our matrix",
                    "One row for each part of readiness you chose to work on. Open a row to write in it; "
                    "everything saves as you type, with your name.",
                ),
                row(self.prefill_button),
                row(self.add_choice, self.add_button),
                self.suggest_box,
                self.message,
                self.summary,
                self.rows,
                section_header("Share the matrix", "Download it for a team meeting or to send to your coach."),
                row(self.export_xlsx, self.export_csv),
                self.export_out,
            ]
        )
        for key, saved in workbook.load_all(ctx.store, ctx.county, "matrix_row").items():
            if saved.target in self.names:
                self._add_editor(key, saved.target)
        self._refresh()

    # -- actions
    def prefill(self) -> list[str]:
        """Add rows for the top priorities from the survey results; returns the keys added."""
        try:
            results, problem = self._results or self._county_results(), None
        except OrbError as exc:
            results, problem = None, exc
        # What the team wrote in the debrief (step 6) goes with the scores; its own ratings stand in for them.
        debriefs = workbook.debriefs(self.ctx.store, self.ctx.county, results.wave if results else None)
        if results is None and not any(d.rating is not None for d in debriefs.values()):
            self.message.value = status(f"No survey results or team ratings to start from yet: {problem}", "warn")
            return []
        names = (results.element_names if results else None) or {e.id: e.name for e in self.ctx.framework.elements}
        rows = planning.prefill(results.priorities if results else (), names, debriefs=debriefs)
        added = []
        have = {ed.target for ed in self.editors.values()}
        for key, body in rows.items():
            if key in have or key not in self.names:
                continue
            self._create(planning.row_key(key, self.editors), key, body)
            added.append(key)
        if added:
            self.message.value = status(
                f"Added rows for {', '.join(self.names[k] for k in added)} from your "
                "survey priorities and your debrief. “What we learned” is a suggestion from the scores, "
                "your notes and your team ratings; "
                "change it as you like, and write the rest as a team."
            )
        else:
            self.message.value = status(
                "Your top priorities already have rows (or no element had enough answers to show).", "idle"
            )
        self._refresh()
        return added

    def suggestions(self) -> list:
        """Next steps the county's people named at the coach's webinars, not yet in a row."""
        taken = {s["text"].strip() for ed in self.editors.values() for s in ed.collect()["steps"]}
        return [s for s in webinar_steps(self.ctx.store, self.ctx.county) if s.step.strip() not in taken]

    def accept(self, step: str | None, target: str | None) -> bool:
        """Put a webinar next step into a row about ``target`` (made if new) as a step led by the person who named it."""
        if not step or target not in self.names:
            self.message.value = status("Pick a next step and a row first.", "err")
            return False
        key = next((k for k, ed in self.editors.items() if ed.target == target), None)
        if key is None:
            key = planning.row_key(target, self.editors)
            self._create(key, target, workbook.MatrixRow(target=target).model_dump(mode="json"))
        ed = self.editors[key]
        named = next((x for x in self.suggestions() if x.step == step), None)
        new = {"text": step, "source": "webinar"}
        if named is not None:
            new.update(who=named.person or "", note=f"Named at the webinar “{named.title}”.")
        empty = next((s for s in ed.step_editors if s.collect() is None), None)
        if empty is not None:
            empty.source = "webinar"
            empty.fill({**new, "status": "not started"})
        else:
            ed.add_step({**new, "status": "not started"})
        ed.flush()
        self._refresh()
        self.rows.selected_index = list(self.editors).index(key)
        self.message.value = status(f"Added “{step}” as a step of the row for {self.names[target]}; it is open below.")
        return True

    def _county_results(self):
        from ..results import county_results

        return county_results(self.ctx.store, self.ctx.county, self.ctx.wave)

    def add_row(self, target: str | None) -> bool:
        """A new row about ``target``; a second row about the same element is allowed (its key is ``target#2``)."""
        if target not in self.names:
            self.message.value = status(
                f"Not added: “{target}” is not an element or readiness component of this framework.", "err"
            )
            return False
        key = planning.row_key(target, self.editors)
        self._create(key, target, workbook.MatrixRow(target=target).model_dump(mode="json"))
        self._refresh()
        self.rows.selected_index = list(self.editors).index(key)
        more = " (another row about it)" if key != target else ""
        self.message.value = status(f"Row for {self.names[target]}{more} is open below.")
        return True

    def _create(self, key: str, target: str, body: dict) -> None:
        try:
            workbook.save(
                self.ctx.store, self.ctx.county, "matrix_row", key, body, self.ctx.user or ANONYMOUS, expected_version=0
            )
        except StaleEdit:
            pass  # a teammate started this row a moment ago: open theirs
        self._add_editor(key, target)

    def _add_editor(self, key: str, target: str) -> None:
        ed = MatrixRowEditor(self.ctx, key, target, **{"pulses": self._pulse_results, **self._editor_kw})
        ed.status_choice.observe(lambda _: self._refresh(), "value")
        ed.on_saved = self._refresh
        self.editors[key] = ed

    def _pulse_results(self) -> dict:
        """Every row's latest pulse check, worked out once for the page (scoring two waves per row)."""
        if self._pulses is None:
            from .. import cache

            self._pulses = cache.pulse_results(self.ctx.store, self.ctx.county)
        return self._pulses

    def flush(self) -> None:
        for ed in self.editors.values():
            ed.flush()

    def frame(self):
        """The matrix as a table with the framework's column headings."""
        rows = {k: ed.collect() for k, ed in self.editors.items()}
        labels = {c.id: c.label for c in self.ctx.framework.planning_columns}
        labels.update({"target": "Element or component", "status": "Status"})
        labels.update(
            {"row": "Row", "step": "Step", "step_status": "Step status", "done_on": "Done on", "note": "Note"}
        )
        labels.update({"due": "Overdue or due soon", "status": "Row status"})
        labels.pop("next_steps", None)
        return planning.matrix_frame(rows, labels, self.names)

    def export(self, fmt: str):
        self.flush()
        path = self.ctx.export_dir() / f"planning-matrix.{fmt}"
        try:
            write_table(self.frame(), path, sheet="Planning matrix")
        except OrbError as exc:
            self.export_out.value = status(str(exc), "err")
            return None
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if fmt == "xlsx" else "text/csv"
        self.export_out.value = status(
            f"Saved to {path}.", links=[download(path.name, path.read_bytes(), mime, f"Download {path.name}")]
        )
        return path

    def _refresh(self) -> None:
        keys = list(self.editors)
        self.rows.children = [self.editors[k] for k in keys]
        for n, k in enumerate(keys):
            ed = self.editors[k]
            flag = f" · {ed.due}" if ed.due else ""
            self.rows.set_title(n, f"{self.names[ed.target]} · {ed.status_choice.value}{flag}")
        offered = self.suggestions()
        once = {}
        for x in offered:  # two people may name the same step: offer it once
            once.setdefault(x.step, x)
        kept = self.suggest_choice.value
        self.suggest_choice.options = [(f"{x.step} ({x.person}, {x.title})", step) for step, x in once.items()]
        # a Dropdown given new options shows nothing chosen; show the one in use, else the first
        self.suggest_choice.value = kept if kept in once else next(iter(once), None)
        self.suggest_box.layout.display = "flex" if offered else "none"
        have = {ed.target for ed in self.editors.values()}
        # elements without a row first; a second row about an element is allowed
        offered = [(name, key) for key, name in self._offered.items() if key not in have]
        offered += [(f"{name} (another row)", key) for key, name in self._offered.items() if key in have]
        kept_choice = self.add_choice.value
        self.add_choice.options = offered
        values = [key for _, key in offered]
        self.add_choice.value = kept_choice if kept_choice in values else next(iter(values), None)
        self.add_button.disabled = not offered
        if keys:
            counts = planning.status_counts({k: ed.collect() for k, ed in self.editors.items()})
            self.summary.value = html(
                "matrix_summary.html.j2", rows=len(keys), counts=[(s, int(n)) for s, n in counts.items() if n]
            )
        else:
            self.summary.value = note("No rows yet. Start from your survey priorities, or add a row.").value
