"""Step 3: key messages — draft, test with audiences, revise, compare."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import ipywidgets as w

from ..exceptions import InvalidValue
from ..keymessages import RATING_CHOICES, RATING_SCALE, check_test, ratings_alt, ratings_frame, tests_table
from ..palette import audience_colors
from ..views import key_message_view
from ..workbook import load_all
from .choosers import EntryChooser
from .context import WorkbookContext
from .controls import button, field, row, text_area, text_box
from .editor import EntryEditor
from .style import html, kept_chart, note, status, subheading

RATINGS = RATING_CHOICES  # the name this module had before the ratings moved to orb_widgets.keymessages
__all__ = ["KeyMessages", "MessageEditor", "RATINGS", "ratings_frame"]


class MessageEditor(EntryEditor):
    """One key message: its wording (newest version), its tests and the comparison chart."""

    kind = "key_message"

    def __init__(self, ctx: WorkbookContext, key: str, today=dt.date.today, **kw):
        fw = ctx.framework
        self.questions = list(fw.key_message_questions) if fw else []
        self._today = today
        self._versions: list[dict] = []
        self._tests: list[dict] = []
        self.title = text_box("Message name", "a short name for this message", size="long")
        self.wording = text_area("Wording", "Write the message the way you would say it", rows=3)
        self.version_note = w.HTML()
        self.new_version_button = button(
            "Start a new version", "Keep this version as it is and start a revised copy to change", icon="copy"
        )
        self.new_version_button.on_click(lambda _: self.new_version())
        self.earlier = w.HTML()
        # recording a test
        self.test_version = field(
            w.Dropdown(description="Version tested", tooltip="Which version of the message you tried out"), "medium"
        )
        self.audience = text_box("Audience", "e.g. staff, leaders, partners", size="long")
        self.event = text_box("Where", "e.g. staff meeting, partner meeting", size="long")
        self.when = field(w.DatePicker(description="Date", tooltip="Date of the test"), "short")
        self.people = field(
            w.BoundedIntText(
                value=0, min=0, max=100_000, description="How many people", tooltip="How many people heard the message"
            ),
            "short",
        )
        self.ratings = {
            q.id: field(w.Dropdown(options=RATINGS, value=0, description=q.label, tooltip=q.help or q.label), "medium")
            for q in self.questions
        }
        self.feedback = text_area("What people said", "Their words, in short", rows=2)
        self.record_button = button("Record this test", "Save this test with the message", "primary", "check")
        self.record_button.on_click(lambda _: self.record_test())
        self.test_message = w.HTML()
        self.tests_table = w.HTML()
        self.chart = w.HTML()
        test_form = w.VBox(
            [
                subheading("Record a test"),
                note(
                    "After you try the message with a group, note who heard it and how it landed. Rate each "
                    "question from 1 (not at all) to 5 (very much)."
                ),
                row(self.test_version, self.when, self.people),
                row(self.audience, self.event),
                *self.ratings.values(),
                self.feedback,
                self.record_button,
                self.test_message,
            ]
        )
        super().__init__(
            ctx,
            key,
            [
                self.title,
                self.version_note,
                self.wording,
                self.new_version_button,
                self.earlier,
                test_form,
                subheading("Tests so far"),
                self.tests_table,
                self.chart,
            ],
            **kw,
        )
        self.watch(self.title, self.wording)
        self.load()

    def default(self) -> dict:
        return {"title": "New message", "versions": [{"version": 1, "text": "", "created": None}], "tests": []}

    def collect(self) -> dict:
        versions = [dict(v) for v in self._versions] or [{"version": 1, "text": "", "created": None}]
        versions[-1]["text"] = self.wording.value
        return {
            "title": self.title.value.strip() or "Key message",
            "versions": versions,
            "tests": [dict(t) for t in self._tests],
        }

    def fill(self, body: dict) -> None:
        self.title.value = body.get("title", "")
        self._versions = [dict(v) for v in body.get("versions", [])] or [{"version": 1, "text": "", "created": None}]
        self._tests = [dict(t) for t in body.get("tests", [])]
        self.wording.value = self._versions[-1].get("text", "")
        self._show()

    def after_save(self, doc) -> None:
        self._versions = [dict(v) for v in doc.body.get("versions", [])]
        self._tests = [dict(t) for t in doc.body.get("tests", [])]
        self._show()

    def new_version(self) -> bool:
        latest = self.collect()["versions"][-1]
        n = latest["version"] + 1
        self._versions = [
            *self.collect()["versions"],
            {"version": n, "text": latest["text"], "created": self._today().isoformat()},
        ]
        ok = self.save_body(self.collect())
        if not ok:
            self._versions.pop()
        else:
            self.test_message.value = ""
        self._show()
        return ok

    def record_test(self, **values) -> bool:
        """Add a test from the form (or from ``values``, for code); refused with a message if not valid."""
        test = {
            "version": self.test_version.value or len(self._versions),
            "audience": self.audience.value,
            "event": self.event.value,
            "date": self.when.value.isoformat() if self.when.value else None,
            "people": self.people.value,
            "feedback": self.feedback.value,
            "ratings": {q: c.value for q, c in self.ratings.items() if c.value},
        }
        test.update(values)
        try:
            check_test(test, [v["version"] for v in self._versions], [q.id for q in self.questions])
        except InvalidValue as exc:
            self.test_message.value = status(f"Not recorded: {exc}", "err")
            return False
        self._tests.append(test)
        if not self.save_body(self.collect()):
            self._tests.pop()
            self.test_message.value = status("Not recorded; see above.", "err")
            return False
        self.test_message.value = status(f"Test with {test['audience']} recorded.")
        self.audience.value = self.event.value = self.feedback.value = ""
        self.people.value = 0
        for c in self.ratings.values():
            c.value = 0
        return True

    def _show(self) -> None:
        versions = self._versions
        latest = versions[-1]["version"] if versions else 1
        tested = {t["version"] for t in self._tests}
        self.version_note.value = html(
            "message_versions.html.j2",
            latest=latest,
            tested=latest in tested,
            older=[{"version": v["version"], "text": v.get("text", "")} for v in versions[:-1]],
        )
        self.earlier.value = ""
        opts = [(f"Version {v['version']}", v["version"]) for v in versions]
        self.test_version.options = opts
        if opts:
            self.test_version.value = opts[-1][1]
        # In the order they happened: each version's tests by date, so a reader sees the revision work.
        ordered = sorted(self._tests, key=lambda t: (t.get("version") or 0, t.get("date") or ""))
        message = {"title": "x", "versions": versions, "tests": ordered}
        table = tests_table(message, self.questions)
        # The section's own heading already says "Tests so far": the caption only gives the scale.
        table = replace(table, caption=f"Ratings from 1 (not at all) to {RATING_SCALE} (very much).")
        self.tests_table.value = html("message_tests.html.j2", table=table, cls="orb-tests")
        self.chart.value = ""
        frame = ratings_frame(message)
        if not frame.empty:
            # coloured as in every chart of the county's (its packet's too): by all its messages' audiences
            saved = [key_message_view(m) for m in load_all(self.ctx.store, self.ctx.county, self.kind).values()]
            colors = audience_colors([*frame["audience"], *(x["audience"] for v in saved for x in v.records)])
            title = "Average rating by version and audience"

            def draw():
                from ..plots import key_message_ratings

                return key_message_ratings(frame, title=title, colors=colors)

            # drawn once per set of ratings and kept: opening the step again draws nothing
            inputs = {"ratings": frame.to_dict("split")["data"], "colors": colors, "title": title}
            self.chart.value = kept_chart(self.ctx.store, "key-message-ratings", inputs, draw, ratings_alt(frame))


class KeyMessages(EntryChooser):
    """All the county's key messages: pick one or draft a new one."""

    kind = "key_message"
    choose_label, choose_tooltip = "Message", "Open a saved key message"
    new_label, new_placeholder = "New message name", "e.g. Why readiness matters"
    new_button_label, new_button_tooltip = "Draft a new message", "Start a new key message"
    header_title = "Your messages"
    header_text = (
        "A key message says in a sentence or two why this work matters. Draft it, try it "
        "with different groups, note how it landed, and revise."
    )
    empty_text = "No key messages yet: give one a name and draft it."
    default_title = "Key message"
    key_prefix = "message-"

    def new_body(self, title: str) -> dict:
        return {"title": title, "versions": [{"version": 1, "text": ""}], "tests": []}

    def make_editor(self, key: str):
        return MessageEditor(self.ctx, key, **self._editor_kw)

    new_message = EntryChooser.new_entry
    show_message = EntryChooser.show_entry
