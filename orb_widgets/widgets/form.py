"""The respondent form: one person's anonymous answers to the county's survey.

Served on its own by ``orb serve --form --county NAME``. Nothing on the page
identifies the respondent or shows anyone else's answers; after sending, the
form empties itself so the next person at a shared computer starts clean.

Every value that arrives from the browser is checked here, in the kernel,
against the county's instrument (:func:`build_response`) and again by the
store: a crafted client that sets widget values directly gets a refusal, never
a stored answer. This module deliberately imports neither pandas nor the
other workbook widgets, so a respondent's kernel starts quickly.

>>> from orb_widgets.instrument import tailor
>>> inst = tailor("cpm-orb", county="Example County", elements=["A"], points=4)
>>> r = build_response(inst, "supervisors", {inst.items[0].id: 3})
>>> r.role, r.answers[inst.items[0].id]
('supervisors', 3)
"""
from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import ipywidgets as W
from traitlets import TraitError, Unicode, validate

from ..exceptions import InvalidValue, OrbError
from ..instrument import Instrument
from ..paths import workspace_dir
from ..settings import Settings
from ..store import NewResponse, Store

MAX_COMMENT = 2000
DK = "dk"


# ---------------------------------------------------------------- pure checks
def default_wave(store: Store, county: str, today: dt.date | None = None) -> str:
    """The wave new answers go to: the configured open wave, else the latest, else this season.

    A coordinator opens a wave with ``store.set_meta("open_wave:<county>", "2026-fall")``.
    """
    configured = store.get_meta(f"open_wave:{county}")
    if configured:
        return configured
    known = store.waves(county)
    if known:
        return known[-1]
    today = today or dt.date.today()
    return f"{today.year}-{'spring' if today.month <= 6 else 'fall'}"


def form_settings(county: str | None = None, wave: str | None = None, workspace=None,
                  environ=None, settings: Settings | None = None) -> tuple[str | None, str | None, Path]:
    """Resolve county, wave and workspace; the server's fixed values always win.

    When the server fixed a county (``orb serve --form``), a notebook parameter,
    query string or crafted request naming another county, wave or workspace is
    refused, never followed. ``settings`` defaults to :meth:`Settings.from_env`
    of ``environ`` (the process environment when ``None``).
    """
    s = settings or Settings.from_env(environ)
    if s.form_county:
        if county and county.strip() != s.form_county:
            raise InvalidValue(f"this survey link is for {s.form_county}; it cannot collect answers for {county}")
        if wave and s.form_wave and wave != s.form_wave:
            raise InvalidValue(f"this survey link collects wave {s.form_wave}, not {wave}")
        if workspace is not None and workspace_dir(workspace) != s.workspace:
            raise InvalidValue("this survey link stores answers in its own workspace; another one cannot be chosen")
        return s.form_county, s.form_wave or wave, s.workspace
    # A workbook page previewing the form: this person's county (page address), or the server's.
    county, wave = s.page_target(county or "", wave or "")
    return (county or None), (wave or None), workspace_dir(workspace, s)


def build_response(instrument: Instrument, role, answers: dict, comments: dict | None = None) -> NewResponse:
    """Check one person's answers against the instrument and make a :class:`NewResponse`.

    ``answers`` maps item id to a scale point, ``"dk"`` or ``None`` (skipped).
    Raises :class:`InvalidValue` for an unknown role group, an unknown item, an
    answer off the scale or a comment on a section the survey does not have.
    """
    if role is None or str(role).strip() == "":
        raise InvalidValue("Please choose the group that best fits your role (the first question).")
    try:
        role_id = instrument.role(str(role)).id
    except KeyError:
        raise InvalidValue(f"'{role}' is not one of this survey's role groups") from None
    points = instrument.scale.points
    known = {i.id for i in instrument.items}
    clean: dict[str, int | str] = {}
    for item, value in dict(answers).items():
        if item not in known:
            raise InvalidValue(f"statement '{item}' is not in this survey")
        if value is None:
            continue
        if value == DK:
            clean[item] = DK
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= points:
            raise InvalidValue(f"answer {value!r} to statement {item} is not on the {points}-point scale")
        clean[item] = value
    if not clean:
        raise InvalidValue("Please answer at least one statement before sending.")
    notes: dict[str, str] = {}
    for element, text in dict(comments or {}).items():
        if element not in instrument.elements:
            raise InvalidValue(f"comment section '{element}' is not in this survey")
        if not isinstance(text, str):
            raise InvalidValue(f"the comment on section {element} must be text")
        if text.strip():
            notes[element] = text.strip()[:MAX_COMMENT]
    return NewResponse(role=role_id, answers=clean, comments=notes)


