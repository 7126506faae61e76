"""A survey-link server in a background thread of the test process, on a free port.

In-process so a test can make the store fail on purpose (a full disk) and
see what a respondent sees; ``orb serve --form`` itself is tested as a
subprocess in tests/test_survey.py.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import re
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

COUNTY = "Alder Creek County"
OTHER = "Bayside County"
WAVE = "2026-spring"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Running:
    url: str
    loop: asyncio.AbstractEventLoop
    thread: threading.Thread
    survey: object
    store: object
    token: str = ""
    other_token: str = ""

    def link(self, token: str | None = None, query: str = "") -> str:
        return f"{self.url}survey/{token or self.token}{query}"

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def make_workspace(folder, rewording: dict | None = None, url: str | None = None):
    """Two counties with a survey each, in ``folder`` (or the database at ``url``)."""
    from orb_widgets.app import App
    from orb_widgets.instrument import tailor
    from orb_widgets.store import Store

    store = Store(url) if url else App.for_workspace(folder, create=True).store
    store.add_county(COUNTY)
    store.add_county(OTHER)
    store.save_instrument(tailor("cpm-orb", county=COUNTY, rewording=rewording))
    store.save_instrument(tailor("cps", county=OTHER, points=4))
    return store


def start(folder, **config) -> Running:
    from orb_widgets.app import App
    from orb_widgets.survey.app import make_app
    from orb_widgets.survey.service import Survey, SurveyConfig

    store = App.for_workspace(folder).store
    token = store.open_link(COUNTY, WAVE).token
    other = store.open_link(OTHER, WAVE).token
    survey = Survey(App.for_workspace(folder).store, SurveyConfig(instrument_ttl=0, **config))
    return Running(*listen(survey, make_app), survey, store, token, other)


def listen(survey, make_app) -> tuple:
    """Serve ``survey`` from a thread of its own; returns (url, loop, thread)."""
    from orb_widgets.survey.app import BACKLOG

    port = free_port()
    ready = threading.Event()
    box = {}

    def run():
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        box["loop"] = loop
        make_app(survey).listen(port, "127.0.0.1", backlog=BACKLOG)
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(10)
    return f"http://127.0.0.1:{port}/", box["loop"], thread


class Browser:
    """A cookie-keeping HTTP client that reads the form's hidden fields like a browser with JavaScript off."""

    def __init__(self, accept_language: str = "en"):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener.addheaders = [("Accept-Language", accept_language)]
        self.page = ""
        self.status = 0
        self.url = ""

    def _go(self, request) -> str:
        try:
            with self.opener.open(request, timeout=30) as r:
                self.status, self.url, self.page = r.status, r.url, r.read().decode()
        except urllib.error.HTTPError as e:
            self.status, self.url, self.page = e.code, e.url, e.read().decode()
        return self.page

    def get(self, url: str) -> str:
        return self._go(url)

    def hidden(self) -> dict:
        return {m[0]: m[1] for m in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', self.page)}

    def post(self, url: str, answers: dict, hidden: dict | None = None) -> str:
        data = {**(self.hidden() if hidden is None else hidden), **answers}
        return self._go(urllib.request.Request(url, urllib.parse.urlencode(data).encode(), method="POST"))

    def checked(self) -> dict:
        return dict(re.findall(r'name="([\w-]+)" value="(\w+)" checked', self.page))
