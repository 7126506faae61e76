"""Cells to values: scale answers, role groups and times.

Answers may be a scale label, ``"5 - Strongly agree"``, a number on the scale,
the don't-know label or a common variant (``Don't know``, ``N/A``, ``Not
applicable``, ``DK``); blank means skipped. A vendor's "seen but unanswered"
code means skipped. Only an export of numeric codes (the vendor says when a
file is one) takes codes beyond the scale: the vendor's don't-know codes or a
negative number mean don't know, and the role group may be its choice number,
counted in the order the instrument lists the groups. Everywhere else a number
off the scale is an error.
"""

from __future__ import annotations

import datetime as dt
import re

from ..instrument import Instrument
from .matching import clean, norm

UTC = dt.timezone.utc

_DK_VARIANTS = {
    "dont know",
    "do not know",
    "dk",
    "na",
    "n a",
    "not applicable",
    "dont know not applicable",
    "dont know n a",
    "dont know or not applicable",
}
_LEADING_NUMBER = re.compile(r"^\(?([+-]?\d+)\)?\s*(?:[-.:=)]\s*)?(\D.*)$")
_TRAILING_NUMBER = re.compile(r"^(\D.*?)\s*\(([+-]?\d+)\)$")
_NUMBER = re.compile(r"^[+-]?\d+(?:\.0*)?$")


class Values:
    """Reads answer and role cells for one instrument."""

    def __init__(self, inst: Instrument, vendor, numeric: bool):
        scale = inst.scale
        self.points = scale.points
        self.labels = {norm(label): n for n, label in enumerate(scale.labels, start=1)}
        dk = scale.dont_know_label
        self.dk = _DK_VARIANTS | {norm(dk)} | {norm(p) for p in re.split(r"/|\|| or ", dk) if norm(p)}
        self.skipped = {int(c) for c in vendor.skipped_codes}
        self.dk_codes = {self.points + 1 if c == "points+1" else int(c) for c in vendor.dont_know_codes}
        self.numeric = numeric
        self.roles = inst.roles
        self.role_keys = {}
        for r in inst.roles:
            self.role_keys[norm(r.id)] = r.id
            self.role_keys[norm(r.label)] = r.id
        self.accepted = " | ".join([*scale.labels, dk])

    def answer(self, raw: str):
        """A scale point, "dk", or None; ValueError when it is none of these."""
        text = clean(raw)
        if not text:
            return None
        key = norm(text)
        if key in self.labels:
            return self.labels[key]
        if key in self.dk:
            return "dk"
        if _NUMBER.match(text):
            n = int(float(text))
            if 1 <= n <= self.points:
                return n
            if n in self.skipped:
                return None
            if self.numeric and (n in self.dk_codes or n < 0):
                return "dk"
            raise ValueError
        m = _LEADING_NUMBER.match(text) or _TRAILING_NUMBER.match(text)
        if m:
            number, rest = (m.group(1), m.group(2)) if m.re is _LEADING_NUMBER else (m.group(2), m.group(1))
            rest = norm(rest)
            if rest in self.dk:
                return "dk"
            if self.labels.get(rest) == int(number):
                return int(number)
        raise ValueError

    def role(self, raw: str) -> str:
        key = norm(raw)
        if key in self.role_keys:
            return self.role_keys[key]
        if self.numeric and _NUMBER.match(raw.strip()):
            n = int(float(raw))
            if 1 <= n <= len(self.roles):
                return self.roles[n - 1].id
        raise ValueError


_ZONE_SUFFIX = re.compile(
    r"\s*(?:(?:GMT|UTC)\s*(?P<sign>[+-])(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?|(?P<utc>GMT|UTC|Z))$", re.IGNORECASE
)
_TIME_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%y %I:%M:%S %p",
    "%m/%d/%y %I:%M %p",
    "%m/%d/%y %H:%M:%S",
    "%m/%d/%y %H:%M",
    "%Y/%m/%d %I:%M:%S %p",
    "%Y/%m/%d %I:%M %p",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%m/%d/%Y",
    "%Y/%m/%d",
)


_last_fit = [_TIME_FORMATS[0]]


def when(raw: str, zone: dt.tzinfo | None = None) -> dt.datetime | None:
    """A vendor's date and time as an aware UTC datetime, or None when it is not one."""
    text = raw.strip()
    if not text:
        return None
    m = _ZONE_SUFFIX.search(text)
    if m:
        if m.group("utc"):
            zone = UTC
        else:
            minutes = int(m.group("h")) * 60 + int(m.group("m") or 0)
            zone = dt.timezone(dt.timedelta(minutes=minutes if m.group("sign") == "+" else -minutes))
        text = text[: m.start()].strip()
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        value = None
        # One file writes every time the same way: try the pattern that fit last time first.
        for pattern in sorted(_TIME_FORMATS, key=lambda p: p != _last_fit[0]):
            try:
                value = dt.datetime.strptime(text, pattern)
                _last_fit[0] = pattern
                break
            except ValueError:
                continue
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone or UTC)
    return value.astimezone(UTC)


_SECONDS = re.compile(r"\d:\d\d:\d\d")


def has_seconds(raw: str) -> bool:
    """Whether a time as written gives its seconds (``10:04:15``; an Excel re-save writes ``10:04``)."""
    return bool(_SECONDS.search(raw))


def second(value: dt.datetime | None) -> str:
    """A time to the nearest second: Google's CSV rounds what its .xlsx keeps to the millisecond."""
    if value is None:
        return ""
    return (value + dt.timedelta(microseconds=500_000)).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%S")


def minute(value: dt.datetime | None) -> str:
    """A time to the nearest second, then to its minute: what every download of one response shares.

    Google's CSV rounds to the second what its .xlsx keeps to the millisecond, and Excel's
    re-save drops the seconds.
    """
    if value is None:
        return ""
    value = (value + dt.timedelta(microseconds=500_000)).replace(microsecond=0)
    return value.replace(second=0).strftime("%Y-%m-%dT%H:%M")
