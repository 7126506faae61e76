"""A demo workspace: fictional counties with synthetic answers, made by a seeded script.

Nothing here is real. The county names are invented, every answer is drawn
from a random model, and the workspace is marked as demo data so every page
and packet says so. The same seed always gives the same workspace.

Each county's workbook is written in its framework's words (the phrases are in
``data/<pack>/demo.yaml``), drawn without replacement across the counties of a
framework, so no sentence appears in two counties' workbooks or survey comments
(as long as the lists last: they hold enough for the default demo and more),
and written *after* its answers are scored, so what the matrix, the
testing profile and the plan say about the results is what the results show:
a leaders–staff gap is named only where it is shown and notable, "don't know"
only where many answered it, a fall only where the element fell.

>>> mix = role_counts("cpm-orb", "small", 60)
>>> sum(mix.values()), mix["partners"] < 5 and mix["supervisors"] < 5 <= mix["leadership"]
(60, True)
"""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np
import yaml

from . import views, workbook
from .content import load_framework
from .instrument import tailor
from .resources import shipped
from .results import county_results
from .store import NewResponse, Store
from .webinar import demo_series

DEMO_NOTICE = (
    "Demo data: the places are invented and every answer was made up by a seeded script. These are not real results."
)

COUNTY_NAMES = [
    "Alder Creek County",
    "Bayside County",
    "Cedar Valley County",
    "Driftwood County",
    "Elkhorn Ridge County",
    "Foxglove County",
    "Granite Bend County",
    "Harbor Point County",
    "Ironwood County",
    "Juniper Flats County",
    "Kestrel Lake County",
    "Larkspur County",
    "Maple Hollow County",
    "Northgate County",
    "Oak Meadow County",
    "Pinecrest County",
    "Quail Run County",
    "Rivermouth County",
    "Sagebrush County",
    "Tamarack County",
    "Upland Springs County",
    "Vista Mesa County",
    "Willow Bend County",
    "Yarrow County",
]
WAVES = ["2025-fall", "2026-spring"]

#: Who answers, county by county (the k-th county takes ``MIXES[k % 6]``):
#: "all" — every role group big enough to show; "small" — a few supervisors and partners
#: (CPM) or a few student health and other staff (CPS), hidden in the role table while the
#: leaders–staff gap still shows; "few_leaders" — too few leaders, so the gap is hidden too.
MIXES = ("small", "small", "all", "all", "all", "few_leaders")

# Share of respondents per role level, and the smallest group each mix aims for.
LEVEL_SHARE = {"leadership": 0.12, "supervisor": 0.15, "staff": 0.6, "partner": 0.13}
SHOWN_FLOOR = 8  # comfortably above the demo's min_group of 5, so a few skipped answers keep it shown
SMALL = (3, 4)  # a hidden group: fewer than min_group, but two of them together reach it
# How much higher than staff each level rates readiness; leaders' lead varies by county and element.
LEVEL_OFFSET = {"supervisor": 0.1, "staff": -0.1, "partner": 0.0}
# How many more answer "don't know" on the element a county knows least about.
FOGGY_DONT_KNOW = {"leadership": 0.05, "supervisor": 0.12, "staff": 0.22, "partner": 0.2}
#: A share of "don't know" answers a county's workbook calls high.
DONT_KNOW_HIGH = 0.15


#: What a demo unit is called, by framework: a CPS unit is a school municipality, not a county.
UNIT_SUFFIX = {"cpm-orb": "County", "cps": "Municipality"}


def unit_name(k: int) -> str:
    """The ``k``-th demo unit's name, in its framework's word: ``Alder Creek County``, ``Driftwood Municipality``.

    >>> unit_name(0), unit_name(3)
    ('Alder Creek County', 'Driftwood Municipality')
    """
    suffix = UNIT_SUFFIX[framework_of(k)]
    if k < len(COUNTY_NAMES):
        return COUNTY_NAMES[k].removesuffix(" County") + " " + suffix
    return f"Demo {suffix} {k + 1}"


def county_names(n: int) -> list[str]:
    return [unit_name(k) for k in range(n)]


def framework_of(k: int) -> str:
    """Every fourth demo county is a school municipality using CPS; the rest use the CPM pack."""
    return "cps" if k % 4 == 3 else "cpm-orb"


