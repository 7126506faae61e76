"""Step 6: the county's results dashboard.

Everything shown comes from :func:`orb_widgets.results.county_results`; a
suppressed cell (too few answers) shows the word "hidden" and never a number.
"""
from __future__ import annotations

import ipywidgets as w
import pandas as pd

from ..exceptions import OrbError
from .base import LABEL_STYLE, WorkbookContext, chart, esc, note, section_header

HIDDEN = "hidden"


def _hidden_cell(min_group: int) -> str:
    return (f"<td class='orb-hidden' title='fewer than {min_group} answers: hidden to protect anonymity'>"
            f"{HIDDEN}</td>")


def _num(x, digits: int = 1) -> str:
    return "–" if x is None or (isinstance(x, float) and x != x) else f"{x:.{digits}f}"


def _pct(x) -> str:
    return "–" if x is None or (isinstance(x, float) and x != x) else f"{100 * x:.0f}%"


def distribution(store, county: str, results: dict) -> pd.DataFrame:
    """Share of answers at each scale point per element, for the scored wave.

    Reverse-worded statements are turned round first, so a higher point always
    means more ready. Elements whose scores are hidden are left out entirely.
    """
    from .. import scoring
    from ..results import answers_on_scale

    shown = [e["element"] for e in results.get("elements", []) if not e.get("suppressed")]
    cols = ["element", "point", "share"]
    if results.get("suppressed") or not shown or not results.get("wave"):
        return pd.DataFrame(columns=cols)
    inst = store.current_instrument(county)
    answers, items = answers_on_scale(store, county, inst)
    answers = answers[(answers["wave"] == results["wave"]) & ~answers["dont_know"]].dropna(subset=["value"])
    points = results["points"]
    answers = scoring.flip(answers, items, points)
    answers["element"] = answers["item"].map(items.set_index("item")["element"])
    answers = answers[answers["element"].isin(shown)]
    answers["point"] = answers["value"].round().clip(1, points).astype(int)
    counts = answers.groupby(["element", "point"]).size().rename("n").reset_index()
    counts["share"] = counts["n"] / counts.groupby("element")["n"].transform("sum")
    full = pd.MultiIndex.from_product([shown, range(1, points + 1)], names=["element", "point"])
    return counts.set_index(["element", "point"])["share"].reindex(full, fill_value=0.0).reset_index()


