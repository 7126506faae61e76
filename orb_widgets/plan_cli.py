"""``orb plan``: the SO WHAT? planning matrix as text, JSON, a table with one line per step, or the staff page.

Kept apart from :mod:`orb_widgets.cli` so the plan's options and outputs read in one place.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from .exceptions import OrbError


def parse_day(text: str | None, option: str = "--today") -> dt.date | None:
    """A day given on the command line as ``YYYY-MM-DD``; a bad one is one line naming the option.

    >>> parse_day("2026-03-05")
    datetime.date(2026, 3, 5)
    >>> parse_day("5/3/2026")
    Traceback (most recent call last):
    ...
    orb_widgets.exceptions.OrbError: --today takes a date written YYYY-MM-DD (e.g. 2026-03-20), not '5/3/2026'
    """
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise OrbError(f"{option} takes a date written YYYY-MM-DD (e.g. 2026-03-20), not {text!r}") from None


def plan_inputs(store, county: str, wave: str | None):
    """The county's rows (or starters from the scores when none is saved), names, labels and results.

    Returns ``(rows, suggested, names, labels, results, source)``; ``results`` is None when
    the county has no scores yet (its saved rows still show); ``source`` says where suggested
    rows come from (the scores, the team's own ratings, or both).
    """
    from . import workbook
    from .content import load_framework
    from .planning import prefill, suggested_from, targets

    rows = workbook.load_all(store, county, "matrix_row")
    results = None
    try:
        from .results import county_results

        results = county_results(store, county, wave)
    except OrbError:
        if not rows:
            raise
    fw_id = results.framework if results else store.county(county).framework
    fw = load_framework(fw_id) if fw_id else None
    suggested = not rows
    if suggested:
        # where the scores suggest starting, then the elements the team rated itself in its debrief
        rows = prefill(
            results.priorities if results else (),
            results.element_names if results else {},
            debriefs=workbook.debriefs(store, county, results.wave if results else None),
        )
    source = suggested_from(rows, results.priorities if results else ()) if suggested else ""
    labels = {c.id: c.label for c in fw.planning_columns} if fw else {}
    names = targets(fw) if fw else {}
    if results:
        names.update({e: results.name(e) for e in results.element_names})
    if fw:
        names.update({f"component:{c.id}": c.name for c in fw.components})
    return rows, suggested, names, labels, results, source


def run_plan(args) -> int:
    from .planning import matrix_frame, plan_json
    from .render import render
    from .results import pulse_results
    from .views import matrix_view

    today = parse_day(args.today) or dt.date.today()
    if args.staff_page and not args.out:
        raise OrbError("--staff-page needs --out FILE.html or FILE.pdf (where to save the page)")
    if args.staff_page and Path(args.out).suffix.lower() not in (".html", ".pdf"):
        raise OrbError(f"--out {args.out}: the staff page is saved as .html or .pdf; give a name ending so")
    store = args.app.store
    county = store.county(args.county).name
    if args.staff_page:
        from .staffpage import write_staff_page

        path = write_staff_page(store, county, args.wave, Path(args.out), today)
        print(f"Staff page for {county}: {path}")
        return 0
    rows, suggested, names, labels, results, source = plan_inputs(store, county, args.wave)
    pulses = {} if suggested else pulse_results(store, county)
    min_group = results.min_group if results else None
    if args.json:
        out = {
            "county": county,
            "today": today.isoformat(),
            "suggested": suggested,
            "rows": plan_json(rows, names, today, {k: p.as_json() for k, p in pulses.items()}),
        }
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    if args.out:
        from .exports import write_table

        frame = matrix_frame(rows, labels=_table_labels(labels), target_names=names, today=today)
        path = write_table(frame, args.out, sheet="SO WHAT matrix")
        print(
            f"Planning matrix for {county}: {path}"
            + (f" (suggested rows from {source}: the team's matrix is empty)" if suggested and rows else "")
        )
        return 0
    view = matrix_view(rows, labels, names, suggested, today, pulses, min_group, source=source)
    print(render("matrix.txt.j2", county=county, matrix=view))
    return 0


def _table_labels(labels: dict) -> dict:
    """Column headings for a table of the plan with one line per step."""
    out = dict(labels)
    out.update(
        {
            "row": "Row",
            "target": "Element or component",
            "step": "Step",
            "who": labels.get("who", "Who"),
            "by_when": labels.get("by_when", "By when"),
            "step_status": "Step status",
            "done_on": "Done on",
            "note": "Note",
            "due": "Overdue or due soon",
            "status": "Row status",
        }
    )
    out.pop("next_steps", None)
    return out
