"""What a name, label or text must be before it reaches the database.

The same rules on SQLite and PostgreSQL: SQLite would accept a 500-character
county name that PostgreSQL refuses with a traceback, so both get the same
one-line :class:`InvalidValue` here first.

>>> name("  Bayside   County ", "county name")
'Bayside County'
>>> text("ok \\ud800 fine")
'ok \\ufffd fine'
>>> name("x" * 300, "county name")
Traceback (most recent call last):
...
orb_widgets.exceptions.InvalidValue: a county name is at most 200 characters (this one has 300); shorten it
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping

from ..exceptions import InvalidValue
from ..text import clean_text
from .models import LABEL_MAX, NAME_MAX

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SPACES = re.compile(r"\s+")


def text(value: str) -> str:
    """Free text as typed, made storable: lone surrogates and NULs become U+FFFD.

    Nothing else changes: a person's words are kept, never refused for a
    character their keyboard or a paste produced.
    """
    if not isinstance(value, str):
        raise InvalidValue(f"expected text, not {type(value).__name__}")
    return clean_text(value)


def name(value, what: str, limit: int = NAME_MAX) -> str:
    """A one-line name (county, wave label, entry key, person): trimmed, NFC, bounded."""
    if value is None:
        value = ""
    value = unicodedata.normalize("NFC", text(str(value)))
    if _CONTROL.search(value.strip()):
        raise InvalidValue(f"a {what} must be one line of text without control characters: {value[:40]!r}")
    value = _SPACES.sub(" ", value).strip()
    if not value:
        raise InvalidValue(f"a {what} cannot be empty")
    if len(value) > limit:
        raise InvalidValue(f"a {what} is at most {limit} characters (this one has {len(value)}); shorten it")
    return value


def label(value, what: str = "wave label") -> str:
    return name(value, what, LABEL_MAX)


def name_key(county_name: str) -> str:
    """The case-insensitive identity of a county name."""
    return county_name.casefold()


def body(value: Mapping) -> str:
    """A workbook entry as stored JSON, with every string made storable by :func:`text`."""
    return json.dumps(_clean(dict(value)), ensure_ascii=False, sort_keys=True, default=str)


def _clean(value):
    if isinstance(value, str):
        return text(value)
    if isinstance(value, Mapping):
        return {text(str(k)): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value
