"""A county's results: the store's answers run through scoring.

This is the one place that joins the two layers, so the command line, the
dashboard and the packets all show the same numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from . import scoring
from .content import load_framework
from .exceptions import OrbError
from .format import answered_of, closing
from .instrument import Instrument
from .report import ScoreReport


def answers_on_scale(
    store, county: str, inst: Instrument, coded: bool = False, by_version: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The county's answers on the current instrument's scale, and the items frame.

    Items are the union over every version the county used (ids are kept when
    wording changes), so earlier waves keep their questions. Answers given on a
    4-point version carry ``points`` = 4, and scoring puts them on a 5-point one (or back) so
    waves compare.
    ``coded`` hands the label columns over as categoricals (see ``Store.answers_frame``).
    ``by_version`` lists the items once per version (column ``version``, with that version's
    routing) and gives each answer the ``version`` it was given under, so scoring routes each
    response as the survey it answered was routed (an unrouted earlier wave keeps its scores).
    """
    answers = store.answers_frame(county, coded=coded)
    items = inst.items_frame()
    versions = {v["id"] for v in store.instrument_versions(county)} - {inst.id}
    extra, points_of, per_version = [], {inst.id: inst.scale.points}, [items.assign(version=inst.id)]
    for vid in sorted(versions):
        old = store.instrument(vid)
        points_of[vid] = old.scale.points
        per_version.append(old.items_frame().assign(version=vid))
        extra += [
            {"item": i.id, "element": i.element, "reverse": i.reverse}
            for i in old.items
            if i.id not in set(items["item"])
        ]
    if by_version:
        # The current version's rows first: an item's element and wording direction are the current ones.
        items = pd.concat(per_version, ignore_index=True)
        answers["version"] = answers["instrument_id"]
    elif extra:
        items = pd.concat([items, pd.DataFrame(extra).drop_duplicates("item")], ignore_index=True)
    points = inst.scale.points
    if not answers.empty and set(points_of.values()) != {points}:
        # Scoring puts each answer on this scale from the one it was given on (the `points` column).
        answers["points"] = answers["instrument_id"].astype(object).map(points_of).fillna(points).astype(int)
    return answers, items


def county_results(store, county: str, wave: str | None = None) -> ScoreReport:
    """Scores for one county and wave (default: the latest), as the typed report.

    Its ``model_dump`` is the ``orb score --json`` contract: the scoring tables
    plus ``county``, ``instrument``, ``framework``, ``waves`` and the names.
    """
    c = store.county(county)
    inst = store.current_instrument(c.name)
    waves = store.waves(c.name)
    if wave is not None and str(wave) not in waves:
        shown = ", ".join(waves) if waves else "none yet"
        raise OrbError(f"'{c.name}' has no wave '{wave}' (waves: {shown})")
    answers, items = answers_on_scale(store, c.name, inst, coded=True, by_version=True)
    fw = load_framework(inst.framework, inst.language)
    role_levels = {r.id: r.level for r in fw.role_groups} | {r.id: r.level for r in inst.roles}  # and own groups
    components = [
        {"id": comp.id, "name": comp.name, "elements": [e for e in comp.elements if e in inst.elements]}
        for comp in fw.components
    ]
    components = [comp for comp in components if comp["elements"]]
    texts = statement_texts(store, c.name, inst)
    out = scoring.score(
        answers,
        items,
        inst.scale.points,
        inst.min_group,
        role_levels,
        components,
        waves,
        wave=None if wave is None else str(wave),
        units=survey_units(store, c.name, inst),
    )
    out.update(
        {
            "county": c.name,
            "instrument": inst.id,
            "framework": inst.framework,
            "waves": waves,
            "min_group": inst.min_group,
            "comment_min": inst.comment_min,
            "points": inst.scale.points,
            "element_names": dict(inst.element_names),
            "role_labels": {r.id: r.label for r in inst.roles},
        }
    )
    # by_role carries the label beside the id, so a script can join it with
    # `orb instrument show --json` (role_question.options: {id, label}).
    local = local_statements(store, c.name, inst)
    out["items"] = [{**row, "text": texts.get(row["item"], ""), "local": row["item"] in local} for row in out["items"]]
    labels = {r.id: r.label for r in fw.role_groups} | out["role_labels"]
    out["by_role"] = [{**row, "label": labels.get(row["role"], row["role"])} for row in out["by_role"]]
    return ScoreReport.model_validate(_settled(out))


