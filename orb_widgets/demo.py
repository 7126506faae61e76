"""A demo workspace: fictional counties with synthetic answers, made by a seeded script.

Nothing here is real. The county names are invented, every answer is drawn
from a random model, and the workspace is marked as demo data so every page
and packet says so. The same seed always gives the same workspace.
"""
from __future__ import annotations

import datetime as dt

import numpy as np

from . import workbook
from .content import load_framework
from .instrument import tailor
from .store import NewResponse, Store
from .webinar import demo_series

DEMO_NOTICE = ("Demo data: the counties are invented and every answer was made up by a seeded script. "
               "These are not real results.")

COUNTY_NAMES = [
    "Alder Creek County", "Bayside County", "Cedar Valley County", "Driftwood County",
    "Elkhorn Ridge County", "Foxglove County", "Granite Bend County", "Harbor Point County",
    "Ironwood County", "Juniper Flats County", "Kestrel Lake County", "Larkspur County",
    "Maple Hollow County", "Northgate County", "Oak Meadow County", "Pinecrest County",
    "Quail Run County", "Rivermouth County", "Sagebrush County", "Tamarack County",
    "Upland Springs County", "Vista Mesa County", "Willow Bend County", "Yarrow County",
]
WAVES = ["2025-fall", "2026-spring"]

# Share of respondents and how much higher than average each level rates readiness.
LEVEL_SHARE = {"leadership": 0.07, "supervisor": 0.15, "staff": 0.6, "partner": 0.18}
LEVEL_OFFSET = {"leadership": 0.45, "supervisor": 0.15, "staff": -0.1, "partner": 0.0}


def county_names(n: int) -> list[str]:
    names = COUNTY_NAMES[:n]
    names += [f"Demo County {k}" for k in range(len(names) + 1, n + 1)]
    return names


def make_demo(store: Store, counties: int = 6, seed: int = 2026, responses: tuple[int, int] = (25, 90)) -> list[str]:
    """Fill ``store`` with ``counties`` fictional counties over two waves.

    Every fourth county uses the CPS pack on a 4-point scale; the rest use the
    CPM pack on 5 points, some with a tailored subset of elements.
    """
    rng = np.random.default_rng(seed)
    store.set_meta("demo", DEMO_NOTICE)
    names = county_names(counties)
    for k, name in enumerate(names):
        framework = "cps" if k % 4 == 3 else "cpm-orb"
        fw = load_framework(framework)
        elements = None
        if framework == "cpm-orb" and k % 3 == 1:
            elements = [e.id for e in fw.elements if e.id != "E"]
        inst = tailor(fw, county=name, elements=elements, points=4 if framework == "cps" else 5,
                      min_group=5)
        store.save_instrument(inst)
        _responses(store, inst, fw, rng, responses)
        _workbook(store, name, fw, rng, k)
    demo_series(store, names, seed)
    return names


def _responses(store, inst, fw, rng, size) -> None:
    levels = {r.id: r.level for r in fw.role_groups}
    roles = [r.id for r in inst.roles]
    shares = np.array([LEVEL_SHARE[levels[r]] for r in roles])
    shares = shares / shares.sum()
    points = inst.scale.points
    mid = (points + 1) / 2
    base = {e: rng.normal(mid + 0.2, 0.45) for e in inst.elements}
    trend = {e: rng.normal(0.15, 0.25) for e in inst.elements}
    item_el = np.array([i.element for i in inst.items])
    item_rev = np.array([i.reverse for i in inst.items])
    item_ids = [i.id for i in inst.items]
    start = dt.datetime(2025, 10, 6, 9, tzinfo=dt.timezone.utc)
    for w, wave in enumerate(WAVES):
        n = int(rng.integers(*size))
        who = rng.choice(len(roles), size=n, p=shares)
        person = rng.normal(0, 0.45, size=n)
        latent = np.array([[base[e] + w * trend[e] for e in item_el]])
        offset = np.array([LEVEL_OFFSET[levels[roles[r]]] for r in who])[:, None]
        raw = latent + offset + person[:, None] + rng.normal(0, 0.75, size=(n, len(item_ids)))
        values = np.clip(np.rint(raw), 1, points).astype(int)
        values = np.where(item_rev[None, :], points + 1 - values, values)
        is_partner = np.array([levels[roles[r]] == "partner" for r in who])[:, None]
        dk = rng.random((n, len(item_ids))) < np.where(is_partner, 0.18, 0.04)
        skip = rng.random((n, len(item_ids))) < 0.02
        batch = []
        for p in range(n):
            answers = {iid: (None if skip[p, j] else "dk" if dk[p, j] else int(values[p, j]))
                       for j, iid in enumerate(item_ids)}
            comments = {}
            if rng.random() < 0.15:
                e = inst.elements[int(rng.integers(len(inst.elements)))]
                comments[e] = str(rng.choice(_COMMENTS))
            when = start + dt.timedelta(days=182 * w + int(rng.integers(0, 14)), minutes=int(rng.integers(0, 600)))
            batch.append(NewResponse(role=roles[who[p]], answers=answers, comments=comments, submitted_at=when))
        store.add_responses(inst.county, wave, batch, instrument=inst, source="demo")


_COMMENTS = [
    "We need more time in unit meetings to talk about this.",
    "My supervisor checks in about the new approach and it helps.",
    "I am not sure who to ask when I have questions.",
    "The training was useful but we have not had a follow-up.",
    "Leaders talk about it, but day to day nothing has changed yet.",
    "Partners would like to hear more about what is planned.",
    "We already do a lot of this with families; it is good to name it.",
]


