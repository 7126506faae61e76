"""The statewide index page: every county's packet, its status, the follow-through on its plan, and a
counties × elements heatmap."""

from __future__ import annotations

import datetime as dt

from markupsafe import Markup

from .. import templating
from ..format import HIDDEN, answered_of, closing, date, moment, short
from ..planning import due
from .build import check_self_contained
from .files import INDEX_TEMPLATE
from .models import Manifest, PacketEntry, Status
from .sections import demo_text


def inline_svg(svg: bytes) -> Markup:
    """A matplotlib SVG to place inside a page: its XML prolog dropped, text drawn as outlines.

    Markup because matplotlib wrote it (any text inside is in escaped comments),
    and the page's self-containment check still parses it for anything active.
    """
    text = svg.decode("utf-8")
    return Markup(text[text.index("<svg") :])


def _survey(ir, today: dt.date) -> str:
    """The wave's answered of invited and its link's closing, as the county's packet says them."""
    if ir is None or not ir.wave:
        return ""
    parts = []
    if ir.invited:
        parts.append(answered_of(ir.n_respondents, ir.invited, fewer_than=ir.min_group))
    parts.append(closing(ir.closes_on, today, ir.closed_on))
    return "; ".join(p for p in parts if p)


def follow_through_rows(manifest: Manifest, counties: list[str], today: dt.date) -> list[dict]:
    """Per county: answered of invited, steps done / under way / overdue / due soon, webinar next steps
    reported done, the last day of work; the counties with most overdue first (then by name).

    Overdue and due soon are judged on ``today`` from the open steps' dates the packet kept.
    """
    out = []
    for name in counties:
        entry = manifest.packets.get(name)
        ir = entry.index_row if entry else None
        if ir is None:
            continue
        flags = [due(d, "not started", today) for d in ir.open_due]
        out.append(
            {
                "county": name,
                "survey": _survey(ir, today),
                "people": ir.n_respondents if ir.wave and not ir.suppressed else None,
                "wave": ir.wave or "",
                "planned": sum(ir.steps.values()),
                "done": ir.steps.get("done", 0),
                "under_way": ir.steps.get("under way", 0),
                "overdue": flags.count("overdue"),
                "due_soon": flags.count("due soon"),
                "webinar": f"{ir.webinar_done} of {ir.webinar_steps}" if ir.webinar_steps else "",
                "last": date(ir.last_activity) if ir.last_activity else "",
                "last_on": str(ir.last_activity) if ir.last_activity else "",
            }
        )
    return sort_follow_through(out, "overdue")


#: How a follow-through table can be ordered (the hub's ``?sort=``): each key, and what it puts first.
FOLLOW_SORTS = {
    "overdue": "most overdue steps first",
    "county": "by name",
    "last": "most recent work first",
    "done": "most steps done first",
}


def sort_follow_through(rows: list[dict], by: str) -> list[dict]:
    """``rows`` (:func:`follow_through_rows`) in the order ``by`` names (:data:`FOLLOW_SORTS`; another
    value: most overdue first). Ties go by name; counties with no work saved come last under ``last``.

    >>> rows = [{"county": "Birch", "overdue": 0, "due_soon": 1, "done": 4, "last_on": "2026-03-01"},
    ...         {"county": "alder", "overdue": 2, "due_soon": 0, "done": 1, "last_on": ""}]
    >>> [[r["county"] for r in sort_follow_through(rows, by)] for by in ("overdue", "county", "last", "done")]
    [['alder', 'Birch'], ['alder', 'Birch'], ['Birch', 'alder'], ['Birch', 'alder']]
    """
    name = lambda r: r["county"].casefold()  # noqa: E731
    if by == "county":
        return sorted(rows, key=name)
    if by == "done":
        return sorted(rows, key=lambda r: (-r["done"], name(r)))
    if by == "last":
        # ISO days sort as text; the newest first, and a county with none after every dated one
        dated = sorted((r for r in rows if r["last_on"]), key=name)
        return sorted(dated, key=lambda r: r["last_on"], reverse=True) + sorted(
            (r for r in rows if not r["last_on"]), key=name
        )
    return sorted(rows, key=lambda r: (-r["overdue"], -r["due_soon"], name(r)))


#: What a cell says when its county measured the element with other statements than the counties beside it.
ASKED_DIFFERENTLY = "asked differently"


def asked_differently(statements: dict[str, dict[str, list[str]]], elements) -> set[tuple[str, str]]:
    """The (county, element) cells not compared: the county asked other statements on the element.

    ``statements`` is, per county, each element's bank statements (``IndexRow.statements``). Per element,
    the counties that asked the statements most counties asked (on a tie, the longer list) are compared;
    the others are "asked differently", and all are when no two counties asked the same ones. A county that says nothing of its statements (an older packet)
    is left as it is.

    >>> sorted(asked_differently({"Alder": {"A": ["A1", "A2"]}, "Birch": {"A": ["A1", "A2"]},
    ...                           "Cedar": {"A": ["A1", "A3"]}}, ["A"]))
    [('Cedar', 'A')]
    >>> sorted(asked_differently({"Alder": {"A": ["A1", "A2"]}, "Cedar": {"A": ["A1", "A3"]}}, ["A"]))
    [('Alder', 'A'), ('Cedar', 'A')]
    """
    out = set()
    for e in elements:
        sets = {c: tuple(s[e]) for c, s in statements.items() if e in s}
        if len(set(sets.values())) < 2:
            continue
        counts: dict[tuple, int] = {}
        for ids in sets.values():
            counts[ids] = counts.get(ids, 0) + 1
        usual = max(counts, key=lambda ids: (counts[ids], len(ids), ids))
        # with no set shared by two counties there is nothing like to compare: every cell says so
        out |= {(c, e) for c, ids in sets.items() if ids != usual or counts[usual] < 2}
    return out