def compared_statements(report: ScoreReport) -> dict[str, list[str]]:
    """Per element, the statements of the framework's bank asked in the scored wave (sorted ids): what the
    statewide index compares counties over. Statements a county added itself (``local``) are left out."""
    out: dict[str, list[str]] = {e.element: [] for e in report.elements}
    for x in report.items:
        if not x.local:
            out.setdefault(x.element, []).append(x.item)
    return {e: sorted(ids) for e, ids in out.items()}


def compared_means(store, county: str, report: ScoreReport) -> dict[str, float | None]:
    """Each element's score as the statewide index compares it: without the statements the county added
    itself (scored again without them when it has any), ``None`` where hidden."""
    local = {x.item for x in report.items if x.local}
    if not local or report.suppressed:
        return {e.element: e.mean if e.shown else None for e in report.elements}
    inst = store.current_instrument(county)
    answers, items = answers_on_scale(store, county, inst, coded=True, by_version=True)
    answers = answers[~answers["item"].astype(object).isin(local)]
    items = items[~items["item"].isin(local)]
    out = scoring.score(
        answers, items, inst.scale.points, min_group=inst.min_group, waves=store.waves(county), wave=report.wave
    )
    return {row["element"]: None if row["suppressed"] else row["mean"] for row in out["elements"]}


def survey_units(store, county: str, inst: Instrument) -> list[str]:
    """The offices or units the county's surveys listed: the current survey's, then earlier ones'."""
    out = list(inst.units)
    for v in reversed(store.instrument_versions(county)):  # newest first
        if v["id"] != inst.id:
            out += [u for u in store.instrument(v["id"]).units if u not in out]
    return out


def statement_texts(store, county: str, inst: Instrument) -> dict[str, str]:
    """Each statement's wording by id: the current survey's, else the latest earlier version's."""
    texts: dict[str, str] = {}
    for v in store.instrument_versions(county):  # oldest first: a later wording replaces an earlier one
        if v["id"] != inst.id:
            texts.update({i.id: i.text for i in store.instrument(v["id"]).items})
    return texts | {i.id: i.text for i in inst.items}


def local_statements(store, county: str, inst: Instrument) -> set[str]:
    """Ids of the county's own statements (marked local) in any version it used: never compared across counties."""
    ids = {i.id for i in inst.items if i.local}
    for v in store.instrument_versions(county):
        if v["id"] != inst.id:
            ids |= {i.id for i in store.instrument(v["id"]).items if i.local}
    return ids