def _distribution_chart(frame: pd.DataFrame, labels: list[str], names: dict):
    import matplotlib.pyplot as plt
    import seaborn as sns

    elements = list(dict.fromkeys(frame["element"]))
    fig, ax = plt.subplots(figsize=(7.5, 0.5 * len(elements) + 1.4), layout="constrained")
    colors = sns.color_palette("RdBu", n_colors=len(labels))
    left = pd.Series(0.0, index=elements)
    for point, (label, color) in enumerate(zip(labels, colors), start=1):
        share = frame[frame["point"] == point].set_index("element")["share"].reindex(elements).fillna(0)
        ax.barh([f"{e}. {names.get(e, e)}"[:40] for e in elements][::-1], share[::-1] * 100,
                left=left[::-1] * 100, color=color, label=label, edgecolor="white")
        left += share
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of answers (don't know left out)", fontsize=9, color="#6b7280")
    ax.legend(fontsize=8, frameon=False, ncol=len(labels), loc="upper center", bbox_to_anchor=(0.5, -0.18))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title("How people answered, by element", loc="left", fontsize=11, fontweight="bold")
    return ax


class ResultsDashboard(w.VBox):
    """Scores, intervals, role groups, waves, the leadership–staff gap and the priorities."""

    def __init__(self, ctx: WorkbookContext, charts: bool = True):
        self.ctx, self._charts = ctx, charts
        waves = ctx.store.waves(ctx.county)
        self.wave = w.Dropdown(options=[(f"Survey round {x}", x) for x in waves], description="Show",
                               style=LABEL_STYLE, tooltip="Which survey round to show",
                               value=ctx.wave if ctx.wave in waves else (waves[-1] if waves else None))
        self.headline = w.HTML()
        self.overview, self.roles, self.over_time, self.detail, self.priorities = (w.HTML() for _ in range(5))
        self.tabs = w.Tab(children=[self.overview, self.priorities, self.roles, self.over_time, self.detail],
                          titles=["Overview", "Priorities", "By role group", "Over time", "Answers in detail"])
        self.results: dict | None = None
        super().__init__([
            section_header("Readiness survey results",
                           "Scores run from 1 (not ready) to the top of the scale (ready). Groups with too few "
                           "answers are hidden so nobody can be picked out."),
            self.wave, self.headline, self.tabs])
        self.wave.observe(lambda _: self.refresh(), "value")
        self.refresh()

    def refresh(self) -> None:
        try:
            from ..results import county_results

            r = county_results(self.ctx.store, self.ctx.county, self.wave.value)
        except OrbError as exc:
            self.results = None
            self.headline.value = f"<div class='orb-status warn'>No results to show yet: {esc(exc)}</div>"
            for part in (self.overview, self.roles, self.over_time, self.detail, self.priorities):
                part.value = ""
            return
        self.results = r
        m = r["min_group"]
        if r["suppressed"]:
            self.headline.value = (f"<div class='orb-status warn'>Fewer than {m} people answered in survey round "
                                   f"{esc(r['wave'])}, so no results are shown for it. They will appear once "
                                   f"{m} or more people have answered.</div>")
        else:
            self.headline.value = (f"<div class='orb-note' style='font-size:1em'><b>{r['n_respondents']} people"
                                   f"</b> answered in survey round <b>{esc(r['wave'])}</b>. Scale: 1 to "
                                   f"{r['points']}. Any group of fewer than {m} people is shown as "
                                   f"“{HIDDEN}”.</div>")
        self.overview.value = self._overview(r)
        self.priorities.value = self._priorities(r)
        self.roles.value = self._roles(r)
        self.over_time.value = self._over_time(r)
        self.detail.value = self._detail(r)

    # -- parts
    def _name(self, r, e) -> str:
        return f"{esc(e)}. {esc(r['element_names'].get(e, e))}"

    def _overview(self, r) -> str:
        m = r["min_group"]
        rows = []
        for e in r["elements"]:
            if e["suppressed"]:
                rows.append(f"<tr><th scope='row'>{self._name(r, e['element'])}</th>" + _hidden_cell(m) * 4 + "</tr>")
                continue
            rows.append(f"<tr><th scope='row'>{self._name(r, e['element'])}</th>"
                        f"<td><b>{_num(e['mean'], 2)}</b> ({_num(e['ci_low'])} to {_num(e['ci_high'])})</td>"
                        f"<td>{_pct(e['pct_agree'])}</td><td>{_pct(e['pct_dont_know'])}</td><td>{e['n']}</td></tr>")
        table = ("<table class='orb-table'><caption class='orb-note' style='text-align:left'>Average score by "
                 "element, with the range the true value most likely falls in (95% interval)</caption><thead><tr>"
                 "<th scope='col'>Element</th><th scope='col'>Average (interval)</th><th scope='col'>Agree</th>"
                 "<th scope='col'>Don't know</th><th scope='col'>People</th></tr></thead><tbody>"
                 + "".join(rows) + "</tbody></table>")
        comp_rows = []
        for c in r["components"]:
            name = f"{esc(c['component'])}. {esc(c['name'])}"
            if c["suppressed"]:
                comp_rows.append(f"<tr><th scope='row'>{name}</th>{_hidden_cell(m)}<td>{esc(', '.join(c['elements']))}</td></tr>")
            else:
                comp_rows.append(f"<tr><th scope='row'>{name}</th><td><b>{_num(c['mean'], 2)}</b> "
                                 f"({_num(c['ci_low'])} to {_num(c['ci_high'])})</td>"
                                 f"<td>{esc(', '.join(c['elements']))}</td></tr>")
        comps = ("<h4>Readiness components</h4><table class='orb-table'><thead><tr><th scope='col'>Component</th>"
                 "<th scope='col'>Average (interval)</th><th scope='col'>From elements</th></tr></thead><tbody>"
                 + "".join(comp_rows) + "</tbody></table>") if comp_rows else ""
        charts = ""
        if self._charts and not r["suppressed"]:
            from .. import plots

            alt = "; ".join(f"{e['element']}: " + (HIDDEN if e["suppressed"] else f"{e['mean']:.1f}")
                            for e in r["elements"])
            charts += chart(plots.element_scores(r["elements"], r["element_names"], r["points"], min_group=m),
                            "Average score by element: " + alt)
            if r["components"]:
                alt = "; ".join(f"{c['name']}: " + (HIDDEN if c["suppressed"] else f"{c['mean']:.1f}")
                                for c in r["components"])
                charts += chart(plots.component_scores(r["components"], r["points"], min_group=m),
                                "Readiness components: " + alt)
        return table + charts + comps

    def _priorities(self, r) -> str:
        items = []
        for p in r["priorities"]:
            if p.get("suppressed") or p.get("mean") is None:
                continue
            reasons = "; ".join(p.get("reasons") or [])
            items.append(f"<li><b>{self._name(r, p['element'])}</b>: average {_num(p['mean'], 2)}"
                         + (f" <span class='orb-note'>({esc(reasons)})</span>" if reasons else "") + "</li>")
        if not items:
            return "<p class='orb-note'>No priorities yet: there are not enough answers to rank the elements.</p>"
        return ("<p>Where to look first, from the scores. Take these to the planning matrix (step 7) and talk "
                "about what they mean for your county.</p><ol>" + "".join(items) + "</ol>")

    def _roles(self, r) -> str:
        m = r["min_group"]
        roles = list(dict.fromkeys(x["role"] for x in r["by_role"]))
        elements = [e["element"] for e in r["elements"]]
        cell = {(x["role"], x["element"]): x for x in r["by_role"]}
        head = "".join(f"<th scope='col'>{esc(r['role_labels'].get(x, x))}</th>" for x in roles)
        body = []
        for e in elements:
            cells = []
            for role in roles:
                x = cell.get((role, e))
                cells.append(_hidden_cell(m) if x is None or x["suppressed"] or x["mean"] is None
                             else f"<td>{_num(x['mean'], 2)}</td>")
            body.append(f"<tr><th scope='row'>{self._name(r, e)}</th>{''.join(cells)}</tr>")
        table = ("<table class='orb-table'><caption class='orb-note' style='text-align:left'>Average score by role "
                 "group</caption><thead><tr><th scope='col'>Element</th>" + head + "</tr></thead><tbody>"
                 + "".join(body) + "</tbody></table>")
        gap_rows = []
        for g in r["gap"]:
            if g["suppressed"] or g["gap"] is None:
                gap_rows.append(f"<tr><th scope='row'>{self._name(r, g['element'])}</th>{_hidden_cell(m)}</tr>")
            else:
                gap_rows.append(f"<tr><th scope='row'>{self._name(r, g['element'])}</th>"
                                f"<td>{g['gap']:+.2f}</td></tr>")
        gap = ("<h4>Leadership–staff gap</h4><p class='orb-note'>Leaders' average minus staff's average. A large "
               "positive gap means leaders see more readiness than staff do.</p><table class='orb-table'><thead>"
               "<tr><th scope='col'>Element</th><th scope='col'>Gap</th></tr></thead><tbody>"
               + "".join(gap_rows) + "</tbody></table>")
        charts = ""
        if self._charts and r["by_role"] and not r["suppressed"]:
            from .. import plots

            charts = chart(plots.role_chart(r["by_role"], r["element_names"], r["role_labels"], points=r["points"],
                                            min_group=m),
                           "Average score by role group and element; hidden cells have too few answers")
        return table + charts + gap

    def _over_time(self, r) -> str:
        m = r["min_group"]
        waves = list(dict.fromkeys(x["wave"] for x in r["by_wave"]))
        cell = {(x["wave"], x["element"]): x for x in r["by_wave"]}
        head = "".join(f"<th scope='col'>{esc(x)}</th>" for x in waves)
        change = {c["element"]: c for c in r["change"]}
        body = []
        for e in [e["element"] for e in r["elements"]]:
            cells = []
            for wv in waves:
                x = cell.get((wv, e))
                cells.append(_hidden_cell(m) if x is None or x["suppressed"] or x["mean"] is None
                             else f"<td>{_num(x['mean'], 2)}</td>")
            c = change.get(e)
            cells.append(_hidden_cell(m) if c is None or c["suppressed"] or c["change"] is None
                         else f"<td>{c['change']:+.2f}</td>")
            body.append(f"<tr><th scope='row'>{self._name(r, e)}</th>{''.join(cells)}</tr>")
        if len(waves) < 2:
            intro = "<p class='orb-note'>Only one survey round so far: change shows after the next one.</p>"
        else:
            intro = ""
        table = ("<table class='orb-table'><thead><tr><th scope='col'>Element</th>" + head
                 + "<th scope='col'>Change since the round before</th></tr></thead><tbody>" + "".join(body)
                 + "</tbody></table>")
        charts = ""
        if self._charts and len(waves) > 1:
            from .. import plots

            charts = chart(plots.wave_change(r["by_wave"], r["element_names"], r["points"]),
                           "Average score by element in each survey round")
        return intro + table + charts

    def _detail(self, r) -> str:
        out = ""
        frame = distribution(self.ctx.store, self.ctx.county, r)
        if not frame.empty and self._charts:
            labels = list(self.ctx.store.current_instrument(self.ctx.county).scale.labels)
            alt = "; ".join(f"{e}: " + ", ".join(f"{labels[p - 1]} {100 * s:.0f}%"
                                                 for p, s in zip(part["point"], part["share"]))
                            for e, part in frame.groupby("element", sort=False))
            out += chart(_distribution_chart(frame, labels, r["element_names"]), "How people answered: " + alt)
        hidden = [e["element"] for e in r["elements"] if e["suppressed"]]
        if hidden:
            out += (f"<p class='orb-hidden'>Not shown ({HIDDEN}): {esc(', '.join(hidden))}: fewer than "
                    f"{r['min_group']} answers.</p>")
        from ..results import shareable_comments

        comments = shareable_comments(self.ctx.store, self.ctx.county, r)
        if comments:
            out += ("<h4>What people wrote</h4><p class='orb-note'>Shown without role group, so nobody can be "
                    "picked out.</p><ul>" + "".join(f"<li><b>{esc(c['element'])}</b>: {esc(c['text'])}</li>"
                                                    for c in comments[:60]) + "</ul>")
        return out or note("Nothing to show for this round.").value
