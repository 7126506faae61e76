"""Tornado handlers for room links: a breakout room's page, typed into from everyone's phone.

``GET /room/<token>`` shows the room (the event's objectives and agreements,
the prompts one after another, the fields, the people's rows); ``POST`` to the
same address saves one field, or one person's row. Served beside the survey
links wherever those are (``orb serve``, ``orb serve --form``, the
jupyter_server extension): :func:`room_handlers`.

Plain HTML forms, one per field with its own Save button, so the page works
with JavaScript off; ``room.js`` saves a field a moment after typing stops,
posting the same form and reading a small JSON answer. The survey's
Content-Security-Policy (plus ``connect-src 'self'`` for that post), XSRF
check, private log and no-store pages. Saving runs in a thread pool, so the server never waits on the database.
What a save does (merging, a person's own row, a closed event) is
:mod:`orb_widgets.webinar.roomlinks`; nothing here knows SQL.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import hashlib
import logging
import urllib.parse

from markupsafe import Markup

from ..exceptions import InvalidValue, OrbError, StaleEdit
from ..webinar.roomlinks import PERSON_FIELDS, TEMPLATES, ClosedEvent, RoomService, render
from .handlers import HEADERS, TOKEN, LinkPage, StaticHandler
from .service import RateLimit

log = logging.getLogger("orb.rooms")

#: The survey's headers, with one addition to its Content-Security-Policy: the page's own script may
#: post a field to this server (``connect-src 'self'``); everything else is as strict as the survey's.
ROOM_HEADERS = {
    **HEADERS,
    "Content-Security-Policy": HEADERS["Content-Security-Policy"] + "; connect-src 'self'",
}

STATIC = TEMPLATES / "static"
#: The cookie that lets a browser edit the row it added (one per room: its path is the room's).
ROW_COOKIE = "orb_room_row"


@functools.lru_cache(maxsize=1)
def _static_version() -> str:
    h = hashlib.sha256()
    for f in sorted(STATIC.glob("*")):
        h.update(f.read_bytes())
    return h.hexdigest()[:10]


class Rooms:
    """What every room handler shares: the room service, the pages, a thread pool for saves, a rate limit."""

    def __init__(self, store, base_url: str = "/", workers: int = 4):
        self.service = RoomService(store)
        self.base_url = "/" + base_url.strip("/") + "/" if base_url.strip("/") else "/"
        self.static_url = f"{self.base_url}room/static"
        self.pool = concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="orb-room")
        # a room of a dozen people typing: far above what they send, far below a script stuffing one link
        self.limits = RateLimit(600, 1200.0)

    def render(self, template: str, **context) -> str:
        context.setdefault("static_url", self.static_url)
        context.setdefault("static_version", _static_version())
        return render(template, **context)

    def url(self, token: str) -> str:
        return f"{self.base_url}room/{token}"

    async def run(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self.pool, functools.partial(fn, *args))


class RoomHandler(LinkPage):
    """One room's page (GET) and a save of one of its fields or rows (POST)."""

    page_headers = ROOM_HEADERS
    logger = log
    link_kind = "room"

    def initialize(self, rooms: Rooms):
        self.rooms = rooms

    def write_error(self, status_code: int, **kwargs):
        if self._wants_json():
            return self.finish({"error": "This was not saved. Please reload the page and try again."})
        self.finish(
            self.rooms.render(
                "notice.html.j2",
                heading="Something went wrong",
                lines=["Nothing was changed. Please reload the page and try again."],
            )
        )

    def _wants_json(self) -> bool:
        return "application/json" in self.request.headers.get("Accept", "")

    def _notice_missing(self):
        self.set_status(404)
        self.finish(
            self.rooms.render(
                "notice.html.j2",
                heading="We could not find this room",
                lines=["Please check that you have the whole link. It may have been cut off in a chat message."],
            )
        )

    def _mine(self, token: str) -> str:
        return self.rooms.service.cookie_row(token, self.get_cookie(ROW_COOKIE))

    async def get(self, token: str):
        link = await self.rooms.run(self.rooms.service.link, token)
        if link is None:
            return self._notice_missing()
        try:
            view = await self.rooms.run(self.rooms.service.view, token, link, self._mine(token))
        except OrbError:  # the event was removed since the link was made
            return self._notice_missing()
        self.finish(
            self.rooms.render(
                "room.html.j2",
                v=view,
                action=self.rooms.url(token),
                xsrf_form_html=Markup(self.xsrf_form_html()),  # tornado's own markup
                saved=self.get_argument("saved", ""),
                merged=self.get_argument("merged", ""),
                problem=self.get_argument("problem", ""),
            )
        )

    async def post(self, token: str):
        link = await self.rooms.run(self.rooms.service.link, token)
        if link is None:
            return self._notice_missing()
        if not self.rooms.limits.allow(token):
            return self._answer(token, 429, "", problem="busy")
        arg = functools.partial(self.get_body_argument, default="")
        try:
            if arg("field") == "person":
                mine = self._mine(token)
                values = {k: arg(k) for k in PERSON_FIELDS}
                bases = {k: arg(f"base-{k}") for k in PERSON_FIELDS} if mine else {}
                saved = await self.rooms.run(self.rooms.service.save_person, link, mine, values, bases)
                if saved.row != mine:
                    self.set_cookie(
                        ROW_COOKIE,
                        self.rooms.service.row_cookie(token, saved.row),
                        path=self.rooms.url(token),
                        expires_days=60,
                        httponly=True,
                        samesite="Lax",
                    )
            else:
                saved = await self.rooms.run(
                    self.rooms.service.save_field, link, arg("field"), arg("text"), arg("base")
                )
        except ClosedEvent:
            return self._answer(token, 410, arg("field"), problem="closed")
        except (InvalidValue, StaleEdit) as exc:
            return self._answer(token, 400, arg("field"), problem=str(exc))
        except Exception:  # noqa: BLE001 (a full disk, a database error: say so; the text stays on the page)
            log.exception("room %s…: a save failed", token[:4])
            return self._answer(token, 503, arg("field"), problem="store")
        if self._wants_json():
            return self.finish({"text": saved.text, "version": saved.version, "merged": saved.merged})
        field = arg("field")
        query = urllib.parse.urlencode({"merged" if saved.merged else "saved": field})
        self.redirect(f"{self.rooms.url(token)}?{query}#{_anchor(field)}", status=303)

    def _answer(self, token: str, status: int, field: str, problem: str):
        """A refused save: JSON for the page's script; without it, back to the room with the reason."""
        words = {
            "closed": "This event is closed: the room can be read but takes no more changes.",
            "busy": "Many people are saving at once. Please wait a moment and press Save again.",
            "store": "This could not be saved just now because of a problem on our side. Please press Save again.",
        }.get(problem, problem)
        self.set_status(status)
        if self._wants_json():
            return self.finish({"error": words})
        self.finish(self.rooms.render("notice.html.j2", heading="Not saved", lines=[words], back=self.rooms.url(token)))


def _anchor(field: str) -> str:
    return "people" if field == "person" else field.replace(".", "-")


class RoomStaticHandler(StaticHandler):
    pass


def room_handlers(survey) -> list[tuple]:
    """The room links' routes, beside a survey's (the same server, store and base URL)."""
    rooms = Rooms(survey.store, survey.base_url)
    base = rooms.base_url
    return [
        (rf"{base}room/static/(.*)", RoomStaticHandler, {"path": str(STATIC)}),
        (rf"{base}room/{TOKEN}/?", RoomHandler, {"rooms": rooms}),
    ]
