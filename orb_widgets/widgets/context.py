"""Which county a page works on, and who is typing.

* :class:`WorkbookContext` — the county a page works on, fixed when the page
  opens (from the notebook's parameters cell or the page address), never from
  a value the browser can set; plus the "Your name" field every save is signed
  with. On a locked server the county is the server's and no other opens.
* :func:`open_county` — where a served page starts: the kernel's application
  object is built here from the settings, once (:func:`page_app`), and a
  county the page may not open shows one plain line instead.
* :func:`page_settings` — the settings of a page; a page run in a preheated
  kernel (started before anyone asked for it) waits here for its request
  and takes the county from that request's address, never from anything
  the kernel saw before.
* :func:`remembered_name` / :func:`remember_name` — the name typed last time
  on this computer account (never on a shared server).
"""

from __future__ import annotations

from pathlib import Path

import ipywidgets as w

from ..app import App
from ..content import Framework, Words, framework_words, load_framework
from ..exceptions import OrbError
from ..paths import slugify
from ..settings import NoRequest, Settings
from ..store import Store
from .controls import NAME_MAX, field
from .style import refused, styled

#: This kernel's application object, built by the first page call (see :func:`page_app`).
_kernel_app: App | None = None


def page_app(workspace=None, settings: Settings | None = None, warm=None) -> App:
    """The application object a page works with: a page call is its kernel's entry point.

    The first page call in a kernel builds it from the environment, once
    (in a preheated kernel, once its request has arrived: :func:`page_settings`,
    with ``warm`` run while it waits); later calls reuse it. ``settings``
    (tests, scripts) stand in for the environment; ``workspace`` (the
    notebook's parameter) replaces the settings' workspace folder.
    """
    global _kernel_app
    if settings is None:
        if _kernel_app is None:
            _kernel_app = App(page_settings(None, warm))
        app = _kernel_app
    else:
        app = App(settings)
    return app.with_(workspace=workspace or None)


def remembered_name(settings: Settings) -> str:
    """The name typed last time on this computer account (``$ORB_USER`` wins)."""
    if settings.user:
        return settings.user[:NAME_MAX]
    if not settings.remember_name:
        return ""  # a shared server: never show the last visitor's name to the next one
    try:
        return settings.name_file.read_text("utf-8").strip()[:NAME_MAX]
    except OSError:
        return ""


def remember_name(name: str, settings: Settings) -> None:
    if not settings.remember_name:
        return
    try:
        path = settings.name_file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name.strip()[:NAME_MAX], "utf-8")
    except OSError:
        pass  # remembering is a convenience; never stop anyone working over it


def page_settings(settings: Settings | None = None, warm=None) -> Settings:
    """The settings a page works with; in a preheated kernel, once its request has arrived.

    ``orb serve`` keeps a few kernels per step started ahead of time (voila's
    preheated kernels): each has run its notebook up to here, imports done,
    before anyone opens the page, and waits here for the request that takes
    it (:meth:`Settings.after_request`); the county and the lock checks are
    then exactly those of a kernel started for the request. ``warm``
    (settings → None) runs before the wait: work that needs no county.
    Given ``settings`` are returned as they are (tests, JupyterLab).
    """
    if settings is not None:
        return settings
    try:
        return Settings.after_request(warm)
    except NoRequest as exc:
        raise PageRefused(str(exc)) from None


def warm_page(settings: Settings) -> None:
    """What every county page needs before it knows its county: the database open, the style sheet,
    the content packs and the page templates read (a preheated kernel does it while nobody waits)."""
    from ..content import pack_dirs
    from .style import style

    App(settings).store.counties()
    style()
    for fid in pack_dirs():
        load_framework(fid)
    from .. import cache

    cache.warm()


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

    def __init__(
        self,
        store: Store,
        county: str,
        wave: str | None = None,
        user: str | None = None,
        remember: bool = True,
        settings: Settings | None = None,
    ):
        c = store.county(county)  # UnknownCounty names the ones that exist
        self._settings = settings or Settings()
        self._store, self._county = store, c.name
        self._framework_id = c.framework
        self._wave = wave or None
        self._remember = remember
        name = user if user is not None else remembered_name(self._settings)
        self.name_box = field(
            w.Text(
                value=name[:NAME_MAX],
                description="Your name",
                placeholder="so teammates see who changed what",
                tooltip="Your name is saved with every change you make",
            ),
            "medium",
        )
        self.name_box.observe(self._name_changed, "value")
        fw = self.framework
        start = self._settings.page_link("01-start-here.ipynb", self._county, self._wave or "")
        change = start if self._settings.served and not self._settings.locked else ""
        top = styled(
            "widget_context.html.j2",
            county=self._county,
            framework=fw.title if fw else "",
            wave=self._wave or "",
            change=change,
            words=self.words,
            demo=store.get_meta("demo") or "",
        )
        super().__init__([top, self.name_box])

    @classmethod
    def from_workspace(
        cls,
        workspace=None,
        county: str = "",
        wave: str = "",
        user: str | None = None,
        settings: Settings | None = None,
        **kw,
    ) -> "WorkbookContext":
        """Open a workspace (folder, or ``None`` for the settings' one) on a county.

        ``settings`` default to the kernel's (:func:`page_app`).

        The county is the argument, else the page address's ``county`` (served
        pages), else the server's; an empty one means the workspace's first
        county, so a page opened without parameters still shows something.
        """
        app = page_app(workspace, settings)
        settings = app.settings
        county, wave = settings.page_target(county or "", wave or "")
        store = app.store
        if not county:
            names = [c.name for c in store.counties()]
            if not names:
                raise OrbError("this workspace has no workbooks yet: open '01 Start here' and add one")
            county = names[0]
        return cls(store, county, wave or None, user, settings=settings, **kw)

    # Plain properties without setters: the browser has no way to change them.
    store = property(lambda self: self._store)
    county = property(lambda self: self._county)
    wave = property(lambda self: self._wave)
    settings = property(lambda self: self._settings)

    def _fid(self) -> str | None:
        """The county's framework id (from its survey when the county has none of its own), or None."""
        if self._framework_id is not None:
            return self._framework_id
        try:
            return self._store.current_instrument(self._county).framework
        except OrbError:
            return None

    @property
    def framework(self) -> Framework | None:
        fid = self._fid()
        return load_framework(fid) if fid is not None else None

    @property
    def words(self) -> Words:
        """What this page's framework calls the unit, its team and its coordinator."""
        return framework_words(self._fid())

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


def open_county(workspace=None, county: str = "", wave: str = "", user: str | None = None, **kw) -> WorkbookContext:
    """The context a notebook's parameters cell asks for; see :meth:`WorkbookContext.from_workspace`.

    This is where a served page starts (:func:`page_app`: the kernel's
    application object is built on the first call). A county the page may
    not open (unknown, or not the one a locked server serves) shows one plain
    line on the page, then stops it.
    """
    try:
        app = page_app(workspace, kw.pop("settings", None), warm=kw.pop("warm", warm_page))
    except PageRefused as exc:
        from IPython.display import HTML, display

        display(HTML(refused(exc).value))
        raise
    settings = app.settings
    try:
        return WorkbookContext.from_workspace(workspace, county, wave, user, settings=settings, **kw)
    except OrbError as exc:
        if not page_app(settings=settings).settings.served:
            raise
        from IPython.display import HTML, display

        display(HTML(refused(exc).value))
        raise PageRefused(str(exc)) from None
