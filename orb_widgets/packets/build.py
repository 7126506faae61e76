"""One county's packet, built in a child process: run the template, export HTML, print a PDF.

Speed without sharing state: the runner imports the heavy libraries once and
then *forks* one fresh child per county (:func:`forked_child`), or on a Dask
worker starts a brand-new Python (:func:`run_in_subprocess`). The child runs
the notebook with the in-process papermill engine (a new IPython namespace),
exports, and exits, so nothing of one county can reach another's packet. A
child dies with the runner, however the runner ends.
"""

from __future__ import annotations

import dataclasses
import os
import re
import resource
import sys
import time
from html.parser import HTMLParser

from ..exceptions import PacketError
from ..paths import workspace_dir
from ..proc import guard_child
from ..resources import import_root
from ..settings import Settings
from .files import NOTEBOOK, PACKET_TEMPLATE, TEMPLATES
from .hooks import hold
from .models import PacketResult, PacketTask, Status
from .sections import Packet
from .svgtext import whole_text_runs

ROOT = import_root()  # where the packet worker process imports orb_widgets from
REMOVED_TAGS = {"remove_cell", "parameters", "injected-parameters"}

_EXPORTER = None


def import_papermill():
    """Import papermill (and through it nbformat and jsonschema) without the part nobody here uses.

    jsonschema imports ``rfc3987_syntax`` when it is installed, only to check
    strings a schema marks ``"format": "iri"``; that import compiles 38
    grammars, about a second of CPU, which was most of the runner's start-up.
    The notebook schemas have no ``format`` at all, so papermill is imported
    with that one optional module hidden; it is importable again afterwards.
    """
    if "papermill" in sys.modules or "jsonschema" in sys.modules or "rfc3987_syntax" in sys.modules:
        import papermill

        return papermill
    sys.modules["rfc3987_syntax"] = None  # makes its import fail; jsonschema goes on without the iri check
    try:
        import papermill
    finally:
        if sys.modules.get("rfc3987_syntax", 0) is None:
            del sys.modules["rfc3987_syntax"]
    return papermill


def _exporter():
    global _EXPORTER
    if _EXPORTER is None:
        from nbconvert import HTMLExporter
        from nbconvert.preprocessors import TagRemovePreprocessor
        from traitlets.config import Config

        c = Config()
        c.TagRemovePreprocessor.remove_cell_tags = set(REMOVED_TAGS)
        c.TagRemovePreprocessor.enabled = True
        c.CSSHTMLHeaderPreprocessor.enabled = False  # code highlighting styles: a packet shows no code

        class PacketExporter(HTMLExporter):
            """nbconvert's HTML exporter without its last pass over the page.

            That pass parses the whole exported page again with BeautifulSoup (about a
            tenth of a packet's HTML time) only to give an image without alternative text a
            placeholder and to make input and output areas tab stops. A packet's pictures
            carry their own alternative text (this template's ``data_png``, the charts'
            ``aria-label``), it has no input areas, and its sections are read, not
            operated: its tab stops are its links.
            """

            def from_notebook_node(self, nb, resources=None, **kw):
                # HTMLExporter's own filters, then the template (TemplateExporter), without the parse.
                from nbconvert.exporters.templateexporter import TemplateExporter
                from nbconvert.filters.highlight import Highlight2HTML
                from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

                resources = self._init_resources(resources)
                self.register_filter("highlight_code", Highlight2HTML(parent=self))
                self.register_filter(
                    "filter_data_type",
                    WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources),
                )
                return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

        # the shared partials' folder too: a packet carries the one responsive sheet every ORB page does
        exp = PacketExporter(
            config=c,
            extra_template_basedirs=[str(TEMPLATES)],
            template_name=PACKET_TEMPLATE,
            extra_template_paths=[str(TEMPLATES / "partials")],
        )
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
                ("javascript:", "vbscript:", "data:text/html")
            ):
                self.found.append(f"<{tag} {name}={value[:30]!r}>")
        if tag == "meta" and any(n == "http-equiv" and (v or "").lower() == "refresh" for n, v in attrs):
            self.found.append("a meta refresh (http-equiv=refresh)")

    handle_startendtag = handle_starttag


