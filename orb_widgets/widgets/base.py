"""Pieces every workbook page shares.

* :class:`WorkbookContext` — the county a page works on, fixed when the page
  opens (from the notebook's parameters cell), never from a value the browser
  can set; plus the "Your name" field every save is signed with.
* :class:`Autosave` — debounced saving (about one second after the last
  keystroke) without threads, with :meth:`Autosave.flush` and an injectable
  clock and scheduler so tests never wait.
* :class:`EntryEditor` — one saved workbook entry with its status line
  ("Saved · by Ana at 14:05"), teammate-safe saving (a three-way merge when a
  teammate saved in between; the person's text is never dropped) and
  server-side validation through :func:`orb_widgets.workbook.save`.
* :func:`merge3`, :func:`section_header`, :func:`download_link`, :func:`esc`.
"""
from __future__ import annotations

import asyncio
import atexit
import base64
import copy
import datetime as dt
import html
import time
import weakref
from collections.abc import Callable
from pathlib import Path

import ipywidgets as w

from .. import workbook
from ..content import Framework, load_framework
from ..exceptions import InvalidValue, OrbError, StaleEdit
from ..paths import slugify
from ..settings import Settings
from ..store import Store

DELAY = 1.0          # seconds of quiet before an edit is saved
NAME_MAX = 200
WIDE = w.Layout(width="100%", max_width="980px")
LABEL_STYLE = {"description_width": "initial"}


def esc(text) -> str:
    """HTML-escape anything a person typed before it goes into an HTML widget."""
    return html.escape("" if text is None else str(text), quote=True)


def when(stamp: dt.datetime | None) -> str:
    """'14:05' today, '14:05 on 2 Mar' on another day, in the machine's local time."""
    if stamp is None:
        return ""
    if stamp.tzinfo is None:  # the store keeps UTC; SQLite hands it back without a zone
        stamp = stamp.replace(tzinfo=dt.timezone.utc)
    local = stamp.astimezone()
    text = local.strftime("%H:%M")
    if local.date() != dt.datetime.now(local.tzinfo).date():
        text += f" on {local.day} {local.strftime('%b %Y')}"
    return text


# ------------------------------------------------------------------ look
CSS = """
<style>
.orb-page{font-family:"Source Sans Pro","Segoe UI",Arial,sans-serif;color:#1d2733;max-width:980px}
.orb-head{border-left:6px solid #17456b;padding:.35em .9em;margin:1.2em 0 .6em;background:#f3f6f9}
.orb-head h2{margin:.1em 0;font-size:1.35em;color:#17456b}
.orb-head p{margin:.2em 0 .3em;font-size:1em;line-height:1.4}
.orb-status{font-size:.92em;color:#3d5a3d;padding:.2em 0}
.orb-status.warn{color:#8a4b00;background:#fff6e5;border:1px solid #e9b96e;padding:.5em .7em;border-radius:4px}
.orb-status.err{color:#9b1c1c;background:#fdecec;border:1px solid #e4a3a3;padding:.5em .7em;border-radius:4px}
.orb-status.idle{color:#5a6b7b}
.orb-note{color:#5a6b7b;font-size:.92em;line-height:1.4}
.orb-demo{background:#fff6e5;border:1px solid #e9b96e;padding:.4em .8em;border-radius:4px;font-size:.92em}
.orb-table{border-collapse:collapse;margin:.4em 0;font-size:.95em}
.orb-table th,.orb-table td{border:1px solid #c9d3dd;padding:4px 8px;text-align:left;vertical-align:top}
.orb-table thead th{background:#e8eef4}
.orb-hidden{color:#5a6b7b;font-style:italic}
.orb-check a,.orb-status a{color:#1f5f8b;text-decoration:underline}
.orb-check{list-style:none;padding-left:0} .orb-check li{margin:.25em 0}
.orb-done{color:#2e6b2e;font-weight:600} .orb-todo{color:#8a4b00;font-weight:600}
.orb-prompt{font-size:1.15em;background:#f3f6f9;padding:.6em .8em;border-radius:4px;margin:.3em 0}
.orb-timer{font-size:1.4em;font-weight:600;color:#17456b}
.orb-timer.up{color:#9b1c1c}
.orb-stacked > label.widget-label{font-weight:600;max-width:none;text-align:left;margin-bottom:2px;width:auto}
.orb-stacked > textarea{width:100%}
</style>
"""


