"""Tornado handlers for the survey link: the form page, sending it, and the thank-you page.

``GET /survey/<token>`` shows the county's form; ``POST`` to the same address
checks and stores it, then redirects to ``/survey/<token>/thanks``. Plain
HTML forms: the page works with JavaScript turned off. No kernel, pandas or
widget is imported on this path.

Rules a respondent can count on:

* **Never stored twice.** Each page load carries a one-time token; it becomes
  the response's ``source_key`` (``form:<nonce>``), and the store skips a
  response whose key it has seen. A double click or a reload after sending
  stores one response.
* **Honest failures.** A closed survey, a full disk, a database error, a
  stale page or too many sends at once re-show the form with a plain message
  and every answer kept.
* **Per-link rate limit**, not per address: a room of people on one office
  network shares an address, a script stuffing one link does not get far.
* **Privacy.** The only cookie is tornado's XSRF cookie; the log holds no IP
  address and no whole link (:mod:`orb_widgets.logs`), and a malformed post is
  one line there, not a traceback; pages are ``no-store`` and send no referrer.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import functools
import hashlib
import hmac
import logging
import queue
import secrets
import threading
import time
from collections import defaultdict

import jinja2
import tornado.httputil
import tornado.web
from traitlets import Float, Int, Unicode
from traitlets.config import Configurable

from .. import templating
from ..exceptions import InvalidValue, OrbError
from ..instrument import Instrument
from .form import LANGUAGE_NAMES, MAX_COMMENT, build_response, form_languages, form_view, pick_language, read_answers
from .i18n import N_, translations

log = logging.getLogger("orb.survey")

TEMPLATES = templating.SURVEY
#: The largest sent form read (bytes): a survey's answers with every comment box full are far smaller.
MAX_BODY = 512 * 1024
STATIC = TEMPLATES / "static"

#: Sent with every survey page. Scripts and styles come from this server only.
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

# What a respondent reads when a send fails; translated where shown.
PROBLEMS = {
    "role": N_("Please choose the group that best fits your role (the first question)."),
    "answers": N_("Please answer at least one statement before sending."),
    "invalid": N_("Some answers could not be read. Please check them and press Send again."),
    "closed": N_("This survey closed before your answers arrived, so they could not be saved."),
    "store": N_(
        "We could not save your answers just now because of a problem on our side. "
        "Please wait a minute and press Send again."
    ),
    "busy": N_("Many people are sending answers right now. Please wait a minute and press Send again."),
    "stale": N_("This page had to be refreshed on our side. Please press Send once more."),
    "cookie": N_(
        "Your browser did not send back this page's safety check. Please allow cookies for this "
        "site and press Send again."
    ),
}


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

    def render(self, template: str, language: str, **context) -> str:
        context.setdefault("static_url", self.static_url)
        return render(template, language, **context)

    def link_url(self, token: str, suffix: str = "") -> str:
        return f"{self.base_url}survey/{token}{suffix}"


@functools.lru_cache(maxsize=None)
def _env(language: str) -> jinja2.Environment:
    env = templating.environment(TEMPLATES, extensions=("jinja2.ext.i18n",))
    env.install_gettext_translations(translations(language), newstyle=True)
    return env


def render(template: str, language: str, **context) -> str:
    """A survey page (``templates/survey/<template>``) in ``language``, autoescaped."""
    context.setdefault("static_url", "/survey/static")
    context.setdefault("static_version", _static_version())
    context.setdefault("with_script", True)
    context.setdefault("county", "")
    context.setdefault("languages", [])
    return _env(language).get_template(template).render(language=language, **context)


def preview_page(inst: Instrument, language: str | None = None, static_url: str = "/survey/static") -> str:
    """The form exactly as respondents see it, with sending turned off (the tailoring step's preview)."""
    view = form_view(inst, language)
    return render(
        "form.html.j2",
        view.language,
        view=view,
        county=view.county,
        title=view.title,
        static_url=static_url,
        action="#",
        once="",
        xsrf_form_html="",
        chosen=_Chosen(),
        answered=0,
        problem=None,
        problem_field=None,
        minutes=max(2, round(view.total / 5)),
        max_comment=MAX_COMMENT,
        draft_key="",
        preview=True,
        with_script=False,
    )


@functools.lru_cache(maxsize=None)
def _static_version() -> str:
    h = hashlib.sha256()
    for f in sorted(STATIC.glob("*")):
        h.update(f.read_bytes())
    return h.hexdigest()[:10]


class _Chosen(dict):
    """The answers already on the page; a field not answered is empty."""

    def __missing__(self, key):
        return ""


# ---------------------------------------------------------------- handlers
class _Base(tornado.web.RequestHandler):
    def initialize(self, survey: Survey):
        self.survey = survey

    def set_default_headers(self):
        for k, v in HEADERS.items():
            self.set_header(k, v)

    def check_xsrf_cookie(self):
        """Checked in :meth:`FormHandler.post`, so a failure keeps the answers on screen."""

    def _log(self):
        # No IP address and no full link in the log: the status, the method and how long it took.
        # (A body tornado could not read fails before the link is parsed: no path_kwargs then.)
        token = (getattr(self, "path_kwargs", None) or {}).get("token") or ""
        log.info(
            "%s %s /survey/%s… %.1f ms",
            self.get_status(),
            self.request.method,
            token[:4],
            1000 * self.request.request_time(),
        )

    def log_exception(self, typ, value, tb):
        # tornado's own names the client's address and the whole link. A request the client
        # spoiled is the access line's status alone; a fault of ours keeps its traceback.
        if not isinstance(value, tornado.web.HTTPError):
            log.error("survey page failed (%s)", type(value).__name__, exc_info=(typ, value, tb))

    def decode_argument(self, value: bytes, name: str | None = None) -> str:
        try:
            return super().decode_argument(value, name)
        except tornado.web.HTTPError:
            raise Unreadable() from None

    def notice(self, status: int, language: str, heading: str, *lines: str, county: str = "") -> None:
        _ = translations(language).gettext
        self.set_status(status)
        self.finish(
            self.survey.render(
                "notice.html.j2",
                language,
                title=_(heading),
                heading=_(heading),
                lines=[_(x) for x in lines],
                county=county,
            )
        )

    def write_error(self, status_code: int, **kwargs):
        language = pick_language(["en", "es", "sv"], None, self.request.headers.get("Accept-Language"))
        if status_code == 400:
            return self.notice(
                status_code,
                language,
                N_("Your answers could not be read"),
                N_("Your browser sent something this page cannot read, so nothing was saved."),
                N_("Please go back to the survey, reload the page and press Send again."),
            )
        self.notice(
            status_code,
            language,
            N_("Something went wrong"),
            N_("Please try again in a minute. If it keeps happening, tell the person who sent you the link."),
        )

    def language(self, inst: Instrument) -> tuple[str, list[str]]:
        offered = form_languages(inst)
        asked = self.get_argument("lang", None)
        return pick_language(offered, asked, self.request.headers.get("Accept-Language")), offered

    def open_link(self, token: str):
        link = self.survey.store.link(token)
        if link is None:
            lang = pick_language(
                ["en", "es", "sv"], self.get_argument("lang", None), self.request.headers.get("Accept-Language")
            )
            self.notice(
                404,
                lang,
                N_("We could not find this survey"),
                N_("Please check that you have the whole link. It may have been cut off in an e-mail or a message."),
            )
            return None
        if not link.is_open and self.request.method == "GET":
            lang = pick_language(
                ["en", "es", "sv"], self.get_argument("lang", None), self.request.headers.get("Accept-Language")
            )
            self.notice(
                410,
                lang,
                N_("This survey has closed"),
                N_("Thank you for wanting to take part. This survey is no longer taking answers."),
                N_("If you think this is a mistake, please ask the person who sent you the link."),
                county=link.county,
            )
            return None
        return link


class Unreadable(tornado.web.HTTPError):
    """A sent form the server cannot read: text that is not UTF-8, too large, too many fields, broken
    multipart. Answered with a kind page (:meth:`_Base.write_error`), logged as its status alone."""

    def __init__(self):
        super().__init__(400)


@tornado.web.stream_request_body
class FormHandler(_Base):
    """The form page (GET) and sending it (POST).

    The body is read here rather than by tornado, so that one too large or
    malformed is answered with the survey's own page (tornado would answer
    before the handler runs) and never held in memory beyond :data:`MAX_BODY`.
    """

    def prepare(self):
        self._body, self._too_big = bytearray(), False
        length = self.request.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > MAX_BODY:
            self._too_big = True  # read and dropped as it arrives, then answered kindly

    def data_received(self, chunk: bytes) -> None:
        if self._too_big or len(self._body) + len(chunk) > MAX_BODY:
            self._too_big, self._body = True, bytearray()
            return
        self._body += chunk

    def read_body(self) -> None:
        """Parse the sent form into the request's arguments, or raise :class:`Unreadable`."""
        if self._too_big:
            raise Unreadable()
        request = self.request
        request.body = bytes(self._body)
        try:
            tornado.httputil.parse_body_arguments(
                request.headers.get("Content-Type", ""),
                request.body,
                request.body_arguments,
                request.files,
                request.headers,
            )
        except tornado.httputil.HTTPInputError:
            raise Unreadable() from None
        for name, values in request.body_arguments.items():
            request.arguments.setdefault(name, []).extend(values)

    def survey_of(self, token: str):
        """The open link and its survey, or ``(None, None)`` once a notice page has been sent."""
        link = self.open_link(token)
        if link is None:
            return None, None
        try:
            return link, self.survey.instrument(link.county)
        except OrbError:
            log.exception("survey %s… cannot be shown", token[:4])
            self.notice(
                503,
                "en",
                N_("This survey is not ready yet"),
                N_("Please try again later, or ask the person who sent you the link."),
            )
            return None, None

    def get(self, token: str):
        link, inst = self.survey_of(token)
        if inst is None:
            return
        language, offered = self.language(inst)
        self.page(token, inst, language, offered, _Chosen())

    def page(
        self,
        token: str,
        inst: Instrument,
        language: str,
        offered: list[str],
        chosen: _Chosen,
        problem: str | None = None,
        problem_field: str | None = None,
        status: int = 200,
    ) -> None:
        view = form_view(inst, language)
        _ = translations(language).gettext
        answered = sum(1 for k, v in chosen.items() if k.startswith("q-") and v)
        self.set_status(status)
        self.finish(
            self.survey.render(
                "form.html.j2",
                language,
                view=view,
                county=view.county,
                title=view.title,
                languages=[
                    (code, LANGUAGE_NAMES.get(code, code), f"{self.survey.link_url(token)}?lang={code}")
                    for code in offered
                ],
                action=self.survey.link_url(token),
                once=self.survey.once(token),
                xsrf_form_html=jinja2.utils.markupsafe.Markup(self.xsrf_form_html()),
                chosen=chosen,
                answered=answered,
                problem=_(problem) if problem else None,
                problem_field=problem_field,
                minutes=max(2, round(view.total / 5)),
                max_comment=MAX_COMMENT,
                draft_key=f"orb-draft:{token}",
                preview=self.request.method == "GET" and self.get_query_argument("preview", "") == "1",
            )
        )

    async def post(self, token: str):
        self.read_body()
        link, inst = self.survey_of(token)
        if inst is None:
            return
        offered = form_languages(inst)
        language = pick_language(offered, self.get_body_argument("lang", None))
        fields = {
            k: self.get_body_argument(k, "")
            for k in self.request.body_arguments
            if k in ("role",) or k.startswith(("q-", "c-"))
        }
        chosen = _Chosen(fields)

        def again(problem: str, status: int, field: str | None = None):
            self.page(token, inst, language, offered, chosen, PROBLEMS[problem], field, status)

        try:
            tornado.web.RequestHandler.check_xsrf_cookie(self)
        except tornado.web.HTTPError:
            return again("cookie", 403)
        if not link.is_open:
            return again("closed", 410)
        nonce = self.survey.check_once(token, self.get_body_argument("once", ""))
        if nonce is None:
            return again("stale", 400)
        try:
            response = build_response(inst, *read_answers(inst, fields), source_key=f"form:{nonce}")
        except InvalidValue as exc:
            field = exc.fields.get("field")
            return again(field if field in PROBLEMS else "invalid", 400, field)
        if not self.survey.limits.allow(token):
            return again("busy", 429)
        try:
            await asyncio.wrap_future(self.survey.writer.submit(link.county, link.wave, inst, response))
        except InvalidValue:
            return again("invalid", 400)
        except Exception:  # noqa: BLE001 (a full disk or a database error: say so, keep the answers)
            log.exception("survey %s…: answers could not be stored", token[:4])
            return again("store", 503)
        self.redirect(self.survey.link_url(token, f"/thanks?lang={language}"), status=303)


class ThanksHandler(_Base):
    def get(self, token: str):
        link = self.survey.store.link(token)
        language = "en"
        county = ""
        if link is not None:
            county = link.county
            try:
                offered = form_languages(self.survey.instrument(link.county))
                language = pick_language(offered, self.get_argument("lang", None))
            except OrbError:
                pass
        _ = translations(language).gettext
        self.finish(
            self.survey.render(
                "thanks.html.j2",
                language,
                title=_("Thank you — your answers were saved."),
                county=county,
                draft_key=f"orb-draft:{token}",
            )
        )


class StaticHandler(tornado.web.StaticFileHandler):
    def set_extra_headers(self, path):
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Cache-Control", "public, max-age=31536000, immutable")

    def _log(self):
        log.debug("%s static %s", self.get_status(), self.request.path)


TOKEN = r"(?P<token>[A-Za-z0-9_-]{8,64})"


def survey_handlers(survey: Survey) -> list[tuple]:
    """The survey's URL routes, to add to any tornado application (voila's, jupyter_server's, our own)."""
    base = survey.base_url
    return [
        (rf"{base}survey/static/(.*)", StaticHandler, {"path": str(STATIC)}),
        (rf"{base}survey/{TOKEN}/thanks", ThanksHandler, {"survey": survey}),
        (rf"{base}survey/{TOKEN}/?", FormHandler, {"survey": survey}),
    ]
