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
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Scored(_Row):
    @property
    def shown(self) -> bool:
        """True when the row may be shown: enough answers and a number to show."""
        return not self.suppressed and self.mean is not None


class ElementRow(_Scored):
    """One element's score in the scored wave."""

    element: str
    n: int | None
    mean: float | None
    sd: float | None
    ci_low: float | None
    ci_high: float | None
    pct_agree: float | None
    alpha: float | None
    pct_dont_know: float | None
    rwg: float | None
    suppressed: bool


class RoleRow(_Scored):
    """One role group's score on one element; ``label`` is the role as people read it."""

    role: str
    element: str
    n: int | None
    mean: float | None
    sd: float | None
    suppressed: bool
    label: str


class WaveRow(_Scored):
    """One element's score in one wave, up to and including the scored wave."""

    wave: str
    element: str
    n: int | None
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    pct_agree: float | None
    suppressed: bool


class GapRow(_Row):
    """Leaders' average minus staff's average on one element."""

    element: str
    leadership_n: int | None
    staff_n: int | None
    gap: float | None
    suppressed: bool

    @property
    def shown(self) -> bool:
        return not self.suppressed and self.gap is not None


class ChangeRow(_Row):
    """Change in one element's average since the previous wave."""

    element: str
    previous_wave: str | None
    change: float | None
    suppressed: bool

    @property
    def shown(self) -> bool:
        return not self.suppressed and self.change is not None


class ComponentRow(_Scored):
    """One readiness component, scored from the elements that inform it."""

    component: str
    name: str
    elements: tuple[str, ...]
    n: int | None
    mean: float | None
    sd: float | None
    ci_low: float | None
    ci_high: float | None
    suppressed: bool


class PriorityRow(_Scored):
    """One element's place in the ranking of where to work first, with the reasons from the scores."""

    rank: int | None
    element: str
    mean: float | None
    gap: float | None
    change: float | None
    reasons: tuple[str, ...]
    suppressed: bool


class ScoreReport(_Row):
    """Everything scored for one county and wave (see the README's scoring rules)."""

    wave: str | None
    n_respondents: int | None
    suppressed: bool
    elements: tuple[ElementRow, ...]
    by_role: tuple[RoleRow, ...]
    by_wave: tuple[WaveRow, ...]
    gap: tuple[GapRow, ...]
    change: tuple[ChangeRow, ...]
    components: tuple[ComponentRow, ...]
    priorities: tuple[PriorityRow, ...]
    county: str
    instrument: str
    framework: str
    waves: tuple[str, ...]
    min_group: int
    points: int
    element_names: dict[str, str]
    role_labels: dict[str, str]

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