def unit_words(frameworks) -> dict[str, str]:
    """What the overview calls the places in it, from their frameworks' words: one and many, as in
    a sentence and at its start ("county", "Counties"; "county or municipality" when both are there).

    >>> unit_words(["cps"])["Many"], unit_words(["cpm-orb", "cps"])["One"], unit_words([])["one"]
    ('Municipalities', 'County or municipality', 'county')
    """
    from ..content import framework_words

    words = [framework_words(f) for f in sorted(set(frameworks))] or [framework_words(None)]
    one = " or ".join(sorted({w.unit for w in words}))
    many = " and ".join(sorted({w.unit_plural for w in words}))
    return {"one": one, "many": many, "One": one[:1].upper() + one[1:], "Many": many[:1].upper() + many[1:]}


def render_index(manifest: Manifest, counties: list[str], demo_notice: str | None = None) -> str:
    """The statewide overview page: status and links per county, a counties × elements table and heatmap."""
    import pandas as pd

    from .. import plots  # matplotlib: loaded when an index is drawn, not when the package is imported

    run = manifest.last_run
    started = run.started if run else ""
    failed = {f.county: f for f in run.failed} if run else {}
    rows, frames, fids = [], {}, set()
    today = dt.date.today()
    for name in counties:
        entry = manifest.packets.get(name)
        if entry is None and name not in failed:
            continue
        entry = entry or PacketEntry(county=name)
        ir = entry.index_row
        status = Status.FAILED if name in failed else entry.status
        ok = status == Status.OK
        rows.append(
            {
                "county": name,
                "status": str(status),
                "html": entry.html if ok else None,
                "pdf": entry.pdf if ok else None,
                "wave": (ir.wave if ir else None) or "",
                "n": ir.n_respondents if ir else None,
                "survey": _survey(ir, today),
                "framework": (ir.framework_title if ir else "") or "",
                "error": (failed[name].error if name in failed else None) or entry.error,
                # a packet kept from an earlier run says when it was built; this run's say nothing more
                "built": moment(entry.built) if entry.built < started else "",
            }
        )
        if ir and ir.framework:
            fids.add(ir.framework)
        if ir and ir.framework and ir.elements:
            f = frames.setdefault(
                ir.framework,
                {
                    "title": ir.framework_title or ir.framework,
                    "points": ir.points,
                    "names": {},
                    "rows": {},
                    "min_group": ir.min_group,
                },
            )
            f["names"].update(ir.element_names)
            f["rows"][name] = ir.elements
            f.setdefault("statements", {})[name] = ir.statements
    follow = follow_through_rows(manifest, [r["county"] for r in rows], today)
    tables = []
    for fid, f in frames.items():
        elements = sorted(f["names"])
        grid = pd.DataFrame.from_dict(f["rows"], orient="index").reindex(columns=elements).astype(float)
        differ = asked_differently(f["statements"], elements)
        cells, notes = [], []
        for c in grid.index:
            values = []
            for e in elements:
                if e not in f["rows"][c]:
                    values.append(("not asked", None))
                elif f["rows"][c][e] is None:
                    values.append((HIDDEN, None))
                elif (c, e) in differ:
                    values.append((ASKED_DIFFERENTLY, None))
                    grid.loc[c, e] = float("nan")  # never shaded beside the others
                else:
                    values.append((None, short(f["rows"][c][e])))
            cells.append({"county": c, "values": values})
            notes.append([why or "" for why, _ in values])
        notes = pd.DataFrame(notes, index=grid.index, columns=elements)
        svg = plots.to_svg(plots.counties_heatmap(grid, f["names"], f["points"], title=None, notes=notes))
        tables.append(
            {
                "title": f["title"],
                "elements": [(e, f["names"][e]) for e in elements],
                "rows": cells,
                "svg": inline_svg(svg),
                "min_group": f["min_group"],
                "unit": unit_words([fid]),
            }
        )
    env = templating.environment(INDEX_TEMPLATE)
    # the page's own look, then the sheet every ORB page shares (tables as cards and charts on a phone)
    css = "\n".join(
        (folder / name).read_text("utf-8")
        for folder, name in ((INDEX_TEMPLATE, "index.css"), (templating.PARTIALS, "responsive.css"))
    )
    unit = unit_words(fids)
    page = env.get_template("index.html.j2").render(
        rows=rows,
        tables=tables,
        unit=unit,
        scope="statewide overview" if unit["one"] == "county" else "overview",
        css=css,
        demo_notice=(demo_text(demo_notice) or "Not real results.") if demo_notice else None,
        run=run.model_dump() if run else {},
        started=moment(started),
        n_ok=sum(1 for r in rows if r["html"]),
        n_failed=len(failed),
        follow=follow,
    )
    check_self_contained(page)
    return page
