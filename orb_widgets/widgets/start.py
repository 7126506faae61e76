"""Step 1: start here — the workspace, its counties, and how far each county has got."""
from __future__ import annotations

import ipywidgets as w

from .. import workbook
from ..content import list_frameworks
from ..exceptions import OrbError
from ..settings import Settings
from ..store import Store
from .base import CSS, LABEL_STYLE, button, esc, note, section_header, text_box

#: The workbook's pages, in order: notebook file, title, what it is for.
STEPS = [
    ("01-start-here.ipynb", "Start here", "Choose your county and see where you are."),
    ("02-breakout-session.ipynb", "Webinar series", "For coaches: mixed-county rooms, check-ins, follow-ups."),
    ("03-key-messages.ipynb", "Key messages", "Draft, test and revise what you say about this work."),
    ("04-tailor-assessment.ipynb", "Tailor the assessment", "Make the readiness survey your county's own."),
    ("05-take-assessment.ipynb", "Take the assessment", "The survey form that staff and partners fill in."),
    ("06-results.ipynb", "Results", "Scores, groups, change over time and priorities."),
    ("07-planning-matrix.ipynb", "SO WHAT? planning matrix", "Turn results into next steps."),
    ("08-testing-profile.ipynb", "Testing profile", "What you tried and learned; the buddy county."),
    ("09-implementation-plan.ipynb", "Implementation plan", "Vision, goals, activities and follow-up."),
]


def progress(store: Store, county: str) -> list[dict]:
    """Which steps a county has done, from what is saved: step, page, done, detail.

    >>> # progress(store, "Example County")[0] -> {"step": "Assessment tailored", "done": True, ...}
    """
    c = store.county(county)
    out = []

    def add(step, page, done, detail):
        out.append({"step": step, "page": page, "done": bool(done), "detail": detail})

    try:
        inst = store.current_instrument(c.name)
        versions = store.instrument_versions(c.name)
        add("Assessment tailored", "04-tailor-assessment.ipynb", True,
            f"version {versions[-1]['version']}: {len(inst.items)} statements, {inst.scale.points}-point scale")
    except OrbError:
        add("Assessment tailored", "04-tailor-assessment.ipynb", False, "no survey saved yet")
    steps = webinar_steps(store, c.name)
    taken = matrix_steps(store, c.name)
    add("Next steps from the coach's webinars", "07-planning-matrix.ipynb", steps,
        f"{len(steps)} named by your people, {sum(s.step in taken for s in steps)} in the planning matrix"
        if steps else "nobody from this county has taken part yet")
    messages = workbook.load_all(store, c.name, "key_message")
    tests = sum(len(m.tests) for m in messages.values())
    add("Key messages tested", "03-key-messages.ipynb", tests,
        f"{len(messages)} message(s), {tests} test(s)" if messages else "no messages yet")
    waves = store.waves(c.name)
    counts = [(wv, store.response_count(c.name, wv)) for wv in waves]
    add("Survey answers in", "06-results.ipynb", any(n for _, n in counts),
        ", ".join(f"{n} in {wv}" for wv, n in counts) if counts else "no answers yet")
    rows = workbook.load_all(store, c.name, "matrix_row")
    done_rows = sum(1 for r in rows.values() if r.status == "done")
    add("Planning matrix started", "07-planning-matrix.ipynb", rows,
        f"{len(rows)} row(s), {done_rows} done" if rows else "no rows yet")
    profile = workbook.load(store, c.name, "testing_profile", "main")
    filled = sum(1 for t in (profile.sections.values() if profile else []) if t.strip())
    add("Testing profile written", "08-testing-profile.ipynb", filled,
        f"{filled} section(s) written" if profile else "not started")
    plan = workbook.load(store, c.name, "plan", "main")
    add("Implementation plan made", "09-implementation-plan.ipynb", plan and (plan.vision or plan.goals),
        f"{len(plan.goals)} goal(s), {len(plan.activities)} activit(ies)" if plan else "not started")
    reviews = workbook.load_all(store, c.name, "followup")
    add("Plan reviewed", "09-implementation-plan.ipynb", reviews,
        f"last review {max(reviews)}" if reviews else "no review yet")
    return out


def webinar_steps(store: Store, county: str) -> list:
    """The next steps this county's people named at the coach's webinars (theirs only)."""
    from ..webinar import load_series, suggestions

    return suggestions(load_series(store), county)


