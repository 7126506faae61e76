"""Step 6: the county's results dashboard.

Everything shown comes from :func:`orb_widgets.results.county_results`; a
suppressed cell (too few answers) shows the word "hidden" and never a number.
"""
from __future__ import annotations

import ipywidgets as w
import pandas as pd

from ..exceptions import OrbError
from markupsafe import Markup

from ..render import render
from ..views import results_view
from .base import LABEL_STYLE, WorkbookContext, chart, esc, note, section_header

def distribution(store, county: str, results) -> pd.DataFrame:
    """Share of answers at each scale point per element, for the scored wave.

    Reverse-worded statements are turned round first, so a higher point always
    means more ready. Elements whose scores are hidden are left out entirely.
    """
    from .. import scoring
    from ..results import answers_on_scale

    shown = [e.element for e in results.elements if e.shown]
    cols = ["element", "point", "share"]
    if results.suppressed or not shown or not results.wave:
        return pd.DataFrame(columns=cols)
    inst = store.current_instrument(county)
    answers, items = answers_on_scale(store, county, inst)
    answers = answers[(answers["wave"] == results.wave) & ~answers["dont_know"]].dropna(subset=["value"])
    points = results.points
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
        self.wave = w.Dropdown(options=[(f"Wave {x}", x) for x in waves], description="Show",
                               style=LABEL_STYLE, tooltip="Which survey wave to show",
                               value=ctx.wave if ctx.wave in waves else (waves[-1] if waves else None))
        self.headline = w.HTML()
        self.overview, self.roles, self.over_time, self.detail, self.priorities = (w.HTML() for _ in range(5))
        self.tabs = w.Tab(children=[self.overview, self.priorities, self.roles, self.over_time, self.detail],
                          titles=["Overview", "Priorities", "By role group", "Over time", "Answers in detail"])
        self.results = None
        self.view = None
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
        self.view = v = results_view(r)
        self.headline.value = str(render("headline.html.j2", view=v))
        self.overview.value = str(self._overview(r))
        self.priorities.value = str(self._priorities(r))
        self.roles.value = str(self._roles(r))
        self.over_time.value = str(self._over_time(r))
        self.detail.value = str(self._detail(r))

    # -- parts: the same view models and partials as the packet
    def _overview(self, r) -> str:
        v = self.view
        out = render("table.html.j2", table=v.elements, cls="")
        if self._charts and not r.suppressed:
            from .. import plots

            out += chart(plots.element_scores(r.records("elements"), r.element_names, r.points,
                                              min_group=r.min_group), v.alt["elements"])
            if r.components:
                out += chart(plots.component_scores(r.records("components"), r.points, min_group=r.min_group),
                             v.alt["components"])
        if v.components:
            out += Markup("<h4>Readiness components</h4>") + render("table.html.j2", table=v.components, cls="")
        return out

    def _priorities(self, r) -> str:
        return (Markup("<p>Where to look first, from the scores. Take these to the planning matrix (step 7) and "
                       "talk about what they mean for your county.</p>")
                + render("priorities.html.j2", priorities=self.view.priorities))

    def _roles(self, r) -> str:
        v = self.view
        if v.roles is None:
            return note("No answers by role group yet.").value
        out = render("table.html.j2", table=v.roles, cls="")
        if self._charts and not r.suppressed:
            from .. import plots

            out += chart(plots.role_chart(r.records("by_role"), r.element_names, r.role_labels, points=r.points,
                                          min_group=r.min_group), v.alt["roles"])
        if v.gap:
            out += Markup("<h4>Leadership–staff gap</h4>") + render("table.html.j2", table=v.gap, cls="")
        return out

    def _over_time(self, r) -> str:
        v = self.view
        if v.change is None:
            return note("Only one wave so far: change shows after the next one.").value
        out = render("table.html.j2", table=v.change, cls="")
        if self._charts:
            from .. import plots

            out += chart(plots.wave_change(r.records("by_wave"), r.element_names, r.points), v.alt["change"])
        return out

    def _detail(self, r) -> str:
        out = Markup("")
        frame = distribution(self.ctx.store, self.ctx.county, r)
        if not frame.empty and self._charts:
            labels = list(self.ctx.store.current_instrument(self.ctx.county).scale.labels)
            alt = "; ".join(f"{e}: " + ", ".join(f"{labels[p - 1]} {100 * s:.0f}%"
                                                 for p, s in zip(part["point"], part["share"]))
                            for e, part in frame.groupby("element", sort=False))
            out += chart(_distribution_chart(frame, labels, r.element_names), "How people answered: " + alt)
        hidden = [line.label for line in self.view.elements.lines if not line.shown]
        if hidden:
            out += render("hidden_note.html.j2", labels=hidden, view=self.view)
        from ..results import shareable_comments

        comments = [{"label": r.name(c["element"]), "text": c["text"]}
                    for c in shareable_comments(self.ctx.store, self.ctx.county, r)]
        out += render("comments.html.j2", comments=comments, limit=60)
        return out or note("Nothing to show for this wave.").value
