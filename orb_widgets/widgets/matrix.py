"""Step 7: the SO WHAT? planning matrix, one saved row per element or component."""

from __future__ import annotations

import datetime as dt

import ipywidgets as w

from .. import planning, workbook
from ..exceptions import OrbError, StaleEdit
from ..exports import write_table
from ..planning import targets
from ..progress import webinar_steps
from ..views import date
from ..views.planning import due
from ..workbook import STATUSES
from .context import WorkbookContext
from .controls import button, field, row, text_area, text_box
from .editor import ANONYMOUS, EntryEditor
from .style import download, html, note, section_header, status, subheading

__all__ = ["MatrixRowEditor", "PlanningMatrix", "targets"]


class MatrixRowEditor(EntryEditor):
    """One row of the matrix: what we learned, why it matters, next steps, who, by when …"""

    kind = "matrix_row"

    def __init__(self, ctx: WorkbookContext, target: str, today=dt.date.today, **kw):
        fw = ctx.framework
        cols = {c.id: c for c in fw.planning_columns}

        def label(cid, fallback):
            c = cols.get(cid)
            return (c.label, c.help) if c else (fallback, "")

        def area(cid, fallback, rows=3):
            text, help_ = label(cid, fallback)
            return text_area(text, help=help_, rows=rows)

        self._today = today
        self.learned = area("what_we_learned", "What we learned")
        self.why = area("why_it_matters", "Why it matters")
        steps_label, steps_help = label("next_steps", "Next steps (1 to 3)")
        self.steps = [text_box(f"Step {n}", steps_help if n == 1 else "", size="full") for n in (1, 2, 3)]
        who_label, who_help = label("who", "Who")
        self.who = text_box(who_label, who_help, size="long")
        by_label, _ = label("by_when", "By when")
        self.by_when = field(w.DatePicker(description=by_label, tooltip=by_label), "short")
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
        body = [
            self.learned,
            self.why,
            subheading(steps_label),
            *self.steps,
            self.who,
            self.by_when,
            self.support,
            self.know,
            row(self.status_choice, self.history),
        ]
        super().__init__(ctx, target, body, **kw)
        self.watch(
            self.learned, self.why, *self.steps, self.who, self.by_when, self.support, self.know, self.status_choice
        )
        self.load()

    def default(self) -> dict:
        return workbook.MatrixRow(target=self.key).model_dump(mode="json")

    def collect(self) -> dict:
        history = [dict(h) for h in self._history]
        status = self.status_choice.value
        last = history[-1]["status"] if history else self._status_before
        if status != last:
            history.append({"status": status, "on": self._today().isoformat(), "note": ""})
        return {
            "target": self.key,
            "what_we_learned": self.learned.value,
            "why_it_matters": self.why.value,
            "next_steps": [s.value for s in self.steps if s.value.strip()],
            "who": self.who.value,
            "by_when": self.by_when.value.isoformat() if self.by_when.value else None,
            "support_needed": self.support.value,
            "how_we_will_know": self.know.value,
            "status": status,
            "status_history": history,
        }

    def fill(self, body: dict) -> None:
        self.learned.value = body.get("what_we_learned", "")
        self.why.value = body.get("why_it_matters", "")
        steps = list(body.get("next_steps", [])) + ["", "", ""]
        for box, text in zip(self.steps, steps):
            box.value = text
        self.who.value = body.get("who", "")
        self.support.value = body.get("support_needed", "")
        self.know.value = body.get("how_we_will_know", "")
        by = body.get("by_when")
        self.by_when.value = dt.date.fromisoformat(by) if isinstance(by, str) and by else None
        status = body.get("status", "not started")
        self.status_choice.value = status if status in STATUSES else "not started"
        self._status_before = self.status_choice.value
        self._history = [dict(h) for h in body.get("status_history", [])]
        self._show_history()

    def after_save(self, doc) -> None:
        self._history = [dict(h) for h in doc.body.get("status_history", [])]
        self._status_before = doc.body.get("status", "not started")
        self._show_history()

    def _show_history(self) -> None:
        self.history.value = html(
            "matrix_history.html.j2", history=[(h["status"], date(h["on"])) for h in self._history[-4:]]
        )


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
        for key in workbook.load_all(ctx.store, ctx.county, "matrix_row"):
            if key in self.names:
                self._add_editor(key)
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
        for key, body in rows.items():
            if key in self.editors or key not in self.names:
                continue
            self._create(key, body)
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
        taken = {s.strip() for ed in self.editors.values() for s in ed.collect()["next_steps"]}
        return [s for s in webinar_steps(self.ctx.store, self.ctx.county) if s.step.strip() not in taken]

    def accept(self, step: str | None, target: str | None) -> bool:
        """Put a webinar next step into the row for ``target`` (made if new); the team edits it there."""
        if not step or target not in self.names:
            self.message.value = status("Pick a next step and a row first.", "err")
            return False
        if target not in self.editors:
            self._create(target, workbook.MatrixRow(target=target).model_dump(mode="json"))
        ed = self.editors[target]
        free = [box for box in ed.steps if not box.value.strip()]
        if not free:
            self.message.value = status(
                f"The row for {self.names[target]} already has three next steps; finish "
                "or clear one, or pick another row.",
                "warn",
            )
            return False
        free[0].value = step
        ed.flush()
        self._refresh()
        self.rows.selected_index = list(self.editors).index(target)
        self.message.value = status(f"Added “{step}” to the row for {self.names[target]}; it is open below.")
        return True

    def _county_results(self):
        from ..results import county_results

        return county_results(self.ctx.store, self.ctx.county, self.ctx.wave)

    def add_row(self, target: str | None) -> bool:
        if target not in self.names:
            self.message.value = status(
                f"Not added: “{target}” is not an element or readiness component of this framework.", "err"
            )
            return False
        if target not in self.editors:
            self._create(target, workbook.MatrixRow(target=target).model_dump(mode="json"))
        self._refresh()
        self.rows.selected_index = list(self.editors).index(target)
        self.message.value = status(f"Row for {self.names[target]} is open below.")
        return True

    def _create(self, key: str, body: dict) -> None:
        try:
            workbook.save(
                self.ctx.store, self.ctx.county, "matrix_row", key, body, self.ctx.user or ANONYMOUS, expected_version=0
            )
        except StaleEdit:
            pass  # a teammate started this row a moment ago: open theirs
        self._add_editor(key)

    def _add_editor(self, key: str) -> None:
        ed = MatrixRowEditor(self.ctx, key, **self._editor_kw)
        ed.status_choice.observe(lambda _: self._refresh(), "value")
        ed.by_when.observe(lambda _: self._refresh(), "value")
        self.editors[key] = ed

    def flush(self) -> None:
        for ed in self.editors.values():
            ed.flush()

    def frame(self):
        """The matrix as a table with the framework's column headings."""
        rows = {k: ed.collect() for k, ed in self.editors.items()}
        labels = {c.id: c.label for c in self.ctx.framework.planning_columns}
        labels.update({"target": "Element or component", "status": "Status"})
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
            late = " · overdue" if due(ed.by_when.value, ed.status_choice.value) == "overdue" else ""
            self.rows.set_title(n, f"{self.names[k]} · {ed.status_choice.value}{late}")
        offered = self.suggestions()
        once = {}
        for x in offered:  # two people may name the same step: offer it once
            once.setdefault(x.step, x)
        kept = self.suggest_choice.value
        self.suggest_choice.options = [(f"{x.step} ({x.person}, {x.title})", step) for step, x in once.items()]
        # a Dropdown given new options shows nothing chosen; show the one in use, else the first
        self.suggest_choice.value = kept if kept in once else next(iter(once), None)
        self.suggest_box.layout.display = "flex" if offered else "none"
        free = [(name, key) for key, name in self._offered.items() if key not in self.editors]
        self.add_choice.options = free
        self.add_choice.value = free[0][1] if free else None
        self.add_button.disabled = not free
        if keys:
            counts = planning.status_counts({k: ed.collect() for k, ed in self.editors.items()})
            self.summary.value = html(
                "matrix_summary.html.j2", rows=len(keys), counts=[(s, int(n)) for s, n in counts.items() if n]
            )
        else:
            self.summary.value = note("No rows yet. Start from your survey priorities, or add a row.").value