def section_header(title: str, intro: str = "") -> w.HTML:
    """A consistent heading for a part of a page, with a line of plain guidance."""
    body = f"<div class='orb-head'><h2>{esc(title)}</h2>"
    if intro:
        body += f"<p>{esc(intro)}</p>"
    return w.HTML(CSS + body + "</div>")


def note(text: str) -> w.HTML:
    return w.HTML(f"<div class='orb-note'>{esc(text)}</div>")


def download_link(file_name: str, data: str | bytes, mime: str, label: str) -> str:
    """An HTML link that downloads ``data`` from the page itself (works in voila and Lab)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    b64 = base64.b64encode(raw).decode("ascii")
    return (f"<a download='{esc(file_name)}' href='data:{mime};base64,{b64}' "
            f"style='margin-right:1.2em'>&#11015; {esc(label)}</a>")


def text_area(label: str, placeholder: str = "", rows: int = 3, help: str = "") -> w.Textarea:
    """A text box with its label above it (the label is the widget's own, so screen readers get it)."""
    box = w.Textarea(description=label, placeholder=placeholder or help, tooltip=help or label, rows=rows,
                     layout=w.Layout(width="100%", max_width="900px", flex_flow="column",
                                     align_items="stretch"),
                     style={"description_width": "auto"})
    box.add_class("orb-stacked")
    return box


def text_box(label: str, placeholder: str = "", width: str = "420px") -> w.Text:
    return w.Text(description=label, placeholder=placeholder, tooltip=label,
                  layout=w.Layout(width=width), style=LABEL_STYLE)


def button(label: str, tooltip: str = "", style: str = "", icon: str = "") -> w.Button:
    return w.Button(description=label, tooltip=tooltip or label, button_style=style, icon=icon,
                    layout=w.Layout(width="auto", align_self="flex-start"))


# ------------------------------------------------------------------ who and where
def remembered_name(settings: Settings | None = None) -> str:
    """The name typed last time on this computer account (``$ORB_USER`` wins)."""
    settings = settings or Settings.from_env()
    if settings.user:
        return settings.user[:NAME_MAX]
    if not settings.remember_name:
        return ""  # a shared server: never show the last visitor's name to the next one
    try:
        return settings.name_file.read_text("utf-8").strip()[:NAME_MAX]
    except OSError:
        return ""


def remember_name(name: str, settings: Settings | None = None) -> None:
    settings = settings or Settings.from_env()
    if not settings.remember_name:
        return
    try:
        path = settings.name_file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name.strip()[:NAME_MAX], "utf-8")
    except OSError:
        pass  # remembering is a convenience; never stop anyone working over it


class PageRefused(OrbError):
    """A served page asked for something it may not open; the page shows why instead of its content."""

    def _render_traceback_(self):  # IPython shows this one line instead of a traceback
        return [f"orb: {self}"]


