"""What a county's packet shows: :class:`Packet` loads a county once and renders each section.

Called from the thin template ``notebooks/packet.ipynb``. Every section is
HTML rendered from the shared autoescaping partials (:mod:`orb_widgets.render`)
with SVG charts; a section with nothing saved yet says so in a sentence.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass

from markupsafe import Markup

from .. import paths, webinar, workbook
from ..content import DEFAULT_WORDS, load_framework
from ..exceptions import NoInstrument, PacketError
from ..format import date, plural, short
from ..keymessages import SCALE_TEXT
from ..planning import prefill, step_counts
from ..render import render
from ..results import closed_day, compared_means, compared_statements, response_rate, shareable_comments, wave_link
from ..settings import Settings
from ..store import Store
from ..views import (
    TEAM_RATING,
    TEAM_RATING_NOTE,
    board_view,
    debrief_view,
    follow_through_view,
    key_message_view,
    matrix_view,
    plan_view,
    profile_view,
    results_view,
    statements_view,
)
from .models import IndexRow

PREVIEW_URL = "sqlite://"
KINDS = ("key_message", "matrix_row", "testing_profile", "plan", "followup", "debrief")

SECTIONS = {
    "cover": "Cover",
    "glance": "Readiness at a glance",
    "scores": "Scores by element and component",
    "roles": "Scores by role group",
    "change": "Change since the previous wave",
    "debrief": "Debrief: what the team makes of it",
    "breakouts": "Breakout takeaways",
    "messages": "Key messages",
    "matrix": "Planning matrix: SO WHAT?",
    "followthrough": "Follow-through: steps done, overdue and due soon",
    "profile": "Testing profile",
    "plan": "Implementation plan",
    "followup": "Latest follow-up: Keep, Improve, Start, Stop",
    "statements": "Appendix: Statement results",
}


@dataclass(frozen=True)
class Chart:
    """A rendered chart: SVG bytes (vector, sharp in print) and the words a screen reader says for it;
    ``narrow``, when given, the same chart drawn for a phone (shown on a phone's screen, never printed)."""

    svg: bytes
    alt: str
    narrow: bytes | None = None

    @property
    def src(self) -> str:
        """The chart as a ``data:image/svg+xml`` address, for an ``<img>`` in a self-contained page."""
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg).decode("ascii")

    @property
    def narrow_src(self) -> str | None:
        """The phone's drawing as a ``data:`` address, or None."""
        return "data:image/svg+xml;base64," + base64.b64encode(self.narrow).decode("ascii") if self.narrow else None

    def html(self) -> Markup:
        """The chart as an ``<img>`` with its alt text (autoescaped)."""
        return render("chart.html.j2", alt=self.alt, src=self.src, narrow_src=self.narrow_src)


def demo_text(notice: str) -> str:
    """The workspace's demo notice without a leading "Demo data:" (the banner already says it)."""
    text = str(notice or "").strip()
    if text.lower().startswith("demo data:"):
        text = text[len("demo data:") :].strip()
    return text[:1].upper() + text[1:]


