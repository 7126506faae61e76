"""The coach's webinar series: cross-county breakout rooms, next steps routed to each county, check-ins.

Models in :mod:`.models`, saving in :mod:`.storage`, pure views (follow-ups,
the series, takeaways, themes, a county's suggestions and packet section) in
:mod:`.views` (the e-mails are templates: ``templates/partials/webinar_*``),
the demo series in :mod:`.demo`, ``orb webinar`` in :mod:`.cli`, and moving
older versions' county-kept breakout sessions into the series on
``orb init --upgrade`` in :mod:`.legacy`. No widgets here: the coach's page is
:mod:`orb_widgets.widgets.breakout`.
"""

from . import roomlinks
from .models import REPORT_BACK_QUESTIONS, Event, Person, ReportBack, Room, county_key
from .storage import (
    OWNER,
    Series,
    add_room,
    event,
    events,
    is_internal,
    load_series,
    new_event,
    reportbacks,
    room_key,
    rooms,
    save_event,
    save_reportback,
    save_room,
)

#: Loaded when first asked for: the views need pandas, the demo numpy, and the room server
#: (:mod:`orb_widgets.survey.rooms`, through :mod:`.roomlinks`) neither.
_LAZY = {
    **{
        name: "views"
        for name in (
            "FollowUpView",
            "TakeawaysView",
            "export_frame",
            "followup",
            "followup_html",
            "followup_markdown",
            "followup_text",
            "key_words",
            "opening",
            "packet_view",
            "quick_takeaways",
            "render",
            "series_view",
            "suggestions",
            "takeaways_html",
            "themes",
        )
    },
    "demo_series": "demo",
}


def __getattr__(name: str):
    import importlib

    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    if name in ("views", "demo"):
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "REPORT_BACK_QUESTIONS",
    "Event",
    "Person",
    "ReportBack",
    "Room",
    "county_key",
    "OWNER",
    "Series",
    "add_room",
    "event",
    "events",
    "is_internal",
    "load_series",
    "new_event",
    "reportbacks",
    "room_key",
    "rooms",
    "save_event",
    "save_reportback",
    "save_room",
    *_LAZY,
    "roomlinks",
]
