"""``orb survey open|close|list|flyer``: survey links for staff and partners.

A link is unguessable and belongs to one county and wave; answers sent on it
are stored under that wave. ``orb serve`` (beside the workbook) and
``orb serve --form`` (survey links only) serve every open link.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from ..exceptions import OrbError

DEFAULT_BASE_URL = "http://127.0.0.1:8866"
#: The workspace remembers the address ``orb serve`` serves it at, so a link printed later names that port.
SERVED_AT = "served_url"


def default_wave(store, county: str, today: dt.date | None = None) -> str:
    """The wave new answers go to: the county's open wave, else its latest, else this season."""
    configured = store.get_meta(f"open_wave:{county}")
    if configured:
        return configured
    known = store.waves(county)
    if known:
        return known[-1]
    today = today or dt.date.today()
    return f"{today.year}-{'spring' if today.month <= 6 else 'fall'}"


def _base_url(args, store=None) -> str:
    """Where people open a link: ``--base-url``, else ``$ORB_SURVEY_URL``, else the address ``orb serve``
    serves this workspace at (its ``--port``), else the default port."""
    served = store.get_meta(SERVED_AT) if store is not None else None
    url = args.base_url or args.app.settings.survey_url or served or DEFAULT_BASE_URL
    if not url.startswith(("http://", "https://")):
        raise OrbError(f"--base-url must start with http:// or https://, not {url!r}")
    return url


def parse_invited(text: str | None) -> int | dict[str, int] | None:
    """``--invited``: a number (``60``) or counts per role group (``leadership=12,supervisors=30``).

    >>> parse_invited("60"), parse_invited(" leadership=12, supervisors = 30 ")
    (60, {'leadership': 12, 'supervisors': 30})
    """
    if text is None:
        return None
    example = "a number (--invited 60) or counts per role group (--invited leadership=12,supervisors=30)"
    text = text.strip()
    if text.isdigit():
        return int(text)
    counts: dict[str, int] = {}
    for part in text.split(","):
        role, eq, n = (x.strip() for x in part.partition("="))
        if not eq or not role or not n.isdigit():
            raise OrbError(f"--invited takes {example}, not {part.strip() or text!r}")
        if role in counts:
            raise OrbError(f"--invited names role group '{role}' twice; give each group once")
        counts[role] = int(n)
    return counts


def parse_closes(text: str | None, today: dt.date) -> dt.date | None:
    """``--closes YYYY-MM-DD``: the day the team means to close the link (today or later)."""
    if text is None:
        return None
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise OrbError(f"--closes takes a date written YYYY-MM-DD (e.g. 2026-03-20), not {text!r}") from None
    if day < today:
        raise OrbError(f"--closes {day.isoformat()} is in the past; give today or a later day")
    return day


def _rate_lines(store, link, today: dt.date) -> tuple[str, list[str]]:
    """The link's answered-of-invited and closing as one line's parts, and a line per role group."""
    from ..results import response_rate

    rate = response_rate(store, link, today)
    head = " | ".join(x for x in (rate.answered, rate.closing) if x)
    return head, [f"    {label}: {text}" for label, text in rate.groups]


class LinkRow(BaseModel):
    """One survey link, as ``orb survey list --json`` prints it (newest first)."""

    # The docstring under each field is its description in the JSON reference (docs/reference/json.md).
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    county: str
    """the county (municipality, school) the link is for"""
    wave: str
    """the wave its answers are stored under"""
    token: str
    """the link's unguessable token (what ``orb survey close`` and ``orb survey flyer`` take)"""
    url: str
    """the address people answer at"""
    open: bool
    """true while the link takes answers: not closed, and its closing day not past"""
    opened_at: str
    """when it was opened (ISO 8601, with the time zone)"""
    opened_by: str
    """who opened it"""
    closed_at: str | None
    """when it was closed by hand (ISO 8601), or null"""
    closes_on: str | None
    """the closing day (``YYYY-MM-DD``): the link takes answers through that day and closes itself after it"""
    responses: int
    """answers stored in the link's county and wave (all links of that wave together)"""
    invited: int | None
    """how many people the link went to, or null when nobody said"""
    invited_roles: dict[str, int] | None
    """how many it went to per role group id, when the team counted by group"""
    answered: str
    """answered of invited in words (``42 of 60 answered (70%)``), or ""."""
    closing: str
    """the closing in words (``closes in 5 days, on March 10, 2026``, ``closed on …``), or ""."""


def link_rows(store, links, base_url: str, today: dt.date) -> list[LinkRow]:
    """The ``orb survey list --json`` rows of ``links``."""
    from ..results import response_rate
    from .flyer import link_url

    rows = []
    for link in links:
        rate = response_rate(store, link, today)
        rows.append(
            LinkRow(
                county=link.county,
                wave=link.wave,
                token=link.token,
                url=link_url(base_url, link.token),
                open=link.open_on(today),
                opened_at=_iso(link.opened_at) or "",
                opened_by=link.opened_by,
                closed_at=_iso(link.closed_at),
                closes_on=link.closes_on.isoformat() if link.closes_on else None,
                responses=store.response_count(link.county, link.wave),
                invited=link.invited,
                invited_roles=dict(link.invited_roles) if link.invited_roles else None,
                answered=rate.answered,
                closing=rate.closing,
            )
        )
    return rows


def _iso(stamp) -> str | None:
    """A stored moment as ISO 8601 with its time zone (the database keeps UTC)."""
    if stamp is None:
        return None
    return (stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.timezone.utc)).isoformat()


def _when(stamp) -> str:
    return stamp.astimezone().strftime("%Y-%m-%d %H:%M") if stamp else ""