def matrix_steps(store: Store, county: str) -> set[str]:
    """Every next step already written in the county's planning matrix."""
    return {s.strip() for row in workbook.load_all(store, county, "matrix_row").values() for s in row.next_steps}


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
                                        tooltip="The practice model this county is getting ready for")
        self.add_button = button("Add county", "Add a county to this workspace", icon="plus")
        self.add_button.on_click(lambda _: self.add_county(self.new_name.value, self.new_framework.value))
        self.message = w.HTML()
        self.checklist = w.HTML()
        self.webinar_steps = w.HTML()
        self.links = w.HTML()
        demo = store.get_meta("demo")
        where = esc(store.folder) if store.folder else esc(store.url)
        about = (f"<div class='orb-note'>Workspace: <code>{where}</code> "
                 f"({len(names)} {'county' if len(names) == 1 else 'counties'}).</div>")
        if demo:
            about += f"<div class='orb-demo' role='note'>{esc(demo)}</div>"
        add_box = [] if fixed else [
            w.HTML("<h4 style='margin-bottom:.2em'>Add a county</h4>"),
            w.HBox([self.new_name, self.new_framework, self.add_button], layout=w.Layout(flex_flow="row wrap"))]
        super().__init__([
            section_header("Start here",
                           "Pick your county. The checklist shows what your team has done so far and what "
                           "comes next. Every page saves as you type."),
            w.HTML(CSS + about), self.county, self.message, *add_box,
            section_header("Where we are", ""), self.checklist,
            section_header("Next steps from the coach's webinars",
                           "What your people said they would take back to the county. Accept one into a row "
                           "of the planning matrix (step 7)."), self.webinar_steps,
            section_header("The workbook, step by step", ""), self.links])
        self.county.observe(self._county_changed, "value")
        self.refresh()

    def _county_changed(self, change) -> None:
        if change["new"] and not self._fixed:
            where = "The step links below" if self._settings.served else "In JupyterLab, set COUNTY in each page's first cell; the checklist below"
            self.message.value = (f"<div class='orb-status'>{where} now open on "
                                  f"<b>{esc(change['new'])}</b> for you; other people's pages are not changed.</div>")
        self.refresh()

    def add_county(self, name: str, framework: str) -> bool:
        if self._fixed:  # a crafted click on the hidden button of a locked page
            self.message.value = ("<div class='orb-status err' role='alert'>This workbook is open for "
                                  f"{esc(self.county.value)} only; counties are added elsewhere.</div>")
            return False
        name = (name or "").strip()
        if not name or len(name) > 200:
            self.message.value = "<div class='orb-status err' role='alert'>Give the county a name (up to 200 characters).</div>"
            return False
        if framework not in {f["id"] for f in list_frameworks()}:
            self.message.value = "<div class='orb-status err' role='alert'>Pick one of the frameworks listed.</div>"
            return False
        c = self.store.add_county(name, framework)
        self.county.options = [x.name for x in self.store.counties()]
        self.county.value = c.name
        self.new_name.value = ""
        self.message.value = (f"<div class='orb-status'>Added {esc(c.name)}. Next: tailor its assessment "
                              f"(step 4).</div>")
        return True

    def link(self, notebook: str) -> str:
        """The address of a step for the county chosen on this page."""
        if not self.county.value:
            return notebook
        return self._settings.page_link(notebook, self.county.value, self._wave)

    def refresh(self) -> None:
        self.links.value = self._links()
        if not self.county.value:
            self.checklist.value = note("This workspace has no counties yet: add one above.").value
            return
        from ..webinar import render

        self.webinar_steps.value = render("webinar_suggestions.html.j2",
                                          items=webinar_steps(self.store, self.county.value),
                                          taken=matrix_steps(self.store, self.county.value))
        items, steps = [], progress(self.store, self.county.value)
        for p in steps:
            mark = ("<span class='orb-done' aria-label='done'>&#10003; done</span>" if p["done"]
                    else "<span class='orb-todo' aria-label='to do'>&#9675; to do</span>")
            items.append(f"<li>{mark} <b>{esc(p['step'])}</b> <span class='orb-note'>{esc(p['detail'])}</span>"
                         f" · <a href='{esc(self.link(p['page']))}'>open</a></li>")
        done = sum(1 for p in steps if p["done"])
        self.checklist.value = (f"<p><b>{done} of {len(items)}</b> steps done for {esc(self.county.value)}.</p>"
                                f"<ul class='orb-check'>{''.join(items)}</ul>")

    def _links(self) -> str:
        rows = "".join(f"<li><a href='{esc(self.link(f))}'><b>{n}. {esc(title)}</b></a> <span class='orb-note'>{esc(what)}"
                       f"</span></li>" for n, (f, title, what) in enumerate(STEPS, start=1))
        return f"<ol class='orb-check'>{rows}</ol>"


def start_here(workspace=None, county: str = "", settings: Settings | None = None) -> StartHere:
    """The Start page for a workspace folder (``None``: the settings' workspace).

    The page opens on ``county``, else the county in its address, else the
    server's; a locked server offers its county only.
    """
    settings = (settings or Settings.from_env()).with_(workspace=workspace or None)
    try:
        county, wave = settings.page_target(county or "")
        store = Store.open(settings.workspace, create=False)
        if county:
            county = store.county(county).name  # an address naming an unknown county says so
        return StartHere(store, county, fixed=settings.locked, settings=settings, wave=wave)
    except OrbError as exc:
        if not settings.served:
            raise
        return w.HTML(CSS + f"<div class='orb-page'><div class='orb-status err' role='alert'>"
                      f"This page cannot open: {esc(exc)}</div></div>")
