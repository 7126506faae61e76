"""Step 6: the county's results dashboard.

Everything shown comes from :func:`orb_widgets.results.county_results`,
formatted once by :func:`orb_widgets.views.results_view` and rendered by the
same partials as the packet; a suppressed cell (too few answers) shows the
word "hidden" and never a number.
"""

from __future__ import annotations

import ipywidgets as w
from markupsafe import Markup

from ..exceptions import OrbError
from ..render import render
from .context import WorkbookContext
from .controls import field
from .style import html, note, section_header, status, svg_chart

__all__ = ["ResultsDashboard", "distribution"]


def distribution(*args, **kw):
    """:func:`orb_widgets.results.distribution` (scoring and pandas load only when it is needed)."""
    from ..results import distribution as compute

    return compute(*args, **kw)


class ResultsDashboard(w.VBox):
    """Scores, intervals, role groups, waves, the leadership–staff gap, the priorities and each statement.

    What a wave shows is made once and kept in the workspace (``orb_widgets.cache``) until the
    county's answers, survey or ORB itself change: the next person to open the page, the packets and
    the hub read it instead of scoring and drawing again. A tab's contents are sent to the page when
    the tab is first opened.
    """

    PARTS = ("overview", "priorities", "roles", "over_time", "statements", "detail")

    def __init__(self, ctx: WorkbookContext, charts: bool = True):
        self.ctx, self._charts = ctx, charts
        waves = ctx.store.waves(ctx.county)
        self.wave = field(
            w.Dropdown(
                options=[(f"Wave {x}", x) for x in waves],
                description="Show",
                tooltip="Which survey wave to show",
                value=ctx.wave if ctx.wave in waves else (waves[-1] if waves else None),
            ),
            "medium",
        )
        self.headline = w.HTML()
        self.overview, self.roles, self.over_time, self.detail, self.priorities = (w.HTML() for _ in range(5))
        self.statements = w.HTML()
        self.tabs = w.Tab(
            children=[self.overview, self.priorities, self.roles, self.over_time, self.statements, self.detail],
            titles=["Overview", "Priorities", "By role group", "Over time", "Statements", "Answers in detail"],
        )
        self.results = None
        self._entry = None
        self._view = None
        super().__init__(
            [
                section_header(
                    "Readiness survey results",
                    # The line under the wave says the scale and the smallest group, in numbers.
                    "Pick a wave, then go through the tabs from left to right.",
                ),
                self.wave,
                self.headline,
                self.tabs,
            ]
        )
        self.wave.observe(lambda _: self.refresh(), "value")
        self.tabs.observe(lambda _: self._show_tab(), "selected_index")
        self.refresh()

    @property
    def view(self):
        """The report's view model (:func:`orb_widgets.views.results_view`), made when first asked for."""
        if self._view is None and self.results is not None:
            from ..views import results_view

            self._view = results_view(self.results)
        return self._view

    def refresh(self) -> None:
        from ..cache import Entry

        try:
            entry = Entry(self.ctx.store, self.ctx.county, self.wave.value)
            r = entry.report()
        except OrbError as exc:
            self.results = self._entry = self._view = None
            self.headline.value = status(f"No results to show yet: {exc}", "warn")
            for part in (self.overview, self.roles, self.over_time, self.statements, self.detail, self.priorities):
                part.value = ""
            return
        self.results, self._entry, self._view = r, entry, None
        self.headline.value = entry.get("headline", lambda: str(render("headline.html.j2", view=self.view)))
        for part in self.PARTS:
            getattr(self, part).value = ""
        self._show_tab()

    def _show_tab(self) -> None:
        """Fill the open tab (the others wait until they are opened)."""
        if self._entry is None:
            return
        index = self.tabs.selected_index or 0
        name = self.PARTS[index]
        widget = getattr(self, name)
        if not widget.value:
            widget.value = self.part(name)

    def part(self, name: str) -> str:
        """One tab's contents for the shown wave (kept with the wave's results)."""
        key = f"part:{name}" + ("" if self._charts else ":plain")
        return self._entry.get(key, lambda: getattr(self, f"_{name}")(self.results))

    def _chart(self, name: str, draw, alt) -> Markup:
        """A chart as the packets draw it (SVG), kept with the wave's results and shared with the packet."""
        made = self._entry.chart(name, draw, alt)
        return svg_chart(made["svg"], made["alt"], made.get("narrow"))

    @staticmethod
    def _part(blocks, lead: str = "") -> str:
        return html("widget_results_part.html.j2", lead=lead, blocks=[(h, b) for h, b in blocks if b])

    @staticmethod
    def _table(table):
        return render("table.html.j2", table=table, cls="")

    # -- parts: the same view models and partials as the packet
    def _overview(self, r) -> str:
        from .. import plots

        v = self.view
        charts = self._charts and not r.suppressed
        blocks = [("", self._table(v.elements))]
        if charts:
            blocks.append(
                (
                    "",
                    self._chart(
                        "elements",
                        lambda: plots.element_scores(
                            r.records("elements"), r.element_names, r.points, min_group=r.min_group
                        ),
                        v.alt["elements"],
                    ),
                )
            )
        # The components' heading comes before their chart and table, never between the two.
        parts = []
        if charts and r.components:
            parts.append(
                self._chart(
                    "components",
                    lambda: plots.component_scores(r.records("components"), r.points, min_group=r.min_group),
                    v.alt["components"],
                )
            )
        if v.components:
            parts.append(self._table(v.components))
        blocks += [("Readiness components" if i == 0 else "", part) for i, part in enumerate(parts)]
        return self._part(blocks)

    def _priorities(self, r) -> str:
        return self._part(
            [("", render("priorities.html.j2", priorities=self.view.priorities))],
            lead="Where to look first, from the scores, and why. Talk as a team about what each "
            f"one means for your {self.ctx.words.unit}.",
        )

    def _roles(self, r) -> str:
        v = self.view
        if v.roles is None:
            return note("No answers by role group yet.").value
        blocks = [("", self._table(v.roles))]  # shaded by score: the table is the heat chart
        if v.gap:
            blocks.append(("Leadership–staff gap", self._table(v.gap)))
        if v.units:
            blocks.append(("By office or unit", self._table(v.units)))
        return self._part(blocks)

    def _over_time(self, r) -> str:
        from .. import plots

        v = self.view
        if v.change is None:
            return note("Only one wave so far: change shows after the next one.").value
        blocks = [("", self._table(v.change))]
        if self._charts:
            blocks.append(
                (
                    "",
                    self._chart(
                        "change",
                        lambda: plots.wave_change(r.records("by_wave"), r.element_names, r.points),
                        v.alt["change"],
                    ),
                )
            )
        return self._part(blocks)

    def _statements(self, r) -> str:
        from ..views import statements_view

        view = statements_view(r)
        if view is None:
            return note(self.view.missing or "No statement results to show for this wave.").value
        return self._part([("", render("statements.html.j2", view=view))])

    def _detail(self, r) -> str:
        blocks = []
        frame = distribution(self.ctx.store, self.ctx.county, r)
        if not frame.empty and self._charts:
            from .. import plots
            from ..views import distribution_alt

            labels = list(self.ctx.store.current_instrument(self.ctx.county).scale.labels)
            blocks.append(
                (
                    "",
                    self._chart(
                        "distribution",
                        lambda: plots.answer_distribution(frame, labels, r.element_names),
                        distribution_alt(frame, labels),
                    ),
                )
            )
        hidden = [line.label for line in self.view.elements.lines if not line.shown]
        if hidden:
            blocks.append(("", render("hidden_note.html.j2", labels=hidden, view=self.view)))
        from ..results import shareable_comments

        comments = [
            {"label": r.name(c["element"]), "text": c["text"]}
            for c in shareable_comments(self.ctx.store, self.ctx.county, r)
        ]
        blocks.append(("", render("comments.html.j2", comments=comments, limit=60)))
        if not any(str(b).strip() for _, b in blocks):
            return note("Nothing to show for this wave.").value
        return self._part(blocks)
