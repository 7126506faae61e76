"""The statewide index page: every county's packet, its status, and a counties × elements heatmap."""
from __future__ import annotations

from markupsafe import Markup

from .. import views
from .build import TEMPLATES, check_self_contained
from .sections import demo_text

INDEX_TEMPLATE = TEMPLATES / "index"


def inline_svg(svg: bytes) -> Markup:
    """A matplotlib SVG to place inside a page: its XML prolog dropped, text drawn as outlines.

    Markup because matplotlib wrote it (any text inside is in escaped comments),
    and the page's self-containment check still parses it for anything active.
    """
    text = svg.decode("utf-8")
    return Markup(text[text.index("<svg"):])

def render_index(manifest: dict, counties: list[str], demo_notice: str | None = None) -> str:
    """The statewide overview page: status and links per county, a counties × elements table and heatmap."""
    import jinja2

    from .. import plots

    run = manifest.get("last_run", {})
    failed = {f["county"]: f for f in run.get("failed", [])}
    rows, frames = [], {}
    for name in counties:
        entry = manifest["packets"].get(name)
        if entry is None and name not in failed:
            continue
        entry = entry or {}
        ir = entry.get("index_row") or {}
        status = "failed" if name in failed else entry.get("status", "")
        rows.append({"county": name, "status": status, "html": entry.get("html") if status == "ok" else None,
                     "pdf": entry.get("pdf") if status == "ok" else None, "wave": ir.get("wave") or "",
                     "n": ir.get("n_respondents"), "framework": ir.get("framework_title") or "",
                     "error": failed.get(name, {}).get("error") or entry.get("error"),
                     # a packet kept from an earlier run says when it was built; this run's say nothing more
                     "built": views.moment(entry.get("built"))
                     if (entry.get("built") or "") < (run.get("started") or "") else ""})
        if ir.get("framework") and ir.get("elements"):
            f = frames.setdefault(ir["framework"], {"title": ir.get("framework_title") or ir["framework"],
                                                    "points": ir.get("points", 5), "names": {}, "rows": {},
                                                    "min_group": ir.get("min_group", 5)})
            f["names"].update(ir.get("element_names") or {})
            f["rows"][name] = ir["elements"]
    tables = []
    for fid, f in frames.items():
        import pandas as pd

        elements = sorted(f["names"])
        grid = pd.DataFrame.from_dict(f["rows"], orient="index").reindex(columns=elements).astype(float)
        cells, notes = [], []
        for c in grid.index:
            values = []
            for e in elements:
                if e not in f["rows"][c]:
                    values.append(("not asked", None))
                elif f["rows"][c][e] is None:
                    values.append(("hidden", None))
                else:
                    values.append((None, views.short(f["rows"][c][e])))
            cells.append({"county": c, "values": values})
            notes.append([why or "" for why, _ in values])
        notes = pd.DataFrame(notes, index=grid.index, columns=elements)
        svg = plots.to_svg(plots.counties_heatmap(grid, f["names"], f["points"], title=None, notes=notes))
        tables.append({"title": f["title"], "elements": [(e, f["names"][e]) for e in elements], "rows": cells,
                       "svg": inline_svg(svg), "min_group": f["min_group"]})
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(INDEX_TEMPLATE)), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    css = (INDEX_TEMPLATE / "index.css").read_text("utf-8")
    page = env.get_template("index.html.j2").render(
        rows=rows, tables=tables, css=css, demo_notice=(demo_text(demo_notice) or "Not real results.") if demo_notice else None,
        run=run,
        started=views.moment(run.get("started")),
        n_ok=sum(1 for r in rows if r["html"]), n_failed=len(failed))
    check_self_contained(page)
    return page