def make_demo(
    store: Store,
    counties: int = 6,
    seed: int = 2026,
    responses: tuple[int, int] = (25, 90),
    today: dt.date | None = None,
) -> list[str]:
    """Fill ``store`` with ``counties`` fictional counties over two waves.

    Every fourth county uses the CPS pack on a 4-point scale; the rest use the
    CPM pack on 5 points, some with a tailored subset of elements. Only the
    CPM counties take part in the coach's (child-welfare) webinar series.

    What lies ahead is dated from ``today`` (the day the demo is made): each
    county's matrix has a step done, one due soon and one overdue, its plan's
    activities run around today and its last review was three weeks ago. A
    county's phrases and survey comments are drawn without replacement across
    its framework's counties, so two counties never say the same sentence
    (a list used up starts over only in a demo larger than the lists hold).
    The phrases have their own random stream, so growing a list of phrases
    changes what is said, never what was answered.
    """
    rng = np.random.default_rng(seed)
    said = np.random.default_rng([seed, 19])  # which phrases each county draws
    today = today or dt.date.today()
    draws: dict[str, _Draw] = {}  # per framework: the phrases left for its next counties
    store.set_meta("demo", DEMO_NOTICE)
    names = county_names(counties)
    shares = _comment_shares([framework_of(k) for k in range(counties)], said)
    for k, name in enumerate(names):
        framework = framework_of(k)
        fw = load_framework(framework)
        elements = None
        if framework == "cpm-orb" and k % 3 == 1:
            elements = [e.id for e in fw.elements if e.id != "E"]
        inst = tailor(fw, county=name, elements=elements, points=4 if framework == "cps" else 5, min_group=5)
        store.save_instrument(inst)
        _responses(store, inst, fw, rng, responses, MIXES[k % len(MIXES)], _CommentPool(shares[k]), unclear=k % 3 != 2)
        draw = draws.setdefault(framework, _Draw(said))
        draw.next_county()
        _workbook(store, name, fw, county_results(store, name), rng, k, draw, today)
    demo_series(store, [n for k, n in enumerate(names) if framework_of(k) == "cpm-orb"], seed)
    _pulse(store, names[0], np.random.default_rng([seed, 22]), today)
    return names


def _pulse(store, county: str, rng, today: dt.date) -> None:
    """One pulse check, on the first county's first plan row, answered three weeks ago by 14 to 24 people a
    little more positive than its last full wave (its own random stream: the full waves are unchanged)."""
    from .instrument import pulse_instrument
    from .results import pulse_wave_label, row_elements

    rows = workbook.load_all(store, county, "matrix_row")
    if not rows:
        return
    key, row = next(iter(rows.items()))
    inst = store.current_instrument(county)
    pulse = pulse_instrument(inst, key, row_elements(row.target, load_framework(inst.framework)))
    store.save_instrument(pulse)
    points = inst.scale.points
    mean = next((e.mean for e in county_results(store, county).elements if e.element == row.target and e.shown), None)
    centre = (mean if mean is not None else (points + 1) / 2) + 0.3
    roles = [r.id for r in inst.roles if r.level != "partner"]
    when = dt.datetime.combine(today - dt.timedelta(weeks=3), dt.time(10), tzinfo=dt.timezone.utc)
    batch = []
    for p in range(int(rng.integers(14, 25))):
        person = rng.normal(0, 0.45)
        answers = {}
        for i in pulse.items:
            value = int(np.clip(np.rint(centre + person + rng.normal(0, 0.75)), 1, points))
            answers[i.id] = points + 1 - value if i.reverse else value
        batch.append(
            NewResponse(role=roles[p % len(roles)], answers=answers, submitted_at=when + dt.timedelta(minutes=7 * p))
        )
    store.add_responses(county, pulse_wave_label(key, when.date()), batch, instrument=pulse, source="demo")


# ------------------------------------------------------------------ answers
def role_counts(framework: str, mix: str, n: int) -> dict[str, int]:
    """How many people of each role group answer a wave of ``n`` (``mix`` is one of :data:`MIXES`).

    Groups the mix keeps small get 3 or 4 people, every other group at least
    :data:`SHOWN_FLOOR`, and the largest staff group the rest. When ``n`` is
    below :func:`people_needed` the groups just take their share (and small
    ones are hidden, as they would be in a real county that small).
    """
    levels, fixed = _mix(framework, mix)
    per_level = {lv: list(levels.values()).count(lv) for lv in levels.values()}
    share = {r: n * LEVEL_SHARE[lv] / per_level[lv] for r, lv in levels.items()}
    if n < people_needed(framework, mix):
        counts = {r: int(x) for r, x in share.items()}
    else:
        counts = {r: fixed.get(r) or max(SHOWN_FLOOR, int(share[r])) for r in levels}
    main = next(r for r, lv in levels.items() if lv == "staff")
    counts[main] = max(
        counts[main] + n - sum(counts.values()), SHOWN_FLOOR if n >= people_needed(framework, mix) else 0
    )
    return counts


