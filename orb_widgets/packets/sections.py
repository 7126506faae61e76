"""What a county's packet shows: :class:`Packet` loads a county once and renders each section.

Called from the thin template ``notebooks/packet.ipynb``. Every section is
HTML rendered from the shared autoescaping partials (:mod:`orb_widgets.render`)
with SVG charts; a section with nothing saved yet says so in a sentence.
"""
from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import html
from dataclasses import dataclass

from .. import views
from ..exceptions import NoInstrument, PacketError

PREVIEW_URL = "sqlite://"
KINDS = ("breakout", "key_message", "matrix_row", "testing_profile", "plan", "followup")

SECTIONS = {
    "cover": "Cover",
    "glance": "Readiness at a glance",
    "scores": "Scores by element and component",
    "roles": "Scores by role group",
    "change": "Change since the previous wave",
    "breakouts": "Breakout takeaways",
    "messages": "Key messages",
    "matrix": "Planning matrix: SO WHAT?",
    "profile": "Testing profile",
    "plan": "Implementation plan",
    "followup": "Latest follow-up: Keep, Improve, Start, Stop",
}


@dataclass(frozen=True)
class Chart:
    """A rendered chart: SVG bytes (vector, sharp in print) and the words a screen reader says for it."""

    svg: bytes
    alt: str

    def html(self) -> str:
        """The chart as an ``<img>`` with a ``data:image/svg+xml`` source and its alt text (autoescaped)."""
        src = "data:image/svg+xml;base64," + base64.b64encode(self.svg).decode("ascii")
        return _render("chart.html.j2", alt=self.alt, src=src)


def demo_text(notice: str) -> str:
    """The workspace's demo notice without a leading "Demo data:" (the banner already says it)."""
    text = str(notice or "").strip()
    if text.lower().startswith("demo data:"):
        text = text[len("demo data:"):].strip()
    return text[:1].upper() + text[1:]


def _e(text) -> str:
    """HTML-escape anything that came from the store or a person."""
    return html.escape("" if text is None else str(text), quote=True)


def _render(name: str, **context) -> str:
    """A shared partial as a plain string, to join with this module's section markup."""
    from ..render import render

    return str(render(name, **context))


