"""The survey link's service, without a web server: its settings, the per-link rate limit, the writer
thread that stores sent forms in batches, and the one-time tokens that keep a response from being
stored twice. :mod:`orb_widgets.survey.handlers` puts it on the web; nothing here imports tornado.
"""

from __future__ import annotations

import base64
import concurrent.futures
import datetime as dt
import hashlib
import hmac
import queue
import secrets
import threading
import time
from collections import defaultdict

from traitlets import Float, Int, Unicode
from traitlets.config import Configurable

from ..exceptions import InvalidValue
from ..instrument import Instrument
from .pages import render


class SurveyConfig(Configurable):
    """The survey link's settings (``orb serve`` writes them; traitlets config elsewhere)."""

    workspace = Unicode(
        "", help="Workspace folder whose survey links are served (default: $ORB_WORKSPACE or ./workspace)."
    ).tag(config=True)
    database_url = Unicode(
        "", help="Database URL, when the workspace is a shared database (default: $ORB_DATABASE_URL)."
    ).tag(config=True)
    burst = Int(400, help="Sends one link accepts at once before its rate limit applies.").tag(config=True)
    per_minute = Float(120.0, help="Sends per minute one link accepts once its burst is used up.").tag(config=True)
    instrument_ttl = Float(5.0, help="Seconds a county's survey is kept in memory before it is read again.").tag(
        config=True
    )


# ---------------------------------------------------------------- pieces
class RateLimit:
    """A token bucket per link: ``burst`` sends at once, then ``per_minute``."""

    def __init__(self, burst: int, per_minute: float, clock=time.monotonic):
        self.burst, self.rate, self.clock = burst, per_minute / 60.0, clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        with self._lock:
            now = self.clock()
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            ok = tokens >= 1
            self._buckets[key] = (tokens - 1 if ok else tokens, now)
            return ok


class Writer:
    """Stores sent forms from one thread, many at a time.

    A store write costs about the same for one response as for a hundred, so
    sends that arrive together are written together: 300 people pressing
    Send in the same second are 300 rows in a few writes, and the page server
    never waits on the database.
    """

    def __init__(self, store, max_batch: int = 250):
        self.store, self.max_batch = store, max_batch
        self._q: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, county: str, wave: str, inst: Instrument, response) -> concurrent.futures.Future:
        fut: concurrent.futures.Future = concurrent.futures.Future()
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="orb-survey-writer", daemon=True)
                self._thread.start()
        self._q.put((county, wave, inst, response, fut))
        return fut

    def _run(self) -> None:
        while True:
            batch = [self._q.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._q.get_nowait())
                except queue.Empty:
                    break
            groups: dict[tuple, list] = defaultdict(list)
            for county, wave, inst, response, fut in batch:
                groups[(county, wave, inst.id)].append((inst, response, fut))
            for (county, wave, _), rows in groups.items():
                self._write(county, wave, rows)

    def _write(self, county: str, wave: str, rows: list) -> None:
        inst = rows[0][0]
        unique = list({r.source_key: r for _, r, _ in reversed(rows)}.values())  # a double click, once
        try:
            self.store.add_responses(county, wave, unique, instrument=inst)
        except Exception as exc:  # noqa: BLE001 (every send hears back, whatever went wrong)
            if len(unique) > 1:  # one send must not cost the others theirs: each alone, once more
                for row in rows:
                    self._write(county, wave, [row])
                return
            self._fail(rows, InvalidValue("refused by the store") if isinstance(exc, InvalidValue) else exc)
        else:
            for _, _, fut in rows:
                fut.set_result(True)

    @staticmethod
    def _fail(rows, exc: Exception) -> None:
        for _, _, fut in rows:
            fut.set_exception(exc)


class Survey:
    """What every survey handler shares: the store, page templates, the writer, limits."""

    def __init__(self, store, config: SurveyConfig | None = None, base_url: str = "/"):
        config = config or SurveyConfig()
        self.store, self.config = store, config
        self.base_url = "/" + base_url.strip("/") + "/" if base_url.strip("/") else "/"
        self.static_url = f"{self.base_url}survey/static"
        self.writer = Writer(store)
        self.limits = RateLimit(config.burst, config.per_minute)
        self._secret = self._form_secret()
        self._instruments: dict[str, tuple[float, Instrument]] = {}
        #: Today's date (local time): a link closes itself after its closing day. Tests set another clock.
        self.today = dt.date.today

    @classmethod
    def from_app(cls, app, config: SurveyConfig, base_url: str = "/") -> "Survey":
        """The survey of ``app``'s workspace (:class:`orb_widgets.app.App`, built by the server's entry point)."""
        return cls(app.store, config, base_url)

    def _form_secret(self) -> bytes:
        # Kept in the workspace, so a page loaded before a restart can still be sent.
        key = "survey_form_secret"
        value = self.store.get_meta(key)
        if not value:
            self.store.set_meta(key, secrets.token_urlsafe(32))
            value = self.store.get_meta(key)
        return value.encode()

    # one-time tokens
    def once(self, link: str) -> str:
        nonce = secrets.token_urlsafe(16)
        return f"{nonce}.{self._sign(link, nonce)}"

    def check_once(self, link: str, value: str) -> str | None:
        """The nonce of a token this server handed out for ``link``, else ``None``."""
        nonce, _, mac = (value or "").partition(".")
        if not nonce or len(nonce) > 40 or not hmac.compare_digest(mac, self._sign(link, nonce)):
            return None
        return nonce

    def _sign(self, link: str, nonce: str) -> str:
        digest = hmac.new(self._secret, f"{link}:{nonce}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:18]).decode()

    def instrument(self, county: str) -> Instrument:
        now = time.monotonic()
        hit = self._instruments.get(county)
        if hit and now - hit[0] < self.config.instrument_ttl:
            return hit[1]
        inst = self.store.current_instrument(county)
        self._instruments[county] = (now, inst)
        return inst

    def instrument_of(self, link) -> Instrument:
        """The survey ``link`` shows: a pulse check's short survey, or the county's current one."""
        from ..results import PULSE_LINK_KEY

        if not self.store.get_meta(PULSE_LINK_KEY.format(token=link.token)):
            return self.instrument(link.county)
        from ..results import link_instrument

        return link_instrument(self.store, link)

    def render(self, template: str, language: str, **context) -> str:
        context.setdefault("static_url", self.static_url)
        return render(template, language, **context)

    def link_url(self, token: str, suffix: str = "") -> str:
        return f"{self.base_url}survey/{token}{suffix}"
