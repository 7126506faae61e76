"""Per-county packets: one self-contained HTML page (and PDF) per county, plus a statewide index.

Two halves live here, because this is the only module that calls papermill:

* the **sections** a packet shows (:class:`Packet`), called from the thin
  template ``notebooks/packet.ipynb`` — each returns HTML and PNG charts, and a
  section with nothing saved yet says so in a sentence;
* the **runner** (:func:`run_packets`, ``orb packets``): for each county a fresh
  process runs the template through papermill and exports it with nbconvert
  (and WeasyPrint for PDF), in parallel, incrementally, locally or on a Dask
  cluster.

Speed without sharing state: the parent imports the heavy libraries once and
then *forks* one fresh child per county. The child runs the notebook with an
in-process papermill engine (a new IPython namespace), exports, and exits, so
nothing of one county can reach another's packet, while none of the kernel and
import start-up is paid again.
"""
from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import html
import json
import os
import resource
import signal
import sys
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from . import views
from .exceptions import NoInstrument, OrbError, PacketError
from .paths import unique_slug
from .resources import import_root, shipped
from .settings import Settings

ROOT = import_root()  # where the packet worker process imports orb_widgets from
NOTEBOOK = shipped("notebooks") / "packet.ipynb"
TEMPLATES = shipped("templates")
PACKET_TEMPLATE = "packet"
INDEX_TEMPLATE = TEMPLATES / "index"
MANIFEST = "manifest.json"
MANIFEST_VERSION = 1
ENGINE = "orb-inprocess"
PREVIEW_URL = "sqlite://"
REMOVED_TAGS = {"remove_cell", "parameters", "injected-parameters"}
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
    from .render import render

    return str(render(name, **context))


# =================================================================== sections
class Packet:
    """Everything one county's packet shows, loaded once; sections render from it.

    >>> packet = Packet.load()            # no county: a fictional demo county, for a preview
    >>> "demo" in packet.section_html("cover").lower()
    True
    """

    def __init__(self, store, county: str, wave: str | None = None):
        from . import workbook
        from .content import load_framework
        from .results import county_results, shareable_comments

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
    def load(cls, county: str | None = None, wave: str | None = None, workspace: str | None = None) -> "Packet":
        """The packet of ``county`` in ``workspace``; with no county, a fictional demo county (a preview)."""
        from .store import Store

        if county is None:
            from . import store as store_module
            from .demo import make_demo

            store_module._ENGINES.pop(PREVIEW_URL, None)  # a fresh private database for every preview
            store = Store(PREVIEW_URL)
            names = make_demo(store, counties=1, seed=2026)
            return cls(store, names[0], wave)
        return cls(Store.open(workspace, create=False), county, wave)

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
        from .views import results_view

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
        from . import plots

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
        from . import plots

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
        from . import plots

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
        from . import plots

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
        from . import webinar
        from .views import takeaways_view

        head = self._head("breakouts")
        series = webinar.packet_view(webinar.load_series(self.store), self.county)
        sessions = self.entries["breakout"]
        if not series.events and not sessions:
            return [head + self._empty(f"Nobody from {_e(self.county)} has taken part in a breakout yet.")]
        view = takeaways_view(sessions.values())
        view = dataclasses.replace(view, webinar=series if series.events else None)
        return [head + _render("takeaways.html.j2", view=view)]

    def _messages(self) -> list:
        from . import plots

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
        from .planning import prefill

        head = self._head("matrix")
        rows = self.entries["matrix_row"]
        labels = {c.id: c.label for c in self.framework.planning_columns} if self.framework else {}
        names = {e: self._el(e) for e in self.names}
        if self.framework:
            names.update({f"component:{c.id}": c.name for c in self.framework.components})
        from .views import matrix_view

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
        from . import workbook

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
        from . import plots, workbook
        from .planning import competence_frame

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
        from .views import board_view

        latest = max(boards.values(), key=lambda b: b.date)
        return [head + _render("board.html.j2", board=board_view(latest))]


