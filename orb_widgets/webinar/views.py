"""What the series shows: follow-ups per county, the series across events, takeaways and themes.

Pure functions of a :class:`~.storage.Series` (no widgets, no I/O), returning
view models; Jinja partials in ``templates/partials/`` render them: as HTML
(autoescaped), and as the follow-up e-mail in Markdown and plain text
(``webinar_followup.md.j2`` and ``.txt.j2``, every typed text through the
``md`` or ``line`` filter of :mod:`orb_widgets.render`). Every per-county view
selects by the county of each *person*, so nothing of one county reaches
another county's follow-up, packet or workbook.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

import pandas as pd
from pydantic import BaseModel

from ..exceptions import InvalidValue
from ..render import render as render_partial
from .models import ReportBack, county_key
from .storage import EventRecord, Series


# ------------------------------------------------------------------ view models
class PersonLine(BaseModel):
    name: str
    role: str
    room: str
    steps: list[str]


class RoomLine(BaseModel):
    room: str
    reporter: str
    takeaway: str


class FollowUpView(BaseModel):
    """One county's follow-up after an event: its people, their steps, what they heard, what comes next."""

    county: str
    event_id: str
    title: str
    date: dt.date | None
    people: list[PersonLine]
    rooms_heard: list[RoomLine]
    questions: list[str]
    next_event: str = ""  # the next event's title, "" after the last one
    next_date: dt.date | None = None
    reportback: ReportBack | None = None


class Commitments(BaseModel):
    county: str
    steps: list[PersonLine]
    reportback: ReportBack | None = None


class OpeningView(BaseModel):
    """How an event opens: each county's commitments from the event before, and the questions."""

    previous_title: str
    previous_date: dt.date | None
    counties: list[Commitments]
    questions: list[str]


class SeriesRow(BaseModel):
    county: str
    event_id: str
    title: str
    date: dt.date | None
    committed: list[str]
    reported_done: list[str]
    activities: str = ""
    learned: str = ""
    next_step: str = ""
    why: str = ""


class Theme(BaseModel):
    word: str  # the phrase: two or three key words (see themes)
    rooms: list[str]
    quotes: list[RoomLine]


class Suggestion(BaseModel):
    """A next step someone from the county named at a webinar, offered to the county's matrix."""

    event_id: str
    title: str
    date: dt.date | None
    person: str
    role: str
    step: str
    #: The county reported this step done at a later event's check-in.
    done: bool = False


class EventPart(BaseModel):
    title: str
    date: dt.date | None
    people: list[PersonLine]
    rooms: list[RoomLine] = []  # the takeaways of the rooms the county's people sat in
    reportback: ReportBack | None = None


class TakeawaysView(BaseModel):
    """The packet's "Breakout takeaways" for one county: what its own people took home (their next steps
    and the takeaways of the rooms they sat in) and what the county reported back; nothing of another county."""

    county: str
    events: list[EventPart]


# ------------------------------------------------------------------ counties
def county_name(series: Series, typed: str) -> str:
    """The workspace's spelling of a county typed in a room, or the typed name tidied."""
    key = county_key(typed)
    for name in series.counties:
        if county_key(name) == key:
            return name
    return " ".join(str(typed).split())


def counties_in(rec: EventRecord, series: Series) -> list[str]:
    """Every county with a person in a room of the event, or a report-back at it, sorted."""
    found = {county_key(p.county): county_name(series, p.county) for r in rec.rooms for p in r.people}
    found.update({k: county_name(series, rb.county) for k, rb in rec.reportbacks.items()})
    return sorted(found.values(), key=str.casefold)


def _people(rec: EventRecord, county: str) -> list[PersonLine]:
    key = county_key(county)
    return [
        PersonLine(name=p.name, role=p.role, room=r.name, steps=[s for s in p.steps if s.strip()])
        for r in rec.rooms
        for p in r.people
        if county_key(p.county) == key
    ]


