"""Server logs that hold no secret: no link token, no access token, no client address.

The survey server, ``orb serve``'s voila and the survey pages inside any
jupyter_server log through :class:`PrivateLog`, a logging filter that rewrites
each record before any handler sees it: a survey link keeps its first four
characters (``/survey/Ab3x…``, enough to tell links apart), ``token=`` and
``_xsrf=`` values go, and so does every IP address (the client's and the
server's own). Tracebacks are rewritten the same way, and a request the client
spoiled (an unreadable body, a bad header) is logged as one line, never as a
traceback. :func:`log_request` is the tornado ``log_function`` that writes the
access log in the same spirit: status, method, path, milliseconds.

>>> scrub("400 POST /survey/Ab3xQ9zzK1mN0pLr (127.0.0.1): bad")
'400 POST /survey/Ab3x… ((address)): bad'
>>> scrub("http://[::1]:8866/?token=5f1e2d&x=1")
'http://(address):8866/?token=…&x=1'
"""

from __future__ import annotations

import logging
import re

#: The loggers a tornado or Jupyter server writes requests and errors to.
SERVER_LOGGERS = ("tornado.access", "tornado.application", "tornado.general", "orb.survey")

_SURVEY = re.compile(r"(survey/)([A-Za-z0-9_-]{4})[A-Za-z0-9_-]{4,60}")
_SECRET_PARAM = re.compile(r"((?:[?&;\s'\"]|^)(?:token|_xsrf|access_token|once)=)[^&\s'\"#;,)]+", re.IGNORECASE)
_AUTH_HEADER = re.compile(r"((?:Authorization|Cookie)['\"]?\s*[:=]\s*['\"]?)[^'\"\n,}]+", re.IGNORECASE)
_HEX = r"[0-9A-Fa-f]{1,4}"
_IPV6 = re.compile(
    rf"(?<![\w:.])\[?(?:(?:{_HEX}:){{7}}{_HEX}|(?:{_HEX}(?::{_HEX})*)?::(?:{_HEX}(?::{_HEX})*)?)"
    r"(?:%\w+)?(?:\]|(?![\w:]))"
)
_IPV4 = re.compile(r"(?<![\w.])(?:::ffff:)?\d{1,3}(?:\.\d{1,3}){3}(?![\w.])", re.IGNORECASE)
ADDRESS = "(address)"


def scrub(text: str) -> str:
    """``text`` without link tokens, access tokens or IP addresses."""
    text = _SURVEY.sub(r"\1\2…", text)
    text = _SECRET_PARAM.sub(r"\1…", text)
    text = _AUTH_HEADER.sub(r"\1…", text)
    text = _IPV4.sub(ADDRESS, text)
    return _IPV6.sub(ADDRESS, text)


def _client_made(exc: BaseException | None) -> bool:
    """Whether an exception says only that a request was malformed (not that the server broke)."""
    try:
        from tornado.httputil import HTTPInputError
        from tornado.web import HTTPError
    except ImportError:  # pragma: no cover - tornado is a dependency
        return False
    return isinstance(exc, (HTTPError, HTTPInputError, UnicodeDecodeError))


class PrivateLog(logging.Filter):
    """Rewrites a record's message and traceback with :func:`scrub`; keeps every record."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_orb_private", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 (a record whose arguments do not fit its format)
            message = str(record.msg)
        record.msg, record.args = scrub(message), ()
        if record.exc_info:
            exc = record.exc_info[1]
            if record.name == "tornado.general" or _client_made(exc):
                # what a client sent wrong is one line, not a traceback
                record.msg += f" ({type(exc).__name__})" if exc is not None else ""
                record.exc_info, record.exc_text = None, None
            else:
                record.exc_text = scrub(self._formatter.formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        record._orb_private = True
        return True


_FILTER = PrivateLog()


def make_private(*loggers: logging.Logger | str, handlers: bool = True) -> PrivateLog:
    """Put :class:`PrivateLog` on the server loggers, on ``loggers`` and (``handlers``) on their handlers.

    A filter on a logger rewrites what is logged there, before any handler
    and any test's capture sees it; one on a handler also catches records
    that other loggers pass up to it. Calling it again adds nothing twice.
    """
    named = [logging.getLogger(x) if isinstance(x, str) else x for x in (*SERVER_LOGGERS, *loggers)]
    for logger in named:
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
        if handlers:
            for handler in logger.handlers:
                if _FILTER not in handler.filters:
                    handler.addFilter(_FILTER)
    return _FILTER


def log_request(handler) -> None:
    """tornado's ``log_function``: status, method, path (scrubbed, no query) and time; no client address."""
    status = handler.get_status()
    if status < 400:
        method = (
            logging.getLogger("tornado.access").info if status >= 300 else logging.getLogger("tornado.access").debug
        )
    elif status < 500:
        method = logging.getLogger("tornado.access").warning
    else:
        method = logging.getLogger("tornado.access").error
    request = handler.request
    method("%d %s %s %.1f ms", status, request.method, scrub(request.path), 1000 * request.request_time())