class Packet:
    """Everything one county's packet shows, loaded once; sections render from it.

    Each section is one partial, ``templates/partials/packet_<section>.html.j2``,
    given view models (:mod:`orb_widgets.views`) and charts.

    >>> packet = Packet.load()            # no county: a fictional demo county, for a preview
    >>> "demo" in packet.section_html("cover").lower()
    True
    """

    def __init__(self, store, county: str, wave: str | None = None):
        self.store = store
        self.county = store.county(county).name
        self.demo_notice = store.get_meta("demo")
        self.instrument = None
        self.results = None
        self.comments = []
        self._cached = None
        try:
            self.instrument = store.current_instrument(self.county)
        except NoInstrument:
            pass
        if self.instrument is not None:
            self.framework = load_framework(self.instrument.framework, self.instrument.language)
            if store.waves(self.county):
                from ..cache import Entry

                # Kept in the workspace: pages, other packets and the hub share the scores and charts.
                self._cached = Entry(store, self.county, wave)
                self.results = self._cached.report()
                self.comments = shareable_comments(store, self.county, self.results)
        else:
            fw_id = store.county(county).framework
            self.framework = load_framework(fw_id) if fw_id else None
        self.entries = {kind: workbook.load_all(store, self.county, kind) for kind in KINDS}
        self.prepared = dt.date.today()
        self._view = None

    @classmethod
    def load(
        cls,
        county: str | None = None,
        wave: str | None = None,
        workspace: str | None = None,
        database_url: str | None = None,
    ) -> "Packet":
        """The packet of ``county`` in ``workspace``; with no county, a fictional demo county (a preview).

        ``database_url`` names the database when it is not the workspace's own
        (the packet runner passes the one it resolved).
        """
        if county is None:
            from .. import store as store_module
            from ..demo import make_demo

            store_module._ENGINES.pop(PREVIEW_URL, None)  # a fresh private database for every preview
            store = Store(PREVIEW_URL)
            names = make_demo(store, counties=1, seed=2026)
            return cls(store, names[0], wave)
        # The packet notebook's kernel starts here: the runner names the workspace and database; a
        # notebook run by hand falls back on $ORB_WORKSPACE / $ORB_DATABASE_URL, read this once.
        settings = Settings.from_env(workspace=workspace, database_url=database_url)
        return cls(
            Store.open(paths.database_url(settings=settings), create=False, folder=settings.workspace), county, wave
        )

    # ----------------------------------------------------------- helpers
    @property
    def names(self) -> dict:
        if self.results:
            return self.results.element_names
        return dict(self.instrument.element_names) if self.instrument else {}

    @property
    def min_group(self) -> int:
        return self.instrument.min_group if self.instrument else 5

    @property
    def points(self) -> int:
        return self.instrument.scale.points if self.instrument else 5

    def _el(self, element: str) -> str:
        name = self.names.get(element)
        return f"{element}. {name}" if name else str(element)

    def _no_results(self) -> str | None:
        if self.instrument is None:
            return (
                f"This {self.words.unit} has not set up its readiness assessment yet, so there are no scores to show."
            )
        if self.results is None:
            return "No survey answers have been collected yet, so there are no scores to show."
        if self.results.suppressed:
            return self.view.missing
        return None

    @property
    def view(self):
        """The results as every view shows them (:func:`orb_widgets.views.results_view`)."""
        if self._view is None and self.results is not None:
            self._view = results_view(self.results)
        return self._view

    # ----------------------------------------------------------- public API
    def section(self, name: str) -> list:
        """The displayable parts of a section: one ``IPython.display.HTML`` (charts inline as SVG)."""
        from IPython.display import HTML

        if name not in SECTIONS:
            raise PacketError(f"no packet section '{name}' (sections: {', '.join(SECTIONS)})")
        return [HTML(self.section_html(name))]

    def section_html(self, name: str) -> str:
        """A section as one HTML string, charts embedded as SVG data URIs (for the packet, dashboards and tests)."""
        return str(getattr(self, f"_{name}")())

    def show(self, name: str) -> None:
        """Display a section in the notebook."""
        from IPython.display import display

        display(*self.section(name))

    def index_row(self) -> IndexRow:
        """The statewide index's view of this county: element means, suppression respected."""
        r = self.results
        # compared like with like: scores without the county's own statements, and which statements they are of
        elements = compared_means(self.store, self.county, r) if r else {}
        link = self._link()
        return IndexRow(
            county=self.county,
            wave=r.wave if r else None,
            framework=self.framework.id if self.framework else None,
            framework_title=self.framework.title if self.framework else "",
            n_respondents=r.n_respondents if r and not r.suppressed else None,
            suppressed=bool(r and r.suppressed),
            points=self.points,
            min_group=self.min_group,
            element_names=self.names,
            elements=elements,
            statements=compared_statements(r) if r else {},
            invited=link.invited if link else None,
            closes_on=link.closes_on if link else None,
            closed_on=closed_day(link),
            **self._follow_through_facts(),
        )

    def _follow_through_facts(self) -> dict:
        """Steps by status, the dates of the open ones, webinar next steps kept, the last day of work."""
        from ..progress import webinar_steps

        rows = self.entries["matrix_row"]
        counts = step_counts(rows, self.prepared)
        steps = [s for r in rows.values() for s in r.steps]
        named = webinar_steps(self.store, self.county)
        edits = [d.updated_at for kind in KINDS for d in self.store.list_docs(self.county, kind) if d.updated_at]
        return {
            "steps": {k: counts[k] for k in ("done", "under way", "not started", "dropped")},
            "open_due": sorted(s.by_when for s in steps if s.by_when and s.status not in ("done", "dropped")),
            "webinar_steps": len(named),
            "webinar_done": sum(1 for x in named if x.done),
            "last_activity": max(edits).date() if edits else None,
        }

    def _link(self):
        """The scored wave's survey link that says how many it went to (:func:`orb_widgets.results.wave_link`)."""
        if self.results is None or not self.results.wave:
            return None
        return wave_link(self.store.links(self.county), self.results.wave)

    # ----------------------------------------------------------- sections
    def _kept(self, name: str, inputs, draw, alt: str) -> Chart:
        """A chart of what the team typed, drawn once per ``inputs`` and kept in the workspace as the
        workbook's pages keep it (:func:`orb_widgets.cache.drawn`): a packet built again draws nothing."""
        from ..cache import drawn

        return _as_chart(drawn(self.store, name, inputs, draw, alt))

    def _chart(self, name: str, draw, alt: str) -> Chart:
        """Chart ``name`` drawn by ``draw()``, kept with the county's cached results (pages draw the same)."""
        if self._cached is None:
            from ..cache import draw_chart

            return _as_chart(draw_chart(draw, alt))
        return _as_chart(self._cached.chart(name, draw, alt))

    def _render(self, name: str, **context) -> Markup:
        """Section ``name`` through its partial, with its id and title for the heading."""
        return render(f"packet_{name}.html.j2", id=name, title=SECTIONS[name], words=self.words, **context)

    @property
    def words(self):
        """The framework's words (a CPS packet says municipality, not county)."""
        return self.framework.words if self.framework is not None else DEFAULT_WORDS

    def _cover(self) -> Markup:
        r = self.results
        facts = []
        if r is not None and r.wave:
            facts.append(("Survey wave", r.wave))
            n = r.n_respondents
            facts.append(
                (
                    "People who answered",
                    str(n) if n is not None and not r.suppressed else f"fewer than {self.min_group}",
                )
            )
            facts.append(("Waves so far", ", ".join(r.waves)))
            link = self._link()
            if link is not None:
                rate = response_rate(self.store, link, self.prepared, hide_small=True)
                if rate.answered:
                    facts.append(("Answered of those invited", rate.answered))
                facts += [(f"Answered: {label}", text) for label, text in rate.groups]
                if rate.closing:
                    facts.append(("Survey link", rate.closing))
        else:
            facts.append(("Survey wave", "no answers yet"))
        facts.append(("Smallest group shown", plural(self.min_group, "person", "people")))
        facts.append(("Prepared", date(self.prepared)))
        return render(
            "packet_cover.html.j2",
            county=self.county,
            demo=demo_text(self.demo_notice) if self.demo_notice else "",
            title=self.framework.title if self.framework else "Organizational readiness",
            facts=facts,
            contents=[(k, t) for k, t in SECTIONS.items() if k != "cover"],
            points=self.points,
            min_group=self.min_group,
        )

    def _glance(self) -> Markup:
        v = self.view
        return self._render(
            "glance", missing=self._no_results(), cards=v.cards if v else (), priorities=v.priorities if v else ()
        )

    def _scores(self) -> Markup:
        from .. import plots

        missing = self._no_results()
        if missing:
            return self._render("scores", missing=missing)
        r, v = self.results, self.view
        charts = {
            "elements": self._chart(
                "elements",
                lambda: plots.element_scores(r.records("elements"), self.names, self.points, min_group=self.min_group),
                v.alt["elements"],
            )
        }
        if v.components:
            charts["components"] = self._chart(
                "components",
                lambda: plots.component_scores(r.records("components"), self.points, min_group=self.min_group),
                v.alt["components"],
            )
        comments = [{"label": self._el(c["element"]), "text": c["text"]} for c in self.comments]
        return self._render("scores", missing="", view=v, charts=charts, comments=comments)

    def _statements(self) -> Markup:
        missing = self._no_results()
        view = None if missing else statements_view(self.results)
        if view is None:
            return self._render("statements", missing=missing or "No statement results to show for this wave.")
        return self._render("statements", missing="", view=view)

    def _roles(self) -> Markup:
        r, v = self.results, self.view
        missing = self._no_results()
        if not missing and not r.by_role:
            missing = "No answers by role group yet."
        elif not missing and not any(b.shown for b in r.by_role):
            missing = f"Every role group had fewer than {self.min_group} answers, so no role group scores can be shown."
        if missing:
            return self._render("roles", missing=missing)
        gap = bool(v.gap and any(line.shown for line in v.gap.lines))
        return self._render("roles", missing="", view=v, gap=gap)

    def _change(self) -> Markup:
        from .. import plots

        r, v = self.results, self.view
        missing = self._no_results()
        if not missing and v.change is None:
            missing = (
                f"This is the {self.words.unit}’s first survey wave, so there is no change to show yet. Change will "
                "show here after the next wave."
            )
        if missing:
            return self._render("change", missing=missing)
        chart = self._chart(
            "change", lambda: plots.wave_change(r.records("by_wave"), self.names, self.points), v.alt["change"]
        )
        return self._render("change", missing="", view=v, chart=chart)

    def _debriefs(self) -> dict:
        """The scored wave's debriefs by element (without a survey wave, the ones made without one)."""
        wave = self.results.wave if self.results is not None else None
        return {d.element: d for d in self.entries["debrief"].values() if d.wave == (wave or "")}

    def _debrief(self) -> Markup:
        """Per element: the survey line, the reflection prompts, the team's reading and its team rating."""
        if self.instrument is None:
            return self._render("debrief", view=None, missing=self._no_results())
        view = debrief_view(self.framework, self.instrument.elements, self.results, self._debriefs())
        return self._render("debrief", view=view, team_rating=TEAM_RATING, team_rating_note=TEAM_RATING_NOTE)

    def _breakouts(self) -> Markup:
        """The county's own part of the coach's webinars (:func:`orb_widgets.webinar.packet_view`): its
        people's next steps, the takeaways of the rooms they sat in, its report-backs; never another county's."""
        view = webinar.packet_view(webinar.load_series(self.store), self.county)
        if not view.events:
            return self._render("breakouts", missing=f"Nobody from {self.county} has taken part in a breakout yet.")
        return self._render("breakouts", missing="", view=view)

    def _messages(self) -> Markup:
        from .. import plots

        out = []
        views = [key_message_view(m) for m in self.entries["key_message"].values()]
        # one colour per audience in all of the county's charts
        colors = plots.audience_colors(x["audience"] for mv in views for x in mv.records)
        for mv in views:
            chart = None
            if mv.records:
                chart = self._kept(
                    "packet-key-message-ratings",
                    {"records": list(mv.records), "title": mv.chart_title, "colors": colors},
                    lambda mv=mv: plots.key_message_ratings(list(mv.records), title=mv.chart_title, colors=colors),
                    "Chart: "
                    + mv.chart_title.replace("\n", " ")
                    + ": "
                    + "; ".join(f"{x['version']}, {x['audience']}: {short(x['rating'])}" for x in mv.records),
                )
            out.append((mv, chart))
        return self._render("messages", messages=out, scale=SCALE_TEXT)

    def _matrix(self) -> Markup:
        rows = self.entries["matrix_row"]
        labels = {c.id: c.label for c in self.framework.planning_columns} if self.framework else {}
        names = {e: self._el(e) for e in self.names}
        if self.framework:
            names.update({f"component:{c.id}": c.name for c in self.framework.components})
        starters, source = [], ""
        if not rows:  # where the scores suggest starting, then the elements the team rated itself
            priorities = self.results.priorities if self.results and not self.results.suppressed else ()
            debriefs = self._debriefs()
            starters = list(prefill(priorities, self.names, debriefs=debriefs))
            rated = [k for k in starters if k in debriefs and debriefs[k].rating is not None]
            source = " and ".join(
                x for x, on in (("the scores", len(rated) < len(starters)), ("the team's own ratings", rated)) if on
            )
            starters = [names.get(k, k) for k in starters]
        return self._render(
            "matrix",
            matrix=matrix_view(
                rows, labels, names, today=self.prepared, pulses=self._pulses(), min_group=self._min_group()
            )
            if rows
            else None,
            starters=starters,
            source=source,
        )

    def _pulses(self) -> dict:
        """Each plan row's latest pulse check (:func:`orb_widgets.results.pulse_results`), shown beside it."""
        from ..results import pulse_results

        return pulse_results(self.store, self.county)

    def _min_group(self) -> int | None:
        return self.instrument.min_group if self.instrument is not None else None

    def _target_names(self) -> dict:
        names = {e: self._el(e) for e in self.names}
        if self.framework:
            names.update({f"component:{c.id}": c.name for c in self.framework.components})
        return names

    def _followthrough(self) -> Markup:
        rows = self.entries["matrix_row"]
        view = follow_through_view(rows, self._target_names(), self.prepared) if rows else None
        return self._render("followthrough", follow=view)

    def _profile(self) -> Markup:
        prof = workbook.load(self.store, self.county, "testing_profile", "main")
        if prof is None or not (prof.sections or prof.buddy or prof.buddy_county):
            return self._render("profile", profile=None)
        return self._render("profile", profile=profile_view(prof, self.framework))

    def _plan(self) -> Markup:
        from .. import plots

        plan = workbook.load(self.store, self.county, "plan", "main")
        if plan is None:
            return self._render("plan", plan=None, chart=None)
        view = plan_view(plan, self.framework.competence_levels if self.framework else ())
        chart = None
        if view.competence_records:
            chart = self._kept(
                "packet-competence",
                list(view.competence_records),
                lambda: plots.competence(list(view.competence_records)),
                "Chart: share of people at each competence level, now and the target: "
                + "; ".join(f"{c.label}: now {c.now}, target {c.target}" for c in view.competence),
            )
        return self._render("plan", plan=view, chart=chart)

    def _followup(self) -> Markup:
        boards = self.entries["followup"]
        board = board_view(max(boards.values(), key=lambda b: b.date)) if boards else None
        return self._render("followup", board=board)


def _as_chart(made: dict) -> Chart:
    """A kept chart (``{"svg", "narrow", "alt"}``, as :mod:`orb_widgets.cache` keeps it) as the packet shows it."""
    narrow = made.get("narrow")
    return Chart(made["svg"].encode("utf-8"), made["alt"], narrow.encode("utf-8") if narrow else None)