def _write_flyer(store, link, base_url: str, out: str, language: str | None) -> Path:
    from ..exports import write_atomic
    from .flyer import flyer_html
    from .service import Survey

    return write_atomic(Path(out), flyer_html(Survey(store), link, base_url, language))


def cmd_survey(args) -> int:
    from .flyer import link_url

    store = args.app.store
    if args.action == "open":
        if not args.county:
            raise OrbError('say which county, municipality or school the link is for: orb survey open --county "NAME"')
        county = store.county(args.county).name
        today = dt.date.today()
        if args.pulse is not None and args.wave:
            raise OrbError("--pulse names its own wave (e.g. 2027-01-pulse-C); leave out --wave")
        wave = args.wave.strip() if args.wave else default_wave(store, county)
        if not wave:
            raise OrbError("--wave needs a label, e.g. --wave 2026-spring")
        invited, closes = parse_invited(args.invited), parse_closes(args.closes, today)
        if args.pulse is not None:
            link = args.app.open_pulse_link(county, args.pulse.strip(), today, invited=invited, closes_on=closes)
            wave = link.wave
            print(f"Pulse check on plan row {args.pulse.strip()} for {county}, wave {wave} (a short survey):")
        else:
            link = args.app.open_survey_link(county, wave, invited=invited, closes_on=closes)
            print(f"Survey link for {county}, wave {wave}:")
        url = link_url(_base_url(args, store), link.token)
        print(f"  {url}")
        if link.invited or link.closes_on:
            head, groups = _rate_lines(store, link, today)
            print(f"Sent to {link.invited} people" if link.invited else "Closing day set", end="")
            print(f"; {head}" if head else "")
            for line in groups:
                print(line)
        print(f"Anyone with this link can answer, once per page. Close it with: orb survey close {link.token}")
        if args.flyer:
            flyer = _write_flyer(store, link, _base_url(args, store), args.flyer, args.language)
            print(f"Printable flyer with a QR code: {flyer}")
        return 0
    if args.action == "close":
        if not args.token:
            raise OrbError("say which link to close: orb survey close TOKEN ('orb survey list' shows them)")
        link = store.close_link(args.token)
        print(
            f"Closed the survey link for {link.county}, wave {link.wave}; "
            f"{store.response_count(link.county, link.wave)} responses in that wave. "
            "People who open it now read that the survey has closed."
        )
        return 0
    if args.action == "flyer":
        link = store.link(args.token or "")
        if link is None:
            raise OrbError("say which link the flyer is for: orb survey flyer TOKEN ('orb survey list' shows them)")
        out = args.out or f"survey-flyer-{link.token[:6]}.html"
        print(
            f"Printable flyer with a QR code: {_write_flyer(store, link, _base_url(args, store), out, args.language)}"
        )
        return 0
    links = store.links(store.county(args.county).name if args.county else None)
    if args.json:
        rows = link_rows(store, links, _base_url(args, store), dt.date.today())
        print(json.dumps([r.model_dump(mode="json") for r in rows], indent=2, ensure_ascii=False))
        return 0
    if not links:
        print('No survey links yet. Open one with: orb survey open --county "NAME"')
        return 0
    base = _base_url(args, store)
    today = dt.date.today()
    for link in links:
        if link.closed_at is not None:
            state = f"closed {_when(link.closed_at)}"
        else:
            state = "open" if link.open_on(today) else f"closed after its closing day, {link.closes_on.isoformat()}"
        head, groups = _rate_lines(store, link, today) if link.invited or link.closes_on else ("", [])
        print(
            f"{link.county} | wave {link.wave} | {state} | opened {_when(link.opened_at)} by {link.opened_by} | "
            f"{store.response_count(link.county, link.wave)} responses | "
            + (f"{head} | " if head else "")
            + link_url(base, link.token)
        )
        for line in groups:
            print(line)
    return 0


def add_cli(sub, common) -> None:
    s = sub.add_parser("survey", parents=[common], help="open, close and list survey links for staff and partners")
    s.add_argument("action", choices=["open", "close", "list", "flyer"])
    s.add_argument("token", nargs="?", help="the link's token (close, flyer)")
    s.add_argument(
        "--county", "--unit", help="the county, municipality or school (open; list filters by it; --unit is the same)"
    )
    s.add_argument("--wave", help="the wave answers are stored under (open; default: the open or latest wave)")
    s.add_argument(
        "--base-url",
        metavar="URL",
        help="the address people reach the server at (default: $ORB_SURVEY_URL, else the address "
        f"'orb serve' serves this workspace at, else {DEFAULT_BASE_URL})",
    )
    s.add_argument(
        "--invited",
        metavar="N",
        help="open: how many people the link goes to, in all (--invited 60) or per role group "
        "(--invited leadership=12,supervisors=30; ids as 'orb instrument show' lists them)",
    )
    s.add_argument("--closes", metavar="YYYY-MM-DD", help="open: the day you mean to close the link")
    s.add_argument(
        "--pulse",
        metavar="ROW",
        help="open: a short pulse check on a plan row (its key as 'orb plan --json' shows it, e.g. C or C#2): "
        "that row's statements (at most 6) and one asking whether leaders told people what they did",
    )
    s.add_argument("--flyer", metavar="FILE", help="open: also write a printable flyer with a QR code")
    s.add_argument("--out", metavar="FILE", help="flyer: where to write it")
    s.add_argument("--language", help="flyer: its language (default: the survey's own)")
    s.add_argument("--json", action="store_true", help="list: one JSON array of the links (see the JSON reference)")
    s.set_defaults(func=cmd_survey)
