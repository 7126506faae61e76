"""The score report: one county's results for one wave, as frozen, typed tables.

This is the contract every results view reads (packet, dashboard, planning
matrix, command line) and what ``orb score --json`` prints: ``report.to_json()``
is the JSON of :meth:`ScoreReport.model_dump`. Readers use attributes
(``report.elements[0].mean``), never string keys.

A hidden (suppressed) row keeps its key columns and carries ``None`` for every
number, so no view can show what it must not.

>>> row = ElementRow(element="A", n=None, mean=None, sd=None, ci_low=None, ci_high=None,
...                  pct_agree=None, alpha=None, pct_dont_know=None, rwg=None, suppressed=True)
>>> row.shown
False
"""

from __future__ import annotations

import json

from pydantic import BaseModel, ConfigDict


class _Row(BaseModel):
    # The docstring under each field is its description in the JSON reference (docs/reference/json.md).
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class _Scored(_Row):
    @property
    def shown(self) -> bool:
        """True when the row may be shown: enough answers and a number to show."""
        return not self.suppressed and self.mean is not None


class ElementRow(_Scored):
    """One element's score in the scored wave."""

    element: str
    """the element's id (``A``…)"""
    n: int | None
    """respondents with a score on the element"""
    mean: float | None
    """the element's score: the mean of respondents' element scores"""
    sd: float | None
    """standard deviation of respondents' element scores (ddof=1)"""
    ci_low: float | None
    """lower end of the 95% interval (null when n < 2)"""
    ci_high: float | None
    """upper end of the 95% interval"""
    pct_agree: float | None
    """share of answers in the top two scale points, 0–1"""
    alpha: float | None
    """Cronbach's alpha on complete cases"""
    pct_dont_know: float | None
    """share of shown statements answered "don't know", 0–1"""
    rwg: float | None
    """rwg(J), agreement among respondents, 0–1"""
    suppressed: bool
    """true when fewer than ``min_group`` people: every number is hidden"""


class ItemRow(_Scored):
    """One statement's answers in the scored wave (reverse-worded statements turned round, as scored)."""

    item: str
    """the statement's id (``A1``…), as in ``items`` of ``orb instrument show --json``"""
    element: str
    """the element it belongs to"""
    text: str
    """the statement as respondents read it"""
    local: bool
    """true for a statement the county added itself (never compared across counties)"""
    n: int | None
    """people who answered it (don't know and skips left out)"""
    mean: float | None
    """the average answer, turned round for a reverse-worded statement so higher is always more ready"""
    sd: float | None
    """standard deviation of the answers (ddof=1)"""
    pct_agree: float | None
    """share of answers in the top two scale points (after turning round), 0–1"""
    pct_dont_know: float | None
    """share of the people shown it who answered "don't know", 0–1"""
    suppressed: bool
    """true when fewer than ``min_group`` people answered it: every number is hidden"""


class RoleRow(_Scored):
    """One role group's score on one element; ``label`` is the role as people read it."""

    role: str
    """the role group's id, as in ``role_question.options`` of ``orb instrument show --json``"""
    element: str
    """the element's id"""
    n: int | None
    """the group's respondents with a score on the element"""
    mean: float | None
    """the group's score on the element"""
    sd: float | None
    """standard deviation within the group"""
    suppressed: bool
    """true when the group is too small, or hidden so a small group cannot be worked out"""
    label: str
    """the role group as respondents read it"""


class UnitRow(_Scored):
    """One office or unit's score on one element (the optional "Which office or unit?" question)."""

    unit: str
    """the office or unit, as the survey lists it"""
    element: str
    """the element's id"""
    n: int | None
    """the unit's respondents with a score on the element"""
    mean: float | None
    """the unit's score on the element"""
    sd: float | None
    """standard deviation within the unit"""
    suppressed: bool
    """true when the unit is too small, or hidden so a small unit or role group cannot be worked out
    (from the total, the units shown, or the role groups shown)"""


class WaveRow(_Scored):
    """One element's score in one wave, up to and including the scored wave."""

    wave: str
    """the survey wave's label"""
    element: str
    """the element's id"""
    n: int | None
    """respondents in that wave with a score on the element"""
    mean: float | None
    """the element's score in that wave"""
    ci_low: float | None
    """lower end of the 95% interval"""
    ci_high: float | None
    """upper end of the 95% interval"""
    pct_agree: float | None
    """share of answers in the top two scale points, 0–1"""
    suppressed: bool
    """true when that wave had fewer than ``min_group`` people"""