# ------------------------------------------------------------------ follow-up
def followup(series: Series, event_id: str, county: str) -> FollowUpView:
    """The follow-up the coach sends ``county`` after event ``event_id``."""
    rec = series.get(event_id)
    present = counties_in(rec, series)
    if county_key(county) not in {county_key(c) for c in present}:
        raise InvalidValue(
            f"nobody from '{county}' took part in '{rec.event.title}' ({event_id}); "
            f"counties there: {', '.join(present) or 'none yet'}"
        )
    people = _people(rec, county)
    ids = [r.id for r in series.events]
    after = series.events[ids.index(event_id) + 1] if ids.index(event_id) + 1 < len(ids) else None
    shown = next(c for c in present if county_key(c) == county_key(county))
    return FollowUpView(
        county=shown,
        event_id=event_id,
        title=rec.event.title,
        date=rec.event.date,
        people=people,
        rooms_heard=_rooms_heard(rec, people),
        questions=list(rec.event.questions),
        next_event=after.event.title if after else "",
        next_date=after.event.date if after else None,
        reportback=rec.reportbacks.get(county_key(county)),
    )


def _rooms_heard(rec: EventRecord, people: list[PersonLine]) -> list[RoomLine]:
    """The takeaways of the rooms ``people`` sat in, in room order."""
    heard = {p.room for p in people}
    return [
        RoomLine(room=r.name, reporter=r.reporter, takeaway=r.takeaway.strip())
        for r in rec.rooms
        if r.name in heard and r.takeaway.strip()
    ]


def followup_markdown(f: FollowUpView) -> str:
    """The follow-up as Markdown, ready to paste into an e-mail (``webinar_followup.md.j2``).

    Typed text is escaped for Markdown (:func:`orb_widgets.render.md`), so it
    shows as typed and can start no heading, list or table cell of its own.
    """
    return render("webinar_followup.md.j2", f=f)


def followup_text(f: FollowUpView) -> str:
    """The follow-up as plain text for an e-mail client that shows no formatting (``webinar_followup.txt.j2``)."""
    return render("webinar_followup.txt.j2", f=f)


def followup_html(f: FollowUpView) -> str:
    """The follow-up as a web page (what the county's inbox shows), every typed text escaped."""
    return render("webinar_followup.html.j2", f=f)


def export_frame(series: Series, event_id: str, county: str | None = None) -> pd.DataFrame:
    """One row per next step, takeaway heard, question and report-back answer (for CSV/Excel).

    With ``county``, that county's rows only; without, each room's own texts too (its facilitator,
    reporter, notes per prompt and SO WHAT? takeaway), so every text typed into a room is there.
    """
    rec = series.get(event_id)
    names = [county_name(series, county)] if county else counties_in(rec, series)
    records = []
    for name in names:
        f = followup(series, event_id, name)
        for p in f.people:
            for s in p.steps or [""]:
                records.append(
                    {
                        "county": f.county,
                        "person": p.name,
                        "role": p.role,
                        "room": p.room,
                        "kind": "next step",
                        "text": s,
                    }
                )
        for r in f.rooms_heard:
            records.append(
                {
                    "county": f.county,
                    "person": r.reporter,
                    "role": "reporter",
                    "room": r.room,
                    "kind": "room takeaway",
                    "text": r.takeaway,
                }
            )
        if f.reportback:
            for label, value in [
                ("activities", f.reportback.activities),
                ("learned", f.reportback.learned),
                ("next step reported", f.reportback.next_step),
                ("why", f.reportback.why),
            ]:
                if value.strip():
                    records.append(
                        {
                            "county": f.county,
                            "person": f.reportback.reported_by,
                            "role": "",
                            "room": "",
                            "kind": f"report-back: {label}",
                            "text": value,
                        }
                    )
        records += [
            {"county": f.county, "person": "", "role": "", "room": "", "kind": "question for next webinar", "text": q}
            for q in f.questions
        ]
    if county is None:  # the whole event: every text the rooms wrote as well, once each
        for r in rec.rooms:
            texts = [("room facilitator", r.facilitator), ("room reporter", r.reporter)]
            texts += [
                (f"room notes, prompt {int(k) + 1}", v) for k, v in sorted(r.notes.items(), key=lambda kv: int(kv[0]))
            ]
            texts += [("room SO WHAT? takeaway", r.takeaway)]
            records += [
                {"county": "", "person": "", "role": "", "room": r.name, "kind": kind, "text": text}
                for kind, text in texts
                if text.strip()
            ]
    return pd.DataFrame(records, columns=["county", "person", "role", "room", "kind", "text"])


