"""Step 1: start here — the workspace, its counties, and how far each county has got.

What counts as done is :func:`orb_widgets.progress.progress`; this page only shows it.
"""

from __future__ import annotations

import ipywidgets as w

from ..content import DEFAULT_WORDS, Words, framework_words, list_frameworks
from ..exceptions import OrbError
from ..progress import STEPS, matrix_steps, progress, steps, webinar_steps
from ..settings import Settings
from ..store import Store
from .context import page_app
from .controls import button, field, row, text_box
from .style import html, note, refused, section_header, status, styled, subheading

__all__ = ["STEPS", "StartHere", "matrix_steps", "progress", "start_here", "webinar_steps"]


class StartHere(w.VBox):
    """Pick the county to work on (or add one) and see its progress through the workbook.

    The choice belongs to this page: on a served workbook the step links
    below carry it in their address (``?county=NAME``), so each person's
    pages open on their own county and nobody else's change. With
    ``fixed=True`` (a locked server) only ``county`` is offered and no county
    can be added.
    """

    def __init__(
        self, store: Store, county: str = "", fixed: bool = False, settings: Settings | None = None, wave: str = ""
    ):
        self.store = store
        self._fixed = fixed
        self._settings = settings or Settings()
        self._wave = wave
        names = [c.name for c in store.counties()]
        if fixed:
            names = [store.county(county).name]  # UnknownCounty if the server's county is gone
        chosen = county or (names[0] if names else None)
        if chosen not in names:
            chosen = names[0] if names else None
        self.county = field(w.Dropdown(options=names, value=chosen, disabled=fixed), "medium")
        frameworks = list_frameworks()
        self.new_name = text_box("New", "its name", size="medium")
        self.new_framework = field(
            w.Dropdown(
                options=[(f["title"], f["id"]) for f in frameworks],
                value=_framework_or(store, chosen, frameworks),
                description="Framework",
            ),
            "medium",
        )
        self.add_button = button("Add", "", icon="plus")
        self.add_button.on_click(lambda _: self.add_county(self.new_name.value, self.new_framework.value))
        self.message = w.HTML()
        self.checklist = w.HTML()
        self.webinar_steps = w.HTML()
        self.links = w.HTML()
        self.header, self.about, self.add_heading = w.HTML(), w.HTML(), subheading("")
        self.webinar_header = w.HTML()
        add_box = [] if fixed else [self.add_heading, row(self.new_name, self.new_framework, self.add_button)]
        super().__init__(
            [
                self.header,
                self.about,
                self.county,
                self.message,
                *add_box,
                section_header("Where we are", ""),
                self.checklist,
                self.webinar_header,
                self.webinar_steps,
                section_header("The workbook, step by step", ""),
                self.links,
            ]
        )
        self.county.observe(self._county_changed, "value")
        self.new_framework.observe(lambda _: self._name_adding(), "value")
        self._name_adding()
        self.refresh()

    @property
    def words(self) -> Words:
        """The words of the chosen unit's framework: a CPS page says municipality, not county."""
        if not self.county.value:
            return DEFAULT_WORDS
        return framework_words(self.store.county(self.county.value).framework)

    def _name_adding(self) -> None:
        words = framework_words(self.new_framework.value)
        self.add_heading.value = subheading(f"Add a {words.unit}").value
        self.new_name.description = f"New {words.unit}"
        self.new_framework.tooltip = f"The framework this {words.unit} is getting ready for"
        self.add_button.description = f"Add {words.unit}"
        self.add_button.tooltip = f"Add a {words.unit} to this workspace"

    def _name_page(self) -> None:
        words = self.words
        self.county.description = words.unit_title
        self.county.tooltip = f"The {words.unit} whose workbook you are filling in"
        self.header.value = section_header(
            f"Your {words.unit}",
            f"Pick your {words.unit}. The checklist shows what your team has done so far "
            "and what comes next. Every page saves as you type.",
        ).value
        self.webinar_header.value = section_header(
            "Next steps from the coach's webinars",
            f"What your people said they would take back to the {words.unit}. Accept one into a row "
            "of the planning matrix (step 7).",
        ).value
        self.about.value = styled(
            "start_about.html.j2",
            where=self.store.folder.name if self.store.folder else "",
            units=_unit_counts(self.store),
            demo=self.store.get_meta("demo") or "",
        ).value

    def _county_changed(self, change) -> None:
        if change["new"] and not self._fixed:
            self.message.value = html("start_chosen.html.j2", served=self._settings.served, county=change["new"])
        self.refresh()

    def add_county(self, name: str, framework: str) -> bool:
        if self._fixed:  # a crafted click on the hidden button of a locked page
            self.message.value = status(
                f"This workbook is open for {self.county.value} only; others are added elsewhere.", "err"
            )
            return False
        name = (name or "").strip()
        if not name or len(name) > 200:
            self.message.value = status(
                f"Give the {framework_words(framework).unit} a name (up to 200 characters).", "err"
            )
            return False
        if framework not in {f["id"] for f in list_frameworks()}:
            self.message.value = status("Pick one of the frameworks listed.", "err")
            return False
        c = self.store.add_county(name, framework)
        self.county.options = [x.name for x in self.store.counties()]
        self.county.value = c.name
        self.new_name.value = ""
        self.message.value = status(f"Added {c.name}. Next: tailor its assessment (step 4).")
        return True

    def link(self, notebook: str) -> str:
        """The address of a step for the county chosen on this page."""
        if not self.county.value:
            return notebook
        return self._settings.page_link(notebook, self.county.value, self._wave)

    def refresh(self) -> None:
        self._name_page()
        self.links.value = html(
            "start_steps.html.j2", steps=[(self.link(f), title, what) for f, title, what in steps(self.words)]
        )
        if not self.county.value:
            self.checklist.value = note("This workspace has nobody's workbook yet: add one above.").value
            return
        self.webinar_steps.value = html(
            "webinar_suggestions.html.j2",
            items=webinar_steps(self.store, self.county.value),
            taken=matrix_steps(self.store, self.county.value),
        )
        lines = progress(self.store, self.county.value)
        self.checklist.value = html(
            "start_checklist.html.j2",
            county=self.county.value,
            done=sum(1 for p in lines if p.done),
            items=[(p, self.link(p.page)) for p in lines],
        )


def _framework_or(store: Store, county: str | None, frameworks: list[dict]) -> str:
    """The framework offered for a new unit: the chosen unit's, else the first shipped one."""
    ids = [f["id"] for f in frameworks]
    own = store.county(county).framework if county else None
    return own if own in ids else ids[0]


def _unit_counts(store: Store) -> str:
    """How many units the workspace holds, each in its framework's words: ``3 counties, 1 municipality``."""
    by_word: dict[str, tuple[Words, int]] = {}
    for c in store.counties():
        words = framework_words(c.framework)
        n = by_word.get(words.unit, (words, 0))[1]
        by_word[words.unit] = (words, n + 1)
    return ", ".join(words.units(n) for words, n in by_word.values())


def start_here(workspace=None, county: str = "", settings: Settings | None = None) -> StartHere:
    """The Start page for a workspace folder (``None``: the settings' workspace).

    The page opens on ``county``, else the county in its address, else the
    server's; a locked server offers its county only.
    """
    app = page_app(workspace, settings)  # a page call: its kernel's entry point
    settings = app.settings
    try:
        county, wave = settings.page_target(county or "")
        store = app.store
        if county:
            county = store.county(county).name  # an address naming an unknown county says so
        return StartHere(store, county, fixed=settings.locked, settings=settings, wave=wave)
    except OrbError as exc:
        if not settings.served:
            raise
        return refused(exc)
