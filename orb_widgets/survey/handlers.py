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
import logging

import jinja2
import tornado.httputil
import tornado.web

from ..exceptions import InvalidValue, OrbError
from ..instrument import Instrument
from .form import LANGUAGE_NAMES, MAX_COMMENT, build_response, form_languages, form_view, pick_language, read_answers
from .i18n import N_, translations
from .pages import PROBLEMS, STATIC, Chosen
from .service import Survey

log = logging.getLogger("orb.survey")

#: The largest sent form read (bytes): a survey's answers with every comment box full are far smaller.
MAX_BODY = 512 * 1024

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


# ---------------------------------------------------------------- handlers
class LinkPage(tornado.web.RequestHandler):
    """What every page behind a link shares (the survey's and a room's): its headers and a private log.

    A subclass names the headers it sends (``page_headers``), its logger and the
    first part of its links (``link_kind``: ``/survey/…``, ``/room/…``).
    """

    page_headers: dict[str, str] = HEADERS
    logger: logging.Logger = log
    link_kind = "survey"

    def set_default_headers(self):
        for k, v in self.page_headers.items():
            self.set_header(k, v)

    def _log(self):
        # No IP address and no full link in the log: the status, the method and how long it took.
        # (A body tornado could not read fails before the link is parsed: no path_kwargs then.)
        token = (getattr(self, "path_kwargs", None) or {}).get("token") or ""
        self.logger.info(
            "%s %s /%s/%s… %.1f ms",
            self.get_status(),
            self.request.method,
            self.link_kind,
            token[:4],
            1000 * self.request.request_time(),
        )

    def log_exception(self, typ, value, tb):
        # tornado's own names the client's address and the whole link. A request the client
        # spoiled is the access line's status alone; a fault of ours keeps its traceback.
        if not isinstance(value, tornado.web.HTTPError):
            self.logger.error("%s page failed (%s)", self.link_kind, type(value).__name__, exc_info=(typ, value, tb))


class _Base(LinkPage):
    def initialize(self, survey: Survey):
        self.survey = survey

    def check_xsrf_cookie(self):
        """Checked in :meth:`FormHandler.post`, so a failure keeps the answers on screen."""

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
        if not link.open_on(self.survey.today()) and self.request.method == "GET":
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
            return link, self.survey.instrument_of(link)
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
        # ?role=<id> opens a routed survey at that group's statements (and ticks it on an unrouted one).
        role = self.get_query_argument("role", "") or None
        if role not in {r.id for r in inst.roles}:
            role = None
        self.page(token, inst, language, offered, Chosen({"role": role} if role else {}))

    def page(
        self,
        token: str,
        inst: Instrument,
        language: str,
        offered: list[str],
        chosen: Chosen,
        problem: str | None = None,
        problem_field: str | None = None,
        status: int = 200,
    ) -> None:
        role = chosen.get("role") if chosen.get("role") in {r.id for r in inst.roles} else None
        view = form_view(inst, language, role)
        _ = translations(language).gettext
        answered = sum(1 for k, v in chosen.items() if k.startswith("q-") and v)
        preview = self.request.method == "GET" and self.get_query_argument("preview", "") == "1"
        routed_to = f"&role={view.role.value}" if view.role else ""
        self.set_status(status)
        self.finish(
            self.survey.render(
                "role.html.j2" if view.asks_role_first else "form.html.j2",
                language,
                view=view,
                county=view.county,
                title=view.title,
                languages=[
                    (code, LANGUAGE_NAMES.get(code, code), f"{self.survey.link_url(token)}?lang={code}{routed_to}")
                    for code in offered
                ],
                change_role=f"{self.survey.link_url(token)}?lang={language}{'&preview=1' if preview else ''}",
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
                preview=preview,
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
            if k in ("role", "unit") or k.startswith(("q-", "c-"))
        }
        chosen = Chosen(fields)

        def again(problem: str, status: int, field: str | None = None):
            self.page(token, inst, language, offered, chosen, PROBLEMS[problem], field, status)

        try:
            tornado.web.RequestHandler.check_xsrf_cookie(self)
        except tornado.web.HTTPError:
            return again("cookie", 403)
        if not link.open_on(self.survey.today()):
            return again("closed", 410)
        nonce = self.survey.check_once(token, self.get_body_argument("once", ""))
        if nonce is None:
            return again("stale", 400)
        try:
            response = build_response(
                inst, *read_answers(inst, fields), source_key=f"form:{nonce}", unit=fields.get("unit")
            )
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
                offered = form_languages(self.survey.instrument_of(link))
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