# ------------------------------------------------------------------ the check-in and the series
def opening(series: Series, event_id: str) -> OpeningView | None:
    """What an event opens with: the event before's commitments per county, and its questions."""
    prev = series.previous(event_id)
    if prev is None:
        return None
    now = series.get(event_id)
    counties = [
        Commitments(county=c, steps=_people(prev, c), reportback=now.reportbacks.get(county_key(c)))
        for c in counties_in(prev, series)
    ]
    return OpeningView(
        previous_title=prev.event.title,
        previous_date=prev.event.date,
        counties=counties,
        questions=list(prev.event.questions),
    )


def series_view(series: Series, county: str | None = None) -> dict[str, list[SeriesRow]]:
    """Per county, event by event: committed, reported done, learned, and the next step."""
    out: dict[str, list[SeriesRow]] = defaultdict(list)
    names = sorted({c for rec in series.events for c in counties_in(rec, series)}, key=str.casefold)
    if county is not None:
        names = [n for n in names if county_key(n) == county_key(county)]
    for name in names:
        for rec in series.events:
            people = _people(rec, name)
            rb = rec.reportbacks.get(county_key(name))
            if not people and rb is None:
                continue
            out[name].append(
                SeriesRow(
                    county=name,
                    event_id=rec.id,
                    title=rec.event.title,
                    date=rec.event.date,
                    committed=[s for p in people for s in p.steps],
                    reported_done=list(rb.done) if rb else [],
                    activities=rb.activities if rb else "",
                    learned=rb.learned if rb else "",
                    next_step=rb.next_step if rb else "",
                    why=rb.why.strip() if rb else "",
                )
            )
    return dict(out)


def quick_takeaways(rec: EventRecord) -> list[RoomLine]:
    """The SO WHAT? quick takeaways, one per room that wrote one, to read out at the end."""
    return [
        RoomLine(room=r.name, reporter=r.reporter, takeaway=r.takeaway.strip()) for r in rec.rooms if r.takeaway.strip()
    ]


def next_steps(rec: EventRecord, series: Series) -> dict[str, list[PersonLine]]:
    """The next steps people named in the event's rooms, by their county (counties sorted)."""
    out = {county: [p for p in _people(rec, county) if p.steps] for county in counties_in(rec, series)}
    return {county: people for county, people in out.items() if people}


STOP_WORDS = frozenset(
    """
a about above after again all also am an and any are as at be because been before being below between both but
by can could did do does doing down during each few for from further get got had has have having he her here
hers him his how i if in into is it its just like make may me might more most much must my need needs no nor
not now of off on once one only or other our ours out over own really same she should so some such than that
the their theirs them then there these they thing things think this those through to too try under until up us
use very want wants was way we well were what when where which while who whom why will with would yes yet you
your yours get going lot lots maybe many every start room rooms people
""".split()
)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)


def key_words(text: str) -> set[str]:
    """The words of ``text`` that carry an idea: lower case, no stop-words, plural 's' dropped.

    >>> sorted(key_words("Ask supervisors first, then staff and partners"))
    ['ask', 'first', 'partner', 'staff', 'supervisor']
    """
    return {w for clause in _clauses(text) for w in clause}