# =================================================================== in-process papermill engine
def _engine_class():
    from papermill.engines import Engine

    class InProcessEngine(Engine):
        """Runs a notebook's cells in this (fresh, forked) process with a new IPython namespace.

        It produces real notebook outputs (display_data with text/html and
        image/png, streams, errors) and reports each cell to papermill, so
        papermill still injects parameters and records errors per cell.
        """

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
            import nbformat
            from IPython.core.interactiveshell import InteractiveShell
            from IPython.utils.capture import capture_output
            from traitlets.config import Config

            if InteractiveShell.initialized():  # a fresh namespace for every notebook, even in one process
                InteractiveShell.clear_instance()
            config = Config()
            config.HistoryManager.enabled = False
            config.InteractiveShell.colors = "nocolor"
            shell = InteractiveShell.instance(config=config)
            # A cell's value becomes an execute_result output below, never "Out[n]:" text on stdout.
            shell.displayhook.write_output_prompt = lambda: None
            shell.displayhook.write_format_data = lambda *args, **kwargs: None
            count = 0
            for index, cell in enumerate(nb_man.nb.cells):
                if cell.cell_type != "code":
                    continue
                nb_man.cell_start(cell, index)
                count += 1
                cell.execution_count = count
                with capture_output() as cap:
                    res = shell.run_cell(cell.source, store_history=False)
                outputs = []
                if cap.stdout:
                    outputs.append(nbformat.v4.new_output("stream", name="stdout", text=cap.stdout))
                if cap.stderr:
                    outputs.append(nbformat.v4.new_output("stream", name="stderr", text=cap.stderr))
                for o in cap.outputs:
                    outputs.append(nbformat.v4.new_output("display_data", data=o.data, metadata=o.metadata or {}))
                if res.result is not None:
                    data, meta = shell.display_formatter.format(res.result)
                    outputs.append(nbformat.v4.new_output("execute_result", data=data, metadata=meta,
                                                          execution_count=count))
                exc = res.error_in_exec or res.error_before_exec
                if exc is not None:
                    outputs.append(nbformat.v4.new_output(
                        "error", ename=type(exc).__name__, evalue=str(exc),
                        traceback=traceback.format_exception(type(exc), exc, exc.__traceback__)))
                cell.outputs = outputs
                if exc is not None:
                    nb_man.cell_exception(cell, index)
                    nb_man.cell_complete(cell, index)
                    break
                nb_man.cell_complete(cell, index)
            InProcessEngine.last_namespace = shell.user_ns

    InProcessEngine.last_namespace = None
    return InProcessEngine


_ENGINE_CLS = None


def register_engine():
    """Register the in-process engine with papermill (idempotent); returns its class."""
    global _ENGINE_CLS
    from papermill.engines import papermill_engines

    if _ENGINE_CLS is None:
        _ENGINE_CLS = _engine_class()
    papermill_engines.register(ENGINE, _ENGINE_CLS)
    return _ENGINE_CLS


# =================================================================== one county (runs in a child process)
_EXPORTER = None


def _exporter():
    global _EXPORTER
    if _EXPORTER is None:
        from nbconvert import HTMLExporter
        from nbconvert.preprocessors import TagRemovePreprocessor
        from traitlets.config import Config

        c = Config()
        c.TagRemovePreprocessor.remove_cell_tags = set(REMOVED_TAGS)
        c.TagRemovePreprocessor.enabled = True
        exp = HTMLExporter(config=c, extra_template_basedirs=[str(TEMPLATES)], template_name=PACKET_TEMPLATE)
        exp.exclude_input = True
        exp.exclude_input_prompt = True
        exp.exclude_output_prompt = True
        exp.embed_images = True
        exp.register_preprocessor(TagRemovePreprocessor(config=c), enabled=True)
        _EXPORTER = exp
    return _EXPORTER


def export_html(nb, county: str) -> str:
    """The executed notebook as one self-contained page: no code, no prompts, no outside resources."""
    import copy

    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if not (c.cell_type == "code" and not c.get("outputs"))]
    nb.metadata["title"] = f"{county} — readiness packet"
    body, _ = _exporter().from_notebook_node(nb, resources={"metadata": {"name": f"{county} readiness packet"}})
    check_self_contained(body)
    return body