def _settled(value):
    """Floats to 12 decimals: a sum taken in another row order differs in the 16th digit, and that
    must never flip a shown digit (2.865 shown as 2.87 on one database and 2.86 on another)."""
    if isinstance(value, float):
        return round(value, 12)
    if isinstance(value, dict):
        return {k: _settled(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_settled(v) for v in value]
    return value


def shareable_comments(store, county: str, results: ScoreReport) -> list[dict]:
    """Comments to show for the scored wave, without role groups (they could identify).

    Nothing is shown when fewer than ``results.comment_min`` people answered the wave (10 unless
    the smallest group shown is larger): one comment can give its writer away in a small wave.
    """
    if results.suppressed or not results.wave or (results.n_respondents or 0) < results.comment_min:
        return []
    return [{"element": c["element"], "text": c["text"]} for c in store.comments(county, results.wave)]


def distribution(store, county: str, results: ScoreReport) -> pd.DataFrame:
    """Share of answers at each scale point per element, for the scored wave.

    Reverse-worded statements are turned round first, so a higher point always
    means more ready. Elements whose scores are hidden are left out entirely,
    and so is a wave with too few answers: a share never points at a person.
    Columns: ``element``, ``point`` (1 … points), ``share`` (0–1, summing to 1
    per element).
    """
    shown = [e.element for e in results.elements if e.shown]
    cols = ["element", "point", "share"]
    if results.suppressed or not shown or not results.wave:
        return pd.DataFrame(columns=cols)
    inst = store.current_instrument(county)
    answers, items = answers_on_scale(store, county, inst)
    answers = answers[(answers["wave"] == results.wave) & ~answers["dont_know"]].dropna(subset=["value"])
    points = results.points
    answers = scoring.flip(scoring.on_scale(answers, points), items, points)
    answers["element"] = answers["item"].map(items.set_index("item")["element"])
    answers = answers[answers["element"].isin(shown)]
    answers["point"] = answers["value"].round().clip(1, points).astype(int)
    counts = answers.groupby(["element", "point"]).size().rename("n").reset_index()
    counts["share"] = counts["n"] / counts.groupby("element")["n"].transform("sum")
    full = pd.MultiIndex.from_product([shown, range(1, points + 1)], names=["element", "point"])
    return counts.set_index(["element", "point"])["share"].reindex(full, fill_value=0.0).reset_index()


def role_counts(counts: dict[str, int], min_group: int) -> dict[str, int | None]:
    """How many answered per role group, ``None`` where fewer than ``min_group`` did.

    When exactly one group is hidden, the next smallest is hidden too, so the
    total cannot give the hidden one away.

    >>> role_counts({"staff": 12, "supervisors": 6, "partners": 2}, 5)
    {'staff': 12, 'supervisors': None, 'partners': None}
    """
    shown = {role: (n if n >= min_group else None) for role, n in counts.items()}
    hidden = [r for r, n in shown.items() if n is None and counts[r] > 0]
    if len(hidden) == 1:
        rest = sorted((n, r) for r, n in shown.items() if n is not None)
        if rest:
            shown[rest[0][1]] = None
    return shown


# ------------------------------------------------------------------ response rates
@dataclass(frozen=True)
class ResponseRate:
    """A survey link's answers against the people it went to, and its closing, in words.

    ``answered`` is ``42 of 60 answered (70%)`` (empty when nobody said how many were invited);
    ``groups`` holds ``(role group label, text)`` for each group counted by the team whose count is
    shown (:func:`role_counts`); ``closing`` is ``closes in 5 days, on …`` or ``closed on …``.
    """

    answered: str
    groups: tuple
    closing: str


def wave_link(links, wave: str):
    """The link a wave's response rate is read from: its newest link that says how many were invited
    or when it closes, else its newest link, else None (``links`` newest first, as the store lists them)."""
    of_wave = [link for link in links if link.wave == wave]
    return next((link for link in of_wave if link.invited or link.closes_on), of_wave[0] if of_wave else None)


def response_rate(store, link, today: dt.date, hide_small: bool = False) -> ResponseRate:
    """``link``'s response rate: the answers of its county and wave against ``link.invited``.

    A role group's rate is given only where its count is shown (at least the survey's smallest group,
    and not the partner of a hidden group). ``hide_small`` hides the total too when the wave is below
    the smallest group, as packets and the statewide index do (the team's own pages show the total).
    """
    inst = store.current_instrument(link.county)
    m, total = inst.min_group, store.response_count(link.county, link.wave)
    hidden = hide_small and total < m
    answered = answered_of(None if hidden else total, link.invited, fewer_than=m) if link.invited else ""
    groups = []
    if link.invited_roles and not hidden:
        counts = store.role_counts(link.county, link.wave)
        shown = role_counts({r.id: int(counts.get(r.id, 0)) for r in inst.roles}, m)
        labels = {r.id: r.label for r in inst.roles}
        for role, invited in link.invited_roles.items():
            if shown.get(role) is not None:
                groups.append((labels.get(role, role), answered_of(shown[role], invited)))
    return ResponseRate(answered, tuple(groups), closing(link.closes_on, today, closed_day(link)))


def closed_day(link) -> dt.date | None:
    """The day (local time) ``link`` was closed, or None while it is open."""
    if link is None or link.closed_at is None:
        return None
    stamp = link.closed_at if link.closed_at.tzinfo else link.closed_at.replace(tzinfo=dt.timezone.utc)
    return stamp.astimezone().date()


# ------------------------------------------------------------------ pulse checks
#: Where a pulse survey's instrument id is kept for its link (``pulse:TOKEN``).
PULSE_LINK_KEY = "pulse:{token}"


def pulse_wave_label(row: str, today: dt.date) -> str:
    """The wave a pulse check on plan row ``row`` stores its answers under.

    >>> pulse_wave_label("C#2", dt.date(2027, 1, 12)), pulse_wave_label("component:3", dt.date(2027, 1, 12))
    ('2027-01-pulse-C-2', '2027-01-pulse-component-3')
    """
    return f"{today:%Y-%m}-pulse-" + row.replace("#", "-").replace(":", "-")


def row_elements(row_target: str, fw) -> list[str]:
    """The elements a plan row is about: its element, or its readiness component's elements."""
    if row_target.startswith("component:"):
        cid = row_target.split(":", 1)[1]
        return next((list(c.elements) for c in fw.components if str(c.id) == cid), [])
    return [row_target]


def open_pulse(store, county: str, row: str, today: dt.date, user: str = "coordinator", invited=None, closes_on=None):
    """Open a pulse check's link on plan row ``row`` (its key, as ``orb plan --json`` shows it).

    Returns the link. The short survey (``orb_widgets.instrument.pulse_instrument``) is stored
    beside the county's survey, never as a version of it; its answers go to the wave
    :func:`pulse_wave_label` names.
    """
    from . import workbook
    from .instrument import pulse_instrument

    c = store.county(county)
    rows = workbook.load_all(store, c.name, "matrix_row")
    if row not in rows:
        shown = ", ".join(rows) if rows else "none saved yet"
        raise OrbError(f"--pulse {row}: no plan row with that key in {c.name} (rows: {shown}; 'orb plan --json')")
    inst = store.current_instrument(c.name)
    target = rows[row].target if hasattr(rows[row], "target") else rows[row]["target"]
    pulse = pulse_instrument(inst, row, row_elements(target, load_framework(inst.framework, inst.language)))
    store.save_instrument(pulse)
    link = store.open_link(c.name, pulse_wave_label(row, today), user=user, invited=invited, closes_on=closes_on)
    store.set_meta(PULSE_LINK_KEY.format(token=link.token), pulse.id)
    return link


def link_instrument(store, link) -> Instrument:
    """The survey a link shows: its pulse check's, or the county's current survey."""
    pulse = store.get_meta(PULSE_LINK_KEY.format(token=link.token))
    return store.instrument(pulse) if pulse else store.current_instrument(link.county)


@dataclass(frozen=True)
class Pulse:
    """A plan row's latest pulse check against the last full wave before it, over the same statements.

    ``n``, ``mean`` and ``change`` are None when hidden: ``suppressed`` (fewer people answered the pulse
    than the smallest group shown); ``last_full_mean`` and ``change`` are None too when the last full
    wave's score over those statements is hidden, or there is none.
    """

    wave: str
    n: int | None
    mean: float | None
    last_full_wave: str | None
    last_full_mean: float | None
    change: float | None
    suppressed: bool

    def as_json(self) -> dict:
        return {
            "wave": self.wave,
            "n": self.n,
            "mean": self.mean,
            "last_full_wave": self.last_full_wave,
            "last_full_mean": self.last_full_mean,
            "change": self.change,
            "suppressed": self.suppressed,
        }


def pulse_results(store, county: str) -> dict[str, Pulse]:
    """Each plan row's latest pulse check (row key -> :class:`Pulse`), for rows that have one with answers.

    The pulse's statements (not its own "told us" statement) are scored in the pulse wave and in the last
    full wave before it, as one score per person over the row's elements (rule 12's component score; for
    one element, the element score): the change compares like with like, and either side below the
    smallest group hides the change (rule 11).
    """
    from .instrument import PULSE_SECTION

    c = store.county(county)
    found = store.pulse_waves(c.name)
    if not found:
        return {}
    order = store.waves(c.name, pulses=True)
    full = set(store.waves(c.name))
    answers = store.answers_frame(c.name, pulses=True)
    points_of: dict[str, int] = {}
    latest: dict[str, tuple[str, Instrument]] = {}
    for wave, iid in found.items():  # oldest first: a later pulse on a row replaces an earlier one
        inst = store.instrument(iid)
        latest[inst.pulse_of] = (wave, inst)
    out = {}
    for row, (wave, inst) in latest.items():
        items = inst.items_frame()
        items = items[items["element"] != PULSE_SECTION]
        earlier = [w for w in order[: order.index(wave)] if w in full]
        last_full = earlier[-1] if earlier else None
        comp = [{"id": "pulse", "name": row, "elements": sorted(set(items["element"]))}]

        def scored(w):
            rows = answers[answers["wave"] == w]
            rows = rows[rows["item"].isin(items["item"])].copy()
            for iid in set(rows["instrument_id"]):
                points_of.setdefault(iid, store.instrument(iid).scale.points)
            if set(points_of.get(i) for i in set(rows["instrument_id"])) - {inst.scale.points}:
                rows["points"] = rows["instrument_id"].map(points_of).astype(int)
            res = scoring.score(rows, items, inst.scale.points, inst.min_group, components=comp, waves=[w], wave=w)
            return res, res["components"][0] if res["components"] else {"n": None, "mean": None, "suppressed": True}

        now, part = scored(wave)
        before = scored(last_full)[1] if last_full else None
        shown = not now["suppressed"] and not part["suppressed"]
        mean = part["mean"] if shown else None
        prior = before["mean"] if before and not before["suppressed"] else None
        out[row] = Pulse(
            wave=wave,
            n=now["n_respondents"] if shown else None,
            mean=_settled(mean),
            last_full_wave=last_full,
            last_full_mean=_settled(prior),
            change=_settled(mean - prior) if mean is not None and prior is not None else None,
            suppressed=not shown,
        )
    return out