def key_phrases(text: str) -> set[str]:
    """The two- and three-word phrases of ``text``: its key words in order, within one clause.

    >>> sorted(key_phrases("Ask supervisors first, then staff and partners"))
    ['ask supervisor', 'ask supervisor first', 'staff partner', 'supervisor first']
    """
    out = set()
    for words in _clauses(text):
        for n in (2, 3):
            out.update(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
    return out


def _clauses(text: str) -> list[list[str]]:
    out = []
    for clause in re.split(r"[.,;:!?()\n]+", str(text).casefold()):
        words = []
        for w in _WORD.findall(clause):
            if len(w) < 3 or w in STOP_WORDS:
                continue
            if len(w) > 4 and w.endswith("s") and not w.endswith("ss"):
                w = w[:-1]
            words.append(w)
        out.append(words)
    return out


def themes(rec: EventRecord, min_rooms: int = 2) -> list[Theme]:
    """Ideas that came up in several rooms: phrases of two or three key words shared by ``min_rooms`` or more rooms.

    A room's phrases come from its takeaway and its notes (see :func:`key_phrases`); a
    single shared word ("already") is no idea and is never shown. A two-word phrase
    inside a three-word one of the same rooms is left out. A theme lists the rooms
    it came up in and their takeaways, most rooms first.
    """
    by_phrase: dict[str, list] = defaultdict(list)
    for r in rec.rooms:
        for phrase in key_phrases(" . ".join([r.takeaway, *r.notes.values()])):
            by_phrase[phrase].append(r)
    shared = {p: rs for p, rs in by_phrase.items() if len(rs) >= min_rooms}
    kept = {
        p: rs
        for p, rs in shared.items()
        if not any(
            p != q and f" {p} " in f" {q} " and [r.name for r in rs] == [r.name for r in qs] for q, qs in shared.items()
        )
    }
    found = [
        Theme(
            word=p,
            rooms=[r.name for r in rs],
            quotes=[
                RoomLine(room=r.name, reporter=r.reporter, takeaway=r.takeaway.strip())
                for r in rs
                if r.takeaway.strip()
            ],
        )
        for p, rs in kept.items()
    ]
    return sorted(found, key=lambda t: (-len(t.rooms), t.word))


# ------------------------------------------------------------------ the county's own workbook and packet
def suggestions(series: Series, county: str) -> list[Suggestion]:
    """Every next step the county's people named at the series' events, newest event first."""
    reported = {
        d.strip() for rec in series.events for rb in [rec.reportbacks.get(county_key(county))] if rb for d in rb.done
    }
    out = []
    for rec in reversed(series.events):
        for p in _people(rec, county):
            out += [
                Suggestion(
                    event_id=rec.id,
                    title=rec.event.title,
                    date=rec.event.date,
                    person=p.name,
                    role=p.role,
                    step=s,
                    done=s.strip() in reported,
                )
                for s in p.steps
            ]
    return out


def packet_view(series: Series, county: str) -> TakeawaysView:
    """The county's part of the series for its packet, event by event: its people's next steps, the
    takeaways of the rooms they sat in, and its report-back; nothing of another county."""
    parts = []
    for rec in series.events:
        people = _people(rec, county)
        rb = rec.reportbacks.get(county_key(county))
        if people or rb:
            parts.append(
                EventPart(
                    title=rec.event.title,
                    date=rec.event.date,
                    people=people,
                    rooms=_rooms_heard(rec, people),
                    reportback=rb,
                )
            )
    return TakeawaysView(county=county_name(series, county), events=parts)


# ------------------------------------------------------------------ rendering
def render(partial: str, **context) -> str:
    """Render ``templates/partials/<partial>`` in the one autoescaping environment (:mod:`orb_widgets.render`)."""
    return str(render_partial(partial, **context))


def takeaways_html(view: TakeawaysView) -> str:
    """The packet's "Breakout takeaways" section for one county (the lead wires it into the packet)."""
    return render("webinar_takeaways.html.j2", view=view)