class _ActiveContent(HTMLParser):
    """Finds what a browser would run in a page: script and frame elements, ``on…=`` handlers, ``javascript:`` links."""

    TAGS = {"script", "iframe", "object", "embed", "frame", "frameset", "applet", "base"}
    URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            elif name in self.URL_ATTRS and "".join((value or "").split()).lower().startswith(
                    ("javascript:", "vbscript:", "data:text/html")):
                self.found.append(f"<{tag} {name}={value[:30]!r}>")
        if tag == "meta" and any(n == "http-equiv" and (v or "").lower() == "refresh" for n, v in attrs):
            self.found.append("<meta http-equiv=refresh>")

    handle_startendtag = handle_starttag


def check_self_contained(page: str) -> None:
    """Refuse a page that would load anything from outside (scripts, styles, fonts, images) or run code.

    The page is parsed as a browser would read it, so text that broke out of
    an attribute or element (``"><script>``, ``onerror=``) is caught here even
    if a section forgot to escape it.
    """
    import re

    bad = re.search(r"<script[^>]*\ssrc=|<link[^>]*\shref=[\"']?(?:https?:)?//|\ssrc=[\"']?(?:https?:)?//"
                    r"|@import|url\([\"']?(?:https?:)?//", page, re.I)
    if bad:
        raise PacketError(f"the packet page would load an outside resource ({page[bad.start():bad.start() + 60]!r})")
    parser = _ActiveContent()
    parser.feed(page)
    parser.close()
    if parser.found:
        raise PacketError(f"the packet page would run code ({', '.join(parser.found[:3])}); "
                          f"some text was not escaped, please report this")


def html_to_pdf(page: str) -> bytes:
    """PDF of a packet page with WeasyPrint (needs Pango; no browser, no LaTeX)."""
    import weasyprint

    return weasyprint.HTML(string=page, base_url=str(TEMPLATES)).write_pdf()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_packet(task: dict) -> dict:
    """Run the template for one county and export it; never raises (failures come back as a result)."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    t0 = time.perf_counter()
    out = {"county": task["county"] or "preview", "slug": task["slug"], "fingerprint": task["fingerprint"], "status": "failed",
           "error": None, "cell": None, "html": None, "pdf": None, "index_row": None, "pid": os.getpid()}
    try:
        if task.get("database_url"):
            os.environ["ORB_DATABASE_URL"] = task["database_url"]
        engine = register_engine()
        params = {"county": task["county"], "wave": task.get("wave"), "workspace": task["workspace"]}
        try:
            nb = papermill.execute_notebook(task.get("notebook") or str(NOTEBOOK), None, parameters=params,
                                            engine_name=ENGINE, kernel_name="python3", language="python",
                                            progress_bar=False, log_output=False)
        except PapermillExecutionError as exc:
            first = next((ln for ln in str(exc.source).splitlines() if ln.strip() and not ln.startswith("#")), "")
            out.update(error=f"{exc.ename}: {exc.evalue}".strip(), cell=f"cell {exc.exec_count} ({first.strip()})")
            return out
        t1 = time.perf_counter()
        packet = (engine.last_namespace or {}).get("packet")
        if isinstance(packet, Packet):
            out["index_row"] = packet.index_row()
        engine.last_namespace = None
        page = export_html(nb, task["county"] or "Preview")
        t2 = time.perf_counter()
        out["html"] = page.encode("utf-8")
        if task.get("pdf"):
            out["pdf"] = html_to_pdf(page)
        t3 = time.perf_counter()
        out.update(status="ok", run_seconds=t1 - t0, html_seconds=t2 - t1, pdf_seconds=t3 - t2 if task.get("pdf")
                   else None)
    except Exception as exc:  # one county's failure is reported, never raised into the runner
        out.update(error=f"{type(exc).__name__}: {exc}", cell=out["cell"] or "export")
    finally:
        out["seconds"] = time.perf_counter() - t0
        out["peak_mb"] = _peak_mb()
    return out


class Stopped(KeyboardInterrupt):
    """``orb packets`` was told to stop (SIGINT or SIGTERM); carries the exit code (128 + signal)."""

    def __init__(self, signum: int = signal.SIGINT):
        super().__init__(f"stopped by signal {signum}")
        self.exit_code = 128 + int(signum)


def hold(hold_dir: str | None, name: str) -> None:
    """A test hook: wait here while ``<hold_dir>/<name>.hold`` exists (after saying so in ``<name>.waiting``).

    Lets tests signal a run at a known point (a child with its result ready, the
    parent half-way through writing a county's files) without timing anything.
    """
    if not hold_dir:
        return
    gate = Path(hold_dir) / f"{name}.hold"
    if gate.exists():
        (Path(hold_dir) / f"{name}.waiting").write_text(str(os.getpid()))
        while gate.exists():
            time.sleep(0.02)


def _die_with_parent(parent_pid: int, lifeline: int | None = None) -> None:
    """Make this child end as soon as the runner that started it ends, however it ends.

    Three guards, so no child ever outlives the runner or waits on it: Ctrl-C
    and SIGTERM end the child at once (no clean-up that could block on a pipe);
    on Linux the kernel kills the child when its parent dies (even by SIGKILL);
    and a watchdog thread ends the child when the parent's end of the
    ``lifeline`` pipe closes (or, without one, when the parent pid changes).
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})  # blocked by the fork
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            pr_set_pdeathsig = 1
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:  # the parent died before the guard was in place
        os._exit(1)

    def watch():
        if lifeline is not None:
            try:
                while os.read(lifeline, 1):
                    pass
            except OSError:
                pass
        else:
            while os.getppid() == parent_pid:
                time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="orb-parent-watchdog", daemon=True).start()