# ---------------------------------------------------------------- widgets
def _html(text: str) -> str:
    return html.escape(str(text), quote=True)


class Question(W.VBox):
    """One statement and its answer choices, announced to screen readers as a labelled group."""

    def __init__(self, key: str, text: str, choices: list[tuple[str, object]], hint: str = ""):
        self.key = key
        label_id = f"orb-q-{key}"
        hint_html = f"<span class='orb-hint'>{_html(hint)}</span>" if hint else ""
        self.text = W.HTML(f"<p class='orb-qtext' id='{_html(label_id)}'>{_html(text)}{hint_html}</p>")
        self.choice = W.RadioButtons(options=choices, value=None, orientation="horizontal",
                                     layout=W.Layout(width="auto"))
        self.choice.add_class("orb-choices")
        self.choice.add_class(f"orb-choices-{key}")
        super().__init__([self.text, self.choice])
        self.add_class("orb-item")
        self.add_class(f"orb-item-{key}")

    @property
    def value(self):
        return self.choice.value

    def clear(self) -> None:
        self.choice.value = None


class AssessmentForm(W.VBox):
    """The county's survey as a form: role group, statements by section, comments, send.

    County and wave are fixed when the form is made; they are synced only so
    a page can show them, and any attempt to change them from the browser is
    refused.

    >>> # form = AssessmentForm(store, "Example County"); form.submit.click()
    """

    county = Unicode("").tag(sync=True)
    wave = Unicode("").tag(sync=True)

    def __init__(self, store: Store, county: str, wave: str | None = None,
                 instrument: Instrument | None = None, preview: bool = False):
        county = store.county(county).name
        self.preview = preview
        self._fixed = {"county": county}
        self.store = store
        self.instrument = instrument or store.current_instrument(county)
        self._fixed["wave"] = wave or default_wave(store, county)
        inst = self.instrument
        choices = [*((label, k + 1) for k, label in enumerate(inst.scale.labels)),
                   (inst.scale.dont_know_label, DK)]

        demo = store.get_meta("demo")
        demo_html = f"<p class='orb-demo' role='note'>{_html(demo)}</p>" if demo else ""
        preview_html = ("<p class='orb-demo' role='note'>Preview: answers sent from this page are checked but "
                        "not saved. Staff and partners answer on the survey link "
                        "(<code>orb serve --form</code>).</p>") if preview else ""
        self.header = W.HTML(
            f"<header class='orb-form-header'>"
            f"<p class='orb-eyebrow'>Readiness survey</p>"
            f"<h1>{_html(inst.title)}</h1>"
            f"{'' if county in inst.title else f'<p class=orb-county>{_html(county)}</p>'}"
            f"<p class='orb-intro'>This survey is <strong>anonymous</strong>: it does not ask for your name "
            f"or e-mail, and no one sees your individual answers. Results are shown only for groups of at "
            f"least {inst.min_group} people. It takes about 10 minutes. Choose the answer that fits best; "
            f"“{_html(inst.scale.dont_know_label)}” is always fine.</p>{demo_html}{preview_html}</header>")

        self.role = Question("role", inst.role_question, [(r.label, r.id) for r in inst.roles])
        self.role.choice.orientation = "vertical"
        self.questions: dict[str, Question] = {}
        self.comment_boxes: dict[str, W.Textarea] = {}
        sections = []
        for n, element in enumerate(inst.elements, start=1):
            name = inst.element_names[element]
            qs = []
            for item in (i for i in inst.items if i.element == element):
                q = Question(item.id, item.text, choices)
                self.questions[item.id] = q
                qs.append(q)
            box = W.Textarea(placeholder="Optional. Please do not write names.",
                             description=f"Anything to add about {name.lower()}? (optional)",
                             style={"description_width": "initial"}, layout=W.Layout(width="100%"))
            box.add_class("orb-comment")
            self.comment_boxes[element] = box
            head = W.HTML(f"<h2 class='orb-section'>Part {n} of {len(inst.elements)}: {_html(name)}</h2>")
            section = W.VBox([head, *qs, box])
            section.add_class("orb-section-box")
            sections.append(section)

        total = len(self.questions)
        self.progress = W.IntProgress(value=0, min=0, max=total, description="Progress",
                                      layout=W.Layout(width="60%"))
        self.progress.add_class("orb-progress")
        self.progress_text = W.HTML(self._progress_text(0, total))
        progress_row = W.HBox([self.progress, self.progress_text])
        progress_row.add_class("orb-progress-row")

        self.submit = W.Button(description="Send my answers", button_style="primary",
                               tooltip="Send your answers (anonymous)")
        self.submit.add_class("orb-submit")
        self.status = W.HTML("")
        self.status.add_class("orb-status")
        self.body = W.VBox([progress_row, self.role, *sections, W.HBox([self.submit]), self.status])
        self.body.add_class("orb-form-body")

        self.again = W.Button(description="Start a new survey for the next person",
                              layout=W.Layout(width="auto", align_self="flex-start"))
        self.again.add_class("orb-again")
        self.thanks = W.VBox([W.HTML(
            "<div class='orb-thanks' role='status'><h2>Thank you — your answers were saved.</h2>"
            "<p>They are stored without your name. The form has been cleared, so the next person "
            "using this computer cannot see what you chose.</p></div>"), self.again],
            layout=W.Layout(display="none"))

        super().__init__([self.header, self.body, self.thanks])
        self.add_class("orb-form")
        self.county = county
        self.wave = self._fixed["wave"]
        for q in self.questions.values():
            q.choice.observe(self._on_answer, "value")
        self.submit.on_click(lambda _b: self.send())
        self.again.on_click(lambda _b: self.reopen())

    # Values the page may display but never change.
    @validate("county", "wave")
    def _refuse_change(self, proposal):
        name = proposal["trait"].name
        fixed = getattr(self, "_fixed", {}).get(name)
        if fixed is not None and proposal["value"] != fixed:
            raise TraitError(f"the survey's {name} is fixed by the server")
        return proposal["value"]

    @staticmethod
    def _progress_text(n: int, total: int | None = None) -> str:
        return f"<span class='orb-progress-text' aria-live='polite'>{n} answered</span>" if total is None \
            else f"<span class='orb-progress-text' aria-live='polite'>{n} of {total} answered</span>"

    def _on_answer(self, _change=None) -> None:
        n = sum(q.value is not None for q in self.questions.values())
        self.progress.value = n
        self.progress_text.value = self._progress_text(n, len(self.questions))

    # ------------------------------------------------------------ actions
    def answers(self) -> dict:
        return {key: q.value for key, q in self.questions.items()}

    def comments(self) -> dict:
        return {element: box.value for element, box in self.comment_boxes.items()}

    def send(self) -> bool:
        """Check and store the answers; on success clear the form and thank the person."""
        try:
            response = build_response(self.instrument, self.role.value, self.answers(), self.comments())
            if self.preview:
                self.status.value = ("<p class='orb-status-ok' role='status'>These answers are complete and "
                                     "valid. This is a preview, so they were not saved.</p>")
                return False
            self.store.add_response(self._fixed["county"], self._fixed["wave"], response,
                                    instrument=self.instrument)
        except OrbError as exc:
            self.status.value = f"<p class='orb-error' role='alert'>{_html(exc)}</p>"
            return False
        self.clear()
        self.body.layout.display = "none"
        self.thanks.layout.display = None
        return True

    def clear(self) -> None:
        """Empty every answer and comment (server-side, so the browser's copy empties too)."""
        self.role.clear()
        for q in self.questions.values():
            q.clear()
        for box in self.comment_boxes.values():
            box.value = ""
        self.status.value = ""
        self._on_answer()

    def reopen(self) -> None:
        self.clear()
        self.thanks.layout.display = "none"
        self.body.layout.display = None


def _notice(title: str, text: str) -> W.HTML:
    return W.HTML(f"<div class='orb-form-header'><h1>{_html(title)}</h1><p>{_html(text)}</p></div>")


def take_assessment(county: str | None = None, wave: str | None = None, workspace=None):
    """The form for a notebook or a served link; a person sees a plain message, never a traceback."""
    settings = Settings.from_env()
    try:
        county, wave, folder = form_settings(county, wave, workspace, settings=settings)
        if not county:
            return _notice("Readiness survey", "No county is chosen for this survey yet. "
                           "In the first cell, set county = \"Your County\" (or serve it with "
                           "'orb serve --form --county NAME').")
        store = Store.open(folder, create=False)
        # Only the form server (orb serve --form) stores answers; elsewhere it is a preview.
        return AssessmentForm(store, county, wave, preview=not settings.form_county)
    except OrbError as exc:
        return _notice("This survey is not available", str(exc))
