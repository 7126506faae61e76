"""How far a county has got through the workbook, from what is saved.

The workbook's steps (:data:`STEPS`) are named here once: the Start page, the
served home page and each notebook's title use these names. :func:`progress`
reads the store and says, for each thing a team does, whether it is done and
a short detail in plain words ("2 messages, 3 tests"). No widgets: the Start
page, the packets and the command line can all show it.

>>> [title for _, title, _ in STEPS][4]
'The survey link'
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import workbook
from .content import DEFAULT_WORDS, Words, framework_words
from .exceptions import OrbError
from .format import date, plural
from .planning import step_counts
from .webinar import load_series, suggestions

#: The workbook's pages, in order: notebook file, title, what it is for (``{unit}`` is the
#: framework's word for it, see :func:`steps`).
STEPS = [
    ("01-start-here.ipynb", "Start here", "Pick your {unit} and see where your team is."),
    (
        "02-breakout-session.ipynb",
        "Webinar series",
        "For coaches: breakout rooms that mix {unit_plural}, the prompts and timer, SO WHAT? takeaways and follow-ups.",
    ),
    (
        "03-key-messages.ipynb",
        "Key messages",
        "Draft and test the messages that explain the change to staff and partners.",
    ),
    (
        "04-tailor-assessment.ipynb",
        "Tailor the assessment",
        "Choose the sections, statements and role groups of your survey.",
    ),
    (
        "05-take-assessment.ipynb",
        "The survey link",
        "Open the link staff and partners answer on, print its flyer, see the page and the count.",
    ),
    ("06-results.ipynb", "Results", "Readiness scores, gaps and priorities, with small groups hidden."),
    (
        "07-planning-matrix.ipynb",
        "SO WHAT? planning matrix",
        "What you learned, next steps, who leads them and by when.",
    ),
    ("08-testing-profile.ipynb", "Testing profile", "How you will try the new way of working out, and with whom."),
    ("09-implementation-plan.ipynb", "Implementation plan", "Goals, activities, timeline and follow-up."),
]


def steps(words: Words = DEFAULT_WORDS) -> list[tuple[str, str, str]]:
    """:data:`STEPS` in a framework's words.

    >>> from orb_widgets.content import framework_words
    >>> steps(framework_words("cps"))[0][2]
    'Pick your municipality and see where your team is.'
    """
    return [(nb, title, what.format(unit=words.unit, unit_plural=words.unit_plural)) for nb, title, what in STEPS]


def workspace_words(store, county: str = "") -> Words:
    """The words a page about the whole workspace speaks (the served home page).

    The served unit's framework when there is one (``county``); else the
    framework every unit of the workspace uses; else, in a workspace of
    several frameworks, their words joined ("county or municipality") and a
    plain "team".
    """
    if county:
        return framework_words(store.county(county).framework)
    frameworks = sorted({c.framework for c in store.counties()})
    if len(frameworks) <= 1:
        return framework_words(frameworks[0] if frameworks else None)
    every = [framework_words(f) for f in frameworks]

    def said(field: str) -> list[str]:
        return list(dict.fromkeys(getattr(w, field) for w in every))

    def one(field: str, plain: str) -> str:
        return said(field)[0] if len(said(field)) == 1 else plain

    return Words(
        unit=" or ".join(said("unit")),
        unit_plural=" and ".join(said("unit_plural")),
        team=one("team", "team"),
        coordinator=one("coordinator", "coordinator"),
        buddy_unit=" or ".join(said("buddy_unit")),
    )


#: Step number by notebook file (``"05-take-assessment.ipynb"`` is step 5).
STEP_NUMBER = {nb: n for n, (nb, _, _) in enumerate(STEPS, start=1)}


def step_title(notebook: str) -> str:
    """The name of a step, as every page writes it.

    >>> step_title("05-take-assessment.ipynb")
    'The survey link'
    """
    return next(title for nb, title, _ in STEPS if nb == notebook)


@dataclass(frozen=True)
class StepStatus:
    """One line of the checklist: what the team does, the page for it, whether it is done, and how far."""

    step: str
    page: str
    done: bool
    detail: str
    flag: str = ""  # "overdue" or "due soon" when a step of the plan is (the matrix's line only)


def progress(store, county: str, today: dt.date | None = None) -> list[StepStatus]:
    """Which of the workbook's nine steps a county has done, from what is saved: one line per step, in order.

    The planning matrix's line names the steps overdue and due soon as of ``today``.
    """
    c = store.county(county)
    words = framework_words(c.framework)
    out: list[StepStatus] = []

    def add(step, page, done, detail, flag=""):
        out.append(StepStatus(step, page, bool(done), detail, flag))

    add("Workbook chosen", "01-start-here.ipynb", True, f"this page shows {c.name}")
    steps = webinar_steps(store, c.name)
    taken = matrix_steps(store, c.name)
    reported = sum(s.done for s in steps)
    add(
        "Next steps from the coach's webinars",
        "07-planning-matrix.ipynb",
        steps,
        f"{len(steps)} named by your people, {reported} reported done, "
        f"{sum(s.step in taken for s in steps)} in the planning matrix"
        if steps
        else f"nobody from this {words.unit} has taken part yet",
    )
    messages = workbook.load_all(store, c.name, "key_message")
    tests = sum(len(m.tests) for m in messages.values())
    add(
        "Key messages tested",
        "03-key-messages.ipynb",
        tests,
        f"{plural(len(messages), 'message')}, {plural(tests, 'test')}" if messages else "no messages yet",
    )
    try:
        inst = store.current_instrument(c.name)
        versions = store.instrument_versions(c.name)
        add(
            "Assessment tailored",
            "04-tailor-assessment.ipynb",
            True,
            f"version {versions[-1]['version']}: {plural(len(inst.items), 'statement')}, "
            f"{inst.scale.points}-point scale",
        )
    except OrbError:
        add("Assessment tailored", "04-tailor-assessment.ipynb", False, "no survey saved yet")
    waves = store.waves(c.name)
    counts = [(wv, store.response_count(c.name, wv)) for wv in waves]
    links = store.links(c.name)
    open_now = [link.wave for link in links if link.is_open]
    add(
        "Survey link opened",
        "05-take-assessment.ipynb",
        links or any(n for _, n in counts),
        f"open for wave {', '.join(open_now)}"
        if open_now
        else f"{plural(len(links), 'link')}, all closed"
        if links
        else "answers imported from a survey tool"
        if any(n for _, n in counts)
        else "no link yet",
    )
    add(
        "Survey answers in",
        "06-results.ipynb",
        any(n for _, n in counts),
        "; ".join(f"{plural(n, 'answer')} in wave {wv}" for wv, n in counts) if counts else "no answers yet",
    )
    rows = workbook.load_all(store, c.name, "matrix_row")
    counts = step_counts(rows, today)
    flag = "overdue" if counts["overdue"] else "due soon" if counts["due soon"] else ""
    add("Planning matrix started", "07-planning-matrix.ipynb", rows, plan_detail(rows, today), flag)
    profile = workbook.load(store, c.name, "testing_profile", "main")
    filled = sum(1 for t in (profile.sections.values() if profile else []) if t.strip())
    add(
        "Testing profile written",
        "08-testing-profile.ipynb",
        filled,
        f"{plural(filled, 'section')} written" if profile else "not started",
    )
    plan = workbook.load(store, c.name, "plan", "main")
    reviews = workbook.load_all(store, c.name, "followup")
    detail = (
        f"{plural(len(plan.goals), 'goal')}, {plural(len(plan.activities), 'activity', 'activities')}"
        if plan
        else "not started"
    )
    if reviews:
        detail += f"; last review {date(max(reviews))}"
    add("Implementation plan made", "09-implementation-plan.ipynb", plan and (plan.vision or plan.goals), detail)
    return out


def plan_detail(rows: dict, today: dt.date | None = None) -> str:
    """The matrix in one line for Start here: rows, steps done, and steps overdue or due soon (named first).

    >>> plan_detail({"C": workbook.MatrixRow(target="C", steps=[{"text": "a", "by_when": "2026-01-01"},
    ...              {"text": "b", "status": "done"}])}, dt.date(2026, 2, 1))
    '1 overdue step; 1 row, 2 steps, 1 done'
    """
    if not rows:
        return "no rows yet"
    counts = step_counts(rows, today)
    flags = [plural(counts[f], f"{f} step") for f in ("overdue", "due soon") if counts[f]]
    rest = f"{plural(len(rows), 'row')}, {plural(counts['steps'], 'step')}, {counts['done']} done"
    return "; ".join([", ".join(flags), rest] if flags else [rest])


def webinar_steps(store, county: str) -> list:
    """The next steps this county's people named at the coach's webinars (theirs only)."""
    return suggestions(load_series(store), county)


def matrix_steps(store, county: str) -> set[str]:
    """Every next step already written in the county's planning matrix."""
    return {s.text.strip() for row in workbook.load_all(store, county, "matrix_row").values() for s in row.steps}
