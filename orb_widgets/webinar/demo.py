"""A demo series: two webinars with people from several fictional counties in mixed rooms.

The first event's people name next steps for their own county; at the
second, each of those counties reports back. Seeded: the same seed gives
the same series.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from ..content import load_framework
from .models import Event, Person, ReportBack, Room
from .storage import OWNER, new_event, save_event, save_reportback, save_room

USER = "demo script"
#: A county typed in by a participant that is not (yet) in the workspace.
VISITING_COUNTY = "Wren Valley County"
ROLES = ["Deputy director", "Program manager", "Supervisor", "Social worker", "Analyst", "Training lead"]
FIRST = [
    "Alex",
    "Blair",
    "Casey",
    "Devon",
    "Emery",
    "Finley",
    "Gray",
    "Harper",
    "Indy",
    "Jordan",
    "Kai",
    "Logan",
    "Morgan",
    "Noel",
    "Oakley",
    "Parker",
    "Quinn",
    "Reese",
    "Sage",
    "Taylor",
]
STEPS = [
    "Bring a small team together to plan the readiness survey",
    "Ask two supervisors to try the survey questions first",
    "Put readiness on the agenda of the next managers' meeting",
    "Look at which feedback loops we already have and celebrate them",
    "Talk with our training partner about a mid-point check",
    "Ask line staff what they need before we survey everyone",
    "Share the webinar slides with our implementation team",
]
NOTES = [
    "We want to know where staff are before we plan training.",
    "Start small: supervisors first, then line staff and partners.",
    "Leaders need to show the behaviors, not only talk about them.",
    "Feedback loops already exist in some units; build on them.",
    "Partners should be asked too, not only staff.",
]
TAKEAWAYS = [
    "Start with supervisors, then widen the circle to staff and partners.",
    "Celebrate the feedback loops we already have before adding new ones.",
    "Message the practice model as how we already work, not one more program.",
    "Ask staff at every level; supervisors can help shape the questions.",
]
LEARNED = [
    "Supervisors were keen to help shape the questions.",
    "Staff had heard of the practice model but few could say what changes for them.",
    "Our managers' meeting was the natural place to start; it took ten minutes.",
]
ACTIVITIES = [
    "Our small team met twice after the webinar and split the steps between us.",
    "We used the first ten minutes of two managers' meetings to work on our steps.",
    "Two of us took the steps back to our units and asked supervisors to help.",
    "We put the steps on our implementation team's standing agenda.",
    "We started with one step and asked staff for ideas before the next one.",
]
#: A county's next step after the report-back, with its own reason.
NEXT = [
    ("Survey all supervisors before the summit", "So the summit starts from what our own people told us."),
    ("Add partners to the implementation team", "Partners told us they hear about changes last."),
    ("Set a date to share what we learned with staff", "Staff asked to see what came of the survey they answered."),
]


def demo_series(store, county_names: list[str], seed: int = 2026) -> list[str]:
    """Save a two-event series mixing people of ``county_names`` (plus a visiting county); returns event ids."""
    rng = np.random.default_rng(seed)
    prompts = load_framework("cpm-orb").breakout_prompts
    counties = list(county_names[:5]) + [VISITING_COUNTY]
    first = new_event(
        store,
        "Readiness webinar: where are we starting?",
        dt.date(2025, 9, 18),
        USER,
        prompts=prompts,
        minutes=10,
        rooms=3,
    )
    second = new_event(
        store,
        "County voices: what we tried and learned",
        dt.date(2025, 10, 23),
        USER,
        prompts=prompts[:2],
        minutes=12,
        rooms=3,
    )
    names = iter(FIRST)
    people_by_room: list[list[Person]] = [[] for _ in range(3)]
    for k, county in enumerate(counties):  # two people per county, never in the same room
        own = [STEPS[int(i)] for i in rng.permutation(len(STEPS))]  # no two people of a county name the same step
        for j in range(2):
            room = (k + j) % 3
            people_by_room[room].append(
                Person(
                    name=f"{next(names)} {chr(65 + k)}.",
                    county=county,
                    role=ROLES[int(rng.integers(len(ROLES)))],
                    steps=own[2 * j : 2 * j + 1 + int(rng.integers(2))],
                )
            )
    for n in range(3):
        save_room(
            store,
            first,
            n,
            Room(
                event=first,
                name=f"Room {n + 1}",
                facilitator=people_by_room[n][0].name,
                reporter=people_by_room[n][-1].name,
                notes={p: NOTES[int(rng.integers(len(NOTES)))] for p in range(len(prompts))},
                people=people_by_room[n],
                takeaway=TAKEAWAYS[n],
            ),
            USER,
            expected_version=0,
        )
    steps = {}
    for room in people_by_room:
        for p in room:
            steps.setdefault(p.county, []).extend(p.steps)
    for k, county in enumerate(counties[:-1]):  # the visiting county did not come back
        done = list(dict.fromkeys(steps[county]))[: 1 + k % 2]
        save_reportback(
            store,
            second,
            ReportBack(
                event=second,
                county=county,
                activities=ACTIVITIES[k % len(ACTIVITIES)],
                done=done,
                learned=LEARNED[k % len(LEARNED)],
                next_step=NEXT[k % len(NEXT)][0],
                why=NEXT[k % len(NEXT)][1],
                reported_by=f"{county} team",
            ),
            USER,
            expected_version=0,
        )
    taken: dict[str, int] = {}  # the two people of a county take home different steps
    for n in range(3):
        members = []
        for p in people_by_room[(n + 1) % 3]:
            if p.county == VISITING_COUNTY:
                continue
            j = taken[p.county] = taken.get(p.county, -1) + 1
            step = NEXT[(counties.index(p.county) + j) % len(NEXT)][0]
            members.append(Person(name=p.name, county=p.county, role=p.role, steps=[step]))
        save_room(
            store,
            second,
            n,
            Room(
                event=second,
                name=f"Room {n + 1}",
                facilitator=members[0].name if members else "",
                reporter=members[-1].name if members else "",
                notes={0: NOTES[(n + 1) % len(NOTES)]},
                people=members,
                takeaway=TAKEAWAYS[(n + 1) % len(TAKEAWAYS)],
            ),
            USER,
            expected_version=0,
        )
    ev = Event.model_validate(store.get_doc(_owner_name(store), "webinar_event", second).body)
    ev.questions = [
        "What did you try before the managers' summit?",
        "What did you learn?",
        "What is your next step, and why?",
    ]
    save_event(store, second, ev, USER)
    return [first, second]


def _owner_name(store) -> str:
    return store.county(OWNER).name
