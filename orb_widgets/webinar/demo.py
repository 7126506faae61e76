"""A demo series: two webinars with people from several fictional counties in mixed rooms.

The first event's people name next steps for their own county; at the
second, each of those counties reports back. Seeded: the same seed gives
the same series. Every phrase is drawn without replacement, so no two
counties name the same step or report the same thing, and no two rooms
write the same note or takeaway (rooms still share ideas: the same few
words come up in several rooms, as they do in a real webinar).
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
#: Next steps people take home to their own county (each said by one person only).
STEPS = [
    "Bring a small team together to plan the readiness survey",
    "Ask two supervisors to try the survey questions first",
    "Put readiness on the agenda of the next managers' meeting",
    "Look at which feedback loops we already have and celebrate them",
    "Talk with our training partner about a mid-point check",
    "Ask line staff what they need before we survey everyone",
    "Share the webinar slides with our implementation team",
    "Find out who in our agency already runs family team meetings well",
    "Ask our director for ten minutes at the all-staff meeting",
    "Invite a community partner to our next implementation team meeting",
    "List the initiatives we run now and see where they overlap",
    "Ask the front desk how families first hear about us",
    "Set up a short call with a county that has already surveyed",
    "Draft a key message and try it at one unit meeting",
    "Check whether our data unit can pull results by office",
    "Ask supervisors which feedback loops work in their units",
    "Talk with the union steward before the survey goes out",
    "Ask resource parents how they would like to be asked",
    "Name one person to answer staff questions about readiness",
    "Pick a quiet month for the survey with our managers",
    "Read the practice model's behaviors with my unit",
    "Ask our tribal partner how they want to take part",
    "Write down what we learned today for my supervisor",
    "Find a buddy county to swap plans with",
]
#: What a room writes down under a prompt (each note written in one room only).
NOTES = [
    "We want to know where staff are before we plan training.",
    "Start small: supervisors first, then line staff and partners.",
    "Leaders need to show the behaviors, not only talk about them.",
    "Feedback loops already exist in some units; build on them.",
    "Partners should be asked too, not only staff.",
    "Our line staff are tired of surveys that go nowhere.",
    "A readiness check could show which offices are ready first.",
    "Bring supervisors in early; line staff trust them.",
    "Leaders at every level model the change, titles aside.",
    "We gain a starting point to measure change against.",
    "Ask partners and resource parents, not only our own staff.",
    "Look at feedback loops and team structures first.",
    "My part as a supervisor: make time for my unit to talk about it.",
    "Some counties already have feedback loops worth copying.",
    "Why now: new leadership and a fresh strategic plan.",
    "We want to find out what staff already know about the model.",
    "Invite the front desk; they meet families first.",
    "Line staff and supervisors should help write the questions.",
]
#: The SO WHAT? quick takeaway of a room (one room each).
TAKEAWAYS = [
    "Start with supervisors, then widen the circle to staff and partners.",
    "Celebrate the feedback loops we already have before adding new ones.",
    "Message the practice model as how we already work, not one more program.",
    "Ask staff at every level; supervisors can help shape the questions.",
    "Leaders model the change first; line staff follow what they see.",
    "A readiness check is a starting point, not a grade.",
    "Bring partners in early; they notice changes last.",
    "Use the meetings we already have instead of adding new ones.",
]
#: What a county learned between the events (one county each).
LEARNED = [
    "Supervisors were keen to help shape the questions.",
    "Staff had heard of the practice model but few could say what changes for them.",
    "Our managers' meeting was the natural place to start; it took ten minutes.",
    "Partners were glad to be asked and had more to say than we expected.",
    "The front desk hears what families worry about before anyone else does.",
    "Our data unit can pull results by office, which surprised us.",
    "Line staff wanted to know what happens with their answers before they give them.",
    "A county that surveyed last year warned us to avoid the busiest month.",
]
#: What a county did between the events (one county each).
ACTIVITIES = [
    "Our small team met twice after the webinar and split the steps between us.",
    "We used the first ten minutes of two managers' meetings to work on our steps.",
    "Two of us took the steps back to our units and asked supervisors to help.",
    "We put the steps on our implementation team's standing agenda.",
    "We started with one step and asked staff for ideas before the next one.",
    "We held one lunch session open to anyone and twelve people came.",
    "Our director sent a short note to all staff about why we are doing this.",
    "We called a buddy county and borrowed their plan for the survey.",
]
#: A county's next steps after the report-back, each with its own reason (two per county, never shared).
NEXT = [
    ("Survey all supervisors before the summit", "So the summit starts from what our own people told us."),
    ("Add partners to the implementation team", "Partners told us they hear about changes last."),
    ("Set a date to share what we learned with staff", "Staff asked to see what came of the survey they answered."),
    ("Run the full staff survey in the spring", "Our pilot with supervisors went well and staff are asking for it."),
    ("Bring a line worker onto the implementation team", "Plans made without line staff do not fit the work."),
    ("Test our key message with the front desk", "They speak with families before anyone else."),
    ("Ask resource parents to join one planning meeting", "They know the children's days better than we do."),
    (
        "Share each unit's results with its supervisor",
        "Supervisors asked for their own numbers, not only the county's.",
    ),
    ("Pick one feedback loop to strengthen this quarter", "Doing one well beats starting five."),
    ("Write a one-page summary of why we are doing this", "New staff keep asking the same question."),
    ("Plan a data walk with the analyst", "The numbers mean more when we read them together."),
    ("Meet our tribal partner to plan their part", "They asked to be involved from the start this time."),
]


def demo_series(store, county_names: list[str], seed: int = 2026) -> list[str]:
    """Save a two-event series mixing people of ``county_names`` (plus a visiting county); returns event ids."""
    rng = np.random.default_rng(seed)
    prompts = load_framework("cpm-orb").breakout_prompts
    said = np.random.default_rng([seed, 19])  # which phrases are said, apart from who sits where
    steps_left = _dealt(STEPS, said)
    notes_left, takeaways = _dealt(NOTES, said), _dealt(TAKEAWAYS, said)
    learned, activities, nexts = _dealt(LEARNED, said), _dealt(ACTIVITIES, said), _dealt(NEXT, said)
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
        for j in range(2):
            room = (k + j) % 3
            people_by_room[room].append(
                Person(
                    name=f"{next(names)} {chr(65 + k)}.",
                    county=county,
                    role=ROLES[int(rng.integers(len(ROLES)))],
                    steps=[steps_left.pop() for _ in range(1 + int(rng.integers(2)))],
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
                notes={p: notes_left.pop() for p in range(len(prompts))},
                people=people_by_room[n],
                takeaway=takeaways.pop(),
            ),
            USER,
            expected_version=0,
        )
    steps = {}
    for room in people_by_room:
        for p in room:
            steps.setdefault(p.county, []).extend(p.steps)
    own_next = {county: [nexts.pop(), nexts.pop()] for county in counties[:-1]}  # two next steps per county
    for k, county in enumerate(counties[:-1]):  # the visiting county did not come back
        done = list(dict.fromkeys(steps[county]))[: 1 + k % 2]
        save_reportback(
            store,
            second,
            ReportBack(
                event=second,
                county=county,
                activities=activities.pop(),
                done=done,
                learned=learned.pop(),
                next_step=own_next[county][0][0],
                why=own_next[county][0][1],
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
            step = own_next[p.county][j % 2][0]
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
                notes={0: notes_left.pop()},
                people=members,
                takeaway=takeaways.pop(),
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


def _dealt(phrases: list, rng) -> list:
    """``phrases`` in a random order, to be taken with ``pop()``: each is said once."""
    return [phrases[int(i)] for i in rng.permutation(len(phrases))]


def _owner_name(store) -> str:
    return store.county(OWNER).name