class WorkbookContext(w.VBox):
    """The county this page works on, and who is typing.

    ``store``, ``county``, ``framework`` and ``wave`` are plain read-only
    attributes, not traits: nothing the browser sends can move a page to
    another county or workspace. The county belongs to this page (its
    parameters cell or its address), never to the workspace.
    """

    def __init__(self, store: Store, county: str, wave: str | None = None, user: str | None = None,
                 remember: bool = True, settings: Settings | None = None):
        c = store.county(county)  # UnknownCounty names the ones that exist
        self._settings = settings or Settings.from_env()
        self._store, self._county = store, c.name
        self._framework_id = c.framework
        self._wave = wave or None
        self._remember = remember
        name = user if user is not None else remembered_name(self._settings)
        self.name_box = w.Text(value=name[:NAME_MAX],
                               description="Your name", placeholder="so teammates see who changed what",
                               tooltip="Your name is saved with every change you make",
                               layout=w.Layout(width="420px"), style=LABEL_STYLE)
        self.name_box.observe(self._name_changed, "value")
        demo = store.get_meta("demo")
        fw = self.framework
        start = self._settings.page_link("01-start-here.ipynb", self._county, self._wave or "")
        change = ("" if self._settings.locked else
                  f" · <a href='{esc(start)}'>another county or step</a>")
        top = (f"<div class='orb-page'><div style='font-size:1.05em'><b>{esc(self._county)}</b>"
               f" · {esc(fw.title) if fw else 'no assessment chosen yet'}"
               + (f" · survey round {esc(self._wave)}" if self._wave else "")
               + (change if self._settings.served else "") + "</div>")
        if demo:
            top += f"<div class='orb-demo' role='note'>{esc(demo)}</div>"
        super().__init__([w.HTML(CSS + top + "</div>"), self.name_box])

    @classmethod
    def from_workspace(cls, workspace=None, county: str = "", wave: str = "", user: str | None = None,
                       settings: Settings | None = None, **kw) -> "WorkbookContext":
        """Open a workspace (folder, or ``None`` for the settings' one) on a county.

        The county is the argument, else the page address's ``county`` (served
        pages), else the server's; an empty one means the workspace's first
        county, so a page opened without parameters still shows something.
        """
        settings = (settings or Settings.from_env()).with_(workspace=workspace or None)
        county, wave = settings.page_target(county or "", wave or "")
        store = Store.open(settings.workspace, create=False)
        if not county:
            names = [c.name for c in store.counties()]
            if not names:
                raise OrbError("this workspace has no counties yet: open '01 Start here' and add one")
            county = names[0]
        return cls(store, county, wave or None, user, settings=settings, **kw)

    # Plain properties without setters: the browser has no way to change them.
    store = property(lambda self: self._store)
    county = property(lambda self: self._county)
    wave = property(lambda self: self._wave)
    settings = property(lambda self: self._settings)

    @property
    def framework(self) -> Framework | None:
        fid = self._framework_id
        if fid is None:
            try:
                fid = self._store.current_instrument(self._county).framework
            except OrbError:
                return None
        return load_framework(fid)

    @property
    def user(self) -> str:
        return self.name_box.value.strip()[:NAME_MAX]

    def _name_changed(self, change) -> None:
        if self._remember and change["new"].strip():
            remember_name(change["new"], self._settings)

    def export_dir(self) -> Path:
        """Where exports are written: ``<workspace>/exports/<county>/``."""
        import tempfile

        base = self._store.folder or Path(tempfile.gettempdir()) / "orb-workbook"
        return base / "exports" / slugify(self._county)


def open_county(workspace=None, county: str = "", wave: str = "", user: str | None = None,
                **kw) -> WorkbookContext:
    """The context a notebook's parameters cell asks for; see :meth:`WorkbookContext.from_workspace`.

    This is where a served page starts, so the settings are read here, once.
    A county the page may not open (unknown, or not the one a locked server
    serves) shows one plain line on the page, then stops it.
    """
    settings = kw.pop("settings", None) or Settings.from_env()
    try:
        return WorkbookContext.from_workspace(workspace, county, wave, user, settings=settings, **kw)
    except OrbError as exc:
        if not settings.served:
            raise
        from IPython.display import HTML, display

        display(HTML(CSS + f"<div class='orb-page orb-refused'><div class='orb-status err' role='alert'>"
                     f"This page cannot open: {esc(exc)}</div></div>"))
        raise PageRefused(str(exc)) from None


