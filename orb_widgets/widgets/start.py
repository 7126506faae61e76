"""Step 1: start here — the workspace, its counties, and how far each county has got.

What counts as done is :func:`orb_widgets.progress.progress`; this page only shows it.
"""
from __future__ import annotations

import ipywidgets as w

from ..content import list_frameworks
from ..exceptions import OrbError
from ..progress import STEPS, matrix_steps, progress, webinar_steps
from ..settings import Settings
from ..store import Store
from .context import page_settings
from .controls import LABEL_STYLE, button, text_box
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

    def __init__(self, store: Store, county: str = "", fixed: bool = False, settings: Settings | None = None,
                 wave: str = ""):
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
        self.county = w.Dropdown(options=names, value=chosen, description="County", style=LABEL_STYLE,
                                 layout=w.Layout(width="480px"), disabled=fixed,
                                 tooltip="The county whose workbook you are filling in")
        frameworks = list_frameworks()
        self.new_name = text_box("New county", "its name", width="360px")
        self.new_framework = w.Dropdown(options=[(f["title"], f["id"]) for f in frameworks],
                                        description="Framework", style=LABEL_STYLE, layout=w.Layout(width="480px"),
                                        tooltip="The framework this county is getting ready for")
        self.add_button = button("Add county", "Add a county to this workspace", icon="plus")
        self.add_button.on_click(lambda _: self.add_county(self.new_name.value, self.new_framework.value))
        self.message = w.HTML()
        self.checklist = w.HTML()
        self.webinar_steps = w.HTML()
        self.links = w.HTML()
        about = styled("start_about.html.j2", where=str(store.folder or store.url), n_counties=len(names),
                       demo=store.get_meta("demo") or "")
        add_box = [] if fixed else [
            subheading("Add a county"),
            w.HBox([self.new_name, self.new_framework, self.add_button], layout=w.Layout(flex_flow="row wrap"))]
        super().__init__([
            section_header("Your county",
                           "Pick your county. The checklist shows what your team has done so far and what "
                           "comes next. Every page saves as you type."),
            about, self.county, self.message, *add_box,
            section_header("Where we are", ""), self.checklist,
            section_header("Next steps from the coach's webinars",
                           "What your people said they would take back to the county. Accept one into a row "
                           "of the planning matrix (step 7)."), self.webinar_steps,
            section_header("The workbook, step by step", ""), self.links])
        self.county.observe(self._county_changed, "value")
        self.refresh()

    def _county_changed(self, change) -> None:
        if change["new"] and not self._fixed:
            self.message.value = html("start_chosen.html.j2", served=self._settings.served, county=change["new"])
        self.refresh()

    def add_county(self, name: str, framework: str) -> bool:
        if self._fixed:  # a crafted click on the hidden button of a locked page
            self.message.value = status(f"This workbook is open for {self.county.value} only; counties are "
                                        "added elsewhere.", "err")
            return False
        name = (name or "").strip()
        if not name or len(name) > 200:
            self.message.value = status("Give the county a name (up to 200 characters).", "err")
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
        self.links.value = html("start_steps.html.j2",
                                steps=[(self.link(f), title, what) for f, title, what in STEPS])
        if not self.county.value:
            self.checklist.value = note("This workspace has no counties yet: add one above.").value
            return
        self.webinar_steps.value = html("webinar_suggestions.html.j2",
                                        items=webinar_steps(self.store, self.county.value),
                                        taken=matrix_steps(self.store, self.county.value))
        steps = progress(self.store, self.county.value)
        self.checklist.value = html("start_checklist.html.j2", county=self.county.value,
                                    done=sum(1 for p in steps if p.done),
                                    items=[(p, self.link(p.page)) for p in steps])


def start_here(workspace=None, county: str = "", settings: Settings | None = None) -> StartHere:
    """The Start page for a workspace folder (``None``: the settings' workspace).

    The page opens on ``county``, else the county in its address, else the
    server's; a locked server offers its county only.
    """
    settings = page_settings(settings).with_(workspace=workspace or None)
    try:
        county, wave = settings.page_target(county or "")
        store = Store.open(settings.workspace, create=False)
        if county:
            county = store.county(county).name  # an address naming an unknown county says so
        return StartHere(store, county, fixed=settings.locked, settings=settings, wave=wave)
    except OrbError as exc:
        if not settings.served:
            raise
        return refused(exc)
