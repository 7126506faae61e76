"""The packet page on each person's hub server: ``<server>/orb/packets``.

A jupyter_server extension (loaded by :mod:`.singleuser`) with three routes:

* ``GET orb/packets`` — each county's packet: built when, for which wave,
  up to date or out of date, with links to open it and download its PDF; for
  a coordinator also the statewide overview and the buttons that build all
  packets or one county's. While a build runs the page says how far it got
  and reloads itself now and then (a plain ``meta`` refresh, no script).
* ``POST orb/packets/build`` — start a build (:mod:`.packet_build`):
  coordinators only, with the server's XSRF check, one build at a time.
* ``GET orb/packets/<file>`` — a packet's HTML or PDF, or the overview.

A county team member's server is locked to their county (``ORB_LOCKED``):
their page lists their own county's packet only, they cannot build, and the
only files they can open are their county's HTML and PDF. File names are
looked up in the runner's manifest, never joined to a path from a request.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools

import jinja2
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from markupsafe import Markup
from tornado import web
from traitlets import Unicode
from traitlets.config import Configurable

from .. import templating
from ..app import App
from ..exceptions import OrbError
from ..format import moment
from ..settings import Settings
from . import packet_build

#: The follow-through table's orders (``?sort=``), as :func:`orb_widgets.packets.index.sort_follow_through` takes them;
#: kept here too so the page loads no packet code until it has a table to show.
FOLLOW_SORTS = ("overdue", "county", "last", "done")

#: The authorizer's name for this page (orb_widgets.hub.singleuser.ALLOWED lets it through).
RESOURCE = "orb_packets"
PATH = "orb/packets"
#: Seconds between reloads of the page while a build runs.
REFRESH = 5

#: Packet files are self-contained pages: no scripts, nothing fetched, not framed elsewhere.
FILE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
        "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
STATES = {
    "none": "Not built yet",
    "current": "Up to date",
    "stale": "Out of date: answers or notes changed since it was built",
    "failed": "The last build failed",
    "building": "Being built now…",
}


class PacketPageConfig(Configurable):
    """The packet page's part of the server's configuration (:func:`orb_widgets.hub.singleuser.server_config`)."""

    logout_url = Unicode("", help="The hub's log-out address, linked from the page; empty: no link.").tag(config=True)


@functools.lru_cache(maxsize=None)
def _env() -> jinja2.Environment:
    return templating.environment(templating.HUB, trim=True, globals={"when": moment})


class PacketHandler(JupyterHandler):
    """What the packet routes share: who may see which county."""

    auth_resource = RESOURCE

    def initialize(self, orb: Settings, logout: str = "", app: App | None = None):
        self.orb, self.logout = orb, logout
        self.app = app or App(orb)

    @property
    def coordinator(self) -> bool:
        return not self.orb.locked

    def own_counties(self) -> list[str]:
        """The counties this person works on: every county for a coordinator, else their own."""
        if not self.coordinator:
            return [self.orb.county]
        return [c.name for c in self.app.store.counties()]

    def words(self):
        """What the page calls a unit: the person's own unit's framework, else the workspace's."""
        from ..progress import workspace_words

        return workspace_words(self.app.store, "" if self.coordinator else self.orb.county)

    def set_default_headers(self):
        super().set_default_headers()
        self.set_header("Cache-Control", "no-store")

    def write_error(self, status_code, **kwargs):
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(
            {403: "This page is not open to you.\n", 404: "There is no such packet here.\n"}.get(
                status_code, "Something went wrong on our side; please try again in a minute.\n"
            )
        )


