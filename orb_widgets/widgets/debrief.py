"""Step 6, under the results: the debrief guide. Per element its survey result, its reflection prompts, and
what the team makes of them, saved as it types (a workbook entry with history, ``debrief``).

Where the wave is too small to show an element (or no survey was run), the team rates it 1–5 together
with its reasons: a team rating, said to be one wherever it is shown, never mixed with survey numbers.
Opening the page writes nothing; only a person's own edit is saved (:class:`.editor.EntryEditor`).
"""

from __future__ import annotations

import ipywidgets as w

from .. import workbook
from ..exceptions import OrbError
from ..views.debrief import TEAM_RATING, TEAM_RATING_NOTE, DebriefCard, debrief_view
from ..workbook import RATINGS, debrief_key
from .context import WorkbookContext
from .controls import field, text_area
from .editor import EntryEditor
from .style import html, note, section_header

NOT_RATED = 0
RATING_OPTIONS = [("Not rated yet", NOT_RATED)] + [(f"{n}: {words}", n) for n, words in RATINGS.items()]

__all__ = ["DebriefEditor", "DebriefGuide"]


class DebriefEditor(EntryEditor):
    """One element's debrief in one wave: the survey line and prompts, the team's reading, its rating."""

    kind = "debrief"

    def __init__(self, ctx: WorkbookContext, card: DebriefCard, wave: str, **kw):
        self.element, self.wave, self.card = card.element, wave or "", card
        self.reading = text_area(
            "What we make of it",
            help="What stands out for your team, what surprised you, what you want to work on",
            rows=4,
        )
        self.rating = field(
            w.Dropdown(
                options=RATING_OPTIONS,
                value=NOT_RATED,
                description=TEAM_RATING,
                tooltip="Your team's own rating of this element, after talking it over (not a survey result)",
            ),
            "medium",
        )
        self.reasons = text_area("Our reasons for this rating", help="Why the team chose this rating", rows=3)
        self.rating_box = w.VBox(
            [
                w.HTML(html("debrief_rating.html.j2", label=TEAM_RATING, note=TEAM_RATING_NOTE)),
                self.rating,
                self.reasons,
            ]
        )
        children = [w.HTML(html("debrief_card.html.j2", card=card)), self.reading, self.rating_box]
        super().__init__(ctx, debrief_key(self.element, self.wave), children, **kw)
        self.watch(self.reading, self.rating, self.reasons)
        self.load()
        self._show_rating()

    def default(self) -> dict:
        return workbook.Debrief(element=self.element, wave=self.wave).model_dump(mode="json")

    def collect(self) -> dict:
        rating = self.rating.value or None
        return {
            "element": self.element,
            "wave": self.wave,
            "reading": self.reading.value,
            "rating": rating,
            "reasons": self.reasons.value,
        }

    def fill(self, body: dict) -> None:
        self.reading.value = body.get("reading", "")
        rating = body.get("rating")
        self.rating.value = rating if rating in RATINGS else NOT_RATED
        self.reasons.value = body.get("reasons", "")

    def _show_rating(self) -> None:
        # Rated where the survey cannot show the element; a rating saved earlier stays in view.
        rated = bool(self.rating.value or self.reasons.value.strip())
        self.rating_box.layout.display = None if (not self.card.shown or rated) else "none"

    @property
    def title(self) -> str:
        """The element's line in the list: its label and its survey result, or its team rating."""
        if self.rating.value:
            return f"{self.card.label} · {TEAM_RATING.lower()} {self.rating.value} of 5"
        return f"{self.card.label} · {self.card.brief}"


class DebriefGuide(w.VBox):
    """Every element's debrief for the wave on show: one panel each, the first one open.

    ``follow`` (a :class:`.results.ResultsDashboard`) makes the guide show the dashboard's wave and reuse its
    scores; without it the guide scores ``ctx``'s wave (the latest by default) itself.
    """

    def __init__(self, ctx: WorkbookContext, follow=None, **editor_kw):
        self.ctx, self._follow, self._editor_kw = ctx, follow, editor_kw
        self.editors: dict[str, DebriefEditor] = {}
        self.lead = w.HTML()
        self.panels = w.Accordion()
        super().__init__(
            [
                section_header(
                    "Talk it through",
                    "Before you plan, talk each element over as a team. Its questions stand beside its result; "
                    "write down what you make of it. Everything saves as you type, with your name.",
                ),
                self.lead,
                self.panels,
            ]
        )
        if follow is not None:
            follow.wave.observe(lambda _: self.show(), "value")
        self.show()

    def _report(self):
        if self._follow is not None:
            return self._follow.results
        from ..results import county_results

        try:
            return county_results(self.ctx.store, self.ctx.county, self.ctx.wave)
        except OrbError:
            return None

    def show(self) -> None:
        """Build the panels for the wave on show (saving whatever is still waiting first)."""
        self.flush()
        report = self._report()
        wave = report.wave if report is not None and report.wave else ""
        try:
            elements = list(self.ctx.store.current_instrument(self.ctx.county).elements)
        except OrbError:
            elements = [e.id for e in self.ctx.framework.elements] if self.ctx.framework else []
        view = debrief_view(
            self.ctx.framework, elements, report, workbook.debriefs(self.ctx.store, self.ctx.county, wave)
        )
        self.lead.value = note(view.lead).value
        self.editors = {c.element: DebriefEditor(self.ctx, c, wave, **self._editor_kw) for c in view.cards}
        for ed in self.editors.values():
            ed.rating.observe(lambda _c, ed=ed: self._retitle(ed), "value")
        self.panels.children = list(self.editors.values())
        for n, ed in enumerate(self.editors.values()):
            self.panels.set_title(n, ed.title)
        self.panels.selected_index = 0 if self.editors else None

    def _retitle(self, ed: DebriefEditor) -> None:
        ed._show_rating()
        self.panels.set_title(list(self.editors.values()).index(ed), ed.title)

    def flush(self) -> None:
        for ed in self.editors.values():
            ed.flush()