def people_needed(framework: str, mix: str) -> int:
    """The smallest wave that holds a mix's group sizes."""
    levels, fixed = _mix(framework, mix)
    return sum(fixed.get(r, SHOWN_FLOOR) for r in levels)


def _mix(framework: str, mix: str) -> tuple[dict[str, str], dict[str, int]]:
    levels = {r.id: r.level for r in load_framework(framework).role_groups}
    small = {"cpm-orb": ("supervisors", "partners"), "cps": ("student_health", "other_staff")}[framework]
    fixed: dict[str, int] = {}
    if mix == "small":
        fixed = {small[0]: SMALL[1], small[1]: SMALL[0]}
    elif mix == "few_leaders":
        fixed = {r: SMALL[0] for r, lv in levels.items() if lv == "leadership"}
    return levels, fixed


def _comment_shares(frameworks: list[str], rng) -> list[dict[str, list[str]]]:
    """Each county's own survey comments, by element: a framework's comments dealt out among its counties.

    >>> shares = _comment_shares(["cpm-orb", "cpm-orb", "cps"], np.random.default_rng(1))
    >>> set(shares[0]["A"]) & set(shares[1]["A"]), len(shares[2]["A"]) == len(_phrases("cps")["comments"]["A"])
    (set(), True)
    """
    dealt: dict[str, dict[str, list[str]]] = {}
    for framework in dict.fromkeys(frameworks):
        dealt[framework] = {
            e: [texts[int(i)] for i in rng.permutation(len(texts))]
            for e, texts in _phrases(framework)["comments"].items()
        }
    counties = {f: frameworks.count(f) for f in dealt}
    nth = [frameworks[:k].count(f) for k, f in enumerate(frameworks)]
    return [{e: texts[nth[k] :: counties[f]] for e, texts in dealt[f].items()} for k, f in enumerate(frameworks)]


def _responses(store, inst, fw, rng, size, mix, comments, unclear) -> None:
    levels = {r.id: r.level for r in fw.role_groups}
    roles = [r.id for r in inst.roles]
    points = inst.scale.points
    mid = (points + 1) / 2
    base = {e: rng.normal(mid + 0.2, 0.45) for e in inst.elements}
    trend = {e: rng.normal(0.15, 0.25) for e in inst.elements}
    lead = rng.uniform(-0.05, 0.55)  # how far ahead of staff this county's leaders are, on average
    lead_by = {e: lead + rng.normal(0, 0.2) for e in inst.elements}
    foggy = min(base, key=base.get) if unclear else None  # the element people know least about
    item_el = np.array([i.element for i in inst.items])
    item_rev = np.array([i.reverse for i in inst.items])
    item_ids = [i.id for i in inst.items]
    start = dt.datetime(2025, 10, 6, 9, tzinfo=dt.timezone.utc)
    for w, wave in enumerate(WAVES):
        n = int(rng.integers(*size))
        need = people_needed(fw.id, mix)
        counts = role_counts(fw.id, mix, max(n, need + 2 * SHOWN_FLOOR) if size[1] > need else n)
        who = rng.permutation(np.repeat([roles.index(r) for r in roles], [counts[r] for r in roles]))
        n = len(who)
        person = rng.normal(0, 0.45, size=n)
        latent = np.array([[base[e] + w * trend[e] for e in item_el]])
        is_lead = np.array([levels[roles[r]] == "leadership" for r in who])[:, None]
        others = np.array([LEVEL_OFFSET.get(levels[roles[r]], 0.0) for r in who])[:, None]
        offset = np.where(is_lead, np.array([lead_by[e] + LEVEL_OFFSET["staff"] for e in item_el])[None, :], others)
        raw = latent + offset + person[:, None] + rng.normal(0, 0.75, size=(n, len(item_ids)))
        values = np.clip(np.rint(raw), 1, points).astype(int)
        values = np.where(item_rev[None, :], points + 1 - values, values)
        is_partner = np.array([levels[roles[r]] == "partner" for r in who])[:, None]
        # leaders know most about the element others are unsure of
        knows = np.array([FOGGY_DONT_KNOW[levels[roles[r]]] for r in who])[:, None]
        dk_rate = np.where(is_partner, 0.08, 0.03) + np.where(item_el[None, :] == foggy, knows, 0.0)
        dk = rng.random((n, len(item_ids))) < dk_rate
        skip = rng.random((n, len(item_ids))) < 0.02
        batch = []
        for p in range(n):
            answers = {
                iid: (None if skip[p, j] else "dk" if dk[p, j] else int(values[p, j])) for j, iid in enumerate(item_ids)
            }
            said = {}
            if rng.random() < 0.15:
                e = inst.elements[int(rng.integers(len(inst.elements)))]
                text = comments.take(e)
                if text:
                    said[e] = text
            when = start + dt.timedelta(days=182 * w + int(rng.integers(0, 14)), minutes=int(rng.integers(0, 600)))
            batch.append(NewResponse(role=roles[who[p]], answers=answers, comments=said, submitted_at=when))
        store.add_responses(inst.county, wave, batch, instrument=inst, source="demo")


