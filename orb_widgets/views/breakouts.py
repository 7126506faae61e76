"""Breakout sessions a county recorded itself, as the packet's "Breakout takeaways" shows them."""
from __future__ import annotations

from dataclasses import dataclass

from ..format import date


@dataclass(frozen=True)
class SessionTakeaways:
    title: str
    when: str
    rooms: tuple           # (room name, takeaway or "") pairs
    steps: tuple           # each next step named, once, in the order named


@dataclass(frozen=True)
class TakeawaysView:
    """The "Breakout takeaways" section: the county's own sessions, each with its rooms and next steps.

    ``webinar`` is the county's own people's part of the coach's webinar series
    (:func:`orb_widgets.webinar.packet_view`, rendered by
    ``partials/webinar_takeaways.html.j2``), or None when they took part in none.
    """

    sessions: tuple
    webinar: object = None
    limit: int = 10


def takeaways_view(sessions, limit: int = 10) -> TakeawaysView:
    """Breakout sessions as shown: the count of next steps is the count of the steps listed."""
    out = []
    for s in sessions:
        steps = [step.strip() for room in s.rooms for ns in room.next_steps for step in ns.steps if step.strip()]
        out.append(SessionTakeaways(s.title, date(s.date) if s.date else "",
                                    tuple((room.name, room.takeaway.strip()) for room in s.rooms),
                                    tuple(dict.fromkeys(steps))))
    return TakeawaysView(tuple(out), None, limit)