class Packet:
    """Everything one county's packet shows, loaded once; sections render from it.

    >>> packet = Packet.load()            # no county: a fictional demo county, for a preview
    >>> "demo" in packet.section_html("cover").lower()
    True
    """

    def __init__(self, store, county: str, wave: str | None = None):
        from .. import workbook
        from ..content import load_framework
        from ..results import county_results, shareable_comments

        self.store = store
        self.county = store.county(county).name
        self.demo_notice = store.get_meta("demo")
        self.instrument = None
        self.results = None
        self.comments = []
        try:
            self.instrument = store.current_instrument(self.county)
        except NoInstrument:
            pass
        if self.instrument is not None:
            self.framework = load_framework(self.instrument.framework, self.instrument.language)
            if store.waves(self.county):
                self.results = county_results(store, self.county, wave)
                self.comments = shareable_comments(store, self.county, self.results)
        else:
            fw_id = store.county(county).framework
            self.framework = load_framework(fw_id) if fw_id else None
        self.entries = {kind: workbook.load_all(store, self.county, kind) for kind in KINDS}
        self.prepared = dt.date.today()
        self._view = None

    @classmethod
    def load(cls, county: str | None = None, wave: str | None = None, workspace: str | None = None,
             database_url: str | None = None) -> "Packet":
        """The packet of ``county`` in ``workspace``; with no county, a fictional demo county (a preview).

        ``database_url`` names the database when it is not the workspace's own
        (the packet runner passes the one it resolved).
        """
        from ..store import Store

        if county is None:
            from .. import store as store_module
            from ..demo import make_demo

            store_module._ENGINES.pop(PREVIEW_URL, None)  # a fresh private database for every preview
            store = Store(PREVIEW_URL)
            names = make_demo(store, counties=1, seed=2026)
            return cls(store, names[0], wave)
        return cls(Store.open(workspace, create=False, url=database_url), county, wave)

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

    def _hidden_text(self) -> str:
        return f"hidden: fewer than {self.min_group} answers"

    def _el(self, element: str) -> str:
        name = self.names.get(element)
        return f"{element}. {name}" if name else str(element)

    def _no_results(self) -> str | None:
        if self.instrument is None:
            return "This county has not set up its readiness assessment yet, so there are no scores to show."
        if self.results is None:
            return "No survey answers have been collected yet, so there are no scores to show."
        if self.results.suppressed:
            return self.view.missing
        return None

    @property
    def view(self):
        """The results as every view shows them (:func:`orb_widgets.views.results_view`)."""
        from ..views import results_view

        if self._view is None and self.results is not None:
            self._view = results_view(self.results)
        return self._view

    # ----------------------------------------------------------- public API
    def section(self, name: str) -> list:
        """The displayable parts of a section: ``IPython.display.HTML`` and ``Image`` objects."""
        from IPython.display import HTML

        if name not in SECTIONS:
            raise PacketError(f"no packet section '{name}' (sections: {', '.join(SECTIONS)})")
        # Charts go inline as SVG images with their alt text: one HTML output per section, vector in the PDF.
        return [HTML(self.section_html(name))]

    def section_html(self, name: str) -> str:
        """A section as one HTML string, charts embedded as SVG data URIs (for the packet, dashboards and tests)."""
        parts = getattr(self, f"_{name}")()
        return "".join(p.html() if isinstance(p, Chart) else p for p in parts)

    def show(self, name: str) -> None:
        """Display a section in the notebook (HTML blocks and charts as separate outputs)."""
        from IPython.display import display

        display(*self.section(name))

    def index_row(self) -> dict:
        """The statewide index's view of this county: element means, suppression respected."""
        r = self.results
        elements = {e.element: e.mean if e.shown else None for e in r.elements} if r else {}
        return {"county": self.county, "wave": r.wave if r else None,
                "framework": self.framework.id if self.framework else None,
                "framework_title": self.framework.title if self.framework else "",
                "n_respondents": r.n_respondents if r and not r.suppressed else None,
                "suppressed": bool(r and r.suppressed), "points": self.points, "min_group": self.min_group,
                "element_names": self.names, "elements": elements}

    # ----------------------------------------------------------- sections
    @staticmethod
    def _fig(ax, alt: str | None = None) -> Chart:
        from .. import plots

        title = ax.get_title(loc="left") or ax.get_title()
        return Chart(plots.to_svg(ax), alt or (f"Chart: {title}" if title else "Chart"))

    def _head(self, name: str) -> str:
        return f'<h2 class="orb-h2" id="{name}">{_e(SECTIONS[name])}</h2>'

    @staticmethod
    def _empty(text: str) -> str:
        return f'<p class="orb-empty">{text}</p>'

    def _cover(self) -> list:
        r = self.results
        parts = ['<section class="orb-cover">']
        if self.demo_notice:
            parts.append(f'<div class="orb-demo" role="note"><strong>Demo data: synthetic, fictional.</strong> '
                         f'{_e(demo_text(self.demo_notice))}</div>')
        title = self.framework.title if self.framework else "Organizational readiness"
        parts.append('<p class="orb-kicker">Organizational readiness packet</p>'
                     f'<h1 class="orb-title">{_e(self.county)}</h1>'
                     f'<p class="orb-subtitle">{_e(title)}</p>')
        facts = []
        if r is not None and r.wave:
            facts.append(("Survey wave", _e(r.wave)))
            n = r.n_respondents
            facts.append(("People who answered", f"{n}" if n is not None and not r.suppressed
                          else f"fewer than {self.min_group}"))
            facts.append(("Waves so far", _e(", ".join(r.waves))))
        else:
            facts.append(("Survey wave", "no answers yet"))
        facts.append(("Smallest group shown", f"{self.min_group} people"))
        facts.append(("Prepared", views.date(self.prepared)))
        parts.append('<dl class="orb-facts">' + "".join(f"<div><dt>{k}</dt><dd>{v}</dd></div>" for k, v in facts)
                     + "</dl>")
        parts.append('<div class="orb-toc"><p class="orb-toc-title">In this packet</p><ol>'
                     + "".join(f'<li><a href="#{k}">{_e(t)}</a></li>' for k, t in SECTIONS.items() if k != "cover")
                     + "</ol></div>")
        parts.append(f'<p class="orb-howto">Scores run from 1 (lowest) to {self.points} (highest). A line around a '
                     f'score shows its 95% interval: the narrower it is, the surer the number. To protect '
                     f'anonymity, results for any group of fewer than {self.min_group} people are never shown.</p>')
        parts.append("</section>")
        return ["".join(parts)]

    def _glance(self) -> list:
        head = self._head("glance")
        missing = self._no_results()
        if missing:
            return [head + self._empty(missing)]

        v = self.view
        return [head + _render("cards.html.j2", cards=v.cards) + _render("priorities.html.j2", priorities=v.priorities)]

    def _scores(self) -> list:
        from .. import plots

        head = self._head("scores")
        missing = self._no_results()
        if missing:
            return [head + self._empty(missing)]

        r, v = self.results, self.view
        fig = self._fig(plots.element_scores(r.records("elements"), self.names, self.points,
                                             min_group=self.min_group), v.alt["elements"])
        out = [head + '<h3 class="orb-h3">Elements</h3>', fig, _render("table.html.j2", table=v.elements, cls="")]
        if v.components:
            out += ['<h3 class="orb-h3">Readiness components</h3>',
                    self._fig(plots.component_scores(r.records("components"), self.points, min_group=self.min_group),
                              v.alt["components"]),
                    _render("table.html.j2", table=v.components, cls="")]
        comments = [{"label": self._el(c["element"]), "text": c["text"]} for c in self.comments]
        out.append(_render("comments.html.j2", comments=comments, limit=15))
        return out

    def _roles(self) -> list:
        from .. import plots

        head = self._head("roles")
        missing = self._no_results()
        if missing:
            return [head + self._empty(missing)]

        r, v = self.results, self.view
        if not r.by_role:
            return [head + self._empty("No answers by role group yet.")]
        if not any(b.shown for b in r.by_role):
            return [head + self._empty(f"Every role group had fewer than {self.min_group} answers, so no role "
                                       f"group scores can be shown.")]
        out = [head, self._fig(plots.role_chart(r.records("by_role"), self.names, r.role_labels, points=self.points),
                               v.alt["roles"]),
               _render("table.html.j2", table=v.roles, cls="")]
        if v.gap and any(line.shown for line in v.gap.lines):
            out.append('<h3 class="orb-h3">Leaders compared with staff</h3>'
                       + _render("table.html.j2", table=v.gap, cls="orb-narrow"))
        return out

    def _change(self) -> list:
        from .. import plots

        head = self._head("change")
        missing = self._no_results()
        if missing:
            return [head + self._empty(missing)]

        r, v = self.results, self.view
        if v.change is None:
            return [head + self._empty("This is the county’s first survey wave, so there is no change to show "
                                       "yet. Change will show here after the next wave.")]
        return [head, self._fig(plots.wave_change(r.records("by_wave"), self.names, self.points), v.alt["change"]),
                _render("table.html.j2", table=v.change, cls="orb-narrow")]

    def _breakouts(self) -> list:
        """The county's own people's part of the coach's webinars (never another county's), and any
        breakout sessions the county recorded itself."""
        from .. import webinar
        from ..views import takeaways_view

        head = self._head("breakouts")
        series = webinar.packet_view(webinar.load_series(self.store), self.county)
        sessions = self.entries["breakout"]
        if not series.events and not sessions:
            return [head + self._empty(f"Nobody from {_e(self.county)} has taken part in a breakout yet.")]
        view = takeaways_view(sessions.values())
        view = dataclasses.replace(view, webinar=series if series.events else None)
        return [head + _render("takeaways.html.j2", view=view)]

    def _messages(self) -> list:
        from .. import plots

        head = self._head("messages")
        messages = self.entries["key_message"]
        if not messages:
            return [head + self._empty("No key messages have been drafted yet.")]
        out = [head]
        for m in messages.values():
            latest = max(m.versions, key=lambda v: v.version) if m.versions else None
            block = f'<h3 class="orb-h3">{_e(m.title)}</h3>'
            if latest:
                block += (f'<blockquote class="orb-quote">{_e(latest.text)}</blockquote>'
                          f'<p class="orb-note">Version {latest.version} of {len(m.versions)}.</p>')
            out.append(block)
            if not m.tests:
                out.append(self._empty("This message has not been tested with an audience yet."))
                continue
            records = [{"version": f"version {t.version}", "audience": t.audience,
                        "rating": sum(t.ratings.values()) / len(t.ratings)} for t in m.tests if t.ratings]
            if records:
                out.append(self._fig(plots.key_message_ratings(
                    records, title=f"{m.title}: average rating by version and audience")))
            rows = "".join(f'<tr><td>{t.version}</td><td>{_e(t.audience)}</td><td>{_e(t.event)}</td>'
                           f'<td class="num">{t.people}</td><td>{_e(t.feedback)}</td></tr>' for t in m.tests)
            out.append('<table class="orb-table"><thead><tr><th scope="col">Version</th><th scope="col">Audience'
                       '</th><th scope="col">Where</th><th scope="col">People</th><th scope="col">What we heard'
                       '</th></tr></thead><tbody>' + rows + "</tbody></table>")
        return out

    def _matrix(self) -> list:
        from ..planning import prefill

        head = self._head("matrix")
        rows = self.entries["matrix_row"]
        labels = {c.id: c.label for c in self.framework.planning_columns} if self.framework else {}
        names = {e: self._el(e) for e in self.names}
        if self.framework:
            names.update({f"component:{c.id}": c.name for c in self.framework.components})
        from ..views import matrix_view

        if not rows:
            text = "The planning matrix has not been started yet."
            if self.results and not self.results.suppressed:
                starters = prefill(self.results.priorities, self.names)
                if starters:
                    text += " From the scores, good places to start are: " + "; ".join(
                        _e(names.get(k, k)) for k in starters) + "."
            return [head + self._empty(text)]
        return [head + _render("matrix.html.j2", matrix=matrix_view(rows, labels, names))]

    def _profile(self) -> list:
        from .. import workbook

        head = self._head("profile")
        prof = workbook.load(self.store, self.county, "testing_profile", "main")
        if prof is None or not (prof.sections or prof.buddy or prof.buddy_county):
            return [head + self._empty("The testing profile has not been filled in yet.")]
        fw = self.framework
        sec_labels = {s.id: s.label for s in fw.testing_profile} if fw else {}
        q_labels = {q.id: q.label for q in fw.buddy_questions} if fw else {}
        out = head
        if prof.buddy_county:
            out += f'<p><strong>Buddy county:</strong> {_e(prof.buddy_county)}</p>'
        order = [s for s in sec_labels if s in prof.sections] + [s for s in prof.sections if s not in sec_labels]
        out += '<dl class="orb-dl">' + "".join(
            f"<dt>{_e(sec_labels.get(s, s))}</dt><dd>{_e(prof.sections[s]) or '—'}</dd>" for s in order) + "</dl>"
        if prof.buddy:
            out += '<h3 class="orb-h3">Buddy county questions</h3><dl class="orb-dl">' + "".join(
                f"<dt>{_e(q_labels.get(q, q))}</dt><dd>{_e(t) or '—'}</dd>" for q, t in prof.buddy.items()) + "</dl>"
        return [out]

    def _plan(self) -> list:
        from .. import plots, workbook
        from ..planning import competence_frame

        head = self._head("plan")
        plan = workbook.load(self.store, self.county, "plan", "main")
        if plan is None:
            return [head + self._empty("The implementation plan has not been written yet.")]
        out = head
        if plan.vision:
            out += f'<p class="orb-h4">Vision</p><blockquote class="orb-quote">{_e(plan.vision)}</blockquote>'
        for title, items in (("Goals", plan.goals), ("How we will see the effect", plan.effect_measures)):
            if items:
                out += f'<p class="orb-h4">{title}</p><ul>' + "".join(f"<li>{_e(t)}</li>" for t in items) + "</ul>"
        if plan.activities:
            out += ('<p class="orb-h4">Activities</p><table class="orb-table"><thead><tr><th scope="col">What</th>'
                    '<th scope="col">Who</th><th scope="col">From</th><th scope="col">To</th></tr></thead><tbody>'
                    + "".join(f"<tr><td>{_e(a.what)}</td><td>{_e(a.who)}</td><td>{a.start or ''}</td>"
                              f"<td>{a.end or ''}</td></tr>" for a in plan.activities) + "</tbody></table>")
        parts = [out]
        levels = self.framework.competence_levels if self.framework else []
        if levels and plan.competence:
            parts.append(self._fig(plots.competence(competence_frame(plan.competence, levels))))
        if len(parts) == 1 and out == head:
            return [head + self._empty("The implementation plan has been started but is still empty.")]
        return parts

    def _followup(self) -> list:
        head = self._head("followup")
        boards = self.entries["followup"]
        if not boards:
            return [head + self._empty("No follow-up review has been held yet.")]
        from ..views import board_view

        latest = max(boards.values(), key=lambda b: b.date)
        return [head + _render("board.html.j2", board=board_view(latest))]