def _forked_child(task: dict, conn, inherited: list, parent_pid: int, lifeline: tuple[int, int]) -> None:
    """Entry of a forked child: build one packet, send the result, exit.

    ``inherited`` are the read ends of this child's own and its siblings' result
    pipes, copied by fork; they are closed first, so that if the parent dies the
    child's write fails at once instead of filling a pipe nobody reads.
    """
    for other in inherited:
        other.close()
    os.close(lifeline[1])
    _die_with_parent(parent_pid, lifeline[0])
    try:
        result = build_packet(task)
        result["peak_mb"] = _peak_mb()
    except Exception as exc:  # noqa: BLE001 - report anything rather than die silently
        result = {"county": task["county"], "slug": task["slug"], "status": "failed",
                  "error": f"{type(exc).__name__}: {exc}", "cell": None}
    hold(task.get("hold"), f"{task['slug']}.child")
    try:
        conn.send(result)
        conn.close()
    except OSError:  # the parent is gone; nobody needs the result
        os._exit(1)


def _subprocess_main(argv: list[str]) -> int:
    """``python -m orb_widgets.packets --child FD``: read a task as JSON on stdin, write a pickled result to FD."""
    import pickle

    fd = int(argv[argv.index("--child") + 1])
    _die_with_parent(os.getppid())
    task = json.loads(sys.stdin.read())
    result = build_packet(task)
    with os.fdopen(fd, "wb") as fh:
        pickle.dump(result, fh)
    return 0


def run_in_subprocess(task: dict) -> dict:
    """Build one packet in a brand-new Python process (the Dask route: workers may not fork)."""
    import pickle
    import subprocess

    r, w = os.pipe()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "orb_widgets.packets", "--child", str(w)],
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                pass_fds=(w,), cwd=str(ROOT))
    finally:
        os.close(w)
    proc.stdin.write(json.dumps(task).encode())
    proc.stdin.close()
    with os.fdopen(r, "rb") as fh:
        data = fh.read()
    code = proc.wait()
    if not data:
        return {"county": task["county"], "slug": task["slug"], "status": "failed", "cell": None,
                "error": f"the packet process ended unexpectedly (exit code {code})"}
    return pickle.loads(data)