def _workbook(store, county, fw, rng, k) -> None:
    user = "demo script"
    today = dt.date(2026, 3, 2)
    prompts = len(fw.breakout_prompts)
    rooms = []
    for r in range(3):
        rooms.append(workbook.Room(
            name=f"Room {r + 1}", facilitator=f"Facilitator {r + 1}", reporter=f"Reporter {r + 1}",
            notes={p: _pick(rng, _NOTES) for p in range(prompts)},
            next_steps=[workbook.NextSteps(person=f"Participant {r + 1}.{j + 1}",
                                           steps=[_pick(rng, _STEPS)]) for j in range(2)],
            takeaway=_pick(rng, _TAKEAWAYS)))
    workbook.save(store, county, "breakout", "webinar-1",
                  workbook.BreakoutSession(title="Readiness webinar breakout", date=dt.date(2025, 9, 18),
                                           rooms=rooms), user)
    questions = [q.id for q in fw.key_message_questions]
    for m, text in enumerate(_MESSAGES[:2]):
        tests = [workbook.MessageTest(version=v, audience=aud, event=ev, date=dt.date(2025, 10, 1 + 7 * v + m),
                                      people=int(rng.integers(6, 40)),
                                      ratings={q: int(np.clip(rng.integers(2, 6) + (v - 1), 1, 5)) for q in questions},
                                      feedback=_pick(rng, _FEEDBACK))
                 for v in (1, 2) for aud, ev in [("Line staff", "Unit meeting"), ("Community partners", "Partner forum")]]
        workbook.save(store, county, "key_message", f"message-{m + 1}", workbook.KeyMessage(
            title=f"Key message {m + 1}",
            versions=[workbook.MessageVersion(version=1, text=text, created=dt.date(2025, 9, 25)),
                      workbook.MessageVersion(version=2, text=text + " We will learn it together.",
                                              created=dt.date(2025, 10, 9))],
            tests=tests), user)
    if k % 2 == 0:  # half the demo counties have started their matrix
        for n, element in enumerate(fw.elements[:2]):
            workbook.save(store, county, "matrix_row", element.id, workbook.MatrixRow(
                target=element.id, what_we_learned=_pick(rng, _LEARNED), why_it_matters=_pick(rng, _WHY),
                next_steps=[_pick(rng, _STEPS), _pick(rng, _STEPS)], who="Implementation team",
                by_when=today + dt.timedelta(days=45 + 30 * n), support_needed="Time on the agenda of unit meetings",
                how_we_will_know="Next survey wave and a short pulse check at unit meetings",
                status="under way" if n == 0 else "not started"), user)
        workbook.save(store, county, "testing_profile", "main", workbook.TestingProfile(
            buddy_county=county_names(k + 2)[-1] if k + 2 <= len(COUNTY_NAMES) else "",
            sections={s.id: _pick(rng, _PROFILE) for s in fw.testing_profile},
            buddy={q.id: _pick(rng, _PROFILE) for q in fw.buddy_questions}), user)
    levels = {lv.id: workbook.CompetenceShare(now=round(max(0.0, lv.target_share - float(rng.uniform(0, .15))), 2),
                                              target=lv.target_share) for lv in fw.competence_levels}
    workbook.save(store, county, "plan", "main", workbook.ImplementationPlan(
        vision="Every family we work with feels heard and has a say in their plan.",
        goals=["Staff can name the practice behaviors and use them in daily work",
               "Each unit talks about the practice model at least once a month"],
        effect_measures=["Survey scores on climate and leadership rise by the next wave",
                         "Share of staff at user level or above"],
        activities=[workbook.Activity(what="Coaching circles for supervisors", who="Training lead",
                                      start=dt.date(2026, 1, 12), end=dt.date(2026, 6, 30)),
                    workbook.Activity(what="Share results at an all-staff meeting", who="Director",
                                      start=dt.date(2026, 4, 1), end=dt.date(2026, 4, 1))],
        competence=levels), user)
    workbook.save(store, county, "followup", "2026-02-15", workbook.FollowUp(
        date=dt.date(2026, 2, 15), keep=["Monthly check-in at unit meetings"],
        improve=["Reminders before focus groups"], start=["Invite partners to the next review"],
        stop=["Long e-mail updates nobody reads"]), user)


def _pick(rng, options):
    return str(options[int(rng.integers(len(options)))])


_MESSAGES = [
    "The practice model is not one more program. It ties together the good work we already do.",
    "We want staff to feel the same respect and support that we want families to feel.",
]
_FEEDBACK = ["Clear, but too long to say in one breath.", "People liked that it starts from what we already do.",
             "Partners asked what will change for them.", "It started a good talk about daily work."]
_NOTES = ["We want to know where staff are before we plan training.",
          "Start small: supervisors first, then line staff.", "Ask partners too, not only staff.",
          "Leaders need to show the behaviors, not only talk about them.",
          "Use what we learn to plan the next all-staff meeting."]
_STEPS = ["Share the survey plan at the next managers' meeting", "Ask two supervisors to test the survey",
          "Put the key message on the agenda of unit meetings", "Set a date to review results with staff"]
_TAKEAWAYS = ["Start with supervisors, then widen the circle.", "Celebrate the feedback loops we already have.",
              "Ask staff at every level, and partners too."]
_LEARNED = ["Staff are unsure who makes decisions about the rollout.",
            "Leaders rate this much higher than line staff do.", "Many people answered 'don't know' here."]
_WHY = ["Without clear roles, good ideas stall.", "People need to see leaders doing it too."]
_PROFILE = ["We tested our key messages with a small group of staff and partners.",
            "Short, two-way conversations worked better than presentations.",
            "Next time we will invite supervisors earlier.", "Just start, and keep it small at first."]