class _CommentPool:
    """A county's survey comments on an element, each written by one person only (none once used up)."""

    def __init__(self, by_element: dict[str, list[str]]):
        self.left = {e: list(texts) for e, texts in by_element.items()}

    def take(self, element: str) -> str:
        left = self.left.get(element) or []
        return left.pop() if left else ""


# ------------------------------------------------------------------ the workbook
@functools.cache
def _phrases(framework: str) -> dict:
    """The demo's phrases for a pack (``data/<pack>/demo.yaml``)."""
    return yaml.safe_load((shipped("data") / framework / "demo.yaml").read_text(encoding="utf-8"))


class _Draw:
    """A framework's phrases, drawn without replacement across its counties (:meth:`next_county` between them).

    A list is dealt out in a random order; a county takes the next phrases
    still unused by any county, so two counties share a sentence only once a
    list is used up (then it is dealt again, and a county still never takes
    the same phrase twice).
    """

    def __init__(self, rng):
        self.rng = rng
        self.left: dict[str, list[int]] = {}  # per list: the phrases not yet drawn, the next one last
        self.mine: dict[str, set[int]] = {}  # per list: what the current county has drawn

    def next_county(self) -> None:
        self.mine = {}

    def _next(self, key: str, options: list, fits=None):
        left = self.left.setdefault(key, [])
        mine = self.mine.setdefault(key, set())
        for _ in range(2):
            for pos in range(len(left) - 1, -1, -1):
                i = left[pos]
                if i not in mine and (fits is None or fits(options[i])):
                    del left[pos]
                    mine.add(i)
                    return options[i]
            left[:0] = [int(i) for i in self.rng.permutation(len(options))]  # used up: deal the list again
        raise ValueError(f"no demo phrase in '{key}' fits")

    def take(self, key: str, options: list, n: int = 1) -> list:
        return [self._next(key, options) for _ in range(n)]

    def one(self, key: str, options: list):
        return self._next(key, options)

    def first(self, key: str, options: list, fits):
        """The next unused option that ``fits``; options that do not fit stay for a later row or county."""
        return self._next(key, options, fits)


class _Facts:
    """What a county's own scores say, in the words its workbook uses."""

    def __init__(self, report):
        self.r = report
        self.points = report.points
        self.step = views.notable(report.points) - 1e-9
        self.ok = not report.suppressed
        self.gap = {g.element: g.gap for g in report.gap if g.shown}
        self.change = {c.element: c.change for c in report.change if c.shown}
        self.elements = {e.element: e for e in report.elements if e.shown}
        self.top = [p for p in report.priorities if p.shown and p.rank is not None]

    def name(self, element: str) -> str:
        return self.r.element_names.get(element, element)

    def notable_gap(self, element: str) -> float | None:
        gap = self.gap.get(element)
        return gap if gap is not None and abs(gap) >= self.step else None

    def high_dont_know(self, element: str) -> float | None:
        row = self.elements.get(element)
        share = row.pct_dont_know if row is not None else None
        return share if share is not None and share >= DONT_KNOW_HIGH else None

    def direction(self, element: str) -> str:
        return views.direction(self.change.get(element), self.points)

    def lowest(self):
        return min(self.elements.values(), key=lambda e: e.mean) if self.elements else None

    def widest_gap(self) -> str | None:
        ahead = {e: g for e, g in self.gap.items() if g >= self.step}
        return max(ahead, key=ahead.get) if ahead else None