# =================================================================== the runner
@dataclass
class RunReport:
    """What a run did: per county ``ok`` / ``skipped`` / ``failed`` (with cell and error)."""

    out: Path
    results: list[dict] = field(default_factory=list)
    started: str = ""
    seconds: float = 0.0

    @property
    def failed(self) -> list[dict]:
        return [r for r in self.results if r["status"] == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        built = sum(r["status"] == "ok" for r in self.results)
        skipped = sum(r["status"] == "skipped" for r in self.results)
        lines = [f"{built} packet{'s' * (built != 1)} built, {skipped} unchanged (skipped), "
                 f"{len(self.failed)} failed, in {self.seconds:.1f} s. Index: {self.out / 'index.html'}"]
        for r in self.failed:
            where = f" at {r['cell']}" if r.get("cell") else ""
            lines.append(f"FAILED {r['county']}{where}: {r.get('error') or 'unknown error'}")
        return "\n".join(lines)


def _code_fingerprint(notebook: Path) -> str:
    h = hashlib.sha256()
    files = [notebook, *sorted(TEMPLATES.glob(f"{PACKET_TEMPLATE}/**/*")), *sorted(INDEX_TEMPLATE.glob("**/*")),
             *sorted(Path(__file__).parent.glob("*.py")), *sorted(shipped("data").glob("*/pack.yaml"))]
    for f in files:
        if f.is_file():
            h.update(f.name.encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def county_fingerprint(store, county: str, wave: str | None, code: str) -> str:
    """Hash of everything a county's packet is made from: its answers, instruments, workbook, code."""
    h = hashlib.sha256()
    h.update(json.dumps([county, wave, code, store.get_meta("demo")]).encode())
    answers = store.answers_frame(county)
    if not answers.empty:
        answers = answers.sort_values(["wave", "respondent", "item"]).reset_index(drop=True)
    h.update(answers.to_csv(index=False).encode())
    h.update(json.dumps(store.comments(county), sort_keys=True, default=str).encode())
    for v in store.instrument_versions(county):
        h.update(json.dumps(store.instrument(v["id"]).model_dump(mode="json"), sort_keys=True).encode())
    for kind in KINDS:
        for d in store.list_docs(county, kind):
            h.update(json.dumps([kind, d.key, d.version, d.body], sort_keys=True, default=str).encode())
    from . import webinar

    # only this county's part of the webinars: another county's room notes never rebuild this packet
    h.update(webinar.packet_view(webinar.load_series(store), county).model_dump_json().encode())
    return h.hexdigest()


def _out_dir(out) -> Path:
    path = Path(out or "packets").expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise PacketError(f"{path} is a file; give --out a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PacketError(f"cannot create the output folder {path}: {exc.strerror}") from None
    return path


def _inside(out: Path, name: str) -> Path:
    """``out / name``, refusing anything that would land outside ``out``."""
    target = (out / name).resolve()
    if target.parent != out or target.name != name:
        raise PacketError(f"refusing to write {target}: it is not inside {out}")
    return target


def _load_manifest(out: Path) -> dict:
    try:
        data = json.loads((out / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return {"version": MANIFEST_VERSION, "packets": {}}
    if data.get("version") != MANIFEST_VERSION or not isinstance(data.get("packets"), dict):
        return {"version": MANIFEST_VERSION, "packets": {}}
    return data


def warm_up(pdf: bool = True) -> bool:
    """Import and exercise everything once before children are forked, on a synthetic preview county.

    No real county's data is touched here: the warm-up builds the packet of a
    fictional demo county in a private in-memory database (``county=None``),
    so every first-use cost (imports, fonts, IPython, templates, WeasyPrint)
    is paid once in the parent instead of once per child.
    """
    import matplotlib

    matplotlib.use("Agg")
    from . import store as store_module

    result = build_packet({"county": None, "slug": "warm-up", "wave": None, "workspace": None, "pdf": pdf,
                           "fingerprint": None})
    store_module._ENGINES.pop(PREVIEW_URL, None)  # the preview database is not needed any more
    # A failing preview is not fatal: each county still runs and reports its own error.
    return result["status"] == "ok"


def _run_local(tasks: list[dict], workers: int, on_result) -> None:
    """One forked child per county, at most ``workers`` at a time.

    If the run is interrupted (Ctrl-C, SIGTERM, an error), every running child
    is killed and reaped before the exception goes on: nothing is left behind.
    """
    import multiprocessing as mp
    from multiprocessing.connection import wait

    ctx = mp.get_context("fork")
    pending, running = deque(tasks), {}
    lifeline = os.pipe()  # children watch the read end; it reads EOF when this process is gone
    try:
        while pending or running:
            while pending and len(running) < workers:
                task = pending.popleft()
                reader, writer = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_forked_child, name=f"orb-packet-{task['slug']}", daemon=True,
                                   args=(task, writer, [reader, *running], os.getpid(), lifeline))
                # A stop signal arriving during the fork would otherwise run our handler in the child
                # too, or leave a started child that _stop_children does not know about.
                old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
                try:
                    proc.start()
                    running[reader] = (proc, task)
                finally:
                    signal.pthread_sigmask(signal.SIG_SETMASK, old)
                writer.close()
            for reader in wait(list(running)):
                proc, task = running.pop(reader)
                try:
                    result = reader.recv()
                except (EOFError, OSError):
                    proc.join()
                    result = {"county": task["county"], "slug": task["slug"], "status": "failed", "cell": None,
                              "error": f"the packet process ended unexpectedly (exit code {proc.exitcode})"}
                reader.close()
                proc.join()
                on_result(task, result)
    finally:
        _stop_children(running)
        for fd in lifeline:
            os.close(fd)


def _stop_children(running: dict) -> None:
    """Kill and reap the children still running (a second Ctrl-C cannot cut this short)."""
    if not running:
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        for proc, _ in running.values():
            if proc.is_alive():
                proc.kill()
        for reader, (proc, _) in list(running.items()):
            proc.join()
            reader.close()
        running.clear()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _run_dask(tasks: list[dict], scheduler, on_result) -> None:
    """Hand the same per-county tasks to a Dask cluster; each runs in a new process on a worker."""
    from distributed import Client, as_completed

    client = scheduler if isinstance(scheduler, Client) else None
    own = client is None
    if own:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise PacketError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    try:
        by_key, futures = {}, []
        for task in tasks:
            fut = client.submit(run_in_subprocess, task, pure=False, key=f"orb-packet-{task['slug']}-{time.time_ns()}")
            by_key[fut.key] = task
            futures.append(fut)
        for fut in as_completed(futures):
            task = by_key[fut.key]
            try:
                result = fut.result()
            except Exception as exc:  # noqa: BLE001 - a worker died; report, go on
                result = {"county": task["county"], "slug": task["slug"], "status": "failed", "cell": None,
                          "error": f"{type(exc).__name__}: {exc}"}
            on_result(task, result)
    finally:
        if own:
            client.close()


def run_packets(workspace=None, counties: list[str] | None = None, wave: str | None = None, out="packets",
                workers: int | None = None, pdf: bool = True, force: bool = False, scheduler=None,
                progress: bool = True, notebook: str | os.PathLike | None = None,
                hold_dir: str | None = None) -> RunReport:
    """Build the packets of ``counties`` (default: all) and the statewide index in ``out``.

    Unchanged counties (same data, template, notebook and code as in the
    manifest) are skipped unless ``force``. Raises :class:`OrbError` for a
    user's mistake; a county's failure is reported in the returned
    :class:`RunReport` and never stops the others.

    A county counts as built (in the manifest) only once its files are all in
    place, each written whole; a run cut off by Ctrl-C, SIGTERM or SIGKILL
    leaves the counties it had not finished to the next run. ``hold_dir`` is a
    test hook (see :func:`hold`).
    """
    from .exports import write_atomic
    from .store import Store

    t0 = time.perf_counter()
    started = dt.datetime.now().astimezone()
    notebook = Path(notebook or NOTEBOOK).resolve()
    if not notebook.is_file():
        raise PacketError(f"{notebook}: the packet template notebook is missing")
    store = Store.open(workspace, create=False)
    known = [c.name for c in store.counties()]
    if counties:
        names = list(dict.fromkeys(store.county(n).name for n in counties))
    else:
        names = known
    if not names:
        raise PacketError("this workspace has no counties yet: add one with 'orb instrument create' or try 'orb demo'")
    if wave is not None and not any(str(wave) in store.waves(n) for n in names):
        raise PacketError(f"no county here has a survey wave '{wave}'; leave out --wave for each county's latest")
    out = _out_dir(out)
    for stale in out.glob(".*.tmp"):  # pieces of a file a killed run was writing
        stale.unlink(missing_ok=True)
    manifest = _load_manifest(out)
    code = _code_fingerprint(notebook)
    report = RunReport(out=out, started=started.isoformat(timespec="seconds"))
    slugs, tasks = {}, []
    for name in names:
        slug = unique_slug(name)
        while slug in slugs.values():
            slug = f"{slug}-x"
        slugs[name] = slug
        _inside(out, f"{slug}.html")
        if wave is not None and str(wave) not in store.waves(name):
            report.results.append({"county": name, "slug": slug, "status": "failed", "cell": None,
                                   "error": f"no survey wave '{wave}' (waves: {', '.join(store.waves(name)) or 'none'})"})
            continue
        fp = county_fingerprint(store, name, wave, code)
        prev = manifest["packets"].get(name, {})
        have = (out / f"{slug}.html").is_file() and (not pdf or (out / f"{slug}.pdf").is_file())
        if not force and prev.get("fingerprint") == fp and prev.get("status") == "ok" and have:
            report.results.append({**prev, "county": name, "status": "skipped"})
            continue
        tasks.append({"county": name, "slug": slug, "wave": wave, "workspace": str(store.folder or ""),
                      "database_url": Settings.from_env().database_url, "pdf": bool(pdf), "fingerprint": fp,
                      "notebook": str(notebook), "hold": hold_dir})
    store.engine.dispose()  # children open their own connections

    bar = None
    if tasks and progress:
        from tqdm import tqdm

        tqdm.monitor_interval = 0  # no monitor thread in a process that forks
        bar = tqdm(total=len(tasks), unit="county", desc="Packets", file=sys.stderr)

    def on_result(task, result):
        entry = {"county": task["county"], "slug": task["slug"], "status": result.get("status", "failed"),
                 "fingerprint": task["fingerprint"], "error": result.get("error"), "cell": result.get("cell"),
                 "wave": wave, "seconds": round(result.get("seconds") or 0, 3),
                 "run_seconds": result.get("run_seconds"), "html_seconds": result.get("html_seconds"),
                 "pdf_seconds": result.get("pdf_seconds"), "peak_mb": round(result.get("peak_mb") or 0, 1),
                 "built": dt.datetime.now().astimezone().isoformat(timespec="seconds")}
        if entry["status"] == "ok":
            # Not "ok" in the manifest until both files are in place: a run killed in between rebuilds it.
            manifest["packets"].setdefault(task["county"], {}).update(status="writing", fingerprint=None)
            write_atomic(out / MANIFEST, json.dumps(manifest, indent=1, default=str))
            try:
                write_atomic(_inside(out, f"{task['slug']}.html"), result["html"])
                entry["html"] = f"{task['slug']}.html"
                hold(hold_dir, f"{task['slug']}.writing")
                if result.get("pdf"):
                    write_atomic(_inside(out, f"{task['slug']}.pdf"), result["pdf"])
                    entry["pdf"] = f"{task['slug']}.pdf"
                entry["index_row"] = result.get("index_row")
            except OrbError as exc:
                entry.update(status="failed", error=str(exc), cell="writing the files")
        report.results.append(entry)
        if entry["status"] == "ok":
            manifest["packets"][task["county"]] = {k: v for k, v in entry.items() if k != "status"} | {"status": "ok"}
        else:
            manifest["packets"].setdefault(task["county"], {}).update(status="failed", fingerprint=None,
                                                                      error=entry["error"], cell=entry["cell"])
        write_atomic(out / MANIFEST, json.dumps(manifest, indent=1, default=str))
        if bar is not None:
            bar.update(1)
            if entry["status"] != "ok":
                bar.write(f"failed: {task['county']}")

    try:
        if tasks:
            if scheduler:
                _run_dask(tasks, scheduler, on_result)
            else:
                warm_up(pdf=pdf)
                _run_local(tasks, max(1, int(workers or os.cpu_count() or 1)), on_result)
    finally:
        if bar is not None:
            bar.close()
    report.seconds = time.perf_counter() - t0
    manifest["last_run"] = {"started": report.started, "seconds": round(report.seconds, 2),
                            "ok": sum(r["status"] == "ok" for r in report.results),
                            "skipped": sum(r["status"] == "skipped" for r in report.results),
                            "failed": [{"county": r["county"], "cell": r.get("cell"), "error": r.get("error")}
                                       for r in report.failed]}
    write_atomic(out / MANIFEST, json.dumps(manifest, indent=1, default=str))
    write_atomic(_inside(out, "index.html"), render_index(manifest, known, store.get_meta("demo")))
    return report


# =================================================================== the statewide index
def render_index(manifest: dict, counties: list[str], demo_notice: str | None = None) -> str:
    """The statewide overview page: status and links per county, a counties × elements table and heatmap."""
    import jinja2

    from . import plots

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
                     "built": (entry.get("built") or "")[:16].replace("T", " ")})
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
        png = plots.to_png(plots.counties_heatmap(grid, f["names"], f["points"], title=None), dpi=130)
        cells = []
        for c in grid.index:
            values = []
            for e in elements:
                if e not in f["rows"][c]:
                    values.append(("not asked", None))
                elif f["rows"][c][e] is None:
                    values.append(("hidden", None))
                else:
                    values.append((None, f"{f['rows'][c][e]:.1f}"))
            cells.append({"county": c, "values": values})
        tables.append({"title": f["title"], "elements": [(e, f["names"][e]) for e in elements], "rows": cells,
                       "png": base64.b64encode(png).decode(), "min_group": f["min_group"]})
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(INDEX_TEMPLATE)), autoescape=True)
    css = (INDEX_TEMPLATE / "index.css").read_text("utf-8")
    page = env.get_template("index.html.j2").render(
        rows=rows, tables=tables, css=css, demo_notice=(demo_text(demo_notice) or "Not real results.") if demo_notice else None,
        run=run,
        started=(run.get("started") or "")[:16].replace("T", " "),
        n_ok=sum(1 for r in rows if r["html"]), n_failed=len(failed))
    check_self_contained(page)
    return page


