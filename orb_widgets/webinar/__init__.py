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
from .demo import demo_series
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
from .views import (
    FollowUpView,
    TakeawaysView,
    export_frame,
    followup,
    followup_html,
    followup_markdown,
    followup_text,
    key_words,
    opening,
    packet_view,
    quick_takeaways,
    render,
    series_view,
    suggestions,
    takeaways_html,
    themes,
)

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
    "demo_series",
    "roomlinks",
]