def _workbook(store, county, fw, report, rng, k, draw, today) -> None:
    user = "demo script"
    words = _phrases(fw.id)
    facts = _Facts(report)
    _messages(store, county, fw, words, draw, rng, user)
    if k % 3 != 1:  # most demo counties have started their matrix and testing profile; every third has not
        _matrix(store, county, words["matrix"], facts, draw, k, user, today)
        _profile(store, county, fw, words["profile"], facts, draw, k, user)
    _plan(store, county, fw, words["plan"], facts, draw, rng, user, today)
    board = words["followup"]
    reviewed = today - dt.timedelta(weeks=3)
    workbook.save(
        store,
        county,
        "followup",
        reviewed.isoformat(),
        workbook.FollowUp(
            date=reviewed,
            keep=draw.take("keep", board["keep"], 2),
            improve=draw.take("improve", board["improve"]),
            start=draw.take("start", board["start"]),
            stop=draw.take("stop", board["stop"]),
        ),
        user,
    )


def _messages(store, county, fw, words, draw, rng, user) -> None:
    questions = [q.id for q in fw.key_message_questions]
    first_test = dt.date(2025, 9, 29) + dt.timedelta(days=int(rng.integers(0, 10)))  # each county on its own days
    for m, msg in enumerate(draw.take("messages", words["messages"], 2)):
        tests = []
        for a, audience in enumerate(draw.take("audiences", words["audiences"], 2)):
            for v in (1, 2):
                heard = (
                    draw.one(f"feedback-{audience['who']}", audience["feedback"])
                    if v == 1
                    else draw.one("feedback-revised", words["feedback_revised"])
                )
                tests.append(
                    workbook.MessageTest(
                        version=v,
                        audience=audience["who"],
                        event=audience["where"],
                        date=first_test + dt.timedelta(days=14 * (v - 1) + 7 * m + a + int(rng.integers(0, 3))),
                        people=int(rng.integers(5, 16)),  # a meeting's worth of people
                        ratings={
                            q: int(np.clip(rng.integers(2, 5) + (v - 1) * rng.integers(0, 2), 1, 5)) for q in questions
                        },
                        feedback=heard,
                    )
                )
        workbook.save(
            store,
            county,
            "key_message",
            f"message-{m + 1}",
            workbook.KeyMessage(
                title=msg["title"],
                versions=[
                    workbook.MessageVersion(version=1, text=msg["v1"], created=dt.date(2025, 9, 25)),
                    workbook.MessageVersion(version=2, text=msg["v2"], created=dt.date(2025, 10, 9)),
                ],
                tests=tests,
            ),
            user,
        )


def learned(facts: _Facts, element: str, reasons, words: dict, draw: _Draw) -> str:
    """What a matrix row says the scores show about ``element``: only what the scores do show."""
    row = facts.elements[element]
    fill = {"mean": views.short(row.mean), "points": facts.points}
    ranked = [x for x in reasons if "score of the" in x]
    out = [
        draw.one("score", words["score"]).format(reason=ranked[0], **fill)
        if ranked
        else draw.one("no_reason", words["no_reason"]).format(**fill)
    ]
    gap = facts.notable_gap(element)
    if gap is not None:
        key = "gap_leaders" if gap > 0 else "gap_staff"
        out.append(draw.one(key, words[key]).format(gap=views.score(abs(gap))))
    share = facts.high_dont_know(element)
    if share is not None:
        out.append(draw.one("dont_know", words["dont_know"]).format(pct=views.pct(share)))
    way = facts.direction(element)
    if way in ("up", "down") and len(out) < 3:
        key = "fell" if way == "down" else "rose"
        out.append(draw.one(key, words[key]).format(change=views.score(abs(facts.change[element]))))
    text = " ".join(out)
    return text[0].upper() + text[1:]


#: The demo's steps, dated from the day the demo is made: (status, due in days, done days ago) per step.
#: Each row has a step done, and most a step due soon (within 14 days) or overdue, so pages flag them.
STEP_PLANS = (
    (("done", -30, 33), ("under way", 7, None), ("not started", 40, None)),
    (("done", -20, 22), ("not started", -12, None), ("under way", 10, None)),
    (("done", -45, 40), ("not started", -9, None)),
)


