"""The workbook's pages as widgets: each is a thin view over the package's pure functions.

Open a county once per page, then show the step's widget::

    from orb_widgets.widgets import open_county, PlanningMatrix
    ctx = open_county(WORKSPACE, COUNTY, WAVE)
    PlanningMatrix(ctx)

Names load on first use, so a page imports only what it shows.
"""

from __future__ import annotations

import importlib

_LAZY = {
    "WorkbookContext": "context",
    "open_county": "context",
    "StartHere": "start",
    "start_here": "start",
    "progress": "start",
    "WebinarSeries": "breakout",
    "webinar_page": "breakout",
    "CoachContext": "breakout",
    "CountyWebinarView": "breakout",
    "KeyMessages": "messages",
    "TailorAssessment": "tailor",
    "SurveyLinks": "form",
    "survey_links": "form",
    "ResultsDashboard": "results",
    "DebriefGuide": "debrief",
    "PlanningMatrix": "matrix",
    "TestingProfile": "profile",
    "ImplementationPlan": "plan",
    "FollowUpBoard": "plan",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'orb_widgets.widgets' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_LAZY])


__all__ = sorted(_LAZY)
