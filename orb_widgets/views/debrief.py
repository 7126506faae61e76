"""The debrief guide as shown: per element its survey line, its reflection prompts, what the team made of
them, and the team's own rating where the survey cannot show the element.

A team rating is the team's judgement, talked over together (after the NIRN Hexagon discussion tool): it
is always written as "Team rating: 3 of 5 (partly ready)" with the words that say so, and never in a
column, chart or average of survey numbers.

>>> from orb_widgets.workbook import Debrief
>>> rating_text(Debrief(element="C", rating=2))
'2 of 5 (a little ready)'
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from ..format import HIDDEN, interval, pct, plural, score
from ..workbook import RATINGS, Debrief

#: How every page, packet and command names a team rating.
TEAM_RATING = "Team rating"
#: The words beside every team rating, so nobody reads it as a survey result.
TEAM_RATING_NOTE = "the team's own judgement, talked over together; not a survey result"


def rating_text(debrief: Debrief | None) -> str:
    """A team rating as people read it (``"3 of 5 (partly ready)"``), or empty when there is none."""
    if debrief is None or debrief.rating is None:
        return ""
    return f"{debrief.rating} of 5 ({RATINGS[debrief.rating]})"


@dataclass(frozen=True)
class DebriefCard:
    """One element in the debrief guide."""

    element: str
    label: str  # "B. Organizational Climate"
    survey: str  # the element's survey result in one line, "hidden …", or that there is none
    brief: str  # the same in a word or two, for a title ("average 3.49", "hidden")
    shown: bool  # True when the survey shows the element's score in this wave
    prompts: tuple  # the pack's reflection prompts
    reading: str  # what the team made of it ("" when nothing is written yet)
    rating: str  # rating_text(), "" when not rated
    reasons: str


@dataclass(frozen=True)
class DebriefView:
    wave: str
    lead: str
    cards: tuple
    written: bool  # the team has written or rated something


def survey_line(report, element: str) -> tuple[str, str, bool]:
    """One element's survey result in words, in a word or two, and whether it is shown (a hidden one never
    has a number)."""
    if report is None or not report.wave:
        return "no survey results yet", "no survey results", False
    if report.suppressed:
        return f"{HIDDEN}: fewer than {report.min_group} people answered wave {report.wave}", HIDDEN, False
    row = next((e for e in report.elements if e.element == element), None)
    if row is None:
        return f"not asked in wave {report.wave}", "not asked", False
    if not row.shown:
        return f"{HIDDEN}: fewer than {report.min_group} answers", HIDDEN, False
    return (
        f"average {score(row.mean)} (95% interval {interval(row.ci_low, row.ci_high)}), "
        f"{pct(row.pct_agree)} agree, {plural(row.n or 0, 'person', 'people')}",
        f"average {score(row.mean)}",
        True,
    )


def debrief_view(framework, elements, report, saved: dict) -> DebriefView:
    """The debrief guide for the elements ``elements`` (ids, in survey order) of one wave.

    ``report`` is the wave's :class:`~orb_widgets.report.ScoreReport` (``None`` when no survey was run);
    ``saved`` the wave's :class:`~orb_widgets.workbook.Debrief` entries by element.
    """
    wave = report.wave if report is not None and report.wave else ""
    names = dict(report.element_names) if report is not None else {}
    cards = []
    for element in elements:
        fe = next((e for e in framework.elements if e.id == element), None) if framework is not None else None
        name = names.get(element) or (fe.name if fe else "")
        survey, brief, shown = survey_line(report, element)
        d = saved.get(element)
        cards.append(
            DebriefCard(
                element,
                f"{element}. {name}" if name else element,
                survey,
                brief,
                shown,
                tuple(fe.reflection_prompts) if fe else (),
                (d.reading if d else "").strip(),
                rating_text(d),
                (d.reasons if d and d.rating is not None else "").strip(),
            )
        )
    if not wave:
        lead = (
            "There are no survey results yet. Talk each element over as a team with its questions, rate it "
            "together from 1 (not ready yet) to 5 (ready) and write down why."
        )
    elif report.suppressed or not all(c.shown for c in cards):
        lead = (
            f"Talk each element over with its questions and write down what you make of it. Where wave {wave} "
            "is too small to show a score, rate the element together from 1 (not ready yet) to 5 (ready) and "
            "write down why: a team rating, kept apart from the survey's numbers."
        )
    else:
        lead = (
            f"Talk each element's results in wave {wave} over with its questions, and write down what you "
            "make of them. The planning matrix starts from these notes."
        )
    written = any(c.reading or c.rating for c in cards)
    return DebriefView(wave, lead, tuple(cards), written)


# ------------------------------------------------------------------ the JSON for coordinators
class _Row(BaseModel):
    # The docstring under each field is its description in the JSON reference (docs/reference/json.md).
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class DebriefRow(_Row):
    """One element's debrief: what the team made of it, and its team rating (never a survey number)."""

    element: str
    """the element's id (``A``…)"""
    name: str
    """the element as people read it"""
    survey_shown: bool
    """true when the survey shows the element's score in this wave (its numbers are in ``orb score --json``)"""
    reading: str
    """what the team made of the element's results and questions ("" when nothing is written)"""
    team_rating: int | None
    """the team's own rating, 1 (not ready yet) to 5 (ready); null when the team has not rated it"""
    team_rating_words: str
    """the rating in words (``3 of 5 (partly ready)``), or ""."""
    reasons: str
    """the team's reasons for its rating"""
    updated_by: str
    """who saved the entry last ("" when nothing is saved)"""
    updated_at: str | None
    """when it was saved last (ISO 8601), or null"""


class DebriefReport(_Row):
    """A county's debrief of one wave (``orb debrief --json``): per element the team's reading and rating."""

    county: str
    """the county"""
    wave: str | None
    """the wave talked over; null when the team met without survey results"""
    elements: tuple[DebriefRow, ...]
    """one row per element the survey asks about, in the survey's order"""


def debrief_report(store, county: str, report, framework, elements) -> DebriefReport:
    """``orb debrief --json``: the county's debrief of ``report``'s wave (``report`` None: without a survey).

    ``store`` is read through :func:`orb_widgets.workbook.load_all`'s ``list_docs``; the survey's numbers
    are not repeated here (they are ``orb score --json``'s), only whether the survey shows each element.
    """
    wave = report.wave if report is not None and report.wave else ""
    docs = {(d.body.get("element"), d.body.get("wave")): d for d in store.list_docs(county, "debrief")}
    saved = {}
    for (element, on_wave), doc in docs.items():
        if on_wave == wave and not doc.body.get("_deleted"):
            saved[element] = Debrief.model_validate(doc.body)
    view = debrief_view(framework, elements, report, saved)
    rows = []
    for card in view.cards:
        d, doc = saved.get(card.element), docs.get((card.element, wave))
        rows.append(
            DebriefRow(
                element=card.element,
                name=card.label.split(". ", 1)[-1],
                survey_shown=card.shown,
                reading=card.reading,
                team_rating=d.rating if d else None,
                team_rating_words=card.rating,
                reasons=card.reasons,
                updated_by=doc.updated_by if d else "",
                updated_at=doc.updated_at.isoformat() if d and doc.updated_at else None,
            )
        )
    return DebriefReport(county=county, wave=wave or None, elements=tuple(rows))