class GapRow(_Row):
    """Leaders' average minus staff's average on one element."""

    element: str
    """the element's id"""
    leadership_n: int | None
    """respondents in leadership role groups"""
    staff_n: int | None
    """respondents in staff role groups"""
    gap: float | None
    """leadership's mean minus staff's mean"""
    suppressed: bool
    """true when either side is too small or the gap would expose a hidden group"""

    @property
    def shown(self) -> bool:
        return not self.suppressed and self.gap is not None


class ChangeRow(_Row):
    """Change in one element's average since the previous wave."""

    element: str
    """the element's id"""
    previous_wave: str | None
    """the earlier wave compared with (null when there is none)"""
    change: float | None
    """this wave's mean minus the previous wave's"""
    suppressed: bool
    """true when either wave's row is hidden"""

    @property
    def shown(self) -> bool:
        return not self.suppressed and self.change is not None


class ComponentRow(_Scored):
    """One readiness component, scored from the elements that inform it."""

    component: str
    """the readiness component's id"""
    name: str
    """the component as people read it"""
    elements: tuple[str, ...]
    """the elements that inform it"""
    n: int | None
    """respondents with a score on the component"""
    mean: float | None
    """the component's score"""
    sd: float | None
    """standard deviation of respondents' component scores"""
    ci_low: float | None
    """lower end of the 95% interval"""
    ci_high: float | None
    """upper end of the 95% interval"""
    suppressed: bool
    """true when fewer than ``min_group`` people"""


class PriorityRow(_Scored):
    """One element's place in the ranking of where to work first, with the reasons from the scores."""

    rank: int | None
    """1 is where to work first; null for a hidden element"""
    element: str
    """the element's id"""
    mean: float | None
    """the element's score"""
    gap: float | None
    """the leadership–staff gap, when shown"""
    change: float | None
    """the change since the last wave, when shown"""
    reasons: tuple[str, ...]
    """why it ranks where it does, in plain words"""
    suppressed: bool
    """true when the element has too few answers to rank"""


class ScoreReport(_Row):
    """Everything scored for one county and wave (see docs/reference/scoring-rules.md)."""

    wave: str | None
    """the wave scored (by default the last one with answers)"""
    n_respondents: int | None
    """people who answered that wave (null when fewer than ``min_group``)"""
    suppressed: bool
    """true when the whole wave is too small to show"""
    elements: tuple[ElementRow, ...]
    """one row per element"""
    items: tuple[ItemRow, ...]
    """one row per statement asked in the wave, in the survey's order"""
    by_role: tuple[RoleRow, ...]
    """one row per role group and element"""
    by_unit: tuple[UnitRow, ...] = ()
    """one row per office or unit and element, when the survey asked "Which office or unit?" (else empty)"""
    by_wave: tuple[WaveRow, ...]
    """one row per wave (up to the scored one) and element"""
    gap: tuple[GapRow, ...]
    """leadership minus line staff, per element"""
    change: tuple[ChangeRow, ...]
    """change since the previous wave, per element"""
    components: tuple[ComponentRow, ...]
    """one row per readiness component"""
    priorities: tuple[PriorityRow, ...]
    """the elements ranked by where to work first"""
    county: str
    """the county scored"""
    instrument: str
    """the id (content hash) of the county's instrument"""
    framework: str
    """the content pack's id (``cpm-orb``, ``cps``)"""
    waves: tuple[str, ...]
    """the county's waves, in the order they were given"""
    min_group: int
    """the smallest group shown"""
    comment_min: int
    """the fewest people in the wave for its free-text comments to be shown anywhere"""
    points: int
    """points on the scale (4 or 5)"""
    element_names: dict[str, str]
    """each element's name, by id"""
    role_labels: dict[str, str]
    """each role group's label, by id"""

    def name(self, element: str) -> str:
        """An element as people read it: ``"B. Organizational Climate"``."""
        name = self.element_names.get(element)
        return f"{element}. {name}" if name else str(element)

    def records(self, table: str) -> list[dict]:
        """One table as plain dicts (for charts and exports)."""
        return [row.model_dump(mode="json") for row in getattr(self, table)]

    def to_json(self) -> str:
        """The ``orb score --json`` text."""
        return json.dumps(self.model_dump(mode="json"), indent=2, ensure_ascii=False, default=str)