_PAYLOAD = re.compile(r"(data:image/(?:svg\+xml|png|jpeg);base64,)[A-Za-z0-9+/=]+")


def check_self_contained(page: str) -> None:
    """Refuse a page that would load anything from outside (scripts, styles, fonts, images) or run code.

    The page is parsed as a browser would read it, so text that broke out of
    an attribute or element (``"><script>``, ``onerror=``) is caught here even
    if a section forgot to escape it.
    """
    bad = re.search(
        r"<script[^>]*\ssrc=|<link[^>]*\shref=[\"']?(?:https?:)?//|\ssrc=[\"']?(?:https?:)?//"
        r"|@import|url\([\"']?(?:https?:)?//",
        page,
        re.I,
    )
    if bad:
        raise PacketError(f"the packet page would load an outside resource ({page[bad.start() : bad.start() + 60]!r})")
    parser = _ActiveContent()
    # Charts' base64 payloads (most of a page) hold no quote, bracket or space, so they cannot change how
    # the page parses; the parser reads the page without them.
    parser.feed(_PAYLOAD.sub(r"\1", page))
    parser.close()
    if parser.found:
        raise PacketError(
            f"the packet page would run code ({', '.join(parser.found[:3])}); "
            f"some text was not escaped, please report this"
        )


_SHEET: tuple | None = None  # packet.css: (its text, as WeasyPrint parsed it)


def _packet_sheet() -> tuple:
    """packet.css read and parsed by WeasyPrint once per process (the runner's warm-up does it before
    the children are forked), and its text, to find it in a page."""
    global _SHEET
    if _SHEET is None:
        import weasyprint

        text = (TEMPLATES / PACKET_TEMPLATE / "static" / "packet.css").read_text("utf-8").strip()
        _SHEET = (text, weasyprint.CSS(string=text, base_url=str(TEMPLATES)))
    return _SHEET


def html_to_pdf(page: str) -> bytes:
    """PDF of a packet page with WeasyPrint (needs Pango; no browser, no LaTeX).

    Chart labels are printed as whole words (:mod:`.svgtext`), not letter by letter,
    and the packet's style sheet is parsed once, not once a packet.

    The cyclic garbage collector is paused while WeasyPrint works: it makes
    hundreds of thousands of small objects that live until the page is done,
    and the collections that kept walking them took about a twelfth of the
    time. Nothing is leaked: collection resumes afterwards.
    """
    import gc

    import weasyprint

    text, sheet = _packet_sheet()
    sheets = None
    style = re.search(r"<style[^>]*>\s*(.*?)\s*</style>", page, re.S)  # markup-ok: finds the page's style sheet
    if style and style.group(1) == text:  # the page's own style sheet, already parsed: not parsed again
        page, sheets = page[: style.start()] + page[style.end() :], [sheet]
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        with whole_text_runs():
            return weasyprint.HTML(string=page, base_url=str(TEMPLATES)).write_pdf(stylesheets=sheets)
    finally:
        if was_enabled:
            gc.enable()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def task_settings(task: PacketTask) -> Settings:
    """The settings a child builds from its task: the runner read them once, the child never reads the environment."""
    settings = Settings()
    return dataclasses.replace(
        settings, workspace=workspace_dir(task.workspace, settings), database_url=task.database_url or None
    )