# ------------------------------------------------------------------ debounced saving
def _loop_scheduler(delay: float, callback: Callable[[], None]):
    """Run ``callback`` after ``delay`` on the kernel's event loop (no thread).

    Outside a running loop (a plain script) there is nothing to wait on:
    returns ``None`` and :class:`Autosave` saves at once, the safe choice.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return None
    return loop.call_later(delay, callback)


#: Every autosave in this process with edits that may still be waiting (see :func:`flush_all`).
_LIVE: "weakref.WeakSet[Autosave]" = weakref.WeakSet()


def flush_all() -> int:
    """Save every pending edit in this process now; returns how many were saved.

    Runs when the interpreter exits, which is how a served page's kernel ends
    when its page is closed (the server shuts idle kernels down), so an edit
    typed just before closing the tab is not lost to the debounce delay.
    """
    saved = 0
    for autosave in list(_LIVE):
        if autosave.pending:
            try:
                autosave.flush()
                saved += 1
            except Exception:  # one failing save must not stop the others at exit
                pass
    return saved


atexit.register(flush_all)


class Autosave:
    """Call ``save`` once edits have been quiet for ``delay`` seconds.

    ``touch()`` after each edit; ``flush()`` saves now if anything is pending.
    ``scheduler(delay, callback)`` returns a handle with ``cancel()``; tests
    pass one that just records the callback, and a fake ``clock``. Pending
    edits are also saved when the editor closes and when the kernel exits.
    """

    def __init__(self, save: Callable[[], None], delay: float = DELAY,
                 scheduler: Callable | None = None, clock: Callable[[], float] = time.monotonic):
        self._save, self.delay = save, delay
        self._scheduler = scheduler or _loop_scheduler
        self._clock = clock
        self._handle = None
        self._due: float | None = None
        self.pending = False
        _LIVE.add(self)

    def touch(self) -> None:
        self.pending = True
        self._due = self._clock() + self.delay
        if self._handle is None:
            self._handle = self._scheduler(self.delay, self._wake)
            if self._handle is None and self._scheduler is _loop_scheduler:
                self.flush()

    def _wake(self) -> None:
        self._handle = None
        if not self.pending:
            return
        left = (self._due or 0) - self._clock()
        if left > 0.01:  # typed again meanwhile: wait for the rest of the quiet time
            self._handle = self._scheduler(left, self._wake)
            if self._handle is not None or self._scheduler is not _loop_scheduler:
                return
        self.flush()

    def flush(self) -> None:
        if self._handle is not None:
            try:
                self._handle.cancel()
            except Exception:
                pass
            self._handle = None
        if self.pending:
            self.pending = False
            self._save()


# ------------------------------------------------------------------ merging teammates' edits
_CONFLICT = object()


def merge3(base, mine, theirs):
    """Merge two people's edits of the same entry made from ``base``.

    Returns ``(merged, conflicts)`` where ``conflicts`` lists the paths both
    changed differently; at those paths ``merged`` holds ``mine``.

    >>> merge3({"a": "x", "b": "y"}, {"a": "me", "b": "y"}, {"a": "x", "b": "you"})
    ({'a': 'me', 'b': 'you'}, [])
    """
    conflicts: list[str] = []

    def walk(b, m, t, path):
        if m == t:
            return copy.deepcopy(m)
        if m == b:
            return copy.deepcopy(t)
        if t == b:
            return copy.deepcopy(m)
        if isinstance(m, dict) and isinstance(t, dict):
            b = b if isinstance(b, dict) else {}
            out = {}
            for k in list(m) + [k for k in t if k not in m]:
                if k not in m and k in b:      # I deleted it
                    if t.get(k) != b.get(k):
                        conflicts.append(f"{path}{k}")
                    continue
                if k not in t and k in b:      # they deleted it
                    if m.get(k) != b.get(k):
                        out[k] = copy.deepcopy(m[k])
                        conflicts.append(f"{path}{k}")
                    continue
                out[k] = walk(b.get(k), m.get(k), t.get(k), f"{path}{k}.")
            return out
        if isinstance(m, list) and isinstance(t, list):
            b = b if isinstance(b, list) else []
            if len(m) == len(t) == len(b):
                return [walk(x, y, z, f"{path}{n}.") for n, (x, y, z) in enumerate(zip(b, m, t))]
            # both grew the same list from the same start: keep both sets of additions
            if b == m[:len(b)] == t[:len(b)]:
                return copy.deepcopy(t) + [x for x in m[len(b):] if x not in t[len(b):]]
        conflicts.append(path.rstrip(".") or "entry")
        return copy.deepcopy(m)

    merged = walk(base, mine, theirs, "")
    return merged, conflicts


# ------------------------------------------------------------------ one saved entry
class StatusLine(w.HTML):
    """'Saved · by Ana at 14:05', 'Not saved yet …', or a clear problem message."""

    def __init__(self):
        super().__init__(value="")
        self.kind = "idle"

    def show(self, text: str, kind: str = "ok") -> None:
        self.kind = kind
        cls = {"ok": "", "warn": " warn", "err": " err", "idle": " idle"}[kind]
        role = " role='alert'" if kind in ("warn", "err") else " role='status'"
        self.value = f"<div class='orb-status{cls}'{role}>{text}</div>"

    @property
    def text(self) -> str:
        """The message as plain text (what a person reads)."""
        import re

        return html.unescape(re.sub(r"<[^>]+>", "", self.value))


class EntryEditor(w.VBox):
    """Edits one workbook entry (``kind``/``key``) and saves it as the person types.

    Subclasses build their controls, then call :meth:`_start` with them; they
    implement :meth:`collect` (controls → body dict) and :meth:`fill`
    (body dict → controls). Every control passed to :meth:`watch` autosaves.
    """

    kind: str = ""

    def __init__(self, ctx: WorkbookContext, key: str, children=(), delay: float = DELAY,
                 scheduler=None, clock=time.monotonic, **kw):
        self.ctx, self.key = ctx, key
        self.status = StatusLine()
        self.autosave = Autosave(self.save_now, delay, scheduler, clock)
        self._filling = False
        self._base: dict | None = None
        self._version: int | None = None
        self._theirs = None
        self.keep_mine = button("Keep my version", "Save what you typed; the teammate's version stays in the history",
                                "warning")
        self.use_theirs = button("Show their version instead", "Replace what is on screen with the teammate's "
                                 "saved version (yours stays in the history only if it was saved)")
        self.keep_mine.on_click(lambda _: self._resolve(mine=True))
        self.use_theirs.on_click(lambda _: self._resolve(mine=False))
        self.conflict_box = w.HBox([self.keep_mine, self.use_theirs], layout=w.Layout(display="none"))
        super().__init__(list(children) + [self.status, self.conflict_box], **kw)

    # -- to implement
    def collect(self) -> dict:
        raise NotImplementedError

    def fill(self, body: dict) -> None:
        raise NotImplementedError

    def default(self) -> dict:
        return {}

    # -- wiring
    def watch(self, *controls) -> None:
        for c in controls:
            c.observe(self._edited, "value")

    def _edited(self, _change=None) -> None:
        if self._filling:
            return
        if self.status.kind != "warn":
            self.status.show("Not saved yet: saving in a moment…", "idle")
        self.autosave.touch()

    def load(self) -> None:
        """Show what is saved (or the starting values) and who saved it last."""
        doc = self.ctx.store.get_doc(self.ctx.county, self.kind, self.key)
        body = doc.body if doc is not None and not doc.body.get("_deleted") else None
        self._version = doc.version if doc is not None else None
        self._fill(body if body is not None else self.default())
        # The merge base is what this person saw when the page opened.
        self._base = copy.deepcopy(body) if body is not None else self._on_screen()
        if doc is not None:
            self.status.show(self._saved_text(doc))
        else:
            self.status.show("Nothing saved yet. What you type is saved as you go.", "idle")

    def _on_screen(self) -> dict | None:
        try:
            return workbook.validate(self.kind, self.collect()).model_dump(mode="json")
        except Exception:
            return None

    def _fill(self, body: dict) -> None:
        self._filling = True
        try:
            self.fill(body)
        finally:
            self._filling = False

    def _saved_text(self, doc) -> str:
        return f"Saved · by {esc(doc.updated_by)} at {esc(when(doc.updated_at))}"

    def _saved_text_now(self) -> str:
        doc = self.ctx.store.get_doc(self.ctx.county, self.kind, self.key)
        return self._saved_text(doc) if doc else ""

    @property
    def version(self) -> int | None:
        return self._version

    def flush(self) -> None:
        """Save pending edits now (tests, and before leaving a page)."""
        self.autosave.flush()

    def close(self) -> None:
        """Save what is still waiting, then close the controls."""
        self.autosave.flush()
        super().close()

    def save_now(self) -> bool:
        """Save what is on screen; returns whether it was stored."""
        try:
            body = self.collect()
        except InvalidValue as exc:
            self.status.show(f"Not saved: {esc(exc)}. Your text is still here; correct it and it saves.", "err")
            return False
        return self.save_body(body)

    def save_body(self, body: dict, expected: int | None | str = "mine") -> bool:
        expected_version = self._version if expected == "mine" else expected
        store, county, user = self.ctx.store, self.ctx.county, self.ctx.user or "someone (no name given)"
        try:
            doc = workbook.save(store, county, self.kind, self.key, body, user,
                                expected_version=expected_version if expected_version is not None else 0)
        except StaleEdit:
            return self._stale(body)
        except InvalidValue as exc:
            self.status.show(f"Not saved: {esc(exc)}. Your text is still here; correct it and it saves.", "err")
            return False
        except OrbError as exc:
            self.status.show(f"Not saved: {esc(exc)}. Your text is still here.", "err")
            return False
        self._saved(doc)
        return True

    def _saved(self, doc) -> None:
        self._version = doc.version
        self._base = copy.deepcopy(doc.body)
        self._theirs = None
        self.conflict_box.layout.display = "none"
        hint = "" if self.ctx.user else " · add your name above so teammates know who changed this"
        self.status.show(self._saved_text(doc) + hint)
        self.after_save(doc)

    def after_save(self, doc) -> None:
        """Hook: refresh summaries that depend on the saved entry."""

    def _stale(self, mine: dict) -> bool:
        theirs = self.ctx.store.get_doc(self.ctx.county, self.kind, self.key)
        if theirs is None:
            return self.save_body(mine, expected=None)
        base = self._base if self._base is not None else self.default()
        merged, conflicts = merge3(base, workbook.validate(self.kind, mine).model_dump(mode="json"),
                                   theirs.body)
        if not conflicts:
            ok = self.save_body(merged, expected=theirs.version)
            if ok:
                self._fill(merged)
                self.status.show(f"{self.status.value and self._saved_text_now()} · merged with "
                                 f"{esc(theirs.updated_by)}'s changes from {esc(when(theirs.updated_at))}")
            return ok
        self._theirs = theirs
        self.conflict_box.layout.display = "flex"
        self.status.show(
            f"Not saved: {esc(theirs.updated_by)} changed the same part ({esc(', '.join(conflicts[:3]))}) at "
            f"{esc(when(theirs.updated_at))} while you were typing. Your text is still here. Choose "
            f"“Keep my version” to save yours (theirs stays in the history), or look at theirs first.", "warn")
        return False

    def _resolve(self, mine: bool) -> None:
        theirs = self._theirs
        if theirs is None:
            return
        if mine:
            self.save_body(self.collect(), expected=theirs.version)
            return
        # Keep what this person typed in the history before showing the teammate's version.
        try:
            user = self.ctx.user or "someone (no name given)"
            kept = workbook.save(self.ctx.store, self.ctx.county, self.kind, self.key, self.collect(), user,
                                 expected_version=theirs.version)
            doc = workbook.save(self.ctx.store, self.ctx.county, self.kind, self.key, theirs.body, user,
                                expected_version=kept.version)
        except OrbError as exc:
            self.status.show(f"Not changed: {esc(exc)}. Your text is still here.", "err")
            return
        self._fill(theirs.body)
        self._saved(doc)
        self.status.show(f"Showing {esc(theirs.updated_by)}'s version. Yours is kept in the history "
                         f"(version {kept.version}).")


def chart(ax, alt: str, width: int = 760) -> str:
    """A figure as an ``<img>`` with alternative text (screen readers read ``alt``)."""
    from ..plots import to_png

    from markupsafe import Markup

    b64 = base64.b64encode(to_png(ax)).decode("ascii")
    return Markup("<img src='data:image/png;base64,{}' alt='{}' style='max-width:100%;width:{}px;height:auto'>"
                  ).format(b64, alt, int(width))


# ------------------------------------------------------------------ pick an entry or start one
class EntryChooser(w.VBox):
    """Pick one of a county's saved entries of ``kind`` or start a new one, and edit it below.

    Subclasses set the wording and say how an entry is labelled
    (:meth:`option_label`), what a new one holds (:meth:`new_body`) and which
    editor opens it (:meth:`make_editor`).
    """

    kind = ""
    choose_label = "Entry"
    choose_tooltip = "Open a saved entry"
    new_label, new_placeholder = "New title", ""
    new_button_label, new_button_tooltip = "Start a new one", ""
    header_title, header_text = "", ""
    empty_text = "Nothing here yet."
    default_title = "Untitled"
    key_prefix = ""
    newest_first = False  # which entry opens when the page opens

    def __init__(self, ctx: WorkbookContext, **editor_kw):
        self.ctx, self._editor_kw = ctx, editor_kw
        self.choice = w.Dropdown(description=self.choose_label, style=LABEL_STYLE,
                                 layout=w.Layout(width="520px"), tooltip=self.choose_tooltip)
        self.new_title = text_box(self.new_label, self.new_placeholder, width="460px")
        self.new_button = button(self.new_button_label, self.new_button_tooltip, "primary", "plus")
        self.new_button.on_click(lambda _: self.new_entry(self.new_title.value))
        self.editor_box = w.VBox()
        self.editor = None
        super().__init__([section_header(self.header_title, self.header_text),
                          w.HBox([self.choice]), w.HBox([self.new_title, self.new_button]), self.editor_box])
        self._load_choices()
        self.choice.observe(lambda c: self.show_entry(c["new"]), "value")
        self.show_entry(self.choice.value)

    def option_label(self, entry) -> str:
        return entry.title

    def new_body(self, title: str) -> dict:
        raise NotImplementedError

    def make_editor(self, key: str):
        raise NotImplementedError

    def _load_choices(self, select: str | None = None) -> None:
        docs = workbook.load_all(self.ctx.store, self.ctx.county, self.kind)
        opts = [(self.option_label(entry), key) for key, entry in docs.items()]
        self.choice.options = opts
        if select is None and opts:
            select = opts[-1][1] if self.newest_first else opts[0][1]
        self.choice.value = select

    def new_entry(self, title: str) -> str:
        """Save a new entry titled ``title`` and open it; returns its key."""
        title = (title or "").strip()[:200] or self.default_title
        existing = {k for _, k in self.choice.options}
        stem = f"{self.key_prefix}{slugify(title)[:50]}"
        key, n = stem, 1
        while key in existing:
            n += 1
            key = f"{stem}-{n}"
        workbook.save(self.ctx.store, self.ctx.county, self.kind, key, self.new_body(title),
                      self.ctx.user or "someone (no name given)")
        self.new_title.value = ""
        self._load_choices(select=key)
        return key

    def show_entry(self, key: str | None) -> None:
        if self.editor is not None:
            self.editor.flush()
        if not key:
            self.editor, self.editor_box.children = None, (note(self.empty_text),)
            return
        self.editor = self.make_editor(key)
        self.editor_box.children = (self.editor,)

    def flush(self) -> None:
        if self.editor is not None:
            self.editor.flush()

    def close(self) -> None:
        self.flush()
        super().close()