def _matrix(store, county, words, facts, draw, k, user, today) -> None:
    rows = facts.top[: 3 if k % 4 == 0 else 2] if facts.ok else []
    for n, p in enumerate(rows):
        plan = STEP_PLANS[(n + k) % len(STEP_PLANS)]
        e = p.element
        dont_know = facts.high_dont_know(e) is not None
        texts = draw.take(f"steps-{e}", words["steps"][e], len(plan))
        steps = [
            workbook.Step(
                text=text,
                who=draw.one(f"who-{e}", words["who"]),
                by_when=today + dt.timedelta(days=days),
                status=status,
                done_on=today - dt.timedelta(days=ago) if ago else None,
            )
            for text, (status, days, ago) in zip(texts, plan)
        ]
        workbook.save(
            store,
            county,
            "matrix_row",
            e,
            workbook.MatrixRow(
                target=e,
                what_we_learned=learned(facts, e, p.reasons, words, draw),
                why_it_matters=draw.one(f"why-{e}", words["why"][e]),
                steps=steps,
                support_needed=draw.one("support", words["support"]),
                how_we_will_know=draw.first("know", words["know"], lambda t: dont_know or "don't know" not in t).format(
                    element=facts.name(e)
                ),
                status="under way",
            ),
            user,
        )


def buddy_of(k: int) -> str:
    """The next county in :data:`COUNTY_NAMES` that uses the same framework (it need not be in the demo)."""
    same = [j for j in range(len(COUNTY_NAMES)) if framework_of(j) == framework_of(k) and j != k]
    later = [j for j in same if j > k]
    return unit_name((later or same)[0])


def _profile(store, county, fw, words, facts, draw, k, user) -> None:
    sections = {s.id: draw.one(f"section-{s.id}", words["sections"].get(s.id, [""])) for s in fw.testing_profile}
    low = facts.lowest()
    if low is not None and "c" in sections:
        cited = [
            draw.one("lowest", words["results"]["lowest"]).format(
                element=facts.name(low.element), mean=views.short(low.mean), points=facts.points
            )
        ]
        wide = facts.widest_gap()
        if wide is not None:
            cited.append(
                draw.one("gap", words["results"]["gap"]).format(
                    element=facts.name(wide), gap=views.score(facts.gap[wide])
                )
            )
        sections["c"] = " ".join([*cited, sections["c"]])
    workbook.save(
        store,
        county,
        "testing_profile",
        "main",
        workbook.TestingProfile(
            buddy_county=buddy_of(k) if k < len(COUNTY_NAMES) else "",
            sections=sections,
            buddy={q.id: draw.one(f"buddy-{q.id}", words["buddy"].get(q.id, [""])) for q in fw.buddy_questions},
        ),
        user,
    )


def _plan(store, county, fw, words, facts, draw, rng, user, today) -> None:
    goals = draw.take("goals", words["goals"], 2)
    measures = draw.take("measures", words["measures"], 1)
    if facts.ok and facts.top:
        first = facts.top[0]
        fill = {
            "element": facts.name(first.element),
            "mean": views.short(first.mean),
            "points": facts.points,
            "target": views.short(min(facts.points, round(first.mean + 0.3, 1))),
        }
        goals.append(words["goal_from_results"].format(**fill))
        measures.insert(0, words["measure_from_results"].format(**fill))
    activities = []
    for n, (what, who, kind) in enumerate(draw.take("activities", words["activities"], 3)):
        start = today + dt.timedelta(weeks=9 * n - 8)
        end = start if kind == "day" else start + dt.timedelta(weeks=20)
        activities.append(workbook.Activity(what=what, who=who, start=start, end=end))
    workbook.save(
        store,
        county,
        "plan",
        "main",
        workbook.ImplementationPlan(
            vision=draw.one("vision", words["visions"]),
            goals=goals,
            effect_measures=measures,
            activities=activities,
            competence=_competence(fw, rng),
        ),
        user,
    )


def _competence(fw, rng) -> dict:
    """Competence now and target; each adds up to 100% (everyone is at one of the levels)."""
    levels = fw.competence_levels
    if not levels:
        return {}
    # Most people start at the first level; a few are already at the top one.
    now = [float(x) for x in rng.dirichlet([6.0] + [3.0] * (len(levels) - 2) + [1.0])] if len(levels) > 1 else [1.0]
    pct = [round(100 * x) for x in now]
    pct[0] += 100 - sum(pct)
    return {lv.id: workbook.CompetenceShare(now=p / 100, target=lv.target_share) for lv, p in zip(levels, pct)}
