"""The page for staff: "What you told us, and what we will do".

One printable page per survey language (HTML, or PDF through WeasyPrint), for
the people who answered: the wave's main results (only numbers the packet shows,
written exactly as it writes them; no comment, nothing hidden) and the two or
three rows of the plan the team chose, with their steps and dates. The page's
own words are in the ``staffpage`` gettext catalogue beside the survey form's
(``orb_widgets/survey/locale/<lang>/LC_MESSAGES/staffpage.po``); a word with no
translation stays in English, and the team's own words (steps, names) are shown
as the team wrote them.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from . import templating, workbook
from .content import load_framework, survey_text
from .exceptions import OrbError, PackError
from .format import date as long_date
from .planning import targets
from .survey.form import form_languages
from .survey.i18n import translations
from .views import results_view

TEMPLATE_DIR = templating.TEMPLATES / "staff"
DOMAIN = "staffpage"
#: How many rows of the plan the page shows: the team's first rows with a step still to do or done.
ROWS = 3


@dataclass(frozen=True)
class ResultLine:
    """One part of the survey as staff read it: its name in their language, the packet's average and agree."""

    name: str
    mean: str
    agree: str


@dataclass(frozen=True)
class PlanStep:
    text: str
    who: str
    by_when: str  # in the page's language
    status: str  # not started, under way, done (translated in the template)


@dataclass(frozen=True)
class PlanRow:
    name: str
    steps: tuple


@dataclass(frozen=True)
class StaffPage:
    """The page in one language."""

    language: str
    county: str
    wave: str
    answered: int | None  # None when too few answered to show anything
    points: int
    min_group: int
    results: tuple  # ResultLine, the elements shown, in survey order
    some_hidden: bool
    rows: tuple  # PlanRow
    prepared: str


def _day(day: dt.date | None, language: str) -> str:
    if day is None:
        return ""
    if language == "en":
        return long_date(day)
    from babel.dates import format_date

    return format_date(day, format="long", locale=language)


def staff_pages(store, county: str, wave: str | None = None, today: dt.date | None = None) -> list[StaffPage]:
    """The staff page of ``county``'s wave (default: the latest) in each language its survey is offered in."""
    from .results import county_results

    today = today or dt.date.today()
    res = county_results(store, county, wave)
    inst = store.current_instrument(county)
    view = results_view(res)
    languages = form_languages(inst)
    rows = workbook.load_all(store, county, "matrix_row")
    chosen = [r for r in rows.values() if any(s.status != "dropped" for s in r.steps)][:ROWS]
    fw = load_framework(res.framework)
    team_names = targets(fw)
    shown = {line.label: line for line in view.elements.lines}
    pages = []
    for lang in languages:
        try:
            own = survey_text(res.framework, lang).elements
        except PackError:
            own = {}
        lines = []
        for e in res.elements:
            line = shown.get(res.name(e.element))
            if not e.shown or line is None or not line.shown:
                continue  # a hidden part is left out altogether: no name beside a missing number
            name = own.get(e.element) or res.element_names.get(e.element, e.element)
            lines.append(ResultLine(f"{e.element}. {name}", line.cells[0], line.cells[2]))
        plan = []
        for r in chosen:
            if r.target in own:
                name = f"{r.target}. {own[r.target]}"
            else:
                name = team_names.get(r.target, r.target)
            steps = tuple(
                PlanStep(s.text.strip(), s.who.strip(), _day(s.by_when, lang), s.status)
                for s in r.steps
                if s.status != "dropped" and s.text.strip()
            )
            plan.append(PlanRow(name, steps))
        pages.append(
            StaffPage(
                lang,
                county,
                res.wave or "",
                None if res.suppressed else res.n_respondents,
                res.points,
                res.min_group,
                tuple(lines) if not res.suppressed else (),
                not res.suppressed and len(lines) < len(res.elements),
                tuple(plan),
                _day(today, lang),
            )
        )
    return pages


@functools.lru_cache(maxsize=None)
def _env(language: str):
    env = templating.environment(TEMPLATE_DIR, extensions=("jinja2.ext.i18n",))
    env.install_gettext_translations(translations(language, DOMAIN), newstyle=True)
    return env


def render_staff_page(pages: list[StaffPage]) -> str:
    """One HTML document: a printed page per language, each in its own words."""
    css = Markup((TEMPLATE_DIR / "staff.css").read_text("utf-8"))  # the shipped style sheet: trusted as it is
    # each part comes out of an autoescaping template, so it is markup already
    parts = [Markup(_env(p.language).get_template("staff_page.html.j2").render(page=p)) for p in pages]
    return _env("en").get_template("staff_document.html.j2").render(parts=parts, css=css, pages=pages)


def write_staff_page(store, county: str, wave: str | None, out: Path, today: dt.date | None = None) -> Path:
    """Save the staff page as ``out`` (.html or .pdf); nothing is written when it cannot be made."""
    html = render_staff_page(staff_pages(store, county, wave, today))
    out = Path(out)
    if not out.parent.is_dir():
        raise OrbError(f"--out {out}: the folder {out.parent} does not exist; make it first or choose another")
    tmp = out.with_name(out.name + ".part")
    try:
        if out.suffix.lower() == ".pdf":
            import weasyprint

            weasyprint.HTML(string=html, base_url=str(TEMPLATE_DIR)).write_pdf(tmp)
        else:
            tmp.write_text(html, "utf-8")
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    return out