class PacketPage(PacketHandler):
    @web.authenticated
    @authorized
    async def get(self):
        loop = asyncio.get_running_loop()
        counties = await loop.run_in_executor(None, self.own_counties)
        build = packet_build.read_build(packet_build.packets_dir(self.orb))
        rows = await loop.run_in_executor(None, packet_build.county_packets, self.orb, counties, build)
        sort = self.get_argument("sort", "overdue")
        sort = sort if sort in FOLLOW_SORTS else "overdue"
        follow = []
        if self.coordinator:
            today = dt.date.today()
            follow = await loop.run_in_executor(None, packet_build.follow_through, self.orb, counties, today, sort)
        base = url_path_join(self.base_url, PATH) + "/"
        notice = self.get_argument("notice", "")
        page = (
            _env()
            .get_template("packets.html.j2")
            .render(
                coordinator=self.coordinator,
                county=self.orb.county,
                # a CPS municipality's team reads "municipality", not "county"
                words=await loop.run_in_executor(None, self.words),
                who=self.orb.user,
                logout=self.logout,
                rows=rows,
                follow=follow,
                sort=sort,
                sorts=FOLLOW_SORTS,
                states=STATES,
                build=build,
                base=base,
                home=url_path_join(self.base_url, "voila/tree"),
                xsrf=Markup(self.xsrf_form_html()),
                refresh=REFRESH if build.running else 0,
                # the answer to the last press, while it still holds (the page keeps its address as it reloads)
                notice={
                    "busy": "Another build is still running; wait for it to finish, then press Build again.",
                    "started": "The build has started. This page shows how far it got each time it reloads.",
                }.get(notice, "")
                if build.running
                else "",
                index=self.coordinator
                and any(r.html for r in rows)
                and (packet_build.packets_dir(self.orb) / "index.html").is_file(),
                css=Markup((templating.HUB / "packets.css").read_text("utf-8")),
            )
        )
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(page)


class BuildHandler(PacketHandler):
    @web.authenticated
    @authorized
    async def post(self):
        if not self.coordinator:
            raise web.HTTPError(403)  # a team member cannot start builds (nor see other counties' packets)
        county = self.get_body_argument("county", "").strip()
        counties = await asyncio.get_running_loop().run_in_executor(None, self.own_counties)
        if county and county not in counties:
            raise web.HTTPError(404)
        user = self.current_user
        who = getattr(user, "display_name", "") or getattr(user, "username", "") or "a coordinator"
        try:
            started = packet_build.start_build(self.orb, [county] if county else None, by=who)
        except OrbError as exc:
            self.log.error("Packet build not started: %s", exc)
            raise web.HTTPError(500) from None
        self.redirect(
            url_path_join(self.base_url, PATH) + ("?notice=started" if started else "?notice=busy"), status=303
        )


class FileHandler(PacketHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str):
        loop = asyncio.get_running_loop()
        counties = await loop.run_in_executor(None, self.own_counties)
        files = await loop.run_in_executor(None, packet_build.packet_files, self.orb, counties, self.coordinator)
        path = files.get(name)
        if path is None:
            raise web.HTTPError(404)
        for header, value in FILE_HEADERS.items():
            self.set_header(header, value)
        if name.endswith(".pdf"):
            self.set_header("Content-Type", "application/pdf")
            self.set_header("Content-Disposition", f'attachment; filename="{name}"')
        else:
            self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(await loop.run_in_executor(None, path.read_bytes))


def handlers(base_url: str, settings: Settings, logout: str = "") -> list:
    root = url_path_join(base_url, PATH)
    kwargs = {"orb": settings, "logout": logout, "app": App(settings)}  # one store for every request
    return [
        (root, PacketPage, kwargs),
        (root + "/", PacketPage, kwargs),
        (root + "/build", BuildHandler, kwargs),
        (root + r"/([^/]+\.(?:html|pdf))", FileHandler, kwargs),
    ]


def load_jupyter_server_extension(serverapp) -> None:
    """Add the packet page to a running jupyter_server (each person's hub server): its entry point, settings read once."""
    settings = Settings.from_env()
    config = PacketPageConfig(parent=serverapp)
    serverapp.web_app.add_handlers(".*$", handlers(serverapp.base_url, settings, config.logout_url))
    serverapp.log.info("ORB packets served at %s%s", serverapp.base_url, PATH)


_load_jupyter_server_extension = load_jupyter_server_extension


def _jupyter_server_extension_points():
    return [{"module": "orb_widgets.hub.packet_page"}]