# =================================================================== command line
def add_cli(sub, common) -> None:
    """``orb packets``: plugged into :mod:`orb_widgets.cli`."""
    s = sub.add_parser("packets", parents=[common], help="build a packet (HTML and PDF) per county and an index",
                       description="Build one self-contained packet per county (HTML, and PDF unless --no-pdf) "
                                   "and a statewide index.html in --out. Unchanged counties are skipped.")
    s.add_argument("--all", action="store_true", help="every county in the workspace")
    s.add_argument("--county", action="append", metavar="NAME", help="a county (repeat for several)")
    s.add_argument("--wave", default=None, help="survey wave (default: each county's latest)")
    s.add_argument("--out", metavar="DIR", default="packets", help="output folder (default ./packets)")
    s.add_argument("--workers", type=int, default=None, metavar="N",
                   help=f"counties built at once (default: the machine's cores, {os.cpu_count()})")
    s.add_argument("--pdf", action=__import__("argparse").BooleanOptionalAction, default=True,
                   help="also write a PDF per county (default: yes)")
    s.add_argument("--force", action="store_true", help="rebuild every packet, changed or not")
    s.add_argument("--scheduler", metavar="ADDRESS", help="a Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.set_defaults(func=cmd_packets)


def cmd_packets(args) -> int:
    if not args.all and not args.county:
        raise PacketError("say which counties: --all, or --county NAME (repeatable); 'orb counties' lists them")
    if args.all and args.county:
        raise PacketError("use either --all or --county, not both")
    if args.workers is not None and args.workers < 1:
        raise PacketError("--workers must be 1 or more")
    def stop(signum, frame):
        raise Stopped(signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        report = run_packets(workspace=args.workspace, counties=None if args.all else args.county, wave=args.wave,
                             out=args.out, workers=args.workers, pdf=args.pdf, force=args.force,
                             scheduler=args.scheduler, progress=not args.quiet,
                             hold_dir=os.environ.get("ORB_PACKETS_TEST_HOLD"))
    except KeyboardInterrupt as exc:
        print("orb: stopped. Packets finished before the stop are kept; run the same command again to build "
              "the rest.", file=sys.stderr)
        return getattr(exc, "exit_code", 130)
    finally:
        signal.signal(signal.SIGTERM, previous)
    print(report.summary())
    return 0 if report.ok else 1


if __name__ == "__main__" and "--child" in sys.argv:
    sys.exit(_subprocess_main(sys.argv))