def build_packet(task: PacketTask) -> PacketResult:
    """Run the template for one county and export it; never raises (failures come back as a result).

    ``task`` names the county, wave, workspace and database (``database_url``,
    as the runner resolved it), whether to print a PDF, the notebook, and the
    fingerprint to report back.
    """
    papermill = import_papermill()
    from papermill.exceptions import PapermillExecutionError

    from .engine import ENGINE, register_engine

    t0 = time.perf_counter()
    out = PacketResult(county=task.county or "preview", slug=task.slug, fingerprint=task.fingerprint, pid=os.getpid())
    try:
        engine = register_engine()
        params = {"county": task.county, "wave": task.wave, "workspace": task.workspace}
        if task.county is not None:  # a preview (warm-up) makes its own private database
            settings = task_settings(task)
            params.update(workspace=str(settings.workspace), database_url=settings.database_url)
        try:
            nb = papermill.execute_notebook(
                task.notebook or str(NOTEBOOK),
                None,
                parameters=params,
                engine_name=ENGINE,
                kernel_name="python3",
                language="python",
                progress_bar=False,
                log_output=False,
            )
        except PapermillExecutionError as exc:
            first = next((ln for ln in str(exc.source).splitlines() if ln.strip() and not ln.startswith("#")), "")
            out.error = f"{exc.ename}: {exc.evalue}".strip()
            out.cell = f"cell {exc.exec_count} ({first.strip()})"
            return out
        t1 = time.perf_counter()
        packet = (engine.last_namespace or {}).get("packet")
        if isinstance(packet, Packet):
            out.index_row = packet.index_row()
        engine.last_namespace = None
        page = export_html(nb, task.county or "Preview")
        t2, c2 = time.perf_counter(), time.process_time()
        out.html = page.encode("utf-8")
        if task.pdf:
            out.pdf = html_to_pdf(page)
        t3, c3 = time.perf_counter(), time.process_time()
        out.status, out.run_seconds, out.html_seconds = Status.OK, t1 - t0, t2 - t1
        if task.pdf:
            out.pdf_seconds, out.pdf_cpu_seconds = t3 - t2, c3 - c2
    except Exception as exc:  # one county's failure is reported, never raised into the runner
        out.error, out.cell = f"{type(exc).__name__}: {exc}", out.cell or "export"
    finally:
        out.seconds = time.perf_counter() - t0
        out.peak_mb = _peak_mb()
    return out


def forked_child(task: PacketTask, conn, inherited: list, parent_pid: int, lifeline: tuple[int, int]) -> None:
    """Entry of a forked child: build one packet, send the result, exit.

    ``inherited`` are the read ends of this child's own and its siblings' result
    pipes, copied by fork; they are closed first, so that if the parent dies the
    child's write fails at once instead of filling a pipe nobody reads.
    """
    for other in inherited:
        other.close()
    os.close(lifeline[1])
    guard_child(parent_pid, lifeline[0])
    try:
        result = build_packet(task)
        result.peak_mb = _peak_mb()
    except Exception as exc:  # noqa: BLE001 - report anything rather than die silently
        result = PacketResult.failure(task, f"{type(exc).__name__}: {exc}")
    hold(task.hold, f"{task.slug}.child")
    try:
        conn.send(result)
        conn.close()
    except OSError:  # the parent is gone; nobody needs the result
        os._exit(1)


def subprocess_main(argv: list[str]) -> int:
    """``python -m orb_widgets.packets --child FD``: read a task as JSON on stdin, write a pickled result to FD."""
    import pickle

    fd = int(argv[argv.index("--child") + 1])
    guard_child(os.getppid())
    task = PacketTask.model_validate_json(sys.stdin.read())
    result = build_packet(task)
    with os.fdopen(fd, "wb") as fh:
        pickle.dump(result, fh)
    return 0


def run_in_subprocess(task: PacketTask) -> PacketResult:
    """Build one packet in a brand-new Python process (the Dask route: workers may not fork)."""
    import pickle
    import subprocess

    r, w = os.pipe()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "orb_widgets.packets", "--child", str(w)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(w,),
            cwd=str(ROOT),
        )
    finally:
        os.close(w)
    proc.stdin.write(task.model_dump_json().encode())
    proc.stdin.close()
    with os.fdopen(r, "rb") as fh:
        data = fh.read()
    code = proc.wait()
    if not data:
        return PacketResult.failure(task, f"the packet process ended unexpectedly (exit code {code})")
    return pickle.loads(data)
